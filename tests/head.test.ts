import assert from "node:assert/strict";
import { headRows } from "../lib/views/head.ts";
import { openSource } from "../lib/sources/source.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("headRows returns typed values from a CSV and stops early", async () => {
  const dir = await tempDir();
  const lines = [
    "d,n,s",
    ...Array.from(
      { length: 5000 },
      (_, i) => `2021-03-04 05:06:${String(i % 60).padStart(2, "0")},${i},x${i}`,
    ),
  ];
  await Deno.writeTextFile(`${dir}/h.csv`, lines.join("\n"));
  const source = await openSource(`${dir}/h.csv`);
  const rows = await headRows(source, 2, ["s", "d", "n"]);
  assert.deepEqual(rows, [{ s: "x0", d: "2021-03-04 05:06:00", n: 0 }, {
    s: "x1",
    d: "2021-03-04 05:06:01",
    n: 1,
  }]);
  assert.deepEqual(await headRows(source, 0), []);
  source.close();
});

Deno.test("head --select shows those columns in that order (--columns is the same); both at once is a usage error", async () => {
  const { runCli } = await import("./_helpers.ts");
  const a = await runCli([
    "head",
    "fixtures/duckdb_snappy.parquet",
    "-n",
    "2",
    "--select",
    "price,id",
    "--json",
  ]);
  const b = await runCli([
    "head",
    "fixtures/duckdb_snappy.parquet",
    "-n",
    "2",
    "--columns",
    "price,id",
    "--json",
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const rows = JSON.parse(a.stdout).rows ?? JSON.parse(a.stdout);
  assert.deepEqual(Object.keys(Array.isArray(rows) ? rows[0] : rows), ["price", "id"]);
  const both = await runCli([
    "head",
    "fixtures/duckdb_snappy.parquet",
    "--select",
    "price",
    "--columns",
    "price",
  ]);
  assert.equal(both.code, 2);
});
