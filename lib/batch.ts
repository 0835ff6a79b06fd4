/**
 * The one batch type that flows from every source to every sink: an Arrow `RecordBatch` whose columns are
 * built zero-copy from typed arrays. Column kinds:
 *
 * | kind      | Arrow type                | values                                  |
 * |-----------|---------------------------|-----------------------------------------|
 * | float64   | Float64                   | `Float64Array`                          |
 * | int32     | Int32                     | `Int32Array`                            |
 * | int64     | Int64                     | `BigInt64Array`                         |
 * | timestamp | Timestamp(MILLISECOND)    | `BigInt64Array` of epoch milliseconds   |
 * | string    | Dictionary<Utf8, Int32>   | `Int32Array` indices + string dictionary |
 * | bool      | Bool                      | bit-packed `Uint8Array`                 |
 *
 * Nulls use Arrow's validity bitmap (LSB first, 1 = valid).
 */
import {
  Bool,
  type Data,
  type DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Type,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { type Annotations, isUnsignedAnnotation } from "./annotations.ts";

export type ColumnKind = "float64" | "int32" | "int64" | "timestamp" | "string" | "bool";

/**
 * Field metadata key under which a column read from Parquet keeps its original type annotations (a JSON
 * `SchemaElement` subset) when outcore carries its values rather than computing on them: binary, DATE, TIME,
 * DECIMAL, unsigned and small integers. Writers give the column back that type (see parquet/write.ts).
 */
export const PARQUET_TYPE_KEY = "outcore.parquet";

/** Field metadata key marking a nested Parquet column (a list or struct), which outcore reads as JSON text. */
export const NESTED_KEY = "outcore.nested";
/** Field metadata key holding a nested column's schema elements (depth first), to write it back. */
export const NESTED_SCHEMA_KEY = "outcore.nested.schema";

/** Whether a field holds unsigned 64-bit integers as raw int64 bits (their order is not int64 order). */
export function isUnsigned64(field: Field): boolean {
  const a = field.metadata.get(PARQUET_TYPE_KEY);
  if (!a) return false;
  const annotations: Annotations = JSON.parse(a);
  return annotations.type === "INT64" && isUnsignedAnnotation(annotations);
}

/** Units per millisecond of a timestamp type: 1 (ms), 1000 (µs), 1,000,000 (ns). */
export function timestampFactor(type: DataType): number {
  const unit = (type as { unit?: number }).unit;
  return unit === 2 ? 1000 : unit === 3 ? 1_000_000 : unit === 0 ? 1 / 1000 : 1;
}
export const COLUMN_KINDS: readonly ColumnKind[] = [
  "float64",
  "int32",
  "int64",
  "timestamp",
  "string",
  "bool",
];

/**
 * A field as plain data, to cross to a worker: its kind and nullability, a timestamp's unit (Arrow's
 * TimeUnit) and the Parquet annotations of a carried type (`PARQUET_TYPE_KEY`).
 */
export interface FieldSpec {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  unit?: number;
  /** The field's metadata (Parquet annotations of carried and nested columns). */
  metadata?: Record<string, string>;
}

/** The plain-data form of a field. */
export function specOf(field: Field, nullable = field.nullable): FieldSpec {
  const kind = kindOf(field.type);
  const spec: FieldSpec = { name: field.name, kind, nullable };
  if (kind === "timestamp") spec.unit = (field.type as { unit: number }).unit;
  if (field.metadata.size) spec.metadata = Object.fromEntries(field.metadata);
  return spec;
}

/** The field a spec describes (the inverse of `specOf`). */
export function fieldOf(spec: FieldSpec): Field {
  let type = arrowType(spec.kind);
  if (spec.kind === "timestamp" && spec.unit !== undefined && spec.unit !== 1) {
    type = spec.unit === 2 ? new TimestampMicrosecond() : new TimestampNanosecond();
  }
  const metadata = spec.metadata ? new Map(Object.entries(spec.metadata)) : undefined;
  return new Field(spec.name, type, spec.nullable, metadata);
}

/** A column ready to become part of a batch. */
export interface Column {
  name: string;
  data: Data;
}

/** The column kind of an Arrow type; throws a TypeError for types outcore does not produce. */
export function kindOf(type: DataType): ColumnKind {
  switch (type.typeId) {
    case Type.Float:
      return "float64";
    case Type.Int:
      return (type as Int32 | Int64).bitWidth === 64 ? "int64" : "int32";
    case Type.Timestamp:
      return "timestamp";
    case Type.Dictionary:
    case Type.Utf8:
      return "string";
    case Type.Bool:
      return "bool";
  }
  throw new TypeError(`unsupported Arrow type ${type}`);
}

/** A fresh Arrow type for a column kind (strings get a new dictionary type each call). */
export function arrowType(kind: ColumnKind): DataType {
  switch (kind) {
    case "float64":
      return new Float64();
    case "int32":
      return new Int32();
    case "int64":
      return new Int64();
    case "timestamp":
      return new TimestampMillisecond();
    case "string":
      return new Dictionary(new Utf8(), new Int32());
    case "bool":
      return new Bool();
  }
}

/** A validity bitmap for `length` rows, all valid. */
export function allValid(length: number): Uint8Array {
  return new Uint8Array((length + 7) >> 3).fill(0xff);
}

/** Marks row `i` null in a validity bitmap. */
export function setNull(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3] &= ~(1 << (i & 7));
}

