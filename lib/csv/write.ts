/**
 * Arrow batches → CSV bytes. Encodes straight into a growing byte buffer (no string per row): numbers as
 * ASCII digits, timestamps as `YYYY-MM-DD HH:MM:SS[.fff]`, strings quoted per RFC 4180 when they contain the
 * delimiter, a quote or a line break; nulls as empty fields. Floats are written with the fewest decimals that
 * read back as the same double.
 */
import type { RecordBatch, Schema } from "apache-arrow";
import { type ColumnKind, columnData, kindOf } from "../batch.ts";
import { civilFromDays, getInt64 } from "./_values.ts";

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
  #buf = new Uint8Array(1 << 20);
  #pos = 0;
  #lastDay = NaN;
  #dayBytes = new Uint8Array(10);

  constructor(schema: Schema, options: { delimiter?: string } = {}) {
    this.delimiter = options.delimiter ?? ",";
    this.names = schema.fields.map((f) => f.name);
    this.kinds = schema.fields.map((f) => kindOf(f.type));
  }

  /** The header line. */
  header(): Uint8Array {
    return encoder.encode(this.names.map((n) => quoteField(n, this.delimiter)).join(this.delimiter) + "\n");
  }

  /** The batch's rows as CSV lines (a fresh array the caller owns). */
  encode(batch: RecordBatch): Uint8Array {
    const rows = batch.numRows;
    const delimiter = this.delimiter.charCodeAt(0);
    const columns = this.names.map((name, c) => {
      const data = columnData(batch, name);
      const kind = this.kinds[c];
      const nulls = data.nullCount ? data.nullBitmap : null;
      const dictionary = kind === "string"
        ? (data.dictionary!.toArray() as string[]).map((s) => encoder.encode(quoteField(s ?? "", this.delimiter)))
        : null;
      const values = data.values;
      return {
        kind,
        values,
        words: values instanceof BigInt64Array ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : null,
        nulls,
        offset: data.offset,
        dictionary,
        vector: batch.getChild(name)!,
      };
    });
    this.#pos = 0;
    this.#ensure(rows * 24 * Math.max(1, columns.length));
    for (let r = 0; r < rows; r++) {
      this.#ensure(32 * columns.length + 2);
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) this.#buf[this.#pos++] = delimiter;
        const col = columns[c];
        if (col.nulls) {
          const j = r + col.offset;
          if ((col.nulls[j >> 3] & (1 << (j & 7))) === 0) continue;
        }
        switch (col.kind) {
          case "float64":
            this.#float((col.values as Float64Array)[r]);
            break;
          case "int32":
            this.#integer((col.values as Int32Array)[r]);
            break;
          case "int64":
            this.#ascii(String((col.values as BigInt64Array)[r]));
            break;
          case "timestamp":
            this.#timestamp(getInt64(col.words!, r));
            break;
          case "string": {
            const bytes = col.dictionary![(col.values as Int32Array)[r]];
            this.#ensure(bytes.length + 32 * columns.length);
            this.#buf.set(bytes, this.#pos);
            this.#pos += bytes.length;
            break;
          }
          case "bool":
            this.#ascii(col.vector.get(r) ? "true" : "false");
            break;
        }
      }
      this.#buf[this.#pos++] = 10;
    }
    return this.#buf.slice(0, this.#pos);
  }

  #ensure(extra: number): void {
    if (this.#pos + extra <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buf.subarray(0, this.#pos));
    this.#buf = grown;
  }

  #ascii(s: string): void {
    this.#ensure(s.length);
    for (let i = 0; i < s.length; i++) this.#buf[this.#pos++] = s.charCodeAt(i);
  }

  #integer(n: number): void {
    const buf = this.#buf;
    if (n < 0) {
      buf[this.#pos++] = 45;
      n = -n;
    }
    if (n < 10) {
      buf[this.#pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.#pos + digits;
    this.#pos = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--p] = 48 + (n - q * 10);
      n = q;
    }
    buf[--p] = 48 + n;
  }

  #float(v: number): void {
    if (v === Math.trunc(v) && Math.abs(v) < 1e15) {
      if (Object.is(v, -0)) {
        this.#ascii("-0");
        return;
      }
      this.#integer(v);
      return;
    }
    // The fewest decimals k (≤ 6) with round(v·10^k)/10^k === v: that decimal reads back as exactly v.
    if (Math.abs(v) < 1e9) {
      for (let k = 1; k <= 6; k++) {
        const scaled = Math.round(v * POW10[k]);
        if (scaled / POW10[k] === v) {
          const negative = scaled < 0;
          const digits = negative ? -scaled : scaled;
          const whole = Math.floor(digits / POW10[k]);
          let fraction = digits - whole * POW10[k];
          if (negative) this.#buf[this.#pos++] = 45;
          this.#integer(whole);
          this.#buf[this.#pos++] = 46;
          let p = this.#pos + k;
          this.#pos = p;
          for (let d = 0; d < k; d++) {
            const q = Math.floor(fraction / 10);
            this.#buf[--p] = 48 + (fraction - q * 10);
            fraction = q;
          }
          return;
        }
      }
    }
    this.#ascii(String(v));
  }

  #timestamp(ms: number): void {
    const days = Math.floor(ms / 86_400_000);
    let rest = ms - days * 86_400_000;
    const buf = this.#buf;
    if (days !== this.#lastDay) {
      const [year, month, day] = civilFromDays(days);
      this.#lastDay = days;
      const s = `${String(year).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
      this.#dayBytes = encoder.encode(s);
    }
    buf.set(this.#dayBytes, this.#pos);
    this.#pos += this.#dayBytes.length;
    const hour = Math.floor(rest / 3_600_000);
    rest -= hour * 3_600_000;
    const minute = Math.floor(rest / 60_000);
    rest -= minute * 60_000;
    const second = Math.floor(rest / 1000);
    const millis = rest - second * 1000;
    let p = this.#pos;
    buf[p++] = 32;
    buf[p++] = 48 + Math.floor(hour / 10);
    buf[p++] = 48 + (hour % 10);
    buf[p++] = 58;
    buf[p++] = 48 + Math.floor(minute / 10);
    buf[p++] = 48 + (minute % 10);
    buf[p++] = 58;
    buf[p++] = 48 + Math.floor(second / 10);
    buf[p++] = 48 + (second % 10);
    if (millis) {
      buf[p++] = 46;
      buf[p++] = 48 + Math.floor(millis / 100);
      buf[p++] = 48 + (Math.floor(millis / 10) % 10);
      buf[p++] = 48 + (millis % 10);
    }
    this.#pos = p;
  }
}
