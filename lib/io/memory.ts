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

/** Runs a full GC when ArrayBuffer memory exceeds `limitBytes` (default 48 MiB, or the plan's) and `gc` is exposed. */
export function releaseDeadBuffers(limitBytes = defaultLimit): void {
  if (gc && Deno.memoryUsage().external > limitBytes) gc();
}

/** Current resident set size in bytes (no permission needed). */
export function rssBytes(): number {
  return Deno.memoryUsage().rss;
}