/** Whether row `i` is valid (not null) in a bitmap; a missing bitmap means every row is valid. */
export function isValid(bitmap: Uint8Array | null | undefined, i: number): boolean {
  return !bitmap || bitmap.length === 0 || (bitmap[i >> 3] & (1 << (i & 7))) !== 0;
}

function nullProps(length: number, nullBitmap?: Uint8Array, nullCount?: number) {
  if (!nullBitmap) return { nullCount: 0 };
  return { nullBitmap, nullCount: nullCount ?? countNulls(nullBitmap, length) };
}

function countNulls(bitmap: Uint8Array, length: number): number {
  let nulls = 0;
  for (let i = 0; i < length; i++) if ((bitmap[i >> 3] & (1 << (i & 7))) === 0) nulls++;
  return nulls;
}

/** Float64 column data over `values` (no copy). */
export function float64Data(values: Float64Array, nullBitmap?: Uint8Array, nullCount?: number): Data {
  const { length } = values;
  return makeData({ type: new Float64(), length, data: values, ...nullProps(length, nullBitmap, nullCount) });
}

/** Int32 column data over `values` (no copy). */
export function int32Data(values: Int32Array, nullBitmap?: Uint8Array, nullCount?: number): Data {
  const { length } = values;
  return makeData({ type: new Int32(), length, data: values, ...nullProps(length, nullBitmap, nullCount) });
}

/** Int64 column data over `values` (no copy). */
export function int64Data(values: BigInt64Array, nullBitmap?: Uint8Array, nullCount?: number): Data {
  const { length } = values;
  return makeData({ type: new Int64(), length, data: values, ...nullProps(length, nullBitmap, nullCount) });
}

/**
 * Timestamp column data over epoch `values` (no copy): milliseconds by default; `type` keeps another unit
 * (micro- and nanosecond timestamps read from Parquet stay exact).
 */
export function timestampData(
  values: BigInt64Array,
  nullBitmap?: Uint8Array,
  nullCount?: number,
  type: DataType = new TimestampMillisecond(),
): Data {
  const { length } = values;
  return makeData({
    type: type as TimestampMillisecond,
    length,
    data: values,
    ...nullProps(length, nullBitmap, nullCount),
  });
}

/** Bool column data over a bit-packed `bits` array of `length` rows (no copy). */
export function boolData(
  bits: Uint8Array,
  length: number,
  nullBitmap?: Uint8Array,
  nullCount?: number,
): Data {
  return makeData({ type: new Bool(), length, data: bits, ...nullProps(length, nullBitmap, nullCount) });
}

