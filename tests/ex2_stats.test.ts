import assert from "node:assert/strict";
import { columnValues } from "../lib/batch.ts";
import { generateBlock, generateSales, generateWarmup } from "../lib/exercises/generate.ts";
import { csvRanges, splitsAreSafe } from "../lib/io/split.ts";
import { type ColumnSummary, exactStats } from "../lib/ops/online_stats.ts";
import { parallelStats, validateOnlineStats } from "../lib/exercises/ex2_stats.ts";
import { planUnits } from "../lib/engine/units.ts";
import { runCli, tempDir } from "./_helpers.ts";

const ROWS = 30_000;
const dir = await tempDir("stats");
await generateSales({ rows: ROWS, seed: 4, csv: `${dir}/s.csv`, parquet: `${dir}/ds`, workers: 1 });
await generateWarmup({ rows: 2_500_000 > ROWS ? ROWS : ROWS, seed: 4, out: `${dir}/w.parquet` });
const exact = exactStats(columnValues(generateBlock("sales", 4, 0, ROWS), "price") as Float64Array);

function assertExact(summary: ColumnSummary) {
  assert.equal(summary.count, ROWS);
  assert.ok(Math.abs(summary.mean! - exact.mean) <= 1e-12 * exact.mean);
  assert.ok(Math.abs(summary.variance! - exact.variance) <= 1e-10 * exact.variance);
  assert.ok(Math.abs(Number(summary.sum) - exact.sum) <= 1e-12 * exact.sum);
  assert.equal(summary.min, exact.min);
  assert.equal(summary.max, exact.max);
}

Deno.test("csvRanges cuts a CSV at line starts, and splitsAreSafe checks quote parity", async () => {
  const ranges = await csvRanges(`${dir}/s.csv`, 52, 100_000);
  assert.ok(ranges.length > 5);
  const bytes = await Deno.readFile(`${dir}/s.csv`);
  for (const r of ranges.slice(1)) {
    assert.equal(bytes[r.start - 1], 10, `range at ${r.start} follows a newline`);
  }
  assert.equal(ranges.at(-1)!.end, bytes.length);
  for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i].start, ranges[i - 1].end);
  assert.ok(splitsAreSafe([0, 2, 4]));
  assert.ok(!splitsAreSafe([1, 1, 0]));
  assert.ok(splitsAreSafe([2, 1])); // an odd count in the last range affects no split point
});

Deno.test("parallelStats gives the same bits with 0 (main thread), 1, 2 or 3 workers, on CSV, Parquet and a dataset", async () => {
  for (const path of [`${dir}/s.csv`, `${dir}/ds`]) {
    const results = [];
    for (const workers of [0, 1, 2, 3]) {
      // Small CSV ranges so that the CSV has several units to merge.
      const r = await parallelStats(path, {
        workerBytes: 0,
        columns: ["price"],
        workers,
        rangeBytes: 64 << 10,
      });
      assert.equal(r.fallback, null);
      assert.equal(r.workers, workers === 0 ? 0 : Math.min(workers, r.units));
      assertExact(r.columns.price);
      results.push(r.columns.price);
    }
    assert.ok(results.length === 4);
    // Bitwise the same for any number of workers, 0 included (units merge in a fixed order).
    for (const r of results.slice(1)) assert.deepEqual(r, results[0], path);
  }
  // Through the CLI too: the printed JSON is the same for --workers 0 and --workers 2.
  const printed = [];
  for (const w of ["0", "2"]) {
    const { code, stdout } = await runCli([
      "stats",
      `${dir}/ds`,
      "--column",
      "price",
      "--workers",
      w,
      "--json",
    ]);
    assert.equal(code, 0);
    printed.push(JSON.parse(stdout).columns);
  }
  assert.deepEqual(printed[0], printed[1]);
  const warm = await parallelStats(`${dir}/w.parquet`, { workerBytes: 0, workers: 2 });
  assert.deepEqual(Object.keys(warm.columns), ["product_id", "price", "quantity", "customer_id"]);
});

