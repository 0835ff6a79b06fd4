import assert from "node:assert/strict";
import { freeBuffers, freeIfWhole } from "../lib/io/memory.ts";

Deno.test("freeBuffers detaches the buffers under views at once, and skips detached, empty and missing ones", () => {
  const a = new Float64Array(1 << 16);
  const b = new Uint8Array(a.buffer, 8, 16); // another view of the same buffer
  const c = new Int32Array(0);
  const before = Deno.memoryUsage().external;
  freeBuffers(a, b, c, null);
  assert.equal(a.buffer.detached, true);
  assert.equal(b.length, 0);
  assert.ok(Deno.memoryUsage().external <= before - (1 << 19), "the memory is given back now");
  freeBuffers(a); // already detached: nothing to do
});

Deno.test("freeIfWhole frees a view that is all of its buffer and leaves a view of part of one alone", () => {
  const whole = new Uint8Array(64);
  const shared = new Uint8Array(64);
  const part = shared.subarray(8, 16);
  freeIfWhole(part);
  assert.equal(shared.buffer.detached, false);
  assert.equal(shared.length, 64);
  freeIfWhole(whole);
  assert.equal(whole.buffer.detached, true);
  freeIfWhole(null);
});
