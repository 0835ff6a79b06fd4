/**
 * `agg`: group-by aggregation over any input, in parallel. The input is cut into the engine's units (CSV byte
 * ranges, row groups, files); each unit is folded into a `GroupAggregator` (lib/ops/group.ts) in a worker or,
 * with 0 workers, in this thread, and the partials are merged in unit order — the same bits for any worker
 * count. CSV units are read in batches of `STATS_CHUNK_ROWS` whatever the memory budget, Parquet ones a row
 * group at a time, so the answer does not depend on the budget either. Exercise 4's pipeline and Exercise 3's
 * `heavy_process` are this with the lab's arguments (their modules' `PIPELINE_SPEC` and `HEAVY_SPEC`).
 */
import {
  type AggSpec,
  type AggTable,
  GroupAggregator,
  type GroupPartial,
  specColumns,
} from "../ops/group.ts";
import type { RecordBatch } from "apache-arrow";
import { type ColumnKind, kindOf, PARQUET_TYPE_KEY, selectRows, timestampFactor } from "../batch.ts";
import { isDateAnnotation } from "../annotations.ts";
import { RowFilter } from "../ops/filter.ts";
import { openSource, type Source, type SourceOptions } from "../sources/source.ts";
import { releaseDeadBuffers } from "../io/memory.ts";
import { type Unit, unitBatches } from "../engine/units.ts";
import { scanSequentially, scanUnits } from "../engine/scan.ts";
import { runScanTask } from "./tasks.ts";
import { STATS_CHUNK_ROWS } from "./ex2_stats.ts";

export interface AggUnitTask {
  type: "agg-unit";
  unit: Unit;
  spec: AggSpec;
  columns: string[];
}

export interface AggUnitResult {
  partial: GroupPartial;
  rows: number;
  quotes: number;
}

/**
 * One unit's groups (run inside a worker). Memory: one batch (CSV: `STATS_CHUNK_ROWS` rows; Parquet: a row
 * group) plus the groups.
 */
export async function aggUnit(task: AggUnitTask): Promise<AggUnitResult> {
  const groups = new GroupAggregator(task.spec);
  const counts = { rows: 0, quotes: 0, skipped: 0 };
  // Parquet: whole row groups (as the lab's pipeline reads them); CSV: fixed-size batches.
  const chunkRows = task.unit.kind === "csv" ? STATS_CHUNK_ROWS : Infinity;
  const where = task.spec.where?.length ? task.spec.where : undefined;
  let filter: RowFilter | null = null;
  for await (
    const batch of unitBatches(task.unit, { columns: task.columns, chunkRows, where, reuse: true }, counts)
  ) {
    groups.addBatch(matching(batch, where, filter ??= where ? new RowFilter(where, batch.schema) : null));
    releaseDeadBuffers();
  }
  return { partial: groups.toPartial(), rows: counts.rows, quotes: counts.quotes };
}

/**
 * A file's groups, read in this thread a row group (CSV: `STATS_CHUNK_ROWS` rows) at a time into one
 * aggregator — the lab's per-partition functions. Memory: one row group plus the groups.
 */
export async function aggFile(path: string, spec: AggSpec): Promise<GroupPartial> {
  const source = await openSource(path);
  try {
    const columns = readColumns(spec, source);
    const groups = new GroupAggregator(spec);
    const batchSize = source.format === "csv" ? STATS_CHUNK_ROWS : Infinity;
    const where = spec.where?.length ? spec.where : undefined;
    let filter: RowFilter | null = null;
    for await (const batch of source.batches({ columns, batchSize, where, reuse: true })) {
      groups.addBatch(matching(batch, where, filter ??= where ? new RowFilter(where, batch.schema) : null));
      releaseDeadBuffers();
    }
    return groups.toPartial();
  } finally {
    source.close();
  }
}