Deno.test("parallelStats reads a CSV with newlines in quotes correctly by detecting unsafe splits", async () => {
  // Many records whose quoted field holds a newline: byte-range splits land inside quotes.
  const lines = ["id,note,price"];
  let sum = 0;
  for (let i = 0; i < 20_000; i++) {
    lines.push(`${i},"line one\nline, two ""quoted""",${i % 100}.5`);
    sum += (i % 100) + 0.5;
  }
  await Deno.writeTextFile(`${dir}/quoted.csv`, lines.join("\n")); // and no trailing newline
  const rangeBytes = 64 * 1024;
  assert.ok((await planUnits(`${dir}/quoted.csv`, { rangeBytes })).units.length > 1);
  const r = await parallelStats(`${dir}/quoted.csv`, {
    workerBytes: 0,
    columns: ["price"],
    workers: 2,
    rangeBytes,
  });
  assert.notEqual(r.fallback, null, "the unsafe split was detected");
  assert.equal(r.columns.price.count, 20_000);
  assert.ok(Math.abs(Number(r.columns.price.sum) - sum) < 1e-9);
});

Deno.test("parallelStats reads a file without a trailing newline and reports bad input with its exact line", async () => {
  await Deno.writeTextFile(`${dir}/nonl.csv`, "price\n1.5\n2.5\n4");
  const r = await parallelStats(`${dir}/nonl.csv`, { workerBytes: 0, workers: 2, rangeBytes: 5 });
  assert.equal(r.units, 2); // [1.5, 2.5] and the last line, which has no newline
  assert.equal(r.columns.price.count, 3);
  assert.equal(r.columns.price.sum, 8);
  await Deno.writeTextFile(
    `${dir}/bad.csv`,
    "a,price\n" + Array.from({ length: 50 }, (_, i) => `${i},${i}.25`).join("\n") + "\n51,oops\n",
  );
  await assert.rejects(
    parallelStats(`${dir}/bad.csv`, {
      workerBytes: 0,
      workers: 2,
      types: { price: "float64" },
      rangeBytes: 100,
    }),
    /bad\.csv line 52, column "price": "oops" is not a number/,
  );
});

Deno.test("validateOnlineStats compares Welford with the exact two-pass result on the first rows", async () => {
  const v = await validateOnlineStats(`${dir}/s.csv`, { rows: 10_000 });
  assert.equal(v.rows, 10_000);
  assert.ok(v.passed);
  assert.ok(v.relative_error.variance < 1e-12);
  const exact10k = exactStats(
    (columnValues(generateBlock("sales", 4, 0, ROWS), "price") as Float64Array).subarray(0, 10_000),
  );
  assert.equal(v.exact.mean, exact10k.mean);
});

Deno.test("int64 min, max and sum are exact (ids beyond 2^53), in CSV and Parquet, with or without workers", async () => {
  const big = [
    9223372036854775807n,
    -9223372036854775808n,
    2n ** 53n + 1n,
    1234567890123456789n,
    2n ** 53n,
    ...Array.from({ length: 2000 }, (_, i) => 2n ** 53n + BigInt(2 * i + 3)),
  ];
  const csv = `${dir}/ids.csv`;
  await Deno.writeTextFile(csv, "id\n" + big.join("\n") + "\n");
  const sum = big.reduce((a, b) => a + b, 0n);
  const exactText = (json: string, key: string) => json.match(new RegExp(`"${key}": (-?\\d+)`))?.[1];
  for (const workers of ["0", "2"]) {
    const { code, stdout } = await runCli(["stats", csv, "--column", "id", "--workers", workers, "--json"]);
    assert.equal(code, 0);
    assert.equal(exactText(stdout, "min"), "-9223372036854775808");
    assert.equal(exactText(stdout, "max"), "9223372036854775807");
    assert.equal(exactText(stdout, "sum"), String(sum));
  }
  // Through a filter to Parquet and back: the bound at 2^53 + 1 keeps exactly the ids above 2^53.
  const out = `${dir}/ids_big.parquet`;
  const f = await runCli(["filter", csv, "--where", `id >= ${2n ** 53n + 1n}`, "--out", out, "--force"]);
  assert.equal(f.code, 0, f.stderr);
  const above = big.filter((x) => x >= 2n ** 53n + 1n);
  const { stdout } = await runCli(["stats", out, "--column", "id", "--json"]);
  assert.equal(exactText(stdout, "count"), String(above.length));
  assert.equal(exactText(stdout, "min"), String(2n ** 53n + 1n));
  assert.equal(exactText(stdout, "max"), "9223372036854775807");
  assert.equal(exactText(stdout, "sum"), String(above.reduce((a, b) => a + b, 0n)));
});
