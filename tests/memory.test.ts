import assert from "node:assert/strict";
import { freeBuffers } from "../lib/io/memory.ts";

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
