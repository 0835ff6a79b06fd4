/**
 * Arrow batches → a Parquet file, one row group per `write`, through hyparquet-writer's streaming
 * `ParquetWriter`. Memory: one encoded row group plus a 1 MiB write buffer; only row-group metadata is kept
 * between writes. Snappy (snappyjs, about 3× faster than hyparquet-writer's built-in compressor), chunk
 * min/max statistics, REQUIRED columns for schema fields that are not nullable.
 */
import type { Field, RecordBatch, Schema } from "apache-arrow";
import type { DecodedArray, RowGroup, SchemaElement } from "hyparquet";
import { ByteWriter, ParquetWriter, type Writer } from "hyparquet-writer";
import { snappyCompressor } from "hysnappy";
import {
  columnData,
  type ColumnKind,
  columnValues,
  kindOf,
  NESTED_KEY,
  NESTED_SCHEMA_KEY,
} from "../batch.ts";
import { fileError } from "../io/file.ts";
import { blobBytes } from "../cells.ts";
import { carryOf, elementForField } from "./schema.ts";
import { isDateAnnotation, isDecimalAnnotation as isDecimal, isTextAnnotation } from "../annotations.ts";
import { flatEncodable, numberStatistics, varint, writeFlatChunk } from "./_encode.ts";

/** Codecs outcore can write. */
export type WriteCodec = "SNAPPY" | "ZSTD" | "GZIP" | "UNCOMPRESSED";

/** `--compression` values and the codec each names. */
export const COMPRESSIONS: Record<string, WriteCodec> = {
  snappy: "SNAPPY",
  zstd: "ZSTD",
  gzip: "GZIP",
  none: "UNCOMPRESSED",
};

/**
 * Snappy that does not try hard on data it cannot shrink: a page whose first 8 KiB snappy compresses by less
 * than 8 % is stored as one snappy literal (a valid snappy stream every reader accepts), which costs a copy
 * instead of a hash-table pass. Random ids and prices are such data; sorted or repetitive columns still get
 * compressed — by hysnappy's WebAssembly build of Google's snappy, 1.4-1.5x snappyjs's speed on the lab's
 * pages (timestamps, ids, prices: 2.4-5.5 vs 3.4-7.8 ms/MiB, same sizes within 4 %; scratch benchmark).
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const compress = hysnappy ??= snappyCompressor();
  const sample = input.subarray(0, 8192);
  if (input.length > 16384 && compress(sample).length > sample.length * 0.92) {
    return snappyLiteral(input);
  }
  return compress(input);
}

/** This thread's hysnappy compressor (its WebAssembly instance is made on first use). */
let hysnappy: ((input: Uint8Array) => Uint8Array) | null = null;

/** A snappy stream holding `input` as a single literal element. */
export function snappyLiteral(input: Uint8Array): Uint8Array {
  const n = input.length;
  const header = varint(n); // the uncompressed length
  const m = n - 1; // literal length − 1, in 1–4 little-endian bytes after the tag
  const extra = m < 60 ? 0 : m < 1 << 8 ? 1 : m < 1 << 16 ? 2 : m < 1 << 24 ? 3 : 4;
  header.push(extra === 0 ? m << 2 : (59 + extra) << 2);
  for (let i = 0; i < extra; i++) header.push((m >>> (8 * i)) & 255);
  const out = new Uint8Array(header.length + n);
  out.set(header);
  out.set(input, header.length);
  return out;
}

/**
 * Compressors handed to hyparquet-writer (it has only snappy built in); zstd (level 3, zstd's default) and
 * gzip come from node:zlib, native code in Deno, loaded by `loadCodec` only when asked for: importing
 * node:zlib costs 25–60 ms, in every worker that writes Parquet (measured).
 */
export const compressors: Partial<Record<WriteCodec, (input: Uint8Array) => Uint8Array>> = {
  SNAPPY: snappyCompress,
};

/** Makes `codec`'s compressor ready (zstd and gzip: node:zlib, imported on first use). */
export async function loadCodec(codec: WriteCodec): Promise<void> {
  if (codec !== "ZSTD" && codec !== "GZIP") return;
  if (compressors[codec]) return;
  const zlib = await import("node:zlib");
  compressors.ZSTD = (input) => zlib.zstdCompressSync(input);
  compressors.GZIP = (input) => zlib.gzipSync(input);
}

