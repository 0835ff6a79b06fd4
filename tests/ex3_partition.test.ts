import assert from "node:assert/strict";
import { columnValues } from "../lib/batch.ts";
import { generateBlock, generateSales } from "../lib/exercises/generate.ts";
import { openSource } from "../lib/sources/source.ts";
import { assignPieces, partition, partSizes } from "../lib/exercises/ex3_partition.ts";
import type { Unit } from "../lib/engine/units.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("partSizes splits rows like numpy's array_split", () => {
  assert.deepEqual(partSizes(10, 3), [4, 3, 3]);
  assert.deepEqual(partSizes(2, 4), [1, 1, 0, 0]);
  assert.deepEqual(partSizes(16, 16), Array(16).fill(1));
});

Deno.test("assignPieces maps contiguous parts onto units", () => {
  const units = [0, 1, 2].map((i) => ({ kind: "parquet", path: `u${i}`, partitions: {} }) as Unit);
  const pieces = assignPieces(units, [5, 0, 7], [4, 4, 4]);
  const simple = pieces.map((p) => p.map((x) => [(x.unit as { path: string }).path, x.skip, x.take]));
  assert.deepEqual(simple, [[["u0", 0, 4]], [["u0", 4, 1], ["u2", 0, 3]], [["u2", 3, 4]]]);
});

Deno.test("partition writes N parts of contiguous rows, equal ±1, in order, from CSV and Parquet", async () => {
  const dir = await tempDir("part");
  const rows = 10_007;
  await generateSales({ rows, seed: 8, csv: `${dir}/s.csv`, parquet: `${dir}/ds`, workers: 1 });
  const direct = columnValues(generateBlock("sales", 8, 0, rows), "price") as Float64Array;
  for (const [input, workers] of [[`${dir}/s.csv`, 2], [`${dir}/s.csv`, 1]] as const) {
    const out = `${dir}/parts_${workers}`;
    const result = await partition(input, { out, parts: 16, workers });
    assert.equal(result.rows, rows);
    assert.deepEqual(result.parts.map((p) => p.rows), partSizes(rows, 16));
    // Reading the parts in name order gives back the input's rows in order.
    const back = await openSource(out);
    const prices: number[] = [];
    for await (const b of back.batches({ columns: ["price"] })) {
      prices.push(...(columnValues(b, "price") as Float64Array));
    }
    back.close();
    assert.deepEqual(prices, [...direct]);
    assert.equal(
      back.schema.fields.find((f) => f.name === "price")!.nullable,
      false,
      "no empty fields: REQUIRED",
    );
  }
  const fromDataset = await partition(`${dir}/ds`, { out: `${dir}/parts_ds`, parts: 3, workers: 2 });
  assert.deepEqual(fromDataset.parts.map((p) => p.rows), partSizes(rows, 3));
  await assert.rejects(partition(`${dir}/s.csv`, { out: `${dir}/parts_2`, parts: 4 }), /already exists/);
});
