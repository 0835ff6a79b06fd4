/**
 * `inspect`: what a file or dataset holds — schema, rows, row groups, codecs, size, and per row group the
 * min/max/null count of every column — read from Parquet footers only (no data page is read). For a CSV
 * file: the header, the inferred column types and the size.
 */
import type { AsyncBuffer, ColumnChunk, FileMetaData, RowGroup } from "hyparquet";
import { formatTimestamp } from "../values.ts";
import { fileByteSource, isGzip, isPattern } from "../io/file.ts";
import { UsageError } from "../errors.ts";
import { detectFormat, probeCsv, type SourceOptions } from "../sources/source.ts";
import { HiveDataset } from "../parquet/hive.ts";
import { ParquetReader } from "../parquet/read.ts";
import { describeElement } from "../parquet/schema.ts";
import { formatStatistic, type RawStatistics, rawStatistics } from "../parquet/_stats.ts";

export type StatValue = number | string | boolean | null;

export interface ColumnReport {
  name: string;
  /** Arrow type outcore reads the column as. */
  type: string;
  /** Parquet physical (and logical) type; "text" for CSV. */
  physical_type: string;
  nullable: boolean;
  /** Where the column comes from for datasets: "file" or "partition". */
  origin?: "file" | "partition";
}

export interface ColumnStats {
  min: StatValue;
  max: StatValue;
  nulls: number | null;
  codec: string;
  encodings: string[];
  compressed_bytes: number;
  uncompressed_bytes: number;
}

export interface RowGroupReport {
  file?: string;
  index: number;
  rows: number;
  compressed_bytes: number;
  columns: Record<string, ColumnStats>;
}

export interface InspectReport {
  path: string;
  format: "csv" | "parquet" | "dataset";
  bytes: number;
  /** Null for CSV (counting needs a full read). */
  rows: number | null;
  columns: ColumnReport[];
  row_groups: RowGroupReport[] | null;
  row_group_count: number | null;
  codecs: string[];
  created_by: string[];
  files?: {
    path: string;
    rows: number;
    row_groups: number;
    bytes: number;
    partitions: Record<string, string>;
  }[];
  partitions?: Record<string, string[]>;
  /** CSV: the delimiter and how the column kinds were decided. */
  csv?: {
    delimiter: string;
    delimiter_sniffed: boolean;
    typed_by_option: string[];
    /** `whole_file`: the sample was the whole file; `gzip`: a gzip file, sampled from its start only. */
    inferred_from: {
      first_rows: number;
      rows_across_the_file: number;
      windows: number;
      whole_file: boolean;
      gzip: boolean;
    };
  };
}

/** Inspects a CSV file, a Parquet file or a dataset folder. Reads footers only (CSV: the first chunk). */
export async function inspectPath(path: string, options: SourceOptions = {}): Promise<InspectReport> {
  if (isPattern(path)) {
    throw new UsageError(
      `inspect reads one file or dataset; "${path}" is a pattern (inspect its files one by one)`,
    );
  }
  const format = await detectFormat(path);
  if (format === "csv") return await inspectCsv(path, options);
  if (format === "parquet") {
    const source = await fileByteSource(path);
    try {
      const reader = await ParquetReader.open(source, { file: path });
      return {
        path,
        format,
        bytes: source.byteLength,
        rows: reader.rowCount,
        columns: columnReports(reader),
        row_groups: await rowGroupReports(source, reader.metadata),
        row_group_count: reader.rowGroupCount,
        codecs: codecsOf(reader.metadata),
        created_by: reader.metadata.created_by ? [reader.metadata.created_by] : [],
      };
    } finally {
      source.close();
    }
  }
  const dataset = await HiveDataset.open(path);
  try {
    const report: InspectReport = {
      path,
      format,
      bytes: 0,
      rows: 0,
      columns: [
        ...columnReports(dataset.first).filter((c) => !dataset.partitionKeys.includes(c.name)).map((c) => ({
          ...c,
          origin: "file" as const,
        })),
        ...dataset.partitionKeys.map((name) => ({
          name,
          type: "Dictionary<Int32, Utf8>",
          physical_type: "folder name",
          nullable: false,
          origin: "partition" as const,
        })),
      ],
      row_groups: [],
      row_group_count: 0,
      codecs: [],
      created_by: [],
      files: [],
      partitions: Object.fromEntries(
        dataset.partitionKeys.map((k) => [k, [...new Set(dataset.files.map((f) => f.partitions[k]))].sort()]),
      ),
    };
    const codecs = new Set<string>();
    const creators = new Set<string>();
    for (const file of dataset.files) {
      const source = await fileByteSource(file.path);
      try {
        const { metadata } = await ParquetReader.open(source, { file: file.path });
        const rows = Number(metadata.num_rows);
        report.rows! += rows;
        report.bytes += source.byteLength;
        report.row_group_count! += metadata.row_groups.length;
        for (const g of await rowGroupReports(source, metadata)) {
          report.row_groups!.push({ file: file.path, ...g });
        }
        codecsOf(metadata).forEach((c) => codecs.add(c));
        if (metadata.created_by) creators.add(metadata.created_by);
        report.files!.push({
          path: file.path,
          rows,
          row_groups: metadata.row_groups.length,
          bytes: source.byteLength,
          partitions: file.partitions,
        });
      } finally {
        source.close();
      }
    }
    report.codecs = [...codecs].sort();
    report.created_by = [...creators].sort();
    return report;
  } finally {
    dataset.close();
  }
}