async function denoFileWriter(path: string): Promise<Writer> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, create: true, truncate: true });
  } catch (err) {
    throw fileError(path, "create", err);
  }
  const writer = new ByteWriter() as ByteWriter & Writer & DirectWriter;
  const put = async (view: Uint8Array) => {
    try {
      while (view.length) view = view.subarray(await file.write(view));
    } catch (err) {
      throw fileError(path, "write", err);
    }
  };
  // Nothing appends to the buffer while a write is awaited (every append awaits the flush after it), so the
  // buffer is written as it is, not copied first.
  const drain = async () => {
    const view = new Uint8Array(writer.buffer, 0, writer.index);
    writer.index = 0;
    await put(view);
  };
  writer.flush = drain; // ParquetWriter awaits flush() after each row group
  writer.writeDirect = async (bytes) => {
    await drain();
    writer.offset += bytes.length;
    await put(bytes);
  };
  writer.finish = async () => {
    await drain();
    file.close();
  };
  return writer;
}

/** A file writer that can also take bytes past its buffer (they still count in `offset`). */
interface DirectWriter {
  writeDirect(bytes: Uint8Array): Promise<void>;
}

let FLAT_WRITES = true;

/** Turns the flat-column encoder (lib/parquet/_encode.ts) on or off, for tests that compare it with hyparquet-writer. */
export function setFlatWrites(on: boolean): void {
  FLAT_WRITES = on;
}

/** Writes batches of one schema to a Parquet file at `path` (not atomically: see `writeAtomically`). */
export class ParquetFileWriter {
  readonly path: string;
  readonly names: string[];
  readonly kinds: ColumnKind[];
  readonly nullable: boolean[];
  /** Each column's element as written (carried types keep the annotations they were read with). */
  readonly elements: SchemaElement[];
  rowCount = 0;
  rowGroupCount = 0;
  #writer: ParquetWriter;
  #footerSchema: SchemaElement[];
  /** Nested columns' schema trees (null for flat columns). */
  #nested: (NestedNode | null)[];

