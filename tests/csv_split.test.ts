import assert from "node:assert/strict";
import { CsvReader, type CsvReadOptions } from "../lib/csv/read.ts";
import { fieldSplitter, INPUT_CHARS, TEXT_ENTRIES } from "../lib/csv/_split.ts";
import { SOURCE_SHA256 } from "../lib/csv/kernel/split.wasm.ts";
import { parseFloat64, parseInt32, parseTimestamp } from "../lib/values.ts";
import { collectRows, rng, streamOf } from "./_helpers.ts";

Deno.test("the splitter's module was built from its source as it is (else: deno task wasm)", async () => {
  const source = await Deno.readFile(new URL("../lib/csv/kernel/split.as.ts", import.meta.url));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", source));
  const sha = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(SOURCE_SHA256, sha);
});

/**
 * Splits `text` (ASCII) from `from`, with the loop for text with quotes or the other; returns the records'
 * field texts and where and why it stopped.
 */
function split(text: string, fields: number, from = 0, maxRows = 1000, quoted = true) {
  const splitter = fieldSplitter();
  assert.ok(splitter, "this runtime has WebAssembly SIMD");
  const { written } = new TextEncoder().encodeInto(text, splitter.input);
  const shift = 100; // bounds come back shifted: text positions of a window that starts at 100
  const records = splitter.split(from, written, fields, 44, maxRows, shift, quoted);
  const out: string[][] = [];
  for (let r = 0; r < records; r++) {
    const b = splitter.bounds.subarray(r * 2 * fields);
    out.push(Array.from({ length: fields }, (_, f) => text.slice(b[2 * f] - shift, b[2 * f + 1] - shift)));
  }
  return { out, consumed: splitter.consumed(), status: splitter.status() };
}

Deno.test("the splitter splits whole records and stops where the TypeScript path must take over", () => {
  assert.deepEqual(split("a,b,c\n1,,3\r\n,x,\n4,5", 3), {
    out: [["a", "b", "c"], ["1", "", "3"], ["", "x", ""]],
    consumed: 16, // the last line has no line end yet
    status: 0,
  });
  // Quoted fields as RFC 4180 has them, their text without the quotes; delimiters inside are text.
  assert.deepEqual(split('"a",b,"c,d"\n"",",",""\r\n"x\ry",1,2\n', 3).out, [
    ["a", "b", "c,d"],
    ["", ",", ""],
    ["x\ry", "1", "2"],
  ]);
  assert.deepEqual(split('""\n', 1).out, [[""]]); // a quoted empty field is a record, not a blank line
  const stops: [string, number][] = [
    ['1,2,3\n4,"5""",6\n', 6], // a doubled quote in quotes
    ['1,2,3\n4,"5\n5",6\n', 6], // a line end in quotes
    ['1,2,3\n4,5"",6\n', 6], // a quote inside a field
    ['1,2,3\n4,"5"x,6\n', 6], // text after a closing quote
    ['1,2,3\n4,5,"6"\rx\n', 6], // a closing quote, then a CR that ends no line
    ['1,2,3\n4\r5,"6",7\n', 6], // a CR alone (a line end where a record has quotes, else text)
    ["1,2,3\n4,5\n7,8,9\n", 6], // too few fields
    ["1,2,3\n4,5,6,7\n", 6], // too many
    ["1,2,3\n\n4,5,6\n", 6], // a blank line
    ["1,2,3\n\r\n4,5,6\n", 6], // a blank CRLF line
  ];
  for (const [text, consumed] of stops) {
    assert.deepEqual(split(text, 3), { out: [["1", "2", "3"]], consumed, status: 2 }, text);
  }
  assert.deepEqual(split("1,2\n3,4\n5,6\n", 2, 4, 1), { out: [["3", "4"]], consumed: 8, status: 1 });
  // The loop for text without quotes splits the same but stops at any quote, and keeps a CR alone as text.
  for (const text of ['1,2,3\n"4",5,6\n', '1,2,3\n4,5"",6\n']) {
    assert.deepEqual(split(text, 3, 0, 1000, false), { out: [["1", "2", "3"]], consumed: 6, status: 2 });
  }
  assert.deepEqual(split("a,b,c\n1,,3\r\n,x\ry,\n4,5", 3, 0, 1000, false), {
    out: [["a", "b", "c"], ["1", "", "3"], ["", "x\ry", ""]],
    consumed: 18,
    status: 0,
  });
  // One field: a CR before the line end goes; a blank line is no record.
  assert.deepEqual(split("a\nc\r\n", 1).out, [["a"], ["c"]]);
  assert.deepEqual(split("a\n\r\nb\n", 1), { out: [["a"]], consumed: 2, status: 2 });
  // No line end: nothing split, and nothing read from past the text, where a longer one left "1,2\n".
  for (const quoted of [true, false]) {
    split("1,2\n".repeat(20), 2, 0, 1000, quoted);
    assert.deepEqual(split("1,2", 2, 0, 1000, quoted), { out: [], consumed: 0, status: 0 });
  }
});

