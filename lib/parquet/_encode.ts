/**
 * Column chunks of flat columns encoded straight from a batch's typed arrays. Written by hand because
 * hyparquet-writer takes JS values: it builds definition levels for every value (its Dremel pass), tries a
 * dictionary on every column through a Map, writes plain values one DataView call at a time and reads its own
 * statistics — with our row-to-array conversions, about a third of a `filter` to Parquet's CPU and most of a
 * writing worker's heap (profiled: 1.8 s of 5.7 s single-threaded on the 20M-row CSV). Here a plain page is
 * the column's bytes as they are, a dictionary page is built only where a sample says it pays, and text columns
 * keep the dictionary the batch already has, and levels and indices are packed here in one pass each.
 * hyparquet-writer still writes the page headers (Thrift), the footer and every column this does not take
 * (`flatEncodable`).
 *
 * The chunks are what hyparquet-writer's own would be for a reader: DATA_PAGE_V2 pages of ~1 MiB, PLAIN or
 * RLE_DICTIONARY values, RLE definition levels, the same statistics (min −0 / max +0 for zeros, NaN counted and
 * left out of min and max).
 */
import type { Data, Dictionary, Utf8, Vector } from "apache-arrow";
import type { ColumnChunk, OffsetIndex, SchemaElement } from "hyparquet";
import type { Writer } from "hyparquet-writer";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { kindOf } from "../batch.ts";
import { freeBuffers, freeIfWhole } from "../io/memory.ts";

/** Bytes of plain values per data page (hyparquet-writer's default page size). */
const PAGE_BYTES = 1 << 20;

/** Dictionaries of more entries are not built: plain pages instead (strings: the old encoder instead). */
const MAX_DICTIONARY = 1 << 16;

type Numbers = Float64Array | Int32Array | BigInt64Array;

/** What `writeFlatChunk` returns: the chunk's metadata and, with more than one page, its offset index. */
export interface FlatChunk {
  chunk: ColumnChunk;
  offsetIndex?: OffsetIndex;
}

/**
 * Whether `writeFlatChunk` can write this column: a float64, int32, int64 or timestamp column stored as its
 * plain physical type, or dictionary-encoded text of at most `MAX_DICTIONARY` values (and no more than one
 * per two rows) stored as UTF-8 — what CSV reads and the lab's files are made of.
 */
export function flatEncodable(data: Data, element: SchemaElement): boolean {
  if (data.offset % 8 !== 0) return false; // validity bits are copied bytewise
  const kind = kindOf(data.type);
  const annotated = element.logical_type !== undefined || element.converted_type !== undefined;
  switch (kind) {
    case "float64":
      return element.type === "DOUBLE" && !annotated && data.values instanceof Float64Array;
    case "int32":
      return element.type === "INT32" && !annotated && data.values instanceof Int32Array;
    case "int64":
      return element.type === "INT64" && !annotated && data.values instanceof BigInt64Array;
    case "timestamp":
      return element.type === "INT64" && data.values instanceof BigInt64Array;
    case "string": {
      const dictionary = (data as Data<Dictionary<Utf8>>).dictionary;
      return element.type === "BYTE_ARRAY" && element.converted_type === "UTF8" && dictionary !== undefined &&
        data.values instanceof Int32Array && dictionary.length <= MAX_DICTIONARY &&
        dictionary.length <= Math.max(64, data.length / 2);
    }
    default:
      return false;
  }
}

/**
 * Writes one column chunk of `data`, with its statistics, to `writer`, whose `offset` counts bytes from the
 * file's start (Arrow slices: `values` start at the slice's first row, the validity bits at bit `offset`).
 * `compress` is the codec's compressor (null: uncompressed). Memory: the column's non-null values once more
 * (a copy only when there are nulls), plus one page.
 */