  constructor(path: string, schema: Schema, writer: Writer, codec: WriteCodec) {
    this.path = path;
    this.names = schema.fields.map((f) => f.name);
    this.kinds = schema.fields.map((f) => kindOf(f.type));
    this.nullable = schema.fields.map((f) => f.nullable);
    this.#nested = schema.fields.map((f) => nestedTree(f));
    const leaves = this.elements = schema.fields.map((f, i) =>
      this.#nested[i]?.element ?? elementForField(f)
    );
    this.#footerSchema = [
      { name: "root", num_children: leaves.length },
      ...schema.fields.flatMap((f, i) => this.#nested[i] ? nestedElements(f) : [leaves[i]]),
    ];
    // Every annotated column but text is encoded as its plain physical type and annotated only in the footer:
    // outcore hands over the stored values themselves (timestamps in their unit, DATE days, DECIMAL unscaled
    // integers, raw bytes), and hyparquet-writer would otherwise convert each value (timestamps through a
    // bigint array, about 0.3 s per million rows). The bytes are the same either way.
    const inNested = new Set(
      schema.fields.flatMap((f, i) => (this.#nested[i] ? nestedElements(f).slice(0) : [])),
    );
    const encodeSchema = this.#footerSchema.map((e) =>
      inNested.has(e) // nested groups keep LIST/MAP annotations: hyparquet-writer shapes values by them
        ? e
        : e.logical_type !== undefined || (e.converted_type !== undefined && e.converted_type !== "UTF8")
        ? isText(e)
          ? e
          : { name: e.name, type: e.type, type_length: e.type_length, repetition_type: e.repetition_type }
        : e
    );
    this.#writer = new ParquetWriter({
      writer,
      schema: encodeSchema,
      codec,
      compressors,
      createdBy: "outcore",
    });
  }

  /** Creates (truncates) `path` for `schema`. */
  static async create(
    path: string,
    schema: Schema,
    options: { codec?: WriteCodec } = {},
  ): Promise<ParquetFileWriter> {
    const { codec = "SNAPPY" } = options;
    await loadCodec(codec);
    return new ParquetFileWriter(path, schema, await denoFileWriter(path), codec);
  }

  /** Writes the batch as one row group (nothing for an empty batch). */
  async write(batch: RecordBatch): Promise<void> {
    const rows = batch.numRows;
    if (rows === 0) return;
    await this.#encode(batch, true);
    this.rowCount += rows;
    this.rowGroupCount++;
  }

  /** Encodes one row group without flushing (for `encodeRowGroup`). */
  encodeOnly(batch: RecordBatch): void {
    void this.#encode(batch, false);
  }

  /**
   * Encodes the batch as the next row group — straight from its arrays when every column allows it
   * (lib/parquet/_encode.ts), else through hyparquet-writer — and returns the writer's flush.
   */
  #encode(batch: RecordBatch, offsetIndex: boolean): void | Promise<void> {
    const columns = this.names.map((name) => columnData(batch, name));
    if (
      !FLAT_WRITES || !columns.every((data, i) => !this.#nested[i] && flatEncodable(data, this.elements[i]))
    ) {
      const { columnData, statistics } = this.#columnData(batch, offsetIndex);
      const written = this.#writer.write({ columnData, rowGroupSize: batch.numRows });
      this.#setStatistics(statistics);
      return written;
    }
    const parquet = this.#writer;
    const writer = parquet.writer;
    const codec = parquet.codec;
    const compress = codec === "UNCOMPRESSED" ? null : compressors[codec as WriteCodec]!;
    columns.forEach((data, i) => {
      if (data.nullCount > 0 && !this.nullable[i]) {
        throw new TypeError(
          `column "${this.names[i]}" has ${data.nullCount} nulls but the output schema declares it required`,
        );
      }
    });
    const start = writer.offset;
    const chunks = columns.map((data, i) => {
      const written = writeFlatChunk(writer, data, this.elements[i], codec, compress);
      if (offsetIndex) parquet.pendingIndexes.push(written);
      return written.chunk;
    });
    const rows = BigInt(batch.numRows);
    parquet.num_rows += rows;
    parquet.row_groups.push({
      columns: chunks,
      num_rows: rows,
      total_byte_size: chunks.reduce((sum, c) => sum + c.meta_data!.total_uncompressed_size, 0n),
      total_compressed_size: BigInt(writer.offset - start),
    });
    return writer.flush?.();
  }

  /**
   * Puts the statistics computed here into the row group just encoded (hyparquet-writer encodes a row group
   * synchronously and keeps its column chunks' metadata in `row_groups` until the footer is written).
   */
  #setStatistics(statistics: (ChunkStatistics | null)[]): void {
    const group = this.#writer.row_groups.at(-1)!;
    statistics.forEach((s, i) => {
      if (!s) return;
      // By path: a nested column before this one has several leaf chunks.
      const chunk = group.columns.find((c) => c.meta_data!.path_in_schema.join(".") === this.names[i]);
      chunk!.meta_data!.statistics = s as never;
    });
  }

  /** The row groups' metadata so far. */
  get rowGroups(): RowGroup[] {
    return this.#writer.row_groups;
  }

  #columnData(batch: RecordBatch, offsetIndex: boolean) {
    const statistics: (ChunkStatistics | null)[] = [];
    const columnData = this.names.map((name, i) => {
      statistics.push(null);
      const nested = this.#nested[i];
      if (nested) return { name, data: nestedValues(batch, name, nested) as DecodedArray, offsetIndex };
      const element = this.elements[i];
      const plain = parquetValues(batch, name, this.kinds[i], this.nullable[i]);
      const data = storedValues(plain, element, this.kinds[i]) as DecodedArray;
      // Statistics of raw bits are not the logical order for unsigned integers and byte-array decimals:
      // write none rather than wrong ones.
      const wanted = !(carryOf(element) === "uint" || (isDecimal(element) && element.type !== "INT32" &&
        element.type !== "INT64"));
      // Plain numbers are summarised here in one typed loop; hyparquet-writer's own pass (a generic
      // comparison per value) was 12 % of `generate` (profiled).
      const own = wanted && data === plain
        ? numericStatistics(data, element.type === "DOUBLE" || element.type === "FLOAT")
        : null;
      statistics[i] = own;
      return { name, data, offsetIndex, statistics: wanted && own === null };
    });
    return { columnData, statistics };
  }

  /**
   * Appends a row group encoded elsewhere (`encodeRowGroup`, usually in a worker) for the same schema: its
   * bytes are copied as they are and its offsets moved to where they land in this file.
   */
  async append(encoded: EncodedRowGroup): Promise<void> {
    const writer = this.#writer.writer;
    const delta = BigInt(writer.offset - encoded.start);
    for (const chunk of encoded.rowGroup.columns) {
      chunk.file_offset += delta;
      const meta = chunk.meta_data!;
      meta.data_page_offset += delta;
      if (meta.dictionary_page_offset !== undefined) meta.dictionary_page_offset += delta;
    }
    this.#writer.row_groups.push(encoded.rowGroup);
    this.#writer.num_rows += encoded.rowGroup.num_rows;
    this.rowCount += Number(encoded.rowGroup.num_rows);
    this.rowGroupCount++;
    const direct = (writer as Partial<DirectWriter>).writeDirect;
    for (const block of encoded.blocks) {
      // Straight to the file: copied into the write buffer first, each row group was two more copies in the
      // main thread of a parallel filter (its dead buffers peaked at ~58 MiB there under a 256 MiB plan).
      if (direct) await direct(block);
      else writer.appendBytes(block);
    }
    if (!direct) await writer.flush?.();
  }

  /** Writes the footer and closes the file. */
  async close(): Promise<void> {
    this.#writer.schema = this.#footerSchema;
    await this.#writer.finish();
  }
}

