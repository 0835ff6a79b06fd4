import assert from "node:assert/strict";
import { generateWarmup } from "../lib/exercises/generate.ts";
import { inspectPath } from "../lib/views/inspect.ts";
import { render } from "../lib/commands/inspect.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("inspectPath reports schema, row groups and footer statistics of our own file", async () => {
  const dir = await tempDir();
  await generateWarmup({ rows: 2500, seed: 3, out: `${dir}/w.parquet` });
  const report = await inspectPath(`${dir}/w.parquet`);
  assert.equal(report.format, "parquet");
  assert.equal(report.rows, 2500);
  assert.equal(report.row_group_count, 1);
  assert.deepEqual(report.codecs, ["SNAPPY"]);
  assert.deepEqual(report.columns.map((c) => [c.name, c.type, c.nullable]), [
    ["product_id", "Int32", false],
    ["category", "Dictionary<Int32, Utf8>", false],
    ["price", "Float64", false],
    ["quantity", "Int32", false],
    ["customer_id", "Int32", false],
  ]);
  const stats = report.row_groups![0].columns;
  assert.ok((stats.price.min as number) >= 1 && (stats.price.max as number) <= 1000);
  assert.equal(stats.quantity.nulls, 0);
  assert.match(render(report), /row group statistics/);
});

Deno.test("inspectPath reads DuckDB's footer: INT64, timestamps and null counts", async () => {
  const report = await inspectPath("fixtures/duckdb_zstd.parquet");
  assert.deepEqual(report.codecs, ["ZSTD"]);
  const stats = report.row_groups![0].columns;
  assert.equal(stats.ts.min, "2020-01-01 00:00:00");
  assert.equal(stats.ts.max, "2020-01-02 18:20:39");
  assert.equal(stats.price.nulls, 227);
  assert.equal(stats.id.max, 2499);
  assert.match(report.created_by[0], /DuckDB/);
});

Deno.test("inspectPath describes a CSV file by its header and inferred types", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/x.csv`, "a,b,c\n1,2.5,hello\n");
  const report = await inspectPath(`${dir}/x.csv`);
  assert.equal(report.format, "csv");
  assert.equal(report.rows, 1, "a file read whole by the inference sample has its rows counted");
  assert.deepEqual(report.columns.map((c) => c.type), ["Int32", "Float64", "Dictionary<Int32, Utf8>"]);
  assert.deepEqual(report.csv, {
    delimiter: ",",
    delimiter_sniffed: true,
    typed_by_option: [],
    inferred_from: { first_rows: 1, rows_across_the_file: 0, windows: 0, whole_file: true, gzip: false },
  });
});

Deno.test("inspect prints statistics exactly: DECIMAL(38,5), µs timestamps, TIME, DATE, binary, UINT64", async () => {
  // Values rise with id (u64 falls); the first row group's last row is its maximum.
  const expected = JSON.parse(await Deno.readTextFile("fixtures/duckdb_types.expected.json")).rows;
  const report = await inspectPath("fixtures/duckdb_types.parquet");
  const stats = report.row_groups![0].columns;
  const last = report.row_groups![0].rows - 1;
  for (const column of ["ts_us", "t", "d", "dec9", "dec18", "dec38", "u32"]) {
    assert.equal(String(stats[column].min), String(expected[0][column]), `${column} min`);
    assert.equal(String(stats[column].max), String(expected[last][column]), `${column} max`);
  }
  assert.equal(String(stats.u64.min), String(expected[last].u64));
  // Binary statistics order bytes: "…e9" is above "…e19"; shown as DuckDB shows the values.
  assert.equal(stats.bin.min, "\\x00\\xA0e0");
  assert.equal(stats.bin.max, "\\x00\\xA0e9");
  assert.equal(String(stats.u64.max), String(expected[0].u64));
});
