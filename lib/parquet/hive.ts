/**
 * Hive-partitioned Parquet datasets (`dir/category=Electronics/part-00000.parquet`). Neither hyparquet nor
 * hyparquet-writer knows the layout, so it is done here: the reader restores partition columns from the
 * paths (as strings) and skips whole folders that a predicate on a partition column excludes; the writer keeps
 * one Parquet file per partition value.
 */
import type { RecordBatch, Schema } from "apache-arrow";
import { Field, Schema as ArrowSchema } from "apache-arrow";
import {
  arrowType,
  type Column,
  columnData,
  constantStringData,
  kindOf,
  makeBatch,
  selectRows,
} from "../batch.ts";
import { DataError, UsageError } from "../errors.ts";
import { fileByteSource, listFiles } from "../io/file.ts";
import { compare, type Predicate } from "../ops/predicate.ts";
import { ParquetReader } from "./read.ts";
import { ParquetFileWriter, type WriteCodec } from "./write.ts";

/** One file of a dataset and the partition values its path encodes. */
export interface DatasetFile {
  path: string;
  size: number;
  partitions: Record<string, string>;
}

/** The folder name Hive, Spark and pyarrow give a null (or empty) partition value. */
export const HIVE_NULL = "__HIVE_DEFAULT_PARTITION__";

/** A partition's value as a column holds it: null for `HIVE_NULL`. */
export function partitionValue(raw: string): string | null {
  return raw === HIVE_NULL ? null : raw;
}

