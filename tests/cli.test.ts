import assert from "node:assert/strict";
import { runCli, tempDir } from "./_helpers.ts";

Deno.test("outcore --help lists every command and --version prints the version", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  for (
    const name of [
      "generate",
      "inspect",
      "head",
      "stats",
      "filter",
      "memory",
      "bench",
      "batches",
      "partition",
      "pipeline",
    ]
  ) {
    assert.match(help.stdout, new RegExp(`^  ${name} `, "m"));
  }
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^outcore \d+\.\d+\.\d+ \(deno /);
});

Deno.test("every command has --help with its usage", async () => {
  for (
    const name of [
      "generate",
      "inspect",
      "head",
      "stats",
      "filter",
      "memory",
      "bench",
      "batches",
      "partition",
      "pipeline",
    ]
  ) {
    const { code, stdout } = await runCli([name, "--help"]);
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`Usage: outcore ${name} `));
  }
});

Deno.test("usage errors exit 2 with the command's usage on stderr", async () => {
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command "frobnicate"/],
    [["generate"], /missing argument: warmup\|sales/],
    [["generate", "warmup", "--bogus"], /option '--bogus'|Unknown option '--bogus'/],
    [["generate", "lunch"], /unknown table "lunch"/],
    [["generate", "warmup", "--rows", "lots"], /--rows takes a whole number/],
    [["head", "x.csv", "-n"], /argument missing|-n/],
    [["inspect", "a", "b"], /unexpected argument "b"/],
  ];
  for (const [argv, pattern] of cases) {
    const { code, stdout, stderr } = await runCli(argv);
    assert.equal(code, 2, argv.join(" "));
    assert.equal(stdout, "");
    assert.match(stderr, /^outcore: error: /);
    assert.match(stderr, pattern);
  }
});

Deno.test("runtime errors exit 1 with one line naming the file, and a stack only with --debug", async () => {
  const dir = await tempDir();
  const missing = await runCli(["head", `${dir}/no/such/file.csv`]);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    `outcore: error: cannot open "${dir}/no/such/file.csv": no such file or directory`,
  );
  await Deno.writeTextFile(`${dir}/bad.csv`, "a,b\n1,2\n3\n");
  const bad = await runCli(["head", `${dir}/bad.csv`]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, `outcore: error: ${dir}/bad.csv line 3: expected 2 fields, found 1`);
  const debug = await runCli(["head", `${dir}/bad.csv`, "--debug"]);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /\n\s+at /);
});

