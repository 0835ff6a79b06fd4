/** `outcore agg` (lib/exercises/agg.ts, lib/commands/agg.ts): DuckDB's answers, the lab's pipeline to the bit. */
import assert from "node:assert/strict";
import type { RecordBatch } from "apache-arrow";
import { numericColumn } from "../lib/batch.ts";
import { generateSales } from "../lib/exercises/generate.ts";
import { partition } from "../lib/exercises/ex3_partition.ts";
import { BIN_LABELS, PIPELINE_ARGS, priceBin, runPipeline } from "../lib/exercises/ex4_pipeline.ts";
import { parallelAgg } from "../lib/exercises/agg.ts";
import { parseBin, parseDerived } from "../lib/ops/expr.ts";
import { addCompensated, type Compensated } from "../lib/ops/sum.ts";
import { listFiles } from "../lib/io/file.ts";
import { openSource } from "../lib/sources/source.ts";
import type { AggSpec } from "../lib/ops/group.ts";
import { collectRows, runCli, tempDir } from "./_helpers.ts";

const FIXTURE = "fixtures/agg/sales_nulls.csv";
const EXPECTED = JSON.parse(await Deno.readTextFile("fixtures/agg/sales_nulls.expected.json"));

/** DuckDB's JSON (counts as text) against ours: counts exactly, floats to 1e-12 relative. */
function assertMatches(got: Record<string, unknown>[], want: Record<string, unknown>[]) {
  assert.equal(got.length, want.length);
  got.forEach((row, i) => {
    for (const [name, w] of Object.entries(want[i])) {
      const g = row[name];
      if (typeof w === "number") {
        assert.ok(
          Math.abs((g as number) - w) <= 1e-12 * Math.max(1, Math.abs(w)),
          `${name} row ${i}: ${g} vs ${w}`,
        );
      } else if (typeof w === "string" && /^\d+$/.test(w)) assert.equal(g, Number(w), `${name} row ${i}`);
      else assert.equal(g, w, `${name} row ${i}`);
    }
  });
}

const BY_CATEGORY_REGION = [
  "--by",
  "category,region",
  "--count",
  "--sum",
  "price",
  "--mean",
  "price",
  "--min",
  "price",
  "--max",
  "price",
  "--std",
  "price",
  "--var",
  "price",
  "--count",
  "price",
  "--sum",
  "quantity",
];
const BY_BIN = [
  "--with",
  "revenue = price * quantity",
  "--with",
  "score = sqrt(abs(price)) * log1p(quantity)",
  "--bin",
  "price_bin = price: 0,100,500,1000 : cheap,mid,dear",
  "--by",
  "price_bin",
  "--sum",
  "revenue",
  "--mean",
  "revenue",
  "--count",
  "revenue",
  "--mean",
  "score",
];

