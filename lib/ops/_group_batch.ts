/**
 * The general (reference) path of `GroupAggregator.addBatch` and the pieces both paths share: key columns as
 * codes, key combinations numbered into a batch's slots, value columns folded into per-slot states, and the
 * columns as the compiled kernel (./_kernel.ts) reads them.
 */
import { type RecordBatch, Type } from "apache-arrow";
import { columnData, float64Slice, float64Values, kindOf } from "../batch.ts";
import { formatTimestamp } from "../values.ts";
import type { Bin } from "./expr.ts";
import type { KeyValue } from "./group.ts";
import { COMP, COUNT, M2, MAX, MEAN, MIN, SHIFT, STATE, SUM } from "./_kernel.ts";

/** A batch's keys: per key column, each row's code (−1: null) and each code's value. */
export interface BatchKey {
  codes: Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
  values: KeyValue[];
  /** Bit-mask validity of `codes` (dictionary columns), or null. */
  validity: { bitmap: Uint8Array; offset: number } | null;
}

/** Codes for a numeric key column (NaN: null). */
export function numberKey(values: Float64Array): BatchKey {
  const codes = new Int32Array(values.length);
  const out: KeyValue[] = [];
  const seen = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) {
      codes[i] = -1;
      continue;
    }
    let code = seen.get(v);
    if (code === undefined) {
      seen.set(v, code = out.length);
      out.push(v === 0 ? 0 : v); // −0 groups with 0
    }
    codes[i] = code;
  }
  return { codes, values: out, validity: null };
}

/** Dense tables up to this many key combinations; a map beyond. */
export const DENSE_SLOTS = 1 << 20;
/** Rows a slice of a batch holds while it is aggregated (its scratch arrays then fit in the CPU's cache). */
export const SLICE_ROWS = 1 << 16;
export const EMPTY_CODES = new Int32Array(0);

/** A key column of a batch as `addBatch` uses it: a bin coded per slice, or codes for every row. */
export interface PreparedKey extends BatchKey {
  bin: Bin | null;
}

/** The key codes (−1: null) of a mixed-radix combination. */
export function decodeCombination(combination: number, radix: readonly number[]): number[] {
  const out = new Array<number>(radix.length);
  let c = combination;
  for (let k = radix.length - 1; k >= 0; k--) {
    out[k] = (c % radix[k]) - 1;
    c = Math.floor(c / radix[k]);
  }
  return out;
}

/**
 * A value column's rows [start, end) as numbers, missing ones NaN: numeric and timestamp columns as
 * `float64Slice` gives them; any other column (counted, never summed) as 0 where present.
 */
export function valuesOf(batch: RecordBatch, name: string, start: number, end: number): Float64Array {
  const data = columnData(batch, name);
  const kind = kindOf(data.type);
  // Numbers, and timestamps as their units since the epoch (their min and max).
  if (kind === "float64" || kind === "int32" || kind === "int64" || kind === "timestamp") {
    return float64Slice(batch, name, start, end);
  }
  const out = new Float64Array(end - start);
  if (data.nullCount && data.nullBitmap?.length) {
    for (let i = 0; i < out.length; i++) {
      const j = start + i + data.offset;
      if ((data.nullBitmap[j >> 3] & (1 << (j & 7))) === 0) out[i] = NaN;
    }
  }
  return out;
}

/** A column as the kernel reads it: float64 and int32 values as they are when none is null. */
export function kernelNumbers(batch: RecordBatch, name: string): ArrayLike<number> {
  const data = columnData(batch, name);
  const values = data.values;
  if (!data.nullCount && (values instanceof Float64Array || values instanceof Int32Array)) {
    return values.length === batch.numRows ? values : values.subarray(0, batch.numRows);
  }
  return valuesOf(batch, name, 0, batch.numRows);
}

