import assert from "node:assert/strict";
import { columnValues } from "../lib/batch.ts";
import { chunkedStats, filterToFile, memoryProfile } from "../lib/exercises/ex1_chunking.ts";
import { generateBlock, generateSales } from "../lib/exercises/generate.ts";
import { openSource } from "../lib/sources/source.ts";
import { exactStats } from "../lib/ops/online_stats.ts";
import { parsePredicate } from "../lib/ops/predicate.ts";
import { tempDir } from "./_helpers.ts";

const ROWS = 23_456;
const dir = await tempDir("chunking");
await generateSales({ rows: ROWS, seed: 11, csv: `${dir}/s.csv`, parquet: `${dir}/ds`, workers: 1 });
const direct = generateBlock("sales", 11, 0, ROWS);

Deno.test("chunkedStats over CSV, Parquet dataset and any chunk size equals an exact computation", async () => {
  const exact = exactStats(columnValues(direct, "price") as Float64Array);
  for (
    const [path, chunkRows] of [[`${dir}/s.csv`, 5000], [`${dir}/s.csv`, 500_000], [
      `${dir}/ds`,
      1234,
    ]] as const
  ) {
    const source = await openSource(path);
    const result = await chunkedStats(source, { columns: ["price"], chunkRows });
    source.close();
    const price = result.columns.price;
    assert.equal(result.rows, ROWS);
    assert.equal(price.count, ROWS);
    assert.ok(
      Math.abs(Number(price.sum) - exact.sum) <= 1e-9 * exact.sum,
      `${path}: ${price.sum} vs ${exact.sum}`,
    );
    assert.ok(Math.abs(price.mean! - exact.mean) <= 1e-12 * exact.mean);
    assert.ok(Math.abs(price.variance! - exact.variance) <= 1e-10 * exact.variance);
    assert.equal(price.min, exact.min);
    assert.equal(price.max, exact.max);
  }
});

Deno.test("filterToFile keeps exactly the matching rows, in Parquet and CSV, and prunes dataset folders", async () => {
  const cats = direct.getChild("category")!;
  const prices = columnValues(direct, "price") as Float64Array;
  let want = 0, wantSum = 0;
  for (let i = 0; i < ROWS; i++) {
    if (cats.get(i) === "Electronics") {
      want++;
      wantSum += prices[i];
    }
  }
  for (const [input, out] of [[`${dir}/s.csv`, `${dir}/e.parquet`], [`${dir}/ds`, `${dir}/e.csv`]]) {
    const source = await openSource(input);
    const result = await filterToFile(source, {
      where: [parsePredicate("category = Electronics")],
      out,
      chunkRows: 4000,
    });
    source.close();
    assert.equal(result.rows_out, want);
    const back = await openSource(out);
    assert.deepEqual(back.schema.fields.map((f) => f.name), source.schema.fields.map((f) => f.name));
    let rows = 0, sum = 0;
    for await (const b of back.batches()) {
      rows += b.numRows;
      for (let i = 0; i < b.numRows; i++) assert.equal(b.getChild("category")!.get(i), "Electronics");
      for (const p of columnValues(b, "price") as Float64Array) sum += p;
    }
    back.close();
    assert.equal(rows, want);
    assert.ok(Math.abs(sum - wantSum) < 1e-6 * wantSum);
    if (input.endsWith("ds")) assert.equal(result.files_skipped, 4);
    else assert.equal(result.rows_in, ROWS);
  }
});

