import assert from "node:assert/strict";
import { Field, type RecordBatch, Schema } from "apache-arrow";
import {
  allValid,
  arrowType,
  columnData,
  columnValues,
  dictionaryData,
  float64Data,
  int32Data,
  int64Data,
  makeBatch,
  selectColumns,
  selectRows,
  setNull,
  timestampData,
} from "../lib/batch.ts";
import { RowFilter } from "../lib/ops/filter.ts";
import { parsePredicate } from "../lib/ops/predicate.ts";
import { DataError, UsageError } from "../lib/errors.ts";
import { fileByteSource } from "../lib/io/file.ts";
import { ParquetReader } from "../lib/parquet/read.ts";
import { ParquetFileWriter, snappyLiteral } from "../lib/parquet/write.ts";
import { compressors, snappyLiteralBody } from "../lib/parquet/_codecs.ts";
import SnappyJS from "snappyjs";
import { headRows } from "../lib/views/head.ts";
import { openSource } from "../lib/sources/source.ts";
import { decodeHybrid } from "../lib/parquet/_flat.ts";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { collectRows, rng, tempDir } from "./_helpers.ts";

function sampleBatch(start: number, rows: number) {
  const price = new Float64Array(rows);
  const qty = new Int32Array(rows);
  const id = new BigInt64Array(rows);
  const ts = new BigInt64Array(rows);
  const cat = new Int32Array(rows);
  const nulls = allValid(rows);
  for (let i = 0; i < rows; i++) {
    const n = start + i;
    price[i] = Math.round(n * 13.7) / 100;
    qty[i] = n % 49 + 1;
    id[i] = BigInt(n) * 1_000_000_007n;
    ts[i] = BigInt(Date.UTC(2020, 0, 1) + n * 1000);
    cat[i] = n % 3;
    if (n % 10 === 7) setNull(nulls, i);
  }
  return makeBatch([
    { name: "price", data: float64Data(price, nulls) },
    { name: "qty", data: int32Data(qty) },
    { name: "id", data: int64Data(id) },
    { name: "ts", data: timestampData(ts) },
    { name: "cat", data: dictionaryData(cat, ["x", "y", "z"]) },
  ]);
}

const SCHEMA = new Schema([
  new Field("price", arrowType("float64"), true),
  new Field("qty", arrowType("int32"), false),
  new Field("id", arrowType("int64"), false),
  new Field("ts", arrowType("timestamp"), false),
  new Field("cat", arrowType("string"), false),
]);

Deno.test("ParquetFileWriter round-trips every column kind, one row group per write", async () => {
  const dir = await tempDir();
  const path = `${dir}/rt.parquet`;
  const writer = await ParquetFileWriter.create(path, SCHEMA);
  const batches = [sampleBatch(0, 1000), sampleBatch(1000, 500), sampleBatch(1500, 1)];
  for (const b of batches) await writer.write(b);
  await writer.close();
  const source = await fileByteSource(path);
  const reader = await ParquetReader.open(source, { file: path });
  assert.equal(reader.rowCount, 1501);
  assert.deepEqual(reader.rowGroupRanges().map((r) => r.rows), [1000, 500, 1]);
  assert.deepEqual(reader.columns.map((c) => [c.name, c.kind, c.nullable]), [
    ["price", "float64", true],
    ["qty", "int32", false],
    ["id", "int64", false],
    ["ts", "timestamp", false],
    ["cat", "string", false],
  ]);
  const expected = (await collectRows((async function* () {
    yield* batches;
  })())) as Record<string, unknown>[];
  assert.deepEqual(await collectRows(reader.batches()), expected);
  source.close();
});

Deno.test("ParquetReader slices row groups into batches and projects columns", async () => {
  const dir = await tempDir();
  const path = `${dir}/b.parquet`;
  const writer = await ParquetFileWriter.create(path, SCHEMA);
  await writer.write(sampleBatch(0, 1000));
  await writer.write(sampleBatch(1000, 1000));
  await writer.close();
  const source = await fileByteSource(path);
  const reader = await ParquetReader.open(source, { file: path });
  const sizes: number[] = [];
  let sum = 0;
  for await (const batch of reader.batches({ columns: ["qty"], batchSize: 300 })) {
    assert.deepEqual(batch.schema.fields.map((f) => f.name), ["qty"]);
    sizes.push(batch.numRows);
    for (const v of columnValues(batch, "qty") as Int32Array) sum += v;
  }
  assert.deepEqual(sizes, [300, 300, 300, 100, 300, 300, 300, 100]);
  let expected = 0;
  for (let n = 0; n < 2000; n++) expected += n % 49 + 1;
  assert.equal(sum, expected);
  await assert.rejects(async () => {
    for await (const _ of reader.batches({ columns: ["nope"] }));
  }, (err: unknown) => err instanceof UsageError && /available: price, qty, id, ts, cat/.test(err.message));
  source.close();
});

const expected = JSON.parse(await Deno.readTextFile("fixtures/duckdb.expected.json"));

/** int64 values come back as exact bigints; the golden JSON holds these (small) ones as numbers. */
const plain = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]));

