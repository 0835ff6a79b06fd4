/**
 * Exercise 2: online statistics over CSV, Parquet or a dataset, in parallel. The input is cut into units
 * (fixed-size CSV byte ranges, row groups, files — see parallel.ts); workers summarise units into
 * OnlineStats states, merged in unit order, so the answer is the same bit for bit whatever the number of
 * workers — 0 included, where the main thread reads the same units in the same order. A CSV whose split
 * points turn out to fall inside quoted fields, or any unit that fails, is read again chunk by chunk in one
 * reader: the result is then still right (equal to the last bits only up to merge order, and `fallback`
 * says so), and an error message has its exact line.
 */
import { addBatch, chunkedStats, statsColumns } from "./ex1_chunking.ts";
import { openSource, type SourceOptions } from "../sources/source.ts";
import { type ColumnSummary, exactStats, OnlineStats, type OnlineStatsState } from "../ops/online_stats.ts";
import { float64Values } from "../batch.ts";
import { type Unit, unitBatches } from "../engine/units.ts";
import { scanUnits } from "../engine/scan.ts";
import { runScanTask } from "./tasks.ts";

export interface UnitStatsTask {
  type: "unit-stats";
  unit: Unit;
  columns: string[];
  chunkRows: number;
}

export interface UnitStatsResult {
  states: OnlineStatsState[];
  rows: number;
  quotes: number;
}

/** Statistics of one unit (run inside a worker). Memory: one batch. */
export async function unitStats(task: UnitStatsTask): Promise<UnitStatsResult> {
  const stats = task.columns.map(() => new OnlineStats());
  const counts = { rows: 0, quotes: 0, skipped: 0 };
  for await (
    const batch of unitBatches(
      task.unit,
      { columns: task.columns, chunkRows: task.chunkRows, reuse: true },
      counts,
    )
  ) {
    task.columns.forEach((c, i) => addBatch(stats[i], batch, c));
  }
  return { states: stats.map((s) => s.toJSON()), rows: counts.rows, quotes: counts.quotes };
}

export interface ParallelStatsResult {
  columns: Record<string, ColumnSummary>;
  rows: number;
  units: number;
  workers: number;
  seconds: number;
  /** Why the input was read sequentially instead, or null. */
  fallback: string | null;
  /** Rows skipped as bad (`onBadRows: "skip"`, which reads sequentially). */
  bad_rows?: number;
}

/**
 * Rows per batch of a statistics pass whatever the memory budget: Welford partials merge per batch, so one
 * batch size for every budget keeps the answer's last bits the same in any container (and `stats`, the lab
 * and the benchmarks agree). Small enough for 96 MiB, as fast as 500,000 (measured).
 */
export const STATS_CHUNK_ROWS = 100_000;

/**
 * count, nulls, sum, mean, variance, std (population), min and max of numeric columns (default: all) using
 * `workers` workers (0: the main thread reads the units itself). Memory: one batch per worker.
 */
export async function parallelStats(
  path: string,
  options: SourceOptions & {
    columns?: readonly string[];
    workers?: number;
    chunkRows?: number;
    /** CSV range size (default 32 MiB; tests use small ones). */
    rangeBytes?: number;
    /** Input bytes per worker (default the engine's; tests use 0 to put small inputs on workers). */
    workerBytes?: number;
    /** After each unit: rows and bytes done so far, and the input's bytes in all. */
    onProgress?: (rows: number, bytes: number, totalBytes: number) => void;
  } = {},
): Promise<ParallelStatsResult> {
  const { workers = navigator.hardwareConcurrency || 1, chunkRows = STATS_CHUNK_ROWS, onProgress } = options;
  const started = performance.now();
  const source = await openSource(path, options);
  let columns: string[];
  try {
    columns = statsColumns(source, options.columns);
  } finally {
    source.close();
  }
  const sequential = async (reason: string): Promise<ParallelStatsResult> => {
    const again = await openSource(path, options);
    try {
      const result = await chunkedStats(again, {
        columns,
        chunkRows,
        onChunk: (rows, bytes) => onProgress?.(rows, bytes, again.byteLength),
      });
      return {
        columns: result.columns,
        rows: result.rows,
        units: 1,
        workers: 0,
        seconds: (performance.now() - started) / 1000,
        fallback: reason,
        bad_rows: again.badRows().count,
      };
    } finally {
      again.close();
    }
  };
  const scan = await scanUnits<UnitStatsResult>(path, {
    ...options,
    workers,
    local: runScanTask,
    task: (unit) => ({ type: "unit-stats", unit, columns, chunkRows }),
    mainScans: true,
    label: "stats",
    onProgress,
  });
  if (scan.fallback !== null) return await sequential(scan.fallback);
  const results = scan.results;
  const merged = columns.map(() => new OnlineStats());
  for (const r of results) r.states.forEach((state, i) => merged[i].merge(OnlineStats.fromJSON(state)));
  return {
    columns: Object.fromEntries(columns.map((c, i) => [c, merged[i].summary()])),
    rows: results.reduce((s, r) => s + r.rows, 0),
    units: scan.units,
    workers: scan.workers,
    seconds: (performance.now() - started) / 1000,
    fallback: null,
  };
}

export interface Validation {
  column: string;
  rows: number;
  online: { mean: number; variance: number; std: number; min: number; max: number };
  exact: { mean: number; variance: number; std: number; min: number; max: number };
  /** |online − exact| / |exact| for mean and variance (0 when equal). */
  relative_error: { mean: number; variance: number; std: number };
  passed: boolean;
}

/**
 * The lab's `test_online_stats`: Welford value by value over the first `rows` values of a column, against an
 * exact two-pass computation with compensated sums; passes within `tolerance` relative error.
 */
export async function validateOnlineStats(
  path: string,
  options: SourceOptions & { column?: string; rows?: number; tolerance?: number } = {},
): Promise<Validation> {
  const { column = "price", rows = 100_000, tolerance = 1e-9 } = options;
  const source = await openSource(path, options);
  const values = new Float64Array(rows);
  let n = 0;
  try {
    statsColumns(source, [column]);
    for await (const batch of source.batches({ columns: [column], batchSize: Math.min(rows, 500_000) })) {
      const v = float64Values(batch, column);
      const take = Math.min(v.length, rows - n);
      values.set(v.subarray(0, take), n);
      n += take;
      if (n >= rows) break;
    }
  } finally {
    source.close();
  }
  const sample = values.subarray(0, n);
  const online = new OnlineStats();
  for (let i = 0; i < sample.length; i++) online.update(sample[i]);
  const e = exactStats(sample);
  const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
  const relative = {
    mean: rel(online.mean, e.mean),
    variance: rel(online.variance, e.variance),
    std: rel(online.std, Math.sqrt(e.variance)),
  };
  return {
    column,
    rows: sample.length,
    online: {
      mean: online.mean,
      variance: online.variance,
      std: online.std,
      min: online.min,
      max: online.max,
    },
    exact: { mean: e.mean, variance: e.variance, std: Math.sqrt(e.variance), min: e.min, max: e.max },
    relative_error: relative,
    passed: relative.mean <= tolerance && relative.variance <= tolerance && online.min === e.min &&
      online.max === e.max,
  };
}

// The notebook's names for this exercise's functions (Lab 06, Exercise 2).
export { OnlineStats } from "../ops/online_stats.ts";
export { parallelStats as onlineStatsOverDataset, validateOnlineStats as testOnlineStats };
