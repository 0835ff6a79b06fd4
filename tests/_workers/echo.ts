/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Test worker: doubles numbers, fails on request, or crashes outright. */
import { serveTasks } from "../../lib/engine/pool.ts";

serveTasks<
  { type: "double"; buffer: ArrayBuffer } | { type: "fail" } | { type: "crash" } | { type: string }
>((message) => {
  if (message.type === "double") {
    const values = new Float64Array((message as { buffer: ArrayBuffer }).buffer);
    for (let i = 0; i < values.length; i++) values[i] *= 2;
    return Promise.resolve({ value: values.buffer, transfer: [values.buffer] });
  }
  if (message.type === "fail") return Promise.reject(new RangeError("bad input 42"));
  if (message.type === "crash") {
    setTimeout(() => {
      throw new Error("boom");
    });
    return new Promise(() => {});
  }
  return Promise.reject(new TypeError(`unknown task ${message.type}`));
});