/** A row group encoded on its own: its bytes, and its metadata with offsets counted from `start`. */
export interface EncodedRowGroup {
  /** Its bytes, in order, in blocks of `BLOCK_BYTES` (the last one shorter), each a buffer of its own. */
  blocks: Uint8Array[];
  rowGroup: RowGroup;
  /** The offset (in the scratch file the group was encoded into) where the blocks begin. */
  start: number;
}

/** The size of `BlockWriter`'s blocks. */
const BLOCK_BYTES = 256 << 10;

/**
 * hyparquet-writer's `ByteWriter` writing into blocks of `BLOCK_BYTES` instead of one growing buffer: an
 * encoded row group then costs its encoded size (its blocks, handed to the main thread as they are) where a
 * scratch buffer sized for the values as they are (rows × width, as compression rarely grows them) plus a copy
 * of the group out of it cost ~3× that at once (5.3 + 2.3 MB for a 146,000-row group of the lab's matches).
 * Measured in a parallel filter's worker with glibc's `malloc_stats()` every 250 ms: 14–19 MiB of malloc in
 * use per worker at the peak, the largest part ArrayBuffers.
 */
class BlockWriter extends ByteWriter {
  readonly blocks: Uint8Array[] = [];

  constructor() {
    super(BLOCK_BYTES);
  }

  /** Room for `size` more bytes, in a new block (of `size` if larger) when this one has not. */
  override ensure(size: number): void {
    if (this.index + size <= this.buffer.byteLength) return;
    this.#seal(Math.max(BLOCK_BYTES, size));
  }

  /** `value`, across as many blocks as it takes. */
  override appendBytes(value: Uint8Array): void {
    let rest = value;
    while (rest.length > 0) {
      if (this.index === this.buffer.byteLength) this.#seal(BLOCK_BYTES);
      const n = Math.min(rest.length, this.buffer.byteLength - this.index);
      new Uint8Array(this.buffer, this.index, n).set(rest.subarray(0, n));
      this.index += n;
      this.offset += n;
      rest = rest.subarray(n);
    }
  }

  /** Ends the current block (if it holds anything) and starts one of `bytes`. */
  #seal(bytes: number): void {
    if (this.index > 0) this.blocks.push(new Uint8Array(this.buffer, 0, this.index));
    this.buffer = new ArrayBuffer(bytes);
    this.view = new DataView(this.buffer);
    this.index = 0;
  }

  /** Every block written, the current one included. */
  take(): Uint8Array[] {
    this.#seal(0);
    return this.blocks;
  }
}

