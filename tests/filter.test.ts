import assert from "node:assert/strict";
import {
  allValid,
  dictionaryData,
  float64Data,
  int32Data,
  int64Data,
  makeBatch,
  setNull,
  timestampData,
} from "../lib/batch.ts";
import { UsageError } from "../lib/errors.ts";
import { RowFilter } from "../lib/ops/filter.ts";
import { parsePredicate } from "../lib/ops/predicate.ts";

const nulls = allValid(6);
setNull(nulls, 5);
const batch = makeBatch([
  { name: "cat", data: dictionaryData(new Int32Array([0, 1, 2, 0, 1, 0]), ["Home", "Food", "Electronics"]) },
  { name: "price", data: float64Data(new Float64Array([10, 250.5, 999.99, 50, 0.5, 700]), nulls) },
  { name: "qty", data: int32Data(new Int32Array([1, 2, 3, 4, 5, 6])) },
  {
    name: "ts",
    data: timestampData(BigInt64Array.from([0, 1, 2, 3, 4, 5], (d) => BigInt(Date.UTC(2020, 0, 1 + d)))),
  },
]);
const rows = (
  ...where: string[]
) => [...new RowFilter(where.map(parsePredicate), batch.schema).select(batch)];

Deno.test("RowFilter selects rows by string, number and timestamp predicates, ANDed", () => {
  assert.deepEqual(rows("cat = Home"), [0, 3, 5]);
  assert.deepEqual(rows("cat != Home"), [1, 2, 4]);
  assert.deepEqual(rows("price > 100"), [1, 2]); // row 5 is null: never matches
  assert.deepEqual(rows("price <= 50"), [0, 3, 4]);
  assert.deepEqual(rows("qty >= 4", "cat = Home"), [3, 5]);
  assert.deepEqual(rows("ts < 2020-01-03"), [0, 1]);
  assert.deepEqual(rows("ts = 2020-01-04 00:00:00"), [3]);
  assert.deepEqual(rows("price != 10"), [1, 2, 3, 4]);
});

Deno.test("RowFilter rejects unknown columns (listing the real ones) and literals of the wrong type", () => {
  assert.throws(
    () => rows("colour = red"),
    (e: unknown) => e instanceof UsageError && /available: cat, price, qty, ts/.test(e.message),
  );
  assert.throws(() => rows("price > cheap"), /is numeric, "cheap" is not a number/);
  assert.throws(() => rows("ts > yesterday"), /is a timestamp/);
});

const BIG = [
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 53n + 2n,
  1234567890123456789n,
  9223372036854775807n,
  -9223372036854775808n,
  -(2n ** 53n) - 1n,
  7n,
];
const ids = makeBatch([{ name: "id", data: int64Data(BigInt64Array.from(BIG)) }]);

/** The ids a predicate keeps, computed exactly with bigints: the oracle. */
function expected(op: string, literal: bigint): bigint[] {
  const cmp = (x: bigint) => (x < literal ? -1 : x > literal ? 1 : 0);
  const ok: Record<string, (c: number) => boolean> = {
    "=": (c) => c === 0,
    "!=": (c) => c !== 0,
    "<": (c) => c < 0,
    "<=": (c) => c <= 0,
    ">": (c) => c > 0,
    ">=": (c) => c >= 0,
  };
  return BIG.filter((x) => ok[op](cmp(x)));
}

