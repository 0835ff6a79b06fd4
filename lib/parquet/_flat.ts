/**
 * A fast path for flat, nullable columns (what pandas/pyarrow, DuckDB and Spark write: OPTIONAL, no
 * repetition). hyparquet assembles every such column through its general Dremel routine (`assembleLists`),
 * one JS array push per value — most of the time of a projected read of a DuckDB file. Here the pages are
 * decoded with hyparquet's own page readers (header, decompression, levels, PLAIN/dictionary/delta values)
 * and the definition levels are applied straight into typed output arrays. Written by hand because no
 * package exposes a columnar read of nullable Parquet columns; used only for flat columns with at most one
 * definition level, and checked against hyparquet's result in the tests.
 */
import type { CompressionCodec, DecodedArray, SchemaTree } from "hyparquet";
import type { ColumnDecoder } from "hyparquet/src/types.js";
import { parquetHeader } from "hyparquet/src/column.js";
import { convert } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import { compressors } from "hyparquet-compressors";
import type { DataType } from "apache-arrow";
import {
  allValid,
  boolData,
  type ColumnKind,
  dictionaryData,
  float64Data,
  int32Data,
  int64Data,
  setNull,
  timestampData,
} from "../batch.ts";
import { setInt64 } from "../values.ts";
import { PARSERS } from "./schema.ts";

/** Whether a column can take the fast path: a top-level leaf with no repetition and at most one def level. */
export function isFlatLeaf(tree: SchemaTree): boolean {
  return tree.children.length === 0 && tree.element.repetition_type !== "REPEATED";
}

/**
 * Decodes one column chunk (`bytes`, from its first page to its end) of `rows` rows into Arrow data of
 * `kind`. `toMs` scales raw timestamp/date integers to milliseconds.
 */