for (const codec of ["zstd", "snappy", "gzip", "brotli", "lz4", "uncompressed"]) {
  Deno.test(`ParquetReader reads a DuckDB file (${codec}: nullable, dictionary, INT64, timestamps, booleans)`, async () => {
    const source = await openSource(`fixtures/duckdb_${codec}.parquet`);
    assert.equal(source.rowCount, expected.rows);
    const first = (await headRows(source, 5)).map(plain);
    assert.deepEqual(first, expected.first);
    let rows = 0, priceCount = 0, priceSum = 0, quantitySum = 0, categoryCount = 0;
    let last: Record<string, unknown> | undefined;
    for await (const batch of source.batches()) {
      rows += batch.numRows;
      const price = batch.getChild("price")!;
      const category = batch.getChild("category")!;
      for (let i = 0; i < batch.numRows; i++) {
        if (price.isValid(i)) {
          priceCount++;
          priceSum += price.get(i);
        }
        if (category.isValid(i)) categoryCount++;
      }
      for (const q of columnValues(batch, "quantity") as Int32Array) quantitySum += q;
      last = (await headRows({
        ...source,
        batches: async function* () {
          yield batch.slice(batch.numRows - 1);
        },
      }, 1))[0];
    }
    assert.equal(rows, expected.rows);
    assert.equal(priceCount, Number(expected.totals.price_count));
    assert.ok(Math.abs(priceSum - expected.totals.price_sum) < 1e-6);
    assert.equal(quantitySum, Number(expected.totals.quantity_sum));
    assert.equal(categoryCount, Number(expected.totals.category_count));
    assert.deepEqual(plain(last!), expected.last);
    source.close();
  });
}

Deno.test("ParquetReader reads a Polars file with nulls", async () => {
  const source = await openSource("fixtures/polars_zstd.parquet");
  const rows = await headRows(source, 1500);
  assert.equal(rows.length, 1500);
  assert.deepEqual(rows[0], { id: 0, name: null, value: null });
  assert.deepEqual(rows[7], { id: 7, name: "b", value: 1.75 });
  source.close();
});

