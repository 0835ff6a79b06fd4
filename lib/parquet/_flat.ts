/**
 * A fast path for flat, nullable columns (what pandas/pyarrow, DuckDB and Spark write: OPTIONAL, no
 * repetition). hyparquet assembles every such column through its general Dremel routine (`assembleLists`),
 * one JS array push per value — most of the time of a projected read of a DuckDB file. Here the pages are
 * decoded with hyparquet's page pieces (header, decompression, PLAIN values; its whole page readers for other
 * encodings), definition levels and dictionary indices by `decodeHybrid` into typed arrays, and the levels are
 * applied straight into typed output arrays. Written by hand because no
 * package exposes a columnar read of nullable Parquet columns; used only for flat columns with at most one
 * definition level, and checked against hyparquet's result in the tests.
 */
import type { CompressionCodec, DecodedArray, SchemaTree } from "hyparquet";
import type { ColumnDecoder } from "hyparquet/src/types.js";
import { parquetHeader } from "hyparquet/src/column.js";
import { convert } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import { compressors } from "./_codecs.ts";
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
import { freeIfWhole } from "../io/memory.ts";
import { PARSERS } from "./schema.ts";

/** Whether a column can take the fast path: a top-level leaf with no repetition and at most one def level. */
export function isFlatLeaf(tree: SchemaTree): boolean {
  return tree.children.length === 0 && tree.element.repetition_type !== "REPEATED";
}

/** Decodes `groups` groups of 8 bit-packed values of one width from `bytes` at `p` into `out` at `seen`. */
type GroupDecoder = (bytes: Uint8Array, p: number, out: Int32Array, seen: number, groups: number) => void;

const groupDecoders: (GroupDecoder | undefined)[] = [];

/**
 * The group decoder for `width` bits (2–24), made on first use: the loop over a group's `width` bytes and 8
 * values written out with the width's constant shifts, as source text compiled once (`new Function`). A loop
 * whose shifts depend on a width known only at run time stays 4–6 ns a value once compiled (two 32-bit words
 * per group, then a byte accumulator before that); unrolled, 0.6–0.9 ns for widths up to 8 and 1.3–2.3 ns up
 * to 24 (1M values, best of 6). Decoding dictionary indices was half of a projected read of the warmup file
 * (90 of 180 ms: quantity and category indices of 6 and 3 bits, profiled and timed per call).
 */
function groupDecoder(width: number): GroupDecoder {
  let decode = groupDecoders[width];
  if (decode) return decode;
  const mask = (1 << width) - 1;
  const lines: string[] = [];
  for (let b = 0; b < width; b++) lines.push(`const b${b} = bytes[p + ${b}];`);
  for (let j = 0; j < 8; j++) {
    // Value j holds bits [j × width, (j + 1) × width) of the group, least significant first.
    const low = j * width, first = low >> 3, last = (low + width - 1) >> 3;
    let value = `(b${first} >>> ${low & 7})`;
    for (let b = first + 1; b <= last; b++) value += ` | (b${b} << ${8 * (b - first) - (low & 7)})`;
    lines.push(`out[seen + ${j}] = (${value}) & ${mask};`);
  }
  const body = `for (let g = 0; g < groups; g++) {\n${lines.join("\n")}\np += ${width};\nseen += 8;\n}`;
  decode = new Function("bytes", "p", "out", "seen", "groups", body) as GroupDecoder;
  groupDecoders[width] = decode;
  return decode;
}

/**
 * Decodes `count` values of Parquet's RLE / bit-packed hybrid encoding of `width` bits (1–24) from
 * `bytes[start, end)` into `out`. Hand-written beside hyparquet's `readRleBitPackedHybrid`, which writes into
 * a JS array through a DataView: decoding dictionary indices that way was 12–13 % of a projected read and of the
 * lab's pipeline (profiled). Returns the offset after the last run read.
 */
