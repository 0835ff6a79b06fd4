/** lib/ops/group.ts: group-by aggregation, against a direct two-pass computation. */
import assert from "node:assert/strict";
import {
  allValid,
  boolData,
  dictionaryData,
  float64Data,
  int32Data,
  int64Data,
  makeBatch,
  setNull,
  timestampData,
} from "../lib/batch.ts";
import { type AggSpec, aggTableBatch, GroupAggregator, specColumns } from "../lib/ops/group.ts";
import { parseBin, parseDerived } from "../lib/ops/expr.ts";
import { UsageError } from "../lib/errors.ts";
import { rng } from "./_helpers.ts";

const CATEGORIES = ["Food", "Home", "Sports", "Électronique"];

/** A batch of `n` random rows: category (dictionary, some null), store (int32), member (bool), price, qty. */
function randomBatch(r: () => number, n: number) {
  const codes = new Int32Array(n),
    store = new Int32Array(n),
    price = new Float64Array(n),
    qty = new Int32Array(n);
  const bits = new Uint8Array((n + 7) >> 3);
  const catNulls = allValid(n), priceNulls = allValid(n);
  let catNullCount = 0, priceNullCount = 0;
  for (let i = 0; i < n; i++) {
    codes[i] = Math.floor(r() * CATEGORIES.length);
    if (r() < 0.05) {
      setNull(catNulls, i);
      catNullCount++;
    }
    store[i] = Math.floor(r() * 3) + 1;
    if (r() < 0.5) bits[i >> 3] |= 1 << (i & 7);
    price[i] = Math.round((r() * 1100 - 50) * 100) / 100;
    if (r() < 0.04) {
      setNull(priceNulls, i);
      priceNullCount++;
    }
    qty[i] = Math.floor(r() * 40);
  }
  return makeBatch([
    { name: "category", data: dictionaryData(codes, CATEGORIES, catNulls, catNullCount) },
    { name: "store", data: int32Data(store) },
    { name: "member", data: boolData(bits, n) },
    { name: "price", data: float64Data(price, priceNulls, priceNullCount) },
    { name: "qty", data: int32Data(qty) },
  ]);
}

const SPEC: AggSpec = {
  derived: [parseDerived("revenue = price * qty")],
  bins: [parseBin("band = price: 0,100,500,1000 : low,mid,high")],
  by: ["category", "band", "member"],
  aggregates: [
    { fn: "count", column: null },
    { fn: "sum", column: "revenue" },
    { fn: "mean", column: "revenue" },
    { fn: "min", column: "price" },
    { fn: "max", column: "price" },
    { fn: "std", column: "revenue" },
    { fn: "var", column: "price" },
    { fn: "count", column: "price" },
  ],
};

