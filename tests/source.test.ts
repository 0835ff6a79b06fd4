import assert from "node:assert/strict";
import { detectFormat, openSource, probeCsv, type SourceOptions } from "../lib/sources/source.ts";
import { collectRows, tempDir } from "./_helpers.ts";
import { DataError } from "../lib/errors.ts";

Deno.test("detectFormat tells CSV, Parquet (by magic, whatever the name) and folders apart", async () => {
  const dir = await tempDir();
  await Deno.copyFile("fixtures/duckdb_snappy.parquet", `${dir}/no_extension`);
  await Deno.writeTextFile(`${dir}/x.txt`, "a\n1\n");
  assert.equal(await detectFormat(`${dir}/no_extension`), "parquet");
  assert.equal(await detectFormat(`${dir}/x.txt`), "csv");
  assert.equal(await detectFormat(dir), "dataset");
  await assert.rejects(detectFormat(`${dir}/missing`), /cannot open ".*missing": no such file or directory/);
});

Deno.test("openSource gives every format the same schema and batch interface", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/p.csv`, "id,price\n1,2.5\n2,3.5\n");
  const csv = await openSource(`${dir}/p.csv`);
  assert.equal(csv.format, "csv");
  assert.equal(csv.rowCount, 2, "a small CSV read whole by the inference sample knows its row count");
  let total = 0;
  for await (const b of csv.batches({ columns: ["price"] })) {
    for (let i = 0; i < b.numRows; i++) total += b.getChild("price")!.get(i);
  }
  assert.equal(total, 6);
  assert.ok(csv.bytesRead() > 0);
  csv.close();
  const pq = await openSource("fixtures/duckdb_snappy.parquet");
  assert.equal(pq.format, "parquet");
  assert.equal(pq.rowCount, 2500);
  pq.close();
});

/** `bytes` gzipped with the platform's CompressionStream. */
async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("a gzipped CSV reads as the CSV itself: rows, types, stats on the engine, with or without a header", async () => {
  const { generateSales } = await import("../lib/exercises/generate.ts");
  const { parallelStats } = await import("../lib/exercises/ex2_stats.ts");
  const dir = await tempDir("gz");
  await generateSales({ rows: 30_000, seed: 8, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  const plain = await Deno.readFile(`${dir}/s.csv`);
  await Deno.writeFile(`${dir}/s.csv.gz`, await gzip(plain));
  const rows = async (path: string, options = {}) => {
    const source = await openSource(path, options);
    try {
      return {
        schema: source.schema.fields.map((f) => `${f.name}:${f.type}`),
        rows: await collectRows(source.batches()),
      };
    } finally {
      source.close();
    }
  };
  assert.deepEqual(await rows(`${dir}/s.csv.gz`), await rows(`${dir}/s.csv`));
  const a = await parallelStats(`${dir}/s.csv.gz`, { columns: ["price"], workers: 2, workerBytes: 0 });
  const b = await parallelStats(`${dir}/s.csv`, { columns: ["price"], workers: 0 });
  assert.deepEqual(a.columns, b.columns);
  const body = new TextDecoder().decode(plain).split("\n").slice(1).join("\n");
  await Deno.writeFile(`${dir}/n.csv.gz`, await gzip(new TextEncoder().encode(body)));
  const headless = await rows(`${dir}/n.csv.gz`, { noHeader: true });
  assert.equal(headless.rows.length, 30_000);
  assert.equal(headless.schema[0], "column_1:Timestamp<MILLISECOND>");
});

Deno.test("a corrupt or truncated gzip file is one DataError naming the file", async () => {
  const dir = await tempDir("gzbad");
  const whole = await gzip(new TextEncoder().encode("a,b\n" + "1,2\n".repeat(50_000)));
  await Deno.writeFile(`${dir}/t.csv.gz`, whole.subarray(0, whole.length - 40));
  const source = await openSource(`${dir}/t.csv.gz`);
  try {
    await assert.rejects(
      async () => {
        for await (const _ of source.batches()) { /* read to the end */ }
      },
      (err: Error) =>
        err instanceof DataError && err.message.startsWith(`${dir}/t.csv.gz: is not a valid gzip file`),
    );
  } finally {
    source.close();
  }
});

Deno.test("a pattern of files reads as one source, checked to agree, protected as inputs", async () => {
  const { generateSales } = await import("../lib/exercises/generate.ts");
  const { parallelStats } = await import("../lib/exercises/ex2_stats.ts");
  const { parallelFilter } = await import("../lib/exercises/ex1_chunking.ts");
  const { parsePredicate } = await import("../lib/ops/predicate.ts");
  const dir = await tempDir("pattern");
  await Deno.mkdir(`${dir}/in`);
  await generateSales({ rows: 30_000, seed: 1, csv: `${dir}/in/a.csv`, parquet: null, workers: 0 });
  await generateSales({ rows: 20_000, seed: 2, csv: `${dir}/in/b.csv`, parquet: null, workers: 0 });
  const rowsOf = async (path: string) => {
    const source = await openSource(path);
    try {
      return await collectRows(source.batches());
    } finally {
      source.close();
    }
  };
  const a = await rowsOf(`${dir}/in/a.csv`);
  const b = await rowsOf(`${dir}/in/b.csv`);
  assert.deepEqual(await rowsOf(`${dir}/in/*.csv`), [...a, ...b]);
  const stats = await parallelStats(`${dir}/in/?.csv`, { columns: ["quantity"], workers: 2, workerBytes: 0 });
  const q = [...a, ...b].map((r) => r.quantity as number);
  assert.equal(stats.rows, 50_000);
  assert.equal(stats.columns.quantity.sum, q.reduce((s, x) => s + x, 0));
  assert.equal(stats.columns.quantity.max, Math.max(...q));
  const out = `${dir}/food.csv`;
  await parallelFilter(`${dir}/in/*.csv`, { where: [parsePredicate("category = Food")], out, workers: 0 });
  assert.deepEqual(await rowsOf(out), [...a, ...b].filter((r) => r.category === "Food"));
  // An input named by the pattern is never an output, with or without --force.
  await assert.rejects(
    () => parallelFilter(`${dir}/in/*.csv`, { where: [], out: `${dir}/in/b.csv`, force: true }),
    /is the input/,
  );
  // A file with other columns is named; so is a pattern that matches nothing.
  await Deno.writeTextFile(`${dir}/in/c.csv`, "x,y\n1,2\n");
  await assert.rejects(
    () => openSource(`${dir}/in/*.csv`),
    (err: Error) =>
      err instanceof DataError && err.message.startsWith(`${dir}/in/c.csv: its columns (x, y) differ`),
  );
  await assert.rejects(() => openSource(`${dir}/in/*.tsv`), /no file matches/);
});

Deno.test("probeCsv remembers a file's probe until the file changes, but not a file written this second", async () => {
  const dir = await tempDir();
  for (const size of [17 << 20, 4096]) {
    const path = `${dir}/t${size}.csv`;
    const rows = (header: string) => header + "\n" + "1,2.5,x\n".repeat(size / 8);
    await Deno.writeTextFile(path, rows("a,b,c"));
    const fresh = await probeCsv(path);
    assert.notEqual(await probeCsv(path), fresh, "written this second: probed anew");
    const old = new Date(Date.now() - 60_000);
    await Deno.utime(path, old, old);
    const first = await probeCsv(path);
    assert.equal(await probeCsv(path), first); // the same probe, not read again
    assert.notEqual(await probeCsv(path, { delimiter: ";" }), first); // other options: probed anew
    await Deno.writeTextFile(path, rows("d,e,f")); // the same size, a new time
    const again = await probeCsv(path);
    assert.deepEqual(again.header, ["d", "e", "f"]);
  }
  // A caller's other options (a command's `columns`) do not make the probe kept for everyone a projected one.
  const path = `${dir}/t4096.csv`;
  const old = new Date(Date.now() - 60_000);
  await Deno.utime(path, old, old);
  const projected = await probeCsv(path, { delimiter: ",", columns: ["e"] } as SourceOptions);
  assert.deepEqual(projected.schema.fields.map((f) => f.name), ["d", "e", "f"]);
  assert.deepEqual((await probeCsv(path, { delimiter: "," })).schema.fields.map((f) => f.name), [
    "d",
    "e",
    "f",
  ]);
});
