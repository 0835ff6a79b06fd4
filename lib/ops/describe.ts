/**
 * Accumulators for describing non-numeric columns in one pass (`stats PATH` without `--column`): text (count,
 * nulls, distinct values, shortest and longest length, most frequent values), timestamps and dates (min, max)
 * and booleans (true and false counts). Numbers use OnlineStats. Each has `addBatch`, `merge` and a plain-data
 * state, so units summarised in workers merge in unit order into the same answer for any worker count.
 *
 * Text values are counted exactly while a column has at most `EXACT_DISTINCT` distinct values. Beyond that the
 * distinct count is a HyperLogLog estimate (2^14 registers: about 0.8 % standard error) and the frequent values
 * come from a Misra–Gries summary of `FREQUENT_KEPT` counters (a count is then a lower bound, short by at most
 * rows ÷ 1,001); the summary says `exact: false`. Memory: O(EXACT_DISTINCT) strings per column at most.
 */
import { type Data, Field, makeVector, type RecordBatch, Type } from "apache-arrow";
import { columnData, PARQUET_TYPE_KEY } from "../batch.ts";
import { cellFormatter } from "../cells.ts";
import { formatTimestamp } from "../values.ts";

/** Distinct text values counted exactly, per column. */
export const EXACT_DISTINCT = 50_000;
/** Counters a Misra–Gries summary keeps once counting is no longer exact. */
export const FREQUENT_KEPT = 1000;
const HLL_BITS = 14;
const HLL_SIZE = 1 << HLL_BITS;

