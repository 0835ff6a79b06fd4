/**
 * One way to read any input: a CSV file, a Parquet file, or a folder of Parquet files (Hive-partitioned or
 * not). The format is taken from the path (a folder is a dataset) and the file's first bytes (`PAR1`).
 */
import type { RecordBatch, Schema } from "apache-arrow";
import type { ColumnKind } from "../batch.ts";
import { CsvReader } from "../csv/read.ts";
import { HiveDataset } from "../parquet/hive.ts";
import { ParquetReader } from "../parquet/read.ts";
import type { Predicate } from "../ops/predicate.ts";
import { RowFilter } from "../ops/filter.ts";
import {
  expandPattern,
  fileByteSource,
  FileChunks,
  fileError,
  gunzipStream,
  isGzip,
  isPattern,
  openFile,
  sampleWindows,
} from "../io/file.ts";
import { DataError, UsageError } from "../errors.ts";
import { releaseDeadBuffers } from "../io/memory.ts";

export type Format = "csv" | "parquet" | "dataset";

export interface SourceOptions {
  /** CSV: column kinds that override inference. */
  types?: Readonly<Record<string, ColumnKind>>;
  /** CSV: field separator. */
  delimiter?: string;
  /** CSV: "error" (default) or "skip" bad rows. */
  onBadRows?: "error" | "skip";
  /** CSV: field texts read as null in every column (default: NA, N/A, NULL, null, \N in numeric columns). */
  nullValues?: readonly string[];
  /** CSV: the first line is data (columns column_1, column_2, …). */
  noHeader?: boolean;
  /** CSV: "replace" reads invalid UTF-8 as U+FFFD instead of stopping. */
  encodingErrors?: "error" | "replace";
}

export interface ReadOptions {
  /** Columns to read, in order (default all). */
  columns?: readonly string[];
  /** Rows per batch (CSV default 500,000; Parquet default: whole row groups). */
  batchSize?: number;
  /**
   * A hint: rows (CSV, tested on raw text before conversion) or whole folders (datasets, by partition
   * value) that cannot match are skipped. Callers still apply the filter to what is returned.
   */
  where?: readonly Predicate[];
  /** Rows wanted at most: Parquet pages and row groups past them are not decoded (`head`). */
  limit?: number;
  /**
   * The caller is done with a batch when it asks for the next (it folds them): a CSV is then read into the
   * same arrays batch after batch (`CsvReadOptions.reuseBatches`).
   */
  reuse?: boolean;
}

/** An opened input: its schema is known; `batches()` streams its rows. */
export interface Source {
  readonly path: string;
  readonly format: Format;
  readonly schema: Schema;
  /** File size in bytes (sum of files for a dataset). */
  readonly byteLength: number;
  /** Row count when the format records it (Parquet footers); undefined for CSV. */
  readonly rowCount: number | undefined;
  /** Bytes read so far by the current `batches()` (for progress). */
  bytesRead(): number;
  /** Files a dataset's `where` pruned in the current `batches()` (0 for single files). */
  filesSkipped(): number;
  /** Rows `where` dropped before conversion in the current `batches()` (CSV; Parquet: by statistics or late). */
  rowsSkipped(): number;
  /** Parquet row groups `where` ruled out by their statistics in the current `batches()`, unread. */
  rowGroupsSkipped(): number;
  /** Bad rows skipped so far (CSV with `onBadRows: "skip"`), and the first few. */
  badRows(): { count: number; examples: { line: number; reason: string }[] };
  batches(options?: ReadOptions): AsyncGenerator<RecordBatch>;
  close(): void;
}

/** Detects a path's format: a folder is a dataset, `PAR1` magic or a .parquet name is Parquet, else CSV. */
export async function detectFormat(path: string): Promise<Format> {
  if (isPattern(path)) return await detectFormat((await expandPattern(path))[0]); // resolvePattern checks the rest
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    throw fileError(path, "open", err);
  }
  if (info.isDirectory) return "dataset";
  if (/\.(parquet|pq)$/i.test(path)) return "parquet";
  const file = await openFile(path);
  try {
    const head = new Uint8Array(4);
    const n = await file.read(head);
    return n === 4 && new TextDecoder().decode(head) === "PAR1" ? "parquet" : "csv";
  } finally {
    file.close();
  }
}

