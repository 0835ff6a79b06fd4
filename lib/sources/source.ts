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
  fileByteSource,
  fileByteStream,
  fileError,
  gunzipStream,
  isGzip,
  openFile,
  sampleWindows,
} from "../io/file.ts";
import { DataError } from "../errors.ts";
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
  /** Rows `where` dropped before conversion in the current `batches()` (CSV). */
  rowsSkipped(): number;
  /** Bad rows skipped so far (CSV with `onBadRows: "skip"`), and the first few. */
  badRows(): { count: number; examples: { line: number; reason: string }[] };
  batches(options?: ReadOptions): AsyncGenerator<RecordBatch>;
  close(): void;
}

/** Detects a path's format: a folder is a dataset, `PAR1` magic or a .parquet name is Parquet, else CSV. */
export async function detectFormat(path: string): Promise<Format> {
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

/** Opens a CSV file, Parquet file or dataset folder for reading. */
export async function openSource(path: string, options: SourceOptions = {}): Promise<Source> {
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
    rowsSkipped: () => 0,
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
    rowsSkipped: () => 0,
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
  const gzip = await isGzip(path);
  const probe = await CsvReader.open(await csvByteStream(path, gzip), {
    ...options,
    file: path,
    // Places spread over a gzip file cannot be reached without decompressing up to them: its first rows only.
    moreSamples: gzip ? undefined : () => sampleWindows(path),
  });
  await probe.cancel();
  return probe;
}

/** A CSV file's bytes, decompressed when it is gzipped (`.csv.gz`). */
export async function csvByteStream(path: string, gzip: boolean): Promise<ReadableStream<Uint8Array>> {
  return gzip
    ? await gunzipStream(path, (file, detail) => new DataError({ file }, detail))
    : await fileByteStream(path);
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
    badRows: () => ({ count: current?.badRowCount ?? 0, examples: current?.badRows ?? [] }),
    async *batches(readOptions: ReadOptions = {}) {
      current = await CsvReader.open(await csvByteStream(path, gzip), {
        ...options,
        delimiter: probe.delimiter,
        types,
        file: path,
        columns: readOptions.columns,
        chunkRows: readOptions.batchSize,
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
