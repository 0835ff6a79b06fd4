/**
 * Arrow batches → CSV bytes. Encodes straight into a growing byte buffer (no string per row): numbers as
 * ASCII digits, timestamps as `YYYY-MM-DD HH:MM:SS[.fff]`, strings quoted per RFC 4180 when they contain the
 * delimiter, a quote or a line break; nulls as empty fields. Floats are written with the fewest decimals that
 * read back as the same double.
 */
import type { Field, RecordBatch, Schema } from "apache-arrow";
import { cellFormatter } from "../cells.ts";
import { columnData, type ColumnKind, kindOf } from "../batch.ts";
import { civilFromDays, getInt64 } from "../values.ts";

const encoder = new TextEncoder();
const POW10 = Array.from({ length: 7 }, (_, i) => 10 ** i);

/** Quotes a field when needed (delimiter, quote, CR or LF inside). */
export function quoteField(value: string, delimiter = ","): string {
  if (value.includes(delimiter) || value.includes('"') || value.includes("\n") || value.includes("\r")) {
    return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}

/** Encodes batches of one schema as CSV: `header()` once, then `encode(batch)` per batch. O(batch) memory. */
export class CsvEncoder {
  readonly names: string[];
  readonly kinds: ColumnKind[];
  readonly delimiter: string;
  readonly fields: readonly Field[];
  #days: DayCache = { day: NaN, bytes: new Uint8Array(0) };

  constructor(schema: Schema, options: { delimiter?: string } = {}) {
    this.delimiter = options.delimiter ?? ",";
    this.fields = schema.fields;
    this.names = schema.fields.map((f) => f.name);
    this.kinds = schema.fields.map((f) => kindOf(f.type));
  }

  /** The header line. */
  header(): Uint8Array {
    return encoder.encode(this.names.map((n) => quoteField(n, this.delimiter)).join(this.delimiter) + "\n");
  }

  /** The batch's rows as CSV lines (a view of a fresh buffer the caller owns). */
  encode(batch: RecordBatch): Uint8Array {
    const rows = batch.numRows;
    const delimiter = this.delimiter.charCodeAt(0);
    const columns = this.names.map((name, c) => {
      const data = columnData(batch, name);
      const kind = this.kinds[c];
      const values = data.values;
      // Timestamps in µs/ns, DATE, TIME, unsigned 64-bit: the same text as `head` shows (cells.ts).
      const format = cellFormatter(this.fields[c], data);
      return {
        code: format ? FORMATTED : KIND_CODES.indexOf(kind),
        format,
        values,
        words: values instanceof BigInt64Array
          ? new Int32Array(values.buffer, values.byteOffset, values.length * 2)
          : null,
        nulls: data.nullCount ? data.nullBitmap : null,
        offset: data.offset,
        dictionary: kind === "string"
          ? (data.dictionary!.toArray() as string[]).map((s) =>
            encoder.encode(quoteField(s ?? "", this.delimiter))
          )
          : null,
        vector: batch.getChild(name)!,
      };
    });
    const width = columns.length;
    const days = this.#days;
    // Room for a row of numbers: 25 bytes per field is more than any int, timestamp or short float needs.
    const rowRoom = 25 * width + 1;
    let buf: Uint8Array = new Uint8Array(Math.max(1024, rows * (8 * width + 1)));
    let pos = 0;
    for (let r = 0; r < rows; r++) {
      if (pos + rowRoom > buf.length) buf = grow(buf, pos, rowRoom);
      for (let c = 0; c < width; c++) {
        if (c > 0) buf[pos++] = delimiter;
        const col = columns[c];
        if (col.nulls) {
          const j = r + col.offset;
          if ((col.nulls[j >> 3] & (1 << (j & 7))) === 0) continue;
        }
        switch (col.code) {
          case FLOAT64:
            pos = writeFloat(buf, pos, (col.values as Float64Array)[r]);
            break;
          case INT32:
            pos = writeInteger(buf, pos, (col.values as Int32Array)[r]);
            break;
          case TIMESTAMP:
            pos = writeTimestamp(buf, pos, getInt64(col.words!, r), days);
            break;
          case STRING: {
            const bytes = col.dictionary![(col.values as Int32Array)[r]];
            const n = bytes.length;
            if (pos + n + rowRoom > buf.length) buf = grow(buf, pos, n + rowRoom);
            if (n > 32) buf.set(bytes, pos);
            else for (let i = 0; i < n; i++) buf[pos + i] = bytes[i]; // a call to set() costs more than short copies
            pos += n;
            break;
          }
          case FORMATTED: {
            const bytes = encoder.encode(quoteField(col.format!(r), this.delimiter));
            if (pos + bytes.length + rowRoom > buf.length) buf = grow(buf, pos, bytes.length + rowRoom);
            buf.set(bytes, pos);
            pos += bytes.length;
            break;
          }
          default: {
            const text = col.code === INT64
              ? String((col.values as BigInt64Array)[r])
              : col.vector.get(r)
              ? "true"
              : "false";
            if (pos + text.length + rowRoom > buf.length) buf = grow(buf, pos, text.length + rowRoom);
            pos = writeAscii(buf, pos, text);
          }
        }
      }
      buf[pos++] = 10;
    }
    return buf.subarray(0, pos);
  }
}

/** Minute cache for timestamps: consecutive rows usually share a date, hour and minute. */
interface DayCache {
  /** The cached minute (epoch ms ÷ 60,000), or NaN. */
  day: number;
  /** `YYYY-MM-DD HH:MM:` of that minute. */
  bytes: Uint8Array;
}

/** Writes `YYYY-MM-DD HH:MM:SS[.fff]` for epoch milliseconds; returns the new position. */
function writeTimestamp(buf: Uint8Array, pos: number, ms: number, cache: DayCache): number {
  const minute = Math.floor(ms / 60_000);
  if (minute !== cache.day) {
    // A new minute: its `YYYY-MM-DD HH:MM:` once (profiled: the text of every field was 6 % of `generate`).
    const days = Math.floor(ms / 86_400_000);
    const [year, month, day] = civilFromDays(days);
    const inDay = minute - days * 1440;
    const hour = Math.floor(inDay / 60);
    const min = inDay - hour * 60;
    cache.day = minute;
    cache.bytes = encoder.encode(
      `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)} ${pad2(hour)}:${pad2(min)}:`,
    );
  }
  const prefix = cache.bytes;
  let p = pos;
  for (let i = 0; i < prefix.length; i++) buf[p++] = prefix[i];
  const rest = ms - minute * 60_000;
  const second = Math.floor(rest / 1000);
  const millis = rest - second * 1000;
  buf[p++] = 48 + Math.floor(second / 10);
  buf[p++] = 48 + (second % 10);
  if (millis) {
    buf[p++] = 46;
    buf[p++] = 48 + Math.floor(millis / 100);
    buf[p++] = 48 + (Math.floor(millis / 10) % 10);
    buf[p++] = 48 + (millis % 10);
  }
  return p;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const KIND_CODES: ColumnKind[] = ["float64", "int32", "int64", "timestamp", "string", "bool"];
const FLOAT64 = 0;
const INT32 = 1;
const INT64 = 2;
const TIMESTAMP = 3;
const STRING = 4;
const FORMATTED = 6;

/** A buffer at least `extra` bytes longer than `pos`, holding `buf[0, pos)`. */
function grow(buf: Uint8Array, pos: number, extra: number): Uint8Array {
  let size = buf.length * 2;
  while (size < pos + extra) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(buf.subarray(0, pos));
  return grown;
}

function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
  return pos;
}

/** "00" … "99" as character codes, two per number. */
const PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => 48 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10),
);