Deno.test("agg equals DuckDB's GROUP BY on a CSV with nulls, NA, quotes and values outside every bin", async () => {
  for (
    const [args, want] of [[BY_CATEGORY_REGION, EXPECTED.by_category_region], [BY_BIN, EXPECTED.by_price_bin]]
  ) {
    const r = await runCli(["agg", FIXTURE, ...args, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.rows, 400);
    assertMatches(out.table, want);
  }
});

Deno.test("parallel agg gives the same bits on 0, 1 and 2 workers over many CSV ranges", async () => {
  const spec: AggSpec = {
    derived: [parseDerived("revenue = price * quantity")],
    bins: [parseBin("price_bin = price: 0,100,500,1000")],
    by: ["region", "price_bin"],
    aggregates: [{ fn: "sum", column: "revenue" }, { fn: "std", column: "price" }, {
      fn: "count",
      column: null,
    }],
  };
  const tables = [];
  for (const workers of [0, 1, 2]) {
    const result = await parallelAgg(FIXTURE, spec, { workers, rangeBytes: 1024, workerBytes: 0 });
    assert.ok(result.units > 5);
    assert.equal(result.fallback, null);
    tables.push(result.table);
  }
  assert.deepEqual(tables[1], tables[0]);
  assert.deepEqual(tables[2], tables[0]);
  assert.deepEqual(tables[0].rows[0].slice(0, 2), ["east", "(0, 100]"]);
});

/** Exercise 4's pipeline as it was written before `agg` (per row group, per slot, compensated): the reference. */
function referencePipeline(batches: RecordBatch[][]) {
  type G = { category: string; bin: number; revenue: Compensated; count: number; quantity: number };
  const partials = batches.map((file) => {
    const groups = new Map<string, G>();
    for (const batch of file) {
      const data = batch.getChild("category")!.data[0];
      const indices = data.values as Int32Array;
      const dictionary = data.dictionary!.toArray() as string[];
      const { values: price } = numericColumn(batch, "price");
      const { values: quantity } = numericColumn(batch, "quantity");
      const n = BIN_LABELS.length;
      const sums = new Float64Array(dictionary.length * n), comps = new Float64Array(dictionary.length * n);
      const counts = new Float64Array(dictionary.length * n), qs = new Float64Array(dictionary.length * n);
      for (let i = 0; i < batch.numRows; i++) {
        const bin = priceBin(price[i]);
        if (bin < 0) continue;
        const slot = indices[i] * n + bin, x = price[i] * quantity[i], s = sums[slot], t = s + x;
        comps[slot] += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
        sums[slot] = t;
        counts[slot]++;
        qs[slot] += quantity[i];
      }
      for (let slot = 0; slot < sums.length; slot++) {
        if (counts[slot] === 0) continue;
        const category = dictionary[Math.floor(slot / n)];
        const key = `${category}/${slot % n}`;
        const g = groups.get(key) ??
          { category, bin: slot % n, revenue: { sum: 0, compensation: 0 }, count: 0, quantity: 0 };
        groups.set(key, g);
        addCompensated(g.revenue, sums[slot]);
        addCompensated(g.revenue, comps[slot]);
        g.count += counts[slot];
        g.quantity += qs[slot];
      }
    }
    return [...groups.values()];
  });
  const total = new Map<string, G>();
  for (const p of partials) {
    for (const g of p) {
      const key = `${g.category}/${g.bin}`;
      const t = total.get(key) ?? { ...g, revenue: { sum: 0, compensation: 0 }, count: 0, quantity: 0 };
      total.set(key, t);
      addCompensated(t.revenue, g.revenue.sum);
      addCompensated(t.revenue, g.revenue.compensation);
      t.count += g.count;
      t.quantity += g.quantity;
    }
  }
  return [...total.values()]
    .sort((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : a.bin - b.bin))
    .map((g) => {
      const revenue = g.revenue.sum + g.revenue.compensation;
      return {
        category: g.category,
        price_bin: BIN_LABELS[g.bin],
        revenue_sum: revenue,
        revenue_mean: revenue / g.count,
        revenue_count: g.count,
        quantity_sum: g.quantity,
      };
    });
}

Deno.test("agg with the lab's arguments is Exercise 4's table to the bit, on any worker count", async () => {
  const dir = await tempDir("aggpipe");
  await generateSales({ rows: 30_000, seed: 31, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  await partition(`${dir}/s.csv`, { out: `${dir}/parts`, parts: 4, workers: 2 });
  const files = await listFiles(`${dir}/parts`, ".parquet");
  const batches = [];
  for (const f of files) {
    const source = await openSource(f);
    const file = [];
    for await (const b of source.batches({ columns: ["category", "price", "quantity"] })) file.push(b);
    source.close();
    batches.push(file);
  }
  const reference = referencePipeline(batches);
  const pipeline = await runPipeline(`${dir}/parts`, { workers: 2 });
  assert.deepEqual(pipeline.rows, reference);
  for (const workers of ["0", "2"]) {
    const r = await runCli([
      "agg",
      `${dir}/parts`,
      ...PIPELINE_ARGS,
      "--workers",
      workers,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).table, reference, `--workers ${workers}`);
  }
});

Deno.test("--out writes the table as CSV or Parquet that reads back the same; outputs are guarded", async () => {
  const dir = await tempDir("aggout");
  const json = await runCli(["agg", FIXTURE, ...BY_CATEGORY_REGION, "--json"]);
  const want = JSON.parse(json.stdout).table;
  for (const out of [`${dir}/t.csv`, `${dir}/t.parquet`]) {
    const r = await runCli(["agg", FIXTURE, ...BY_CATEGORY_REGION, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`400 rows read, 15 groups .* → ${out}`));
    const source = await openSource(out);
    const rows = (await collectRows(source.batches())).map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]))
    );
    source.close();
    assertMatches(rows, want);
    const again = await runCli(["agg", FIXTURE, "--count", "--out", out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists \(use --force/);
    assert.equal((await runCli(["agg", FIXTURE, "--count", "--out", out, "--force"])).code, 0);
  }
  const self = await runCli(["agg", FIXTURE, "--count", "--out", FIXTURE.replace(".csv", ".csv"), "--force"]);
  assert.notEqual(self.code, 0);
  assert.match(self.stderr, /input/);
});

Deno.test("aggregates come out in the order given; --count alone counts rows, with a column its values", async () => {
  const r = await runCli([
    "agg",
    FIXTURE,
    "--max",
    "price",
    "--count",
    "--by",
    "region",
    "--count",
    "price",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.columns, ["region", "price_max", "count", "price_count"]);
  assert.equal(out.table.reduce((s: number, row: { count: number }) => s + row.count, 0), 400);
  // No --by: one group.
  const all = JSON.parse(
    (await runCli(["agg", FIXTURE, "--count", "--where", "price > 1000", "--json"])).stdout,
  );
  const text = await Deno.readTextFile(FIXTURE);
  const over = text.trim().split("\n").slice(1).filter((line) => Number(line.split(",")[3]) > 1000).length;
  assert.deepEqual(all.table, [{ count: over }]);
});

Deno.test("agg's usage errors say what is wrong and exit 2", async () => {
  for (
    const [args, pattern] of [
      [["--by", "region"], /nothing to compute/],
      [["--sum", "nope"], /--sum nope: no column "nope"/],
      [
        ["--sum", "region"],
        /--sum region: column "region" is string, not a number \(if it is CSV text: --types region=float64/,
      ],
      [["--with", "r = price *", "--sum", "r"], /ends too early/],
      [["--bin", "b = price: 3,1", "--count"], /edges must increase/],
      [["--count", "--out", "x.txt"], /--out must end in .parquet or .csv/],
    ] as const
  ) {
    const r = await runCli(["agg", FIXTURE, ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

Deno.test("--count alone counts a Parquet file's rows, and a dataset grouped by its partition column", async () => {
  const whole = JSON.parse(
    (await runCli(["agg", "fixtures/duckdb_types.parquet", "--count", "--json"])).stdout,
  );
  assert.deepEqual(whole.table, [{ count: 20 }]);
  const dir = await tempDir("aggds");
  await generateSales({ rows: 20_000, seed: 8, csv: `${dir}/s.csv`, parquet: `${dir}/ds`, workers: 0 });
  const fromCsv = JSON.parse(
    (await runCli(["agg", `${dir}/s.csv`, "--by", "category", "--count", "--json"])).stdout,
  );
  const fromDataset = JSON.parse(
    (await runCli(["agg", `${dir}/ds`, "--by", "category", "--count", "--json"])).stdout,
  );
  assert.deepEqual(fromDataset.table, fromCsv.table);
  assert.equal(fromCsv.table.reduce((s: number, r: { count: number }) => s + r.count, 0), 20_000);
  const food = JSON.parse(
    (await runCli([
      "agg",
      `${dir}/ds`,
      "--by",
      "category",
      "--count",
      "--where",
      "category = Food",
      "--json",
    ])).stdout,
  );
  assert.deepEqual(food.table, fromCsv.table.filter((r: { category: string }) => r.category === "Food"));
});

Deno.test("agg, stats of every column and convert --partition-by read a CSV with newlines in quotes right", async () => {
  const dir = await tempDir("aggquoted");
  const lines = ["id,note,kind,price"];
  const want = new Map<string, { count: number; sum: number }>();
  for (let i = 0; i < 20_000; i++) {
    const kind = ["a", "b", "c"][i % 3];
    lines.push(`${i},"line one\nline, two ""quoted""",${kind},${i % 100}.5`);
    const e = want.get(kind) ?? { count: 0, sum: 0 };
    e.count++;
    e.sum += (i % 100) + 0.5;
    want.set(kind, e);
  }
  const path = `${dir}/quoted.csv`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  const spec: AggSpec = {
    derived: [],
    bins: [],
    by: ["kind"],
    aggregates: [{ fn: "count", column: null }, { fn: "sum", column: "price" }],
  };
  const r = await parallelAgg(path, spec, { workers: 2, workerBytes: 0, rangeBytes: 64 * 1024 });
  assert.notEqual(r.fallback, null, "the unsafe split was detected");
  assert.deepEqual(r.table.rows.map((row) => [row[0], row[1]]), [...want].map(([k, e]) => [k, e.count]));
  r.table.rows.forEach((row) =>
    assert.ok(Math.abs((row[2] as number) - want.get(row[0] as string)!.sum) < 1e-6)
  );
  const { describeAll } = await import("../lib/exercises/describe.ts");
  const d = await describeAll(path, { workers: 2, workerBytes: 0, rangeBytes: 64 * 1024 });
  assert.notEqual(d.fallback, null);
  assert.equal(d.columns.note.kind === "text" && d.columns.note.top[0].value, 'line one\nline, two "quoted"');
  assert.equal(d.rows, 20_000);
  const { convertToDataset } = await import("../lib/exercises/convert.ts");
  const ds = await convertToDataset(path, {
    out: `${dir}/ds`,
    column: "kind",
    workers: 2,
    workerBytes: 0,
    rangeBytes: 64 * 1024,
  });
  assert.notEqual(ds.fallback, null);
  assert.deepEqual(ds.partitions, Object.fromEntries([...want].map(([k, e]) => [k, e.count])));
  // The folder holds the one reader's files only: every row once.
  const back = await parallelAgg(`${dir}/ds`, { ...spec, aggregates: [{ fn: "count", column: null }] }, {
    workers: 0,
  });
  assert.deepEqual(back.table.rows, [...want].map(([k, e]) => [k, e.count]));
});

Deno.test("min and max of timestamps and dates read as the column does: DuckDB's footer statistics", async () => {
  const r = await runCli([
    "agg",
    "fixtures/duckdb_types.parquet",
    "--min",
    "ts_us,d",
    "--max",
    "ts_ns,d",
    "--count",
    "d",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const footer = JSON.parse((await runCli(["inspect", "fixtures/duckdb_types.parquet", "--json"])).stdout)
    .row_groups[0].columns;
  assert.deepEqual(JSON.parse(r.stdout).table, [{
    ts_us_min: footer.ts_us.min,
    d_min: footer.d.min,
    ts_ns_max: footer.ts_ns.max,
    d_max: footer.d.max,
    d_count: 20,
  }]);
  const sum = await runCli(["agg", "fixtures/duckdb_types.parquet", "--sum", "d"]);
  assert.equal(sum.code, 2);
  assert.match(sum.stderr, /--sum d: column "d" is timestamp, not a number/);
});

Deno.test("--count before the path stands alone; before a column and the path, it counts the column", async () => {
  const alone = JSON.parse((await runCli(["agg", "--count", FIXTURE, "--json"])).stdout);
  assert.deepEqual(alone.table, [{ count: 400 }]);
  const column = JSON.parse((await runCli(["agg", "--count", "price", FIXTURE, "--json"])).stdout);
  assert.deepEqual(column.columns, ["price_count"]);
  const missing = await runCli(["agg", "--count"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing argument: PATH/);
});

Deno.test("aggFile (the lab's per-file path) applies --where as parallelAgg does", async () => {
  const { aggFile, mergeAgg } = await import("../lib/exercises/agg.ts");
  const { parsePredicate } = await import("../lib/ops/predicate.ts");
  const spec: AggSpec = {
    derived: [],
    bins: [],
    by: ["region"],
    aggregates: [{ fn: "count", column: null }, { fn: "max", column: "price" }],
    where: [parsePredicate("price > 500")],
  };
  const whole = mergeAgg(spec, [await aggFile(FIXTURE, spec)]);
  const parallel = await parallelAgg(FIXTURE, spec, { workers: 0 });
  assert.deepEqual(whole, parallel.table);
  assert.ok(whole.rows.every((row) => (row[2] as number) > 500));
});
