/**
 * Keeps streaming memory flat. Every batch is a fresh set of ArrayBuffers (batches are immutable and may be
 * kept by the consumer, so they are never reused); V8 frees dead ones only at a full GC, which it starts
 * late when a process has gigabytes available — measured on the 20M-row CSV: ~90 MiB of dead batch
 * buffers at the peak. When the runtime was started with `--v8-flags=--expose-gc` (every task and the
 * compiled binary are), sources call `releaseDeadBuffers()` between batches, which runs a full GC only
 * when the buffers outside the JS heap pass `limitBytes`. Without the flag it does nothing.
 */

const gc = (globalThis as { gc?: () => void }).gc;

let defaultLimit = 48 << 20;

/** Sets the default of `releaseDeadBuffers` for this thread (the memory plan's `deadBufferBytes`). */
export function setDeadBufferLimit(bytes: number): void {
  defaultLimit = bytes;
}

/** ArrayBuffer bytes still alive after the last collection here: what is above it may be garbage. */
let liveAfterGc = 0;

/**
 * Runs a full GC when ArrayBuffer memory has grown by more than `limitBytes` (default 48 MiB, or the plan's)
 * since the last one, and `gc` is exposed; `0` collects now. Measured from what was alive after the last
 * collection, so buffers a writer legitimately holds never make it collect after every batch.
 */
export function releaseDeadBuffers(limitBytes = defaultLimit): void {
  if (!gc) return;
  if (limitBytes > 0 && Deno.memoryUsage().external <= liveAfterGc + limitBytes) return;
  gc();
  liveAfterGc = Deno.memoryUsage().external;
}

/** Current resident set size in bytes (no permission needed). */
export function rssBytes(): number {
  return Deno.memoryUsage().rss;
}