Deno.test("int64 predicates are exact at 2^53 ± 1 and up to the int64 limits (no rounding through doubles)", () => {
  for (
    const literal of [
      2n ** 53n,
      2n ** 53n + 1n,
      1234567890123456789n,
      9223372036854775807n,
      -(2n ** 53n) - 1n,
    ]
  ) {
    for (const op of ["=", "!=", "<", "<=", ">", ">="]) {
      const filter = new RowFilter([parsePredicate(`id ${op} ${literal}`)], ids.schema);
      const kept = [...filter.select(ids)].map((i) => BIG[i]);
      assert.deepEqual(kept, expected(op, literal), `id ${op} ${literal}`);
    }
  }
  // Fractions and literals beyond the int64 range become exact bounds.
  const keep = (w: string) =>
    [...new RowFilter([parsePredicate(w)], ids.schema).select(ids)].map((i) => BIG[i]);
  assert.deepEqual(keep("id > 6.5"), BIG.filter((x) => x >= 7n));
  assert.deepEqual(keep("id = 6.5"), []);
  assert.deepEqual(keep("id < 99999999999999999999"), BIG);
  assert.deepEqual(keep("id > 99999999999999999999"), []);
});

Deno.test("int64 predicates on raw CSV text are exact too (late materialisation)", () => {
  const filter = new RowFilter([parsePredicate(`id = ${2n ** 53n + 1n}`)], ids.schema);
  const [raw] = filter.rawPredicates();
  const test = (s: string) => raw.test(s, 0, s.length);
  assert.equal(test(String(2n ** 53n + 1n)), true);
  assert.equal(test(String(2n ** 53n)), false);
  assert.equal(test(String(2n ** 53n + 2n)), false);
  const small = new RowFilter([parsePredicate("id >= 7")], ids.schema).rawPredicates()[0];
  assert.equal(small.test("7", 0, 1), true);
  assert.equal(small.test("6", 0, 1), false);
  assert.equal(small.test("9223372036854775807", 0, 19), true);
});

Deno.test("mayMatch rules a range out only when no value in it could pass (oracle: select on values across the range)", () => {
  const filterOf = (w: string) => new RowFilter([parsePredicate(w)], batch.schema);
  const range = (min: number, max: number) => new Map([["price", { min, max }], ["qty", { min, max }]]);
  // Every value from min to max in steps of 0.25: a range may match exactly when one of them passes.
  const values = (min: number, max: number) =>
    Array.from({ length: (max - min) * 4 + 1 }, (_, i) => min + i / 4);
  for (const op of ["=", "!=", "<", "<=", ">", ">="]) {
    for (const literal of [5, 10, 10.5, 20, 30]) {
      for (const [min, max] of [[10, 20], [0, 5], [20, 30], [10, 10], [21, 29]]) {
        const f = filterOf(`price ${op} ${literal}`);
        const probe = makeBatch([{ name: "price", data: float64Data(Float64Array.from(values(min, max))) }]);
        const some =
          new RowFilter([parsePredicate(`price ${op} ${literal}`)], probe.schema).select(probe).length > 0;
        if (!some) {
          assert.equal(
            f.mayMatch(range(min, max)),
            op === "!=",
            `price ${op} ${literal} in [${min}, ${max}]`,
          );
        } else assert.ok(f.mayMatch(range(min, max)), `price ${op} ${literal} in [${min}, ${max}] may match`);
      }
    }
  }
  // No range, a NaN bound, a text column: never ruled out; ANDed predicates: any one rules out.
  assert.ok(filterOf("price > 100").mayMatch(new Map()));
  assert.ok(filterOf("price > 100").mayMatch(range(NaN, 50)));
  assert.ok(filterOf("cat = Home").mayMatch(range(0, 1)));
  const both = new RowFilter(["price > 5", "qty < 3"].map(parsePredicate), batch.schema);
  assert.equal(both.mayMatch(range(10, 20)), false);
  // Timestamps in milliseconds.
  const day = (d: number) => Date.UTC(2020, 0, d);
  const ts = (min: number, max: number) => new Map([["ts", { min, max }]]);
  assert.equal(filterOf("ts < 2020-01-03").mayMatch(ts(day(3), day(9))), false);
  assert.ok(filterOf("ts < 2020-01-03").mayMatch(ts(day(2), day(9))));
  assert.equal(filterOf("ts >= 2020-02-01").mayMatch(ts(day(3), day(31))), false);
});
