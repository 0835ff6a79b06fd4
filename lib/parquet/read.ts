/**
 * Parquet → Arrow batches, one row group at a time (a whole-file hyparquet read would fetch every row group at
 * once). Memory: one row group of the projected columns. Reads what pyarrow/pandas, DuckDB and Spark write:
 * nullable and dictionary-encoded columns, INT64, timestamps, and every codec hyparquet-compressors knows.
 */
import type { Data, DataType, RecordBatch, Schema } from "apache-arrow";
import { Field, Schema as ArrowSchema, TimestampMicrosecond, TimestampNanosecond } from "apache-arrow";
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
} from "hyparquet";
import type { SchemaElement, SchemaTree } from "hyparquet";
import { compressors } from "./_codecs.ts";
import {
  allValid,
  arrowType,
  boolData,
  type Column,
  columnData,
  type ColumnKind,
  dictionaryData,
  float64Data,
  int32Data,
  int64Data,
  makeBatch,
  NESTED_KEY,
  NESTED_SCHEMA_KEY,
  PARQUET_TYPE_KEY,
  selectColumns,
  selectRows,
  setNull,
  timestampData,
} from "../batch.ts";
import { RowFilter } from "../ops/filter.ts";
import type { Predicate } from "../ops/predicate.ts";
import { DataError, UsageError } from "../errors.ts";
import { setInt64 } from "../values.ts";
import { annotationsOf, type Carry, carryOf, kindOfElement, PARSERS, timestampUnitOf } from "./schema.ts";
import { isFlatLeaf, readFlatColumn } from "./_flat.ts";
import { blobText } from "../cells.ts";
import { freeBuffers, freeData } from "../io/memory.ts";
import { rawJSON } from "../format.ts";

/** Whether flat columns take the fast path in `_flat.ts`. */
let FLAT_READS = true;

/** Turns the flat-column fast path on or off (for tests that compare it with hyparquet's own reader). */
export function setFlatReads(on: boolean): void {
  FLAT_READS = on;
}

/**
 * The most compressed bytes of the next row group `batches` reads while the current one decodes: row groups
 * of ordinary size (DuckDB's 122,880 rows ≈ 1 MB, outcore's 1M-row groups ≈ 10 MB) are read ahead, very large
 * ones are not, so that a reader never holds two of them.
 */
const READ_AHEAD_BYTES = 16 << 20;

/** Codecs hyparquet (snappy) and hyparquet-compressors (the rest) decompress. */
export const READABLE_CODECS = ["UNCOMPRESSED", "SNAPPY", "GZIP", "BROTLI", "ZSTD", "LZ4", "LZ4_RAW"];

export interface ParquetBatchOptions {
  /** Columns to read, in output order (projection pushdown: other columns' bytes are never fetched; chunks that touch come in one read). */
  columns?: readonly string[];
  /** Rows per batch; a row group is sliced (zero-copy) into batches of this size. Default: whole row groups. */
  batchSize?: number;
  /** Row groups to read (indices), default all. */
  rowGroups?: readonly number[];
  /**
   * Rows wanted at most: the last row group read is decoded only up to them (`head -n 5` decodes the first
   * pages, not a whole row group), and no later row group is read.
   */
  limit?: number;
  /**
   * The caller is done with a batch when it asks for the next (it folds them): the arrays this reader decoded
   * for a row group are then freed once its last batch has been consumed, rather than left for a full
   * collection (17 % of a selective filter's time was the garbage collector, profiled).
   */
  reuse?: boolean;
  /**
   * Only rows every predicate accepts: a row group whose footer statistics rule every row out is not read
   * (`rowGroupsSkipped`; numbers and millisecond timestamps, see `RowFilter.mayMatch`); in the others the
   * predicate's columns are decoded first, and the rest only when a row matched, then cut to those rows (late
   * materialisation). The rows left out are counted in `rowsFiltered`.
   */
  where?: readonly Predicate[];
}

