/**
 * Exercise 1, chunking: statistics computed chunk by chunk, a streaming filter whose memory does not depend
 * on the number of matches, and the memory profile that shows why it stays flat. Works on any Source (CSV,
 * Parquet, Hive dataset).
 */
import type { RecordBatch } from "apache-arrow";
import { columnValidity, columnValues, float64Values, kindOf, selectRows } from "./batch.ts";
import { RowFilter } from "./filter.ts";
import { rssBytes } from "./io/memory.ts";
import { openSink } from "./io/sink.ts";
import type { Source } from "./io/source.ts";
import { type ColumnSummary, OnlineStats } from "./online_stats.ts";
import type { Predicate } from "./predicate.ts";
import { UsageError } from "./errors.ts";

/** Numeric columns of a source (float64, int32, int64), in schema order. */
export function numericColumns(source: Source): string[] {
  return source.schema.fields.filter((f) => ["float64", "int32", "int64"].includes(kindOf(f.type))).map((f) =>
    f.name
  );
}

/** Checks that `columns` exist and are numeric; defaults to every numeric column. */
export function statsColumns(source: Source, columns?: readonly string[]): string[] {
  const numeric = numericColumns(source);
  if (!columns) {
    if (numeric.length === 0) throw new UsageError(`${source.path}: no numeric columns`);
    return numeric;
  }
  const names = source.schema.fields.map((f) => f.name);
  for (const c of columns) {
    if (!names.includes(c)) {
      throw new UsageError(`${source.path}: no column "${c}" (available: ${names.join(", ")})`);
    }
    if (!numeric.includes(c)) {
      throw new UsageError(`${source.path}: column "${c}" is not numeric (numeric: ${numeric.join(", ")})`);
    }
  }
  return [...columns];
}

/** Adds one batch's values of `column` to `stats` (one typed loop; int64 columns converted first). */
export function addBatch(stats: OnlineStats, batch: RecordBatch, column: string): void {
  const validity = columnValidity(batch, column);
  const raw = columnValues(batch, column);
  const values = raw instanceof BigInt64Array ? float64Values(batch, column) : raw;
  stats.updateBatch(values, validity?.bitmap ?? null, validity?.offset ?? 0);
}

export interface StatsResult {
  columns: Record<string, ColumnSummary>;
  rows: number;
  chunks: number;
  seconds: number;
}

/**
 * Statistics of numeric columns computed chunk by chunk in one pass. Memory: one chunk of the projected
 * columns plus a few numbers per column.
 */
export async function chunkedStats(
  source: Source,
  options: {
    columns?: readonly string[];
    chunkRows?: number;
    onChunk?: (rows: number, bytes: number) => void;
  } = {},
): Promise<StatsResult> {
  const { chunkRows = 500_000, onChunk } = options;
  const columns = statsColumns(source, options.columns);
  const started = performance.now();
  const stats = new Map(columns.map((c) => [c, new OnlineStats()]));
  let rows = 0;
  let chunks = 0;
  for await (const batch of source.batches({ columns, batchSize: chunkRows })) {
    for (const c of columns) addBatch(stats.get(c)!, batch, c);
    rows += batch.numRows;
    chunks++;
    onChunk?.(rows, source.bytesRead());
  }
  return {
    columns: Object.fromEntries(columns.map((c) => [c, stats.get(c)!.summary()])),
    rows,
    chunks,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface FilterResult {
  out: string;
  format: "parquet" | "csv";
  rows_in: number;
  rows_out: number;
  row_groups: number;
  files_skipped: number;
  seconds: number;
}

/**
 * Streams `source` through `where` into `out` (Parquet, or CSV when the name ends in .csv): every batch's
 * matches are written at once as one row group, so memory is one batch whatever the number of matches (the
 * lab collects every chunk's matches and concatenates them). The output keeps the input's columns and
 * types, and appears only when complete.
 */
export async function filterToFile(
  source: Source,
  options: {
    where: readonly Predicate[];
    out: string;
    force?: boolean;
    chunkRows?: number;
    onChunk?: (rows: number, bytes: number) => void;
  },
): Promise<FilterResult> {
  const { where, out, force = false, chunkRows = 500_000, onChunk } = options;
  const filter = new RowFilter(where, source.schema);
  const started = performance.now();
  const sink = await openSink(out, source.schema, { force });
  let rowsIn = 0;
  let rowGroups = 0;
  try {
    for await (const batch of source.batches({ batchSize: chunkRows, where })) {
      rowsIn += batch.numRows;
      const rows = filter.select(batch);
      if (rows.length > 0) {
        await sink.write(rows.length === batch.numRows ? batch : selectRows(batch, rows));
        rowGroups++;
      }
      onChunk?.(rowsIn, source.bytesRead());
    }
    await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  rowsIn += source.rowsSkipped();
  return {
    out,
    format: sink.format,
    rows_in: rowsIn,
    rows_out: sink.rowCount,
    row_groups: rowGroups,
    files_skipped: source.filesSkipped(),
    seconds: (performance.now() - started) / 1000,
  };
}

export interface MemoryProfile {
  /** RSS in MiB after each chunk. */
  rss_mb: number[];
  rows_per_chunk: number[];
  baseline_mb: number;
  peak_mb: number;
  rows: number;
  seconds: number;
}

/**
 * Reads `source` chunk by chunk, computing statistics of its numeric columns, and records the process's RSS
 * after every chunk: the lab's demonstration that chunked processing keeps memory flat.
 */
export async function memoryProfile(
  source: Source,
  options: {
    columns?: readonly string[];
    chunkRows?: number;
    onChunk?: (rows: number, bytes: number) => void;
  } = {},
): Promise<MemoryProfile> {
  const { chunkRows = 500_000, onChunk } = options;
  const columns = statsColumns(source, options.columns);
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const baseline = mib(rssBytes());
  const started = performance.now();
  const stats = new Map(columns.map((c) => [c, new OnlineStats()]));
  const rss: number[] = [];
  const rowsPerChunk: number[] = [];
  let rows = 0;
  for await (const batch of source.batches({ columns, batchSize: chunkRows })) {
    for (const c of columns) addBatch(stats.get(c)!, batch, c);
    rows += batch.numRows;
    rowsPerChunk.push(batch.numRows);
    rss.push(mib(rssBytes()));
    onChunk?.(rows, source.bytesRead());
  }
  return {
    rss_mb: rss,
    rows_per_chunk: rowsPerChunk,
    baseline_mb: baseline,
    peak_mb: Math.max(baseline, ...rss),
    rows,
    seconds: (performance.now() - started) / 1000,
  };
}
