import assert from "node:assert/strict";
import { detectFormat, openSource } from "../lib/sources/source.ts";
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