/**
 * Encodes a batch as one row group, in memory, for `ParquetFileWriter.append` in another thread — the part of
 * writing Parquet that costs CPU, so workers can share it. No page index is written for such groups (its
 * offsets would point into the scratch buffer).
 */
export function encodeRowGroup(
  batch: RecordBatch,
  schema: Schema,
  options: { codec?: WriteCodec } = {},
): EncodedRowGroup {
  const codec = options.codec ?? "SNAPPY";
  if (codec !== "UNCOMPRESSED" && !compressors[codec]) {
    throw new Error(`encodeRowGroup: call loadCodec("${codec}") first`);
  }
  const scratch = new BlockWriter();
  const file = new ParquetFileWriter("(memory)", schema, scratch as ByteWriter & Writer, codec);
  const start = scratch.offset; // after the PAR1 magic, in the first block
  file.encodeOnly(batch);
  const rowGroup = file.rowGroups[0];
  const blocks = scratch.take();
  blocks[0] = blocks[0].subarray(start);
  return { blocks, rowGroup, start };
}

/** A nested column's schema as a tree: elements with their children. */
interface NestedNode {
  element: SchemaElement;
  children: NestedNode[];
}

const elementCache = new WeakMap<Field, SchemaElement[]>();

/** A nested field's schema elements (depth first, as read), the same objects on every call. */
function nestedElements(field: Field): SchemaElement[] {
  let elements = elementCache.get(field);
  if (!elements) {
    elements = JSON.parse(field.metadata.get(NESTED_SCHEMA_KEY) ?? "[]") as SchemaElement[];
    elementCache.set(field, elements);
  }
  return elements;
}

/** Leaf types a nested column may hold to be written back: those JSON carries exactly. */
function plainLeaf(e: SchemaElement): boolean {
  if (e.logical_type && e.logical_type.type !== "STRING" && e.logical_type.type !== "INTEGER") return false;
  if (e.converted_type && !["UTF8", "INT_8", "INT_16", "INT_32", "INT_64"].includes(e.converted_type)) {
    return false;
  }
  return ["BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE"].includes(e.type!) ||
    (e.type === "BYTE_ARRAY" && (e.converted_type === "UTF8" || e.logical_type?.type === "STRING"));
}

/**
 * The schema tree of a nested field, or null for a flat one. Nested columns are written back when every
 * leaf is plain (booleans, numbers, text); otherwise outcore cannot restore the leaves' values from the JSON
 * text it reads them as, and says so naming the column (exit 1).
 */
function nestedTree(field: Field): NestedNode | null {
  const kind = field.metadata.get(NESTED_KEY);
  if (!kind) return null;
  const elements = nestedElements(field);
  let next = 0;
  const build = (): NestedNode => {
    const element = elements[next++];
    const children = Array.from({ length: element.num_children ?? 0 }, build);
    return { element, children };
  };
  const tree = build();
  const leaves = (
    n: NestedNode,
  ): SchemaElement[] => (n.children.length ? n.children.flatMap(leaves) : [n.element]);
  // hyparquet-writer writes repeated fields only as the standard 3-level LIST and MAP layouts.
  const annotated = (e: SchemaElement) =>
    ["LIST", "MAP", "MAP_KEY_VALUE"].includes(e.converted_type ?? "") ||
    ["LIST", "MAP"].includes(e.logical_type?.type ?? "");
  const legacy = (n: NestedNode, parent: SchemaElement | null): boolean =>
    (n.element.repetition_type === "REPEATED" && !(parent && annotated(parent) && n.children.length > 0)) ||
    n.children.some((c) => legacy(c, n.element));
  if (legacy(tree, null)) {
    throw new TypeError(
      `column "${field.name}" is a nested ${kind} in a legacy repeated layout (no 3-level LIST), which outcore reads as JSON text and cannot write back to Parquet yet: write CSV instead (--out x.csv)`,
    );
  }
  const odd = leaves(tree).find((e) => !plainLeaf(e));
  if (odd || elements.length === 0) {
    // outcore's limitation, not the user's fault: exit 1, one line, naming the column and the way out.
    throw new TypeError(
      `column "${field.name}" is a nested ${kind} holding ${
        odd
          ? `${odd.type}${
            odd.logical_type
              ? ` ${odd.logical_type.type}`
              : odd.converted_type
              ? ` ${odd.converted_type}`
              : ""
          } values`
          : "unknown values"
      }, which outcore reads as JSON text and cannot write back to Parquet yet: write CSV instead (--out x.csv)`,
    );
  }
  return tree;
}

