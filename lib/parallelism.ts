/**
 * Exercise 3, parallelism: the lab contrasts threads for I/O with processes for CPU work. In Deno the two
 * tools are asynchronous I/O on one thread (many reads in flight) and Web Workers (real parallel CPU). Three
 * measurements over a folder of partitions: concurrent vs sequential reads, the lab's `heavy_process` on
 * workers vs sequentially, and speedup by worker count against the ideal line, with Amdahl's serial fraction.
 */
import { numericColumn } from "./batch.ts";
import { fileByteSource } from "./io/file.ts";
import { releaseDeadBuffers } from "./io/memory.ts";
import { ParquetReader } from "./parquet/read.ts";
import { partitionFiles } from "./pipeline.ts";
import { WorkerPool } from "./pool.ts";
import { lineChart } from "./plot/svg.ts";
import { addCompensated } from "./sum.ts";

const WORKER_URL = new URL("../workers/scan.ts", import.meta.url);

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
  concurrency: number;
  sequential_seconds: number;
  concurrent_seconds: number;
  speedup: number;
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
 * ThreadPoolExecutor for I/O). Decoding still runs on this one thread: the gain is only the waiting on I/O.
 */
export async function ioBenchmark(dir: string, options: { concurrency?: number } = {}): Promise<IoBenchmark> {
  const { concurrency = 8 } = options;
  const files = await partitionFiles(dir);
  let t = performance.now();
  let rows = 0;
  for (const f of files) rows += await readPartition(f);
  const sequential = (performance.now() - t) / 1000;
  releaseDeadBuffers(0);
  t = performance.now();
  const counts = await withConcurrency(files.map((f) => () => readPartition(f)), concurrency);
  const concurrent = (performance.now() - t) / 1000;
  if (counts.reduce((s, n) => s + n, 0) !== rows) {
    throw new Error("concurrent and sequential reads disagree on the row count");
  }
  return {
    files: files.length,
    rows,
    concurrency,
    sequential_seconds: sequential,
    concurrent_seconds: concurrent,
    speedup: sequential / concurrent,
  };
}

/** Per-category sums of the lab's score = √price × log1p(quantity) (compensated sums). */
export interface HeavyResult {
  [category: string]: { sum: number; compensation: number; count: number };
}

/** The lab's `heavy_process` on one partition file: read, score every row, aggregate by category. */
export async function heavyProcess(path: string): Promise<HeavyResult> {
  const source = await fileByteSource(path);
  const out: HeavyResult = {};
  try {
    const reader = await ParquetReader.open(source, { file: path });
    for await (const batch of reader.batches({ columns: ["category", "price", "quantity"] })) {
      const data = batch.getChild("category")!.data[0];
      const indices = data.values as Int32Array;
      const dictionary = data.dictionary!.toArray() as string[];
      const { values: price, validity: pv } = numericColumn(batch, "price");
      const { values: quantity, validity: qv } = numericColumn(batch, "quantity");
      const sums = new Float64Array(dictionary.length);
      const comps = new Float64Array(dictionary.length);
      const counts = new Float64Array(dictionary.length);
      for (let i = 0; i < batch.numRows; i++) {
        if (pv && (pv.bitmap[(i + pv.offset) >> 3] & (1 << ((i + pv.offset) & 7))) === 0) continue;
        if (qv && (qv.bitmap[(i + qv.offset) >> 3] & (1 << ((i + qv.offset) & 7))) === 0) continue;
        if (data.nullCount && !data.getValid(i)) continue;
        const x = Math.sqrt(price[i]) * Math.log1p(quantity[i]);
        const k = indices[i];
        const s = sums[k];
        const t = s + x;
        comps[k] += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
        sums[k] = t;
        counts[k]++;
      }
      dictionary.forEach((name, k) => {
        if (counts[k] === 0) return;
        const e = out[name] ??= { sum: 0, compensation: 0, count: 0 };
        addCompensated(e, sums[k]);
        addCompensated(e, comps[k]);
        e.count += counts[k];
      });
      releaseDeadBuffers();
    }
    return out;
  } finally {
    source.close();
  }
}

/** Per category: mean, sum and count of the score, merged from partition results in order. */
export function mergeHeavy(
  parts: readonly HeavyResult[],
): Record<string, { mean: number; sum: number; count: number }> {
  const total: HeavyResult = {};
  for (const part of parts) {
    for (const [name, e] of Object.entries(part)) {
      const t = total[name] ??= { sum: 0, compensation: 0, count: 0 };
      addCompensated(t, e.sum);
      addCompensated(t, e.compensation);
      t.count += e.count;
    }
  }
  return Object.fromEntries(
    Object.keys(total).sort().map((name) => {
      const e = total[name];
      const sum = e.sum + e.compensation;
      return [name, { mean: sum / e.count, sum, count: e.count }];
    }),
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
  const pool = new WorkerPool(WORKER_URL, workers);
  try {
    return await Promise.all(
      files.map((path) => pool.run<HeavyResult>(`heavy_process of ${path}`, { type: "heavy", path })),
    );
  } finally {
    pool.close();
  }
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
  sequential_seconds: number;
  seconds: Record<string, number>;
  speedup: Record<string, number>;
  /** Amdahl's serial fraction f from the speedups measured with 2..cores workers (least squares). */
  serial_fraction: number | null;
  /** Where adding workers stopped helping, and why. */
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

/** Sequential baseline, then `heavy_process` with 1, 2, 4 … `maxWorkers` workers. */
export async function scalingBenchmark(
  dir: string,
  options: { maxWorkers?: number } = {},
): Promise<ScalingBenchmark> {
  const { maxWorkers = 8 } = options;
  const cores = navigator.hardwareConcurrency || 1;
  const files = await partitionFiles(dir);
  let t = performance.now();
  await heavySequential(files);
  const sequentialSeconds = (performance.now() - t) / 1000;
  const seconds: Record<string, number> = {};
  const speedup: Record<string, number> = {};
  for (const w of workerCounts(maxWorkers)) {
    releaseDeadBuffers(0);
    t = performance.now();
    await heavyParallel(files, w);
    seconds[w] = (performance.now() - t) / 1000;
    speedup[w] = sequentialSeconds / seconds[w];
  }
  const within = Object.entries(speedup).map(([w, s]) => ({ workers: Number(w), speedup: s })).filter((p) =>
    p.workers <= cores
  );
  const f = serialFraction(within);
  const best = Object.entries(speedup).reduce((a, b) => (b[1] > a[1] ? b : a));
  const explanation =
    `speedup peaks at ${Number(best[1]).toFixed(2)}× with ${
      best[0]
    } workers on ${cores} cores: beyond ${cores} ` +
    `workers there are no more cores to run on, so extra workers only add start-up and scheduling cost; below that, the ` +
    `serial part (${
      f === null ? "unknown" : `${(f * 100).toFixed(0)}%`
    }: reading footers, starting workers, merging, ` +
    `the main thread's event loop) caps it (Amdahl: at most ${
      f ? (1 / f).toFixed(1) : "∞"
    }× with unlimited cores).`;
  return {
    cores,
    files: files.length,
    sequential_seconds: sequentialSeconds,
    seconds,
    speedup,
    serial_fraction: f,
    explanation,
  };
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
      } s` +
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
