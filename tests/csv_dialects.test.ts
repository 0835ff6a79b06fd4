/**
 * CSV as users have it (lib/csv/infer.ts and the reader's options): types inferred across the whole file,
 * leading zeros kept, null tokens, sniffed delimiters, quoted column names, lossy UTF-8 on request, and
 * errors in the right tier. Oracles: the values written, and papaparse for the sniffed delimiter.
 */
import assert from "node:assert/strict";
import Papa from "papaparse";
import { inferKind, sniffDelimiter } from "../lib/csv/infer.ts";
import { openSource } from "../lib/sources/source.ts";
import { runCli, tempDir } from "./_helpers.ts";

const dir = await tempDir("dialects");

Deno.test("inferKind keeps leading zeros as text and skips null tokens", () => {
  assert.equal(inferKind(["00501", "02134", "10001"]), "string");
  assert.equal(inferKind(["000009113186"]), "string");
  assert.equal(inferKind(["0", "10", "0.5"]), "float64");
  assert.equal(inferKind(["0", "7", "-3"]), "int32");
  assert.equal(inferKind(["NA", "3.5", ""], new Set(["NA"])), "float64");
  assert.equal(inferKind(["NA", "3.5"]), "string");
  assert.equal(inferKind(["-01", "5"]), "string");
  assert.equal(inferKind(["+0", "-0"]), "int32");
});

Deno.test("inferKind: a value that passes a narrow kind's test still counts against the kinds beside it", () => {
  // Each value must hold for the kind chosen: an integer that is not a timestamp rules timestamps out.
  assert.equal(inferKind(["5", "2020-01-01 00:00:00"]), "string");
  assert.equal(inferKind(["2020-01-01 00:00:00", "5"]), "string");
  assert.equal(inferKind(["2020-01-01", "2020-01-02 10:00:00"]), "timestamp");
  assert.equal(inferKind(["1", "3000000000"]), "int64");
  assert.equal(inferKind(["1", "99999999999999999999"]), "float64"); // 20 digits: past int64
  assert.equal(inferKind(["1", "2.5", "3"]), "float64");
  assert.equal(inferKind(["1", "x"]), "string");
});

Deno.test("leading zeros survive head, filter and the written Parquet", async () => {
  const csv = `${dir}/zips.csv`;
  await Deno.writeTextFile(csv, "zip,reg\n00501,000009113186\n02134,000000000042\n10001,123456789012\n");
  const head = await runCli(["head", csv, "--json"]);
  assert.deepEqual(JSON.parse(head.stdout).map((r: { zip: string }) => r.zip), ["00501", "02134", "10001"]);
  const out = `${dir}/zips.parquet`;
  const f = await runCli(["filter", csv, "--where", "zip != 10001", "--out", out]);
  assert.equal(f.code, 0, f.stderr);
  const back = await runCli(["head", out, "--json"]);
  assert.deepEqual(JSON.parse(back.stdout), [
    { zip: "00501", reg: "000009113186" },
    { zip: "02134", reg: "000000000042" },
  ]);
});

Deno.test("a column empty for its first rows is typed by the values later in the file", async () => {
  const csv = `${dir}/late.csv`;
  const lines = ["id,pct"];
  let above = 0;
  for (let i = 0; i < 60_000; i++) {
    const pct = i < 50_000 ? "" : ((i * 7919) % 10_000) / 100;
    if (pct !== "" && pct > 40) above++;
    lines.push(`${i},${pct}`);
  }
  await Deno.writeTextFile(csv, lines.join("\n") + "\n");
  const source = await openSource(csv);
  assert.equal(String(source.schema.fields[1].type), "Float64");
  source.close();
  const { code, stdout } = await runCli([
    "filter",
    csv,
    "--where",
    "pct > 40",
    "--out",
    `${dir}/late.csv.out.csv`,
    "--json",
  ]);
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout).rows_out, above);
});

Deno.test("NA, N/A, NULL and \\N are nulls in numeric columns by default, text in text columns; --null-values widens it", async () => {
  const csv = `${dir}/na.csv`;
  await Deno.writeTextFile(csv, "country,price\nNA,NA\nFR,2.5\nDE,N/A\nIT,\\N\nES,NULL\n");
  const stats = await runCli(["stats", csv, "--column", "price", "--json"]);
  assert.equal(stats.code, 0, stats.stderr);
  const price = JSON.parse(stats.stdout).columns.price;
  assert.equal(price.count, 1);
  assert.equal(price.nulls, 4);
  const head = await runCli(["head", csv, "--json"]);
  assert.equal(JSON.parse(head.stdout)[0].country, "NA", "Namibia stays Namibia");
  const lossy = await runCli(["head", csv, "--null-values", "NA", "--json"]);
  assert.equal(JSON.parse(lossy.stdout)[0].country, null);
});

