import assert from "node:assert/strict";
import { UsageError } from "../lib/errors.ts";
import { compare, parsePredicate } from "../lib/ops/predicate.ts";

Deno.test("parsePredicate reads column, operator and value, with optional quotes", () => {
  assert.deepEqual(parsePredicate("category = Electronics"), {
    column: "category",
    op: "=",
    value: "Electronics",
  });
  assert.deepEqual(parsePredicate("price>=100.5"), { column: "price", op: ">=", value: "100.5" });
  assert.deepEqual(parsePredicate(`name != "Home & Garden"`), {
    column: "name",
    op: "!=",
    value: "Home & Garden",
  });
  assert.throws(() => parsePredicate("price ~ 3"), UsageError);
  assert.throws(() => parsePredicate("price >"), UsageError);
});

Deno.test("compare applies each operator", () => {
  assert.ok(compare(3, "<", 4) && compare(4, "<=", 4) && compare(5, ">", 4) && compare(4, ">=", 4));
  assert.ok(compare("a", "=", "a") && compare("a", "!=", "b") && !compare("b", "<", "a"));
});