/** A top-level Parquet column as outcore sees it. */
export interface ParquetColumn {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /** Nested (group or repeated) columns are read as JSON text. */
  nested: boolean;
  /** Date columns: stored days → ms is `v * multiply / divide` (×86400000). */
  toMs?: { multiply: number; divide: number };
  /** A type outcore carries rather than computes on (see `Carry`); its annotations are field metadata. */
  carry?: Carry;
  /** Timestamps: the stored unit, kept (µs and ns are not rounded to ms). */
  unit?: "ms" | "us" | "ns";
  /** The leaf's schema element as the file has it. */
  element: SchemaElement;
  /** Nested columns: the group's schema elements, depth first, as JSON. */
  subtree?: string;
  /** Nested columns: the schema tree, to give repeated fields with no values their empty list. */
  tree?: SchemaTree;
}

/** The Arrow type a column is read as: its kind's, with the stored unit for timestamps. */
function columnType(column: ParquetColumn): DataType {
  if (column.kind !== "timestamp" || column.unit === undefined || column.unit === "ms") {
    return arrowType(column.kind);
  }
  return column.unit === "us" ? new TimestampMicrosecond() : new TimestampNanosecond();
}

/** Field metadata keeping a column's Parquet annotations, for types outcore carries or timestamps. */
function columnMetadata(column: ParquetColumn): Map<string, string> | undefined {
  if (column.nested) {
    const e = column.element;
    const kind =
      e.repetition_type === "REPEATED" || e.converted_type === "LIST" || e.logical_type?.type === "LIST"
        ? "list"
        : e.converted_type === "MAP" || e.logical_type?.type === "MAP"
        ? "map"
        : "struct";
    return new Map([[NESTED_KEY, kind], [NESTED_SCHEMA_KEY, column.subtree ?? "[]"]]);
  }
  if (column.carry === undefined && column.kind !== "timestamp") return undefined;
  return new Map([[PARQUET_TYPE_KEY, annotationsOf(column.element)]]);
}

/** A Parquet file opened for reading: metadata is parsed, no data page has been read. */
export class ParquetReader {
  readonly file: string;
  readonly source: AsyncBuffer;
  readonly metadata: FileMetaData;
  readonly columns: ParquetColumn[];
  readonly schema: Schema;