let recordsSplit = 0;

/** Fails on the first row that differs (a deep comparison of thousands of rows prints for minutes). */
function assertSameRows(actual: unknown[], expected: unknown[], label: string) {
  const length = Math.max(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) {
      assert.deepEqual(actual[i], expected[i], `${label}: row ${i} of ${actual.length} / ${expected.length}`);
    }
  }
}

Deno.test("the splitter converts plain decimals and integers to the very numbers the TypeScript parsers give", () => {
  const random = rng(7);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  const texts = ["", "-", "+", ".", "-.", "0", "-0", "-0.00", "+7", "5.", ".5", "1e5", "1.5e-3", "NA", "0x1F"]
    .concat(["2147483647", "-2147483648", "2147483648", "-2147483649", "12345678901", "999999999999999"])
    .concat(["9999999999999999", "123456789012.345", "1234567890123.456", "00012.50", "1,5", "1 ", " 1"]);
  for (let i = 0; i < 3000; i++) {
    const sign = ["", "-", "+"][Math.floor(random() * 3)];
    const whole = digits(Math.floor(random() * 12));
    texts.push(random() < 0.5 ? sign + whole : `${sign}${whole}.${digits(Math.floor(random() * 8))}`);
  }
  const splitter = fieldSplitter()!;
  const csv = texts.map((t) => `${t};${t}\n`).join("");
  const { written } = new TextEncoder().encodeInto(csv, splitter.input);
  const records = splitter.split(0, written, 2, 59, texts.length, 0, false);
  assert.equal(records, texts.length);
  const done = splitter.numbers(records, 2, 0, false, 0, 0) +
    splitter.numbers(records, 2, 1, true, 0, records);
  let converted = 0;
  for (const [r, text] of texts.entries()) {
    if (splitter.flags[r] === 1) {
      assert.ok(Object.is(splitter.values[r], parseFloat64(text, 0, text.length)), `float64 ${text}`);
      converted++;
    }
    if (splitter.flags[records + r] === 1) {
      // as the int32 column stores it (-0 is 0)
      assert.equal(splitter.values[records + r], parseInt32(text, 0, text.length)! | 0, `int32 ${text}`);
      converted++;
    } else if (/^[+-]?\d{1,10}$/.test(text) && Math.abs(Number(text)) < 2 ** 31) {
      assert.fail(`int32 ${text} left to the reader`);
    }
  }
  assert.ok(converted > 3500, `${converted} converted`);
  assert.equal(done, converted, "it counts what it converted");
  const flags = (text: string) => {
    const i = texts.indexOf(text);
    return [splitter.flags[i], splitter.flags[records + i]];
  };
  assert.deepEqual(flags("-0.00"), [1, 0]);
  assert.deepEqual(flags("-2147483648"), [1, 1]);
  assert.deepEqual(flags("2147483648"), [1, 0]);
  for (const text of ["", "-", ".", "1e5", "NA", "9999999999999999", "1 "]) {
    assert.deepEqual(flags(text), [0, 0], text);
  }
});

