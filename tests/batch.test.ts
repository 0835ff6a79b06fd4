import assert from "node:assert/strict";
import {
  allValid,
  BatchBuilder,
  boolData,
  columnDictionary,
  columnValidity,
  columnValues,
  concatBatches,
  dictionaryData,
  float64Data,
  float64Values,
  int32Data,
  int64Data,
  makeBatch,
  selectRows,
  setNull,
  timestampData,
} from "../lib/batch.ts";

Deno.test("makeBatch builds columns zero-copy from typed arrays", () => {
  const price = new Float64Array([1.5, 2.5, 3.5]);
  const batch = makeBatch([
    { name: "price", data: float64Data(price) },
    { name: "n", data: int32Data(new Int32Array([1, 2, 3])) },
    { name: "t", data: timestampData(new BigInt64Array([0n, 1000n, 2000n])) },
    { name: "c", data: dictionaryData(new Int32Array([1, 0, 1]), ["a", "b"]) },
  ]);
  assert.equal(columnValues(batch, "price").buffer, price.buffer);
  assert.deepEqual(batch.schema.fields.map((f) => String(f.type)), [
    "Float64",
    "Int32",
    "Timestamp<MILLISECOND>",
    "Dictionary<Int32, Utf8>",
  ]);
  assert.deepEqual(batch.toArray().map((r) => r.toJSON()), [
    { price: 1.5, n: 1, t: 0, c: "b" },
    { price: 2.5, n: 2, t: 1000, c: "a" },
    { price: 3.5, n: 3, t: 2000, c: "b" },
  ]);
  assert.deepEqual(columnDictionary(batch, "c"), ["a", "b"]);
  assert.throws(() => columnValues(batch, "zz"), /no column "zz" \(available: price, n, t, c\)/);
  assert.throws(
    () =>
      makeBatch([{ name: "a", data: int32Data(new Int32Array(2)) }, {
        name: "b",
        data: int32Data(new Int32Array(3)),
      }]),
    RangeError,
  );
});

Deno.test("sliced batches give views of exactly their rows, and validity keeps its offset", () => {
  const nulls = allValid(6);
  setNull(nulls, 4);
  const batch = makeBatch([{ name: "x", data: float64Data(new Float64Array([0, 1, 2, 3, 4, 5]), nulls) }]);
  const slice = batch.slice(2, 5);
  assert.deepEqual([...columnValues(slice, "x")], [2, 3, 4]);
  const validity = columnValidity(slice, "x")!;
  assert.equal(validity.offset, 2);
  assert.deepEqual([...float64Values(slice, "x")], [2, 3, NaN]);
});

Deno.test("float64Values converts int and timestamp columns, marking nulls NaN", () => {
  const nulls = allValid(3);
  setNull(nulls, 1);
  const batch = makeBatch([
    { name: "i", data: int32Data(new Int32Array([5, 6, 7]), nulls) },
    { name: "t", data: timestampData(new BigInt64Array([1n, 2n, 3n])) },
  ]);
  assert.deepEqual([...float64Values(batch, "i")], [5, NaN, 7]);
  assert.deepEqual([...float64Values(batch, "t")], [1, 2, 3]);
});

Deno.test("selectRows copies chosen rows with their nulls and shares dictionaries", () => {
  const nulls = allValid(4);
  setNull(nulls, 2);
  const batch = makeBatch([
    { name: "v", data: int32Data(new Int32Array([10, 20, 30, 40]), nulls) },
    { name: "c", data: dictionaryData(new Int32Array([0, 1, 0, 1]), ["x", "y"]) },
  ]);
  const picked = selectRows(batch, new Int32Array([3, 2, 0]));
  assert.deepEqual(picked.toArray().map((r) => r.toJSON()), [{ v: 40, c: "y" }, { v: null, c: "x" }, {
    v: 10,
    c: "x",
  }]);
});

