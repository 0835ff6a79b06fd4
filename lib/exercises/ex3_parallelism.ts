/**
 * Exercise 3, parallelism: the lab contrasts threads for I/O with processes for CPU work. In Deno the two
 * tools are asynchronous I/O on one thread (many reads in flight) and Web Workers (real parallel CPU). Three
 * measurements over a folder of partitions: concurrent vs sequential reads, the lab's `heavy_process` on
 * workers vs sequentially, and speedup by worker count against the ideal line, with Amdahl's serial fraction.
 */
import { fileByteSource } from "../io/file.ts";
import { releaseDeadBuffers } from "../io/memory.ts";
import { ParquetReader } from "../parquet/read.ts";
import type { AggSpec, GroupPartial } from "../ops/group.ts";
import { parseDerived } from "../ops/expr.ts";
import { aggFile, mergeAgg } from "./agg.ts";
import { partitionFiles } from "./ex4_pipeline.ts";
import { runScanTask } from "./tasks.ts";
import { runAll } from "../engine/run.ts";
import { lineChart } from "../plot/svg.ts";
import type { MachineLoad } from "../io/machine.ts";
import { type Speedup, speedupOf, timeRounds, type Timing, timing } from "../engine/measure.ts";

/** Reads a whole Parquet file (every column, row group by row group); returns its row count. */
export async function readPartition(path: string): Promise<number> {
  const source = await fileByteSource(path);
  try {
    const reader = await ParquetReader.open(source, { file: path });
    let rows = 0;
    for await (const batch of reader.batches()) rows += batch.numRows;
    return rows;
  } finally {
    source.close();
  }
}

export interface IoBenchmark {
  files: number;
  rows: number;
  bytes: number;
  concurrency: number;
  runs: number;
  /** Medians (the spread is in `sequential` and `concurrent`). */
  sequential_seconds: number;
  concurrent_seconds: number;
  speedup: number;
  sequential: Timing;
  concurrent: Timing;
  speedup_range: Speedup;
  load: MachineLoad;
  /**
   * During the sequential reads, the share of the time this process spent computing (CPU time ÷ wall time):
   * near 1, the reads never waited on the disk, so there was nothing for concurrency to overlap.
   */
  sequential_cpu_busy: number;
  /** What the numbers mean, written from them. */
  explanation: string;
}

/** Runs `tasks` with at most `limit` in flight (asynchronous concurrency on this one thread). */
export async function withConcurrency<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Reads every partition one after another, then with `concurrency` reads in flight (the lab's
 * ThreadPoolExecutor for I/O), `runs` rounds interleaved. Decoding runs on this one thread either way: the
 * only thing concurrency can overlap is waiting on the disk, and the I/O-wait share measured says how much
 * there was.
 */
