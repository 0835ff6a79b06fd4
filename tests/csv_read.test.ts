import assert from "node:assert/strict";
import Papa from "papaparse";
import { columnValues } from "../lib/batch.ts";
import { CsvReader, splitRecord } from "../lib/csv/read.ts";
import { DataError, UsageError } from "../lib/errors.ts";
import { FileChunks } from "../lib/io/file.ts";
import { collectRows, rng, streamOf, tempDir } from "./_helpers.ts";

async function readAll(text: string | Uint8Array, options = {}, cuts: number[] = []) {
  const reader = await CsvReader.open(streamOf(text, cuts), { file: "t.csv", ...options });
  return { reader, rows: await collectRows(reader.batches()) };
}

Deno.test("CsvReader infers int32, float64, timestamp and string columns", async () => {
  const { reader, rows } = await readAll(
    "a,b,c,d\n1,2.5,2020-01-01 00:00:01,x\n-3,4,2021-06-30T12:00:00,y\n",
  );
  assert.deepEqual(reader.kinds, ["int32", "float64", "timestamp", "string"]);
  assert.deepEqual(rows, [
    { a: 1, b: 2.5, c: Date.UTC(2020, 0, 1, 0, 0, 1), d: "x" },
    { a: -3, b: 4, c: Date.UTC(2021, 5, 30, 12), d: "y" },
  ]);
});

Deno.test("CsvReader follows RFC 4180: quoted delimiters, doubled quotes, newlines in quotes", async () => {
  const text = 'id,text\n1,"a,b"\n2,"say ""hi"""\n3,"two\nlines"\n4,plain\n';
  const { rows } = await readAll(text);
  assert.deepEqual(rows.map((r) => r.text), ["a,b", 'say "hi"', "two\nlines", "plain"]);
});

Deno.test("CsvReader handles CRLF, a UTF-8 BOM, blank lines and a last line without newline", async () => {
  const text = "\ufeffx,y\r\n1,a\r\n\r\n2,b\r\n\n3,c";
  const { reader, rows } = await readAll(text);
  assert.deepEqual(reader.header, ["x", "y"]);
  assert.deepEqual(rows, [{ x: 1, y: "a" }, { x: 2, y: "b" }, { x: 3, y: "c" }]);
});

Deno.test("CsvReader reads empty fields as nulls", async () => {
  const { rows } = await readAll("a,b,c\n1,,x\n,2.5,\n");
  assert.deepEqual(rows, [{ a: 1, b: null, c: "x" }, { a: null, b: 2.5, c: null }]);
});

Deno.test("CsvReader parses only projected columns, in the requested order", async () => {
  const { reader, rows } = await readAll("a,b,c\n1,notanumber,3\n4,??,6\n", {
    columns: ["c", "a"],
    types: { b: "float64" },
  });
  assert.deepEqual(reader.schema.fields.map((f) => f.name), ["c", "a"]);
  assert.deepEqual(rows, [{ c: 3, a: 1 }, { c: 6, a: 4 }]);
});

Deno.test("CsvReader splits output into batches of chunkRows rows", async () => {
  const lines = Array.from({ length: 25 }, (_, i) => `${i},${i / 2}`);
  const reader = await CsvReader.open(streamOf("i,h\n" + lines.join("\n")), { chunkRows: 10 });
  const sizes: number[] = [];
  let sum = 0;
  for await (const batch of reader.batches()) {
    sizes.push(batch.numRows);
    for (const v of columnValues(batch, "i") as Int32Array) sum += v;
  }
  assert.deepEqual(sizes, [10, 10, 5]);
  assert.equal(sum, 300);
});

const BOUNDARY_TEXT = 'n,s\r\n1,"quo""ted, with\r\nnewline"\r\n2,héllo wörld €\r\n3,"end"\r\n4,\r\n5,last';
const BOUNDARY_EXPECTED = [
  { n: 1, s: 'quo"ted, with\r\nnewline' },
  { n: 2, s: "héllo wörld €" },
  { n: 3, s: "end" },
  { n: 4, s: null },
  { n: 5, s: "last" },
];