/**
 * Dictionary<Utf8> column data: `indices` into `dictionary` (indices not copied). Pass the same `type` for
 * every batch of a column so batches share one schema (Arrow compares dictionary ids).
 */
export function dictionaryData(
  indices: Int32Array,
  dictionary: readonly string[],
  nullBitmap?: Uint8Array,
  nullCount?: number,
  type: DataType = new Dictionary(new Utf8(), new Int32()),
): Data {
  const { length } = indices;
  return makeData({
    type: type as Dictionary<Utf8, Int32>,
    length,
    data: indices,
    dictionary: vectorFromArray(dictionary as string[], new Utf8()),
    ...nullProps(length, nullBitmap, nullCount),
  });
}

/**
 * A RecordBatch from columns of equal length (no copy of column buffers); `length` gives a batch of no columns
 * its rows (a read that projects no column still counts them).
 */
export function makeBatch(
  columns: readonly Column[],
  length = columns.length ? columns[0].data.length : 0,
): RecordBatch {
  const fields = columns.map(({ name, data }) => new Field(name, data.type, true));
  for (const { name, data } of columns) {
    if (data.length !== length) {
      throw new RangeError(`column "${name}" has ${data.length} rows, expected ${length}`);
    }
  }
  const struct = makeData({
    type: new Struct(fields),
    length,
    nullCount: 0,
    children: columns.map((c) => c.data),
  });
  return new RecordBatch(new Schema(fields), struct);
}

/**
 * The columns `names` of `batch`, in that order, with their fields as they are (metadata kept); the batch
 * itself when that is what it already holds. (Arrow's `RecordBatch.select` lost the values of batches built
 * by `makeBatch` here: every value read back as null.)
 */
export function selectColumns(batch: RecordBatch, names: readonly string[]): RecordBatch {
  const fields = batch.schema.fields;
  if (names.length === fields.length && names.every((name, i) => fields[i].name === name)) return batch;
  const chosen = names.map((name) => {
    const field = fields.find((f) => f.name === name);
    if (!field) throw new RangeError(`no column "${name}" (available: ${columnNames(batch).join(", ")})`);
    return field;
  });
  const struct = makeData({
    type: new Struct(chosen),
    length: batch.numRows,
    nullCount: 0,
    children: names.map((name) => columnData(batch, name)),
  });
  return new RecordBatch(new Schema(chosen), struct);
}

/** The names of a batch's (or schema's) columns. */
export function columnNames(source: RecordBatch | Schema): string[] {
  const schema = source instanceof Schema ? source : source.schema;
  return schema.fields.map((f) => f.name);
}

/** The single Data chunk behind a column of a batch; throws a RangeError naming the available columns. */
export function columnData(batch: RecordBatch, name: string): Data {
  const vector = batch.getChild(name);
  if (!vector) {
    throw new RangeError(`no column "${name}" (available: ${columnNames(batch).join(", ")})`);
  }
  if (vector.data.length !== 1) throw new RangeError(`column "${name}" has ${vector.data.length} chunks`);
  return vector.data[0];
}

/** The column's kind in this batch. */
export function columnKind(batch: RecordBatch, name: string): ColumnKind {
  return kindOf(columnData(batch, name).type);
}

/**
 * The values of a fixed-width column as a typed array view of exactly `batch.numRows` entries (no copy):
 * Float64Array, Int32Array, BigInt64Array (int64, timestamp), or Int32Array dictionary indices (string).
 */
export function columnValues(batch: RecordBatch, name: string): Float64Array | Int32Array | BigInt64Array {
  const data = columnData(batch, name);
  if (data.typeId === Type.Bool) throw new TypeError(`column "${name}" is bool, not fixed-width numeric`);
  const values = data.values as Float64Array | Int32Array | BigInt64Array;
  // A batch read from Arrow IPC has buffers padded past its length.
  return values.length === batch.numRows ? values : values.subarray(0, batch.numRows);
}