/** Several files named by one pattern, read as one source in name order. */
export interface PatternInputs {
  files: string[];
  format: "csv" | "parquet";
  /** The first file's schema, which every file has. */
  schema: Schema;
  /** CSV: the first file's column kinds and delimiter, imposed on the others (so every file reads alike). */
  csv?: { types: Record<string, ColumnKind>; delimiter: string };
}

/**
 * The files of a pattern (`data/part-*.csv`), checked to hold the same columns: CSV files with the first
 * file's header (read with its kinds and delimiter), Parquet files with its column names and types. The first
 * file that differs is a DataError naming it and both column lists.
 */
export async function resolvePattern(pattern: string, options: SourceOptions = {}): Promise<PatternInputs> {
  const files = await expandPattern(pattern);
  const formats = await Promise.all(files.map((f) => detectFormat(f)));
  const format = formats[0];
  if (format === "dataset") {
    throw new UsageError(`"${pattern}" names folders; give a dataset folder as it is`);
  }
  const columnsOf = (schema: Schema) => schema.fields.map((f) => `${f.name} ${f.type}`);
  let first: string[];
  let schema: Schema;
  let csv: PatternInputs["csv"];
  if (format === "csv") {
    const probe = await probeCsv(files[0], options);
    const types: Record<string, ColumnKind> = {};
    probe.header.forEach((name, i) => types[name] = probe.kinds[i]);
    csv = { types, delimiter: probe.delimiter };
    first = probe.header;
    schema = probe.schema;
  } else {
    const source = await openParquetSource(files[0]);
    first = columnsOf(source.schema);
    schema = source.schema;
    source.close();
  }
  for (const [i, file] of files.entries()) {
    if (i === 0) continue;
    if (formats[i] !== format) {
      throw new DataError(
        { file },
        `is ${formats[i]}, but ${files[0]} is ${format} (one pattern, one format)`,
      );
    }
    let columns: string[];
    if (csv) {
      // The header only: the first file's kinds are imposed when reading (a value that does not fit is then
      // an error at its line).
      columns = (await probeCsv(file, { ...options, types: undefined, delimiter: csv.delimiter })).header;
    } else {
      const source = await openParquetSource(file);
      columns = columnsOf(source.schema);
      source.close();
    }
    if (columns.join("\n") !== first.join("\n")) {
      throw new DataError(
        { file },
        `its columns (${columns.join(", ")}) differ from those of ${files[0]} (${first.join(", ")})`,
      );
    }
  }
  return { files, format, schema, csv };
}

/** One source over the files of a pattern, one after another (memory: one file's source at a time). */
async function openPatternSource(pattern: string, options: SourceOptions): Promise<Source> {
  const inputs = await resolvePattern(pattern, options);
  const open = (file: string) =>
    inputs.csv ? openCsvSource(file, { ...options, ...inputs.csv }) : openParquetSource(file);
  const sizes = await Promise.all(inputs.files.map(async (f) => (await Deno.stat(f)).size));
  let current: Source | null = null;
  let done = 0;
  let skipped = 0;
  let bad = 0;
  let groupsSkipped = 0;
  const examples: { line: number; reason: string }[] = [];
  return {
    path: pattern,
    format: inputs.format,
    schema: inputs.schema,
    byteLength: sizes.reduce((a, b) => a + b, 0),
    rowCount: undefined,
    bytesRead: () => done + (current?.bytesRead() ?? 0),
    filesSkipped: () => 0,
    rowsSkipped: () => skipped + (current?.rowsSkipped() ?? 0),
    rowGroupsSkipped: () => groupsSkipped + (current?.rowGroupsSkipped() ?? 0),
    badRows: () => ({ count: bad + (current?.badRows().count ?? 0), examples }),
    async *batches(readOptions: ReadOptions = {}) {
      done =
        skipped =
        bad =
        groupsSkipped =
          0;
      let left = readOptions.limit ?? Infinity;
      for (const [i, file] of inputs.files.entries()) {
        if (left <= 0) break;
        current = await open(file);
        try {
          for await (const batch of current.batches({ ...readOptions, limit: left })) {
            left -= batch.numRows;
            yield batch;
          }
          skipped += current.rowsSkipped();
          groupsSkipped += current.rowGroupsSkipped();
          const b = current.badRows();
          bad += b.count;
          examples.push(...b.examples.slice(0, 10 - examples.length));
        } finally {
          current.close();
          current = null;
        }
        done += sizes[i];
      }
    },
    close: () => current?.close(),
  };
}

