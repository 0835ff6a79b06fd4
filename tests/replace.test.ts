/**
 * What an output may replace (lib/io/replace.ts, through AtomicOutput and the CLI): every refusal leaves
 * every byte that was there, and every allowed replacement is complete before the old output goes.
 */
import assert from "node:assert/strict";
import { AtomicOutput } from "../lib/io/atomic.ts";
import { checkOutput, FOLDER_MARKER, OutputRefused } from "../lib/io/replace.ts";
import { runCli, snapshot, tempDir } from "./_helpers.ts";

const PARQUET = "fixtures/duckdb_snappy.parquet";

/** A work folder with a CSV input, an outcore partitions folder and a folder of the user's own. */
async function setUp() {
  const dir = await tempDir("replace");
  const csv = `${dir}/in.csv`;
  await Deno.writeTextFile(csv, "id,price\n1,10.5\n2,999.5\n3,20\n");
  await Deno.writeTextFile(`${dir}/notes.txt`, "my notes\n");
  await Deno.mkdir(`${dir}/precious/sub`, { recursive: true });
  await Deno.writeTextFile(`${dir}/precious/thesis.txt`, "chapter 1\n");
  await Deno.copyFile(PARQUET, `${dir}/precious/sub/x.parquet`);
  const r = await runCli(["partition", csv, "--parts", "2", "--out", `${dir}/parts`, "--workers", "1"]);
  assert.equal(r.code, 0, r.stderr);
  return { dir, csv };
}

const REFUSALS: { name: string; argv: (dir: string, csv: string) => string[]; message: RegExp }[] = [
  {
    name: "a folder holding other files, replaced by a file",
    argv: (d, c) => ["filter", c, "--where", "price > 1", "--out", `${d}/precious`, "--force"],
    message: /"[^"]*precious" is a folder; refusing to replace it with a Parquet file/,
  },
  {
    name: "a folder holding other files, replaced by partitions",
    argv: (d, c) => ["partition", c, "--parts", "2", "--out", `${d}/precious`, "--force"],
    message:
      /precious" is a folder outcore did not write \(no _outcore\.json marker; it holds sub\/x\.parquet, thesis\.txt\)/,
  },
  {
    name: "a file of another kind (a text file replaced by Parquet)",
    argv: (d, c) => ["filter", c, "--where", "price > 1", "--out", `${d}/notes.txt`, "--force"],
    message: /notes\.txt" is not a Parquet file \(no PAR1 magic bytes\)/,
  },
  {
    name: "a file of another kind (a text file replaced by partitions)",
    argv: (d, c) => ["partition", c, "--parts", "2", "--out", `${d}/notes.txt`, "--force"],
    message: /notes\.txt" is a file, not a folder; refusing to replace it with a folder of partitions/,
  },
  {
    name: "partitions replaced by one file",
    argv: (d, c) => ["filter", c, "--where", "price > 1", "--out", `${d}/parts`, "--force"],
    message: /parts" is a folder; refusing/,
  },
  {
    name: "the input itself",
    argv: (_, c) => ["filter", c, "--where", "price > 1", "--out", c, "--force"],
    message: /in\.csv" is the input; an input is never an output/,
  },
  {
    name: "the folder holding the input",
    argv: (d, c) => ["partition", c, "--parts", "2", "--out", d, "--force"],
    message: /holds the input "[^"]*in\.csv"; an input is never replaced/,
  },
  {
    name: "a path inside the input (a dataset folder)",
    argv: (
      d,
    ) => ["filter", `${d}/parts`, "--where", "price > 1", "--out", `${d}/parts/more.parquet`, "--force"],
    message: /more\.parquet" is inside the input "[^"]*parts"; an input is never written into/,
  },
  {
    name: "a chart path that is not an outcore chart",
    argv: (d, c) => ["memory", c, "--column", "price", "--plot", `${d}/notes.txt`],
    message: /notes\.txt" is not a chart outcore drew; refusing to replace it with an SVG chart/,
  },
  {
    name: "an existing output without --force",
    argv: (d, c) => ["filter", c, "--where", "price > 1", "--out", `${d}/parts/part_000.parquet`],
    message: /part_000\.parquet" already exists \(use --force to replace it\)/,
  },
];

for (const c of REFUSALS) {
  Deno.test(`--force refuses ${c.name}: exit 1, one line, every byte still there`, async () => {
    const { dir, csv } = await setUp();
    const before = await snapshot(dir);
    const { code, stderr } = await runCli(c.argv(dir, csv));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^outcore: error: /);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, c.message);
    assert.deepEqual(await snapshot(dir), before);
  });
}

