/**
 * Exact 64-bit integers without a bigint per row. A double holds integers exactly only up to 2^53, so ids
 * such as 1234567890123456789 (Snowflake, tweet ids) must never pass through `number`: values are compared
 * as their two 32-bit halves (high signed, low unsigned) through an Int32Array view of the BigInt64Array,
 * and summed as two exact double sums (Σhigh and Σlow, each below 2^53 for any batch under 2^21 rows)
 * joined into one bigint per batch. Little-endian, like every platform Deno runs on.
 */
import type { Op } from "./predicate.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 4294967296;

/** A bigint in int64 range as its high (signed) and low (unsigned) 32-bit halves. */
export function halves(v: bigint): { high: number; low: number } {
  return { high: Number(BigInt.asIntN(32, v >> 32n)), low: Number(BigInt.asUintN(32, v)) };
}

/** −1, 0 or 1 as slot `row` of the words is below, equal to or above (high, low). */
export function compareWords(words: Int32Array, row: number, high: number, low: number): number {
  const h = words[2 * row + 1];
  if (h !== high) return h < high ? -1 : 1;
  const l = words[2 * row] >>> 0;
  return l === low ? 0 : l < low ? -1 : 1;
}

/** Whether a comparison result (−1, 0, 1 of value against literal) satisfies `op`. */
export function accepts(op: Op, cmp: number): boolean {
  switch (op) {
    case "=":
      return cmp === 0;
    case "!=":
      return cmp !== 0;
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
  }
}

/**
 * A `--where` literal for an int64 column, made exact: an integer literal as a bigint; a fractional one
 * turned into the equivalent integer bound (`x > 2.5` is `x >= 3`); a bound beyond the int64 range, or a
 * fraction compared for equality, decided once for every row (`always` / `never`).
 */
export type Int64Test =
  | { kind: "compare"; op: Op; value: bigint; high: number; low: number }
  | { kind: "always" }
  | { kind: "never" };

/** Compiles `op literal` for an int64 column; undefined when the literal is not a number. */
export function int64Test(
  op: Op,
  literal: string,
  parseNumber: (s: string) => number | undefined,
): Int64Test | undefined {
  let value: bigint;
  let effective = op;
  if (/^[+-]?\d+$/.test(literal.trim())) value = BigInt(literal.trim());
  else {
    const f = parseNumber(literal);
    if (f === undefined || f !== f) return undefined;
    if (!Number.isFinite(f)) {
      const above = f > 0; // every int64 is below +∞ and above −∞
      const yes = op === "!=" || (above ? op === "<" || op === "<=" : op === ">" || op === ">=");
      return { kind: yes ? "always" : "never" };
    }
    if (Number.isInteger(f)) value = BigInt(f);
    else if (op === "=") return { kind: "never" };
    else if (op === "!=") return { kind: "always" };
    else if (op === "<" || op === "<=") {
      value = BigInt(Math.floor(f));
      effective = "<=";
    } else {
      value = BigInt(Math.ceil(f));
      effective = ">=";
    }
  }
  if (value > INT64_MAX || value < INT64_MIN) {
    const above = value > INT64_MAX; // the literal is above (or below) every value
    const yes = effective === "!=" ||
      (above ? effective === "<" || effective === "<=" : effective === ">" || effective === ">=");
    return { kind: yes ? "always" : "never" };
  }
  return { kind: "compare", op: effective, value, ...halves(value) };
}

/** Exact minimum, maximum and sum of the valid values of an int64 column (null when none is valid). */
export interface Int64Aggregate {
  count: number;
  min: bigint;
  max: bigint;
  sum: bigint;
}

/**
 * Exact count, min, max and sum of slots [0, length) of `words` whose validity bit is set (all when
 * `validity` is null). One pass, no bigint per row.
 */
export function int64Aggregate(
  words: Int32Array,
  length: number,
  validity: Uint8Array | null = null,
  offset = 0,
): Int64Aggregate | null {
  let count = 0;
  let minRow = -1;
  let maxRow = -1;
  let sumHigh = 0;
  let sumLow = 0;
  let total = 0n;
  for (let i = 0; i < length; i++) {
    if (validity !== null) {
      const j = i + offset;
      if ((validity[j >> 3] & (1 << (j & 7))) === 0) continue;
    }
    count++;
    const h = words[2 * i + 1];
    const l = words[2 * i] >>> 0;
    sumHigh += h;
    sumLow += l;
    // Keep both partial sums exact: flush them into the bigint well before 2^53.
    if ((count & 0xfffff) === 0) {
      total += BigInt(sumHigh) * BigInt(TWO_32) + BigInt(sumLow);
      sumHigh = 0;
      sumLow = 0;
    }
    if (minRow < 0 || compareWords(words, i, words[2 * minRow + 1], words[2 * minRow] >>> 0) < 0) minRow = i;
    if (maxRow < 0 || compareWords(words, i, words[2 * maxRow + 1], words[2 * maxRow] >>> 0) > 0) maxRow = i;
  }
  if (count === 0) return null;
  total += BigInt(sumHigh) * BigInt(TWO_32) + BigInt(sumLow);
  const at = (row: number) => (BigInt(words[2 * row + 1]) << 32n) + BigInt(words[2 * row] >>> 0);
  return { count, min: at(minRow), max: at(maxRow), sum: total };
}

/** Combines two exact aggregates. */
export function mergeInt64(a: Int64Aggregate | null, b: Int64Aggregate | null): Int64Aggregate | null {
  if (!a) return b;
  if (!b) return a;
  return {
    count: a.count + b.count,
    min: a.min < b.min ? a.min : b.min,
    max: a.max > b.max ? a.max : b.max,
    sum: a.sum + b.sum,
  };
}