export function writeFlatChunk(
  writer: Writer,
  data: Data,
  element: SchemaElement,
  codec: string,
  compress: ((bytes: Uint8Array) => Uint8Array) | null,
): FlatChunk {
  const rows = data.length;
  const kind = kindOf(data.type);
  const optional = element.repetition_type !== "REQUIRED";
  const valid = validity(data);
  const nulls = valid ? data.nullCount : 0;
  const start = writer.offset;
  let uncompressed = 0;

  // The values written: dictionary indices, or the column's own values (without nulls).
  let dictionaryBytes: Uint8Array | null = null;
  let dictionaryCount = 0;
  let indices: Int32Array | null = null;
  let plain: Numbers | null = null;
  let stats: Record<string, unknown> | undefined;
  if (kind === "string") {
    const text = textDictionary(data, valid);
    ({ indices } = text);
    dictionaryBytes = text.bytes;
    dictionaryCount = text.count;
    stats = { min_value: text.min, max_value: text.max };
  } else {
    const values = compact(data.values.subarray(0, rows) as Numbers, valid);
    stats = numberStatistics(values, kind === "float64");
    const dictionary = values instanceof BigInt64Array
      ? null
      : values instanceof Int32Array && stats.min_value !== undefined
      ? rangeDictionary(values, stats.min_value as number, stats.max_value as number) ??
        numberDictionary(values)
      : (stats.min_value !== undefined &&
        decimalDictionary(values as Float64Array, stats.min_value as number, stats.max_value as number)) ||
        numberDictionary(values);
    if (dictionary) {
      indices = dictionary.indices;
      dictionaryBytes = bytesOf(dictionary.values);
      dictionaryCount = dictionary.values.length;
    } else plain = values;
  }
  stats = { ...stats, null_count: BigInt(nulls) };

  let dictionaryOffset: bigint | undefined;
  if (dictionaryBytes) {
    dictionaryOffset = BigInt(writer.offset);
    const stored = compress ? compress(dictionaryBytes) : dictionaryBytes;
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: "DICTIONARY_PAGE",
      uncompressed_page_size: dictionaryBytes.length,
      compressed_page_size: stored.length,
      dictionary_page_header: { num_values: dictionaryCount, encoding: "PLAIN" },
    });
    uncompressed += writer.offset - headerStart + dictionaryBytes.length;
    writer.appendBytes(stored);
  }

  // Pages of whole bytes of validity bits (a multiple of 8 rows), ~PAGE_BYTES of plain values each.
  const width = kind === "int32" || kind === "string" ? 4 : 8;
  const pageRows = Math.max(8, Math.floor(PAGE_BYTES / width) & ~7);
  const bitWidth = indices ? Math.max(1, Math.ceil(Math.log2(dictionaryCount))) : 0;
  const encoding = indices ? "RLE_DICTIONARY" : "PLAIN";
  const dataOffset = BigInt(writer.offset);
  const locations: OffsetIndex["page_locations"] = [];
  let valueAt = 0; // index of the page's first non-null value
  for (let first = 0; first < rows; first += pageRows) {
    const count = Math.min(pageRows, rows - first);
    const pageNulls = valid ? count - countValid(valid, first, count) : 0;
    const values = count - pageNulls;
    const levels = optional ? definitionLevels(valid, first, count) : new Uint8Array(0);
    let body: Uint8Array;
    if (indices) body = dictionaryIndices(indices.subarray(valueAt, valueAt + values), bitWidth);
    else body = bytesOf(plain!.subarray(valueAt, valueAt + values));
    valueAt += values;
    const stored = compress ? compress(body) : body;
    const pageStart = writer.offset;
    writePageHeader(writer, {
      type: "DATA_PAGE_V2",
      uncompressed_page_size: levels.length + body.length,
      compressed_page_size: levels.length + stored.length,
      data_page_header_v2: {
        num_values: count,
        num_nulls: pageNulls,
        num_rows: count,
        encoding,
        definition_levels_byte_length: levels.length,
        repetition_levels_byte_length: 0,
        is_compressed: compress !== null,
      },
    });
    uncompressed += writer.offset - pageStart + levels.length + body.length;
    writer.appendBytes(levels);
    writer.appendBytes(stored);
    // Copied: the compressor's output is garbage from here on, unless it shares its buffer.
    if (stored !== body) freeIfWhole(stored);
    locations.push({
      offset: BigInt(pageStart),
      compressed_page_size: writer.offset - pageStart,
      first_row_index: BigInt(first),
    });
  }

  const chunk: ColumnChunk = {
    file_offset: BigInt(start),
    meta_data: {
      type: element.type!,
      encodings: dictionaryBytes ? ["PLAIN", "RLE_DICTIONARY"] : ["PLAIN"],
      path_in_schema: [element.name],
      codec: codec as never,
      num_values: BigInt(rows),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(writer.offset - start),
      data_page_offset: dataOffset,
      dictionary_page_offset: dictionaryOffset,
      statistics: stats as never,
      encoding_stats: [
        ...(dictionaryBytes
          ? [{ page_type: "DICTIONARY_PAGE" as const, encoding: "PLAIN" as const, count: 1 }]
          : []),
        { page_type: "DATA_PAGE_V2" as const, encoding, count: locations.length },
      ],
    },
  };
  return { chunk, offsetIndex: locations.length > 1 ? { page_locations: locations } : undefined };
}