Deno.test("--force replaces a Parquet file with a Parquet file, and a CSV file with a CSV file", async () => {
  const { dir, csv } = await setUp();
  await Deno.copyFile(PARQUET, `${dir}/out.parquet`);
  let r = await runCli(["filter", csv, "--where", "price > 100", "--out", `${dir}/out.parquet`, "--force"]);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(["head", `${dir}/out.parquet`, "--json"]);
  assert.deepEqual(JSON.parse(r.stdout).map((row: { id: number }) => row.id), [2]);
  await Deno.writeTextFile(`${dir}/old.csv`, "a,b\n1,2\n");
  r = await runCli(["filter", csv, "--where", "price < 100", "--out", `${dir}/old.csv`, "--force"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await Deno.readTextFile(`${dir}/old.csv`), "id,price\n1,10.5\n3,20\n");
});

Deno.test("--force replaces an outcore folder with a complete new one, carrying its marker", async () => {
  const { dir, csv } = await setUp();
  const r = await runCli([
    "partition",
    csv,
    "--parts",
    "3",
    "--out",
    `${dir}/parts`,
    "--force",
    "--workers",
    "1",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const names = [...Deno.readDirSync(`${dir}/parts`)].map((e) => e.name).sort();
  assert.deepEqual(names, [FOLDER_MARKER, "part_000.parquet", "part_001.parquet", "part_002.parquet"]);
  const marker = JSON.parse(await Deno.readTextFile(`${dir}/parts/${FOLDER_MARKER}`));
  assert.deepEqual(marker.files, ["part_000.parquet", "part_001.parquet", "part_002.parquet"]);
  // Nothing left beside it: no temporary or set-aside folder.
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "in.csv",
    "notes.txt",
    "parts",
    "precious",
  ]);
});

Deno.test("an outcore folder with a file added by hand is no longer replaced", async () => {
  const { dir, csv } = await setUp();
  await Deno.writeTextFile(`${dir}/parts/README.txt`, "what these are\n");
  const before = await snapshot(dir);
  const r = await runCli(["partition", csv, "--parts", "2", "--out", `${dir}/parts`, "--force"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /parts" holds files outcore did not write \(README\.txt\)/);
  assert.deepEqual(await snapshot(dir), before);
});

Deno.test("an empty folder may be replaced by a folder output; a file never replaces a folder", async () => {
  const dir = await tempDir("replace-empty");
  await Deno.mkdir(`${dir}/empty`);
  await checkOutput(`${dir}/empty`, { kind: "partitions", force: true });
  await assert.rejects(() => checkOutput(`${dir}/empty`, { kind: "parquet", force: true }), OutputRefused);
  await assert.rejects(() => checkOutput(`${dir}/empty`, { kind: "partitions" }), Deno.errors.AlreadyExists);
});

Deno.test("a folder output replaced atomically keeps the old one if the new one never commits", async () => {
  const dir = await tempDir("replace-abort");
  const out = await AtomicOutput.create(`${dir}/ds`, { kind: "dataset" });
  await Deno.copyFile(PARQUET, `${out.tempPath}/part-00000.parquet`);
  await out.commit();
  const before = await snapshot(dir);
  const again = await AtomicOutput.create(`${dir}/ds`, { kind: "dataset", force: true });
  await Deno.writeTextFile(`${again.tempPath}/partial`, "half written");
  await again.abort();
  assert.deepEqual(await snapshot(dir), before);
});

Deno.test("charts, reports and metrics outcore wrote are regenerated; others of the same name are refused", async () => {
  const dir = await tempDir("replace-products");
  await Deno.writeTextFile(
    `${dir}/chart.svg`,
    '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>',
  );
  await Deno.writeTextFile(`${dir}/metrics.json`, '{"mine": true}');
  await assert.rejects(() => checkOutput(`${dir}/chart.svg`, { kind: "svg" }), /not a chart outcore drew/);
  await assert.rejects(
    () => checkOutput(`${dir}/metrics.json`, { kind: "json" }),
    /not a JSON document outcore wrote/,
  );
  const draw = ["memory", "fixtures/duckdb_snappy.parquet", "--column", "price", "--plot", `${dir}/m.svg`];
  const r = await runCli(draw);
  assert.equal(r.code, 0, r.stderr);
  await checkOutput(`${dir}/m.svg`, { kind: "svg" }); // outcore's own: may be drawn again
  const again = await runCli(draw);
  assert.equal(again.code, 0, again.stderr);
});

Deno.test("stale temporaries of the same output from dead processes are removed; others stay", async () => {
  const { removeStaleTemporaries } = await import("../lib/io/atomic.ts");
  const dir = await tempDir("stale");
  const out = `${dir}/out.parquet`;
  for (
    const name of [
      "out.parquet.tmp-111-0",
      "out.parquet.tmp-222-3",
      "other.parquet.tmp-111-0",
      "out.parquet.tmp-x-1",
    ]
  ) {
    await Deno.writeTextFile(`${dir}/${name}`, "partial");
  }
  await Deno.mkdir(`${dir}/out.parquet.tmp-111-1`); // a half-written dataset folder
  await Deno.writeTextFile(`${dir}/out.parquet.tmp-111-1/part-0.parquet`, "partial");
  const alive = (pid: number) => Promise.resolve(pid === 111 ? false : pid === 222 ? true : null);
  const removed = (await removeStaleTemporaries(out, alive)).map((p) => p.slice(dir.length + 1)).sort();
  assert.deepEqual(removed, ["out.parquet.tmp-111-0", "out.parquet.tmp-111-1"]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "other.parquet.tmp-111-0",
    "out.parquet.tmp-222-3",
    "out.parquet.tmp-x-1",
  ]);
});

Deno.test("an interrupted output is removed even while a worker was writing into it (SIGINT's cleanup)", async () => {
  const { removePendingOutputs } = await import("../lib/io/atomic.ts");
  const { closeAllPools, WorkerPool } = await import("../lib/engine/pool.ts");
  const dir = await tempDir("pending");
  const output = await AtomicOutput.create(`${dir}/ds`, { kind: "dataset" });
  const pool = new WorkerPool(new URL("./_workers/echo.ts", import.meta.url), 2);
  const writing = [0, 1].map(() =>
    pool.run("scribble", { type: "scribble", dir: output.tempPath }).catch(() => {})
  );
  while (!Deno.readDirSync(output.tempPath).some((e) => e.name.startsWith("category="))) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  closeAllPools();
  await removePendingOutputs(1000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name),
    [],
    "nothing left behind, nothing recreated",
  );
  void writing;
});