/** The rows of a batch that `filter` keeps (the batch itself without one). */
function matching(batch: RecordBatch, where: unknown, filter: RowFilter | null): RecordBatch {
  if (!where || !filter) return batch;
  const rows = filter.select(batch);
  return rows.length === batch.numRows ? batch : selectRows(batch, rows);
}

/** Merges partials in order into the result table. */
export function mergeAgg(spec: AggSpec, partials: readonly GroupPartial[]): AggTable {
  const groups = new GroupAggregator(spec);
  for (const p of partials) groups.merge(p);
  return groups.result();
}

export interface AggResult {
  table: AggTable;
  rows: number;
  units: number;
  workers: number;
  seconds: number;
  /** Why the input was read in one reader instead, or null. */
  fallback: string | null;
}

/** The columns a spec reads from a source (none for `--count` alone: reads still count the rows). */
function readColumns(spec: AggSpec, source: Source): string[] {
  const kinds = kindsOf(source);
  // Timestamp and date columns whose min or max is asked for: how their values read.
  for (const a of spec.aggregates) {
    const field = source.schema.fields.find((f) => f.name === a.column);
    if (!field || (a.fn !== "min" && a.fn !== "max") || kinds[field.name] !== "timestamp") continue;
    const annotations = JSON.parse(field.metadata.get(PARQUET_TYPE_KEY) ?? "{}");
    spec.times = {
      ...spec.times,
      [field.name]: { perMs: timestampFactor(field.type), date: isDateAnnotation(annotations) },
    };
  }
  return specColumns(spec, kinds);
}

/** The column kinds of a source (columns of types outcore does not compute on: "other"). */
function kindsOf(source: Source): Record<string, ColumnKind> {
  return Object.fromEntries(source.schema.fields.map((f) => {
    try {
      return [f.name, kindOf(f.type)];
    } catch {
      return [f.name, "other" as ColumnKind];
    }
  }));
}

/**
 * Aggregates `path` by `spec` on up to `workers` workers (0: this thread). Memory: one batch per worker plus
 * the groups (every worker holds the groups of its unit; the main thread all of them).
 */
export async function parallelAgg(
  path: string,
  spec: AggSpec,
  options: SourceOptions & {
    workers?: number;
    rangeBytes?: number;
    workerBytes?: number;
    onProgress?: (rows: number, bytes: number, totalBytes: number) => void;
  } = {},
): Promise<AggResult> {
  const { workers = navigator.hardwareConcurrency || 1, onProgress } = options;
  const started = performance.now();
  const probe = await openSource(path, options);
  let columns: string[];
  try {
    columns = readColumns(spec, probe);
  } finally {
    probe.close();
  }
  const sequential = async (reason: string): Promise<AggResult> => {
    const groups = new GroupAggregator(spec);
    const where = spec.where?.length ? spec.where : undefined;
    let filter: RowFilter | null = null;
    const rows = await scanSequentially(
      path,
      options,
      { columns, batchSize: STATS_CHUNK_ROWS, where, reuse: true },
      (batch) =>
        groups.addBatch(matching(batch, where, filter ??= where ? new RowFilter(where, batch.schema) : null)),
      onProgress,
    );
    return {
      table: groups.result(),
      rows,
      units: 1,
      workers: 0,
      seconds: (performance.now() - started) / 1000,
      fallback: reason,
    };
  };
  const scan = await scanUnits<AggUnitResult>(path, {
    ...options,
    where: spec.where,
    workers,
    local: runScanTask,
    task: (unit) => ({ type: "agg-unit", unit, spec, columns }),
    mainScans: true,
    label: "agg",
    onProgress,
  });
  if (scan.fallback !== null) return await sequential(scan.fallback);
  const results = scan.results;
  return {
    table: mergeAgg(spec, results.map((r) => r.partial)),
    rows: results.reduce((s, r) => s + r.rows, 0),
    units: scan.units,
    workers: scan.workers,
    seconds: (performance.now() - started) / 1000,
    fallback: null,
  };
}