export function readFlatColumn(
  bytes: Uint8Array,
  options: {
    root: SchemaTree;
    leaf: SchemaTree;
    codec: CompressionCodec;
    rows: number;
    kind: ColumnKind;
    type: DataType;
    toMs?: { multiply: number; divide: number };
  },
) {
  const { root, leaf, codec, rows, kind, type } = options;
  const { multiply, divide } = options.toMs ?? { multiply: 1, divide: 1 };
  const decoder: ColumnDecoder = {
    pathInSchema: [leaf.element.name],
    type: leaf.element.type!,
    element: leaf.element,
    schemaPath: [root, leaf],
    codec,
    parsers: PARSERS as unknown as ColumnDecoder["parsers"],
    compressors,
    utf8: true,
  };
  const f64 = kind === "float64" ? new Float64Array(rows) : null;
  const i32 = kind === "int32" || kind === "string" ? new Int32Array(rows) : null;
  const i64 = kind === "int64" || kind === "timestamp" ? new BigInt64Array(rows) : null;
  const words = i64 ? new Int32Array(i64.buffer) : null;
  const bits = kind === "bool" ? new Uint8Array((rows + 7) >> 3) : null;
  const strings = new Map<string, number>();
  let nulls: Uint8Array | undefined;
  let nullCount = 0;
  const store = (k: number, v: unknown) => {
    if (f64) f64[k] = Number(v);
    else if (kind === "int32") i32![k] = v as number;
    else if (words) {
      if (typeof v === "bigint" && multiply === 1 && divide === 1) i64![k] = v;
      else setInt64(words, k, Math.floor(Number(v) * multiply / divide));
    } else if (bits) {
      if (v) bits[k >> 3] |= 1 << (k & 7);
    } else {
      const s = typeof v === "string" ? v : String(v);
      let index = strings.get(s);
      if (index === undefined) strings.set(s, index = strings.size);
      i32![k] = index;
    }
  };
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let dictionary: DecodedArray | undefined;
  /** The dictionary as the output array's values, or null where values need `store` (int64, bool). */
  let lookup: Float64Array | Int32Array | null | undefined;
  const dictionaryLookup = (dict: DecodedArray): Float64Array | Int32Array | null => {
    if (f64) return Float64Array.from(dict as ArrayLike<number>, Number);
    if (kind === "int32") return Int32Array.from(dict as ArrayLike<number>);
    if (kind !== "string") return null;
    const indices = new Int32Array(dict.length);
    for (let i = 0; i < dict.length; i++) {
      const value = dict[i];
      const s = typeof value === "string" ? value : String(value);
      let index = strings.get(s);
      if (index === undefined) strings.set(s, index = strings.size);
      indices[i] = index;
    }
    return indices;
  };
  let row = 0;
  while (row < rows && reader.offset < bytes.length) {
    const header = parquetHeader(reader);
    const compressed = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === "DICTIONARY_PAGE") {
      const page = decompressPage(compressed, Number(header.uncompressed_page_size), codec, compressors);
      const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const count = header.dictionary_page_header!.num_values;
      dictionary = convert(readPlain(pageReader, decoder.type, count, leaf.element.type_length), decoder);
      lookup = undefined;
      continue;
    }
    let page;
    let encoding: string;
    let count: number;
    if (header.type === "DATA_PAGE") {
      const daph = header.data_page_header!;
      const raw = decompressPage(compressed, Number(header.uncompressed_page_size), codec, compressors);
      page = readDataPage(raw, daph, decoder);
      encoding = daph.encoding;
      count = daph.num_values;
    } else if (header.type === "DATA_PAGE_V2") {
      const daph2 = header.data_page_header_v2!;
      // A V2 page whose values section is empty (every value null) must not be decompressed: zero bytes are
      // not a valid snappy stream (parquet-testing's datapage_v2_empty_datapage; arrow-rs #7388).
      const levels = daph2.definition_levels_byte_length + daph2.repetition_levels_byte_length;
      const empty = header.compressed_page_size === levels;
      page = readDataPageV2(
        compressed,
        empty ? { ...header, data_page_header_v2: { ...daph2, is_compressed: false } } : header,
        decoder,
      );
      encoding = daph2.encoding;
      count = daph2.num_values;
    } else {
      throw new Error(`parquet unsupported page type: ${header.type}`);
    }
    const dictionaryEncoded = encoding.endsWith("_DICTIONARY") && dictionary !== undefined;
    const values = dictionaryEncoded ? page.dataPage : convert(page.dataPage, decoder);
    const levels = page.definitionLevels;
    let v = 0;
    const end = Math.min(rows, row + count);
    const noNulls = !levels || levels.length === 0;
    // Whole pages of plain values copy in one call.
    if (noNulls && !dictionaryEncoded) {
      const target = f64 ?? (kind === "int32" ? i32 : multiply === 1 && divide === 1 ? i64 : null);
      if (target && values.constructor === target.constructor) {
        target.set((values as typeof target).subarray(0, end - row) as never, row);
        row = end;
        continue;
      }
    }
    if (dictionaryEncoded) {
      // Dictionary pages: each index is looked up in a typed copy of the dictionary, made once per dictionary
      // (strings: their index in this column's string table). Profiled on the 5M-row warmup file: the
      // per-value Map lookup of the generic path was the largest cost of a filter (~13 %).
      lookup ??= dictionaryLookup(dictionary!);
      const indices = values as ArrayLike<number>;
      const target = (f64 ?? i32)!;
      if (lookup && noNulls) {
        for (let k = row, i = 0; k < end; k++, i++) target[k] = lookup[indices[i]];
        row = end;
        continue;
      }
      if (lookup) {
        for (let k = row; k < end; k++) {
          if (levels![k - row] === 0) {
            nulls ??= allValid(rows);
            setNull(nulls, k);
            nullCount++;
          } else target[k] = lookup[indices[v++]];
        }
        row = end;
        continue;
      }
    }
    for (let k = row; k < end; k++) {
      if (levels && levels.length && levels[k - row] === 0) {
        nulls ??= allValid(rows);
        setNull(nulls, k);
        nullCount++;
        continue;
      }
      const value = dictionaryEncoded ? dictionary![values[v++] as number] : values[v++];
      store(k, value);
    }
    row = end;
  }
  if (row !== rows) throw new RangeError(`expected ${rows} values, decoded ${row}`);
  switch (kind) {
    case "float64":
      return float64Data(f64!, nulls, nullCount);
    case "int32":
      return int32Data(i32!, nulls, nullCount);
    case "int64":
      return int64Data(i64!, nulls, nullCount);
    case "timestamp":
      return timestampData(i64!, nulls, nullCount, type);
    case "bool":
      return boolData(bits!, rows, nulls, nullCount);
    default:
      return dictionaryData(i32!, [...strings.keys()], nulls, nullCount, type);
  }
}