Deno.test("the splitter converts plain timestamps to the very milliseconds parseTimestamp gives, and leaves it the rest", () => {
  const random = rng(11);
  const two = (n: number) => String(n).padStart(2, "0");
  const texts = ["", "NA", "2024-01-01", "2024-02-29", "2023-02-29", "2100-02-29", "2000-02-29", "0000-02-29"]
    .concat([
      "0000-01-01 00:00",
      "1969-12-31 23:59:59.999",
      "1970-01-01T00:00:00Z",
      "9999-12-31 23:59:59.999",
    ])
    .concat([
      "2024-13-01",
      "2024-04-31",
      "2024-06-31 00:00",
      "2024-1-01",
      "2024-01-01 24:00",
      "2024-01-01 23:60",
    ])
    .concat(["2024-01-01 12:30:60", "2024-01-01 12:30:5", "2024-01-01 12:30:05.", "2024-01-01 12:30:05.1234"])
    .concat(["2024-01-01 12:30:05+02:00", "2024-01-01 12:30:05Z ", "2024-01-01X12:30", "2024-01-01 12-30"])
    .concat(["2024/01/01", "2024-01-01 ", "2024-01-01 1:30", "２０２４", "2024-01-01T12:30:05.5Z"]);
  for (let i = 0; i < 3000; i++) {
    // Runs of rows that share a date, as a sales file has them (the kernel keeps the last date's days).
    const year = random() < 0.1 ? Math.floor(random() * 10000) : 1960 + Math.floor(random() * 80);
    const date = `${String(year).padStart(4, "0")}-${two(1 + Math.floor(random() * 12))}-${
      two(1 + Math.floor(random() * 31))
    }`;
    for (let k = Math.floor(random() * 4); k >= 0; k--) {
      const time = `${two(Math.floor(random() * 24))}:${two(Math.floor(random() * 60))}`;
      const forms = [
        date,
        `${date} ${time}`,
        `${date}T${time}:${two(Math.floor(random() * 60))}`,
        `${date} ${time}:${two(Math.floor(random() * 60))}.${Math.floor(random() * 1000)}`,
        `${date}T${time}:${two(Math.floor(random() * 60))}.${
          String(Math.floor(random() * 1000)).padStart(3, "0")
        }Z`,
      ];
      texts.push(forms[Math.floor(random() * forms.length)]);
    }
  }
  const ascii = texts.filter((t) => [...t].every((c) => c.charCodeAt(0) < 128));
  const splitter = fieldSplitter()!;
  const csv = ascii.map((t) => `${t},x\n`).join("");
  const { written } = new TextEncoder().encodeInto(csv, splitter.input);
  const records = splitter.split(0, written, 2, 44, ascii.length, 0, false);
  assert.equal(records, ascii.length);
  const done = splitter.timestamps(records, 2, 0, 0, 0);
  let converted = 0;
  for (const [r, text] of ascii.entries()) {
    const expected = parseTimestamp(text, 0, text.length);
    if (splitter.flags[r] === 1) {
      assert.equal(Number(splitter.int64[r]), expected, `${text}`);
      converted++;
    } else if (
      /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d{1,3})?)?Z?)?$/.test(text) && expected !== undefined
    ) {
      assert.fail(`${text} left to the reader`);
    }
  }
  assert.ok(converted > 5000, `${converted} converted`);
  assert.equal(done, converted, "it counts what it converted");
  const flag = (text: string) => splitter.flags[ascii.indexOf(text)];
  for (const text of ["1969-12-31 23:59:59.999", "0000-02-29", "2000-02-29", "2024-01-01T12:30:05.5Z"]) {
    assert.equal(flag(text), 1, text);
  }
  // Not plain, or not a time at all: the reader's (which reads offsets and longer fractions, and says why not).
  for (const text of ["", "NA", "2023-02-29", "2100-02-29", "2024-04-31", "2024-01-01 12:30:05.1234"]) {
    assert.equal(flag(text), 0, text);
  }
  assert.equal(flag("2024-01-01 12:30:05+02:00"), 0);
});

