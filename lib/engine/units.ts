/**
 * Work units for parallel scans: a CSV file becomes byte ranges that start at line starts (fixed size, so the
 * result does not depend on the number of workers), a Parquet file its row groups, a dataset its files. A
 * worker reads a unit with `unitBatches`; the caller merges per-unit results in unit order.
 */
import { Field, type RecordBatch, Schema } from "apache-arrow";
import {
  arrowType,
  type Column,
  columnData,
  type ColumnKind,
  constantStringData,
  makeBatch,
} from "../batch.ts";
import { CsvReader } from "../csv/read.ts";
import { fileByteSource, FileChunks, isGzip, isPattern } from "../io/file.ts";
import { csvRanges } from "../io/split.ts";
import {
  csvByteStream,
  detectFormat,
  type Format,
  probeCsv,
  resolvePattern,
  type SourceOptions,
} from "../sources/source.ts";
import { HiveDataset, partitionValue } from "../parquet/hive.ts";
import { ParquetReader } from "../parquet/read.ts";
import { RowFilter } from "../ops/filter.ts";
import type { Predicate } from "../ops/predicate.ts";

export interface CsvUnit {
  kind: "csv";
  path: string;
  start: number;
  end: number;
  header: string[];
  types: Record<string, ColumnKind>;
  delimiter?: string;
  nullValues?: readonly string[];
  encodingErrors?: "error" | "replace";
  /**
   * A gzipped file: one unit, read from its start through `DecompressionStream` (a compressed stream cannot
   * be entered in the middle); its first line is the header unless `header` came from `--no-header`.
   */
  gzip?: { headerLine: boolean };
}

export interface ParquetUnit {
  kind: "parquet";
  path: string;
  /** Row groups to read (all when undefined). */
  rowGroups?: number[];
  /** Hive partition values restored as string columns. */
  partitions: Record<string, string>;
  /** Bytes on disk the unit covers (its row groups' column chunks, or the whole file), for progress. */
  bytes: number;
}

export type Unit = CsvUnit | ParquetUnit;

export interface Plan {
  format: Format;
  units: Unit[];
}

/**
 * Splits an input into units: CSV byte ranges of `rangeBytes`, one unit per row group of a Parquet file,
 * one per file of a dataset (only files a partition predicate in `where` can match).
 */
export async function planUnits(
  path: string,
  options: SourceOptions & { where?: readonly Predicate[]; rangeBytes?: number } = {},
): Promise<Plan> {
  if (isPattern(path)) {
    // A pattern's files, each cut as it would be alone (CSV ones read with the first file's kinds).
    const inputs = await resolvePattern(path, options);
    const units: Unit[] = [];
    for (const file of inputs.files) {
      units.push(...(await planUnits(file, { ...options, ...inputs.csv })).units);
    }
    return { format: inputs.format, units };
  }
  const format = await detectFormat(path);
  if (format === "csv") {
    const probe = await probeCsv(path, options);
    const types: Record<string, ColumnKind> = {};
    probe.header.forEach((name, i) => types[name] = probe.kinds[i]);
    if (await isGzip(path)) {
      const { size } = await Deno.stat(path);
      return {
        format,
        units: [{
          kind: "csv",
          path,
          start: 0,
          end: size,
          header: probe.header,
          types,
          delimiter: probe.delimiter,
          nullValues: options.nullValues,
          encodingErrors: options.encodingErrors,
          gzip: { headerLine: !options.noHeader },
        }],
      };
    }
    const ranges = await csvRanges(path, probe.dataOffset, options.rangeBytes);
    return {
      format,
      units: ranges.map(({ start, end }) => ({
        kind: "csv",
        path,
        start,
        end,
        header: probe.header,
        types,
        delimiter: probe.delimiter,
        nullValues: options.nullValues,
        encodingErrors: options.encodingErrors,
      })),
    };
  }
  if (format === "parquet") {
    const source = await fileByteSource(path);
    try {
      const reader = await ParquetReader.open(source, { file: path });
      return {
        format,
        units: reader.metadata.row_groups.map((group, g) => ({
          kind: "parquet",
          path,
          rowGroups: [g],
          partitions: {},
          bytes: group.columns.reduce((s, c) => s + Number(c.meta_data?.total_compressed_size ?? 0), 0),
        })),
      };
    } finally {
      source.close();
    }
  }
  const dataset = await HiveDataset.open(path);
  try {
    return {
      format,
      units: dataset.prune(options.where).map((f) => ({
        kind: "parquet",
        path: f.path,
        partitions: f.partitions,
        bytes: f.size,
      })),
    };
  } finally {
    dataset.close();
  }
}