Deno.test("BatchBuilder appends rows of batches (chosen or all), merges dictionaries, and starts clean after clear", () => {
  const nulls = allValid(3);
  setNull(nulls, 1);
  const a = makeBatch([
    { name: "i", data: int32Data(new Int32Array([1, 2, 3]), nulls) },
    { name: "f", data: float64Data(new Float64Array([0.5, 1.5, 2.5])) },
    { name: "t", data: timestampData(new BigInt64Array([10n, 20n, 30n])) },
    { name: "c", data: dictionaryData(new Int32Array([0, 1, 0]), ["x", "y"]) },
    { name: "b", data: boolData(new Uint8Array([0b101]), 3) },
  ]);
  const b = makeBatch([
    { name: "i", data: int32Data(new Int32Array([4, 5])) },
    { name: "f", data: float64Data(new Float64Array([3.5, 4.5])) },
    { name: "t", data: timestampData(new BigInt64Array([40n, 50n])) },
    { name: "c", data: dictionaryData(new Int32Array([1, 0]), ["y", "z"]) },
    { name: "b", data: boolData(new Uint8Array([0b10]), 2) },
  ]);
  const rows = (batch: ReturnType<typeof makeBatch>) => batch.toArray().map((r) => r.toJSON());
  const builder = new BatchBuilder(["i", "f", "t", "c", "b"], 2); // grows past 2 rows
  builder.append(a).append(b, new Int32Array([1, 0]));
  assert.equal(builder.numRows, 5);
  assert.deepEqual(rows(builder.batch()), [
    { i: 1, f: 0.5, t: 10, c: "x", b: true },
    { i: null, f: 1.5, t: 20, c: "y", b: false },
    { i: 3, f: 2.5, t: 30, c: "x", b: true },
    { i: 5, f: 4.5, t: 50, c: "y", b: true },
    { i: 4, f: 3.5, t: 40, c: "z", b: false },
  ]);
  assert.deepEqual(columnDictionary(builder.batch(), "c"), ["x", "y", "z"]);
  assert.deepEqual(rows(builder.batch()), rows(concatBatches([a, selectRows(b, new Int32Array([1, 0]))])));
  builder.clear();
  builder.append(b);
  assert.deepEqual(rows(builder.batch()), rows(b), "no null, dictionary entry or bit left from before");
  assert.deepEqual(columnDictionary(builder.batch(), "c"), ["y", "z"]);
  assert.equal(columnValidity(builder.batch(), "i"), null);
  builder.append(a); // a null after b's rows: b's second row (null before the clear) stays valid
  assert.deepEqual(rows(builder.batch()), [...rows(b), ...rows(a)]);
});

Deno.test("selectColumns keeps values, order and field metadata; returns the batch itself when nothing changes", async () => {
  const { selectColumns, float64Data, int32Data, makeBatch, columnValues } = await import("../lib/batch.ts");
  const { Field, RecordBatch, Schema, Struct, makeData } = await import("apache-arrow");
  const base = makeBatch([
    { name: "a", data: int32Data(Int32Array.from([1, 2, 3])) },
    { name: "b", data: float64Data(Float64Array.from([0.5, 1.5, 2.5])) },
  ]);
  // A field carrying metadata, as Parquet-typed columns do.
  const fields = [
    base.schema.fields[0],
    new Field("b", base.schema.fields[1].type, true, new Map([["k", "v"]])),
  ];
  const batch = new RecordBatch(
    new Schema(fields),
    makeData({ type: new Struct(fields), length: 3, nullCount: 0, children: base.data.children }),
  );
  const picked = selectColumns(batch, ["b", "a"]);
  assert.deepEqual(picked.schema.fields.map((f) => f.name), ["b", "a"]);
  assert.deepEqual([...columnValues(picked, "b") as Float64Array], [0.5, 1.5, 2.5]);
  assert.deepEqual([...columnValues(picked, "a") as Int32Array], [1, 2, 3]);
  assert.equal(picked.getChild("b")!.get(2), 2.5);
  assert.equal(picked.schema.fields[0].metadata.get("k"), "v");
  assert.equal(selectColumns(batch, ["a", "b"]), batch);
  assert.throws(() => selectColumns(batch, ["c"]), /no column "c"/);
});

Deno.test("float64Values converts 64-bit integers as Number() does, negative and beyond 2^53 included", () => {
  const values = BigInt64Array.of(
    0n,
    -1n,
    1n,
    2n ** 32n,
    -(2n ** 32n) - 7n,
    2n ** 53n - 1n,
    -(2n ** 53n),
    2n ** 53n + 1n,
    -(2n ** 63n),
    2n ** 63n - 1n,
    123456789012345n,
    2n ** 53n + 3n,
    -(2n ** 53n) - 1n,
    -(2n ** 53n) - 3n,
    2n ** 62n + 2n ** 9n,
    -(2n ** 62n) - 2n ** 9n - 1n,
  );
  const batch = makeBatch([{ name: "x", data: int64Data(values) }]);
  assert.deepEqual([...float64Values(batch, "x")], [...values].map(Number));
  // And 10,000 pseudo-random int64s of every magnitude (the conversion rounds once, as Number() does).
  const random = new BigInt64Array(10_000);
  let state = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < random.length; i++) {
    state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    random[i] = BigInt.asIntN(64, state >> BigInt(i % 60));
  }
  const converted = float64Values(makeBatch([{ name: "x", data: int64Data(random) }]), "x");
  assert.deepEqual([...converted], [...random].map(Number));
});