Deno.test("CsvReader parses the same whatever byte a chunk boundary falls on (fields, quotes, CRLF, UTF-8)", async () => {
  const bytes = new TextEncoder().encode(BOUNDARY_TEXT);
  const options = { inferRows: 0, types: { n: "int32", s: "string" } as const, chunkRows: 2 };
  for (let cut = 1; cut < bytes.length; cut++) {
    const { rows } = await readAll(bytes, options, [cut]);
    assert.deepEqual(rows, BOUNDARY_EXPECTED, `cut at byte ${cut}`);
  }
  // Every byte its own chunk, including empty pieces between.
  const every = Array.from({ length: bytes.length }, (_, i) => i);
  assert.deepEqual((await readAll(bytes, options, every)).rows, BOUNDARY_EXPECTED);
});

Deno.test("CsvReader reports a ragged row with file and line", async () => {
  await assert.rejects(
    readAll("a,b\n1,2\n3,4,5\n"),
    (err: unknown) => err instanceof DataError && err.message === "t.csv line 3: expected 2 fields, found 3",
  );
});

Deno.test("CsvReader reports a value that does not parse with line and column", async () => {
  const text = "a,price\n" + Array.from({ length: 30 }, (_, i) => `${i},${i}.5`).join("\n") + "\n31,12,5x\n";
  await assert.rejects(readAll(text, { inferRows: 5 }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /^t\.csv line 32: expected 2 fields, found 3$/);
    return true;
  });
  await assert.rejects(readAll("a,price\n1,2.5\n2,abc\n", { inferRows: 1 }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.location.line, 3);
    assert.equal(err.location.column, "price");
    assert.match(err.message, /"abc" is not a number/);
    return true;
  });
});

Deno.test("CsvReader skips and counts bad rows with onBadRows skip", async () => {
  const text = "a,b\n1,2\n3,4,5\n6,x\n7,8\n";
  const { reader, rows } = await readAll(text, { onBadRows: "skip", types: { a: "int32", b: "int32" } });
  assert.deepEqual(rows, [{ a: 1, b: 2 }, { a: 7, b: 8 }]);
  assert.equal(reader.badRowCount, 2);
  assert.deepEqual(reader.badRows.map((b) => b.line), [3, 4]);
});

Deno.test("CsvReader rejects an unterminated quote, an empty file, duplicate names and unknown columns", async () => {
  await assert.rejects(readAll('a,b\n1,"open\n2,3\n'), /t\.csv line 2: unterminated quoted field/);
  await assert.rejects(readAll(""), /t\.csv: empty file: no header line/);
  await assert.rejects(readAll("a,a\n1,2\n"), /duplicate column name "a"/);
  await assert.rejects(
    readAll("a,b\n1,2\n", { columns: ["zz"] }),
    (err: unknown) => err instanceof UsageError && /available: a, b/.test(err.message),
  );
});

Deno.test("CsvReader rejects invalid UTF-8 with the file name", async () => {
  const bytes = new Uint8Array([...new TextEncoder().encode("a,b\n1,"), 0xff, 0xfe, 10]);
  await assert.rejects(readAll(bytes), /^DataError: t\.csv line 2: not valid UTF-8 text$/);
  // Found in a later chunk too, with its line.
  const later = new Uint8Array([...new TextEncoder().encode("a,b\n1,x\n2,y\n3,"), 0xc3, 0x28, 10]);
  await assert.rejects(
    readAll(later, { inferRows: 0, types: { a: "int32", b: "string" } }, [6, 10]),
    /line 4: not valid UTF-8/,
  );
});

Deno.test("CsvReader keeps a literal U+FFFD character, even split across chunks", async () => {
  const bytes = new TextEncoder().encode("a,b\n1,x\ufffdy\n2,\ufffd\n");
  for (let cut = 1; cut < bytes.length; cut++) {
    const { rows } = await readAll(bytes, { inferRows: 0, types: { a: "int32", b: "string" } }, [cut]);
    assert.deepEqual(rows, [{ a: 1, b: "x\ufffdy" }, { a: 2, b: "\ufffd" }], `cut at ${cut}`);
  }
});

Deno.test("CsvReader reads a header-only file as zero rows", async () => {
  const { reader, rows } = await readAll("a,b\n");
  assert.deepEqual(reader.header, ["a", "b"]);
  assert.deepEqual(rows, []);
});

