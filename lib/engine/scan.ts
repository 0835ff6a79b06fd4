/**
 * A parallel pass over an input's units, as every command that folds units into partials runs it (`stats`,
 * `agg`, `stats` of every column, `convert --partition-by`): plan the units, run them on the engine with
 * progress in rows and bytes as each finishes, and say when the input must be read again by one reader
 * instead — `--on-bad-rows=skip` (exact lines need one reader), a CSV reader that failed (it may have started
 * inside a quoted field), or CSV split points that fell inside quotes. The caller merges the results in unit
 * order, or reads the input its own way with the reason given.
 */
import { splitsAreSafe } from "../io/split.ts";
import type { Predicate } from "../ops/predicate.ts";
import type { RecordBatch } from "apache-arrow";
import { openSource, type ReadOptions, type SourceOptions } from "../sources/source.ts";
import type { ScanTask, TaskReply } from "../exercises/tasks.ts";
import { describeUnit, planUnits, type Unit, unitBytes } from "./units.ts";
import { runAll, workersFor } from "./run.ts";

/** A unit's result: at least its rows and (CSV) the quote characters its reader saw. */
export interface UnitCounts {
  rows: number;
  quotes: number;
}

/** The results in unit order, or why the input must be read by one reader instead. */
export type ScanOutcome<R> =
  | { results: R[]; units: number; workers: number; fallback: null }
  | { results: null; fallback: string };

/** Runs `path`'s units (see the module's comment). Memory: the results, plus one unit per worker. */
export async function scanUnits<R extends UnitCounts>(
  path: string,
  options: SourceOptions & {
    where?: readonly Predicate[];
    rangeBytes?: number;
    workers: number;
    workerBytes?: number;
    /** This thread scans units too, as one of `workers` (the engine's `mainScans`). */
    mainScans?: boolean;
    /** Runs a task in this thread (exercises/tasks.ts `runScanTask`). */
    local: (task: ScanTask) => Promise<TaskReply>;
    task: (unit: Unit, index: number) => ScanTask;
    /** What the task does, for error messages: `stats` → `stats of sales.csv bytes 0–33554432`. */
    label: string;
    onProgress?: (rows: number, bytes: number, totalBytes: number) => void;
  },
): Promise<ScanOutcome<R>> {
  if (options.onBadRows === "skip") {
    return { results: null, fallback: "--on-bad-rows=skip reports exact lines, which needs one reader" };
  }
  const plan = await planUnits(path, options);
  const totalBytes = plan.units.reduce((s, u) => s + unitBytes(u), 0);
  let results: R[];
  try {
    let rowsDone = 0, bytesDone = 0;
    results = await runAll<Unit, R>(plan.units, {
      local: options.local,
      workers: options.workers,
      task: options.task,
      bytes: unitBytes,
      workerBytes: options.workerBytes,
      mainScans: options.mainScans,
      label: (unit, i) => `${options.label} of ${describeUnit(unit, i)}`,
      onResult: (result, i) => {
        rowsDone += result.rows;
        bytesDone += unitBytes(plan.units[i]);
        options.onProgress?.(rowsDone, bytesDone, totalBytes);
      },
    });
  } catch (err) {
    if (plan.format !== "csv") throw err;
    // A CSV split inside a quoted field fails in the reader that got it; the one reader decides.
    return {
      results: null,
      fallback: `a parallel reader failed (${err instanceof Error ? err.message : err})`,
    };
  }
  if (plan.format === "csv" && !splitsAreSafe(results.map((r) => r.quotes))) {
    return { results: null, fallback: "a split point fell inside a quoted field (newlines in quotes)" };
  }
  return {
    results,
    units: plan.units.length,
    workers: workersFor(plan.units.length, options.workers, totalBytes, options.workerBytes),
    fallback: null,
  };
}

/**
 * The one reader a pass falls back to (see `scanUnits`): reads `path` again in batches of `read`, hands each
 * to `add` as it comes and reports progress in rows and bytes. Returns the rows read. Memory: one batch (the
 * source frees dead batch buffers between batches).
 */
export async function scanSequentially(
  path: string,
  options: SourceOptions,
  read: ReadOptions,
  add: (batch: RecordBatch) => void,
  onProgress?: (rows: number, bytes: number, totalBytes: number) => void,
): Promise<number> {
  const source = await openSource(path, options);
  try {
    let rows = 0;
    for await (const batch of source.batches(read)) {
      add(batch);
      rows += batch.numRows;
      onProgress?.(rows, source.bytesRead(), source.byteLength);
    }
    return rows;
  } finally {
    source.close();
  }
}
