/**
 * Keeps streaming memory flat. Every batch is a fresh set of ArrayBuffers (batches are immutable and may be
 * kept by the consumer, so they are never reused); V8 frees dead ones only at a full GC, which it starts
 * late when a process has gigabytes available — measured on the 20M-row CSV: ~90 MiB of dead batch
 * buffers at the peak. When the runtime was started with `--v8-flags=--expose-gc` (every task and the
 * compiled binary are), sources call `releaseDeadBuffers()` between batches, which runs a full GC only
 * when the buffers outside the JS heap pass `limitBytes`. Without the flag it does nothing.
 */
import type { Data, RecordBatch } from "apache-arrow";

const gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc;

let defaultLimit = 48 << 20;

let aboveLive = false;

/**
 * Sets the default of `releaseDeadBuffers` for this thread (the memory plan's `deadBufferBytes`) and whether
 * the limit counts above what the last collection left alive (small plans, see `releaseDeadBuffers`).
 */
export function setDeadBufferLimit(bytes: number, countAboveLive = false): void {
  defaultLimit = bytes;
  aboveLive = countAboveLive;
}

/** ArrayBuffer bytes still alive after the last collection here: what is above it may be garbage. */
let liveAfterGc = 0;

/**
 * Runs a full GC when ArrayBuffer memory passes `limitBytes` (default 48 MiB, or the plan's) and `gc` is
 * exposed; `0` collects now. Under a small plan (`setDeadBufferLimit(…, true)`), when more than the limit was
 * still alive after the last collection, it waits until memory grows by half the limit again: with 100,000-row
 * batches, collecting after every one while a writer held its buffers made filter slow (256 MiB plan: 14.1 →
 * 9.6 s). Large plans keep the plain rule: collecting after each 500,000-row batch is cheap and keeps a scan
 * flat (`memory` on 20M rows: peak 143–149 MiB; with the other rule 162–170 MiB, growing).
 */
export function releaseDeadBuffers(limitBytes = defaultLimit): void {
  if (!gc) return;
  if (limitBytes > 0) {
    const threshold = aboveLive && liveAfterGc > limitBytes ? liveAfterGc + limitBytes / 2 : limitBytes;
    if (Deno.memoryUsage().external <= threshold) return;
    // A young-generation collection first: most dead buffers' owners die young and it costs ~1 ms, where a
    // full collection costs 7–10 ms with outcore's modules loaded (marking their weak tables, profiled).
    gc({ type: "minor" });
    if (Deno.memoryUsage().external <= threshold) return;
  }
  gc();
  liveAfterGc = Deno.memoryUsage().external;
}

/**
 * Frees the memory of the buffers under `views` now, by detaching them (`ArrayBuffer.prototype.transfer(0)`):
 * for buffers this code owns and knows to be dead — a reader's arrays once its consumer is done. V8 would
 * free them only at a full collection; a 20M-row `stats` left ~3 MiB per unit waiting, up to the 48 MiB limit
 * per worker (measured with `Deno.memoryUsage().external` in the worker). Any other view of them reads as
 * empty afterwards.
 */
export function freeBuffers(...views: (ArrayBufferView | null)[]): void {
  for (const view of views) {
    const buffer = view?.buffer;
    if (buffer instanceof ArrayBuffer && !buffer.detached && buffer.byteLength > 0) buffer.transfer(0);
  }
}

/**
 * `freeBuffers` for a view that may share its buffer — a library's output (node:zlib's small results are
 * slices of a shared pool), a page that may be a view of the bytes it was read from: freed only when it is
 * the whole of its buffer.
 */
export function freeIfWhole(view: ArrayBufferView | null): void {
  if (view && view.byteLength === view.buffer.byteLength) freeBuffers(view);
}

/**
 * Frees the value and validity arrays of columns the caller owns alone and is done with (`freeBuffers`);
 * their text dictionaries are left to the GC (slices and selections share them).
 */
export function freeData(...columns: Data[]): void {
  for (const data of columns) freeBuffers(data.values, data.nullBitmap ?? null);
}

/** `freeData` for every column of batches. */
export function freeBatches(...batches: RecordBatch[]): void {
  for (const batch of batches) freeData(...batch.data.children);
}

/** Current resident set size in bytes (no permission needed). */
export function rssBytes(): number {
  return Deno.memoryUsage().rss;
}