/** The validity bitmap of a column, or null when it has no nulls. Bit `i` is row `offset + i`. */
export function columnValidity(
  batch: RecordBatch,
  name: string,
): { bitmap: Uint8Array; offset: number } | null {
  const data = columnData(batch, name);
  if (!data.nullCount || !data.nullBitmap || data.nullBitmap.length === 0) return null;
  return { bitmap: data.nullBitmap, offset: data.offset };
}

/** The dictionary strings of a string column (small: one entry per distinct value in the batch). */
export function columnDictionary(batch: RecordBatch, name: string): string[] {
  const data = columnData(batch, name);
  if (!data.dictionary) throw new TypeError(`column "${name}" is not a dictionary-encoded string column`);
  return data.dictionary.toArray() as string[];
}

/**
 * A column's values as float64, for numeric computation: zero-copy for float64 columns, one converting
 * pass (O(rows)) for int32/int64/timestamp. Null rows hold NaN. Throws a TypeError for strings and bools.
 */
export function float64Values(batch: RecordBatch, name: string): Float64Array {
  const data = numericData(batch, name);
  return toFloat64(data, 0, (data.values as ArrayLike<unknown>).length);
}

/** `float64Values` of the rows [start, end) only: zero-copy for float64 columns without nulls. */
export function float64Slice(batch: RecordBatch, name: string, start: number, end: number): Float64Array {
  return toFloat64(numericData(batch, name), start, end);
}

function numericData(batch: RecordBatch, name: string): Data {
  const data = columnData(batch, name);
  const kind = kindOf(data.type);
  if (kind === "string" || kind === "bool") {
    throw new TypeError(`column "${name}" is ${kind}, not numeric`);
  }
  return data;
}

function toFloat64(data: Data, start: number, end: number): Float64Array {
  const all = data.values as Float64Array | Int32Array | BigInt64Array;
  const values = start === 0 && end === all.length ? all : all.subarray(start, end);
  let out: Float64Array;
  if (values instanceof Float64Array) {
    if (!data.nullCount) return values;
    out = values.slice();
  } else if (values instanceof Int32Array) {
    out = Float64Array.from(values);
  } else {
    // From the two 32-bit words (a bigint per value made this 10 % of a projected read): high × 2^32 is exact
    // and adding the low word rounds once, so this is the double Number(bigint) gives, for any int64.
    const n = values.length;
    out = new Float64Array(n);
    const words = new Int32Array(values.buffer, values.byteOffset, n * 2);
    for (let i = 0; i < n; i++) out[i] = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
  }
  if (data.nullCount && data.nullBitmap && data.nullBitmap.length) {
    const bitmap = data.nullBitmap;
    const offset = data.offset + start;
    for (let i = 0; i < out.length; i++) {
      const j = i + offset;
      if ((bitmap[j >> 3] & (1 << (j & 7))) === 0) out[i] = NaN;
    }
  }
  return out;
}

/**
 * A new batch holding the rows at `rows` (ascending or not) of `batch`, copied. O(selected rows) memory.
 */
export function selectRows(batch: RecordBatch, rows: Int32Array | Uint32Array): RecordBatch {
  return new BatchBuilder(columnNames(batch), rows.length).append(batch, rows).batch();
}

/** A column of `rows` copies of one string, as Dictionary<Utf8> (used for Hive partition columns). */
export function constantStringData(value: string | null, rows: number, type?: DataType): Data {
  if (value === null) {
    return dictionaryData(new Int32Array(rows), [""], new Uint8Array((rows + 7) >> 3), rows, type);
  }
  return dictionaryData(new Int32Array(rows), [value], undefined, undefined, type);
}

/**
 * One batch holding the rows of `batches` (same columns) in order, copied; string dictionaries are merged.
 * O(total rows) memory.
 */
