/** `outcore convert` (lib/commands/convert.ts) and `--select` on the filter path. */
import assert from "node:assert/strict";
import { generateSales } from "../lib/exercises/generate.ts";
import { parallelFilter } from "../lib/exercises/ex1_chunking.ts";
import { parsePredicate } from "../lib/ops/predicate.ts";
import { openSource } from "../lib/sources/source.ts";
import { convertToDataset } from "../lib/exercises/convert.ts";
import { assertSameBytes, collectRows, runCli, tempDir } from "./_helpers.ts";

async function rowsOf(path: string) {
  const source = await openSource(path);
  try {
    return await collectRows(source.batches());
  } finally {
    source.close();
  }
}

Deno.test("CSV → Parquet → CSV gives back the same bytes, with --workers 0 and the default", async () => {
  const dir = await tempDir("convert");
  await generateSales({ rows: 60_000, seed: 5, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  const original = await Deno.readFile(`${dir}/s.csv`);
  for (const workers of ["0", "2"]) {
    const a = await runCli(["convert", `${dir}/s.csv`, `${dir}/s${workers}.parquet`, "--workers", workers]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /^converted 60,000 rows: .* \(csv\) → .* \(parquet, \d+ row groups?, snappy\)/);
    const b = await runCli(["convert", `${dir}/s${workers}.parquet`, `${dir}/back${workers}.csv`, "--json"]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(JSON.parse(b.stdout).rows, 60_000);
    assertSameBytes(await Deno.readFile(`${dir}/back${workers}.csv`), original, `back${workers}.csv`);
  }
});

Deno.test("every value of a DuckDB-written file survives convert to Parquet and reads back the same", async () => {
  const dir = await tempDir("convert2");
  for (const fixture of ["fixtures/duckdb_types.parquet", "fixtures/duckdb_snappy.parquet"]) {
    const out = `${dir}/${fixture.split("/").pop()}`;
    const r = await runCli(["convert", fixture, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await rowsOf(out), await rowsOf(fixture), fixture);
  }
});

Deno.test("--select writes those columns in that order; filter --select may filter on a column it drops", async () => {
  const dir = await tempDir("convert3");
  await generateSales({ rows: 20_000, seed: 6, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  const r = await runCli(["convert", `${dir}/s.csv`, `${dir}/p.csv`, "--select", "price,product_id"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = (await Deno.readTextFile(`${dir}/p.csv`)).split("\n");
  assert.equal(lines[0], "price,product_id");
  const all = await rowsOf(`${dir}/s.csv`);
  assert.equal(lines[1], `${all[0].price},${all[0].product_id}`);
  const f = await runCli([
    "filter",
    `${dir}/s.csv`,
    "--where",
    "category = Food",
    "--select",
    "customer_id",
    "--out",
    `${dir}/food.parquet`,
  ]);
  assert.equal(f.code, 0, f.stderr);
  const food = await rowsOf(`${dir}/food.parquet`);
  assert.deepEqual(Object.keys(food[0]), ["customer_id"]);
  assert.deepEqual(
    food.map((row) => row.customer_id),
    all.filter((row) => row.category === "Food").map((row) => row.customer_id),
  );
  // The same on workers (small units, so that they get some), as CSV and as Parquet.
  for (const out of [`${dir}/w.parquet`, `${dir}/w.csv`]) {
    const result = await parallelFilter(`${dir}/s.csv`, {
      where: [parsePredicate("category = Food")],
      select: ["customer_id"],
      out,
      workers: 2,
      workerBytes: 0,
      rangeBytes: 100_000,
    });
    assert.equal(result.workers, 2);
    assert.deepEqual(await rowsOf(out), food, out);
  }
});

Deno.test("convert refuses an unknown column, a repeated one and an output it cannot write, before writing", async () => {
  const dir = await tempDir("convert4");
  for (
    const [args, message] of [
      [["--select", "nope"], /no column "nope"/],
      [["--select", "price,price"], /"price" is named twice/],
    ] as const
  ) {
    const r = await runCli(["convert", "fixtures/duckdb_snappy.parquet", `${dir}/x.parquet`, ...args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, message);
  }
  const txt = await runCli(["convert", "fixtures/duckdb_snappy.parquet", `${dir}/x.txt`]);
  assert.equal(txt.code, 2);
  assert.match(txt.stderr, /OUT must end in \.parquet or \.csv/);
  const same = await runCli([
    "convert",
    "fixtures/duckdb_snappy.parquet",
    "fixtures/duckdb_snappy.parquet",
    "--force",
  ]);
  assert.equal(same.code, 1);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
});

Deno.test("--out - writes CSV to standard output (summary to standard error); a reader leaving early is a quiet end", async () => {
  const dir = await tempDir("stdout");
  await generateSales({ rows: 50_000, seed: 9, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  const run = (args: string[]) =>
    new Deno.Command("deno", {
      args: ["run", "--allow-read", "--allow-write", "main.ts", ...args],
      stdout: "piped",
      stderr: "piped",
    });
  const whole = await run(["convert", `${dir}/s.csv`, "-"]).output();
  assert.equal(whole.code, 0, new TextDecoder().decode(whole.stderr));
  assert.deepEqual(whole.stdout, await Deno.readFile(`${dir}/s.csv`));
  assert.match(new TextDecoder().decode(whole.stderr), /converted 50,000 rows: .* → - \(csv\)/);
  const filtered = await run([
    "filter",
    `${dir}/s.csv`,
    "--where",
    "category = Home",
    "--select",
    "price",
    "--out",
    "-",
  ])
    .output();
  const lines = new TextDecoder().decode(filtered.stdout).trimEnd().split("\n");
  assert.equal(lines[0], "price");
  const home = (await rowsOf(`${dir}/s.csv`)).filter((r) => r.category === "Home");
  assert.deepEqual(lines.slice(1).map(Number), home.map((r) => r.price));
  // Like `| head -1`: read the first chunk, then close the pipe.
  const child = run(["convert", `${dir}/s.csv`, "-"]).spawn();
  const reader = child.stdout.getReader();
  await reader.read();
  await reader.cancel();
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 0);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["s.csv"]);
});

Deno.test("--compression zstd, gzip and none write files of that codec that read back the same", async () => {
  const dir = await tempDir("codec");
  const want = await rowsOf("fixtures/duckdb_types.parquet");
  for (const [compression, codec] of [["zstd", "ZSTD"], ["gzip", "GZIP"], ["none", "UNCOMPRESSED"]]) {
    const out = `${dir}/${compression}.parquet`;
    const r = await runCli(["convert", "fixtures/duckdb_types.parquet", out, "--compression", compression]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`, ${compression}\\) in`));
    assert.deepEqual(await rowsOf(out), want, compression);
    const inspect = JSON.parse((await runCli(["inspect", out, "--json"])).stdout);
    assert.deepEqual(inspect.codecs, [codec]);
  }
  // Encoded in workers too (they load the codec themselves).
  await generateSales({ rows: 30_000, seed: 3, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  const parallel = await parallelFilter(`${dir}/s.csv`, {
    where: [],
    out: `${dir}/w.parquet`,
    codec: "ZSTD",
    workers: 2,
    workerBytes: 0,
    rangeBytes: 200_000,
    chunkRows: 2_000, // row groups encoded by the workers, not tails left to the main thread
  });
  assert.equal(parallel.workers, 2);
  assert.deepEqual(JSON.parse((await runCli(["inspect", `${dir}/w.parquet`, "--json"])).stdout).codecs, [
    "ZSTD",
  ]);
  assert.deepEqual(await rowsOf(`${dir}/w.parquet`), await rowsOf(`${dir}/s.csv`));
  const bad = await runCli([
    "convert",
    "fixtures/duckdb_types.parquet",
    `${dir}/x.parquet`,
    "--compression",
    "lzo",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--compression takes snappy, zstd, gzip, none, got "lzo"/);
});

Deno.test("--partition-by writes a Hive dataset that reads back the same rows, on 0 or 2 workers", async () => {
  const dir = await tempDir("hive");
  await generateSales({ rows: 40_000, seed: 12, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  const byKey = (rows: Record<string, unknown>[]) =>
    rows.map((r) => JSON.stringify([r.date, r.category, r.product_id, r.price, r.quantity, r.customer_id]))
      .sort();
  const want = byKey(await rowsOf(`${dir}/s.csv`));
  for (const workers of [0, 2]) {
    const out = `${dir}/ds${workers}`;
    const result = await convertToDataset(`${dir}/s.csv`, {
      out,
      column: "category",
      workers,
      workerBytes: 0,
      rangeBytes: 300_000,
      chunkRows: 5_000,
      codec: "ZSTD",
    });
    assert.equal(result.rows, 40_000);
    assert.equal(result.workers, workers);
    assert.deepEqual(Object.keys(result.partitions), ["Clothing", "Electronics", "Food", "Home", "Sports"]);
    assert.equal(Object.values(result.partitions).reduce((s, n) => s + n, 0), 40_000);
    assert.ok([...Deno.readDirSync(`${out}/category=Food`)].length > 1, "a file per unit");
    assert.deepEqual(byKey(await rowsOf(out)), want, `--workers ${workers}`);
  }
  // --select keeps the partition column; the CLI reports folders and files.
  const r = await runCli([
    "convert",
    `${dir}/s.csv`,
    `${dir}/sel`,
    "--partition-by",
    "category",
    "--select",
    "price",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /→ .*sel \(dataset by category: 5 folders, 5 files, snappy\)/);
  assert.deepEqual(Object.keys((await rowsOf(`${dir}/sel`))[0]).sort(), ["category", "price"]);
});

Deno.test("--partition-by refuses a column that cannot name folders; nulls go to Hive's default partition", async () => {
  const dir = await tempDir("hive2");
  for (
    const [args, message] of [
      [["--partition-by", "price"], /only text columns can name folders \(it is float64\)/],
      [["--partition-by", "nope"], /--partition-by: no column "nope"/],
    ] as const
  ) {
    const r = await runCli(["convert", "fixtures/agg/sales_nulls.csv", `${dir}/ds`, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
  const file = await runCli([
    "convert",
    "fixtures/agg/sales_nulls.csv",
    `${dir}/ds.parquet`,
    "--partition-by",
    "region",
  ]);
  assert.equal(file.code, 2);
  assert.match(file.stderr, /OUT must be a folder name/);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  // An input without rows makes no dataset (one line, nothing left behind).
  await Deno.writeTextFile(`${dir}/empty.csv`, "category,price\n");
  const empty = await runCli(["convert", `${dir}/empty.csv`, `${dir}/none`, "--partition-by", "category"]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /empty\.csv: has no rows: a dataset needs at least one file/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["empty.csv"]);
  // A bad row is one line naming its exact line (the file read again from its start), and nothing stays.
  await Deno.writeTextFile(`${dir}/ragged.csv`, "a,b\nx,2\ny\nz,5\n");
  const ragged = await runCli(["convert", `${dir}/ragged.csv`, `${dir}/rds`, "--partition-by", "a"]);
  assert.equal(ragged.code, 1);
  assert.match(ragged.stderr, /ragged\.csv line 3: expected 2 fields, found 1/);
  // With --on-bad-rows=skip the file is read by one reader that skips the bad row.
  const skipped = await runCli([
    "convert",
    `${dir}/ragged.csv`,
    `${dir}/rds`,
    "--partition-by",
    "a",
    "--on-bad-rows",
    "skip",
    "--json",
  ]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.deepEqual(JSON.parse(skipped.stdout).partitions, { x: 1, z: 1 });
  await Deno.remove(`${dir}/rds`, { recursive: true });
  await Deno.remove(`${dir}/ragged.csv`);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["empty.csv"]);
  // Empty categories (nulls) round-trip through category=__HIVE_DEFAULT_PARTITION__.
  const r = await runCli([
    "convert",
    "fixtures/agg/sales_nulls.csv",
    `${dir}/ds`,
    "--partition-by",
    "category",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok([...Deno.readDirSync(`${dir}/ds`)].some((e) => e.name === "category=__HIVE_DEFAULT_PARTITION__"));
  const byKey = (rows: Record<string, unknown>[]) =>
    rows.map((row) => JSON.stringify([row.id, row.category])).sort();
  assert.deepEqual(byKey(await rowsOf(`${dir}/ds`)), byKey(await rowsOf("fixtures/agg/sales_nulls.csv")));
  const counted = JSON.parse(
    (await runCli(["agg", `${dir}/ds`, "--by", "category", "--count", "--json"])).stdout,
  );
  assert.equal(counted.table.at(-1).category, null);
  const filtered = await runCli([
    "filter",
    `${dir}/ds`,
    "--where",
    "category != Food",
    "--out",
    `${dir}/nf.csv`,
  ]);
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.doesNotMatch(await Deno.readTextFile(`${dir}/nf.csv`), /^\d+,,/m); // nulls never match
});