/** `n` states (count 0, min +∞, max −∞) for one value column. */
export function freshStates(n: number): Float64Array {
  const s = new Float64Array(n * STATE);
  for (let k = 0; k < n; k++) {
    s[k * STATE + MIN] = Infinity;
    s[k * STATE + MAX] = -Infinity;
  }
  return s;
}

/** `array` (of `width` numbers per slot) with room for `capacity` slots, new ones fresh. */
export function grow(array: Float64Array, capacity: number, width: number): Float64Array {
  const out = width === STATE ? freshStates(capacity) : new Float64Array(capacity * width);
  out.set(array);
  return out;
}

/**
 * The key combinations of one batch, numbered in order of first appearance (slots): rows get theirs slice by
 * slice. A combination is a mixed-radix number over the key codes (code + 1, 0 for null), built one key at a
 * time in its own loop (one loop over rows and keys, with a branch per key, cost 13 % of the lab's pipeline);
 * a dense table maps it to its slot up to `DENSE_SLOTS` combinations, a map beyond, text past 2^31.
 */
export class BatchSlots {
  readonly radix: number[];
  readonly dropNull: boolean;
  readonly #combinations: number;
  #dense: Int32Array | null = null;
  #sparse: Map<number | string, number> | null = null;
  /** Each slot's combination (number or codes text). */
  #keyOf: (number | string)[] = [];