  private constructor(file: string, source: AsyncBuffer, metadata: FileMetaData) {
    this.file = file;
    this.source = source;
    this.metadata = metadata;
    this.columns = parquetSchema(metadata).children.map(describeColumn);
    this.schema = new ArrowSchema(
      this.columns.map((c) => new Field(c.name, columnType(c), c.nullable, columnMetadata(c))),
    );
    // Read timestamp, date and carried columns as their raw stored values: hyparquet would otherwise build
    // one bigint or Date per value, round µs/ns to ms, decode binary as UTF-8 and decimals to doubles.
    const raw = new Set(
      this.columns.filter((c) => !c.nested && (c.carry !== undefined || c.kind === "timestamp")).map((c) =>
        c.name
      ),
    );
    for (const c of this.columns) if (c.carry === "date") c.toMs = { multiply: 86_400_000, divide: 1 };
    this.#readMetadata = {
      ...metadata,
      schema: metadata.schema.map((element) => {
        // ENUM is text: read it as UTF8 (hyparquet reads un-annotated byte arrays as bytes: utf8 is off).
        if (element.converted_type === "ENUM" || element.logical_type?.type === "ENUM") {
          return { ...element, converted_type: "UTF8", logical_type: { type: "STRING" } };
        }
        if (!raw.has(element.name) || element.type === "INT96") return element;
        return { ...element, converted_type: undefined, logical_type: undefined };
      }),
    };
  }

  #readMetadata: FileMetaData;
  /** Use the flat-column fast path (tests turn it off to compare with hyparquet's general reader). */
  #flatReads = FLAT_READS;

  /** Reads the footer; a DataError names the file when it is not Parquet or is truncated. */
  static async open(source: AsyncBuffer, options: { file?: string } = {}): Promise<ParquetReader> {
    const { file = "input" } = options;
    if (source.byteLength < 12) {
      throw new DataError(
        { file },
        `not a Parquet file (${source.byteLength} bytes, too short for a footer)`,
      );
    }
    const tail = new Uint8Array(await source.slice(source.byteLength - 4, source.byteLength));
    const magic = String.fromCharCode(...tail);
    if (magic === "PARE") {
      throw new DataError(
        { file },
        "is an encrypted Parquet file (encrypted footer), which outcore cannot read",
      );
    }
    if (magic !== "PAR1") {
      throw new DataError(
        { file },
        "is not a Parquet file, or is truncated (it does not end with the PAR1 magic bytes)",
      );
    }
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(source);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new DataError({ file }, `has a corrupt footer (${detail.replace(/^parquet /, "")})`);
    }
    for (const [g, group] of metadata.row_groups.entries()) {
      for (const chunk of group.columns) {
        const name = chunk.meta_data?.path_in_schema.join(".") ?? "?";
        if (chunk.crypto_metadata || chunk.encrypted_column_metadata) {
          throw new DataError({ file, rowGroup: g, column: name }, "is encrypted, which outcore cannot read");
        }
        if (chunk.file_path) {
          throw new DataError(
            { file, rowGroup: g, column: name },
            `is stored in another file (${chunk.file_path}), which outcore cannot read`,
          );
        }
        const codec = chunk.meta_data?.codec;
        if (codec && !READABLE_CODECS.includes(codec)) {
          throw new DataError(
            { file, rowGroup: g, column: name },
            `uses the ${codec} codec, which outcore cannot read (it reads ${READABLE_CODECS.join(", ")})`,
          );
        }
      }
    }
    return new ParquetReader(file, source, metadata);
  }

  /** Closes the byte source when it can be closed (a file). */
  close(): void {
    this.#ahead.clear();
    (this.source as Partial<{ close(): void }>).close?.();
  }

  get rowCount(): number {
    return Number(this.metadata.num_rows);
  }

  get rowGroupCount(): number {
    return this.metadata.row_groups.length;
  }

  /** The first row of each row group and its row count. */
  rowGroupRanges(): { start: number; rows: number }[] {
    let start = 0;
    return this.metadata.row_groups.map((group) => {
      const rows = Number(group.num_rows);
      const range = { start, rows };
      start += rows;
      return range;
    });
  }

  /** Throws a UsageError naming the available columns when a requested column is missing. */
  checkColumns(columns: readonly string[]): void {
    const names = this.columns.map((c) => c.name);
    for (const name of columns) {
      if (!names.includes(name)) {
        throw new UsageError(`${this.file}: no column "${name}" (available: ${names.join(", ")})`);
      }
    }
  }

  /** Yields the file's rows as batches, one row group read at a time. */
  async *batches(options: ParquetBatchOptions = {}): AsyncGenerator<RecordBatch> {
    const { batchSize = Infinity } = options;
    const columns = options.columns ? [...options.columns] : this.columns.map((c) => c.name);
    this.checkColumns(columns);
    const ranges = this.rowGroupRanges();
    const filter = options.where?.length ? new RowFilter(options.where, this.schema) : null;
    const first = filter ? filter.columns : columns; // what a row group's decoding starts with
    this.rowsFiltered = 0;
    this.rowGroupsSkipped = 0;
    // Row groups whose statistics rule every row out are not read at all.
    const groups = (options.rowGroups ?? ranges.map((_, i) => i)).filter((g) => {
      if (!filter || filter.mayMatch(this.#ranges(g, filter.columns))) return true;
      this.rowsFiltered += ranges[g].rows;
      this.rowGroupsSkipped++;
      return false;
    });
    let left = options.limit ?? Infinity;
    if (groups.length) this.#readAhead(groups[0], first);
    for (const [i, g] of groups.entries()) {
      if (left <= 0) return;
      // The next row group's chunks are read while this one decodes (see `#chunks`), unless the limit ends here.
      if (i + 1 < groups.length && (filter || left > ranges[g].rows)) this.#readAhead(groups[i + 1], first);
      const batch = filter
        ? await this.#readMatching(g, columns, filter)
        : await this.readRowGroup(g, columns, left);
      if (batch === null) continue;
      left -= batch.numRows;
      if (batch.numRows <= batchSize) yield batch;
      else {
        for (let start = 0; start < batch.numRows; start += batchSize) {
          yield batch.slice(start, start + batchSize);
        }
      }
      // Asked for more: with `reuse` the caller is done with this row group's arrays.
      if (options.reuse) {
        freeData(...this.#decoded.get(batch) ?? []);
      }
    }
  }

  /**
   * Reads one row group's projected columns into a batch — its first `limit` rows only, when given (pages
   * past them are not decoded), or only the rows in `select` (ascending). Memory: that row group's columns.
   */
  async readRowGroup(
    index: number,
    columns: readonly string[],
    limit = Infinity,
    select?: Int32Array,
  ): Promise<RecordBatch> {
    const range = this.rowGroupRanges()[index];
    const start = range.start;
    const rows = Math.min(range.rows, limit);
    const tree = parquetSchema(this.#readMetadata);
    const leafOf = (name: string) => tree.children.find((c) => c.element.name === name)!;
    const flat = columns.filter((name) => this.#isFlat(tree, name));
    const general = columns.filter((name) => !flat.includes(name));
    const decoded = new Map<string, Data>();
    const chunks = new Map<string, Piece[]>();
    const reads = this.#chunks(index, flat);
    try {
      for (const name of flat) {
        const meta = this.#chunkMeta(index, name);
        const column = this.columns.find((c) => c.name === name)!;
        try {
          decoded.set(
            name,
            readFlatColumn(await reads.get(name)!, {
              root: tree,
              leaf: leafOf(name),
              codec: meta.codec,
              rows,
              kind: column.kind,
              type: this.schema.fields[this.columns.indexOf(column)].type,
              toMs: column.toMs,
              select,
            }),
          );
        } catch (err) {
          const detail = err instanceof Error ? err.message : String(err);
          throw new DataError(
            { file: this.file, rowGroup: index, column: name },
            `cannot read (${detail.replace(/^parquet /, "")})`,
          );
        }
      }
    } finally {
      // Decoded into arrays of their own: the chunks' bytes are garbage now — freed at once when the source
      // gave them to us alone (a local file's does; a caching source may hand the same buffer out again).
      if ((this.source as { freshSlices?: boolean }).freshSlices) {
        for (const read of reads.values()) read.then((bytes) => freeBuffers(bytes), () => {});
      }
    }
    if (general.length) {
      try {
        await parquetRead({
          file: this.source,
          metadata: this.#readMetadata,
          columns: general,
          rowStart: start,
          rowEnd: start + rows,
          compressors,
          parsers: PARSERS,
          utf8: false,
          onChunk: ({ columnName, columnData, rowStart }) => {
            let list = chunks.get(columnName);
            if (!list) chunks.set(columnName, list = []);
            list.push({ rowStart, data: columnData as ArrayLike<unknown> });
          },
        });
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new DataError(
          { file: this.file, rowGroup: index },
          `cannot read (${detail.replace(/^parquet /, "")})`,
        );
      }
    }
    const out: Column[] = columns.map((name) => {
      const ready = decoded.get(name);
      if (ready) return { name, data: ready };
      const column = this.columns.find((c) => c.name === name)!;
      const type = this.schema.fields[this.columns.indexOf(column)].type;
      const { data, filled } = toArrowData(column, chunks.get(name) ?? [], start, rows, type);
      if (filled !== rows) {
        throw new DataError(
          { file: this.file, rowGroup: index, column: name },
          `expected ${rows} values, decoded ${filled}`,
        );
      }
      // Nested and carried columns come whole from hyparquet's reader: cut to the selected rows here.
      return {
        name,
        data: select ? columnData(selectRows(makeBatch([{ name, data }], rows), select), name) : data,
      };
    });
    const batch = makeBatch(out, select ? select.length : rows);
    this.#decoded.set(batch, [...decoded.values()]);
    return batch;
  }

  /** The arrays `readRowGroup` decoded itself for a batch (its flat columns: each in arrays of its own). */
  readonly #decoded = new WeakMap<RecordBatch, Data[]>();

  /** Rows the last `batches({ where })` left out. */
  rowsFiltered = 0;
  /** Row groups the last `batches({ where })` did not read: their statistics ruled every row out. */
  rowGroupsSkipped = 0;

  /**
   * Row group `index`'s min and max of `columns` from the footer, where they can be trusted as numbers: plain
   * doubles, 32-bit integers and millisecond timestamps with the newer min_value/max_value statistics (the
   * legacy ones may use another order). Other columns get none, and a filter never skips on them.
   */
  #ranges(index: number, columns: readonly string[]): Map<string, { min: number; max: number }> {
    const out = new Map<string, { min: number; max: number }>();
    for (const name of columns) {
      const column = this.columns.find((c) => c.name === name);
      if (!column || column.nested || column.carry !== undefined) continue;
      const type = column.element.type;
      const plain = (column.kind === "float64" && (type === "DOUBLE" || type === "FLOAT")) ||
        (column.kind === "int32" && type === "INT32") ||
        (column.kind === "timestamp" && column.unit === "ms");
      if (!plain) continue;
      const stats = this.#chunkOf(index, name)?.statistics;
      const number = (v: unknown) => typeof v === "number" ? v : v instanceof Date ? v.getTime() : undefined;
      const min = number(stats?.min_value), max = number(stats?.max_value);
      if (min !== undefined && max !== undefined) out.set(name, { min, max });
    }
    return out;
  }

  /**
   * Row group `index`'s rows that `filter` accepts, as a batch of `columns`, or null when none does: the
   * predicate's columns decoded first, the others only when some row matched.
   */
  async #readMatching(
    index: number,
    columns: readonly string[],
    filter: RowFilter,
  ): Promise<RecordBatch | null> {
    const first = filter.columns;
    const tested = await this.readRowGroup(index, first);
    const rows = filter.select(tested);
    this.rowsFiltered += tested.numRows - rows.length;
    try {
      if (rows.length === 0) return null;
      const kept = selectRows(selectColumns(tested, columns.filter((c) => first.includes(c))), rows);
      const rest = columns.filter((c) => !first.includes(c));
      // The other columns: only the matching rows stored.
      const others = rest.length ? await this.readRowGroup(index, rest, Infinity, rows) : null;
      return makeBatch(
        columns.map((name) => ({ name, data: columnData(rest.includes(name) ? others! : kept, name) })),
        rows.length,
      );
    } finally {
      freeData(...this.#decoded.get(tested) ?? []);
    }
  }

  /** Flat columns are decoded by our own page loop; nested ones go through hyparquet's general reader. */
  #isFlat(tree: SchemaTree, name: string): boolean {
    const carry = this.columns.find((c) => c.name === name)?.carry;
    // Decimals and byte arrays need their stored values converted: the general path does that.
    const plain = carry !== "decimal" && carry !== "decimal-text" && carry !== "binary" && carry !== "uint";
    return this.#flatReads && plain && isFlatLeaf(tree.children.find((c) => c.element.name === name)!);
  }

  /** Column `name`'s chunk metadata in row group `index`, if the file has one. */
  #chunkOf(index: number, name: string) {
    return this.metadata.row_groups[index].columns.find((c) =>
      c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name
    )?.meta_data;
  }

  /** Column `name`'s chunk in row group `index` (a clear error when the file has none). */
  #chunkMeta(index: number, name: string) {
    const meta = this.#chunkOf(index, name);
    if (!meta) throw new DataError({ file: this.file, rowGroup: index, column: name }, "has no column chunk");
    return meta;
  }

  /**
   * Row group `index`'s chunks of `names`, read: those `#readAhead` started, else read now. Chunks that touch
   * in the file (neighbouring columns: price and quantity, or every column) come in one read, which the source
   * does as one operation on its I/O thread — so the next row group's arrive while this thread decodes the
   * current one. Read one by one, decoding waited for each: a whole and a projected read of the DuckDB-written
   * warmup file (205 and 82 chunks of 41 row groups) waited 82–109 ms of their ~370 (a read chained after
   * another needs this thread to start it). Chunks sharing a read are views of one buffer.
   */
  #chunks(index: number, names: readonly string[]): Map<string, Promise<Uint8Array>> {
    const ahead = this.#ahead.get(index) ?? new Map<string, Promise<Uint8Array>>();
    this.#ahead.delete(index);
    const wanted = names.filter((name) => !ahead.has(name)).map((name) => {
      const meta = this.#chunkMeta(index, name);
      const from = Number(meta.dictionary_page_offset || meta.data_page_offset);
      return { name, from, to: from + Number(meta.total_compressed_size) };
    }).sort((a, b) => a.from - b.from);
    for (let i = 0; i < wanted.length;) {
      // A run of chunks that touch: one read, and no byte of a column not asked for.
      let j = i + 1;
      let to = wanted[i].to;
      while (j < wanted.length && wanted[j].from === to) to = wanted[j++].to;
      const from = wanted[i].from;
      const read = Promise.resolve(this.source.slice(from, to)).then((buffer) => new Uint8Array(buffer));
      for (const chunk of wanted.slice(i, j)) {
        const view = read.then((bytes) => bytes.subarray(chunk.from - from, chunk.to - from));
        view.catch(() => {}); // awaited by the decoding loop; one that stops early leaves the rest unawaited
        ahead.set(chunk.name, view);
      }
      i = j;
    }
    return ahead;
  }

  /**
   * Starts reading row group `index`'s chunks of the flat columns among `columns` for the next `readRowGroup`.
   * Memory: that row group's compressed chunks (at most `READ_AHEAD_BYTES`), besides the one being decoded.
   */
  #readAhead(index: number, columns: readonly string[]): void {
    if (this.#ahead.has(index)) return;
    const tree = parquetSchema(this.#readMetadata);
    const flat = columns.filter((name) => this.#isFlat(tree, name));
    const bytes = flat.reduce(
      (sum, name) => sum + Number(this.#chunkOf(index, name)?.total_compressed_size ?? 0),
      0,
    );
    if (bytes > READ_AHEAD_BYTES) return; // large row groups: not twice at once
    try {
      this.#ahead.set(index, this.#chunks(index, flat));
    } catch { /* a chunk missing from the footer: `readRowGroup` reports it when it gets there */ }
  }

  /** Reads started by `#readAhead`, by row group (the one about to be decoded and the next). */
  readonly #ahead = new Map<number, Map<string, Promise<Uint8Array>>>();
}

function describeColumn(tree: SchemaTree): ParquetColumn {
  const { element } = tree;
  const nested = tree.children.length > 0 || element.repetition_type === "REPEATED";
  const kind = nested ? "string" : kindOfElement(element) ?? "string";
  return {
    name: element.name,
    kind,
    nullable: nested || element.repetition_type !== "REQUIRED",
    nested,
    subtree: nested
      ? JSON.stringify(depthFirst(tree), (_, v) => (typeof v === "bigint" ? Number(v) : v))
      : undefined,
    tree: nested ? tree : undefined,
    carry: nested ? undefined : carryOf(element),
    unit: nested ? undefined : timestampUnitOf(element),
    element,
  };
}

/**
 * A nested value with every REPEATED field that has no values as `[]`: a repeated field is a list, never
 * null (hyparquet leaves it undefined; DuckDB, like the format, reads an empty list).
 */
function withEmptyLists(value: unknown, node: SchemaTree): unknown {
  const { element, children } = node;
  if (element.repetition_type === "REPEATED") {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value) || children.length === 0) return value;
    return value.map((v) =>
      withEmptyLists(v, { ...node, element: { ...element, repetition_type: "REQUIRED" } })
    );
  }
  if (value === null || value === undefined || children.length === 0) return value;
  const listLike = element.converted_type === "LIST" || element.logical_type?.type === "LIST";
  if (listLike && Array.isArray(value)) {
    const repeated = children[0];
    const item = repeated.children.length === 1 ? repeated.children[0] : undefined;
    return item ? value.map((v) => withEmptyLists(v, item)) : value;
  }
  const mapLike = element.converted_type === "MAP" || element.logical_type?.type === "MAP";
  if (typeof value === "object" && !Array.isArray(value) && !mapLike) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const child of children) out[child.element.name] = withEmptyLists(out[child.element.name], child);
    return out;
  }
  return value;
}