export function concatBatches(batches: readonly RecordBatch[]): RecordBatch {
  if (batches.length === 1) return batches[0];
  const builder = new BatchBuilder(columnNames(batches[0]), batches.reduce((s, b) => s + b.numRows, 0));
  for (const batch of batches) builder.append(batch);
  return builder.batch();
}

type Values = Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** One column of a `BatchBuilder`: its kind and arrays are taken from the first batch appended. */
interface BuilderColumn {
  name: string;
  type: DataType | null;
  kind: ColumnKind | null;
  /** Values, dictionary indices, or bits (bool); `capacity` rows. */
  values: Values | null;
  /** Validity bits, made at the first null; the bits of rows not yet appended are all 1. */
  nulls: Uint8Array | null;
  nullCount: number;
  /** Strings: the merged dictionary, each string's index. */
  dictionary: Map<string, number>;
}

/**
 * Rows of batches with the same columns, copied — all of a batch's or those at `rows` — into this builder's
 * arrays, and read back as one batch: `selectRows` and `concatBatches` are built on it, and a filter worker
 * keeps one and `clear`s it for every group of matches, so the same memory holds them all — a copy per batch
 * and a concatenation per row group before (20M-row CSV, 2 workers: peak 201–222 → 190–204 MiB and faster,
 * measured interleaved). Arrays grow by doubling past the capacity given; string dictionaries are merged.
 * Memory: its largest group of rows, up to twice over.
 */
export class BatchBuilder {
  readonly #columns: BuilderColumn[];
  #capacity: number;
  #rows = 0;