/** Opens a CSV file, Parquet file, dataset folder or a pattern of files (`data/part-*.csv`) for reading. */
export async function openSource(path: string, options: SourceOptions = {}): Promise<Source> {
  if (isPattern(path)) return await openPatternSource(path, options);
  const format = await detectFormat(path);
  if (format === "parquet") return await openParquetSource(path);
  if (format === "dataset") return await openDatasetSource(path);
  return await openCsvSource(path, options);
}

async function openParquetSource(path: string): Promise<Source> {
  const bytes = await fileByteSource(path);
  let reader: ParquetReader;
  try {
    reader = await ParquetReader.open(bytes, { file: path });
  } catch (err) {
    bytes.close();
    throw err;
  }
  let read = 0;
  return {
    path,
    format: "parquet",
    schema: reader.schema,
    byteLength: bytes.byteLength,
    rowCount: reader.rowCount,
    bytesRead: () => read,
    filesSkipped: () => 0,
    rowsSkipped: () => reader.rowsFiltered,
    rowGroupsSkipped: () => reader.rowGroupsSkipped,
    badRows: () => ({ count: 0, examples: [] }),
    async *batches(options: ReadOptions = {}) {
      let rows = 0;
      for await (const batch of reader.batches(options)) {
        rows += batch.numRows;
        read = Math.round(bytes.byteLength * rows / Math.max(1, reader.rowCount));
        yield batch;
        releaseDeadBuffers();
      }
    },
    close: () => bytes.close(),
  };
}

async function openDatasetSource(path: string): Promise<Source> {
  const dataset = await HiveDataset.open(path);
  const byteLength = dataset.files.reduce((sum, f) => sum + f.size, 0);
  let read = 0;
  let skipped = 0;
  return {
    path,
    format: "dataset",
    schema: dataset.schema,
    byteLength,
    rowCount: undefined,
    bytesRead: () => read,
    filesSkipped: () => skipped,
    rowsSkipped: () => dataset.rowsFiltered,
    rowGroupsSkipped: () => dataset.rowGroupsSkipped,
    badRows: () => ({ count: 0, examples: [] }),
    async *batches(options: ReadOptions = {}) {
      read = 0;
      skipped = dataset.files.length - dataset.prune(options.where).length;
      for await (const batch of dataset.batches({ ...options, onFileDone: (size) => read += size })) {
        yield batch;
        releaseDeadBuffers();
      }
    },
    close: () => dataset.close(),
  };
}

/**
 * A CSV file's header, delimiter (given or sniffed) and column kinds, inferred from its first rows and from
 * windows across the whole file; the reader is closed. Every reader of a CSV path starts here, so they all
 * agree on the schema.
 */
