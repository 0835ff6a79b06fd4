/**
 * The engine (lib/engine/run.ts): units run on workers or, with 0 workers, in this thread with the same task
 * code, results handed back in unit order — so every parallel command gives the same bits for any worker
 * count. Oracles: the 0-worker run, and the stored values of the files written.
 */
import assert from "node:assert/strict";
import { parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { runAll, runOrdered, workersFor } from "../lib/engine/run.ts";
import { runScanTask, type ScanTask } from "../lib/exercises/tasks.ts";
import { planUnits, type Unit } from "../lib/engine/units.ts";
import { generateSales, generateWarmup } from "../lib/exercises/generate.ts";
import { fileByteSource } from "../lib/io/file.ts";
import { parallelFilter } from "../lib/exercises/ex1_chunking.ts";
import { heavyParallel, mergeHeavy } from "../lib/exercises/ex3_parallelism.ts";
import { partition } from "../lib/exercises/ex3_partition.ts";
import { runPipeline } from "../lib/exercises/ex4_pipeline.ts";
import { parsePredicate } from "../lib/ops/predicate.ts";
import { parallelStats } from "../lib/exercises/ex2_stats.ts";
import { partitionFiles } from "../lib/exercises/ex4_pipeline.ts";
import { tempDir } from "./_helpers.ts";

const dir = await tempDir("engine");
await generateSales({ rows: 30_000, seed: 5, csv: `${dir}/s.csv`, parquet: `${dir}/ds`, workers: 1 });
await generateWarmup({ rows: 30_000, seed: 5, out: `${dir}/w.parquet` });
await partition(`${dir}/s.csv`, { out: `${dir}/parts`, parts: 5, workers: 2 });

async function rowsOf(path: string) {
  const file = await fileByteSource(path);
  try {
    return await parquetReadObjects({ file, metadata: await parquetMetadataAsync(file) });
  } finally {
    file.close();
  }
}

Deno.test("runOrdered hands results back in unit order with 0 or more workers; workersFor never exceeds the units", async () => {
  const units = [0, 1, 2, 3, 4, 5];
  for (const workers of [0, 1, 3]) {
    const seen: number[] = [];
    for await (
      const _ of runOrdered(units, {
        workers,
        window: 2,
        task: () => ({ type: "ping" as const }),
        label: String,
        local: runScanTask,
      })
    ) {
      seen.push(seen.length);
    }
    assert.deepEqual(seen, units);
  }
  assert.equal(workersFor(3, 8), 3);
  assert.equal(workersFor(10, 0), 0);
  const all = await runAll([1, 2], {
    workers: 2,
    task: () => ({ type: "ping" as const }),
    label: String,
    local: runScanTask,
  });
  assert.deepEqual(all, [null, null]);
});

Deno.test("runAll with mainScans: this thread takes units too, results come back in unit order, a failed unit throws", async () => {
  const { units } = await planUnits(`${dir}/s.csv`, { rangeBytes: 50_000 });
  assert.ok(units.length >= 8);
  const task = (unit: Unit): ScanTask => ({ type: "unit-stats", unit, columns: ["price"], chunkRows: 1_000 });
  const alone = await runAll(units, { workers: 0, task, label: String, local: runScanTask });
  let here = 0;
  const local = (t: ScanTask) => {
    here++;
    return runScanTask(t);
  };
  const shared = await runAll(units, { workers: 2, mainScans: true, task, label: String, local });
  assert.deepEqual(shared, alone);
  assert.ok(here > 0 && here < units.length, `this thread ran ${here} of ${units.length} units`);
  const broken = units.map((u, i) => i === 5 ? { ...u, path: `${dir}/missing.csv` } : u);
  const seen: number[] = [];
  await assert.rejects(
    runAll(broken, {
      workers: 2,
      mainScans: true,
      task,
      label: String,
      local,
      onResult: (_, i) => seen.push(i),
    }),
    /missing\.csv/,
  );
  assert.deepEqual(seen, [0, 1, 2, 3, 4], "every unit before the failed one is handed back, none after");
});

Deno.test("runOrdered with mainScans: this thread scans too, at most `window` results are held, all in unit order", async () => {
  const { units } = await planUnits(`${dir}/s.csv`, { rangeBytes: 30_000 });
  assert.ok(units.length >= 12);
  const task = (unit: Unit): ScanTask => ({ type: "unit-stats", unit, columns: ["price"], chunkRows: 1_000 });
  const alone = await runAll(units, { workers: 0, task, label: String, local: runScanTask });
  for (const window of [2, 3, 5]) {
    let taken = 0, handedBack = 0, most = 0, here = 0;
    const results = [];
    for await (
      const result of runOrdered(units, {
        workers: 3,
        mainScans: true,
        window,
        task: (unit) => {
          taken++;
          most = Math.max(most, taken - handedBack);
          return task(unit);
        },
        label: String,
        local: (t) => {
          here++;
          return runScanTask(t);
        },
      })
    ) {
      results.push(result);
      handedBack++;
      // A slow consumer (the filter appending row groups): the lanes must wait for room, not run ahead.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(results, alone, `window ${window}`);
    // `window` in flight, besides the one the consumer holds.
    assert.ok(most <= window + 1, `window ${window}: ${most} units taken ahead of the consumer`);
    assert.ok(here > 0 && here < units.length, `this thread ran ${here} of ${units.length} units`);
  }
});

Deno.test("stats, filter, pipeline and heavy_process give the same bits with 0, 1, 2 and 3 workers", async () => {
  for (const path of [`${dir}/s.csv`, `${dir}/w.parquet`, `${dir}/ds`]) {
    const stats = [];
    const filtered = [];
    for (const workers of [0, 1, 2, 3]) {
      const s = await parallelStats(path, {
        workerBytes: 0,
        columns: ["price"],
        workers,
        rangeBytes: 100_000,
      });
      stats.push(s.columns.price);
      const out = `${dir}/f_${workers}_${path.split("/").pop()}.parquet`;
      const f = await parallelFilter(path, {
        workerBytes: 0,
        where: [parsePredicate("price > 500")],
        out,
        workers,
        rangeBytes: 100_000,
        chunkRows: 4_000,
      });
      assert.ok(f.workers <= workers && (workers === 0) === (f.workers === 0));
      filtered.push(await rowsOf(out));
    }
    for (const s of stats.slice(1)) assert.deepEqual(s, stats[0], path);
    for (const f of filtered.slice(1)) assert.deepEqual(f, filtered[0], path);
  }
  const pipelines = [];
  for (const workers of [0, 1, 2, 3]) {
    pipelines.push((await runPipeline(`${dir}/parts`, { workers, skipSequential: true })).rows);
  }
  for (const p of pipelines.slice(1)) assert.deepEqual(p, pipelines[0]);
  const files = await partitionFiles(`${dir}/parts`);
  const heavy = [];
  for (const workers of [0, 1, 2, 3]) heavy.push(mergeHeavy(await heavyParallel(files, workers)));
  for (const h of heavy.slice(1)) assert.deepEqual(h, heavy[0]);
});

Deno.test("warm workers serve consecutive commands with the same results, and are released", async () => {
  const { keepWorkersWarm } = await import("../lib/engine/run.ts");
  const cold = await parallelStats(`${dir}/s.csv`, {
    workerBytes: 0,
    columns: ["price"],
    workers: 2,
    rangeBytes: 100_000,
  });
  const release = keepWorkersWarm(2);
  try {
    for (let i = 0; i < 2; i++) {
      const hot = await parallelStats(`${dir}/s.csv`, {
        workerBytes: 0,
        columns: ["price"],
        workers: 2,
        rangeBytes: 100_000,
      });
      assert.deepEqual(hot.columns, cold.columns);
      assert.equal(hot.workers, 2);
    }
  } finally {
    release();
  }
});
