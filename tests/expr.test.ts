/** lib/ops/expr.ts: `--with` expressions and `--bin` intervals. */
import assert from "node:assert/strict";
import { binCodes, evaluate, exprColumns, parseBin, parseDerived, parseExpr } from "../lib/ops/expr.ts";
import { UsageError } from "../lib/errors.ts";
import { rng } from "./_helpers.ts";

const cols: Record<string, Float64Array> = {
  a: Float64Array.of(1, 2, -3, NaN, 0),
  b: Float64Array.of(4, 0.5, 2, 1, 0),
  "unit price": Float64Array.of(10, 20, 30, 40, 50),
};
const run = (text: string) => evaluate(parseExpr(text), 5, (name) => cols[name]);

Deno.test("expressions follow the usual precedence, with unary minus, parentheses and functions", () => {
  const a = cols.a, b = cols.b;
  const same = (got: Float64Array, want: (i: number) => number) =>
    got.forEach((v, i) => assert.ok(Object.is(v, want(i)), `row ${i}: ${v} vs ${want(i)}`));
  same(run("a + b * 2"), (i) => a[i] + b[i] * 2);
  same(run("(a + b) * 2"), (i) => (a[i] + b[i]) * 2);
  same(run("a - b - 1"), (i) => a[i] - b[i] - 1);
  same(run("2 / b"), (i) => 2 / b[i]);
  same(run("-a * -2"), (i) => -a[i] * -2);
  same(run("1 - a"), (i) => 1 - a[i]);
  same(run("sqrt(abs(a)) * log1p(b)"), (i) => Math.sqrt(Math.abs(a[i])) * Math.log1p(b[i]));
  same(
    run('"unit price" / 1e1 + exp(0) + log(b + 1)'),
    (i) => cols["unit price"][i] / 10 + 1 + Math.log(b[i] + 1),
  );
  // A missing value (NaN) propagates; a division by zero is ±inf or NaN, as pandas.
  assert.ok(Number.isNaN(run("a * b")[3]));
  assert.equal(run("a / b")[0], 0.25);
  assert.ok(Number.isNaN(run("a / b")[4]));
  assert.equal(run("1 / b")[4], Infinity);
});

Deno.test("parseDerived and exprColumns name what an expression reads", () => {
  const d = parseDerived('revenue = price * quantity - "unit fee"');
  assert.equal(d.name, "revenue");
  assert.deepEqual(exprColumns(d.expr), ["price", "quantity", "unit fee"]);
  assert.equal(parseDerived('"net revenue"=x').name, "net revenue");
});

Deno.test("malformed expressions are usage errors that say what is wrong", () => {
  for (
    const [text, pattern] of [
      ["r = a +", /ends too early/],
      ["r = (a + b", /not closed/],
      ["r = a b", /unexpected "b"/],
      ["r = pow(a)", /unknown function pow/],
      ["r = a % b", /unexpected "%"/],
      ["a + b", /takes 'NAME = EXPRESSION'/],
      ["r = ", /empty expression/],
    ] as const
  ) {
    assert.throws(
      () => parseDerived(text),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
      text,
    );
  }
});

Deno.test("bins are right-closed as pd.cut: (e0, e1] …, outside and missing values in none", () => {
  const b = parseBin("price_bin = price: 0,50,200,500,1000 : low,mid,high,premium");
  assert.deepEqual(b, {
    name: "price_bin",
    column: "price",
    edges: [0, 50, 200, 500, 1000],
    labels: ["low", "mid", "high", "premium"],
  });
  const values = Float64Array.of(0, 0.01, 50, 50.01, 200, 200.5, 500, 500.01, 1000, 1000.01, -5, NaN);
  assert.deepEqual([...binCodes(values, b.edges)], [-1, 0, 0, 1, 1, 2, 2, 3, 3, -1, -1, -1]);
  // Without labels, pandas' interval names.
  assert.deepEqual(parseBin("q = quantity: 0, 10, 20").labels, ["(0, 10]", "(10, 20]"]);
});

Deno.test("binCodes agrees with a linear scan on random values and many edges", () => {
  const r = rng(3);
  const edges = [-1e9, ...Array.from({ length: 40 }, (_, i) => i * 2.5), 1e9];
  const values = Float64Array.from({ length: 5000 }, () => (r() - 0.2) * 120);
  values[7] = edges[5]; // an edge itself belongs to the bin it closes
  const got = binCodes(values, edges);
  values.forEach((x, i) => {
    let want = -1;
    for (let k = 0; k + 1 < edges.length; k++) if (x > edges[k] && x <= edges[k + 1]) want = k;
    assert.equal(got[i], want, `value ${x}`);
  });
});

Deno.test("malformed bins are usage errors", () => {
  for (
    const [text, pattern] of [
      ["b = price: 10", /at least two edges/],
      ["b = price: 10, 5", /edges must increase/],
      ["b = price: 0,1,x", /edge "x" is not a number/],
      ["b = price: 0,1,2 : one", /3 edges make 2 bins, got 1 labels/],
      ["b = price: 0,1,2 : a,a", /labels repeat/],
      ["b = price", /takes 'NAME = COLUMN: EDGES/],
    ] as const
  ) {
    assert.throws(
      () => parseBin(text),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
      text,
    );
  }
});