export async function probeCsv(path: string, options: SourceOptions = {}): Promise<CsvReader> {
  const { types, delimiter, nullValues, noHeader, encodingErrors } = options;
  let stamp: [number, number, number | null];
  try {
    const now = Date.now();
    const info = await Deno.stat(path);
    // A file written within the last second may be written again without its size or time changing (the
    // clock the kernel stamps files with moves in steps): its probe is not kept.
    const mtime = info.mtime?.getTime();
    if (!info.isFile || mtime === undefined || now - mtime < 1000) return await probeCsvAnew(path, options);
    stamp = [info.size, mtime, info.ino];
  } catch {
    return await probeCsvAnew(path, options); // it reports the path its own way
  }
  const key = JSON.stringify([path, ...stamp, types, delimiter, nullValues, noHeader, encodingErrors]);
  let probe = probes.get(key);
  if (!probe) {
    probe = probeCsvAnew(path, options);
    probes.set(key, probe);
    probe.catch(() => probes.delete(key));
    if (probes.size > 8) probes.delete(probes.keys().next().value!);
  }
  return await probe;
}

/**
 * Probes already made in this process, by path, the file's size, modification time and inode (a file written
 * since is probed again) and the options that change a probe: a parallel command probes its input for its
 * source and again for its units, ~60 ms each on the 20M-row CSV before any worker starts, and ~45 ms each on
 * a 100,000-row one of 4.6 MiB (its first 10,000 rows read by code not yet compiled: a third of `stats`'s 0.16
 * s there, measured), so every file's is kept (but one written within the last second), without the text it
 * read.
 */
const probes = new Map<string, Promise<CsvReader>>();

async function probeCsvAnew(path: string, options: SourceOptions): Promise<CsvReader> {
  const gzip = await isGzip(path);
  const { types, delimiter, nullValues, noHeader, encodingErrors } = options;
  const probe = await CsvReader.open(await csvByteStream(path, gzip), {
    // The options that make a probe what it is (its key in `probes`), and no others: a caller's options may
    // carry more (a command's `columns`), and a probe made with them would have had their schema — the
    // projected one, which a later command reading every column got from `probes` (found when small files'
    // probes began to be kept: `stats --column price`, then `stats --column cost` in one process named only
    // price as available).
    types,
    delimiter,
    nullValues,
    noHeader,
    encodingErrors,
    file: path,
    // Only the header, kinds and schema are wanted: no batch-sized arrays (500,000 rows of every column).
    chunkRows: 1,
    // Places spread over a gzip file cannot be reached without decompressing up to them: its first rows only.
    moreSamples: gzip ? undefined : () => sampleWindows(path),
  });
  await probe.cancel();
  return probe;
}

/** A CSV file's bytes, decompressed when it is gzipped (`.csv.gz`). */
export async function csvByteStream(
  path: string,
  gzip: boolean,
): Promise<ReadableStream<Uint8Array> | FileChunks> {
  return gzip ? await gunzipStream(path) : await FileChunks.open(path);
}

async function openCsvSource(path: string, options: SourceOptions): Promise<Source> {
  const { size } = await Deno.stat(path);
  // Read the header and infer kinds once, so every later `batches()` call sees the same schema.
  const probe = await probeCsv(path, options);
  const gzip = await isGzip(path);
  const types: Record<string, ColumnKind> = {};
  probe.header.forEach((name, i) => types[name] = probe.kinds[i]);
  let current: CsvReader | null = null;
  return {
    path,
    format: "csv",
    schema: probe.schema,
    byteLength: size,
    rowCount: probe.wholeFileRows ?? undefined,
    bytesRead: () => current?.bytesRead ?? 0,
    filesSkipped: () => 0,
    rowsSkipped: () => current?.rowsFiltered ?? 0,
    rowGroupsSkipped: () => 0,
    badRows: () => ({ count: current?.badRowCount ?? 0, examples: current?.badRows ?? [] }),
    async *batches(readOptions: ReadOptions = {}) {
      current = await CsvReader.open(await csvByteStream(path, gzip), {
        ...options,
        delimiter: probe.delimiter,
        types,
        file: path,
        columns: readOptions.columns,
        chunkRows: readOptions.batchSize,
        reuseBatches: readOptions.reuse,
        rawFilter: readOptions.where?.length
          ? new RowFilter(readOptions.where, probe.schema).rawPredicates()
          : undefined,
      });
      for await (const batch of current.batches()) {
        yield batch;
        releaseDeadBuffers();
      }
    },
    close: () => {
      current?.cancel();
    },
  };
}