/** The same table by brute force: rows collected per group, then exact two-pass statistics. */
function reference(batches: ReturnType<typeof randomBatch>[], dropNull = false) {
  const groups = new Map<string, { key: unknown[]; rows: number; revenue: number[]; price: number[] }>();
  for (const b of batches) {
    for (const row of b.toArray()) {
      const { category, member, price, qty } = row.toJSON() as Record<
        string,
        number | string | boolean | null
      >;
      const p = price as number | null;
      const band = p === null || !(p > 0) || p > 1000 ? null : p <= 100 ? "low" : p <= 500 ? "mid" : "high";
      const key = [category, band, member];
      if (dropNull && key.includes(null)) continue;
      const text = JSON.stringify(key);
      const g = groups.get(text) ?? { key, rows: 0, revenue: [], price: [] };
      groups.set(text, g);
      g.rows++;
      if (p !== null) {
        g.price.push(p);
        g.revenue.push(p * (qty as number));
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = (xs: number[]) => {
    const m = mean(xs);
    return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
  };
  return [...groups.values()].map((g) => ({
    key: g.key,
    values: [
      g.rows,
      g.revenue.reduce((s, x) => s + x, 0),
      g.revenue.length ? mean(g.revenue) : null,
      g.price.length ? Math.min(...g.price) : null,
      g.price.length ? Math.max(...g.price) : null,
      g.revenue.length > 1 ? Math.sqrt(variance(g.revenue)) : null,
      g.price.length > 1 ? variance(g.price) : null,
      g.price.length,
    ],
  }));
}

function assertClose(got: unknown, want: unknown, what: string) {
  if (want === null || got === null || typeof want !== "number") return assert.equal(got, want, what);
  const scale = Math.max(1, Math.abs(want));
  assert.ok(Math.abs((got as number) - want) <= 1e-10 * scale, `${what}: ${got} vs ${want}`);
}

Deno.test("groups equal a brute-force two-pass computation: counts, min and max exactly, the rest to 1e-10", () => {
  const r = rng(11);
  const batches = [randomBatch(r, 3000), randomBatch(r, 1), randomBatch(r, 2500)];
  const groups = new GroupAggregator(SPEC);
  for (const b of batches) groups.addBatch(b);
  const table = groups.result();
  assert.deepEqual(table.columns, [
    "category",
    "band",
    "member",
    "count",
    "revenue_sum",
    "revenue_mean",
    "price_min",
    "price_max",
    "revenue_std",
    "price_var",
    "price_count",
  ]);
  const want = reference(batches);
  assert.equal(table.rows.length, want.length);
  for (const row of table.rows) {
    const w = want.find((x) => JSON.stringify(x.key) === JSON.stringify(row.slice(0, 3)));
    assert.ok(w, `group ${JSON.stringify(row.slice(0, 3))}`);
    w.values.forEach((v, i) => assertClose(row[3 + i], v, `${table.columns[3 + i]} of ${row.slice(0, 3)}`));
  }
  // Sorted by the keys: text in code-unit order, bins in their labels' order, false before true, nulls last.
  const rank = (row: unknown[]) => [
    row[0] === null ? 99 : CATEGORIES.slice().sort().indexOf(row[0] as string),
    row[1] === null ? 99 : ["low", "mid", "high"].indexOf(row[1] as string),
    row[2] ? 1 : 0,
  ];
  const ranks = table.rows.map(rank).map((k) => k[0] * 10_000 + k[1] * 10 + k[2]);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
  assert.equal(table.rows.at(-1)![0], null);
});

Deno.test("partials merged in order give the same bits however they travel; any split agrees to 1e-12", () => {
  const r = rng(12);
  const batches = Array.from({ length: 6 }, () => randomBatch(r, 700));
  const whole = new GroupAggregator(SPEC);
  for (const b of batches) whole.addBatch(b);
  const parts = batches.map((b) => {
    const g = new GroupAggregator(SPEC);
    g.addBatch(b);
    return structuredClone(g.toPartial()); // as a worker's reply arrives
  });
  const merged = new GroupAggregator(SPEC);
  for (const p of parts) merged.merge(p);
  const again = new GroupAggregator(SPEC);
  for (const p of parts) again.merge(structuredClone(p));
  assert.deepEqual(again.result(), merged.result(), "same partials, same order: same bits");
  const a = whole.result(), b = merged.result();
  assert.equal(a.rows.length, b.rows.length);
  a.rows.forEach((row, i) => row.forEach((v, j) => assertClose(b.rows[i][j], v, `${a.columns[j]} row ${i}`)));
});

Deno.test("dropNullKeys drops rows with a null key, as pandas' groupby does", () => {
  const r = rng(13);
  const batches = [randomBatch(r, 2000)];
  const groups = new GroupAggregator({ ...SPEC, dropNullKeys: true });
  groups.addBatch(batches[0]);
  const table = groups.result();
  assert.ok(table.rows.every((row) => !row.slice(0, 3).includes(null)));
  assert.equal(table.rows.length, reference(batches, true).length);
  assert.equal(
    table.rows.reduce((s, row) => s + (row[3] as number), 0),
    reference(batches, true).reduce((s, g) => s + (g.values[0] as number), 0),
  );
});

Deno.test("int64, timestamp and number keys group by value; the table becomes a typed batch", () => {
  const ids = BigInt64Array.of(2n ** 60n, 5n, 2n ** 60n, 5n, 7n);
  const when = BigInt64Array.of(0n, 86_400_000n, 0n, 0n, 86_400_000n);
  const x = Float64Array.of(1, 2, 3, 4, 5);
  const batch = makeBatch([
    { name: "id", data: int64Data(ids) },
    { name: "day", data: timestampData(when) },
    { name: "x", data: float64Data(x) },
  ]);
  const spec: AggSpec = {
    derived: [],
    bins: [],
    by: ["id"],
    aggregates: [{ fn: "sum", column: "x" }, { fn: "count", column: null }],
  };
  const g = new GroupAggregator(spec);
  g.addBatch(batch);
  assert.deepEqual(g.result().rows, [[5n, 6, 2], [7n, 5, 1], [2n ** 60n, 4, 2]]);
  const byDay = new GroupAggregator({ ...spec, by: ["day"] });
  byDay.addBatch(batch);
  assert.deepEqual(byDay.result().rows, [["1970-01-01 00:00:00", 8, 3], ["1970-01-02 00:00:00", 7, 2]]);
  const out = aggTableBatch(g.result(), spec);
  assert.deepEqual(out.schema.fields.map((f) => String(f.type)), ["Int64", "Float64", "Int64"]);
  assert.deepEqual(out.toArray().map((row) => row.toJSON()), [
    { id: 5n, x_sum: 6, count: 2n },
    { id: 7n, x_sum: 5, count: 1n },
    { id: 2n ** 60n, x_sum: 4, count: 2n },
  ]);
});

Deno.test("specColumns reads only what the spec needs and names what is wrong", () => {
  const kinds = { category: "string", price: "float64", qty: "int32", day: "timestamp" } as const;
  assert.deepEqual(specColumns(SPEC, { ...kinds, member: "bool" }), ["price", "qty", "category", "member"]);
  const bad = (change: Partial<AggSpec>, pattern: RegExp) =>
    assert.throws(
      () => specColumns({ ...SPEC, by: ["category"], ...change }, kinds),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
    );
  bad({ by: ["nope"] }, /--by: no column "nope"/);
  bad({ aggregates: [{ fn: "sum", column: "category" }] }, /--sum category: column "category" is string/);
  bad({ aggregates: [{ fn: "mean", column: "band" }] }, /"band" is a bin \(text\), not a number/);
  bad({ derived: [parseDerived("price = qty * 2")] }, /"price" is already a column/);
  bad({ by: ["category", "category"] }, /--by names a column twice/);
  bad({ derived: [parseDerived("r = price * nope")] }, /--with r: no column "nope"/);
  // count takes any column, text included.
  assert.deepEqual(
    specColumns({ ...SPEC, by: ["category"], aggregates: [{ fn: "count", column: "day" }] }, kinds),
    [
      "price",
      "qty",
      "category",
      "day",
    ],
  );
});

Deno.test("the compiled kernel gives the same bits as the general path, nulls, bins and every aggregate included", () => {
  const r = rng(21);
  for (const dropNullKeys of [false, true]) {
    const spec: AggSpec = {
      ...SPEC,
      derived: [...SPEC.derived, parseDerived("score = sqrt(abs(price)) * log1p(qty) - 1 / (qty + 0.5)")],
      aggregates: [...SPEC.aggregates, { fn: "mean", column: "score" }, { fn: "std", column: "score" }],
      dropNullKeys,
    };
    const compiled = new GroupAggregator(spec);
    const general = new GroupAggregator(spec, { compiled: false });
    for (const n of [5000, 1, 70_000, 0, 300]) {
      const batch = randomBatch(r, n);
      compiled.addBatch(batch);
      general.addBatch(batch);
    }
    assert.deepEqual(compiled.result(), general.result(), `dropNullKeys ${dropNullKeys}`);
    assert.deepEqual(compiled.toPartial(), general.toPartial());
  }
});

Deno.test("count takes text columns too; many groups grow the kernel's slots", () => {
  const n = 3000;
  const ids = Int32Array.from({ length: n }, (_, i) => i % 1500);
  const nulls = allValid(n);
  setNull(nulls, 7);
  const batch = makeBatch([
    { name: "id", data: int32Data(ids) },
    {
      name: "tag",
      data: dictionaryData(Int32Array.from({ length: n }, (_, i) => i % 2), ["a", "b"], nulls, 1),
    },
  ]);
  const spec: AggSpec = {
    derived: [],
    bins: [],
    by: ["id"],
    aggregates: [{ fn: "count", column: "tag" }, { fn: "count", column: null }],
  };
  for (const compiled of [true, false]) {
    const g = new GroupAggregator(spec, { compiled });
    g.addBatch(batch);
    const rows = g.result().rows;
    assert.equal(rows.length, 1500);
    assert.deepEqual(rows[7], [7, 1, 2]);
    assert.deepEqual(rows[8], [8, 2, 2]);
  }
});