Deno.test("the splitter's text tables give the same entry to the same text and another to any other, until full", () => {
  const splitter = fieldSplitter()!;
  const random = rng(3);
  // Texts of 1 to 70 bytes, many alike (a shared prefix, one byte apart, lengths around 8 and 16), repeated.
  const distinct = new Set<string>(["a", "b", "ab", "ba", "Electronics", "Electronicz", "x".repeat(64)]);
  while (distinct.size < 1500) {
    // A shared prefix, then a few random bytes: texts alike but for their last bytes.
    const length = [1, 7, 8, 9, 15, 16, 17, 40, 64, 65, 70][Math.floor(random() * 11)];
    const tail = Math.min(length, 4);
    distinct.add(
      "a".repeat(length - tail) +
        Array.from({ length: tail }, () => "ABCabc012;"[Math.floor(random() * 10)]).join(""),
    );
  }
  const values = [...distinct];
  const texts = Array.from(
    { length: 6000 },
    (_, i) => i % 9 === 0 ? "" : values[Math.floor(random() * values.length)],
  );
  const csv = texts.map((t) => `${t},1\n`).join("");
  const { written } = new TextEncoder().encodeInto(csv, splitter.input);
  const records = splitter.split(0, written, 2, 44, texts.length, 0, false);
  assert.equal(records, texts.length);
  const owner = {};
  splitter.textReset(0);
  const first = splitter.texts(records, 2, 0, 0, 0, 0, owner);
  assert.equal(first.reset, true, "a new owner finds the table emptied");
  const entryOf = new Map<string, number>();
  let converted = 0;
  for (const [r, text] of texts.entries()) {
    if (splitter.flags[r] === 0) {
      assert.ok(text === "" || text.length > 64, `${JSON.stringify(text)} left to the reader`);
      continue;
    }
    converted++;
    const entry = splitter.words[2 * r];
    assert.ok(entry >= 0 && entry < TEXT_ENTRIES);
    if (!entryOf.has(text)) entryOf.set(text, entry);
    assert.equal(entry, entryOf.get(text), JSON.stringify(text));
  }
  assert.equal(first.converted, converted);
  assert.equal(new Set(entryOf.values()).size, entryOf.size, "one entry a text");
  // The same texts again keep their entries; another owner finds the table emptied.
  const again = splitter.texts(records, 2, 0, 0, records, 0, owner);
  assert.equal(again.reset, false);
  for (const [r, text] of texts.entries()) {
    if (splitter.flags[records + r] === 1) assert.equal(splitter.words[2 * (records + r)], entryOf.get(text));
  }
  assert.equal(splitter.texts(records, 2, 0, 0, 0, 0, {}).reset, true);
  // More distinct texts than a table holds: the ones past the full table are the reader's.
  const many = Array.from({ length: 3000 }, (_, i) => `value-${i}`);
  const manyCsv = many.map((t) => `${t},1\n`).join("");
  const m = new TextEncoder().encodeInto(manyCsv, splitter.input).written;
  assert.equal(splitter.split(0, m, 2, 44, many.length, 0, false), many.length);
  const full = splitter.texts(many.length, 2, 0, 0, 0, 1, owner);
  assert.equal(full.converted, TEXT_ENTRIES);
  assert.ok(splitter.textFull(1));
  assert.deepEqual([splitter.flags[TEXT_ENTRIES - 1], splitter.flags[TEXT_ENTRIES]], [1, 0]);
});

/** Everything a read gives: rows, or the error; bad rows and counters. */
async function outcome(text: string, options: CsvReadOptions, cuts: number[]) {
  try {
    const reader = await CsvReader.open(streamOf(text, cuts), { file: "t.csv", ...options });
    const rows = await collectRows(reader.batches());
    const { rowsRead, rowsFiltered, badRowCount, badRows, emptyFields } = reader;
    recordsSplit += reader.recordsSplit;
    return { rows, rowsRead, rowsFiltered, badRowCount, badRows, emptyFields, line: reader.line };
  } catch (error) {
    return { error: String(error) };
  }
}

/** A CSV of `rows` records mixing what the splitter hands to the TypeScript path with plain records. */
function mixedCsv(
  random: () => number,
  rows: number,
  width: number,
  quotes: boolean,
  unicode = false,
): string {
  // Text that is not ASCII: Latin-1, CJK, a surrogate pair (4 UTF-8 bytes, 2 UTF-16 units), quoted too.
  const other = ["Zoë", "東京", "😀x", "naïve", '"Zürich, ZH"', '"😀,😀"', "Ω"];
  const lines = ["i,x,name,t"];
  for (let i = 0; i < rows; i++) {
    const r = random();
    const x = r < 0.05
      ? ""
      : r < 0.07
      ? "NA"
      : r < 0.08
      ? "1e3"
      : quotes && r < 0.1
      ? `"${i}.5"`
      : quotes && r < 0.11
      ? '""'
      : (random() * 2000 - 1000).toFixed(2);
    const q = random(); // quoted text as RFC 4180 has it, and as it is sometimes written
    const quoted = [
      `"q,${i}"`,
      '"a""b"',
      '"two\nlines"',
      '"ab"c',
      'ab"c',
      '""',
      '"x\r"',
      '"' + ",".repeat(20) + '"',
    ];
    const name = unicode && q > 0.5
      ? other[i % other.length]
      : quotes && q < 0.1
      ? quoted[i % quoted.length]
      : r > 0.9699 && r < 0.97
      ? "Zoë"
      : ["a", "bb", "", "ccc"][i % 4];
    // Timestamps: plain (the kernel's), with a zone or a long fraction (the reader's), impossible, a CR alone.
    // (After the first 200 rows, which the reads that project t infer its kind from.)
    const v = i < 200 ? 1 : random();
    const t = v < 0.005
      ? "2020-01-01\r00:00:00"
      : v < 0.01
      ? "2020-02-30 00:00:00"
      : v < 0.015
      ? `2020-01-0${1 + (i % 9)}T00:00:00.5Z`
      : v < 0.02
      ? "2020-01-01 00:00:00+01:00"
      : v < 0.025
      ? "2020-01-01 00:00:00.12345"
      : v < 0.03
      ? "1969-12-31"
      : `2020-01-0${1 + (i % 9)} 00:00:0${i % 10}`;
    let line = `${i},${x},${name},${t}`;
    if (width > 0) line += "," + "y".repeat(width);
    const s = random();
    if (s < 0.01) line = ""; // blank
    else if (s < 0.015) line += ",extra"; // too many fields
    else if (s < 0.02) line = `${i},oops,a,2020-01-01 00:00:00`; // a number that is not
    else if (s < 0.025) line = `,oops,a,2020-01-01 00:00:00`; // a null, then that: the row is written again
    lines.push(line + (s > 0.9 ? "\r" : ""));
  }
  if (width > 0) lines[0] += ",pad";
  return lines.join("\n") + (random() < 0.5 ? "\n" : "");
}

