import assert from "node:assert/strict";
import {
  allValid,
  dictionaryData,
  float64Data,
  int32Data,
  makeBatch,
  setNull,
  timestampData,
} from "../lib/batch.ts";
import { UsageError } from "../lib/errors.ts";
import { RowFilter } from "../lib/filter.ts";
import { parsePredicate } from "../lib/predicate.ts";

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
