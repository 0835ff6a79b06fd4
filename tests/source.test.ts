import assert from "node:assert/strict";
import { detectFormat, openSource } from "../lib/sources/source.ts";
import { tempDir } from "./_helpers.ts";

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