Deno.test("CsvReader gives the same rows, errors and counts with the splitter as with the TypeScript scan", async () => {
  const random = rng(20261126);
  let compared = 0;
  for (let round = 0; round < 24; round++) {
    const width = round % 3 === 0 ? 150 : 0; // some with long lines: a first text over the splitter's window
    // Quotes in half the rounds; text that is not ASCII in every other round.
    const text = mixedCsv(
      random,
      round % 3 === 0 ? 9000 : 1500,
      width,
      Math.floor(round / 6) % 2 === 0,
      round % 4 >= 2,
    );
    const cuts = Array.from({ length: 8 }, () => Math.floor(random() * text.length));
    const options: CsvReadOptions[] = [
      { onBadRows: "skip", chunkRows: 97, inferRows: 200 },
      { onBadRows: "skip", columns: ["name", "x"], inferRows: 50 },
      { onBadRows: "skip", columns: ["x"], countEmpty: true },
      {
        onBadRows: "skip",
        columns: ["i", "name"],
        rawFilter: [{ column: "x", test: (t, s, e) => t.charCodeAt(s) !== 45 && e - s !== 6 }], // empty: true
      },
      { columns: ["i", "t"], inferRows: 200 }, // stops at the first bad row, with its line
      { types: { x: "string" }, encodingErrors: "replace" },
    ];
    const o = options[round % options.length];
    const withSplitter = await outcome(text, { ...o }, cuts);
    const typescriptOnly = await outcome(text, { ...o, splitKernel: false }, cuts);
    assertSameRows(withSplitter.rows ?? [], typescriptOnly.rows ?? [], `round ${round}`);
    assert.deepEqual({ ...withSplitter, rows: [] }, { ...typescriptOnly, rows: [] }, `round ${round}`);
    compared += withSplitter.rows?.length ?? 0;
  }
  assert.ok(
    compared > 20_000 && recordsSplit > compared / 2,
    `${compared} rows compared, ${recordsSplit} split`,
  );
  assert.ok(INPUT_CHARS < 9000 * 190, "some first texts are longer than the splitter's window");
});