Deno.test("the delimiter is sniffed among , ; tab | (same rows as papaparse with that delimiter)", async () => {
  const rows = [["id", "name", "Wildlife Size"], ["1", "a;b", "Large"], ["2", "c", "Small"], [
    "3",
    "d",
    "Large",
  ]];
  for (const d of [",", ";", "\t", "|"]) {
    const text = rows.map((r) =>
      r.map((f) => (f.includes(d) || f.includes(";") ? `"${f}"` : f)).join(d)
    ).join("\n") + "\n";
    assert.equal(sniffDelimiter(text), d, JSON.stringify(d));
    const path = `${dir}/sniff_${d.charCodeAt(0)}.csv`;
    await Deno.writeTextFile(path, text);
    const { code, stdout } = await runCli(["head", path, "--json"]);
    assert.equal(code, 0);
    const expected =
      Papa.parse<Record<string, string>>(text, { header: true, delimiter: d, skipEmptyLines: true }).data;
    assert.deepEqual(
      JSON.parse(stdout).map((r: Record<string, unknown>) => r.name),
      expected.map((r: Record<string, string>) => r.name),
    );
    // A quoted column name in --where.
    const f = await runCli([
      "filter",
      path,
      "--where",
      '"Wildlife Size" = Large',
      "--out",
      `${path}.out.csv`,
      "--json",
    ]);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(JSON.parse(f.stdout).rows_out, 2);
  }
});

Deno.test("--no-header names columns column_1…; --encoding-errors=replace reads invalid UTF-8 lossily", async () => {
  const nh = `${dir}/nh.csv`;
  await Deno.writeTextFile(nh, "1,x\n2,y\n");
  const r = await runCli(["head", nh, "--no-header", "--json"]);
  assert.deepEqual(JSON.parse(r.stdout), [{ column_1: 1, column_2: "x" }, { column_1: 2, column_2: "y" }]);
  const bad = `${dir}/bad8.csv`;
  await Deno.writeFile(
    bad,
    new Uint8Array([...new TextEncoder().encode("id,name\n1,caf"), 0xe9, 10, 50, 44, 111, 107, 10]),
  );
  const strict = await runCli(["head", bad]);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /bad8\.csv line 2: not valid UTF-8 text/);
  const lossy = await runCli(["head", bad, "--encoding-errors=replace", "--json"]);
  assert.equal(lossy.code, 0);
  assert.deepEqual(JSON.parse(lossy.stdout).map((x: { name: string }) => x.name), ["caf\ufffd", "ok"]);
});

Deno.test("errors in the right tier: the file's faults exit 1 with file and place, the command line's exit 2", async () => {
  const headerOnly = `${dir}/header_only.csv`;
  await Deno.writeTextFile(headerOnly, "id,price\n");
  const empty = await runCli(["stats", headerOnly, "--column", "price", "--json"]);
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(JSON.parse(empty.stdout).columns.price.count, 0);
  assert.equal(JSON.parse(empty.stdout).rows, 0);

  const text = `${dir}/text_price.csv`;
  await Deno.writeTextFile(text, "id,price\n1,2\n2,abc\n");
  const t = await runCli(["stats", text, "--column", "price"]);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /text_price\.csv column "price": holds text.*--types price=float64/);
  assert.equal(t.stderr.split("\n").length, 1);
  const typed = await runCli(["stats", text, "--column", "price", "--types", "price=float64"]);
  assert.equal(typed.code, 1);
  assert.match(
    typed.stderr,
    /text_price\.csv line 3, column "price": "abc" is not a number \(use --types price=string/,
  );

  const unterminated = `${dir}/unterminated.csv`;
  await Deno.writeTextFile(unterminated, 'id,name\n1,"abc\n2,def\n');
  const u = await runCli(["stats", unterminated, "--column", "id"]);
  assert.equal(u.code, 1);
  assert.match(u.stderr, /unterminated\.csv line 2: unterminated quoted field/);

  // Comparing a text column with a number is refused (text order is not number order).
  const cmp = await runCli(["filter", text, "--where", "price > 1", "--out", `${dir}/never.csv`]);
  assert.equal(cmp.code, 2);
  assert.match(
    cmp.stderr,
    /"price" is a text column, so > would compare text, not numbers; .*--types price=float64/,
  );
});
