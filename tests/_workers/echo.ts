/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Test worker: doubles numbers, fails on request, crashes outright, keeps writing files into a folder, or
 * takes a while and says whether another task ran meanwhile, how many it served before and how many it had
 * been given by its end.
 */
import { serveTasks } from "../../lib/engine/pool.ts";

let running = 0;
let served = 0;
let received = 0;
self.addEventListener("message", () => received++);

serveTasks<
  | { type: "double"; buffer: ArrayBuffer }
  | { type: "fail" }
  | { type: "crash" }
  | { type: "scribble"; dir: string }
  | { type: "slow"; tag: number }
  | { type: string }
>(async (message) => {
  if (message.type === "slow") {
    running++;
    const overlapped = running > 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    running--;
    // `received`: the tasks this worker was given by the time this one ended (it runs one at a time).
    return { value: { tag: (message as { tag: number }).tag, overlapped, before: served++, received } };
  }
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
  if (message.type === "scribble") {
    // Like a generate worker writing partitions: recreates folders inside `dir` until terminated.
    const { dir } = message as { dir: string };
    for (let n = 0;; n++) {
      Deno.mkdirSync(`${dir}/category=${n % 4}`, { recursive: true });
      Deno.writeTextFileSync(`${dir}/category=${n % 4}/part-${n}.txt`, "x");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  return Promise.reject(new TypeError(`unknown task ${message.type}`));
});