Deno.test("generate, inspect and head work end to end with --json", async () => {
  const dir = await tempDir();
  const gen = await runCli([
    "generate",
    "sales",
    "--rows",
    "2500",
    "--csv",
    `${dir}/s.csv`,
    "--parquet",
    `${dir}/ds`,
    "--json",
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  const result = JSON.parse(gen.stdout);
  assert.equal(result.rows, 2500);
  const inspect = JSON.parse((await runCli(["inspect", `${dir}/ds`, "--json"])).stdout);
  assert.equal(inspect.format, "dataset");
  assert.equal(inspect.rows, 2500);
  assert.deepEqual(inspect.partitions.category, ["Clothing", "Electronics", "Food", "Home", "Sports"]);
  const head = await runCli(["head", `${dir}/s.csv`, "-n", "2", "--columns", "date,price", "--json"]);
  const rows = JSON.parse(head.stdout);
  assert.deepEqual(Object.keys(rows[0]), ["date", "price"]);
  assert.equal(rows[0].date, "2020-01-01 00:00:00");
  assert.equal(rows[1].date, "2020-01-01 00:00:01");
  const text = await runCli(["head", `${dir}/ds`, "-n", "3"]);
  assert.equal(text.code, 0);
  assert.equal(text.stdout.split("\n").length, 5); // header, rule, three rows
  const again = await runCli(["generate", "sales", "--rows", "10", "--csv", `${dir}/s.csv`, "--no-parquet"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists \(use --force to replace it\)/);
});

Deno.test("stats, filter, memory, bench and batches run end to end with --json", async () => {
  const dir = await tempDir();
  assert.equal(
    (await runCli(["generate", "sales", "--rows", "3000", "--csv", `${dir}/s.csv`, "--parquet", `${dir}/ds`]))
      .code,
    0,
  );
  assert.equal((await runCli(["generate", "warmup", "--rows", "3000", "--out", `${dir}/w.parquet`])).code, 0);
  const stats = JSON.parse((await runCli(["stats", `${dir}/s.csv`, "--column", "price", "--json"])).stdout);
  assert.deepEqual(Object.keys(stats.columns.price).sort(), [
    "count",
    "max",
    "mean",
    "min",
    "nulls",
    "std",
    "sum",
    "variance",
  ]);
  assert.equal(stats.columns.price.count, 3000);
  const filter = JSON.parse(
    (await runCli([
      "filter",
      `${dir}/ds`,
      "--where",
      "category = Home",
      "--out",
      `${dir}/h.parquet`,
      "--json",
    ])).stdout,
  );
  assert.equal(filter.rows_in, filter.rows_out);
  const memory = JSON.parse(
    (await runCli(["memory", `${dir}/s.csv`, "--chunk-size", "1000", "--plot", `${dir}/m.svg`, "--json"]))
      .stdout,
  );
  assert.equal(memory.rss_mb.length, 3);
  assert.match(await Deno.readTextFile(`${dir}/m.svg`), /<circle /);
  const projection = JSON.parse(
    (await runCli(["bench", "projection", `${dir}/w.parquet`, "--runs", "1", "--json"])).stdout,
  );
  assert.equal(typeof projection.revenue, "number");
  const batches = JSON.parse(
    (await runCli(["batches", `${dir}/w.parquet`, "--batch-size", "1000", "--json"])).stdout,
  );
  assert.equal(batches.batches.length, 3);
  assert.equal(batches.revenue, projection.revenue);
  const usage = await runCli(["filter", `${dir}/s.csv`, "--out", `${dir}/x.parquet`]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing --where/);
  const badColumn = await runCli(["stats", `${dir}/s.csv`, "--column", "colour"]);
  assert.equal(badColumn.code, 2);
  assert.match(
    badColumn.stderr,
    /no column "colour" \(available: date, product_id, category, price, quantity, customer_id\)/,
  );
});

Deno.test("partition, pipeline and bench io/workers/scaling run end to end with --json", async () => {
  const dir = await tempDir();
  assert.equal(
    (await runCli(["generate", "sales", "--rows", "4000", "--csv", `${dir}/s.csv`, "--no-parquet"])).code,
    0,
  );
  const part = JSON.parse(
    (await runCli(["partition", `${dir}/s.csv`, "--parts", "4", "--out", `${dir}/p`, "--json"])).stdout,
  );
  assert.deepEqual(part.parts.map((p: { rows: number }) => p.rows), [1000, 1000, 1000, 1000]);
  const pipe = JSON.parse((await runCli(["pipeline", `${dir}/p`, "--workers", "2", "--json"])).stdout);
  assert.deepEqual(Object.keys(pipe.rows[0]), [
    "category",
    "price_bin",
    "revenue_sum",
    "revenue_mean",
    "revenue_count",
    "quantity_sum",
  ]);
  for (const key of ["sequential_seconds", "parallel_seconds", "speedup", "workers"]) {
    assert.ok(key in pipe, key);
  }
  const scaling = JSON.parse(
    (await runCli(["bench", "scaling", `${dir}/p`, "--max-workers", "2", "--plot", `${dir}/s.svg`, "--json"]))
      .stdout,
  );
  for (const key of ["cores", "sequential_seconds", "speedup", "serial_fraction"]) {
    assert.ok(key in scaling, key);
  }
  assert.match(await Deno.readTextFile(`${dir}/s.svg`), /ideal/);
  assert.equal((await runCli(["bench", "io", `${dir}/p`, "--json"])).code, 0);
  assert.equal((await runCli(["bench", "workers", `${dir}/p`, "--workers", "2", "--json"])).code, 0);
  const empty = await runCli(["pipeline", dir + "/none"]);
  assert.equal(empty.code, 1);
});

Deno.test("- reads standard input (copied to a temporary file, removed afterwards), gzipped or not", async () => {
  const { generateSales } = await import("../lib/exercises/generate.ts");
  const dir = await tempDir("stdin");
  await generateSales({ rows: 20_000, seed: 4, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  await Deno.mkdir(`${dir}/tmp`);
  const csv = await Deno.readFile(`${dir}/s.csv`);
  const gz = new Uint8Array(
    await new Response(new Blob([csv]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  const expected = JSON.parse((await runCli(["stats", `${dir}/s.csv`, "--json"])).stdout).columns;
  for (const input of [csv, gz]) {
    const child = new Deno.Command("deno", {
      args: ["run", "--allow-read", "--allow-write", "main.ts", "stats", "-", "--json"],
      env: { TMPDIR: `${Deno.cwd()}/${dir}/tmp` },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)).columns, expected);
    assert.deepEqual([...Deno.readDirSync(`${dir}/tmp`)], [], "the copy of standard input is removed");
  }
});
