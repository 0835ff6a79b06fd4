/**
 * Keeps freed ArrayBuffer memory from staying with the process. ArrayBuffers live in glibc's malloc: blocks
 * above its mmap threshold (128 KiB at start) are mapped on their own and unmapped when freed, smaller ones come
 * from an arena (one per thread, so per worker) whose free space is seldom given back. glibc raises that
 * threshold to the size of each mapped block freed, up to 32 MiB — so once a reader's buffers have been freed,
 * every batch array, page and encoded row group of a few MiB comes from an arena, and the arenas' holes add up.
 * Setting the threshold (`mallopt(M_MMAP_THRESHOLD)`) also stops the raising. Measured on the 20M-row CSV, 2
 * workers, no limit, interleaved: `filter` peak RSS 201–222 → 187–190 MiB at 256 KiB (128 KiB: 187–193), for
 * ~90,000 more page faults (+0.2 s of system time, wall time within the noise); `stats`, whose arrays are
 * reused, 150–156 MiB either way. Node and Deno expose no such knob, and the environment variable glibc reads
 * (`MALLOC_MMAP_THRESHOLD_`, which a relaunched process gets: relaunch.ts) only counts at process start, so
 * it is called through FFI (Deno.dlopen) — where `--allow-ffi` is granted and libc is glibc's; anywhere else
 * this does nothing and the allocator keeps its default.
 */

/** glibc's `M_MMAP_THRESHOLD` (malloc.h). */
const M_MMAP_THRESHOLD = -3;

/** Blocks of this size and more are mapped on their own, and unmapped when freed. */
export const MMAP_THRESHOLD_BYTES = 256 << 10;

/**
 * Fixes glibc's mmap threshold at `bytes` for the whole process (every thread, so workers started later too).
 * Returns whether it was set: false without `--allow-ffi`, off Linux, or where libc is not glibc.
 */
export function fixMmapThreshold(bytes = MMAP_THRESHOLD_BYTES): boolean {
  if (Deno.build.os !== "linux") return false;
  // Asked first: an FFI call without the permission would prompt on a terminal.
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return false;
  let lib;
  try {
    lib = Deno.dlopen("libc.so.6", { mallopt: { parameters: ["i32", "i32"], result: "i32" } });
  } catch {
    return false; // musl and other libcs: no libc.so.6
  }
  try {
    return lib.symbols.mallopt(M_MMAP_THRESHOLD, bytes) === 1;
  } finally {
    lib.close();
  }
}