Deno.test("ParquetReader names the file when it is not Parquet or is truncated", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/fake.parquet`, "this is not parquet at all, just text");
  await assert.rejects(
    openSource(`${dir}/fake.parquet`),
    (err: unknown) =>
      err instanceof DataError &&
      err.message.startsWith(`${dir}/fake.parquet: is not a Parquet file, or is truncated`),
  );
  const bytes = await Deno.readFile("fixtures/duckdb_snappy.parquet");
  await Deno.writeFile(`${dir}/cut.parquet`, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(
    openSource(`${dir}/cut.parquet`),
    /cut\.parquet: is not a Parquet file, or is truncated/,
  );
  // A valid tail with a damaged footer: the footer's own error, still naming the file.
  const damaged = bytes.slice();
  damaged.fill(0xff, bytes.length - 300, bytes.length - 8);
  await Deno.writeFile(`${dir}/damaged.parquet`, damaged);
  await assert.rejects(
    openSource(`${dir}/damaged.parquet`),
    /damaged\.parquet: has a corrupt footer|damaged\.parquet/,
  );
});

Deno.test("ParquetReader joins a column's pages into one array, typed or nullable", async () => {
  const dir = await tempDir();
  const path = `${dir}/pages.parquet`;
  const rows = 300_000; // > 1 MiB of doubles: hyparquet-writer splits the column into several pages
  const writer = await ParquetFileWriter.create(path, SCHEMA);
  await writer.write(sampleBatch(0, rows));
  await writer.close();
  const source = await fileByteSource(path);
  const reader = await ParquetReader.open(source, { file: path });
  const pages = reader.metadata.row_groups[0].columns[0].meta_data!;
  assert.ok(Number(pages.total_uncompressed_size) > 2 ** 21, "price spans several pages");
  const [batch] = await Array.fromAsync(reader.batches());
  assert.equal(batch.numRows, rows);
  const expected = sampleBatch(0, rows);
  for (const i of [0, 7, 131_070, 131_071, 131_072, 262_143, 299_999]) {
    assert.deepEqual(batch.get(i)!.toJSON(), expected.get(i)!.toJSON(), `row ${i}`);
  }
  source.close();
});

Deno.test("row groups encoded apart (as in workers) and appended make a valid file", async () => {
  const { encodeRowGroup } = await import("../lib/parquet/write.ts");
  const dir = await tempDir();
  const path = `${dir}/stitched.parquet`;
  const writer = await ParquetFileWriter.create(path, SCHEMA);
  await writer.write(sampleBatch(0, 700)); // one written directly, then two encoded elsewhere
  await writer.append(encodeRowGroup(sampleBatch(700, 300), SCHEMA));
  await writer.append(encodeRowGroup(sampleBatch(1000, 5), SCHEMA));
  // Larger than one 256 KiB block, uncompressed: pages split across blocks.
  const big = encodeRowGroup(sampleBatch(1005, 60_000), SCHEMA, { codec: "UNCOMPRESSED" });
  assert.ok(big.blocks.length > 3, `${big.blocks.length} blocks`);
  assert.ok(new Set(big.blocks.map((b) => b.buffer)).size === big.blocks.length, "a buffer of its own each");
  await writer.append(big);
  await writer.close();
  const source = await fileByteSource(path);
  const reader = await ParquetReader.open(source, { file: path });
  assert.deepEqual(reader.rowGroupRanges().map((r) => r.rows), [700, 300, 5, 60_000]);
  const expected = [
    sampleBatch(0, 700),
    sampleBatch(700, 300),
    sampleBatch(1000, 5),
    sampleBatch(1005, 60_000),
  ]
    .flatMap((b) => b.toArray().map((r) => r.toJSON()));
  assert.deepEqual(await collectRows(reader.batches()), expected);
  source.close();
});

Deno.test("the flat-column fast path decodes exactly what hyparquet's general reader does", async () => {
  const { setFlatReads } = await import("../lib/parquet/read.ts");
  const dir = await tempDir();
  const ours = `${dir}/ours.parquet`;
  const writer = await ParquetFileWriter.create(ours, SCHEMA);
  await writer.write(sampleBatch(0, 200_000)); // several pages, nulls in price
  await writer.close();
  const files = [
    ours,
    "fixtures/polars_zstd.parquet",
    ...["zstd", "snappy", "gzip", "brotli", "lz4", "uncompressed"].map((c) => `fixtures/duckdb_${c}.parquet`),
  ];
  try {
    for (const path of files) {
      const read = async () => {
        const source = await openSource(path);
        try {
          return await collectRows(source.batches());
        } finally {
          source.close();
        }
      };
      setFlatReads(false);
      const general = await read();
      setFlatReads(true);
      assert.deepEqual(await read(), general, path);
    }
  } finally {
    setFlatReads(true);
  }
});

Deno.test("snappy stores incompressible pages as one literal that every reader decodes", async () => {
  const { snappyCompress, snappyLiteral } = await import("../lib/parquet/write.ts");
  const { snappyUncompress } = await import("hyparquet");
  let seed = 1;
  const noise = Uint8Array.from({ length: 70_000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  const zeros = new Uint8Array(70_000);
  for (const input of [noise, zeros, noise.subarray(0, 59), noise.subarray(0, 300)]) {
    for (const encoded of [snappyCompress(input), snappyLiteral(input)]) {
      const back = new Uint8Array(input.length);
      snappyUncompress(encoded, back);
      assert.deepEqual(back, input);
    }
  }
  assert.equal(snappyCompress(noise).length, snappyLiteral(noise).length, "noise is stored, not compressed");
  assert.ok(snappyCompress(zeros).length < 5000, "compressible data is still compressed");
});

Deno.test("batches({ limit }) decodes only the rows asked for, the same rows as a full read, across row groups and files", async () => {
  const { headRows } = await import("../lib/views/head.ts");
  for (const path of ["fixtures/duckdb_snappy.parquet", "fixtures/duckdb_types.parquet"]) {
    const full = await openSource(path);
    const all = await headRows(full, 10_000);
    full.close();
    for (const n of [1, 7, 20]) {
      const source = await openSource(path);
      const rows = [];
      for await (const batch of source.batches({ limit: n })) rows.push(batch.numRows);
      source.close();
      assert.equal(rows.reduce((a, b) => a + b, 0), Math.min(n, all.length), `${path}: ${rows}`);
      const again = await openSource(path);
      assert.deepEqual(await headRows(again, n), all.slice(0, n));
      again.close();
    }
  }
});

Deno.test("chunk statistics computed in the encoding pass equal an exact computation (NaN, nulls, ±0, int64)", async () => {
  const dir = await tempDir("pqstats");
  const random = (() => {
    let s = 99;
    return () => ((s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5 | 0) >>> 0) / 2 ** 32;
  })();
  const rows = 5000;
  const f64 = Float64Array.from(
    { length: rows },
    (_, i) => i % 97 === 0 ? NaN : i % 89 === 0 ? (i % 2 ? -0 : 0) : (random() - 0.5) * 1e6,
  );
  const i32 = Int32Array.from({ length: rows }, () => Math.floor((random() - 0.5) * 2 ** 31));
  const nulls = allValid(rows);
  for (let i = 0; i < rows; i += 13) setNull(nulls, i);
  const i64 = BigInt64Array.from(
    { length: rows },
    () => BigInt(Math.floor((random() - 0.5) * 2 ** 52)) * 1024n,
  );
  const schema = new Schema([
    new Field("f", arrowType("float64"), false),
    new Field("n", arrowType("int32"), true),
    new Field("b", arrowType("int64"), false),
  ]);
  const batch = makeBatch([
    { name: "f", data: float64Data(f64) },
    { name: "n", data: int32Data(i32, nulls, Math.ceil(rows / 13)) },
    { name: "b", data: int64Data(i64) },
  ]);
  const path = `${dir}/s.parquet`;
  const writer = await ParquetFileWriter.create(path, schema);
  await writer.write(batch);
  await writer.close();
  const source = await fileByteSource(path);
  const reader = await ParquetReader.open(source, { file: path });
  const [f, n, b] = reader.metadata.row_groups[0].columns.map((c) => c.meta_data!.statistics!);
  source.close();
  const finite = [...f64].filter((x) => !Number.isNaN(x));
  assert.equal(f.min_value, Math.min(...finite));
  assert.equal(f.max_value, Math.max(...finite));
  assert.equal(f.null_count, 0n);
  const valid = [...i32].filter((_, i) => i % 13 !== 0);
  assert.equal(n.min_value, Math.min(...valid));
  assert.equal(n.max_value, Math.max(...valid));
  assert.equal(n.null_count, BigInt(Math.ceil(rows / 13)));
  assert.equal(b.min_value, [...i64].reduce((a, x) => (x < a ? x : a)));
  assert.equal(b.max_value, [...i64].reduce((a, x) => (x > a ? x : a)));
});

Deno.test("decodeHybrid reads RLE / bit-packed runs exactly as hyparquet's reader, for widths 1 to 24", () => {
  const r = rng(17);
  for (let width = 1; width <= 24; width++) {
    const bytes: number[] = [];
    const want: number[] = [];
    const varint = (n: number) => {
      do {
        bytes.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
        n = Math.floor(n / 128);
      } while (n > 0);
    };
    const max = 2 ** width - 1;
    for (let run = 0; run < 40; run++) {
      if (r() < 0.4) {
        const n = 1 + Math.floor(r() * 300);
        const value = Math.floor(r() * max);
        varint(n * 2);
        for (let i = 0; i < (width + 7) >> 3; i++) bytes.push((value >> (8 * i)) & 255);
        for (let i = 0; i < n; i++) want.push(value);
      } else {
        const groups = 1 + Math.floor(r() * 20);
        varint(groups * 2 + 1);
        let acc = 0n, bits = 0n;
        for (let i = 0; i < groups * 8; i++) {
          const value = r() < 0.3 ? max : Math.floor(r() * max);
          want.push(value);
          acc |= BigInt(value) << bits;
          bits += BigInt(width);
          while (bits >= 8n) {
            bytes.push(Number(acc & 255n));
            acc >>= 8n;
            bits -= 8n;
          }
        }
      }
    }
    const input = Uint8Array.from(bytes);
    // Stop short of the end: the last run is cut, as a page's value count cuts it.
    const count = want.length - 3;
    const ours = new Int32Array(count);
    decodeHybrid(input, 0, input.length, width, ours, count);
    const theirs = new Array(count);
    readRleBitPackedHybrid({ view: new DataView(input.buffer), offset: 0 }, width, theirs, input.length);
    assert.deepEqual([...ours], theirs.slice(0, count), `width ${width}`);
    assert.deepEqual([...ours], want.slice(0, count), `width ${width}`);
    // Nothing written past `count`, though the cut run's last group goes on (the caller's array may be longer).
    const roomy = new Int32Array(count + 16).fill(-1);
    decodeHybrid(input, 0, input.length, width, roomy, count);
    assert.deepEqual([...roomy.subarray(count)], new Array(16).fill(-1), `width ${width}, past count`);
    // Data that ends before `count` values: the rest read as 0, whatever the (reused) array held before.
    const reused = new Int32Array(count + 50).fill(7);
    decodeHybrid(input, 0, input.length, width, reused, count + 50);
    assert.deepEqual([...reused.subarray(count + 3)], new Array(47).fill(0), `width ${width}, data short`);
  }
});

Deno.test("a snappy page that is one literal is read as a view; any other stream goes to the decoder", () => {
  const r = rng(23);
  for (const size of [1, 59, 60, 61, 255, 256, 65_536, 70_000]) {
    const raw = Uint8Array.from({ length: size }, () => Math.floor(r() * 256));
    const literal = snappyLiteral(raw);
    const body = snappyLiteralBody(literal, size);
    assert.ok(body, `size ${size}`);
    assert.deepEqual(body, raw);
    assert.deepEqual(compressors.SNAPPY(literal, size), raw);
    // Wrong declared length, trailing bytes, or a compressed stream: not a lone literal.
    assert.equal(snappyLiteralBody(literal, size + 1), null);
    assert.equal(snappyLiteralBody(Uint8Array.of(...literal, 0), size), null);
  }
  const repetitive = new Uint8Array(50_000).map((_, i) => i % 7);
  const compressed = SnappyJS.compress(repetitive);
  assert.equal(snappyLiteralBody(compressed, repetitive.length), null);
  assert.deepEqual(compressors.SNAPPY(compressed, repetitive.length), repetitive);
});

Deno.test("a read of no columns still has its rows: Parquet row groups and CSV batches count them", async () => {
  for (const path of ["fixtures/duckdb_types.parquet", "fixtures/agg/sales_nulls.csv"]) {
    const source = await openSource(path);
    let rows = 0;
    for await (const batch of source.batches({ columns: [] })) {
      assert.equal(batch.schema.fields.length, 0);
      rows += batch.numRows;
    }
    source.close();
    assert.equal(rows, path.endsWith(".csv") ? 400 : 20, path);
  }
});

Deno.test("column chunks encoded from typed arrays read back as hyparquet-writer's do, statistics included", async () => {
  const { setFlatWrites } = await import("../lib/parquet/write.ts");
  const { parquetMetadataAsync, parquetReadObjects } = await import("hyparquet");
  const random = rng(21);
  const rows = 300_000; // several pages for every column
  const withNulls = (every: number, offset = 0) => {
    const bits = allValid(rows);
    let count = 0;
    for (let i = offset; i < rows; i += every) setNull(bits, i), count++;
    return { bits, count };
  };
  const f = Float64Array.from(
    { length: rows },
    (_, i) => i % 997 === 0 ? NaN : i % 991 === 0 ? -0 : i % 983 === 0 ? 0 : Math.round(random() * 1e6) / 100,
  );
  const few = Float64Array.from({ length: rows }, (_, i) => [0.5, 1.5, 2.25, 9][i % 4]); // a dictionary
  const zeros = Float64Array.from({ length: rows }, (_, i) => [0.5, -0, 0, 9][i % 4]); // plain: −0 kept apart
  const qty = Int32Array.from({ length: rows }, () => 1 + Math.floor(random() * 49)); // a dictionary
  const ids = Int32Array.from({ length: rows }, () => Math.floor((random() - 0.5) * 2 ** 31)); // plain
  // 9,999 values in a narrow range: a dictionary (by table); 99,999 values there: more than one per 4 rows, plain.
  const pid = Int32Array.from({ length: rows }, () => 1 + Math.floor(random() * 9999));
  const cid = Int32Array.from({ length: rows }, () => 1 + Math.floor(random() * 99999));
  const big = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i) * 3_000_000_019n - 2n ** 60n);
  const ts = BigInt64Array.from({ length: rows }, (_, i) => BigInt(Date.UTC(2020, 0, 1) + i * 1000));
  const words = ["north", "south", "", "Zürich", "東京", "\ufffd", "😀 x"];
  const text = Int32Array.from({ length: rows }, (_, i) => (i * 7 + (i >> 5)) % words.length);
  // Decimals of two places in a narrow range (prices): a dictionary found by table, nulls among them; one
  // place, negative too; thirds are no decimals, and too many for a Map's dictionary: plain.
  const price = Float64Array.from({ length: rows }, () => Math.round(100 + random() * 19_900) / 100);
  const tenths = Float64Array.from({ length: rows }, () => Math.round((random() - 0.5) * 2000) / 10 + 0); // no −0
  const thirds = Float64Array.from({ length: rows }, (_, i) => (i % 5000) / 3);
  const nf = withNulls(7), nq = withNulls(11, 3), nt = withNulls(5, 1), nb = withNulls(13, 2);
  const np = withNulls(17, 5);
  const none = withNulls(1);
  const columns = [
    { name: "f", kind: "float64", data: float64Data(f, nf.bits, nf.count) },
    { name: "few", kind: "float64", data: float64Data(few) },
    { name: "zeros", kind: "float64", data: float64Data(zeros) },
    { name: "qty", kind: "int32", data: int32Data(qty, nq.bits, nq.count) },
    { name: "ids", kind: "int32", data: int32Data(ids) },
    { name: "pid", kind: "int32", data: int32Data(pid) },
    { name: "cid", kind: "int32", data: int32Data(cid) },
    { name: "big", kind: "int64", data: int64Data(big, nb.bits, nb.count) },
    { name: "ts", kind: "timestamp", data: timestampData(ts) },
    { name: "text", kind: "string", data: dictionaryData(text, words, nt.bits, nt.count) },
    { name: "empty", kind: "string", data: dictionaryData(new Int32Array(rows), ["never"], none.bits, rows) },
    { name: "price", kind: "float64", data: float64Data(price, np.bits, np.count) },
    { name: "tenths", kind: "float64", data: float64Data(tenths) },
    { name: "thirds", kind: "float64", data: float64Data(thirds) },
  ] as const;
  const schema = new Schema(columns.map((c) => new Field(c.name, arrowType(c.kind), c.name !== "ts")));
  const batch = makeBatch(columns.map(({ name, data }) => ({ name, data })));
  const { flatEncodable } = await import("../lib/parquet/_encode.ts");
  const { elementForField } = await import("../lib/parquet/schema.ts");
  const encodable = (b: typeof batch) =>
    schema.fields.map((f) => flatEncodable(columnData(b, f.name), elementForField(f)));
  assert.ok(encodable(batch.slice(0, 123_457)).every(Boolean)); // the test is about the new encoder
  assert.ok(encodable(batch.slice(123_464)).every(Boolean));
  assert.ok(
    !encodable(batch.slice(123_460)).some(Boolean),
    "a slice whose validity bits start mid-byte: the old encoder",
  );
  const dir = await tempDir("flatwrite");
  const write = async (path: string, flat: boolean) => {
    setFlatWrites(flat);
    try {
      const writer = await ParquetFileWriter.create(path, schema);
      await writer.write(batch.slice(0, 123_457)); // a row group that ends mid-byte of validity bits
      await writer.write(batch.slice(123_456 + 8)); // and one starting at another byte
      await writer.close();
    } finally {
      setFlatWrites(true);
    }
    const bytes = await Deno.readFile(path);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const metadata = await parquetMetadataAsync(file);
    return { metadata, rows: await parquetReadObjects({ file, metadata }) };
  };
  const ours = await write(`${dir}/ours.parquet`, true);
  const theirs = await write(`${dir}/theirs.parquet`, false);
  assert.equal(ours.rows.length, 123_457 + rows - 123_464);
  // Read by hyparquet's own reader: NaN, −0, nulls and text as written, the same as hyparquet-writer's file
  // except where that one is wrong: its dictionary merges −0 with 0 ("zeros"). Compared value by value: a
  // diff of 300,000 rows would not fit in memory.
  const expected = [batch.slice(0, 123_457), batch.slice(123_464)].flatMap((b) =>
    b.toArray().map((row) => row.toJSON())
  );
  const same = (x: unknown, y: unknown) => Object.is(x?.valueOf(), y?.valueOf());
  assert.equal(theirs.rows.length, expected.length);
  for (const { name } of columns) {
    const at = ours.rows.findIndex((row, i) => !same(row[name], expected[i][name]));
    assert.equal(at, -1, `${name} row ${at}: ${ours.rows[at]?.[name]} written as ${expected[at]?.[name]}`);
    if (name === "zeros") continue;
    assert.equal(ours.rows.findIndex((row, i) => !same(row[name], theirs.rows[i][name])), -1, name);
  }
  assert.ok(
    theirs.rows.some((row, i) => !same(row.zeros, expected[i].zeros)),
    "hyparquet-writer merges −0 and 0",
  );
  const stats = (m: typeof ours.metadata) =>
    m.row_groups.map((g) =>
      g.columns.map((c) => ({ ...c.meta_data!.statistics, is_max_value_exact: undefined }))
    );
  const [a, b] = [stats(ours.metadata), stats(theirs.metadata)];
  // Text bounds follow UTF-8 byte order here ("😀 x" after "\ufffd"); hyparquet-writer compares UTF-16 units.
  for (const g of [0, 1]) {
    assert.equal(a[g][9].max_value, "😀 x");
    assert.equal(a[g][9].min_value, "");
    a[g][9] = b[g][9] = {} as never;
  }
  assert.deepEqual(a, b);
  assert.deepEqual(
    ours.metadata.row_groups[0].columns.map((c) => c.meta_data!.encodings.join("+")),
    [
      "PLAIN", // f
      "PLAIN+RLE_DICTIONARY", // few
      "PLAIN", // zeros
      "PLAIN+RLE_DICTIONARY", // qty
      "PLAIN", // ids
      "PLAIN+RLE_DICTIONARY", // pid
      "PLAIN", // cid
      "PLAIN", // big
      "PLAIN", // ts
      "PLAIN+RLE_DICTIONARY", // text
      "PLAIN+RLE_DICTIONARY", // empty
      "PLAIN+RLE_DICTIONARY", // price
      "PLAIN+RLE_DICTIONARY", // tenths
      "PLAIN", // thirds
    ],
  );
});

Deno.test("dictionary indices are packed as hyparquet's reader and our own decoder read them back", async () => {
  const { dictionaryIndices } = await import("../lib/parquet/_encode.ts");
  const random = rng(31);
  for (const width of [1, 2, 3, 7, 8, 9, 13, 16, 17, 20]) {
    for (const count of [0, 1, 7, 8, 9, 1000, 4099]) {
      for (const same of [false, true]) {
        const want = Int32Array.from(
          { length: count },
          () => same ? (1 << width) - 1 : Math.floor(random() * 2 ** width),
        );
        const page = dictionaryIndices(want, width);
        assert.equal(page[0], width);
        const label = `width ${width}, ${count} values${same ? ", all the same" : ""}`;
        const theirs = new Array(count);
        readRleBitPackedHybrid(
          { view: new DataView(page.buffer, 1), offset: 0 },
          width,
          theirs,
          page.length - 1,
        );
        assert.deepEqual(theirs, [...want], label);
        const ours = new Int32Array(count);
        decodeHybrid(page, 1, page.length, width, ours, count);
        assert.deepEqual(ours, want, label);
        if (same && count > 8) assert.ok(page.length <= 8, `${label}: one RLE run`);
      }
    }
  }
});

Deno.test("a row group's bytes are freed after decoding only when the source gave them alone", async () => {
  const rowsOf = (batch: { toArray(): { toJSON(): unknown }[] }) => batch.toArray().map((r) => r.toJSON());
  const dir = await tempDir();
  const path = `${dir}/twice.parquet`;
  const writer = await ParquetFileWriter.create(path, SCHEMA);
  await writer.write(sampleBatch(0, 3000));
  await writer.close();
  const whole = await Deno.readFile(path);
  // A caching source hands out the same buffer for the same range, as hyparquet's cachedAsyncBuffer does.
  const cache = new Map<string, ArrayBuffer>();
  const cached = {
    byteLength: whole.length,
    slice: (start: number, end = whole.length) => {
      const key = `${start}-${end}`;
      if (!cache.has(key)) cache.set(key, whole.slice(start, end).buffer);
      return Promise.resolve(cache.get(key)!);
    },
  };
  const reader = await ParquetReader.open(cached, { file: path });
  const first = await reader.readRowGroup(0, ["price", "cat"]);
  const again = await reader.readRowGroup(0, ["price", "cat"]);
  assert.deepEqual(rowsOf(again), rowsOf(first));
  assert.ok([...cache.values()].every((b) => !b.detached), "nothing of the cache detached");
  // A file's source gives each range a buffer of its own: freed once decoded, the rows still intact.
  const source = await fileByteSource(path);
  const slices: ArrayBuffer[] = [];
  const watched = {
    ...source,
    slice: async (s: number, e?: number) => {
      const b = await source.slice(s, e);
      slices.push(b);
      return b;
    },
  };
  const fromFile = await ParquetReader.open(watched, { file: path });
  const read = await fromFile.readRowGroup(0, ["price", "cat"]);
  assert.deepEqual(rowsOf(read), rowsOf(first));
  assert.ok(slices.some((b) => b.detached), "the chunks' bytes are given back");
  source.close();
});

Deno.test("batches({ reuse }) frees each row group's decoded arrays once the next is asked for, same rows", async () => {
  const dir = await tempDir();
  const path = `${dir}/reuse.parquet`;
  const writer = await ParquetFileWriter.create(path, SCHEMA);
  for (const start of [0, 700, 1400]) await writer.write(sampleBatch(start, 700));
  await writer.close();
  const read = async (reuse: boolean) => {
    const source = await fileByteSource(path);
    const reader = await ParquetReader.open(source, { file: path });
    const rows: unknown[] = [];
    const buffers: ArrayBufferLike[] = [];
    for await (const batch of reader.batches({ batchSize: 300, reuse })) {
      buffers.push(columnData(batch, "price").values.buffer);
      for (const row of batch.toArray()) rows.push(row.toJSON());
    }
    source.close();
    return { rows, buffers };
  };
  const plain = await read(false);
  const reused = await read(true);
  assert.deepEqual(reused.rows, plain.rows);
  assert.equal(reused.rows.length, 2100);
  assert.ok(reused.buffers.every((b) => (b as ArrayBuffer).detached), "every row group's arrays given back");
  assert.ok(plain.buffers.every((b) => !(b as ArrayBuffer).detached), "kept without reuse");
});

Deno.test("each row group's chunks come in one read per run of neighbours, the next group's read ahead, same values", async () => {
  const { setFlatReads } = await import("../lib/parquet/read.ts");
  const path = await threeGroups("ahead");
  const read = async (columns: readonly string[], options: { limit?: number } = {}) => {
    const { reader, reads } = await watchedReader(path);
    try {
      return { rows: await collectRows(reader.batches({ columns, ...options })), reads };
    } finally {
      reader.close();
    }
  };
  // Columns next to each other (one read per row group), and apart (price … cat: a read each, never the
  // chunks between); the oracle is hyparquet's general reader, which reads each chunk itself.
  for (
    const [columns, perGroup] of [[["qty", "id"], 1], [["price", "cat"], 2], [
      ["ts", "cat", "id"],
      1,
    ]] as const
  ) {
    const { rows, reads } = await read(columns);
    setFlatReads(false);
    try {
      assert.deepEqual(rows, (await read(columns)).rows, columns.join(","));
    } finally {
      setFlatReads(true);
    }
    assert.equal(rows.length, 2100);
    assert.equal(reads.length, 3 * perGroup, `reads of ${columns.join(",")}`);
    const chunks = reads.reduce((sum, [s, e]) => sum + e - s, 0);
    assert.equal(chunks, await chunkBytes(path, columns), "the wanted chunks' bytes, no more");
  }
  // A limit inside the first row group reads no other.
  const first = await read(["price"], { limit: 10 });
  assert.equal(first.rows.length, 10);
  assert.equal(first.reads.length, 1);
});

/** Compressed bytes of `columns`' chunks in every row group, from the footer. */
async function chunkBytes(path: string, columns: readonly string[]): Promise<number> {
  const source = await fileByteSource(path);
  try {
    const reader = await ParquetReader.open(source, { file: path });
    return reader.metadata.row_groups.flatMap((g) => g.columns)
      .filter((c) => columns.includes(c.meta_data!.path_in_schema[0]))
      .reduce((sum, c) => sum + Number(c.meta_data!.total_compressed_size), 0);
  } finally {
    source.close();
  }
}

Deno.test("batches({ where }) yields only matching rows, skips row groups by their statistics, and counts what it left out", async () => {
  const path = await threeGroups("where");
  const open = () => watchedReader(path);
  const read = async (where: string[], columns?: string[]) => {
    const { reader, reads } = await open();
    try {
      const rows = await collectRows(reader.batches({ columns, where: where.map(parsePredicate) }));
      // Which row groups' bytes were read at all.
      const touched = reader.metadata.row_groups.map((g) =>
        reads.some(([s, e]) =>
          g.columns.some((c) => {
            const from = Number(c.meta_data!.dictionary_page_offset || c.meta_data!.data_page_offset);
            return s < from + Number(c.meta_data!.total_compressed_size) && from < e;
          })
        )
      );
      return { rows, touched, filtered: reader.rowsFiltered, skipped: reader.rowGroupsSkipped };
    } finally {
      reader.close();
    }
  };
  // Oracle: every row group read whole, then the same predicates and projection applied.
  const oracle = async (where: string[], columns?: string[]) => {
    const { reader } = await open();
    try {
      const filter = new RowFilter(where.map(parsePredicate), reader.schema);
      const kept: RecordBatch[] = [];
      for await (const b of reader.batches()) {
        const rows = selectRows(b, filter.select(b));
        kept.push(columns ? selectColumns(rows, columns) : rows);
      }
      return await collectRows((async function* () {
        yield* kept;
      })());
    } finally {
      reader.close();
    }
  };
  // Predicates on columns in and out of the projection, on nullable and text columns; ts and price grow with
  // the rows, so row groups (0-699, 700-1399, 1400-2099) have ranges that rule some out.
  for (
    const [where, columns, read_] of [
      [["id > 1000000007000"], undefined, [true, true, true]],
      [["qty < 3", "price > 50"], ["price", "cat"], [true, true, true]],
      [["cat = y"], ["id"], [true, true, true]],
      [["price > 200"], ["qty", "id"], [false, false, true]],
      [["ts >= 2020-01-01 00:23:20"], ["price"], [false, false, true]],
      [["ts < 2020-01-01 00:11:40", "qty = 5"], ["ts", "cat"], [true, false, false]],
      [["price > 1e12"], undefined, [false, false, false]],
      [["qty = 8"], ["price", "ts", "qty"], [true, true, true]], // a nullable column cut to the matches
    ] as [string[], string[] | undefined, boolean[]][]
  ) {
    const what = where.join(" and ");
    const got = await read(where, columns);
    assert.deepEqual(got.rows, await oracle(where, columns), what);
    assert.equal(got.rows.length + got.filtered, 2100, `${what}: every row read or counted as left out`);
    assert.deepEqual(got.touched, read_, `${what}: the row groups whose bytes were read`);
    assert.equal(
      got.skipped,
      read_.filter((r) => !r).length,
      `${what}: row groups skipped by their statistics`,
    );
  }
});

Deno.test("batches({ where }) on other engines' files (nullable, every type and codec) equals a whole read, filtered", async () => {
  const files = [
    "fixtures/polars_zstd.parquet",
    ...["zstd", "snappy", "gzip", "uncompressed"].map((c) => `fixtures/duckdb_${c}.parquet`),
  ];
  for (const path of files) {
    const source = await fileByteSource(path);
    try {
      const reader = await ParquetReader.open(source, { file: path });
      const numeric = reader.columns.find((c) => !c.nested && (c.kind === "int32" || c.kind === "float64"))!;
      const all: RecordBatch[] = [];
      for await (const b of reader.batches()) all.push(b);
      // A predicate keeping about half of the values, on a column whose median comes from the data.
      const values = all.flatMap((b) => [...columnValues(b, numeric.name)].map(Number)).sort((a, b) => a - b);
      const where = [parsePredicate(`${numeric.name} > ${values[values.length >> 1]}`)];
      const filter = new RowFilter(where, reader.schema);
      const expected = await collectRows((async function* () {
        for (const b of all) yield selectRows(b, filter.select(b));
      })());
      const got = await collectRows(reader.batches({ where }));
      assert.ok(got.length > 0 && got.length < values.length, path);
      assert.deepEqual(got, expected, path);
      assert.equal(got.length + reader.rowsFiltered, values.length, path);
    } finally {
      source.close();
    }
  }
});

/** A file of three row groups of `sampleBatch` rows (0-699, 700-1399, 1400-2099). */
async function threeGroups(name: string): Promise<string> {
  const path = `${await tempDir()}/${name}.parquet`;
  const writer = await ParquetFileWriter.create(path, SCHEMA);
  for (const start of [0, 700, 1400]) await writer.write(sampleBatch(start, 700));
  await writer.close();
  return path;
}

/** A reader of `path` that records the byte ranges it reads after the footer. */
async function watchedReader(path: string): Promise<{ reader: ParquetReader; reads: [number, number][] }> {
  const source = await fileByteSource(path);
  const reads: [number, number][] = [];
  const watched = {
    ...source,
    slice: (s: number, e?: number) => {
      reads.push([s, e ?? source.byteLength]);
      return source.slice(s, e);
    },
  };
  const reader = await ParquetReader.open(watched, { file: path });
  reads.length = 0; // the footer's
  return { reader, reads };
}

Deno.test("decimal columns read back exactly, a narrow range through its dictionary, a wide one plain", async () => {
  const dir = await tempDir("decimals");
  const rows = 2000;
  const narrow = Float64Array.from({ length: rows }, (_, i) => (1000 + (i % 300)) / 100); // 300 values
  const wide = Float64Array.from({ length: rows }, (_, i) => ((i * 4999) % 10000 * 100 + (i % 7)) / 100); // 2,000
  const schema = new Schema([
    new Field("narrow", arrowType("float64"), false),
    new Field("wide", arrowType("float64"), false),
  ]);
  const path = `${dir}/d.parquet`;
  const writer = await ParquetFileWriter.create(path, schema);
  await writer.write(makeBatch([
    { name: "narrow", data: float64Data(narrow) },
    { name: "wide", data: float64Data(wide) },
  ]));
  await writer.close();
  const reader = await ParquetReader.open(await fileByteSource(path), { file: path });
  try {
    const encodings = reader.metadata.row_groups[0].columns.map((c) => c.meta_data!.encodings.join("+"));
    assert.deepEqual(encodings, ["PLAIN+RLE_DICTIONARY", "PLAIN"]); // wide: more values than a quarter of the rows
    const read = await collectRows(reader.batches());
    assert.deepEqual(read.map((r) => r.narrow), [...narrow]);
    assert.deepEqual(read.map((r) => r.wide), [...wide]);
  } finally {
    reader.close();
  }
});
