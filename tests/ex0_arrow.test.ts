import assert from "node:assert/strict";
import { allValid, columnValues, float64Data, int64Data, makeBatch, setNull } from "../lib/batch.ts";
import { addRevenue, iterBatches, projectionBenchmark, readBenchmark } from "../lib/exercises/ex0_arrow.ts";
import { CompensatedSum } from "../lib/ops/sum.ts";
import { generateBlock, generateWarmup } from "../lib/exercises/generate.ts";
import { tempDir } from "./_helpers.ts";

const ROWS = 12_000;
const dir = await tempDir("ex0");
const path = `${dir}/w.parquet`;
await generateWarmup({ rows: ROWS, seed: 9, out: path });
const direct = generateBlock("warmup", 9, 0, ROWS);
const price = columnValues(direct, "price") as Float64Array;
const quantity = columnValues(direct, "quantity") as Int32Array;
let revenue = 0;
for (let i = 0; i < ROWS; i++) revenue += price[i] * quantity[i];

Deno.test("readBenchmark reads every row by all three methods and reports Arrow buffer bytes", async () => {
  const result = await readBenchmark(path, { runs: 1 });
  assert.deepEqual(result.methods.map((m) => m.rows), [ROWS, ROWS, ROWS]);
  // 4 int32/float64 columns + dictionary indices: 4+4+8+4+4 bytes a row, plus the small dictionary.
  const b = result.methods[1].memory_bytes;
  assert.ok(b >= ROWS * 24 && b < ROWS * 24 + 4096, String(b));
  assert.ok(result.speedup_columnar_vs_rows > 0);
});

Deno.test("projectionBenchmark reads fewer bytes and computes the exact revenue", async () => {
  const result = await projectionBenchmark(path, { runs: 1 });
  assert.deepEqual(result.columns, ["price", "quantity"]);
  assert.ok(result.projected.bytes_read < result.all.bytes_read);
  assert.ok(result.reduction.bytes_held > 0.4);
  assert.ok(Math.abs(result.revenue! - revenue) <= 1e-9 * revenue, `${result.revenue} vs ${revenue}`);
  await assert.rejects(projectionBenchmark(path, { columns: ["nope"] }), /no column "nope"/);
});

Deno.test("iterBatches slices row groups into batches with a running total", async () => {
  const result = await iterBatches(path, { batchSize: 5000 });
  assert.equal(result.row_groups, 1);
  assert.deepEqual(result.batches.map((b) => b.rows), [5000, 5000, 2000]);
  assert.ok(Math.abs(result.revenue - revenue) <= 1e-9 * revenue);
  assert.equal(result.batches.at(-1)!.running_total, result.revenue);
});

Deno.test("addRevenue reads int64 quantities exactly: negatives, nulls on either side, beyond 2^53", () => {
  const n = 1000;
  const price = new Float64Array(n);
  const quantity = new BigInt64Array(n);
  const pNulls = allValid(n);
  const qNulls = allValid(n);
  let pNullCount = 0;
  let qNullCount = 0;
  const expected = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    price[i] = ((i * 37) % 1000) / 8 - 20;
    // Small, negative, near and beyond the 2^53 boundary of the words' fast path, and the int64 extremes.
    const q = i % 97 === 0
      ? (i % 2 ? 9223372036854775807n : -9223372036854775808n)
      : i % 31 === 0
      ? 2n ** 53n + BigInt(i)
      : i % 29 === 0
      ? -(2n ** 52n) - BigInt(i)
      : BigInt((i % 49) - 10);
    quantity[i] = q;
    const pNull = i % 11 === 0;
    const qNull = i % 13 === 0;
    if (pNull) setNull(pNulls, i), pNullCount++;
    if (qNull) setNull(qNulls, i), qNullCount++;
    if (!pNull && !qNull) expected.add(price[i] * Number(q));
  }
  const batch = makeBatch([
    { name: "price", data: float64Data(price, pNulls, pNullCount) },
    { name: "quantity", data: int64Data(quantity, qNulls, qNullCount) },
  ]);
  const sum = new CompensatedSum();
  addRevenue(sum, batch);
  assert.equal(sum.value, expected.value);
});