/**
 * A data page's RLE_DICTIONARY values: the bit width, then the indices as one RLE run when they are all the
 * same (a Hive partition's own column) or one bit-packed run (hyparquet-writer's encoder looks for runs value by
 * value and appends byte by byte: 7 % of `generate`, profiled; snappy still shrinks runs in the packed bytes).
 */
export function dictionaryIndices(indices: Int32Array, width: number): Uint8Array {
  const n = indices.length;
  let same = n > 0;
  for (let i = 1; i < n && same; i++) same = indices[i] === indices[0];
  const header = varint(same ? n * 2 : ((((n + 7) >> 3) * 2) | 1));
  if (same) {
    const out = new Uint8Array(1 + header.length + ((width + 7) >> 3));
    out[0] = width;
    out.set(header, 1);
    for (let b = 0, v = indices[0]; b < (width + 7) >> 3; b++, v >>>= 8) out[1 + header.length + b] = v & 255;
    return out;
  }
  const out = new Uint8Array(1 + header.length + ((n + 7) >> 3) * width); // padding values are 0
  out[0] = width;
  out.set(header, 1);
  let p = 1 + header.length;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    acc |= indices[i] << bits; // width ≤ 24 and bits < 8: fits 32 bits
    bits += width;
    while (bits >= 8) {
      out[p++] = acc & 255;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[p] = acc & 255;
  return out;
}

/** `v` as an unsigned LEB128 varint (Parquet's run headers, snappy's length preamble). */
export function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v & 127) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** The column's validity bits from its first row (`offset`, a multiple of 8, into the bitmap), or null without nulls. */
function validity(data: Data): Uint8Array | null {
  if (!data.nullCount || !data.nullBitmap) return null;
  const from = data.offset >> 3;
  return data.nullBitmap.subarray(from, from + ((data.length + 7) >> 3));
}

/** Set bits among `count` from bit `first` (a multiple of 8). */
function countValid(bits: Uint8Array, first: number, count: number): number {
  let n = 0;
  const end = first + count;
  for (let i = first; i < end; i++) n += (bits[i >> 3] >> (i & 7)) & 1;
  return n;
}

/** The page's definition levels (1 present, 0 null) as an RLE/bit-packed run, without a length prefix. */
function definitionLevels(valid: Uint8Array | null, first: number, count: number): Uint8Array {
  if (valid === null) return Uint8Array.from([...varint(count * 2), 1]); // one RLE run of 1s
  // Arrow's validity bits are a bit-packed run of width 1 as they are (least significant bit first).
  const groups = (count + 7) >> 3;
  const header = varint(groups * 2 + 1);
  const out = new Uint8Array(header.length + groups);
  out.set(header);
  out.set(valid.subarray(first >> 3, (first >> 3) + groups), header.length); // bits past the page's rows are not read
  return out;
}

