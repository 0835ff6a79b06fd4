/**
 * lib/ops/describe.ts (text, time and boolean accumulators) and lib/exercises/describe.ts (`stats PATH`
 * without --column): against direct counts, DuckDB's footer statistics, and `stats --column`'s numbers.
 */
import assert from "node:assert/strict";
import Papa from "papaparse";
import { boolData, dictionaryData, makeBatch } from "../lib/batch.ts";
import { EXACT_DISTINCT, hllEstimate, TextStats } from "../lib/ops/describe.ts";
import { describeAll } from "../lib/exercises/describe.ts";
import { parallelStats } from "../lib/exercises/ex2_stats.ts";
import { rng, runCli } from "./_helpers.ts";

/** Text data for TextStats: a dictionary column over `values` (all valid). */
function textData(values: string[]) {
  const dictionary = [...new Set(values)];
  const index = new Map(dictionary.map((v, i) => [v, i]));
  return dictionaryData(Int32Array.from(values, (v) => index.get(v)!), dictionary);
}

Deno.test("text statistics are exact below the bound: counts, distinct, lengths in characters, top values", () => {
  const values = ["Food", "Home", "Food", "😀x", "Home", "Food", "é", "zz", "zz", "a"];
  const s = new TextStats();
  s.addBatch(textData(values.slice(0, 4)), 4);
  s.addBatch(textData(values.slice(4)), 6);
  const sum = s.summary(3);
  assert.deepEqual(sum, {
    kind: "text",
    count: 10,
    nulls: 0,
    distinct: 6,
    exact: true,
    min_length: 1,
    max_length: 4,
    top: [{ value: "Food", count: 3 }, { value: "Home", count: 2 }, { value: "zz", count: 2 }],
  });
  // Merged from two halves, through structured cloning (as from workers): the same summary.
  const a = new TextStats(), b = new TextStats();
  a.addBatch(textData(values.slice(0, 5)), 5);
  b.addBatch(textData(values.slice(5)), 5);
  const merged = new TextStats().merge(structuredClone(a.toJSON())).merge(structuredClone(b.toJSON()));
  assert.deepEqual(merged.summary(3), sum);
});

Deno.test("beyond the bound: a HyperLogLog estimate within 3 % and frequent values as lower bounds", () => {
  const r = rng(5);
  const distinct = EXACT_DISTINCT * 3;
  const heavy = ["alpha", "beta", "gamma"];
  const truth = new Map<string, number>();
  const parts = [new TextStats(), new TextStats(), new TextStats()];
  let rows = 0;
  for (let p = 0; p < parts.length; p++) {
    const values: string[] = [];
    for (let i = p * distinct / 3; i < (p + 1) * distinct / 3; i++) {
      values.push(`id-${i}`);
      if (r() < 0.3) values.push(heavy[Math.floor(r() * 3)]);
    }
    for (const v of values) truth.set(v, (truth.get(v) ?? 0) + 1);
    rows += values.length;
    parts[p].addBatch(textData(values), values.length);
  }
  const all = new TextStats();
  for (const p of parts) all.merge(structuredClone(p.toJSON()));
  const s = all.summary();
  assert.equal(s.exact, false);
  assert.equal(s.count, rows);
  assert.ok(Math.abs(s.distinct - truth.size) / truth.size < 0.03, `${s.distinct} vs ${truth.size}`);
  assert.deepEqual(s.top.slice(0, 3).map((t) => t.value).sort(), heavy);
  for (const t of s.top.slice(0, 3)) {
    const n = truth.get(t.value)!;
    assert.ok(t.count <= n && t.count >= n - rows / 1001, `${t.value}: ${t.count} vs ${n}`);
  }
});

Deno.test("hllEstimate counts small sets by linear counting, nearly exactly", () => {
  const s = new TextStats();
  const values = Array.from({ length: EXACT_DISTINCT + 1 }, (_, i) => `v${i}`);
  s.addBatch(textData(values), values.length);
  const state = s.toJSON();
  assert.equal(state.exact, false);
  assert.ok(Math.abs(hllEstimate(state.hll!) - values.length) / values.length < 0.02);
});

Deno.test("stats without --column describes every column: DuckDB's footer min/max, booleans, others", async () => {
  const r = await runCli(["stats", "fixtures/duckdb_types.parquet", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const { columns } = JSON.parse(r.stdout);
  const footer = JSON.parse((await runCli(["inspect", "fixtures/duckdb_types.parquet", "--json"])).stdout)
    .row_groups[0].columns;
  for (const name of ["ts_us", "ts_ns", "t", "d"]) {
    assert.equal(columns[name].kind, "time", name);
    assert.equal(columns[name].min, footer[name].min, name);
    assert.equal(columns[name].max, footer[name].max, name);
  }
  assert.equal(columns.id.kind, "number");
  assert.equal(columns.id.sum, 190);
  assert.equal(columns.dec38.kind, "text");
  assert.equal(columns.dec38.distinct, 20);
  assert.equal(columns.u64.kind, "other");
  assert.equal(columns.maybe.nulls, 7);
  // Booleans, through the accumulator on a batch of them.
  const bits = Uint8Array.of(0b1011);
  const nulls = Uint8Array.of(0b1110);
  const batch = makeBatch([{ name: "b", data: boolData(bits, 4, nulls, 1) }]);
  const { BoolStats } = await import("../lib/ops/describe.ts");
  const s = new BoolStats();
  s.addBatch(batch.getChild("b")!.data[0], 4);
  assert.deepEqual(s.summary(), { kind: "bool", count: 3, nulls: 1, true: 2, false: 1 });
});

Deno.test("describing a CSV: text counted as papaparse reads the file, numbers the same bits as stats --column, any workers", async () => {
  const path = "fixtures/agg/sales_nulls.csv";
  const parsed = Papa.parse<Record<string, string>>(await Deno.readTextFile(path), {
    header: true,
    skipEmptyLines: true,
  });
  const categories = new Map<string, number>();
  let empty = 0;
  for (const row of parsed.data) {
    if (row.category === "") empty++;
    else categories.set(row.category, (categories.get(row.category) ?? 0) + 1);
  }
  const results = [];
  for (const workers of [0, 2]) {
    results.push(await describeAll(path, { workers, rangeBytes: 2048, workerBytes: 0 }));
  }
  assert.deepEqual(results[1].columns, results[0].columns);
  assert.ok(results[1].units > 3);
  const category = results[0].columns.category;
  assert.equal(category.kind, "text");
  if (category.kind !== "text") return;
  assert.equal(category.nulls, empty);
  assert.equal(category.distinct, categories.size);
  assert.deepEqual(
    category.top,
    [...categories].sort((a, b) => b[1] - a[1]).map(([value, count]) => ({ value, count })),
  );
  const numbers = await parallelStats(path, { columns: ["price", "quantity"], workers: 0, rangeBytes: 2048 });
  assert.deepEqual(
    { kind: "number", ...numbers.columns.price },
    results[0].columns.price,
  );
  assert.deepEqual({ kind: "number", ...numbers.columns.quantity }, results[0].columns.quantity);
});