  constructor(names: readonly string[], capacity = 0) {
    this.#columns = names.map((name) => ({
      name,
      type: null,
      kind: null,
      values: null,
      nulls: null,
      nullCount: 0,
      dictionary: new Map(),
    }));
    this.#capacity = capacity;
  }

  /** Rows appended since the last `clear`. */
  get numRows(): number {
    return this.#rows;
  }

  /** Appends the rows at `rows` of `batch` (every row when null). */
  append(batch: RecordBatch, rows: Int32Array | Uint32Array | null = null): this {
    const n = rows ? rows.length : batch.numRows;
    const at = this.#rows;
    if (at + n > this.#capacity) this.#grow(Math.max(at + n, this.#capacity * 2));
    for (const column of this.#columns) {
      const data = columnData(batch, column.name);
      if (column.kind === null) {
        column.type = data.type;
        column.kind = kindOf(data.type);
      }
      column.values ??= newValues(column.kind, this.#capacity);
      if (data.nullCount) this.#appendNulls(column, data, rows, n, at);
      const out = column.values;
      if (column.kind === "bool") {
        const vector = batch.getChild(column.name)!;
        const bits = out as Uint8Array;
        for (let i = 0; i < n; i++) {
          const k = at + i;
          if (vector.get(rows ? rows[i] : i)) bits[k >> 3] |= 1 << (k & 7);
          else bits[k >> 3] &= ~(1 << (k & 7));
        }
      } else if (column.kind === "string") {
        const merged = column.dictionary;
        const remap = (data.dictionary!.toArray() as string[]).map((s) => {
          let k = merged.get(s);
          if (k === undefined) merged.set(s, k = merged.size);
          return k;
        });
        const source = data.values as Int32Array;
        for (let i = 0; i < n; i++) out[at + i] = remap[source[rows ? rows[i] : i]] ?? 0;
      } else {
        const source = data.values as Exclude<Values, Uint8Array>;
        if (rows) {
          for (let i = 0; i < n; i++) out[at + i] = source[rows[i]];
        } else out.set(source.subarray(0, n) as never, at);
      }
    }
    this.#rows += n;
    return this;
  }

  #appendNulls(
    column: BuilderColumn,
    data: Data,
    rows: Int32Array | Uint32Array | null,
    n: number,
    at: number,
  ) {
    const bitmap = data.nullBitmap!;
    const offset = data.offset;
    const nulls = column.nulls ??= new Uint8Array((this.#capacity + 7) >> 3).fill(0xff);
    for (let i = 0; i < n; i++) {
      const j = (rows ? rows[i] : i) + offset;
      if ((bitmap[j >> 3] & (1 << (j & 7))) === 0) {
        setNull(nulls, at + i);
        column.nullCount++;
      }
    }
  }

  #grow(capacity: number): void {
    for (const column of this.#columns) {
      if (column.values) {
        const values = newValues(column.kind!, capacity);
        values.set(
          column.values.subarray(0, column.kind === "bool" ? (this.#rows + 7) >> 3 : this.#rows) as never,
        );
        column.values = values;
      }
      if (column.nulls) {
        const nulls = new Uint8Array((capacity + 7) >> 3).fill(0xff);
        nulls.set(column.nulls.subarray(0, (this.#rows + 7) >> 3));
        column.nulls = nulls;
      }
    }
    this.#capacity = capacity;
  }

  /**
   * The rows appended, as one batch over this builder's arrays (not copied): valid until the next `append`
   * or `clear`. With the capacity given exactly, its arrays are whole buffers of its own.
   */
  batch(): RecordBatch {
    const n = this.#rows;
    const columns = this.#columns.map(
      ({ name, type, kind, values, nulls, nullCount, dictionary }): Column => {
        if (kind === null) throw new RangeError(`column "${name}": no batch appended`);
        const bitmap = nullCount ? nulls!.subarray(0, (n + 7) >> 3) : undefined;
        const count = nullCount || undefined;
        switch (kind) {
          case "bool":
            return {
              name,
              data: boolData(values!.subarray(0, (n + 7) >> 3) as Uint8Array, n, bitmap, count),
            };
          case "string":
            return {
              name,
              data: dictionaryData(
                values!.subarray(0, n) as Int32Array,
                [...dictionary.keys()],
                bitmap,
                count,
                type!,
              ),
            };
          case "float64":
            return { name, data: float64Data(values!.subarray(0, n) as Float64Array, bitmap, count) };
          case "int32":
            return { name, data: int32Data(values!.subarray(0, n) as Int32Array, bitmap, count) };
          case "int64":
            return { name, data: int64Data(values!.subarray(0, n) as BigInt64Array, bitmap, count) };
          case "timestamp":
            return {
              name,
              data: timestampData(values!.subarray(0, n) as BigInt64Array, bitmap, count, type!),
            };
        }
      },
    );
    return makeBatch(columns, n);
  }

  /** Forgets the rows appended (and merged dictionaries), keeping the arrays for the next ones. */
  clear(): void {
    for (const column of this.#columns) {
      column.nulls?.fill(0xff, 0, (this.#rows + 7) >> 3);
      column.nullCount = 0;
      column.dictionary.clear();
    }
    this.#rows = 0;
  }
}

/** Zeroed values for `capacity` rows of a column of `kind`. */
function newValues(kind: ColumnKind, capacity: number): Values {
  switch (kind) {
    case "bool":
      return new Uint8Array((capacity + 7) >> 3);
    case "string":
    case "int32":
      return new Int32Array(capacity);
    case "float64":
      return new Float64Array(capacity);
    default:
      return new BigInt64Array(capacity);
  }
}

/**
 * A numeric column for computing: float64 and int32 values without copying (int64 and timestamps converted
 * once, nulls as NaN), with its validity bitmap. Throws a TypeError for strings and bools.
 */
export function numericColumn(
  batch: RecordBatch,
  name: string,
): { values: Float64Array | Int32Array; validity: { bitmap: Uint8Array; offset: number } | null } {
  const raw = columnValues(batch, name);
  const kind = columnKind(batch, name);
  if (kind === "string") throw new TypeError(`column "${name}" is a string column, not numeric`);
  const values = raw instanceof BigInt64Array ? float64Values(batch, name) : raw;
  return { values, validity: columnValidity(batch, name) };
}