Deno.test("filterToFile leaves nothing behind when it fails, and refuses to overwrite without force", async () => {
  const source = await openSource(`${dir}/s.csv`);
  await Deno.writeTextFile(`${dir}/exists.parquet`, "keep me");
  await assert.rejects(
    filterToFile(source, { where: [parsePredicate("price > 1")], out: `${dir}/exists.parquet` }),
    /already exists \(use --force/,
  );
  assert.equal(await Deno.readTextFile(`${dir}/exists.parquet`), "keep me");
  await assert.rejects(
    filterToFile(source, { where: [parsePredicate("nope = 1")], out: `${dir}/x.parquet` }),
    /no column "nope"/,
  );
  source.close();
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.ok(!names.some((n) => n.includes(".tmp-") || n === "x.parquet"), names.join(" "));
});

Deno.test("memoryProfile records RSS once per chunk", async () => {
  const source = await openSource(`${dir}/s.csv`);
  const profile = await memoryProfile(source, { columns: ["price"], chunkRows: 5000 });
  source.close();
  assert.equal(profile.rss_mb.length, Math.ceil(ROWS / 5000));
  assert.deepEqual(profile.rows_per_chunk, [5000, 5000, 5000, 5000, 3456]);
  assert.ok(profile.rss_mb.every((mb) => mb > 10 && mb < 4096));
});

Deno.test("parallelFilter writes the same rows as the sequential filter, in order, to Parquet and CSV", async () => {
  const { parallelFilter } = await import("../lib/exercises/ex1_chunking.ts");
  const where = [parsePredicate("category = Electronics"), parsePredicate("price > 100")];
  const sequentialSource = await openSource(`${dir}/s.csv`);
  await filterToFile(sequentialSource, { where, out: `${dir}/seq.csv` });
  sequentialSource.close();
  for (const out of [`${dir}/par.parquet`, `${dir}/par.csv`]) {
    const result = await parallelFilter(`${dir}/s.csv`, {
      workerBytes: 0,
      where,
      out,
      workers: 2,
      rangeBytes: 100_000,
      chunkRows: 700,
    });
    assert.equal(result.fallback, null);
    assert.equal(result.rows_in, ROWS);
    const back = await openSource(out);
    const rows: unknown[] = [];
    for await (const b of back.batches()) for (const r of b.toArray()) rows.push(r.toJSON());
    back.close();
    const expected = await openSource(`${dir}/seq.csv`);
    const want: unknown[] = [];
    for await (const b of expected.batches()) for (const r of b.toArray()) want.push(r.toJSON());
    expected.close();
    assert.equal(rows.length, result.rows_out);
    assert.deepEqual(rows, want, out);
  }
  // A dataset: files pruned by the partition predicate are never read.
  const ds = await parallelFilter(`${dir}/ds`, {
    workerBytes: 0,
    where: [parsePredicate("category = Home")],
    out: `${dir}/home.parquet`,
    workers: 2,
  });
  assert.equal(ds.files_skipped, 4);
  assert.equal(ds.rows_in, ds.rows_out);
  // Row groups whose statistics rule every row out are counted, not read, sequential or parallel (the
  // dataset's one file per category holds one row group; dates start at 2020-01-01 and grow).
  for (const [where, skipped] of [["date >= 2030-01-01", 5], ["date < 2020-01-01 00:10:00", 0]] as const) {
    const parallel = await parallelFilter(`${dir}/ds`, {
      workerBytes: 0,
      where: [parsePredicate(where)],
      out: `${dir}/dated.parquet`,
      workers: 2,
      force: true,
    });
    const source = await openSource(`${dir}/ds`);
    const sequential = await filterToFile(source, {
      where: [parsePredicate(where)],
      out: `${dir}/dated.csv`,
      force: true,
    });
    source.close();
    for (const r of [parallel, sequential]) {
      assert.deepEqual([r.rows_in, r.row_groups_skipped], [ROWS, skipped], where);
    }
    assert.equal(parallel.rows_out, sequential.rows_out, where);
  }
});

Deno.test("a selective filter merges its few matches into few row groups, in order, sequential or parallel", async () => {
  const { parallelFilter } = await import("../lib/exercises/ex1_chunking.ts");
  const where = [parsePredicate("price > 990")];
  const prices = columnValues(direct, "price");
  const products = columnValues(direct, "product_id");
  const want = [...products].filter((_, i) => prices[i] > 990);
  assert.ok(want.length > 100, "the test data has matches in many units");
  // 23,456 rows in ranges of 20 kB (~50 units) and chunks of 2,000 rows: one row group per unit or chunk
  // with a match would make dozens; merged, the ~230 matches fit in one.
  const par = await parallelFilter(`${dir}/s.csv`, {
    workerBytes: 0,
    where,
    out: `${dir}/few_par.parquet`,
    workers: 2,
    rangeBytes: 20_000,
    chunkRows: 2_000,
  });
  const source = await openSource(`${dir}/s.csv`);
  const seq = await filterToFile(source, { where, out: `${dir}/few_seq.parquet`, chunkRows: 2_000 });
  source.close();
  for (const [result, path] of [[par, `${dir}/few_par.parquet`], [seq, `${dir}/few_seq.parquet`]] as const) {
    assert.equal(result.row_groups, 1, path);
    const back = await openSource(path);
    const ids: unknown[] = [];
    for await (const b of back.batches()) ids.push(...columnValues(b, "product_id"));
    back.close();
    assert.deepEqual(ids, want, path);
  }
});