/** JSON numbers beyond 2^53 as bigints, from their source text (nothing rounds on the way back). */
function parseExact(text: string): unknown {
  return JSON.parse(
    text,
    (_key, value, context?: { source?: string }) =>
      typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source
        ? BigInt(context.source)
        : value,
  );
}

/** A value read from JSON shaped for its schema node: INT64 leaves as bigints, lists, maps and structs walked. */
function revive(value: unknown, node: NestedNode): unknown {
  if (value === null || value === undefined) return null;
  const { element, children } = node;
  if (children.length === 0) {
    if (element.type === "INT64") return typeof value === "bigint" ? value : BigInt(value as number);
    return value;
  }
  const listLike = element.converted_type === "LIST" || element.logical_type?.type === "LIST";
  const mapLike = element.converted_type === "MAP" || element.logical_type?.type === "MAP" ||
    element.converted_type === "MAP_KEY_VALUE";
  if (listLike) {
    const repeated = children[0];
    const item = repeated.children.length === 1 ? repeated.children[0] : repeated;
    return (value as unknown[]).map((v) => revive(v, item));
  }
  if (element.repetition_type === "REPEATED") {
    return (value as unknown[]).map((v) =>
      revive(v, { element: { ...element, repetition_type: "REQUIRED" }, children })
    );
  }
  if (mapLike) {
    const entry = children[0];
    const valueNode = entry.children[1];
    return Object.fromEntries(
      Object.entries(value as object).map(([k, v]) => [k, valueNode ? revive(v, valueNode) : v]),
    );
  }
  const out: Record<string, unknown> = {};
  for (const child of children) {
    out[child.element.name] = revive((value as Record<string, unknown>)[child.element.name], child);
  }
  return out;
}

/** A nested column's rows (JSON text in the batch) as the JS values hyparquet-writer shapes into pages. */
function nestedValues(batch: RecordBatch, name: string, tree: NestedNode): unknown[] {
  const vector = batch.getChild(name)!;
  return Array.from({ length: batch.numRows }, (_, i) => {
    const text = vector.get(i) as string | null;
    return text === null ? null : revive(parseExact(text), tree);
  });
}

/** Columns hyparquet-writer encodes from JS strings by their annotation: text, and UUIDs. */
function isText(e: SchemaElement): boolean {
  return isTextAnnotation(e) || e.logical_type?.type === "UUID";
}

/** `v` as a big-endian two's complement integer of `length` bytes (a DECIMAL's unscaled value). */
function unscaledBytes(v: bigint, length?: number): Uint8Array {
  let n = length ?? 1;
  if (length === undefined) { while (v >= 1n << BigInt(8 * n - 1) || v < -(1n << BigInt(8 * n - 1))) n++; }
  let u = BigInt.asUintN(8 * n, v);
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}

/** A decimal's exact text (`-123.45`) as its unscaled integer at `scale`. */
function unscaledOfText(text: string, scale: number): bigint {
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace(/^[-+]/, "").split(".");
  const digits = whole + fraction.padEnd(scale, "0").slice(0, scale);
  const v = BigInt(digits || "0");
  return negative ? -v : v;
}

/** A column chunk's statistics as hyparquet-writer keeps them until the footer (physical values). */
export interface ChunkStatistics {
  min_value?: number | bigint;
  max_value?: number | bigint;
  null_count: bigint;
  nan_count?: bigint;
}

/**
 * What hyparquet-writer's statistics say of plain numbers or bigints (nulls counted, NaN counted and skipped,
 * min −0 and max +0 for zeros), in one loop; null for any other values (strings, dates…), which it then
 * summarises itself.
 */