/** A schema subtree's elements, depth first (the order a Parquet footer lists them in). */
function depthFirst(tree: SchemaTree): SchemaElement[] {
  return [tree.element, ...tree.children.flatMap(depthFirst)];
}

/** A decoded piece of a column (a page or a whole chunk) and the file row its first value belongs to. */
interface Piece {
  rowStart: number;
  data: ArrayLike<unknown>;
}

/**
 * Calls `visit(data, from, to, dest)` for each piece's part inside rows [start, start + rows): values
 * data[from..to) go to output positions dest.. (hyparquet delivers pages that may extend past the range).
 */
function eachPart(
  pieces: Piece[],
  start: number,
  rows: number,
  visit: (data: ArrayLike<unknown>, from: number, to: number, dest: number) => void,
): number {
  let filled = 0;
  for (const { rowStart, data } of pieces) {
    const from = Math.max(0, start - rowStart);
    const to = Math.min(data.length, start + rows - rowStart);
    if (to > from) {
      visit(data, from, to, rowStart + from - start);
      filled += to - from;
    }
  }
  return filled;
}

type TypedCtor = Float64ArrayConstructor | Int32ArrayConstructor | BigInt64ArrayConstructor;

/** The pieces as one typed array: zero-copy for a single exact piece, else one copy per piece (`set`). */
function typedColumn<T extends Float64Array | Int32Array | BigInt64Array>(
  pieces: Piece[],
  start: number,
  rows: number,
  Ctor: TypedCtor,
): T | null {
  if (!pieces.every((p) => p.data instanceof Ctor)) return null;
  if (pieces.length === 1 && pieces[0].rowStart === start && pieces[0].data.length === rows) {
    return pieces[0].data as T;
  }
  const out = new Ctor(rows) as T;
  eachPart(
    pieces,
    start,
    rows,
    (data, from, to, dest) => out.set((data as T).subarray(from, to) as never, dest),
  );
  return out;
}