async function inspectCsv(path: string, options: SourceOptions): Promise<InspectReport> {
  const { size } = await Deno.stat(path);
  const reader = await probeCsv(path, options);
  const { firstRows, windowRows, windows, delimiterSniffed } = reader.inference;
  return {
    path,
    format: "csv",
    bytes: size,
    rows: reader.wholeFileRows,
    csv: {
      delimiter: reader.delimiter,
      delimiter_sniffed: delimiterSniffed,
      typed_by_option: Object.keys(options.types ?? {}),
      inferred_from: {
        first_rows: firstRows,
        rows_across_the_file: windowRows,
        windows,
        whole_file: reader.wholeFileRows !== null,
        gzip: await isGzip(path),
      },
    },
    columns: reader.schema.fields.map((f) => ({
      name: f.name,
      type: String(f.type),
      physical_type: "text",
      nullable: true,
    })),
    row_groups: null,
    row_group_count: null,
    codecs: [],
    created_by: [],
  };
}

function columnReports(reader: ParquetReader): ColumnReport[] {
  const elements = new Map(reader.metadata.schema.map((e) => [e.name, e]));
  return reader.columns.map((c, i) => ({
    name: c.name,
    type: String(reader.schema.fields[i].type),
    physical_type: c.nested ? "GROUP (nested, read as JSON text)" : describeElement(elements.get(c.name)!),
    nullable: c.nullable,
  }));
}

function codecsOf(metadata: FileMetaData): string[] {
  const codecs = new Set<string>();
  for (const g of metadata.row_groups) {
    for (const c of g.columns) if (c.meta_data) codecs.add(c.meta_data.codec);
  }
  return [...codecs].sort();
}

/** Every row group's report, statistics formatted exactly from the footer's raw bytes. */
async function rowGroupReports(source: AsyncBuffer, metadata: FileMetaData): Promise<RowGroupReport[]> {
  const raw = await rawStatistics(source).catch(() => null); // an odd footer: fall back to hyparquet's values
  return metadata.row_groups.map((g, i) => rowGroupReport(g, i, metadata, raw?.[i]));
}

function rowGroupReport(
  group: RowGroup,
  index: number,
  metadata: FileMetaData,
  raw?: RawStatistics[number],
): RowGroupReport {
  const columns: Record<string, ColumnStats> = {};
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (!meta) continue;
    const name = meta.path_in_schema.join(".");
    const isTimestamp = isTimestampColumn(chunk, metadata);
    const stats = meta.statistics;
    const element = metadata.schema.find((e) => e.name === meta.path_in_schema.at(-1));
    const exact = raw?.get(name);
    columns[name] = {
      min: exact && element
        ? formatStatistic(exact.min, element)
        : statValue(stats?.min_value ?? stats?.min, isTimestamp),
      max: exact && element
        ? formatStatistic(exact.max, element)
        : statValue(stats?.max_value ?? stats?.max, isTimestamp),
      nulls: stats?.null_count === undefined ? null : Number(stats.null_count),
      codec: meta.codec,
      encodings: meta.encodings,
      compressed_bytes: Number(meta.total_compressed_size),
      uncompressed_bytes: Number(meta.total_uncompressed_size),
    };
  }
  return {
    index,
    rows: Number(group.num_rows),
    compressed_bytes: Number(group.total_compressed_size ?? 0n),
    columns,
  };
}

function isTimestampColumn(chunk: ColumnChunk, metadata: FileMetaData): boolean {
  const name = chunk.meta_data?.path_in_schema.at(-1);
  const element = metadata.schema.find((e) => e.name === name);
  return element?.logical_type?.type === "TIMESTAMP" ||
    element?.converted_type?.startsWith("TIMESTAMP") === true ||
    element?.type === "INT96";
}

function statValue(value: unknown, isTimestamp: boolean): StatValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return formatTimestamp(value.getTime());
  if (typeof value === "bigint") {
    if (isTimestamp) return formatTimestamp(Number(value));
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  }
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
  return String(value);
}
