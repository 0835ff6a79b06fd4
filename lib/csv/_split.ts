/**
 * The WebAssembly field splitter (kernel/split.as.ts) as the CSV reader uses it: one instance per thread,
 * made on first use; null where WebAssembly SIMD is missing (the reader then scans in TypeScript).
 *
 * Memory: the module's fixed 56 pages (3.5 MiB) — `input` (1 MiB of text, ASCII, so one byte a character),
 * 16 bytes the kernel zeroes after it, `bounds` (1 MiB of int32 field bounds), `values` (1 MiB of numbers,
 * timestamps' milliseconds and text entries), `flags` (a byte a value) and TEXT_TABLES text dictionaries of
 * 64 KiB (distinct texts' bytes and a hash table of them).
 */
import { WASM_BASE64 } from "./kernel/split.wasm.ts";

/** Characters of text the splitter takes at a time. */
export const INPUT_CHARS = 1 << 20;
const BOUNDS_OFFSET = INPUT_CHARS + 64;
const BOUNDS_SLOTS = 1 << 18;
const VALUES_OFFSET = BOUNDS_OFFSET + 4 * BOUNDS_SLOTS;
const VALUES_SLOTS = 1 << 17;
const FLAGS_OFFSET = VALUES_OFFSET + 8 * VALUES_SLOTS;
/** Text columns a reader can give the kernel's dictionaries (the first ones; the others stay the reader's). */
export const TEXT_TABLES = 4;
/** Distinct texts a table holds (kernel: TABLE_ENTRIES): an entry is an index below this. */
export const TEXT_ENTRIES = 2048;
/** A table's hash slots, bytes of text, and longest text (kernel: TABLE_SLOTS, TABLE_BYTES, TEXT_MAX). */
const TEXT_SLOTS = 4096;
const TEXT_BYTES = 32768;
const TEXT_MAX = 64;
const TEXT_OFFSET = FLAGS_OFFSET + VALUES_SLOTS;
/** A table: entries and bytes in use (with 8 bytes unused), its hash slots, its entries, its text. */
const TEXT_TABLE_BYTES = 16 + 4 * TEXT_SLOTS + 8 * TEXT_ENTRIES + TEXT_BYTES;

export interface Splitter {
  /** Where the text's bytes go (`TextEncoder.encodeInto`). */
  readonly input: Uint8Array;
  /** Field bounds of the records split: a start and an end a field (see split.as.ts). */
  readonly bounds: Int32Array;
  /** Numbers converted by `numbers`, and whether each was (1) or is left to the reader (0). */
  readonly values: Float64Array;
  readonly flags: Uint8Array;
  /** The same memory as `values`, for timestamps' milliseconds (int64), and as their 32-bit words. */
  readonly int64: BigInt64Array;
  readonly words: Int32Array;
  /**
   * Splits records in input bytes [from, len) into `fields` fields, at most `maxRows` of them; bounds are
   * byte offsets plus `shift`. Returns the records split; `consumed()` and `status()` tell where and why it
   * stopped (0 no whole record left, 1 `maxRows` split, 2 the record at `consumed()` needs the TypeScript path).
   * `quoted`: the text has quotes (a slower loop that takes quoted fields), else it stops at one.
   */
  split(
    from: number,
    len: number,
    fields: number,
    delimiter: number,
    maxRows: number,
    shift: number,
    quoted: boolean,
  ): number;
  /**
   * Converts field `field` of the `records` records just split, as int32 or float64, into `values` and `flags`
   * from index `at` on. Returns how many it converted.
   */
  numbers(records: number, fields: number, field: number, int32: boolean, shift: number, at: number): number;
  /**
   * `numbers` for a timestamp field, into `int64`: epoch milliseconds, as `parseTimestamp` gives them, for its
   * plain forms.
   */
  timestamps(records: number, fields: number, field: number, shift: number, at: number): number;
  /**
   * `numbers` for a text field, into `words` (index 2 × (at + r)): its entry in text table `table` (below
   * TEXT_ENTRIES), the same for the same text while the table is not reset. `owner` is who uses the table:
   * another owner than the last finds it reset (`reset` is then true), so that no reader sees another's
   * entries.
   */
  texts(
    records: number,
    fields: number,
    field: number,
    shift: number,
    at: number,
    table: number,
    owner: object,
  ): { converted: number; reset: boolean };
  /** Whether text table `table` is full (new texts then are the reader's). */
  textFull(table: number): boolean;
  /** Forgets text table `table`'s entries. */
  textReset(table: number): void;
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
    const splitQuoted = exports.splitQuoted as (...args: number[]) => number;
    const numbers = exports.numbers as (...args: number[]) => number;
    const timestamps = exports.timestamps as (...args: number[]) => number;
    const texts = exports.texts as (...args: number[]) => number;
    const textReset = exports.textReset as (table: number) => void;
    const tableHeads = new Int32Array(memory.buffer, TEXT_OFFSET, (TEXT_TABLES * TEXT_TABLE_BYTES) / 4);
    const owners: (object | null)[] = new Array(TEXT_TABLES).fill(null);
    const table = (t: number) => TEXT_OFFSET + t * TEXT_TABLE_BYTES;
    const consumed = exports.consumed as WebAssembly.Global;
    const status = exports.status as WebAssembly.Global;
    splitter = {
      input: new Uint8Array(memory.buffer, 0, INPUT_CHARS),
      bounds: new Int32Array(memory.buffer, BOUNDS_OFFSET, BOUNDS_SLOTS),
      values: new Float64Array(memory.buffer, VALUES_OFFSET, VALUES_SLOTS),
      int64: new BigInt64Array(memory.buffer, VALUES_OFFSET, VALUES_SLOTS),
      words: new Int32Array(memory.buffer, VALUES_OFFSET, 2 * VALUES_SLOTS),
      flags: new Uint8Array(memory.buffer, FLAGS_OFFSET, VALUES_SLOTS),
      split: (from, len, fields, delimiter, maxRows, shift, quoted) =>
        (quoted ? splitQuoted : split)(from, len, fields, delimiter, maxRows, BOUNDS_OFFSET, shift),
      numbers: (records, fields, field, int32, shift, at) =>
        numbers(
          records,
          fields,
          field,
          int32 ? 1 : 0,
          BOUNDS_OFFSET,
          shift,
          VALUES_OFFSET + 8 * at,
          FLAGS_OFFSET + at,
        ),
      timestamps: (records, fields, field, shift, at) =>
        timestamps(records, fields, field, BOUNDS_OFFSET, shift, VALUES_OFFSET + 8 * at, FLAGS_OFFSET + at),
      texts: (records, fields, field, shift, at, t, owner) => {
        const reset = owners[t] !== owner;
        if (reset) {
          textReset(table(t));
          owners[t] = owner;
        }
        const converted = texts(
          records,
          fields,
          field,
          BOUNDS_OFFSET,
          shift,
          table(t),
          VALUES_OFFSET + 8 * at,
          FLAGS_OFFSET + at,
        );
        return { converted, reset };
      },
      // Full: every entry used, or too few bytes left for a long text.
      textFull: (t) =>
        tableHeads[(t * TEXT_TABLE_BYTES) / 4] >= TEXT_ENTRIES ||
        tableHeads[(t * TEXT_TABLE_BYTES) / 4 + 1] > TEXT_BYTES - TEXT_MAX,
      textReset: (t) => textReset(table(t)),
      consumed: () => consumed.value,
      status: () => status.value,
    };
  } catch {
    splitter = null; // no WebAssembly SIMD here
  }
  return splitter;
}
