import assert from "node:assert/strict";
import { columnValues } from "../lib/batch.ts";
import { generateBlock, generateSales } from "../lib/exercises/generate.ts";
import { partition } from "../lib/exercises/ex3_partition.ts";
import { BIN_LABELS, priceBin, runPipeline } from "../lib/exercises/ex4_pipeline.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("priceBin uses right-closed intervals like pd.cut, and no bin outside (0, 1000]", () => {
  assert.deepEqual([0.01, 50, 50.01, 200, 200.5, 500, 500.01, 1000].map(priceBin), [0, 0, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual([0, -5, 1000.01, NaN].map(priceBin), [-1, -1, -1, -1]);
});

Deno.test("the pipeline equals a direct computation, and sequential and parallel runs agree to the bit", async () => {
  const dir = await tempDir("pipe");
  const rows = 20_000;
  await generateSales({ rows, seed: 21, csv: `${dir}/s.csv`, parquet: null, workers: 1 });
  await partition(`${dir}/s.csv`, { out: `${dir}/parts`, parts: 4, workers: 2 });
  const batch = generateBlock("sales", 21, 0, rows);
  const price = columnValues(batch, "price") as Float64Array;
  const quantity = columnValues(batch, "quantity") as Int32Array;
  const category = batch.getChild("category")!;
  const want = new Map<string, { sum: number; count: number; q: number }>();
  for (let i = 0; i < rows; i++) {
    const bin = priceBin(price[i]);
    if (bin < 0) continue;
    const key = `${category.get(i)}/${BIN_LABELS[bin]}`;
    const e = want.get(key) ?? { sum: 0, count: 0, q: 0 };
    e.sum += price[i] * quantity[i];
    e.count++;
    e.q += quantity[i];
    want.set(key, e);
  }
  for (const workers of [1, 2, 3]) {
    const result = await runPipeline(`${dir}/parts`, { workers });
    assert.ok(result.identical, `sequential = parallel with ${workers} workers`);
    assert.equal(result.partitions, 4);
    assert.equal(result.rows.length, want.size);
    for (const r of result.rows) {
      const e = want.get(`${r.category}/${r.price_bin}`)!;
      assert.equal(r.revenue_count, e.count);
      assert.equal(r.quantity_sum, e.q);
      assert.ok(Math.abs(r.revenue_sum - e.sum) <= 1e-9 * e.sum);
      assert.equal(r.revenue_mean, r.revenue_sum / r.revenue_count);
    }
    const order = result.rows.map((r) =>
      `${r.category}/${BIN_LABELS.indexOf(r.price_bin as typeof BIN_LABELS[number])}`
    );
    assert.deepEqual(order, [...order].sort());
  }
});

Deno.test("explainPipeline says when the parallel run lost, and why, from the numbers", async () => {
  const { explainPipeline } = await import("../lib/exercises/ex4_pipeline.ts");
  const t = (median: number) => ({ median, min: median, max: median, seconds: [median] });
  const base = {
    dir: "d",
    partitions: 16,
    rows: [],
    workers: 2,
    identical: true,
    runs: 1,
    load: { load_before: null, load_after: null, cpu: null },
  };
  const slow = explainPipeline({
    ...base,
    sequential_seconds: 0.16,
    parallel_seconds: 0.27,
    speedup: 0.16 / 0.27,
    sequential: t(0.16),
    parallel: t(0.27),
    speedup_range: { median: 0.59, min: 0.59, max: 0.59 },
  });
  assert.match(slow, /slower than the main thread alone \(0\.59×\).*only 10 ms sequentially/);
  const fast = explainPipeline({
    ...base,
    sequential_seconds: 1.6,
    parallel_seconds: 1.0,
    speedup: 1.6,
    sequential: t(1.6),
    parallel: t(1.0),
    speedup_range: { median: 1.6, min: 1.6, max: 1.6 },
  });
  assert.match(fast, /2 workers ran 1\.60× as fast as the main thread alone/);
});
