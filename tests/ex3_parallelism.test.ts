import assert from "node:assert/strict";
import { generateSales } from "../lib/exercises/generate.ts";
import { partition } from "../lib/exercises/ex3_partition.ts";
import {
  explainScaling,
  heavyParallel,
  heavySequential,
  ioBenchmark,
  mergeHeavy,
  scalingBenchmark,
  serialFraction,
  withConcurrency,
  workerCounts,
  workersBenchmark,
} from "../lib/exercises/ex3_parallelism.ts";
import { partitionFiles } from "../lib/exercises/ex4_pipeline.ts";
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
  const io = await ioBenchmark(`${dir}/parts`, { concurrency: 4, runs: 2 });
  assert.equal(io.rows, 12_000);
  assert.equal(io.sequential.seconds.length, 2);
  assert.equal(io.sequential_seconds, io.sequential.median);
  const workers = await workersBenchmark(`${dir}/parts`, { workers: 2 });
  assert.ok(workers.identical);
  const scaling = await scalingBenchmark(`${dir}/parts`, { maxWorkers: 2, runs: 3 });
  assert.deepEqual(Object.keys(scaling.speedup), ["1", "2"]);
  assert.ok(scaling.identical);
  assert.deepEqual(scaling.by_category, sequential);
  // Medians of the interleaved runs, and each speedup within the range of its per-run ratios.
  for (const w of ["1", "2"]) {
    assert.equal(scaling.timings[w].seconds.length, 3);
    assert.equal(scaling.seconds[w], scaling.timings[w].median);
    assert.ok(scaling.speedup_range[w].min <= scaling.speedup[w] + 1e-12);
    assert.ok(scaling.speedup[w] <= scaling.speedup_range[w].max + 1e-12);
  }
  // The explanation is written from the numbers: it quotes the measured start-up and the best speedup.
  assert.match(
    scaling.explanation,
    new RegExp(`starting one worker took ${scaling.worker_startup_seconds.toFixed(2)} s`),
  );
  const best = Math.max(...Object.values(scaling.speedup));
  assert.ok(scaling.explanation.includes(`${best.toFixed(2)}×`), scaling.explanation);
  if (best <= 1) {
    assert.equal(scaling.serial_fraction, null);
    assert.match(scaling.explanation, /No worker count beat the sequential run/);
  }
});

Deno.test("explainScaling says what the numbers say: a busy machine, no speedup, or a fitted serial fraction", () => {
  const t = (median: number) => ({ median, min: median, max: median, seconds: [median] });
  const base = {
    cores: 2,
    files: 16,
    runs: 3,
    sequential_seconds: 2,
    sequential: t(2),
    timings: {},
    speedup_range: {},
    identical: true,
    by_category: {},
    worker_startup_seconds: 0.2,
    load: {
      load_before: [0.1, 0.1, 0.1],
      load_after: [0.5, 0.2, 0.1],
      cpu: { others: 0.02, self: 0.9 },
    },
  };
  const slow = { ...base, seconds: { 1: 2.5, 2: 2.2 }, speedup: { 1: 0.8, 2: 0.91 }, serial_fraction: null };
  const text = explainScaling(slow);
  assert.match(text, /No worker count beat the sequential run/);
  assert.match(text, /0\.91× with 2 workers/);
  assert.match(text, /starting one worker took 0\.20 s against 2\.00 s/);
  assert.doesNotMatch(text, /busy/);
  assert.doesNotMatch(text, /Amdahl's law gives/);
  const busy = explainScaling({
    ...slow,
    load: { ...base.load, cpu: { others: 0.45, self: 0.5 } },
  });
  assert.match(busy, /The machine was busy: other processes used 45% of the CPU time of its 2 cores/);
  // A high load average alone (outcore's own last step) is not taken for a busy machine.
  assert.doesNotMatch(explainScaling({ ...slow, load: { ...base.load, load_before: [3.5, 2, 1] } }), /busy/);
  const fast = explainScaling({
    ...base,
    seconds: { 1: 2.1, 2: 1.25, 4: 1.3, 8: 1.4 },
    speedup: { 1: 0.95, 2: 1.6, 4: 1.54, 8: 1.43 },
    serial_fraction: serialFraction([{ workers: 2, speedup: 1.6 }]),
  });
  assert.match(fast, /The best speedup was 1\.60× with 2 workers on 2 cores \(median of 3 runs\)/);
  assert.match(fast, /serial fraction of 25%, which would cap the speedup at 4\.0×/);
  assert.match(
    fast,
    /Beyond 2 workers there are no more cores to run on: 4 workers 1\.54×, 8 workers 1\.43×/,
  );
});