/** What reading a unit produced besides its batches. */
export interface UnitStats {
  rows: number;
  /** CSV: quote characters in the range (for the split check). */
  quotes: number;
  /** Rows dropped before they were batches: CSV's raw-text filter, Parquet's `where` (statistics or late). */
  skipped: number;
  /** Parquet: row groups `where` ruled out by their statistics, unread. */
  groupsSkipped?: number;
}

/**
 * Yields a unit's rows as batches of the projected columns (partition columns rebuilt from the path), then
 * fills `stats`. Memory: one batch (CSV) or one row group (Parquet). `reuse`: the caller folds batches
 * (`ReadOptions.reuse`).
 */
export async function* unitBatches(
  unit: Unit,
  options: { columns: readonly string[]; chunkRows?: number; where?: readonly Predicate[]; reuse?: boolean },
  stats: UnitStats = { rows: 0, quotes: 0, skipped: 0 },
): AsyncGenerator<RecordBatch> {
  const { columns, chunkRows = 500_000, where } = options;
  if (unit.kind === "csv") {
    const stream = unit.gzip
      ? await csvByteStream(unit.path, true)
      : await FileChunks.open(unit.path, { start: unit.start, end: unit.end });
    const reader = await CsvReader.open(stream, {
      file: unit.path,
      header: unit.gzip?.headerLine ? undefined : unit.header,
      types: unit.types,
      delimiter: unit.delimiter,
      nullValues: unit.nullValues,
      encodingErrors: unit.encodingErrors,
      columns,
      chunkRows,
      reuseBatches: options.reuse,
      rawFilter: where?.length ? new RowFilter(where, csvSchema(unit)).rawPredicates() : undefined,
    });
    for await (const batch of reader.batches()) {
      stats.rows += batch.numRows;
      yield batch;
    }
    stats.quotes = reader.quoteCount;
    stats.skipped = reader.rowsFiltered;
    return;
  }
  const source = await fileByteSource(unit.path);
  try {
    const reader = await ParquetReader.open(source, { file: unit.path });
    const keys = Object.keys(unit.partitions);
    const fileColumns = columns.filter((c) => !keys.includes(c));
    for await (
      const batch of reader.batches({
        columns: fileColumns,
        rowGroups: unit.rowGroups,
        batchSize: chunkRows,
        reuse: options.reuse,
        // Partition keys chose the unit's file; predicates on its own columns are the reader's.
        where: where?.filter((p) => !keys.includes(p.column)),
      })
    ) {
      stats.rows += batch.numRows;
      if (keys.length === 0) {
        yield batch;
        continue;
      }
      const parts: Column[] = columns.map((name) =>
        keys.includes(name)
          ? { name, data: constantStringData(partitionValue(unit.partitions[name]), batch.numRows) }
          : { name, data: columnData(batch, name) }
      );
      yield makeBatch(parts);
    }
    stats.skipped = reader.rowsFiltered;
    stats.groupsSkipped = reader.rowGroupsSkipped;
  } finally {
    source.close();
  }
}

/** The Arrow schema of a CSV unit's columns (for compiling filters in a worker). */
function csvSchema(unit: CsvUnit): Schema {
  return new Schema(unit.header.map((name) => new Field(name, arrowType(unit.types[name]), true)));
}

/** Bytes on disk a unit covers (for progress in rows and bytes). */
export function unitBytes(unit: Unit): number {
  return unit.kind === "csv" ? unit.end - unit.start : unit.bytes;
}

/** A unit for messages: `bytes 0–33554432`, `row group 3`, or the file name. */
export function describeUnit(unit: Unit, index: number): string {
  if (unit.kind === "csv") return `${unit.path} bytes ${unit.start}–${unit.end}`;
  if (unit.rowGroups) return `${unit.path} row group ${unit.rowGroups.join(",")}`;
  return `${unit.path} (unit ${index})`;
}
