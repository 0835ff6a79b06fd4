import assert from "node:assert/strict";
import { columnValues } from "../lib/batch.ts";
import { generateBlock, generatedSchema } from "../lib/exercises/generate.ts";
import { HiveDataset, HiveWriter, partitionsOf } from "../lib/parquet/hive.ts";
import { parsePredicate } from "../lib/ops/predicate.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("partitionsOf decodes key=value folders", () => {
  assert.deepEqual(partitionsOf("d", "d/category=Home%20%26%20Garden/year=2020/part-0.parquet"), {
    category: "Home & Garden",
    year: "2020",
  });
});

Deno.test("HiveWriter and HiveDataset round-trip rows and restore the partition column", async () => {
  const dir = await tempDir();
  const batch = generateBlock("sales", 1, 0, 5000);
  const writer = new HiveWriter(`${dir}/ds`, generatedSchema("sales"), "category");
  await writer.write(batch.slice(0, 3000));
  await writer.write(batch.slice(3000));
  await writer.close();
  const dataset = await HiveDataset.open(`${dir}/ds`);
  assert.deepEqual(dataset.partitionKeys, ["category"]);
  assert.equal(dataset.files.length, 5);
  assert.deepEqual(dataset.schema.fields.map((f) => f.name), [
    "date",
    "product_id",
    "price",
    "quantity",
    "customer_id",
    "category",
  ]);
  // Same rows per category and same price sums as the source batch.
  const want = new Map<string, { rows: number; price: number }>();
  const cats = batch.getChild("category")!;
  const prices = columnValues(batch, "price") as Float64Array;
  for (let i = 0; i < batch.numRows; i++) {
    const e = want.get(cats.get(i)) ?? { rows: 0, price: 0 };
    e.rows++;
    e.price += prices[i];
    want.set(cats.get(i), e);
  }
  const got = new Map<string, { rows: number; price: number }>();
  let rowGroups = 0;
  for await (const b of dataset.batches({ columns: ["category", "price"] })) {
    rowGroups++;
    const c = b.getChild("category")!.get(0);
    const e = got.get(c) ?? { rows: 0, price: 0 };
    e.rows += b.numRows;
    for (const p of columnValues(b, "price") as Float64Array) e.price += p;
    got.set(c, e);
  }
  assert.equal(rowGroups, 10); // two writes × five partitions
  // The partition column alone: every row still comes, with only that column.
  let alone = 0;
  for await (const b of dataset.batches({ columns: ["category"] })) {
    assert.deepEqual(b.schema.fields.map((f) => f.name), ["category"]);
    alone += b.numRows;
  }
  assert.equal(alone, batch.numRows);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) {
    assert.equal(got.get(k)!.rows, v.rows);
    assert.ok(Math.abs(got.get(k)!.price - v.price) < 1e-6);
  }
  dataset.close();
});

Deno.test("HiveDataset skips folders excluded by a predicate on the partition column", async () => {
  const dir = await tempDir();
  const writer = new HiveWriter(`${dir}/ds`, generatedSchema("warmup"), "category");
  await writer.write(generateBlock("warmup", 3, 0, 2000));
  await writer.close();
  const dataset = await HiveDataset.open(`${dir}/ds`);
  const where = [parsePredicate("category = Electronics")];
  assert.deepEqual(dataset.prune(where).map((f) => f.partitions.category), ["Electronics"]);
  let rows = 0;
  for await (const b of dataset.batches({ where })) {
    rows += b.numRows;
    for (let i = 0; i < b.numRows; i++) assert.equal(b.getChild("category")!.get(i), "Electronics");
  }
  assert.equal(rows, writer.partitions.get("Electronics"));
  assert.equal(dataset.prune([parsePredicate("category != Food")]).length, 4);
  dataset.close();
});

Deno.test("HiveDataset.open rejects a folder without Parquet files", async () => {
  const dir = await tempDir();
  await assert.rejects(HiveDataset.open(dir), /no \.parquet files in this folder/);
});