/** The values of the rows `valid` marks (all of them, not copied, without nulls). */
function compact<T extends Numbers>(values: T, valid: Uint8Array | null): T {
  if (valid === null) return values;
  // deno-lint-ignore no-explicit-any
  const out = new (values.constructor as any)(values.length) as T;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if ((valid[i >> 3] >> (i & 7)) & 1) out[n++] = values[i];
  }
  return out.subarray(0, n) as T;
}

/** The bytes of a typed array (little-endian, as Parquet's PLAIN encoding stores numbers). */
function bytesOf(values: Numbers): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** min, max and NaN count as the footer wants them (min −0 and max +0 for zeros); none when all are null. */
export function numberStatistics(
  values: Numbers | Float32Array,
  float: boolean,
): { min_value?: number | bigint; max_value?: number | bigint; nan_count?: bigint } {
  let min: number | bigint | undefined;
  let max: number | bigint | undefined;
  let nans = 0;
  if (values instanceof BigInt64Array) {
    // Compared as 32-bit halves (signed high, unsigned low): reading each value as a bigint allocated one
    // (5 % of `generate`, profiled).
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    let lo = 0, hi = 0;
    for (let i = 1; i < values.length; i++) {
      const h = words[2 * i + 1], l = words[2 * i] >>> 0;
      const hl = words[2 * lo + 1], ll = words[2 * lo] >>> 0;
      if (h < hl || (h === hl && l < ll)) lo = i;
      const hh = words[2 * hi + 1], lh = words[2 * hi] >>> 0;
      if (h > hh || (h === hh && l > lh)) hi = i;
    }
    if (values.length > 0) [min, max] = [values[lo], values[hi]];
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    let seen = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v) {
        nans++;
        continue;
      }
      seen++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (seen > 0) [min, max] = [lo === 0 ? -0 : lo, hi === 0 ? 0 : hi];
  }
  return { min_value: min, max_value: max, nan_count: float ? BigInt(nans) : undefined };
}

/**
 * A dictionary for a numeric column when a sample of 1,024 values spread over it has at most 256 distinct
 * ones and no more than half are distinct (hyparquet-writer's encoder made such columns dictionaries too: the
 * lab's quantity, 1–49, takes 6 bits a row instead of 32); null otherwise, or when the column turns out to
 * have more than `MAX_DICTIONARY` values. Floats with −0 or NaN stay plain (a Map would merge them with 0 and
 * other NaNs).
 */
function numberDictionary(
  values: Float64Array | Int32Array,
): { values: typeof values; indices: Int32Array } | null {
  const n = values.length;
  if (n < 64) return null;
  const sample = new Set<number>();
  for (let i = 0; i < 1024; i++) sample.add(values[Math.floor(i * (n - 1) / 1023)]);
  if (sample.size > 256) return null;
  const float = values instanceof Float64Array;
  const index = new Map<number, number>();
  const indices = new Int32Array(n);
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let k = index.get(v);
    if (k === undefined) {
      if (float && (v !== v || Object.is(v, -0))) return null;
      k = seen.length;
      if (k === MAX_DICTIONARY) return null;
      seen.push(v);
      index.set(v, k);
    }
    indices[i] = k;
  }
  const dictionary = float ? Float64Array.from(seen) : Int32Array.from(seen);
  return { values: dictionary, indices };
}

/**
 * A dictionary for a float64 column of decimals with at most two places (prices: 329.46) spanning fewer than
 * `MAX_TABLE_RANGE` hundredths (and 4 a row), with at most one distinct value per 4 rows, found through a table
 * indexed by the value in hundredths (a Map of doubles costs ~40 ns a value). Each value must be exactly the
 * double its hundredths divide back to, so distinct doubles never share an entry; −0 and NaN are left to the
 * other paths.
 */
