import assert from "node:assert/strict";
import {
  civilFromDays,
  daysFromCivil,
  formatTimestamp,
  getInt64,
  parseFloat64,
  parseInt32,
  parseTimestamp,
  setInt64,
} from "../lib/values.ts";

const f = (s: string) => parseFloat64(s, 0, s.length);

Deno.test("parseFloat64 agrees with Number() on valid numbers and rejects the rest", () => {
  for (
    const s of [
      "0",
      "-0",
      "12.5",
      "+3",
      "123456789012345",
      "1234567890123456789",
      ".5",
      "5.",
      "1e-7",
      "-2.5E+3",
      "0.30000000000000004",
      "999.99",
    ]
  ) {
    assert.ok(Object.is(f(s), Number(s)), s);
  }
  assert.ok(Number.isNaN(f("NaN")!));
  assert.equal(f("inf"), Infinity);
  assert.equal(f("-Infinity"), -Infinity);
  for (const s of ["", "abc", "1,5", "1.2.3", "0x10", " 1", "--1", "1e"]) assert.equal(f(s), undefined, s);
  // Random decimals with 2 places: the fast path must give exactly Number()'s double.
  for (let k = 0; k < 10_000; k++) {
    const s = (Math.random() * 1e6).toFixed(k % 7);
    assert.equal(f(s), Number(s), s);
  }
});

Deno.test("parseInt32 accepts int32 range only", () => {
  assert.equal(parseInt32("-2147483648", 0, 11), -2147483648);
  assert.equal(parseInt32("2147483647", 0, 10), 2147483647);
  assert.equal(parseInt32("2147483648", 0, 10), undefined);
  assert.equal(parseInt32("1.0", 0, 3), undefined);
});

Deno.test("parseTimestamp reads dates, times, fractions and zones, and rejects impossible dates", () => {
  const t = (s: string) => parseTimestamp(s, 0, s.length);
  assert.equal(t("2020-01-01 00:00:00"), Date.UTC(2020, 0, 1));
  assert.equal(t("2020-02-29T12:34:56.789"), Date.UTC(2020, 1, 29, 12, 34, 56, 789));
  assert.equal(t("2020-02-29"), Date.UTC(2020, 1, 29));
  assert.equal(t("2020-06-01 10:00:00+02:00"), Date.UTC(2020, 5, 1, 8));
  assert.equal(t("2020-06-01T10:00Z"), Date.UTC(2020, 5, 1, 10));
  for (
    const s of [
      "2019-02-29",
      "2020-13-01",
      "2020-01-32 00:00:00",
      "2020-01-01 24:00:00",
      "20200101",
      "2020-01-01x",
    ]
  ) {
    assert.equal(t(s), undefined, s);
  }
});

Deno.test("civil dates and formatted timestamps round-trip", () => {
  for (const days of [-719468, -1, 0, 18262, 2932896]) {
    assert.equal(daysFromCivil(...civilFromDays(days)), days);
  }
  assert.equal(formatTimestamp(Date.UTC(2020, 0, 1, 0, 0, 1)), "2020-01-01 00:00:01");
  assert.equal(formatTimestamp(Date.UTC(1969, 11, 31, 23, 59, 59, 5)), "1969-12-31 23:59:59.005");
});

Deno.test("setInt64 and getInt64 store numbers in BigInt64Array words exactly", () => {
  const a = new BigInt64Array(4);
  const w = new Int32Array(a.buffer);
  const values = [0, -1, 2 ** 53 - 1, -(2 ** 40) - 7];
  values.forEach((v, i) => setInt64(w, i, v));
  assert.deepEqual([...a], values.map(BigInt));
  assert.deepEqual(values.map((_, i) => getInt64(w, i)), values);
});

Deno.test("parseTimestamp gives the same answers in any order (its cached date never leaks)", () => {
  const texts = [
    "2020-01-01 10:00:00",
    "2020-01-01 10:00:01",
    "2020-01-01x",
    "2020-01-01T23:59:59.5Z",
    "2020-01-02",
    "2020-02-29 00:00:00",
    "2021-02-29 00:00:00",
    "2020-01-01 24:00:00",
    "2020-01-01 10:00:00+02:00",
    "1969-12-31 23:59:59",
    // The same minute with every ending: the cached minute must not vouch for what follows it.
    "2020-01-01 10:00",
    "2020-01-01 10:00x",
    "2020-01-01 10:00:60",
    "2020-01-01 10:00:05.250-01:30",
    "2020-01-01T10:00:30",
    "2020-01-01T10:00:3",
    "2020-01-01 10:01:00",
    "2020-01-01 10:10:00",
  ];
  const fresh = texts.map((t) => {
    parseTimestamp("1900-01-01 00:00:00", 0, 19); // another date and minute cached before each
    return parseTimestamp(t, 0, t.length);
  });
  for (let round = 0; round < 3; round++) {
    const order = [...texts.keys()].sort(() => Math.sin(round * 7 + 1) > 0 ? 1 : -1);
    for (const i of [...order, ...order.reverse()]) {
      assert.equal(parseTimestamp(`,${texts[i]},`, 1, texts[i].length + 1), fresh[i], texts[i]);
    }
  }
  assert.deepEqual(fresh.slice(0, 6), [
    Date.UTC(2020, 0, 1, 10),
    Date.UTC(2020, 0, 1, 10, 0, 1),
    undefined,
    Date.UTC(2020, 0, 1, 23, 59, 59, 500),
    Date.UTC(2020, 0, 2),
    Date.UTC(2020, 1, 29),
  ]);
  assert.deepEqual(fresh.slice(6), [
    undefined,
    undefined,
    Date.UTC(2020, 0, 1, 8),
    Date.UTC(1969, 11, 31, 23, 59, 59),
    Date.UTC(2020, 0, 1, 10),
    undefined,
    undefined,
    Date.UTC(2020, 0, 1, 11, 30, 5, 250),
    Date.UTC(2020, 0, 1, 10, 0, 30),
    undefined,
    Date.UTC(2020, 0, 1, 10, 1),
    Date.UTC(2020, 0, 1, 10, 10),
  ]);
});