export async function ioBenchmark(
  dir: string,
  options: { concurrency?: number; runs?: number } = {},
): Promise<IoBenchmark> {
  const { concurrency = 8, runs = 1 } = options;
  const files = await partitionFiles(dir);
  let bytes = 0;
  for (const f of files) bytes += (await Deno.stat(f)).size;
  let rows = -1;
  let sequentialCpuMs = 0, sequentialWallMs = 0;
  // Not imported at the top: workers load this module for their tasks (see ex4_pipeline.ts).
  const { processCpuMs, withLoad } = await import("../io/machine.ts");
  const { value: t, load } = await withLoad(() =>
    timeRounds(
      runs,
      [
        ["sequential", async () => {
          const cpu = processCpuMs();
          const t = performance.now();
          let n = 0;
          for (const f of files) n += await readPartition(f);
          sequentialCpuMs += processCpuMs() - cpu;
          sequentialWallMs += performance.now() - t;
          return n;
        }],
        ["concurrent", async () =>
          (await withConcurrency(
            files.map((f) => () => readPartition(f)),
            concurrency,
          )).reduce((s, n) => s + n, 0)],
      ] as const,
      (_, n) => {
        if (rows >= 0 && n !== rows) {
          throw new Error("concurrent and sequential reads disagree on the row count");
        }
        rows = n;
      },
      () => releaseDeadBuffers(0),
    )
  );
  const speedup = speedupOf(t.sequential, t.concurrent);
  const result = {
    files: files.length,
    rows,
    bytes,
    concurrency,
    runs,
    sequential_seconds: t.sequential.median,
    concurrent_seconds: t.concurrent.median,
    speedup: speedup.median,
    sequential: t.sequential,
    concurrent: t.concurrent,
    speedup_range: speedup,
    load,
    sequential_cpu_busy: sequentialCpuMs / sequentialWallMs,
  };
  return { ...result, explanation: explainIo(result) };
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** A sentence on how busy the machine was, or "" when it was quiet or unknown. */
export function describeLoad(load: MachineLoad, cores: number): string {
  // Not the load average: outcore's own previous step (two workers) raises it as much as a stranger would.
  if (!load.cpu || load.cpu.others < 0.15) return "";
  return `The machine was busy: other processes used ${
    pct(load.cpu.others)
  } of the CPU time of its ${cores} cores while this was measured, so these timings are slower and noisier than on an idle machine. `;
}

/** What an I/O benchmark's numbers mean, from the numbers. */
export function explainIo(r: Omit<IoBenchmark, "explanation">): string {
  const cores = navigator.hardwareConcurrency || 1;
  const range = r.runs > 1
    ? ` (runs ${r.speedup_range.min.toFixed(2)}–${r.speedup_range.max.toFixed(2)}×)`
    : "";
  const mbps = r.bytes / 2 ** 20 / r.sequential_seconds;
  const busy = r.sequential_cpu_busy;
  const wait = busy >= 0.9
    ? `During the sequential reads this process was computing ${
      pct(Math.min(1, busy))
    } of the time: it hardly waited on the disk, `
    : `During the sequential reads this process was computing only ${
      pct(busy)
    } of the time: the rest was waiting (mostly on the disk), which concurrent reads can overlap, `;
  const verdict = r.speedup_range.min > 1.05
    ? `Concurrent reads were faster, ${
      r.speedup.toFixed(2)
    }×${range}: the reads overlapped some waiting on the disk.`
    : r.speedup_range.max < 0.95
    ? `Concurrent reads were slower, ${
      r.speedup.toFixed(2)
    }×${range}: interleaving ${r.concurrency} reads cost more than it saved.`
    : `Concurrent and sequential reads took about the same time, ${r.speedup.toFixed(2)}×${range}.`;
  return `${describeLoad(r.load, cores)}${verdict} ${wait}decoding ${
    mbps.toFixed(0)
  } MiB/s of Parquet on one thread. Asynchronous reads can only overlap waiting on I/O, never the decoding, which stays on that one thread.`;
}

/**
 * The lab's `heavy_process` as an aggregation: per category, the mean, sum and count of the score
 * √price × log1p(quantity) — `outcore agg PATH --with 'score = sqrt(price) * log1p(quantity)' --by category
 * --mean score --sum score --count score --dropna`.
 */
export const HEAVY_SPEC: AggSpec = {
  derived: [parseDerived("score = sqrt(price) * log1p(quantity)")],
  bins: [],
  by: ["category"],
  aggregates: [
    { fn: "mean", column: "score" },
    { fn: "sum", column: "score" },
    { fn: "count", column: "score" },
  ],
  dropNullKeys: true,
};

/** One partition's groups of the score (a partial to merge). */
export type HeavyResult = GroupPartial;

/** The lab's `heavy_process` on one partition file: read, score every row, aggregate by category. */
export async function heavyProcess(path: string): Promise<HeavyResult> {
  return await aggFile(path, HEAVY_SPEC);
}

/** Per category: mean, sum and count of the score, merged from partition results in order. */
export function mergeHeavy(
  parts: readonly HeavyResult[],
): Record<string, { mean: number; sum: number; count: number }> {
  return Object.fromEntries(
    mergeAgg(HEAVY_SPEC, parts).rows.filter((r) => (r[3] as number) > 0).map((
      [category, mean, sum, count],
    ) => [category as string, { mean: mean as number, sum: sum as number, count: count as number }]),
  );
}

/** `heavy_process` over every partition in the main thread, in order. */
export async function heavySequential(files: readonly string[]): Promise<HeavyResult[]> {
  const out: HeavyResult[] = [];
  for (const f of files) out.push(await heavyProcess(f));
  return out;
}

/** `heavy_process` over every partition on `workers` workers (worker start-up included in the time). */
export async function heavyParallel(files: readonly string[], workers: number): Promise<HeavyResult[]> {
  return await runAll<string, HeavyResult>(files, {
    local: runScanTask,
    workers,
    task: (path) => ({ type: "heavy", path }),
    label: (path) => `heavy_process of ${path}`,
  });
}

export interface WorkersBenchmark {
  files: number;
  workers: number;
  sequential_seconds: number;
  parallel_seconds: number;
  speedup: number;
  identical: boolean;
  by_category: Record<string, { mean: number; sum: number; count: number }>;
}

/** Sequential vs `workers` workers for `heavy_process`, with a check that both give identical results. */
export async function workersBenchmark(
  dir: string,
  options: { workers?: number } = {},
): Promise<WorkersBenchmark> {
  const { workers = 4 } = options;
  const files = await partitionFiles(dir);
  let t = performance.now();
  const sequential = mergeHeavy(await heavySequential(files));
  const sequentialSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const parallel = mergeHeavy(await heavyParallel(files, workers));
  const parallelSeconds = (performance.now() - t) / 1000;
  return {
    files: files.length,
    workers,
    sequential_seconds: sequentialSeconds,
    parallel_seconds: parallelSeconds,
    speedup: sequentialSeconds / parallelSeconds,
    identical: JSON.stringify(sequential) === JSON.stringify(parallel),
    by_category: parallel,
  };
}

export interface ScalingBenchmark {
  cores: number;
  files: number;
  runs: number;
  /** Median seconds of the sequential run (its spread is in `sequential`). */
  sequential_seconds: number;
  sequential: Timing;
  /** Median seconds and speedup by worker count. */
  seconds: Record<string, number>;
  speedup: Record<string, number>;
  timings: Record<string, Timing>;
  speedup_range: Record<string, Speedup>;
  /** Whether every parallel run gave exactly the sequential result. */
  identical: boolean;
  /** The sequential result, merged. */
  by_category: Record<string, { mean: number; sum: number; count: number }>;
  /** Seconds to start one worker and get its first reply (median of the rounds). */
  worker_startup_seconds: number;
  /**
   * Amdahl's serial fraction f from the speedups measured with 2..cores workers (least squares), or null when
   * no run beat the sequential one (then Amdahl's law does not describe the runs).
   */
  serial_fraction: number | null;
  load: MachineLoad;
  /** What the numbers mean, written from them. */
  explanation: string;
}

/** Worker counts measured: 1, 2, 4, … up to `max`. */
export function workerCounts(max: number): number[] {
  const out: number[] = [];
  for (let w = 1; w < max; w *= 2) out.push(w);
  out.push(max);
  return [...new Set(out)];
}

/**
 * Amdahl's law S(p) = 1 / (f + (1 − f)/p) solved for f by least squares over the measured points:
 * 1/S = f·(1 − 1/p) + 1/p, so f = Σ(1/S − 1/p)(1 − 1/p) / Σ(1 − 1/p)². Clamped to [0, 1].
 */
export function serialFraction(points: readonly { workers: number; speedup: number }[]): number | null {
  let num = 0;
  let den = 0;
  for (const { workers: p, speedup: s } of points) {
    if (p < 2 || !(s > 0)) continue;
    const x = 1 - 1 / p;
    num += (1 / s - 1 / p) * x;
    den += x * x;
  }
  if (den === 0) return null;
  return Math.min(1, Math.max(0, num / den));
}

/** Seconds to start one scan worker and get its first reply. */
export async function workerStartup(): Promise<number> {
  const t = performance.now();
  await runAll([null], {
    local: runScanTask,
    workers: 1,
    task: () => ({ type: "ping" as const }),
    label: () => "start-up",
  });
  return (performance.now() - t) / 1000;
}

/**
 * `heavy_process` sequentially and with 1, 2, 4 … `maxWorkers` workers, `runs` rounds interleaved (each
 * round runs every configuration once), checking that every parallel result equals the sequential one.
 */
export async function scalingBenchmark(
  dir: string,
  options: { maxWorkers?: number; runs?: number } = {},
): Promise<ScalingBenchmark> {
  const { maxWorkers = 8, runs = 1 } = options;
  const cores = navigator.hardwareConcurrency || 1;
  const files = await partitionFiles(dir);
  const counts = workerCounts(maxWorkers);
  let reference: string | null = null;
  let byCategory: ScalingBenchmark["by_category"] = {};
  let identical = true;
  const startups: number[] = [];
  const { withLoad } = await import("../io/machine.ts");
  const { value: t, load } = await withLoad(() =>
    timeRounds(
      runs,
      [
        ["startup", async () => {
          startups.push(await workerStartup());
          return null;
        }],
        ["sequential", async () => mergeHeavy(await heavySequential(files))],
        ...counts.map((w) => [String(w), async () => mergeHeavy(await heavyParallel(files, w))] as const),
      ],
      (name, merged) => {
        if (merged === null) return;
        const text = JSON.stringify(merged);
        if (name === "sequential") {
          reference ??= text;
          byCategory = merged;
        }
        if (text !== reference) identical = false;
      },
      () => releaseDeadBuffers(0),
    )
  );
  const seconds: Record<string, number> = {};
  const speedup: Record<string, number> = {};
  const timings: Record<string, Timing> = {};
  const range: Record<string, Speedup> = {};
  for (const w of counts) {
    timings[w] = t[String(w)];
    seconds[w] = timings[w].median;
    range[w] = speedupOf(t.sequential, timings[w]);
    speedup[w] = range[w].median;
  }
  const within = counts.filter((w) => w <= cores).map((w) => ({ workers: w, speedup: speedup[w] }));
  const result = {
    cores,
    files: files.length,
    runs,
    sequential_seconds: t.sequential.median,
    sequential: t.sequential,
    seconds,
    speedup,
    timings,
    speedup_range: range,
    identical,
    by_category: byCategory,
    worker_startup_seconds: timing(startups).median,
    serial_fraction: within.some((p) => p.workers >= 2 && p.speedup > 1) ? serialFraction(within) : null,
    load,
  };
  return { ...result, explanation: explainScaling(result) };
}

/** What a scaling benchmark's numbers mean, from the numbers (never a fixed story). */
export function explainScaling(r: Omit<ScalingBenchmark, "explanation">): string {
  const entries = Object.entries(r.speedup).map(([w, s]) => [Number(w), s] as const);
  const [bestW, best] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
  const out: string[] = [describeLoad(r.load, r.cores)];
  const startup = `starting one worker took ${r.worker_startup_seconds.toFixed(2)} s against ${
    r.sequential_seconds.toFixed(2)
  } s for the whole sequential run`;
  const runs = r.runs > 1 ? ` (median of ${r.runs} runs)` : " (one run: no spread measured)";
  if (best <= 1) {
    out.push(
      `No worker count beat the sequential run${runs}: the best was ${best.toFixed(2)}× with ${bestW} worker${
        bestW === 1 ? "" : "s"
      }. At this size the work does not pay for parallelism: ${startup}, and each worker also reads its files' footers and sends its partial result back. Amdahl's serial fraction is not estimated: the law assumes the parallel part gets faster.`,
    );
  } else {
    const f = r.serial_fraction;
    out.push(
      `The best speedup was ${best.toFixed(2)}× with ${bestW} worker${
        bestW === 1 ? "" : "s"
      } on ${r.cores} cores${runs}` +
        (f === null
          ? "."
          : `; fitted to the runs with ${
            r.cores === 2 ? "2 workers" : `2 to ${r.cores} workers`
          }, Amdahl's law gives a serial fraction of ${pct(f)}${
            f > 0 ? `, which would cap the speedup at ${(1 / f).toFixed(1)}× on any number of cores` : ""
          }.`) +
        ` What does not run in parallel: ${startup}; the main thread lists the files, merges the partial results and waits.`,
    );
  }
  const beyond = entries.filter(([w]) => w > r.cores);
  if (beyond.length) {
    const atCores = r.speedup[r.cores] ?? r.speedup[entries.filter(([w]) => w <= r.cores).at(-1)?.[0] ?? 1];
    const worse = beyond.every(([, s]) => s <= atCores * 1.05);
    out.push(
      worse
        ? `Beyond ${r.cores} workers there are no more cores to run on: ${
          beyond.map(([w, s]) => `${w} workers ${s.toFixed(2)}×`).join(", ")
        }, no better than ${r.cores}, as each extra worker only adds its start-up and switching.`
        : `Beyond ${r.cores} workers the speedup still moved (${
          beyond.map(([w, s]) => `${w} workers ${s.toFixed(2)}×`).join(", ")
        }) although there are no more cores: within this noise, not a real gain.`,
    );
  }
  if (!r.identical) out.push("The parallel results were NOT identical to the sequential ones.");
  return out.filter(Boolean).join(" ");
}

/** The speedup chart: measured speedup by worker count, the ideal line, and the core count. */
export function scalingChart(result: ScalingBenchmark): string {
  const counts = Object.keys(result.speedup).map(Number);
  const max = Math.max(...counts);
  return lineChart({
    title: "Speedup of heavy_process by number of workers",
    subtitle:
      `${result.files} partitions, ${result.cores} cores, sequential ${
        result.sequential_seconds.toFixed(2)
      } s (median of ${result.runs})` +
      (result.serial_fraction === null ? "" : `, serial fraction ${result.serial_fraction.toFixed(2)}`),
    xLabel: "workers",
    yLabel: "speedup (× sequential)",
    series: [
      { name: "measured speedup", points: counts.map((w) => [w, result.speedup[w]] as const) },
      { name: "ideal (linear)", points: [[1, 1], [max, max]], dashed: true, color: "#7f7f7f" },
      {
        name: `cores available (${result.cores})`,
        points: [[1, result.cores], [max, result.cores]],
        dashed: true,
        color: "#2ca02c",
      },
    ],
  });
}

// The notebook's names for this exercise's functions (Lab 06, Exercise 3; heavyProcess keeps its name).
export { partition as createPartitions } from "./ex3_partition.ts";
export {
  heavyParallel as runWithProcessPool,
  ioBenchmark as benchmarkThreadedIo,
  scalingBenchmark as measureSpeedup,
  workersBenchmark as benchmarkProcessPool,
};