function decimalDictionary(values: Float64Array, min: number, max: number) {
  const n = values.length;
  const base = Math.round(min * 100);
  // The table is at most MAX_TABLE_RANGE entries, and no more than 4 a row beyond 65,536: a small row group of
  // a wide range is not worth a table of megabytes.
  const range = Math.round(max * 100) - base;
  if (n < 64 || !(range < Math.min(MAX_TABLE_RANGE, Math.max(1 << 16, 4 * n)))) return null;
  const limit = n >> 2;
  const table = new Int32Array(range + 1).fill(-1);
  const indices = new Int32Array(n);
  const seen = new Float64Array(Math.min(limit, table.length));
  let count = 0;
  try {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const hundredths = Math.round(v * 100);
      if (hundredths / 100 !== v || (v === 0 && 1 / v < 0)) return null;
      const at = hundredths - base;
      let k = table[at];
      if (k < 0) {
        if (count === limit) return null;
        k = table[at] = count;
        seen[count++] = v;
      }
      indices[i] = k;
    }
  } finally {
    freeBuffers(table);
  }
  return { values: seen.subarray(0, count), indices };
}

/** Integer columns spanning at most this many values are looked up in a table rather than a Map. */
const MAX_TABLE_RANGE = 1 << 20;

/**
 * A dictionary for an int32 column of a narrow range (`max − min` below `MAX_TABLE_RANGE`) with at most one
 * distinct value per 4 rows, found through a table indexed by value: the lab's product ids (1–9,999) take 14
 * bits a row instead of 32 — the plain page snappy shrank by 11 % at ~8 ms/MiB (measured). Null otherwise.
 */
function rangeDictionary(values: Int32Array, min: number, max: number) {
  const n = values.length;
  if (n < 64 || max - min >= MAX_TABLE_RANGE) return null;
  const limit = n >> 2;
  const table = new Int32Array(max - min + 1).fill(-1);
  const indices = new Int32Array(n);
  const seen = new Int32Array(Math.min(limit, max - min + 1));
  let count = 0;
  try {
    for (let i = 0; i < n; i++) {
      const at = values[i] - min;
      let k = table[at];
      if (k < 0) {
        if (count === limit) return null;
        k = table[at] = count;
        seen[count++] = values[i];
      }
      indices[i] = k;
    }
  } finally {
    freeBuffers(table);
  }
  return { values: seen.subarray(0, count), indices };
}

/**
 * A text column's dictionary page (the values its non-null rows use, in the batch dictionary's order, each
 * as a 4-byte length and its UTF-8 bytes), its rows' indices into it, and the least and greatest value used.
 */
function textDictionary(data: Data, valid: Uint8Array | null) {
  const dictionary = (data as Data<Dictionary<Utf8>>).dictionary as Vector<Utf8>;
  const codes = (data.values as Int32Array).subarray(0, data.length);
  const remap = new Int32Array(dictionary.length).fill(-1);
  const indices = new Int32Array(codes.length);
  const used: string[] = [];
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    if (valid && !((valid[i >> 3] >> (i & 7)) & 1)) continue;
    const code = codes[i];
    let k = remap[code];
    if (k < 0) {
      k = remap[code] = used.length;
      used.push(dictionary.get(code) as string);
    }
    indices[n++] = k;
  }
  const encoder = new TextEncoder();
  const encoded = used.map((s) => encoder.encode(s));
  const bytes = new Uint8Array(encoded.reduce((sum, b) => sum + 4 + b.length, 0));
  const view = new DataView(bytes.buffer);
  let at = 0;
  let min: string | undefined;
  let max: string | undefined;
  for (const [i, b] of encoded.entries()) {
    view.setUint32(at, b.length, true);
    bytes.set(b, at + 4);
    at += 4 + b.length;
    const s = used[i];
    if (min === undefined || compareUtf8(s, min) < 0) min = s;
    if (max === undefined || compareUtf8(s, max) > 0) max = s;
  }
  return { bytes, count: used.length, indices: indices.subarray(0, n), min, max };
}

/** Orders strings as their UTF-8 bytes do (Parquet's order for text), which UTF-16 `<` does not always. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