Deno.test("CsvReader accepts another delimiter", async () => {
  const { rows } = await readAll("a;b\n1;x,y\n", { delimiter: ";" });
  assert.deepEqual(rows, [{ a: 1, b: "x,y" }]);
});

Deno.test("splitRecord asks for more text when a record is cut", () => {
  assert.equal(splitRecord('1,"ab', 0, false), null);
  assert.equal(splitRecord('1,"ab"', 0, false), null); // the next byte might be a doubled quote
  assert.equal(splitRecord('1,"ab', 0, true), "unterminated");
  assert.deepEqual(splitRecord('1,"a""b"\n2', 0, false), {
    fields: ["1", 'a"b'],
    next: 9,
    lines: 1,
    error: undefined,
  });
});

Deno.test("CsvReader reads randomized CSV exactly as papaparse does", async () => {
  const random = rng(7);
  const alphabet = ["a", "b", " ", ",", '"', "\n", "\r\n", "é", "€", "😀", "1", "."];
  const field = () => {
    const n = Math.floor(random() * 6);
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
    const needsQuotes = /[",\r\n]/.test(s) || random() < 0.2;
    return needsQuotes ? `"${s.replaceAll('"', '""')}"` : s;
  };
  for (let trial = 0; trial < 60; trial++) {
    const columns = 2 + Math.floor(random() * 4);
    const lines = [Array.from({ length: columns }, (_, i) => `c${i}`).join(",")];
    const rowCount = Math.floor(random() * 30);
    for (let r = 0; r < rowCount; r++) lines.push(Array.from({ length: columns }, field).join(","));
    const newline = random() < 0.5 ? "\n" : "\r\n";
    const text = lines.join(newline) + (random() < 0.5 ? newline : "");
    const expected = Papa.parse<string[]>(text, { header: false, skipEmptyLines: true, newline });
    const bytes = new TextEncoder().encode(text);
    const cuts = Array.from({ length: 3 }, () => Math.floor(random() * bytes.length));
    const types = Object.fromEntries(lines[0].split(",").map((c) => [c, "string" as const]));
    const { rows } = await readAll(bytes, { types, inferRows: 0 }, cuts);
    const got = rows.map((r) => Object.values(r).map((v) => v ?? ""));
    assert.deepEqual(got, expected.data.slice(1), `trial ${trial}: ${JSON.stringify(text)}`);
  }
});

Deno.test("Utf8Guard agrees with a fatal TextDecoder on random bytes, literal U+FFFD and any chunking or lag", async () => {
  const { Utf8Guard } = await import("../lib/csv/_utf8.ts");
  const random = rng(7);
  const pieces = [
    [0x61, 0x62],
    [0xef, 0xbf, 0xbd], // a literal U+FFFD: valid
    [0xc3, 0xa9], // é
    [0xe2, 0x82, 0xac], // €
    [0xff], // never valid
    [0xc3], // a lead byte without its continuation
    [0x0a],
  ];
  for (let trial = 0; trial < 400; trial++) {
    const bytes: number[] = [];
    const invalidChance = trial % 2 === 0 ? 0 : 0.02;
    for (let n = Math.floor(random() * 3000); n > 0; n--) {
      const r = random();
      const piece = r < invalidChance
        ? pieces[4 + Math.floor(random() * 2)]
        : pieces[[0, 0, 0, 1, 2, 3, 6][Math.floor(random() * 7)]];
      bytes.push(...piece);
    }
    const all = Uint8Array.from(bytes);
    let valid = true;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(all);
    } catch {
      valid = false;
    }
    // Chunks of random sizes; the guard sees up to `lag` chunks before their text is checked.
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < all.length;) {
      const size = 1 + Math.floor(random() * 40);
      chunks.push(all.subarray(at, at + size));
      at += size;
    }
    const lag = Math.floor(random() * 4);
    const guard = new Utf8Guard();
    const decoder = new TextDecoder();
    let flagged = false;
    for (let i = 0; i < chunks.length + lag; i++) {
      if (i < chunks.length) guard.countBytes(chunks[i]);
      const j = i - lag;
      if (j >= 0 && j < chunks.length) {
        const text = decoder.decode(chunks[j], { stream: j < chunks.length - 1 });
        if (guard.checkText(text) >= 0) flagged = true;
      }
    }
    assert.equal(flagged, !valid, `trial ${trial}`);
  }
});