/** Parses `key=value` folder names below `root` in a file's path. */
export function partitionsOf(root: string, path: string): Record<string, string> {
  const relative = path.slice(root.replace(/\/+$/, "").length + 1).split("/").slice(0, -1);
  const out: Record<string, string> = {};
  for (const part of relative) {
    const eq = part.indexOf("=");
    if (eq > 0) out[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}

/** A folder of Parquet files, optionally Hive-partitioned. Files are opened one at a time while reading. */
export class HiveDataset {
  readonly root: string;
  readonly files: DatasetFile[];
  readonly partitionKeys: string[];
  /** File columns, then partition columns (strings). */
  readonly schema: Schema;
  readonly first: ParquetReader;

  private constructor(root: string, files: DatasetFile[], partitionKeys: string[], first: ParquetReader) {
    this.root = root;
    this.files = files;
    this.partitionKeys = partitionKeys;
    this.first = first;
    const fileFields = first.schema.fields.filter((f) => !partitionKeys.includes(f.name));
    this.schema = new ArrowSchema([
      ...fileFields,
      ...partitionKeys.map((key) => new Field(key, arrowType("string"), false)),
    ]);
  }

  /** Lists the dataset's files and reads the first file's footer for the schema. */
  static async open(root: string): Promise<HiveDataset> {
    const paths = await listFiles(root, ".parquet");
    if (paths.length === 0) throw new DataError({ file: root }, "no .parquet files in this folder");
    const files: DatasetFile[] = [];
    for (const path of paths) {
      files.push({ path, size: (await Deno.stat(path)).size, partitions: partitionsOf(root, path) });
    }
    const keys = Object.keys(files[0].partitions);
    for (const f of files) {
      const fileKeys = Object.keys(f.partitions);
      if (fileKeys.join("/") !== keys.join("/")) {
        throw new DataError(
          { file: f.path },
          `partition folders (${fileKeys.join("/") || "none"}) differ from the dataset's (${
            keys.join("/") || "none"
          })`,
        );
      }
    }
    const source = await fileByteSource(files[0].path);
    const first = await ParquetReader.open(source, { file: files[0].path });
    return new HiveDataset(root, files, keys, first);
  }

  /** Files whose partition values satisfy every predicate on a partition column (others are skipped unread). */
  prune(where: readonly Predicate[] = []): DatasetFile[] {
    const onKeys = where.filter((p) => this.partitionKeys.includes(p.column));
    // A null partition never matches, as nulls never match a predicate.
    return this.files.filter((f) =>
      onKeys.every((p) =>
        f.partitions[p.column] !== HIVE_NULL && compare(f.partitions[p.column], p.op, p.value)
      )
    );
  }

  /** Checks requested columns, throwing a UsageError that lists the available ones. */
  checkColumns(columns: readonly string[]): void {
    const names = this.schema.fields.map((f) => f.name);
    for (const name of columns) {
      if (!names.includes(name)) {
        throw new UsageError(`${this.root}: no column "${name}" (available: ${names.join(", ")})`);
      }
    }
  }

  /**
   * Yields the dataset's rows file by file, row group by row group. Memory: one row group of the projected
   * columns. Partition columns are rebuilt from the folder names.
   */
  async *batches(
    options: {
      columns?: readonly string[];
      batchSize?: number;
      where?: readonly Predicate[];
      onFileDone?: (bytes: number) => void;
      /** Rows wanted at most (later pages and files are not read). */
      limit?: number;
    } = {},
  ): AsyncGenerator<RecordBatch> {
    const columns = options.columns ? [...options.columns] : this.schema.fields.map((f) => f.name);
    this.checkColumns(columns);
    const fileColumns = columns.filter((c) => !this.partitionKeys.includes(c));
    // Predicates on partition keys chose the files; those on the files' own columns go to their readers.
    const where = options.where?.filter((p) => !this.partitionKeys.includes(p.column));
    let left = options.limit ?? Infinity;
    this.rowsFiltered = 0;
    this.rowGroupsSkipped = 0;
    for (const file of this.prune(options.where)) {
      if (left <= 0) return;
      const source = file.path === this.first.file ? this.first.source : await fileByteSource(file.path);
      try {
        const reader = file.path === this.first.file
          ? this.first
          : await ParquetReader.open(source, { file: file.path });
        for await (
          const batch of reader.batches({
            columns: fileColumns,
            batchSize: options.batchSize,
            limit: left,
            where,
          })
        ) {
          left -= batch.numRows;
          const parts: Column[] = columns.map((name) =>
            this.partitionKeys.includes(name)
              ? {
                name,
                data: constantStringData(
                  partitionValue(file.partitions[name]),
                  batch.numRows,
                  this.#type(name),
                ),
              }
              : { name, data: columnData(batch, name) }
          );
          yield makeBatch(parts);
        }
        this.rowsFiltered += reader.rowsFiltered;
        this.rowGroupsSkipped += reader.rowGroupsSkipped;
        options.onFileDone?.(file.size);
      } finally {
        if (source !== this.first.source) (source as Partial<{ close(): void }>).close?.();
      }
    }
  }

  /** Rows the files' readers left out in the last `batches({ where })`. */
  rowsFiltered = 0;
  /** Row groups the files' readers did not read in the last `batches({ where })` (their statistics). */
  rowGroupsSkipped = 0;

  #type(name: string) {
    return this.schema.fields.find((f) => f.name === name)!.type;
  }

  /** Closes the file kept open for the schema. */
  close(): void {
    this.first.close();
  }
}

/**
 * Writes batches into `dir/<column>=<value>/<fileName>`, one Parquet file per value of a string column
 * (which is not stored in the files, as Hive and pyarrow do). Each `write` adds one row group to each
 * partition's file that has rows in the batch. Memory: one batch plus one row group per partition.
 */
export class HiveWriter {
  readonly dir: string;
  readonly column: string;
  readonly fileName: string;
  #schema: Schema;
  #writers = new Map<string, ParquetFileWriter>();
  #codec: WriteCodec;

  constructor(
    dir: string,
    schema: Schema,
    column: string,
    options: { fileName?: string; codec?: WriteCodec } = {},
  ) {
    const field = schema.fields.find((f) => f.name === column);
    if (!field) throw new UsageError(`cannot partition by "${column}": no such column`);
    if (kindOf(field.type) !== "string") {
      throw new UsageError(`cannot partition by "${column}": it is not a string column`);
    }
    this.dir = dir;
    this.column = column;
    this.fileName = options.fileName ?? "part-00000.parquet";
    this.#codec = options.codec ?? "SNAPPY";
    this.#schema = new ArrowSchema(schema.fields.filter((f) => f.name !== column));
  }

  /** Partition values written so far, with their row counts. */
  get partitions(): Map<string, number> {
    return new Map([...this.#writers].map(([value, w]) => [value, w.rowCount]));
  }

  /**
   * Adds a batch's rows to their partitions' files (one row group each). A null or empty value goes to
   * `COL=__HIVE_DEFAULT_PARTITION__`, as Hive, Spark and pyarrow write it, and reads back as null.
   */
  async write(batch: RecordBatch): Promise<void> {
    const data = columnData(batch, this.column);
    const dictionary = data.dictionary!.toArray() as (string | null)[];
    const indices = (data.values as Int32Array).subarray(0, batch.numRows);
    // Each row's value index; the null bucket is one past the dictionary.
    const nullBucket = dictionary.length;
    // Each dictionary entry's bucket: itself, or the null bucket for an empty value.
    const entryBucket = Int32Array.from(dictionary, (v, k) => (v === null || v === "" ? nullBucket : k));
    const bucket = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) bucket[i] = entryBucket[indices[i]];
    if (data.nullCount > 0) {
      const bitmap = data.nullBitmap!;
      for (let i = 0; i < indices.length; i++) {
        const j = i + data.offset;
        if ((bitmap[j >> 3] & (1 << (j & 7))) === 0) bucket[i] = nullBucket;
      }
    }
    const counts = new Int32Array(dictionary.length + 1);
    for (let i = 0; i < bucket.length; i++) counts[bucket[i]]++;
    const rowsByValue = Array.from(counts, (n) => new Int32Array(n));
    const fill = new Int32Array(dictionary.length + 1);
    for (let i = 0; i < bucket.length; i++) rowsByValue[bucket[i]][fill[bucket[i]]++] = i;
    const rest = this.#schema.fields.map((f) => f.name);
    const projected = makeBatch(rest.map((name) => ({ name, data: columnData(batch, name) })));
    for (let v = 0; v <= dictionary.length; v++) {
      if (counts[v] === 0) continue;
      const value = v === nullBucket ? HIVE_NULL : dictionary[v]!;
      let writer = this.#writers.get(value);
      if (!writer) {
        const folder = `${this.dir}/${encodeURIComponent(this.column)}=${encodeURIComponent(value)}`;
        await Deno.mkdir(folder, { recursive: true });
        writer = await ParquetFileWriter.create(`${folder}/${this.fileName}`, this.#schema, {
          codec: this.#codec,
        });
        this.#writers.set(value, writer);
      }
      await writer.write(selectRows(projected, rowsByValue[v]));
    }
  }

  /** Finishes every partition's file. */
  async close(): Promise<void> {
    for (const writer of this.#writers.values()) await writer.close();
  }
}