Deno.test("CsvReader stores runs whose every number the splitter converted column by column: the same rows, nulls and skipped records", async () => {
  // Mostly clean runs (int32, float64, timestamp, text), a null now and then (so later runs store into a batch
  // that has a validity bitmap), and in `skip` mode a record with a null before a bad timestamp: it is
  // skipped after clearing its row's bit, and the run stored at that row must set it again.
  const random = rng(5);
  const lines = ["i,x,t,name"];
  for (let i = 0; i < 30_000; i++) {
    const r = i < 12_000 ? random() * 0.999 : random(); // bad timestamps after the 10,000 rows kinds come from
    const x = r < 0.0005 ? "" : (random() * 1000).toFixed(2);
    const t = r > 0.9995
      ? "2020-02-30 00:00:00"
      : `2020-01-${String(1 + (i % 28)).padStart(2, "0")} 10:00:0${i % 10}`;
    const line = r > 0.9995 ? `${i},,${t},n${i % 7}` : `${i},${x},${t},n${i % 7}`;
    lines.push(line);
  }
  const text = lines.join("\n") + "\n";
  const cuts = Array.from({ length: 16 }, (_, k) => Math.floor(((k + 1) * text.length) / 17));
  for (const options of [{ onBadRows: "skip" as const }, { chunkRows: 4_000, inferRows: 100 }]) {
    const withSplitter = await outcome(text, options, cuts);
    const typescriptOnly = await outcome(text, { ...options, splitKernel: false }, cuts);
    assertSameRows(withSplitter.rows ?? [], typescriptOnly.rows ?? [], JSON.stringify(options));
    assert.deepEqual({ ...withSplitter, rows: [] }, { ...typescriptOnly, rows: [] });
  }
  const skipped = await outcome(text, { onBadRows: "skip" }, cuts);
  assert.ok((skipped.badRowCount ?? 0) > 5 && (skipped.rows?.length ?? 0) > 29_000);
  assert.ok(skipped.rows!.some((row) => row.x === null), "some nulls");
});

Deno.test("CsvReader gives text columns the same dictionaries through the splitter's tables: many values, long ones, two readers at once", async () => {
  // A text column of few values, one of more values than a table holds (so it fills and is emptied), one
  // with values over 64 bytes, and nulls; read by two readers taking turns in this thread (one splitter, the
  // same tables), against the TypeScript scan.
  const random = rng(9);
  const lines = ["city,id,note,x"];
  for (let i = 0; i < 40_000; i++) {
    const city = ["Lyon", "Oslo", "", "Kyoto", "Lima"][Math.floor(random() * 5)];
    const note = random() < 0.3 ? "n".repeat(60 + Math.floor(random() * 10)) : `n${i % 300}`;
    lines.push(`${city},id-${Math.floor(random() * 5000)},${note},${i}`);
  }
  const text = lines.join("\n") + "\n";
  const cuts = Array.from({ length: 20 }, (_, k) => Math.floor(((k + 1) * text.length) / 21));
  const read = async (options: CsvReadOptions) => {
    const a = await CsvReader.open(streamOf(text, cuts), { chunkRows: 7_000, ...options });
    const b = await CsvReader.open(streamOf(text, cuts.slice(3)), { chunkRows: 5_000, ...options });
    const rows: [unknown[], unknown[]] = [[], []];
    const [ia, ib] = [a.batches()[Symbol.asyncIterator](), b.batches()[Symbol.asyncIterator]()];
    // Both at once: each parses a chunk while the other waits for its next (as the lab's concurrent reads do).
    await Promise.all([ia, ib].map(async (it, k) => {
      for (let next = await it.next(); !next.done; next = await it.next()) {
        for (const row of next.value.toArray()) rows[k].push(row.toJSON());
      }
    }));
    return rows;
  };
  const [a, b] = await read({});
  const [ta, tb] = await read({ splitKernel: false });
  assertSameRows(a, ta, "reader a");
  assertSameRows(b, tb, "reader b");
  assert.equal(a.length, 40_000);
  assert.ok(a.some((row) => (row as { city: string | null }).city === null), "empty text is null");
});

Deno.test("CsvReader leaves text with other characters to the TypeScript path and splits ASCII text after it", async () => {
  // After a chunk that is not ASCII the splitter waits a few chunks (encoding such text is slow), then
  // tries again: a file whose first part is not ASCII still has its ASCII part split.
  const lines = Array.from({ length: 30_000 }, (_, i) => `${i},${i < 5000 ? "Zoë" : "Zoe"},${i / 4}`);
  const text = "i,name,x\n" + lines.join("\n") + "\n";
  const cuts = Array.from({ length: Math.floor(text.length / 8192) }, (_, k) => (k + 1) * 8192);
  const read = async (splitKernel: boolean) => {
    const reader = await CsvReader.open(streamOf(text, cuts), { splitKernel });
    return { rows: await collectRows(reader.batches()), split: reader.recordsSplit };
  };
  const [withSplitter, typescriptOnly] = [await read(true), await read(false)];
  assertSameRows(withSplitter.rows, typescriptOnly.rows, "not ASCII, then ASCII");
  assert.ok(withSplitter.split > 15_000, `${withSplitter.split} records split`);
  assert.equal(typescriptOnly.split, 0);
});