/** Reads `bytes` as a file through FileChunks with reads of `chunkBytes` and slices of `sliceBytes`. */
async function readFile(bytes: Uint8Array, chunkBytes: number, sliceBytes: number, options = {}) {
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/t.csv`, bytes);
  const reader = await CsvReader.open(await FileChunks.open(`${dir}/t.csv`, { chunkBytes, sliceBytes }), {
    file: "t.csv",
    ...options,
  });
  return { reader, rows: await collectRows(reader.batches()) };
}

Deno.test("CsvReader reads a file through reused buffers as it reads a stream, cut anywhere", async () => {
  // Quotes over lines, CRLF, a BOM, multi-byte characters and a literal U+FFFD: every slice boundary falls
  // somewhere awkward for some size, and a record cut by one is completed through a bridge or joined.
  const text =
    '\ufeffid,name,price\r\n1,"a,\nb",2.5\r\n2,é€😀,3\n3,"say ""hi""",\n4,x\ufffdy,4.25\n\n5,plain,1e3\n';
  const bytes = new TextEncoder().encode(text);
  const options = { inferRows: 0, types: { id: "int32", name: "string", price: "float64" } } as const;
  const expected = (await readAll(text, options)).rows;
  assert.equal(expected.length, 5);
  for (const [chunkBytes, sliceBytes] of [[1, 1], [2, 1], [3, 2], [5, 5], [8, 3], [13, 7], [64, 64]]) {
    const { rows } = await readFile(bytes, chunkBytes, sliceBytes, options);
    assert.deepEqual(rows, expected, `reads of ${chunkBytes}, slices of ${sliceBytes}`);
  }
  // Papaparse agrees on the values.
  const papa = Papa.parse<string[]>(text.slice(1).replaceAll("\r\n", "\n"), { skipEmptyLines: true }).data;
  assert.deepEqual(expected.map((r) => r.name), papa.slice(1).map((r: string[]) => r[1]));
});

Deno.test("CsvReader finds invalid UTF-8 in a file read through reused buffers, with its line", async () => {
  const bytes = new Uint8Array([
    ...new TextEncoder().encode("a,b\n1,x\n2,y\n3,"),
    0xc3,
    0x28,
    10,
    52,
    44,
    122,
    10,
  ]);
  const options = { inferRows: 0, types: { a: "int32", b: "string" } } as const;
  for (const [chunkBytes, sliceBytes] of [[1, 1], [3, 2], [4, 4], [64, 64]]) {
    await assert.rejects(
      readFile(bytes, chunkBytes, sliceBytes, options),
      /^DataError: t\.csv line 4: not valid UTF-8 text$/,
      `reads of ${chunkBytes}, slices of ${sliceBytes}`,
    );
  }
  // A sequence cut short by the file's end.
  const truncated = new Uint8Array([...new TextEncoder().encode("a,b\n1,x\n2,"), 0xe2, 0x82]);
  await assert.rejects(readFile(truncated, 3, 2, options), /line 3: not valid UTF-8/);
  const lossy = await readFile(truncated, 3, 2, { ...options, encodingErrors: "replace" });
  assert.deepEqual(lossy.rows.map((r) => r.b), ["x", "\ufffd"]);
});

Deno.test("CsvReader keeps text values apart that share a length and first and last characters", async () => {
  // Values found in place by (length, first, last character) must still be told apart by their middles,
  // and slot collisions between unrelated values resolved by comparing, across several batches.
  const random = rng(11);
  const pool = Array.from(
    { length: 400 },
    (_, i) =>
      i % 2
        ? `a${i.toString(36).padStart(3, "0")}z`
        : `${String.fromCharCode(97 + (i % 26))}${"m".repeat(i % 9)}${i}`,
  );
  const values = Array.from({ length: 5000 }, () => pool[Math.floor(random() * pool.length)]);
  const text = "k,v\n" + values.map((v, i) => `${i},${v}\n`).join("");
  const { rows } = await readAll(text, { inferRows: 0, types: { k: "int32", v: "string" }, chunkRows: 700 }, [
    777,
    5000,
  ]);
  assert.deepEqual(rows.map((r) => r.v), values);
});

Deno.test("CsvReader with reuseBatches reads each batch into the same arrays, with the values fresh ones get", async () => {
  // Nulls come and go between batches (a validity bitmap refilled, values under a null 0), and each batch's
  // text dictionary holds its own values only.
  const random = rng(5);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const lines = Array.from({ length: 300 }, (_, i) => {
    const nullish = i % 40 < 6; // nulls in some batches, none in others
    return [
      i,
      nullish && random() < 0.5 ? "" : (random() * 100).toFixed(2),
      nullish && random() < 0.5 ? "" : String(Math.floor(random() * 1e6)),
      nullish && random() < 0.5 ? "" : `2024-0${1 + (i % 9)}-1${i % 10} 0${i % 10}:00:00`,
      nullish && random() < 0.5 ? "" : pick(["north", "south", "east", "west", "Zürich"]),
      nullish && random() < 0.5 ? "" : String(10_000_000_000 + i),
    ].join(",");
  });
  const text = "i,x,n,t,s,big\n" + lines.join("\n") + "\n";
  const types = { i: "int32", x: "float64", n: "int32", t: "timestamp", s: "string", big: "int64" } as const;
  const options = { inferRows: 0, types, chunkRows: 40 };
  const fresh = await readAll(text, options, [100, 2000]);
  const reader = await CsvReader.open(streamOf(text, [100, 2000]), {
    file: "t.csv",
    ...options,
    reuseBatches: true,
  });
  const rows: Record<string, unknown>[] = [];
  const buffers = new Set<ArrayBufferLike>();
  const firstBufferOf: ArrayBufferLike[] = [];
  for await (const batch of reader.batches()) {
    const x = batch.getChild("x")!.data[0];
    buffers.add(x.values.buffer);
    firstBufferOf.push(x.values.buffer);
    for (let r = 0; r < batch.numRows; r++) {
      if (!x.getValid(r)) assert.equal(x.values[r], 0, "a null's value is 0");
    }
    assert.ok(batch.getChild("s")!.data[0].dictionary!.length <= 5);
    for (const row of batch.toArray()) rows.push(row.toJSON());
  }
  assert.deepEqual(rows, fresh.rows);
  assert.equal(firstBufferOf.length, 8);
  assert.equal(buffers.size, 1, "every batch in the same arrays");
  assert.equal((firstBufferOf[0] as ArrayBuffer).detached, true, "freed once the reader is done");
});

Deno.test("CsvReader frees its unused arrays when done, and never a batch it handed out without reuse", async () => {
  const text = "a,b\n" + Array.from({ length: 50 }, (_, i) => `${i},${i / 2}`).join("\n") + "\n";
  const reader = await CsvReader.open(streamOf(text), {
    file: "t.csv",
    inferRows: 0,
    types: { a: "int32", b: "float64" },
    chunkRows: 20,
  });
  const kept = [];
  for await (const batch of reader.batches()) kept.push(batch);
  assert.equal(kept.length, 3);
  assert.ok(kept.every((b) => !(b.getChild("b")!.data[0].values.buffer as ArrayBuffer).detached));
  assert.deepEqual(
    kept.flatMap((b) => [...columnValues(b, "b")]),
    Array.from({ length: 50 }, (_, i) => i / 2),
  );
});

Deno.test("CsvReader hands out a column asked for twice, both times with its values", async () => {
  // Each field has one slot: the second request used to take it over, leaving the first all zeros.
  const reader = await CsvReader.open(streamOf("a,b\n1,x\n2,y\n3,x\n"), { columns: ["b", "a", "b", "a"] });
  const values: unknown[][] = [];
  for await (const batch of reader.batches()) {
    assert.deepEqual(batch.schema.fields.map((f) => f.name), ["b", "a", "b", "a"]);
    for (let c = 0; c < batch.numCols; c++) values.push([...batch.getChildAt(c)!]);
  }
  assert.deepEqual(values, [["x", "y", "x"], [1, 2, 3], ["x", "y", "x"], [1, 2, 3]]);
});