export function decodeHybrid(
  bytes: Uint8Array,
  start: number,
  end: number,
  width: number,
  out: Int32Array | Uint8Array,
  count: number,
): number {
  let p = start;
  let seen = 0;
  const mask = width === 32 ? -1 : (1 << width) - 1;
  const bytesPerValue = (width + 7) >> 3;
  while (seen < count && p < end) {
    // The run header: a ULEB128 varint.
    let header = 0, shift = 0, b;
    do {
      b = bytes[p++];
      header += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (header % 2 === 0) {
      // A run of one value repeated.
      const n = header / 2;
      let value = 0;
      for (let i = 0; i < bytesPerValue; i++) value |= bytes[p++] << (8 * i);
      const stop = Math.min(count, seen + n);
      out.fill(value, seen, stop);
      seen = stop;
    } else {
      // Groups of 8 bit-packed values, least significant bit first.
      let n = Math.floor(header / 2) * 8;
      if (width === 1 && p + n / 8 <= end) {
        // Definition levels: a byte is 8 values.
        for (let g = 0; g < n / 8; g++) {
          const byte = bytes[p++];
          const stop = Math.min(count, seen + 8);
          if (byte === 255) out.fill(1, seen, stop);
          else for (let j = 0; seen < stop; j++) out[seen++] = (byte >> j) & 1;
          seen = stop;
        }
        continue;
      }
      if (width > 1 && width <= 24) {
        // The whole groups in bounds and wanted: each width's unrolled group decoder (see `groupDecoder`). A
        // run may go on past the page's values (outcore's older files padded the last run of 262,143-value
        // pages to 262,144): its groups up to there still take this path.
        const groups = Math.min(n / 8, Math.floor((count - seen) / 8), Math.floor((end - p) / width));
        if (groups > 0) {
          groupDecoder(width)(bytes, p, out as Int32Array, seen, groups);
          p += groups * width;
          seen += groups * 8;
          n -= groups * 8;
        }
        if (n === 0) continue;
      }
      // The rest of a run cut by the page's end (or a corrupt header): only the values wanted, bytes past the
      // end as 0.
      let acc = 0, bits = 0;
      for (; n > 0 && seen < count; n--) {
        while (bits < width) {
          acc |= (p < end ? bytes[p] : 0) << bits;
          p++;
          bits += 8;
        }
        out[seen++] = acc & mask;
        acc >>>= width;
        bits -= width;
      }
    }
  }
  if (seen < count) out.fill(0, seen, count); // data ended early: the rest read as 0 (`out` may be reused)
  return p;
}

/** A data page's definition levels (empty: no nulls) and values, from the fast path, or null for hyparquet. */
interface FastPage {
  definitionLevels: Uint8Array | never[];
  dataPage: DecodedArray;
}

/**
 * Page-sized scratch arrays, reused from page to page: a page's levels and dictionary indices are read into
 * them and consumed before the next page is read. Fresh arrays per page were ~10 MB of dead buffers per
 * 1.25M-row file in the pipeline, one more full collection every few files (GC was 17 % of it, profiled).
 */
let scratchLevels = new Uint8Array(0);
let scratchIndices = new Int32Array(0);

/** Definition levels of width 1 from `bytes[start, end)`: empty when every value is present. */
function readLevels(bytes: Uint8Array, start: number, end: number, count: number): Uint8Array | never[] {
  // One run of 1s for the whole page (a nullable column without nulls, as DuckDB writes every column): nothing
  // to decode or scan.
  let header = 0, shift = 0, p = start, b;
  do {
    b = bytes[p++];
    header += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80 && p < end);
  if (header % 2 === 0 && header / 2 >= count && p < end && bytes[p] === 1) return [];
  if (scratchLevels.length < count) scratchLevels = new Uint8Array(count);
  const levels = scratchLevels.subarray(0, count);
  decodeHybrid(bytes, start, end, 1, levels, count);
  for (let i = 0; i < count; i++) if (levels[i] === 0) return levels;
  return [];
}

/** Values of a page body: dictionary indices decoded here, PLAIN values by hyparquet; null otherwise. */
function readValues(
  body: Uint8Array,
  offset: number,
  encoding: string,
  type: string,
  count: number,
  typeLength: number | undefined,
): DecodedArray | null {
  if (encoding === "PLAIN_DICTIONARY" || encoding === "RLE_DICTIONARY") {
    const width = body[offset];
    if (scratchIndices.length < count) scratchIndices = new Int32Array(count);
    const indices = scratchIndices.subarray(0, count);
    if (width > 24) return null;
    if (width > 0) decodeHybrid(body, offset + 1, body.length, width, indices, count);
    else indices.fill(0);
    return indices;
  }
  if (encoding === "PLAIN" && type !== "BOOLEAN") {
    const reader = { view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset };
    return readPlain(reader, type as Parameters<typeof readPlain>[1], count, typeLength);
  }
  return null;
}

/**
 * Decodes one column chunk (`bytes`, from its first page to its end) of `rows` rows into Arrow data of
 * `kind`. `toMs` scales raw timestamp/date integers to milliseconds. With `select` (row numbers, ascending)
 * only those rows come out: every page is still read, but only the selected values are stored — a selective
 * filter's other columns, in arrays of the matches' size.
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
    select?: Int32Array;
  },
) {
  const { root, leaf, codec, rows, kind, type, select } = options;
  const size = select ? select.length : rows; // rows that come out
  let picked = 0; // with `select`: the selected rows stored so far
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
  const maxDefinition = leaf.element.repetition_type === "OPTIONAL" ? 1 : 0;
  const physical = leaf.element.type!;
  const typeLength = leaf.element.type_length;
  /** A V1 page (levels then values, after decompression) read by the fast path, or null. */
  const fastPageV1 = (raw: Uint8Array, daph: { num_values: number; encoding: string }): FastPage | null => {
    let offset = 0;
    let definitionLevels: Uint8Array | never[] = [];
    if (maxDefinition) {
      const length = raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24);
      definitionLevels = readLevels(raw, 4, 4 + length, daph.num_values);
      offset = 4 + length;
    }
    let present = daph.num_values;
    for (let i = 0; i < definitionLevels.length; i++) present -= 1 - definitionLevels[i];
    const dataPage = readValues(raw, offset, daph.encoding, physical, present, typeLength);
    return dataPage ? { definitionLevels, dataPage } : null;
  };
  /** A V2 page (levels uncompressed, then values, compressed or not) read by the fast path, or null. */
  const fastPageV2 = (
    bytes: Uint8Array,
    header: { uncompressed_page_size: number },
    daph2: {
      num_values: number;
      num_nulls: number;
      encoding: string;
      definition_levels_byte_length: number;
      repetition_levels_byte_length: number;
      is_compressed?: boolean;
    },
  ): FastPage | null => {
    if (daph2.repetition_levels_byte_length !== 0) return null;
    const levelBytes = daph2.definition_levels_byte_length;
    const definitionLevels = maxDefinition && daph2.num_nulls > 0
      ? readLevels(bytes, 0, levelBytes, daph2.num_values)
      : [];
    let body = bytes.subarray(levelBytes);
    if (daph2.is_compressed !== false) {
      body = decompressPage(body, Number(header.uncompressed_page_size) - levelBytes, codec, compressors);
      pageBytes = body;
    }
    const dataPage = readValues(
      body,
      0,
      daph2.encoding,
      physical,
      daph2.num_values - daph2.num_nulls,
      typeLength,
    );
    return dataPage ? { definitionLevels, dataPage } : null;
  };
  const f64 = kind === "float64" ? new Float64Array(size) : null;
  const i32 = kind === "int32" || kind === "string" ? new Int32Array(size) : null;
  const i64 = kind === "int64" || kind === "timestamp" ? new BigInt64Array(size) : null;
  const words = i64 ? new Int32Array(i64.buffer) : null;
  const bits = kind === "bool" ? new Uint8Array((size + 7) >> 3) : null;
  const strings = new Map<string, number>();
  let nulls: Uint8Array | undefined;
  let nullCount = 0;
  const markNull = (k: number) => {
    nulls ??= allValid(size);
    setNull(nulls, k);
    nullCount++;
  };
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
    // A dictionary of the output's own type is used as it is: `from` with a mapping function took 33 ms of a
    // 120 ms projected read of 100,000-entry price dictionaries (profiled).
    if (f64) {
      return dict instanceof Float64Array ? dict : Float64Array.from(dict as ArrayLike<number>, Number);
    }
    if (kind === "int32") {
      return dict instanceof Int32Array ? dict : Int32Array.from(dict as ArrayLike<number>);
    }
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
  /**
   * The last data page decompressed, freed once its values are copied out (`freePage`): V8 frees an
   * ArrayBuffer only at a full collection, and the garbage collector was 15 % of a projected read of the
   * DuckDB-written warmup file (profiled).
   */
  let pageBytes: Uint8Array | null = null;
  const freePage = () => {
    // Only a buffer of its own: an uncompressed page, or a snappy literal, is a view of part of the chunk's
    // bytes (which also hold the page headers).
    freeIfWhole(pageBytes);
    pageBytes = null;
  };
  let row = 0;
  while (row < rows && reader.offset < bytes.length) {
    freePage();
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
      pageBytes = raw;
      page = fastPageV1(raw, daph) ?? readDataPage(raw, daph, decoder);
      encoding = daph.encoding;
      count = daph.num_values;
    } else if (header.type === "DATA_PAGE_V2") {
      const daph2 = header.data_page_header_v2!;
      // A V2 page whose values section is empty (every value null) must not be decompressed: zero bytes are
      // not a valid snappy stream (parquet-testing's datapage_v2_empty_datapage; arrow-rs #7388).
      const levels = daph2.definition_levels_byte_length + daph2.repetition_levels_byte_length;
      const empty = header.compressed_page_size === levels;
      page = (empty ? null : fastPageV2(compressed, header, daph2)) ?? readDataPageV2(
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
    if (select) {
      // Only the selected rows of this page, each through `store` (they are few): a row's value is the
      // page's value after the non-null rows before it.
      let k = row;
      for (; picked < size && select[picked] < end; picked++) {
        const at = select[picked];
        if (noNulls) v = at - row;
        else for (; k < at; k++) v += levels![k - row];
        if (!noNulls && levels![at - row] === 0) markNull(picked);
        else store(picked, dictionaryEncoded ? dictionary![values[v] as number] : values[v]);
      }
      row = end;
      continue;
    }
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
      if (!lookup && words && dictionary instanceof BigInt64Array && multiply === 1 && divide === 1) {
        // 64-bit integers: each index's two 32-bit words copied, no bigint made per value.
        const from = new Int32Array(dictionary.buffer, dictionary.byteOffset, dictionary.length * 2);
        for (let k = row; k < end; k++) {
          if (levels && levels.length && levels[k - row] === 0) {
            markNull(k);
            continue;
          }
          const d = indices[v++] * 2;
          words[2 * k] = from[d];
          words[2 * k + 1] = from[d + 1];
        }
        row = end;
        continue;
      }
      const target = (f64 ?? i32)!;
      if (lookup && noNulls) {
        for (let k = row, i = 0; k < end; k++, i++) target[k] = lookup[indices[i]];
        row = end;
        continue;
      }
      if (lookup) {
        for (let k = row; k < end; k++) {
          if (levels![k - row] === 0) {
            markNull(k);
          } else target[k] = lookup[indices[v++]];
        }
        row = end;
        continue;
      }
    }
    for (let k = row; k < end; k++) {
      if (levels && levels.length && levels[k - row] === 0) {
        markNull(k);
        continue;
      }
      const value = dictionaryEncoded ? dictionary![values[v++] as number] : values[v++];
      store(k, value);
    }
    row = end;
  }
  freePage();
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
      return boolData(bits!, size, nulls, nullCount);
    default:
      return dictionaryData(i32!, [...strings.keys()], nulls, nullCount, type);
  }
}
