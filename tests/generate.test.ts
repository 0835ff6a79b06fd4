import assert from "node:assert/strict";
import { columnValues } from "../lib/batch.ts";
import { CsvReader } from "../lib/csv/read.ts";
import {
  BLOCK_ROWS,
  CATEGORIES,
  generateBlock,
  generateSales,
  generateWarmup,
  SALES_START_MS,
} from "../lib/exercises/generate.ts";
import { fileByteStream } from "../lib/io/file.ts";
import { openSource } from "../lib/sources/source.ts";
import { assertSameBytes, tempDir } from "./_helpers.ts";

Deno.test("generateBlock draws values in the lab's ranges", () => {
  const batch = generateBlock("sales", 42, 0, 20_000);
  assert.equal(batch.numRows, 20_000);
  const check = (name: string, lo: number, hi: number) => {
    const v = columnValues(batch, name);
    for (const x of v) assert.ok(Number(x) >= lo && Number(x) <= hi, `${name} ${x}`);
  };
  check("product_id", 1, 9999);
  check("quantity", 1, 49);
  check("customer_id", 1, 99999);
  check("price", 1, 1000);
  for (const p of columnValues(batch, "price") as Float64Array) assert.equal(Math.round(p * 100) / 100, p);
  const dates = columnValues(batch, "date") as BigInt64Array;
  assert.equal(Number(dates[0]), SALES_START_MS);
  assert.equal(Number(dates[19_999]), SALES_START_MS + 19_999_000);
  const seen = new Set<string>();
  const cats = batch.getChild("category")!;
  for (let i = 0; i < 1000; i++) seen.add(cats.get(i));
  assert.deepEqual([...seen].sort(), [...CATEGORIES].sort());
});

Deno.test("generateBlock is deterministic per (seed, block) and differs across seeds", () => {
  const a = columnValues(generateBlock("warmup", 7, 1, BLOCK_ROWS + 500), "price");
  const b = columnValues(generateBlock("warmup", 7, 1, BLOCK_ROWS + 500), "price");
  const c = columnValues(generateBlock("warmup", 8, 1, BLOCK_ROWS + 500), "price");
  assert.equal(a.length, 500);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("generateSales writes the same bytes with 1 or 2 workers, and CSV and dataset agree", async () => {
  const dir = await tempDir();
  const rows = 12_345;
  const one = await generateSales({ rows, seed: 5, csv: `${dir}/a.csv`, parquet: `${dir}/a`, workers: 1 });
  await generateSales({ rows, seed: 5, csv: `${dir}/b.csv`, parquet: `${dir}/b`, workers: 2 });
  assertSameBytes(await Deno.readFile(`${dir}/a.csv`), await Deno.readFile(`${dir}/b.csv`), "a.csv");
  for (const cat of CATEGORIES) {
    const name = `category=${cat}/part-00000.parquet`;
    assertSameBytes(await Deno.readFile(`${dir}/a/${name}`), await Deno.readFile(`${dir}/b/${name}`), name);
  }
  assert.deepEqual(one.outputs.map((o) => [o.format, o.files]), [["csv", 1], ["dataset", 5]]);
  // Row count and price sum: CSV read back vs dataset read back.
  const csv = await CsvReader.open(await fileByteStream(`${dir}/a.csv`), { columns: ["price"] });
  let csvRows = 0, csvSum = 0;
  for await (const b of csv.batches()) {
    csvRows += b.numRows;
    for (const p of columnValues(b, "price") as Float64Array) csvSum += p;
  }
  const ds = await openSource(`${dir}/a`);
  let dsRows = 0, dsSum = 0;
  for await (const b of ds.batches({ columns: ["price"] })) {
    dsRows += b.numRows;
    for (const p of columnValues(b, "price") as Float64Array) dsSum += p;
  }
  ds.close();
  assert.equal(csvRows, rows);
  assert.equal(dsRows, rows);
  assert.ok(Math.abs(csvSum - dsSum) < 1e-6 * csvSum);
  const direct = columnValues(generateBlock("sales", 5, 0, rows), "price") as Float64Array;
  assert.ok(Math.abs(direct.reduce((s, p) => s + p, 0) - csvSum) < 1e-6 * csvSum);
});

Deno.test("generateWarmup writes one row group per block and refuses to overwrite without force", async () => {
  const dir = await tempDir();
  const out = `${dir}/w.parquet`;
  await generateWarmup({ rows: 3000, seed: 1, out });
  const source = await openSource(out);
  assert.equal(source.rowCount, 3000);
  source.close();
  await assert.rejects(generateWarmup({ rows: 10, seed: 1, out }), /already exists \(use --force/);
  await generateWarmup({ rows: 10, seed: 1, out, force: true });
  const again = await openSource(out);
  assert.equal(again.rowCount, 10);
  again.close();
  const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.deepEqual(leftovers, ["w.parquet"]);
});
