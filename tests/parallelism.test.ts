import assert from "node:assert/strict";
import { generateSales } from "../lib/generate.ts";
import { partition } from "../lib/partition.ts";
import {
  heavyParallel,
  heavySequential,
  ioBenchmark,
  mergeHeavy,
  scalingBenchmark,
  serialFraction,
  withConcurrency,
  workerCounts,
  workersBenchmark,
} from "../lib/parallelism.ts";
import { partitionFiles } from "../lib/pipeline.ts";
import { tempDir } from "./_helpers.ts";

const dir = await tempDir("par");
await generateSales({ rows: 12_000, seed: 2, csv: `${dir}/s.csv`, parquet: null, workers: 1 });
await partition(`${dir}/s.csv`, { out: `${dir}/parts`, parts: 6, workers: 2 });

Deno.test("serialFraction recovers Amdahl's f from speedups", () => {
  const f = 0.2;
  const points = [1, 2, 4, 8].map((p) => ({ workers: p, speedup: 1 / (f + (1 - f) / p) }));
  assert.ok(Math.abs(serialFraction(points)! - f) < 1e-12);
  assert.equal(serialFraction([{ workers: 1, speedup: 1 }]), null);
  assert.deepEqual(workerCounts(8), [1, 2, 4, 8]);
  assert.deepEqual(workerCounts(6), [1, 2, 4, 6]);
});

Deno.test("withConcurrency keeps at most `limit` tasks in flight and returns results in order", async () => {
  let running = 0, peak = 0;
  const tasks = Array.from({ length: 10 }, (_, i) => async () => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, 2));
    running--;
    return i;
  });
  assert.deepEqual(await withConcurrency(tasks, 3), [...Array(10).keys()]);
  assert.equal(peak, 3);
});

Deno.test("heavy_process gives identical results sequentially and on workers; benchmarks report their numbers", async () => {
  const files = await partitionFiles(`${dir}/parts`);
  const sequential = mergeHeavy(await heavySequential(files));
  const parallel = mergeHeavy(await heavyParallel(files, 2));
  assert.deepEqual(parallel, sequential);
  assert.equal(Object.values(sequential).reduce((s, e) => s + e.count, 0), 12_000);
  const io = await ioBenchmark(`${dir}/parts`, { concurrency: 4 });
  assert.equal(io.rows, 12_000);
  const workers = await workersBenchmark(`${dir}/parts`, { workers: 2 });
  assert.ok(workers.identical);
  const scaling = await scalingBenchmark(`${dir}/parts`, { maxWorkers: 2 });
  assert.deepEqual(Object.keys(scaling.speedup), ["1", "2"]);
  assert.match(scaling.explanation, /cores/);
});
