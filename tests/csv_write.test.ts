import assert from "node:assert/strict";
import {
  allValid,
  dictionaryData,
  float64Data,
  int32Data,
  makeBatch,
  setNull,
  timestampData,
} from "../lib/batch.ts";
import { CsvReader } from "../lib/csv/read.ts";
import { CsvEncoder, quoteField } from "../lib/csv/write.ts";
import { formatTimestamp } from "../lib/values.ts";
import { collectRows, streamOf } from "./_helpers.ts";

Deno.test("quoteField quotes only when needed", () => {
  assert.equal(quoteField("plain"), "plain");
  assert.equal(quoteField("a,b"), '"a,b"');
  assert.equal(quoteField('say "x"'), '"say ""x"""');
  assert.equal(quoteField("two\nlines"), '"two\nlines"');
});

Deno.test("CsvEncoder writes numbers, timestamps, strings and nulls that read back identically", async () => {
  const floats = new Float64Array([0.1, -2.5, 123.45, 1e-7, 1e21, -0, 3, 0.30000000000000004, 999.99]);
  const n = floats.length;
  const nulls = allValid(n);
  setNull(nulls, 4);
  const batch = makeBatch([
    { name: "f", data: float64Data(floats, nulls) },
    { name: "i", data: int32Data(Int32Array.from({ length: n }, (_, k) => (k - 4) * 123456789)) },
    {
      name: "t",
      data: timestampData(
        BigInt64Array.from(
          { length: n },
          (_, k) => BigInt(Date.UTC(1999, 11, 31, 23, 59, 59) + k * 86_400_123),
        ),
      ),
    },
    {
      name: "s",
      data: dictionaryData(Int32Array.from({ length: n }, (_, k) => k % 3), ["x", "a,b", 'q"uote']),
    },
  ]);
  const encoder = new CsvEncoder(batch.schema);
  const text = new TextDecoder().decode(encoder.header()) + new TextDecoder().decode(encoder.encode(batch));
  assert.equal(text.split("\n")[1], "0.1,-493827156,1999-12-31 23:59:59,x");
  assert.equal(text.split("\n")[2], '-2.5,-370370367,2000-01-01 23:59:59.123,"a,b"');
  const reader = await CsvReader.open(streamOf(text), {
    types: { f: "float64", i: "int32", t: "timestamp", s: "string" },
  });
  const back = await collectRows(reader.batches());
  assert.deepEqual(back, batch.toArray().map((r) => r.toJSON()));
});

Deno.test("integers and timestamps are written as String() and formatTimestamp write them, edges included", () => {
  const ints = Int32Array.from([
    0,
    1,
    -1,
    9,
    10,
    11,
    99,
    100,
    101,
    999,
    1000,
    12345,
    -98765,
    2147483647,
    -2147483648,
    100000,
  ]);
  const ms = [
    0,
    59_999,
    60_000,
    86_399_999,
    -1,
    -60_001,
    1577836800000,
    1597836799123,
    253402300799000,
    -62135596800000,
  ];
  const batch = makeBatch([
    { name: "i", data: int32Data(ints.subarray(0, ms.length)) },
    { name: "t", data: timestampData(BigInt64Array.from(ms, BigInt)) },
  ]);
  const lines = new TextDecoder().decode(new CsvEncoder(batch.schema).encode(batch)).trimEnd().split("\n");
  assert.deepEqual(lines, ms.map((m, r) => `${ints[r]},${formatTimestamp(m)}`));
  const rest = makeBatch([{ name: "i", data: int32Data(ints.subarray(ms.length)) }]);
  const more = new TextDecoder().decode(new CsvEncoder(rest.schema).encode(rest)).trimEnd().split("\n");
  assert.deepEqual(more, [...ints.subarray(ms.length)].map(String));
});
