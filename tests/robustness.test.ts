import assert from "node:assert/strict";
import { DataError } from "../lib/errors.ts";
import { openSource } from "../lib/sources/source.ts";
import { generateWarmup } from "../lib/exercises/generate.ts";
import { rng, runCli, tempDir } from "./_helpers.ts";

const BAD = "fixtures/bad";

interface Case {
  name: string;
  argv: (out: string) => string[];
  code: number;
  stderr?: RegExp;
  stdout?: RegExp;
}

const CASES: Case[] = [
  {
    name: "empty file",
    argv: () => ["head", `${BAD}/empty.csv`],
    code: 1,
    stderr: /empty\.csv: empty file: no header line/,
  },
  {
    name: "header only",
    argv: () => ["head", `${BAD}/header_only.csv`, "--json"],
    code: 0,
    stdout: /^\[\]$/,
  },
  {
    name: "UTF-8 BOM",
    argv: () => ["head", `${BAD}/bom.csv`, "--json", "-n", "1"],
    code: 0,
    stdout: /"id": 1,\s+"price": 2.5/,
  },
  {
    name: "CRLF",
    argv: () => ["stats", `${BAD}/crlf.csv`, "--column", "price", "--json"],
    code: 0,
    stdout: /"sum": 6,/,
  },
  {
    name: "no trailing newline",
    argv: () => ["stats", `${BAD}/no_trailing_newline.csv`, "--column", "price", "--json"],
    code: 0,
    stdout: /"count": 2,/,
  },
  {
    name: "ragged row",
    argv: () => ["head", `${BAD}/ragged.csv`],
    code: 1,
    stderr: /ragged\.csv line 3: expected 2 fields, found 3$/,
  },
  {
    name: "ragged row skipped",
    argv: () => ["stats", `${BAD}/ragged.csv`, "--column", "price", "--on-bad-rows=skip", "--json"],
    code: 0,
    stdout: /"count": 2,/,
  },
  {
    name: "unterminated quote at end of file",
    argv: () => ["head", `${BAD}/unterminated_quote.csv`],
    code: 1,
    stderr: /unterminated_quote\.csv line 3: unterminated quoted field/,
  },
  {
    name: "non-numeric value in a numeric column",
    argv: () => ["stats", `${BAD}/non_numeric.csv`, "--types", "price=float64"],
    code: 1,
    stderr: /non_numeric\.csv line 3, column "price": "abc" is not a number/,
  },
  {
    name: "NaN, Inf and empty numeric fields",
    argv: () => ["stats", `${BAD}/nan_inf_empty.csv`, "--column", "price", "--json"],
    code: 0,
    stdout: /"count": 3,\s+"nulls": 2,/,
  },
  {
    name: "--column naming a missing column",
    argv: () => ["stats", `${BAD}/crlf.csv`, "--column", "cost"],
    code: 2,
    stderr: /no column "cost" \(available: id, price\)/,
  },
  {
    name: "--where naming a missing column",
    argv: (out) => ["filter", `${BAD}/crlf.csv`, "--where", "cost > 1", "--out", `${out}/x.parquet`],
    code: 2,
    stderr: /--where: no column "cost" \(available: id, price\)/,
  },
  {
    name: "duplicate header names",
    argv: () => ["head", `${BAD}/duplicate_header.csv`],
    code: 1,
    stderr: /duplicate column name "id"/,
  },
  {
    name: "invalid UTF-8",
    argv: () => ["head", `${BAD}/invalid_utf8.csv`],
    code: 1,
    stderr: /invalid_utf8\.csv line 2: not valid UTF-8 text/,
  },
  {
    name: "binary garbage as CSV",
    argv: () => ["head", `${BAD}/binary_garbage.csv`],
    code: 1,
    stderr: /binary_garbage\.csv line 1: not valid UTF-8/,
  },
  {
    name: "truncated Parquet",
    argv: () => ["inspect", `${BAD}/truncated.parquet`],
    code: 1,
    stderr: /truncated\.parquet: is not a Parquet file, or is truncated/,
  },
  {
    name: "not Parquet",
    argv: () => ["head", `${BAD}/not_parquet.parquet`],
    code: 1,
    stderr: /not_parquet\.parquet: is not a Parquet file/,
  },
  {
    name: "encrypted Parquet",
    argv: () => ["head", `${BAD}/encrypted_footer.parquet`],
    code: 1,
    stderr: /is an encrypted Parquet file/,
  },
  {
    name: "unknown codec",
    argv: () => ["head", `${BAD}/lzo_codec.parquet`],
    code: 1,
    stderr: /lzo_codec\.parquet row group 0, column "price": uses the LZO codec/,
  },
  {
    name: "missing path",
    argv: (out) => ["head", `${out}/nope.csv`],
    code: 1,
    stderr: /cannot open ".*nope\.csv": no such file or directory/,
  },
  {
    name: "directory where a file is expected",
    argv: () => ["bench", "read", BAD],
    code: 1,
    stderr: /cannot read "fixtures\/bad": is a directory/,
  },
  {
    name: "output folder that cannot be created",
    argv: () => ["filter", `${BAD}/bom.csv`, "--where", "price > 1", "--out", `${BAD}/crlf.csv/out.parquet`],
    code: 1,
    stderr: /cannot create folder "fixtures\/bad\/crlf\.csv"/,
  },
  {
    name: "output that exists, without --force",
    argv: () => ["filter", `${BAD}/crlf.csv`, "--where", "price > 1", "--out", `${BAD}/bom.csv`],
    code: 1,
    stderr: /"fixtures\/bad\/bom\.csv" already exists \(use --force to replace it\)/,
  },
];

