/**
 * Exercise 1, chunking: statistics computed chunk by chunk, a streaming filter whose memory does not depend
 * on the number of matches, and the memory profile that shows why it stays flat. Works on any Source (CSV,
 * Parquet, Hive dataset).
 */
import type { RecordBatch } from "apache-arrow";
import { Schema, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import {
  BatchBuilder,
  columnData,
  columnKind,
  columnValues,
  concatBatches,
  fieldOf,
  type FieldSpec,
  isUnsigned64,
  kindOf,
  NESTED_KEY,
  numericColumn,
  selectColumns,
  specOf,
} from "../batch.ts";
import { int64Aggregate } from "../ops/int64.ts";
import { CsvEncoder } from "../csv/write.ts";
import { AtomicOutput, FileWriter } from "../io/atomic.ts";
import { freeBatches, freeBuffers, releaseDeadBuffers, rssBytes } from "../io/memory.ts";
import { openSource, type Source, type SourceOptions } from "../sources/source.ts";
import { splitsAreSafe } from "../io/split.ts";
import {
  describeUnit,
  planUnits,
  type Unit,
  unitBatches,
  unitBytes,
  type UnitStats,
} from "../engine/units.ts";
import {
  type EncodedRowGroup,
  encodeRowGroup,
  loadCodec,
  ParquetFileWriter,
  type WriteCodec,
} from "../parquet/write.ts";
import { runScanTask } from "./tasks.ts";
import { runOrdered, workersFor } from "../engine/run.ts";
import { RowFilter } from "../ops/filter.ts";
import { openSink } from "../sources/sink.ts";
import { type ColumnSummary, OnlineStats } from "../ops/online_stats.ts";
import type { Predicate } from "../ops/predicate.ts";
import { DataError, UsageError } from "../errors.ts";
import { lineChart } from "../plot/svg.ts";

/** Numeric columns of a source (float64, int32, int64), in schema order. */
export function numericColumns(source: Source): string[] {
  // Unsigned 64-bit values are raw int64 bits: their sums and order would be wrong, so they are left out.
  return source.schema.fields.filter((f) =>
    ["float64", "int32", "int64"].includes(kindOf(f.type)) && !isUnsigned64(f)
  )
    .map((f) => f.name);
}

/**
 * Checks that `columns` exist and are numeric; defaults to every numeric column. An input with no rows at all
 * (a header-only CSV) has nothing to type: every requested column counts 0. A CSV column inferred as text is
 * the file's doing (exit 1, with the `--types` that reads it as numbers); a typed format's text column asked
 * for as a number is the command line's (exit 2).
 */
export function statsColumns(source: Source, columns?: readonly string[]): string[] {
  const numeric = numericColumns(source);
  const names = source.schema.fields.map((f) => f.name);
  if (source.rowCount === 0) return columns ? [...columns].filter((c) => names.includes(c)) : names;
  if (!columns) {
    if (numeric.length === 0) throw new UsageError(`${source.path}: no numeric columns`);
    return numeric;
  }
  for (const c of columns) {
    if (!names.includes(c)) {
      throw new UsageError(`${source.path}: no column "${c}" (available: ${names.join(", ")})`);
    }
    if (source.schema.fields.find((f) => f.name === c)?.metadata.has(NESTED_KEY)) continue; // counted
    if (!numeric.includes(c)) {
      if (source.format === "csv") {
        throw new DataError(
          { file: source.path, column: c },
          `holds text, not only numbers (inferred from rows sampled across the file); --types ${c}=float64 reads it as numbers and stops at the first value that is not one, naming its line`,
        );
      }
      throw new UsageError(
        `${source.path}: column "${c}" is not numeric (${
          numeric.length ? `numeric: ${numeric.join(", ")}` : "it has no numeric columns"
        })`,
      );
    }
  }
  return [...columns];
}

/** Adds one batch's values of `column` to `stats` (one typed loop; int64 columns converted first). */
export function addBatch(stats: OnlineStats, batch: RecordBatch, column: string): void {
  if (columnKind(batch, column) === "string") {
    // A nested list or struct (JSON text): counted, with its nulls.
    const nulls = columnData(batch, column).nullCount;
    stats.addCounts(batch.numRows - nulls, nulls);
    return;
  }
  const { values, validity } = numericColumn(batch, column);
  stats.updateBatch(values, validity?.bitmap ?? null, validity?.offset ?? 0);
  if (columnKind(batch, column) === "int64") {
    const raw = columnValues(batch, column);
    const words = new Int32Array(raw.buffer, raw.byteOffset, raw.length * 2);
    stats.addExact(int64Aggregate(words, batch.numRows, validity?.bitmap ?? null, validity?.offset ?? 0));
  }
}

/** Options of a chunked pass: numeric columns (default all), rows per chunk, a callback after each chunk. */
export interface ChunkOptions {
  columns?: readonly string[];
  chunkRows?: number;
  onChunk?: (rows: number, bytes: number) => void;
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
  options: ChunkOptions = {},
): Promise<StatsResult> {
  const { chunkRows = 500_000, onChunk } = options;
  const columns = statsColumns(source, options.columns);
  const started = performance.now();
  const stats = new Map(columns.map((c) => [c, new OnlineStats()]));
  let rows = 0;
  let chunks = 0;
  for await (const batch of source.batches({ columns, batchSize: chunkRows, reuse: true })) {
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
  /** Parquet row groups whose statistics ruled every row out: not read. */
  row_groups_skipped: number;
  seconds: number;
}

/**
 * Streams `source` through `where` into `out` (Parquet, or CSV when the name ends in .csv): matches are
 * written as soon as they fill a row group of `chunkRows`, so memory is at most about two chunks whatever the
 * number of matches (the lab collects every chunk's matches and concatenates them). The output keeps the
 * input's columns and types, and appears only when complete.
 */
export async function filterToFile(
  source: Source,
  options: {
    where: readonly Predicate[];
    out: string;
    /** Columns to write, in order (default all). */
    select?: readonly string[];
    force?: boolean;
    chunkRows?: number;
    /** Parquet output's codec (default snappy). */
    codec?: WriteCodec;
    onChunk?: (rows: number, bytes: number) => void;
  },
): Promise<FilterResult> {
  const { where, out, force = false, chunkRows = 500_000, onChunk } = options;
  const filter = new RowFilter(where, source.schema);
  const { fields, outputs } = selectFields(source.schema, options.select, where);
  const started = performance.now();
  const sink = await openSink(out, schemaOf(fields.slice(0, outputs)), {
    force,
    inputs: [source.path],
    codec: options.codec,
  });
  let rowsIn = 0;
  let rowGroups = 0;
  // Matches wait until they fill a row group of `chunkRows` (a selective filter would otherwise write a
  // tiny row group per chunk): memory is at most one chunk's rows of matches plus the chunk being read.
  // With a predicate they are copied into one builder, so the source may fill or free its arrays once a
  // batch is done (`reuse`); without one (convert) every batch is kept as it is.
  const reuse = where.length > 0;
  const outputNames = fields.slice(0, outputs).map((f) => f.name);
  const pending = new PendingRows(reuse ? new BatchBuilder(outputNames) : null);
  const flush = async () => {
    if (pending.numRows === 0) return;
    await sink.write(pending.batch());
    // Written: a joined copy is ours, and a CSV reader's batches were handed over (a Parquet reader's may be
    // views of a page it still holds). Freed now, they do not pile up until the source's next collection: a
    // 20M-row convert ran a full collection after every batch, 40 of them (~0.4 s, and as long again waiting
    // for the collector's threads, profiled).
    pending.clear({ joined: true, batches: source.format === "csv" });
    rowGroups++;
  };
  try {
    for await (const batch of source.batches({ batchSize: chunkRows, where, reuse })) {
      rowsIn += batch.numRows;
      const rows = filter.select(batch);
      if (rows.length > 0) {
        pending.add(selectColumns(batch, outputNames), rows);
        if (pending.numRows >= chunkRows) await flush();
      }
      onChunk?.(rowsIn, source.bytesRead());
    }
    await flush();
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
    row_groups_skipped: source.rowGroupsSkipped(),
    seconds: (performance.now() - started) / 1000,
  };
}

export interface MemoryProfile {
  /** RSS in MiB after each chunk. */
  rss_mb: number[];
  rows_per_chunk: number[];
  /** RSS before reading, after a collection. */
  baseline_mb: number;
  /** The largest of `rss_mb` (the chart's highest point). */
  peak_mb: number;
  /** The process the memory was measured in. */
  pid: number;
  /** Input bytes read, in MiB. */
  bytes_read_mb: number;
  rows: number;
  seconds: number;
}

/**
 * Reads `source` chunk by chunk, computing statistics of its numeric columns, and records the process's RSS
 * after every chunk: the lab's demonstration that chunked processing keeps memory flat.
 */
export async function memoryProfile(
  source: Source,
  options: ChunkOptions = {},
): Promise<MemoryProfile> {
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  releaseDeadBuffers(0); // measure the baseline after a collection, not over garbage left by earlier work
  const baseline = mib(rssBytes());
  const rss: number[] = [];
  const rowsPerChunk: number[] = [];
  let bytesRead = 0;
  let previous = 0;
  const result = await chunkedStats(source, {
    ...options,
    onChunk: (rows, bytes) => {
      rowsPerChunk.push(rows - previous);
      previous = rows;
      rss.push(mib(rssBytes()));
      bytesRead = bytes;
      options.onChunk?.(rows, bytes);
    },
  });
  return {
    rss_mb: rss,
    rows_per_chunk: rowsPerChunk,
    baseline_mb: baseline,
    peak_mb: Math.max(...rss),
    pid: Deno.pid,
    bytes_read_mb: mib(bytesRead),
    rows: result.rows,
    seconds: result.seconds,
  };
}

/**
 * Whether memory stayed flat, in words made from the profile's numbers: the second half's range, and how much
 * the last quarter's average rose over the second quarter's (flat: by at most 16 MiB or a tenth), against the
 * input read meanwhile.
 */
export function describeMemory(profile: MemoryProfile): { flat: boolean; description: string } {
  const n = profile.rss_mb.length;
  if (n < 4) return { flat: false, description: "too few chunks to tell whether memory stays flat" };
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const q = Math.floor(n / 4);
  const second = avg(profile.rss_mb.slice(q, 2 * q));
  const last = avg(profile.rss_mb.slice(n - q));
  const half = profile.rss_mb.slice(Math.floor(n / 2));
  const rise = last - second;
  const flat = rise <= Math.max(16, second * 0.1);
  const range = `second half of the run: ${Math.min(...half)}–${Math.max(...half)} MiB`;
  if (flat) return { flat, description: `${range} (flat: memory does not grow with rows read)` };
  const read = profile.bytes_read_mb * (n - 2 * q) / n; // input read between the two quarters, about
  return {
    flat,
    description: `${range} (not flat: up ${
      rise.toFixed(1)
    } MiB from the second quarter to the last, while about ${read.toFixed(0)} MiB more input were read)`,
  };
}

/** The chart of a memory profile: RSS after every chunk. */
export function memoryChart(
  profile: MemoryProfile,
  path: string,
  chunkRows: number,
  budgetBytes: number | null = null,
): string {
  const budgetMiB = budgetBytes === null ? null : Math.round(budgetBytes / 2 ** 20);
  const chunks = profile.rss_mb.length;
  return lineChart({
    title: "Memory while processing in chunks",
    subtitle: `${path}: ${profile.rows.toLocaleString("en-US")} rows, chunks of ${
      chunkRows.toLocaleString("en-US")
    }; before reading ${profile.baseline_mb} MiB, peak ${profile.peak_mb} MiB${
      budgetMiB === null ? "" : `; memory budget ${budgetMiB} MiB`
    }`,
    xLabel: "chunk",
    yLabel: "resident memory (MiB)",
    series: [
      {
        name: "RSS after the chunk (MiB)",
        points: profile.rss_mb.map((mb, i) => [i + 1, mb] as const),
      },
      ...(budgetMiB === null ? [] : [{
        name: `memory budget (${budgetMiB} MiB)`,
        points: [[1, budgetMiB], [Math.max(1, chunks), budgetMiB]] as const,
        dashed: true,
      }]),
    ],
  });
}

export interface FilterUnitTask {
  type: "filter-unit";
  unit: Unit;
  where: Predicate[];
  /** The columns read: the output's, then any others the predicates need. */
  fields: FieldSpec[];
  /** How many of `fields` (the first ones) are written. */
  outputs: number;
  format: "parquet" | "csv";
  chunkRows: number;
  codec?: WriteCodec;
}

/**
 * The columns to read for an output of `select` (default: every column) filtered by `where`: the output's in
 * order, then those only the predicates need. Unknown or repeated names are usage errors.
 */
export function selectFields(
  schema: Schema,
  select: readonly string[] | undefined,
  where: readonly Predicate[],
): { fields: FieldSpec[]; outputs: number } {
  const names = schema.fields.map((f) => f.name);
  const chosen = select ?? names;
  for (const [i, name] of chosen.entries()) {
    if (!names.includes(name)) {
      throw new UsageError(`--select: no column "${name}" (available: ${names.join(", ")})`);
    }
    if (chosen.indexOf(name) !== i) throw new UsageError(`--select: column "${name}" is named twice`);
  }
  const extra = [...new Set(where.map((p) => p.column))].filter((c) =>
    !chosen.includes(c) && names.includes(c)
  );
  const fields = [...chosen, ...extra].map((name) => specOf(schema.fields[names.indexOf(name)]));
  return { fields, outputs: chosen.length };
}

export interface FilterUnitResult {
  /** Encoded row groups (Parquet) or CSV text without header, in order. */
  parts: (EncodedRowGroup | Uint8Array)[];
  /**
   * Parquet: the unit's last matches when they are too few for a row group of their own (under
   * `chunkRows / 8`), as Arrow IPC bytes, for the main thread to merge with its neighbours' (a selective
   * filter would otherwise write one tiny row group per unit).
   */
  tail: Uint8Array | null;
  rowsIn: number;
  rowsOut: number;
  quotes: number;
  /** Parquet row groups whose statistics ruled every row out: not read. */
  groupsSkipped: number;
}

/** The Arrow schema for plain field specs (they cross to workers as data). */
export function schemaOf(fields: readonly FieldSpec[]): Schema {
  return new Schema(fields.map(fieldOf));
}

/**
 * Filters one unit (run in a worker) and encodes the matches — as Parquet row groups of up to `chunkRows` rows
 * or as CSV text — so that the costly encoding is shared by the workers too. Memory: one unit's matches.
 */
export async function filterUnit(task: FilterUnitTask): Promise<FilterUnitResult> {
  if (task.codec) await loadCodec(task.codec);
  const schema = schemaOf(task.fields);
  const outSchema = schemaOf(task.fields.slice(0, task.outputs));
  const columns = task.fields.map((f) => f.name);
  const filter = new RowFilter(task.where, schema);
  const counts: UnitStats = { rows: 0, quotes: 0, skipped: 0 };
  const parts: (EncodedRowGroup | Uint8Array)[] = [];
  const encoder = task.format === "csv" ? new CsvEncoder(outSchema) : null;
  // With a predicate, batches of at most FILTER_READ_ROWS are read into the same arrays (`reuse`) and the
  // matches copied into this worker's builder, to be encoded `chunkRows` at a time; without one (convert)
  // every row is kept, so batches are read at the row-group size and encoded as they are.
  const everyRow = task.where.length === 0;
  const read = everyRow
    ? { columns, chunkRows: task.chunkRows }
    : { columns, chunkRows: Math.min(task.chunkRows, FILTER_READ_ROWS), where: task.where, reuse: true };
  const outputs = task.fields.slice(0, task.outputs).map((f) => f.name);
  const pending = new PendingRows(everyRow ? null : keptBuilder(outputs));
  let rowsOut = 0;
  const flush = () => {
    if (pending.numRows === 0) return;
    const batch = pending.batch();
    parts.push(encoder ? encoder.encode(batch) : encodeRowGroup(batch, outSchema, { codec: task.codec }));
    // Encoded: a joined copy is ours, and a CSV reader's batches were handed over (a Parquet reader's may be
    // views of a page it still holds).
    pending.clear({ joined: true, batches: task.unit.kind === "csv" });
  };
  const smallRows = Math.max(1, Math.floor(task.chunkRows / SMALL_ROW_GROUP_DIVISOR));
  for await (const batch of unitBatches(task.unit, read, counts)) {
    const rows = filter.select(batch);
    if (rows.length === 0) continue;
    pending.add(selectColumns(batch, outputs), rows);
    rowsOut += rows.length;
    if (pending.numRows >= task.chunkRows) flush();
  }
  let tail: Uint8Array | null = null;
  if (!encoder && pending.numRows > 0 && pending.numRows < smallRows) {
    tail = tableToIPC(new Table(pending.batch()), "stream");
    pending.clear();
  } else flush();
  return {
    parts,
    tail,
    rowsIn: counts.rows + counts.skipped,
    rowsOut,
    quotes: counts.quotes,
    groupsSkipped: counts.groupsSkipped ?? 0,
  };
}

/**
 * Rows a filter worker reads at a time, into the same arrays (see `filterUnit`): 500,000-row batches of every
 * column cost ~18 MiB a batch.
 */
const FILTER_READ_ROWS = 100_000;

/** The builder a worker copies its matches into, kept from unit to unit while the columns stay the same. */
let kept: { names: string; builder: BatchBuilder } | null = null;

function keptBuilder(columns: readonly string[]): BatchBuilder {
  const names = JSON.stringify(columns);
  if (kept?.names !== names) kept = { names, builder: new BatchBuilder(columns) };
  kept.builder.clear(); // a unit that failed may have left rows
  return kept.builder;
}

/**
 * Rows waiting to make a row group, for both filters. With a predicate they are copied into `builder` (the
 * reader refills its arrays once a batch is done); without one (convert) the batches are kept as they came
 * and joined when taken.
 */
class PendingRows {
  readonly #builder: BatchBuilder | null;
  #batches: RecordBatch[] = [];
  #rows = 0;
  #joined: RecordBatch | null = null;

  constructor(builder: BatchBuilder | null) {
    this.#builder = builder;
  }

  get numRows(): number {
    return this.#builder?.numRows ?? this.#rows;
  }

  /** The rows at `rows` of `batch` (all of them without a builder: no predicate keeps every row). */
  add(batch: RecordBatch, rows: Int32Array): void {
    if (this.#builder) this.#builder.append(batch, rows.length === batch.numRows ? null : rows);
    else {
      this.#batches.push(batch);
      this.#rows += batch.numRows;
    }
  }

  /** The rows waiting, as one batch (valid until `clear`). */
  batch(): RecordBatch {
    return this.#builder?.batch() ?? (this.#joined = concatBatches(this.#batches));
  }

  /**
   * Forgets the rows; frees (`freeBatches`) the copy `batch` joined when `joined`, and the batches added when
   * `batches` — only what the caller owns alone and is done with.
   */
  clear(free: { joined?: boolean; batches?: boolean } = {}): void {
    if (free.joined && this.#joined && this.#joined !== this.#batches[0]) freeBatches(this.#joined);
    if (free.batches) freeBatches(...this.#batches);
    this.#builder?.clear();
    this.#batches = [];
    this.#rows = 0;
    this.#joined = null;
  }
}

/** Matches fewer than `chunkRows / 8` are merged with their neighbours' instead of making a row group. */
const SMALL_ROW_GROUP_DIVISOR = 8;

/**
 * `filterToFile` on `workers` workers: each reads and filters units (CSV ranges, row groups, dataset files)
 * and encodes its matches; the main thread appends them in unit order. Same output as the sequential filter
 * up to row-group boundaries. A CSV whose splits fall inside quotes, or any failing CSV unit, is filtered
 * again sequentially. Memory: a few units' encoded matches.
 */
export async function parallelFilter(
  path: string,
  options: SourceOptions & {
    where: readonly Predicate[];
    out: string;
    /** Columns to write, in order (default all). */
    select?: readonly string[];
    force?: boolean;
    workers?: number;
    chunkRows?: number;
    /** Parquet output's codec (default snappy). */
    codec?: WriteCodec;
    rangeBytes?: number;
    /** Input bytes per worker (default the engine's; tests use 0 to put small inputs on workers). */
    workerBytes?: number;
    /** After each unit: rows read so far, bytes read so far, and the input's bytes in all. */
    onProgress?: (rows: number, bytes: number, totalBytes: number) => void;
  },
): Promise<FilterResult & { workers: number; fallback: string | null }> {
  const {
    where,
    out,
    force = false,
    workers = navigator.hardwareConcurrency || 1,
    chunkRows = 500_000,
    onProgress,
  } = options;
  const started = performance.now();
  const source = await openSource(path, options);
  new RowFilter(where, source.schema); // usage errors before any work
  const { fields, outputs } = selectFields(source.schema, options.select, where);
  const outSchema = schemaOf(fields.slice(0, outputs));
  const sequential = async (reason: string | null) => {
    try {
      const result = await filterToFile(source, {
        where,
        out,
        select: options.select,
        force,
        chunkRows,
        codec: options.codec,
        onChunk: (rows, bytes) => onProgress?.(rows, bytes, source.byteLength),
      });
      return { ...result, seconds: (performance.now() - started) / 1000, workers: 0, fallback: reason };
    } finally {
      source.close();
    }
  };
  if (options.onBadRows === "skip") {
    return await sequential("--on-bad-rows=skip needs one reader for exact lines");
  }
  if (out === "-") {
    // Standard output cannot be taken back: no parallel attempt that might have to start over.
    return await sequential("CSV to standard output is written by one reader, in order");
  }
  const format = /\.csv$/i.test(out) ? "csv" : "parquet";
  const plan = await planUnits(path, { ...options, where });
  const totalBytes = plan.units.reduce((s, u) => s + unitBytes(u), 0);
  if (workersFor(plan.units.length, workers, totalBytes, options.workerBytes) === 0) {
    // No workers (a small input or budget): one reader writing each row group as it fills. The units'
    // tasks run in this thread would hold a whole unit's encoded matches before writing them — a 32 MiB
    // range converted in full is ~13 MB, which got `convert` killed in a 96 MiB cgroup (heap snapshot).
    return await sequential(null);
  }
  const output = await AtomicOutput.create(out, { kind: format, force, inputs: [path] });
  let rowsIn = 0, rowsOut = 0, rowGroups = 0, bytesIn = 0, groupsSkipped = 0;
  const quotes: number[] = [];
  try {
    const parquet = format === "parquet"
      ? await ParquetFileWriter.create(output.tempPath, outSchema, { codec: options.codec })
      : null;
    const csv = format === "csv" ? await FileWriter.open(output.tempPath) : null;
    await csv?.write(new CsvEncoder(outSchema).header());
    try {
      // Small tails wait here, in order, until they add up to a row group or a full one must follow them.
      let carry: RecordBatch[] = [];
      let carryRows = 0;
      const writeCarry = async () => {
        if (carryRows === 0) return;
        await parquet!.write(concatBatches(carry));
        rowGroups++;
        carry = [];
        carryRows = 0;
      };
      // Units in flight: the engine's default window (one per scanner, one given ahead to each worker, one
      // ready to append). A filter's thread is one of the scanners, appending the matches between the awaits
      // of its own unit: one worker to start instead of two (a 5M-row filter of Electronics, 20 interleaved
      // rounds: 0.647 s against 0.702, where one thread alone takes 0.667). A convert appends every row and
      // scans on workers only: with a unit of its own this thread fell behind (20M rows: 3–12 % slower; to a
      // Hive dataset 7 %).
      const results = runOrdered<Unit, FilterUnitResult>(plan.units, {
        local: runScanTask,
        workers,
        mainScans: where.length > 0,
        task: (unit): FilterUnitTask => ({
          type: "filter-unit",
          unit,
          where: [...where],
          fields,
          outputs,
          format,
          chunkRows,
          codec: options.codec,
        }),
        label: (unit, i) => `filter ${describeUnit(unit, i)}`,
        bytes: unitBytes,
        workerBytes: options.workerBytes,
      });
      let i = 0;
      for await (const result of results) {
        if (result.parts.length && !(result.parts[0] instanceof Uint8Array)) await writeCarry();
        for (const part of result.parts) {
          // Written out when the await returns: its bytes (transferred here, this thread's alone) go now.
          if (part instanceof Uint8Array) await csv!.write(part);
          else await parquet!.append(part);
          freeBuffers(...(part instanceof Uint8Array ? [part] : part.blocks));
          rowGroups++;
        }
        if (result.tail) {
          const batch = tableFromIPC(result.tail).batches[0];
          carry.push(batch);
          carryRows += batch.numRows;
          if (carryRows >= chunkRows) await writeCarry();
        }
        rowsIn += result.rowsIn;
        rowsOut += result.rowsOut;
        groupsSkipped += result.groupsSkipped;
        quotes.push(result.quotes);
        bytesIn += unitBytes(plan.units[i++]);
        onProgress?.(rowsIn, bytesIn, totalBytes);
        releaseDeadBuffers();
      }
      await writeCarry();
    } finally {
      if (parquet) await parquet.close();
      csv?.close();
    }
  } catch (err) {
    await output.abort();
    if (plan.format !== "csv") {
      source.close();
      throw err;
    }
    return await sequential(`a parallel reader failed (${err instanceof Error ? err.message : err})`);
  }
  if (plan.format === "csv" && !splitsAreSafe(quotes)) {
    await output.abort();
    return await sequential("a split point fell inside a quoted field (newlines in quotes)");
  }
  await output.commit();
  source.close();
  return {
    out,
    format,
    rows_in: rowsIn,
    rows_out: rowsOut,
    row_groups: rowGroups,
    files_skipped: plan.format === "dataset" ? (await countDatasetFiles(path)) - plan.units.length : 0,
    row_groups_skipped: groupsSkipped,
    seconds: (performance.now() - started) / 1000,
    workers: workersFor(plan.units.length, workers, totalBytes, options.workerBytes),
    fallback: null,
  };
}

async function countDatasetFiles(path: string): Promise<number> {
  return (await planUnits(path)).units.length;
}

// The notebook's names for this exercise's functions (Lab 06, Exercise 1).
export { generateSales as generateSalesData } from "./generate.ts";
export {
  chunkedStats as processInChunks,
  filterToFile as filterInChunks,
  memoryProfile as measureMemoryByChunk,
};