  constructor(radix: number[], dropNull: boolean) {
    this.radix = radix;
    this.dropNull = dropNull;
    this.#combinations = radix.reduce((p, r) => p * r, 1);
    if (this.#combinations <= DENSE_SLOTS) this.#dense = new Int32Array(this.#combinations).fill(-1);
    else this.#sparse = new Map();
  }

  get count(): number {
    return this.#keyOf.length;
  }

  /** A slot's key codes (−1: null). */
  codes(slot: number): number[] {
    const key = this.#keyOf[slot];
    if (typeof key === "string") return key.split(",").slice(0, -1).map(Number);
    return decodeCombination(key, this.radix);
  }

  /** The slot of each of the `rows` rows of a slice (−1: dropped). */
  assign(keys: BatchKey[], rows: number): Int32Array {
    const slotOf = new Int32Array(rows);
    if (this.#combinations > 2 ** 31) return this.#assignByText(keys, rows, slotOf);
    // slotOf holds each row's combination first (−1: dropped), then its slot.
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      const radix = this.radix[k];
      const codes = key.codes;
      for (let i = 0; i < rows; i++) {
        const c = slotOf[i];
        if (c >= 0) slotOf[i] = c * radix + codes[i] + 1;
      }
      if (key.validity !== null) {
        const { bitmap, offset } = key.validity;
        for (let i = 0; i < rows; i++) {
          const j = i + offset;
          if ((bitmap[j >> 3] & (1 << (j & 7))) !== 0 || slotOf[i] < 0) continue;
          // A null key: digit 0 for this key (its code ignored), or the row dropped.
          slotOf[i] = this.dropNull ? -1 : slotOf[i] - codes[i] - 1;
        }
      }
      if (this.dropNull) {
        for (let i = 0; i < rows; i++) if (codes[i] < 0) slotOf[i] = -1;
      }
    }
    const dense = this.#dense;
    if (dense) {
      for (let i = 0; i < rows; i++) {
        const c = slotOf[i];
        if (c < 0) continue;
        let slot = dense[c];
        if (slot < 0) dense[c] = slot = this.#keyOf.push(c) - 1;
        slotOf[i] = slot;
      }
    } else {
      const sparse = this.#sparse!;
      for (let i = 0; i < rows; i++) {
        const c = slotOf[i];
        if (c < 0) continue;
        let slot = sparse.get(c);
        if (slot === undefined) sparse.set(c, slot = this.#keyOf.push(c) - 1);
        slotOf[i] = slot;
      }
    }
    return slotOf;
  }

  /** `assign` for key combinations too many to number: each row's codes as text. */
  #assignByText(keys: BatchKey[], rows: number, slotOf: Int32Array): Int32Array {
    const sparse = this.#sparse!;
    for (let i = 0; i < rows; i++) {
      let text = "";
      let dropped = false;
      for (const key of keys) {
        let code = key.codes[i];
        if (key.validity !== null) {
          const j = i + key.validity.offset;
          if ((key.validity.bitmap[j >> 3] & (1 << (j & 7))) === 0) code = -1;
        }
        if (code < 0 && this.dropNull) {
          dropped = true;
          break;
        }
        text += `${code < 0 ? -1 : code},`;
      }
      if (dropped) {
        slotOf[i] = -1;
        continue;
      }
      let slot = sparse.get(text);
      if (slot === undefined) sparse.set(text, slot = this.#keyOf.push(text) - 1);
      slotOf[i] = slot;
    }
    return slotOf;
  }
}

/** One slice of a value column folded into its per-slot states (NaN values skipped). */
export function foldColumn(
  values: Float64Array,
  slotOf: Int32Array,
  s: Float64Array,
  wants: { sum: boolean; range: boolean; moments: boolean },
): void {
  const { sum, range, moments } = wants;
  const rows = values.length;
  if (sum && !range && !moments) {
    // Counts and compensated sums only (sum, mean, count: the lab's aggregates), the branch-free loop.
    for (let i = 0; i < rows; i++) {
      const slot = slotOf[i];
      const x = values[i];
      if (slot < 0 || x !== x) continue;
      const at = slot * STATE;
      s[at + COUNT]++;
      const total = s[at + SUM];
      const t = total + x;
      s[at + COMP] += Math.abs(total) >= Math.abs(x) ? (total - t) + x : (x - t) + total;
      s[at + SUM] = t;
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const slot = slotOf[i];
    if (slot < 0) continue;
    const x = values[i];
    if (x !== x) continue;
    const at = slot * STATE;
    const n = ++s[at + COUNT];
    if (sum) {
      const total = s[at + SUM];
      const t = total + x;
      s[at + COMP] += Math.abs(total) >= Math.abs(x) ? (total - t) + x : (x - t) + total;
      s[at + SUM] = t;
    }
    if (range) {
      if (x < s[at + MIN]) s[at + MIN] = x;
      if (x > s[at + MAX]) s[at + MAX] = x;
    }
    if (moments) {
      if (n === 1) s[at + SHIFT] = x;
      const y = x - s[at + SHIFT];
      const delta = y - s[at + MEAN];
      s[at + MEAN] += delta / n;
      s[at + M2] += delta * (y - s[at + MEAN]);
    }
  }
}

/** A source key column of a batch as codes (−1: null) and values: dictionary indices as they are, other
 * columns coded here in one pass. */
export function sourceKey(batch: RecordBatch, name: string): BatchKey {
  const data = columnData(batch, name);
  const validity = data.nullCount && data.nullBitmap?.length
    ? { bitmap: data.nullBitmap, offset: data.offset }
    : null;
  if (data.typeId === Type.Dictionary) {
    const codes = (data.values as BatchKey["codes"]).subarray(0, batch.numRows);
    return { codes, values: (data.dictionary?.toArray() ?? []) as string[], validity };
  }
  const kind = kindOf(data.type);
  if (kind === "float64" || kind === "int32") return numberKey(float64Values(batch, name));
  // Other kinds (int64, timestamps, booleans, plain strings): through the column's own accessor.
  const vector = batch.getChild(name)!;
  const codes = new Int32Array(batch.numRows);
  const values: KeyValue[] = [];
  const seen = new Map<unknown, number>();
  for (let i = 0; i < batch.numRows; i++) {
    let v = vector.get(i) as KeyValue;
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    if (kind === "timestamp") v = formatTimestamp(Number(v));
    let code = seen.get(v);
    if (code === undefined) {
      seen.set(v, code = values.length);
      values.push(v);
    }
    codes[i] = code;
  }
  return { codes, values, validity: null };
}