/**
 * Writes an integer (|n| < 2^53) as decimal digits; returns the new position. Two digits per division (a
 * table of pairs): one digit at a time was 8 % of `generate` (profiled).
 */
function writeInteger(buf: Uint8Array, pos: number, n: number): number {
  if (n < 0) {
    buf[pos++] = 45;
    n = -n;
  }
  if (n < 10) {
    buf[pos] = 48 + n;
    return pos + 1;
  }
  let digits = 2;
  for (let t = n; t >= 100; t = Math.floor(t / 10)) digits++;
  const end = pos + digits;
  let p = end;
  while (n >= 100) {
    const q = Math.floor(n / 100);
    const r = (n - q * 100) * 2;
    buf[--p] = PAIRS[r + 1];
    buf[--p] = PAIRS[r];
    n = q;
  }
  if (n >= 10) {
    buf[--p] = PAIRS[n * 2 + 1];
    buf[--p] = PAIRS[n * 2];
  } else buf[--p] = 48 + n;
  return end;
}

/** Writes a float with the fewest decimals (≤ 6) that read back as the same double, else as `String(v)`. */
function writeFloat(buf: Uint8Array, pos: number, v: number): number {
  if (v === Math.trunc(v) && Math.abs(v) < 1e15) {
    if (Object.is(v, -0)) return writeAscii(buf, pos, "-0");
    return writeInteger(buf, pos, v);
  }
  if (Math.abs(v) < 1e9) {
    for (let k = 1; k <= 6; k++) {
      const scaled = Math.round(v * POW10[k]);
      if (scaled / POW10[k] !== v) continue;
      const negative = scaled < 0;
      const digits = negative ? -scaled : scaled;
      const whole = Math.floor(digits / POW10[k]);
      let fraction = digits - whole * POW10[k];
      if (negative) buf[pos++] = 45;
      pos = writeInteger(buf, pos, whole);
      buf[pos++] = 46;
      const end = pos + k;
      for (let p = end; p > pos;) {
        const q = Math.floor(fraction / 10);
        buf[--p] = 48 + (fraction - q * 10);
        fraction = q;
      }
      return end;
    }
  }
  return writeAscii(buf, pos, String(v));
}