/**
 * Converts hyparquet's decoded pieces (typed arrays, or arrays with nulls) of rows [start, start + rows)
 * into one Arrow column, writing straight into the output arrays. Memory: the output plus the pieces.
 */
function toArrowData(column: ParquetColumn, pieces: Piece[], start: number, rows: number, type: DataType) {
  pieces.sort((a, b) => a.rowStart - b.rowStart);
  let nulls: Uint8Array | undefined;
  let nullCount = 0;
  const markNull = (i: number) => {
    nulls ??= allValid(rows);
    setNull(nulls, i);
    nullCount++;
  };
  let filled = 0;
  let data: Data;
  const scale = 10 ** Number(column.element.scale ?? 0);
  switch (column.kind) {
    case "float64": {
      if (column.carry === "decimal") {
        // Stored unscaled integers (INT32, INT64 or big-endian bytes) ÷ 10^scale: exact to the last digit
        // for precision ≤ 15, and written back by rounding (parquet/write.ts).
        const values = new Float64Array(rows);
        filled = eachPart(pieces, start, rows, (piece, from, to, dest) => {
          for (let i = from, k = dest; i < to; i++, k++) {
            const v = piece[i];
            if (v === null || v === undefined) markNull(k);
            else values[k] = Number(v instanceof Uint8Array ? unscaledOf(v) : v) / scale;
          }
        });
        data = float64Data(values, nulls, nullCount);
        break;
      }
      let out = typedColumn<Float64Array>(pieces, start, rows, Float64Array);
      if (out) filled = rows;
      else {
        const values = out = new Float64Array(rows);
        filled = eachPart(pieces, start, rows, (piece, from, to, dest) => {
          for (let i = from, k = dest; i < to; i++, k++) {
            const v = piece[i];
            if (v === null || v === undefined) markNull(k);
            else values[k] = Number(v);
          }
        });
      }
      data = float64Data(out, nulls, nullCount);
      break;
    }
    case "int32": {
      let out = typedColumn<Int32Array>(pieces, start, rows, Int32Array);
      if (out) filled = rows;
      else {
        const values = out = new Int32Array(rows);
        filled = eachPart(pieces, start, rows, (piece, from, to, dest) => {
          for (let i = from, k = dest; i < to; i++, k++) {
            const v = piece[i];
            if (v === null || v === undefined) markNull(k);
            else values[k] = v as number;
          }
        });
      }
      data = int32Data(out, nulls, nullCount);
      break;
    }
    case "int64":
    case "timestamp": {
      const { multiply, divide } = column.toMs ?? { multiply: 1, divide: 1 };
      // Unsigned 32-bit values are stored as INT32 bits: widen them (>>> 0) into int64.
      const unsigned32 = column.carry === "uint" && column.element.type === "INT32";
      let out = multiply === 1 && divide === 1 && !unsigned32
        ? typedColumn<BigInt64Array>(pieces, start, rows, BigInt64Array)
        : null;
      if (out) filled = rows;
      else {
        const values = out = new BigInt64Array(rows);
        const words = new Int32Array(values.buffer);
        const scaled = multiply !== 1 || divide !== 1;
        filled = eachPart(pieces, start, rows, (piece, from, to, dest) => {
          for (let i = from, k = dest; i < to; i++, k++) {
            const v = piece[i];
            if (v === null || v === undefined) markNull(k);
            // Raw micro/nanoseconds or days → milliseconds (floor, as Arrow's ms unit truncates).
            else if (scaled) setInt64(words, k, Math.floor(Number(v) * multiply / divide));
            else if (unsigned32) setInt64(words, k, (v as number) >>> 0);
            else if (typeof v === "bigint") values[k] = v;
            else if (v instanceof Date) setInt64(words, k, v.getTime());
            else setInt64(words, k, Number(v));
          }
        });
      }
      data = column.kind === "int64"
        ? int64Data(out, nulls, nullCount)
        : timestampData(out, nulls, nullCount, type);
      break;
    }
    case "bool": {
      const bits = new Uint8Array((rows + 7) >> 3);
      filled = eachPart(pieces, start, rows, (piece, from, to, dest) => {
        for (let i = from, k = dest; i < to; i++, k++) {
          const v = piece[i];
          if (v === null || v === undefined) markNull(k);
          else if (v) bits[k >> 3] |= 1 << (k & 7);
        }
      });
      data = boolData(bits, rows, nulls, nullCount);
      break;
    }
    default: {
      const indices = new Int32Array(rows);
      const dictionary = new Map<string, number>();
      const tree = column.tree;
      filled = eachPart(pieces, start, rows, (piece, from, to, dest) => {
        for (let i = from, k = dest; i < to; i++, k++) {
          const v = tree ? withEmptyLists(piece[i], tree) : piece[i];
          if (v === null || v === undefined) {
            markNull(k);
            continue;
          }
          const s = typeof v === "string" ? v : column.carry === "decimal-text"
            ? decimalText(
              v instanceof Uint8Array ? unscaledOf(v) : BigInt(v as number | bigint),
              column.element.scale ?? 0,
            )
            : stringify(v);
          let index = dictionary.get(s);
          if (index === undefined) dictionary.set(s, index = dictionary.size);
          indices[k] = index;
        }
      });
      data = dictionaryData(indices, [...dictionary.keys()], nulls, nullCount, type);
    }
  }
  return { data, filled };
}

/** A big-endian two's complement integer (a DECIMAL's unscaled value) as a bigint. */
export function unscaledOf(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const bits = BigInt(bytes.length * 8);
  return bytes.length && bytes[0] & 0x80 ? value - (1n << bits) : value;
}

/** The exact decimal text of `unscaled × 10^-scale`: `12345678901234567890.12345`. */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

function stringify(value: unknown): string {
  if (value instanceof Uint8Array) return blobText(value);
  // Nested values as JSON, 64-bit integers with every digit (they are parsed back exactly when written).
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? rawJSON(String(v)) : v));
}
