import assert from "node:assert/strict";
import { exactStats, OnlineStats } from "../lib/ops/online_stats.ts";
import { rng } from "./_helpers.ts";

function close(a: number, b: number, rel = 1e-12) {
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
}

Deno.test("OnlineStats matches an exact two-pass computation, per value and per batch", () => {
  const r = rng(1);
  const values = Float64Array.from({ length: 100_000 }, () => Math.round((1 + r() * 999) * 100) / 100);
  const exact = exactStats(values);
  const one = new OnlineStats();
  for (const v of values) one.update(v);
  const batch = new OnlineStats();
  batch.updateBatch(values);
  for (const s of [one, batch]) {
    assert.equal(s.count, exact.count);
    close(s.mean, exact.mean);
    close(s.variance, exact.variance);
    close(s.std, Math.sqrt(exact.variance));
    assert.equal(s.min, exact.min);
    assert.equal(s.max, exact.max);
    close(s.sum, exact.sum, 1e-15);
  }
  close(one.sampleVariance, exact.variance * exact.count / (exact.count - 1));
});

Deno.test("OnlineStats survives a huge offset where the naive sum of squares fails", () => {
  const r = rng(2);
  const values = Float64Array.from({ length: 50_000 }, () => 1e9 + r());
  const exact = exactStats(values);
  const s = new OnlineStats();
  s.updateBatch(values);
  close(s.mean, exact.mean);
  close(s.variance, exact.variance, 1e-9);
  let sum = 0, sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  const naive = sumSq / values.length - (sum / values.length) ** 2;
  assert.ok(Math.abs(naive - exact.variance) > 1e-3, "the naive formula really is wrong here");
});

Deno.test("OnlineStats handles constant values, empty input and one value", () => {
  const c = new OnlineStats();
  c.updateBatch(new Float64Array(1000).fill(42.5));
  assert.equal(c.mean, 42.5);
  assert.equal(c.variance, 0);
  const empty = new OnlineStats();
  assert.equal(empty.count, 0);
  assert.ok(Number.isNaN(empty.variance));
  assert.deepEqual(empty.summary(), {
    count: 0,
    nulls: 0,
    sum: 0,
    mean: null,
    variance: null,
    std: null,
    min: null,
    max: null,
  });
  const one = new OnlineStats();
  one.update(7);
  assert.equal(one.variance, 0);
  assert.ok(Number.isNaN(one.sampleVariance));
  assert.equal(one.min, 7);
});

Deno.test("OnlineStats merges exactly: split points, merge order and empty parts do not matter", () => {
  const r = rng(3);
  const values = Float64Array.from({ length: 10_000 }, () => r() * 1000 - 300);
  const whole = new OnlineStats();
  whole.updateBatch(values);
  for (const cuts of [[1], [5000], [3, 4000, 9999], [0, 10_000]]) {
    const bounds = [0, ...cuts, values.length];
    const parts = bounds.slice(1).map((end, i) => {
      const s = new OnlineStats();
      s.updateBatch(values.subarray(bounds[i], end));
      return s;
    });
    const forward = parts.reduce((acc, p) => acc.merge(p), new OnlineStats());
    const backward = [...parts].reverse().reduce((acc, p) => acc.merge(p), new OnlineStats());
    for (const m of [forward, backward]) {
      assert.equal(m.count, whole.count);
      close(m.mean, whole.mean);
      close(m.variance, whole.variance);
      close(m.sum, whole.sum);
      assert.equal(m.min, whole.min);
      assert.equal(m.max, whole.max);
    }
  }
});

Deno.test("OnlineStats skips and counts nulls and NaN, and round-trips through JSON", () => {
  const s = new OnlineStats();
  const bitmap = new Uint8Array([0b11111011]); // row 2 null
  s.updateBatch(new Float64Array([1, 2, 999, NaN, 4, 5, 6, 7]), bitmap, 0);
  s.update(null);
  assert.equal(s.count, 6);
  assert.equal(s.nulls, 2);
  assert.equal(s.nans, 1);
  assert.equal(s.summary().nulls, 3);
  close(s.mean, 25 / 6);
  const back = OnlineStats.fromJSON(JSON.parse(JSON.stringify(s)));
  assert.deepEqual(back.summary(), s.summary());
  assert.deepEqual(OnlineStats.fromJSON(new OnlineStats().toJSON()).summary(), new OnlineStats().summary());
});