export function numericStatistics(values: ArrayLike<unknown>, float: boolean): ChunkStatistics | null {
  let min: number | bigint | undefined;
  let max: number | bigint | undefined;
  let nulls = 0n;
  let nans = 0n;
  const n = values.length;
  // Typed arrays: the encoder's own summary (lib/parquet/_encode.ts).
  if (
    values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array ||
    values instanceof BigInt64Array
  ) {
    return { ...numberStatistics(values, float), null_count: 0n } as ChunkStatistics;
  }
  if (!Array.isArray(values)) return null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nulls++;
      continue;
    }
    if (typeof v !== "number" && typeof v !== "bigint") return null;
    if (v !== v) {
      nans++;
      continue;
    }
    if (min === undefined || v < min) min = v;
    if (max === undefined || v > max) max = v;
  }
  if (min === 0) min = -0;
  if (max === 0) max = 0;
  return { min_value: min, max_value: max, null_count: nulls, nan_count: float ? nans : undefined };
}

/**
 * The values hyparquet-writer stores for `element`: carried columns go back to their stored form (DATE
 * days, DECIMAL unscaled integers, bytes from their `\xHH` text, unsigned 32-bit bits); everything else as it is.
 */
function storedValues(
  values: ArrayLike<unknown>,
  element: SchemaElement,
  kind: ColumnKind,
): ArrayLike<unknown> {
  if (
    element.logical_type === undefined && element.converted_type === undefined &&
    element.type !== "BYTE_ARRAY" &&
    element.type !== "FIXED_LEN_BYTE_ARRAY"
  ) return values;
  const map = <T>(f: (v: never) => T) =>
    Array.from(values as ArrayLike<never>, (v) => (v === null ? null : f(v)));
  if (isDateAnnotation(element)) {
    return map((ms: bigint) => Math.floor(Number(ms) / 86_400_000));
  }
  if (isDecimal(element)) {
    const scale = Number(element.scale ?? 0);
    const unscaled = kind === "string"
      ? (v: string) => unscaledOfText(v, scale)
      : (v: number) => BigInt(Math.round(v * 10 ** scale));
    if (element.type === "INT32") return map((v: never) => Number(unscaled(v)));
    if (element.type === "INT64") return map((v: never) => unscaled(v));
    const length = element.type === "FIXED_LEN_BYTE_ARRAY" ? Number(element.type_length) : undefined;
    return map((v: never) => unscaledBytes(unscaled(v), length));
  }
  if (
    kind === "string" && !isText(element) &&
    (element.type === "BYTE_ARRAY" || element.type === "FIXED_LEN_BYTE_ARRAY")
  ) {
    return map((text: string) => blobBytes(text));
  }
  if (kind === "int64" && element.type === "INT32") {
    return map((v: bigint) => Number(BigInt.asIntN(32, v))); // unsigned 32-bit values back to their INT32 bits
  }
  return values;
}

/** A column's values in the form hyparquet-writer takes: typed arrays where possible, arrays with nulls otherwise. */
function parquetValues(batch: RecordBatch, name: string, kind: ColumnKind, nullable: boolean) {
  const data = columnData(batch, name);
  const rows = batch.numRows;
  const hasNulls = data.nullCount > 0;
  if (hasNulls && !nullable) {
    throw new TypeError(
      `column "${name}" has ${data.nullCount} nulls but the output schema declares it required`,
    );
  }
  const vector = batch.getChild(name)!;
  if (kind === "string") {
    const dictionary = data.dictionary!.toArray() as string[];
    const indices = columnValues(batch, name) as Int32Array;
    const out: (string | null)[] = new Array(rows);
    for (let i = 0; i < rows; i++) out[i] = dictionary[indices[i]];
    if (hasNulls) { for (let i = 0; i < rows; i++) if (!data.getValid(i)) out[i] = null; }
    return out;
  }
  if (kind === "bool") {
    const out: (boolean | null)[] = new Array(rows);
    for (let i = 0; i < rows; i++) out[i] = vector.get(i);
    return out;
  }
  const values = columnValues(batch, name);
  if (!hasNulls) return values;
  const out: (number | bigint | null)[] = Array.from(values as ArrayLike<number | bigint>);
  for (let i = 0; i < rows; i++) if (!data.getValid(i)) out[i] = null;
  return out;
}
