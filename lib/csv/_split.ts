/**
 * The WebAssembly field splitter (kernel/split.as.ts) as the CSV reader uses it: one instance per thread,
 * made on first use; null where WebAssembly SIMD is missing (the reader then scans in TypeScript).
 *
 * Memory: the module's fixed 33 pages (2.06 MiB) — `input` (1 MiB of text, ASCII, so one byte a character),
 * 16 bytes the kernel zeroes after it, then `bounds` (1 MiB of int32 field bounds).
 */
import { WASM_BASE64 } from "./kernel/split.wasm.ts";

/** Characters of text the splitter takes at a time. */
export const INPUT_CHARS = 1 << 20;
const BOUNDS_OFFSET = INPUT_CHARS + 64;
const BOUNDS_SLOTS = 1 << 18;

export interface Splitter {
  /** Where the text's bytes go (`TextEncoder.encodeInto`). */
  readonly input: Uint8Array;
  /** Field bounds of the records split: `fields + 1` a record (see split.as.ts). */
  readonly bounds: Int32Array;
  /**
   * Splits records in input bytes [from, len) into `fields` fields, at most `maxRows` of them; bounds are
   * byte offsets plus `shift`. Returns the records split; `consumed()` and `status()` tell where and why it
   * stopped (0 no whole record left, 1 `maxRows` split, 2 the record at `consumed()` needs the TypeScript path).
   */
  split(from: number, len: number, fields: number, delimiter: number, maxRows: number, shift: number): number;
  consumed(): number;
  status(): number;
}

let splitter: Splitter | null | undefined;

/** This thread's splitter, or null when this runtime cannot run it. */
export function fieldSplitter(): Splitter | null {
  if (splitter !== undefined) return splitter;
  try {
    const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
    const memory = exports.memory as WebAssembly.Memory;
    const split = exports.split as (...args: number[]) => number;
    const consumed = exports.consumed as WebAssembly.Global;
    const status = exports.status as WebAssembly.Global;
    splitter = {
      input: new Uint8Array(memory.buffer, 0, INPUT_CHARS),
      bounds: new Int32Array(memory.buffer, BOUNDS_OFFSET, BOUNDS_SLOTS),
      split: (from, len, fields, delimiter, maxRows, shift) =>
        split(from, len, fields, delimiter, maxRows, BOUNDS_OFFSET, shift),
      consumed: () => consumed.value,
      status: () => status.value,
    };
  } catch {
    splitter = null; // no WebAssembly SIMD here
  }
  return splitter;
}