/** Whether row `i` of `data` is valid. */
function validAt(data: Data, i: number): boolean {
  if (!data.nullCount || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const j = i + data.offset;
  return (data.nullBitmap[j >> 3] & (1 << (j & 7))) !== 0;
}

/**
 * A 53-bit hash of a string (cyrb53, public domain): two 32-bit multiply-xorshift lanes. Hand-written: HLL
 * needs well-mixed bits, and no npm package offers a fast string hash without native code.
 */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Adds a value to HyperLogLog registers. */
function hllAdd(registers: Uint8Array, text: string): void {
  const h = hash53(text);
  const index = h % HLL_SIZE;
  let w = Math.floor(h / HLL_SIZE); // 39 bits left
  let rank = 1;
  while (rank <= 39 && (w & 1) === 0) {
    rank++;
    w = Math.floor(w / 2);
  }
  if (rank > registers[index]) registers[index] = rank;
}

/** The HyperLogLog estimate of distinct values, with linear counting for small ones. */
export function hllEstimate(registers: Uint8Array): number {
  let sum = 0, zeros = 0;
  for (let i = 0; i < HLL_SIZE; i++) {
    sum += 2 ** -registers[i];
    if (registers[i] === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / HLL_SIZE);
  const raw = (alpha * HLL_SIZE * HLL_SIZE) / sum;
  return raw <= 2.5 * HLL_SIZE && zeros > 0 ? HLL_SIZE * Math.log(HLL_SIZE / zeros) : raw;
}

/** Length in characters (code points), not UTF-16 units. */
function characters(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

export interface TextState {
  count: number;
  nulls: number;
  minLength: number;
  maxLength: number;
  /** Counts per value: every value while exact, else the Misra–Gries counters. */
  values: [string, number][];
  exact: boolean;
  /** HyperLogLog registers, once not exact. */
  hll: Uint8Array | null;
}

/** Text column statistics (see the module's comment for what is exact). */
export class TextStats {
  count = 0;
  nulls = 0;
  minLength = Infinity;
  maxLength = -Infinity;
  #counts = new Map<string, number>();
  #exact = true;
  #hll: Uint8Array | null = null;

  /** Adds a batch's values of a text column: O(rows) typed work plus O(distinct values in the batch). */
  addBatch(data: Data, rows: number): void {
    const perValue = new Map<string, number>();
    if (data.typeId === Type.Dictionary) {
      const dictionary = data.dictionary!.toArray() as string[];
      const indices = data.values as Int32Array;
      const counts = new Float64Array(dictionary.length);
      let nulls = 0;
      if (data.nullCount) {
        for (let i = 0; i < rows; i++) {
          if (validAt(data, i)) counts[indices[i]]++;
          else nulls++;
        }
      } else for (let i = 0; i < rows; i++) counts[indices[i]]++;
      this.nulls += nulls;
      dictionary.forEach((v, k) => {
        if (counts[k] > 0) perValue.set(v, (perValue.get(v) ?? 0) + counts[k]);
      });
    } else {
      const vector = makeVector(data);
      for (let i = 0; i < rows; i++) {
        if (!validAt(data, i)) {
          this.nulls++;
          continue;
        }
        const v = String(vector.get(i));
        perValue.set(v, (perValue.get(v) ?? 0) + 1);
      }
    }
    for (const [v, n] of perValue) this.#add(v, n);
  }

  #add(value: string, n: number): void {
    this.count += n;
    const length = characters(value);
    if (length < this.minLength) this.minLength = length;
    if (length > this.maxLength) this.maxLength = length;
    this.#counts.set(value, (this.#counts.get(value) ?? 0) + n);
    if (!this.#exact) {
      hllAdd(this.#hll!, value);
      if (this.#counts.size > 2 * FREQUENT_KEPT) this.#compact();
    } else if (this.#counts.size > EXACT_DISTINCT) {
      this.#exact = false;
      this.#hll = new Uint8Array(HLL_SIZE);
      for (const v of this.#counts.keys()) hllAdd(this.#hll, v);
      this.#compact();
    }
  }

  /** Misra–Gries: keep the counters above the (K+1)-th largest, less that count. */
  #compact(): void {
    if (this.#counts.size <= FREQUENT_KEPT) return;
    const sorted = [...this.#counts.values()].sort((a, b) => b - a);
    const cut = sorted[FREQUENT_KEPT];
    const kept = new Map<string, number>();
    for (const [v, n] of this.#counts) if (n > cut) kept.set(v, n - cut);
    this.#counts = kept;
  }

  /** Folds another column state in (exact while both are and the union stays small). */
  merge(other: TextState): this {
    this.nulls += other.nulls;
    if (other.count === 0) return this;
    if (!other.exact) {
      if (this.#exact) {
        this.#exact = false;
        this.#hll = new Uint8Array(HLL_SIZE);
        for (const v of this.#counts.keys()) hllAdd(this.#hll, v);
      }
      for (let i = 0; i < HLL_SIZE; i++) if (other.hll![i] > this.#hll![i]) this.#hll![i] = other.hll![i];
    }
    const count = this.count + other.count;
    for (const [v, n] of other.values) this.#add(v, n);
    this.count = count; // #add counted the other's values once more than they are
    if (!this.#exact) this.#compact();
    if (other.minLength < this.minLength) this.minLength = other.minLength;
    if (other.maxLength > this.maxLength) this.maxLength = other.maxLength;
    return this;
  }

  toJSON(): TextState {
    return {
      count: this.count,
      nulls: this.nulls,
      minLength: this.minLength,
      maxLength: this.maxLength,
      values: [...this.#counts],
      exact: this.#exact,
      hll: this.#hll,
    };
  }

  /** Distinct values (exact, or HyperLogLog's estimate), lengths, and the `top` most frequent values. */
  summary(top = 5): TextSummary {
    const frequent = [...this.#counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top);
    return {
      kind: "text",
      count: this.count,
      nulls: this.nulls,
      distinct: this.#exact ? this.#counts.size : Math.round(hllEstimate(this.#hll!)),
      exact: this.#exact,
      min_length: this.count ? this.minLength : null,
      max_length: this.count ? this.maxLength : null,
      top: frequent.map(([value, count]) => ({ value, count })),
    };
  }
}

export interface TextSummary {
  kind: "text";
  count: number;
  nulls: number;
  distinct: number;
  /** Whether `distinct` and the top counts are exact (else an estimate and lower bounds). */
  exact: boolean;
  min_length: number | null;
  max_length: number | null;
  top: { value: string; count: number }[];
}

export interface RangeState {
  count: number;
  nulls: number;
  min: bigint | null;
  max: bigint | null;
  minText: string | null;
  maxText: string | null;
}

/** Min and max of a timestamp or date column, compared exactly in the column's unit, shown as it shows. */
export class RangeStats {
  state: RangeState = { count: 0, nulls: 0, min: null, max: null, minText: null, maxText: null };
  /** Whether the column holds dates (shown without a time of day). */
  readonly dates: boolean;
  /** The column's Parquet annotations (field metadata `PARQUET_TYPE_KEY`), which say how values read. */
  readonly annotations: string | undefined;

  constructor(options: { dates?: boolean; annotations?: string } = {}) {
    this.dates = options.dates ?? false;
    this.annotations = options.annotations;
  }

  addBatch(batch: RecordBatch, name: string): void {
    const data = columnData(batch, name);
    const values = data.values as BigInt64Array;
    let lo = -1, hi = -1;
    for (let i = 0; i < batch.numRows; i++) {
      if (!validAt(data, i)) {
        this.state.nulls++;
        continue;
      }
      this.state.count++;
      if (lo < 0 || values[i] < values[lo]) lo = i;
      if (hi < 0 || values[i] > values[hi]) hi = i;
    }
    if (lo < 0) return;
    // µs and ns timestamps have a formatter that keeps their digits; milliseconds (and dates) are plain.
    const field = batch.schema.fields.find((f) => f.name === name)!;
    const metadata = this.annotations ? new Map([[PARQUET_TYPE_KEY, this.annotations]]) : field.metadata;
    const format = cellFormatter(new Field(name, field.type, true, metadata), data);
    const text = (i: number) =>
      format && !this.dates
        ? format(i)
        : this.dates
        ? formatTimestamp(Number(values[i])).slice(0, 10)
        : formatTimestamp(Number(values[i]));
    this.#fold(values[lo], text(lo), values[hi], text(hi));
  }

  #fold(min: bigint, minText: string, max: bigint, maxText: string): void {
    const s = this.state;
    if (s.min === null || min < s.min) [s.min, s.minText] = [min, minText];
    if (s.max === null || max > s.max) [s.max, s.maxText] = [max, maxText];
  }

  merge(other: RangeState): this {
    this.state.count += other.count;
    this.state.nulls += other.nulls;
    if (other.min !== null) this.#fold(other.min, other.minText!, other.max!, other.maxText!);
    return this;
  }

  summary(): { kind: "time"; count: number; nulls: number; min: string | null; max: string | null } {
    const { count, nulls, minText, maxText } = this.state;
    return { kind: "time", count, nulls, min: minText, max: maxText };
  }
}

export interface BoolState {
  count: number;
  nulls: number;
  true: number;
}

/** True and false counts of a boolean column. */
export class BoolStats {
  state: BoolState = { count: 0, nulls: 0, true: 0 };

  addBatch(data: Data, rows: number): void {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < rows; i++) {
      if (!validAt(data, i)) {
        this.state.nulls++;
        continue;
      }
      this.state.count++;
      const j = i + data.offset;
      if ((bits[j >> 3] & (1 << (j & 7))) !== 0) this.state.true++;
    }
  }

  merge(other: BoolState): this {
    this.state.count += other.count;
    this.state.nulls += other.nulls;
    this.state.true += other.true;
    return this;
  }

  summary(): { kind: "bool"; count: number; nulls: number; true: number; false: number } {
    const { count, nulls } = this.state;
    return { kind: "bool", count, nulls, true: this.state.true, false: count - this.state.true };
  }
}