for (const c of CASES) {
  Deno.test(`bad input: ${c.name} → exit ${c.code}, one clear line, nothing left behind`, async () => {
    const out = await tempDir("bad");
    const before = [...Deno.readDirSync(BAD)].map((e) => e.name).sort();
    const { code, stdout, stderr } = await runCli(c.argv(out));
    assert.equal(code, c.code, `stderr: ${stderr}`);
    if (c.stderr) assert.match(stderr, c.stderr);
    if (c.stdout) assert.match(stdout, c.stdout);
    if (code === 1) {
      assert.equal(stderr.split("\n").length, 1, "one line");
      assert.match(stderr, /^outcore: error: /);
    }
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace without --debug");
    assert.deepEqual([...Deno.readDirSync(BAD)].map((e) => e.name).sort(), before, "fixtures untouched");
    assert.deepEqual([...Deno.readDirSync(out)], [], "no partial output");
  });
}

Deno.test({
  name: "a command given no write permission fails cleanly and writes nothing",
  permissions: { read: ["fixtures", ".test-tmp"], write: false },
  async fn() {
    const { code, stderr } = await runCli([
      "filter",
      `${BAD}/crlf.csv`,
      "--where",
      "price > 1",
      "--out",
      ".test-tmp/denied/x.parquet",
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /^outcore: error: cannot (create folder|write|create) ".*": permission denied$/);
  },
});

Deno.test("a corrupt data page fails in a worker with a clear error naming the file and row group, without hanging", async () => {
  const dir = await tempDir("corrupt");
  await generateWarmup({ rows: 30_000, seed: 1, out: `${dir}/ok.parquet` });
  const bytes = await Deno.readFile(`${dir}/ok.parquet`);
  bytes.fill(0xff, 4, 64); // the first page header of the first column chunk; the footer stays intact
  await Deno.writeFile(`${dir}/bad.parquet`, bytes);
  const { code, stderr } = await runCli(["stats", `${dir}/bad.parquet`, "--workers", "2"]);
  assert.equal(code, 1);
  assert.match(stderr, /^outcore: error: .*bad\.parquet.*row group 0.*$/);
  assert.equal(stderr.split("\n").length, 1);
});

Deno.test("random byte flips and truncations of Parquet files end in a DataError or a clean read, never a crash or hang", async () => {
  const dir = await tempDir("fuzz");
  await generateWarmup({ rows: 3000, seed: 2, out: `${dir}/ours.parquet` });
  const originals = [
    await Deno.readFile(`${dir}/ours.parquet`),
    await Deno.readFile("fixtures/duckdb_snappy.parquet"),
  ];
  const random = rng(99);
  let clean = 0, rejected = 0;
  for (let trial = 0; trial < 120; trial++) {
    const original = originals[trial % originals.length];
    let bytes = original.slice();
    if (trial % 3 === 0) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
    else {for (let k = 0; k < 1 + Math.floor(random() * 8); k++) {
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      }}
    const path = `${dir}/t${trial}.parquet`;
    await Deno.writeFile(path, bytes);
    const read = (async () => {
      const source = await openSource(path);
      try {
        for await (const _ of source.batches());
      } finally {
        source.close();
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise((_, reject) =>
      timer = setTimeout(() => reject(new Error(`trial ${trial} hung`)), 10_000)
    );
    try {
      await Promise.race([read, timeout]);
      clean++;
    } catch (err) {
      assert.ok(
        err instanceof DataError,
        `trial ${trial}: ${err instanceof Error ? `${err.name}: ${err.message}` : err}`,
      );
      rejected++;
    } finally {
      clearTimeout(timer);
    }
  }
  assert.ok(rejected > 0 && clean + rejected === 120);
});
