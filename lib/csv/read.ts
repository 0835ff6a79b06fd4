/**
 * Streaming CSV → Arrow batches. Written by hand (not `@std/csv`, which JSR does not serve here, and not a
 * row-of-strings parser, which is several times slower): the byte stream is decoded by `TextDecoderStream`,
 * and each decoded chunk is scanned in place; only projected columns are converted, straight into typed arrays.
 *
 * Three paths, chosen per record: the WebAssembly splitter (`_split.ts`, `#splitRecords`) takes runs of
 * records of ASCII text, quoted fields included, and converts their plain numbers and timestamps; where it
 * stops, the fast path splits a record with `indexOf` when no quote character occurs before its line end, and
 * the full RFC 4180 path (quoted delimiters, doubled quotes, newlines in quotes) handles the rest. All feed
 * the same `#store`; the TypeScript paths and parsers are the splitter's reference in tests.
 *
 * Memory: one decoded chunk (a few MiB) plus one batch of `chunkRows` rows of the projected columns, and the
 * splitter's fixed 3.5 MiB per thread (reserved; touched as far as the text goes).
 */
import type { RecordBatch, Schema } from "apache-arrow";
import { Field, Schema as ArrowSchema } from "apache-arrow";
import {
  allValid,
  arrowType,
  type Column,
  type ColumnKind,
  dictionaryData,
  float64Data,
  int32Data,
  int64Data,
  makeBatch,
  timestampData,
} from "../batch.ts";
import { DataError, UsageError } from "../errors.ts";
import { parseFloat64, parseInt32, parseInt64, parseTimestamp, setInt64 } from "../values.ts";
import { inferKind, NUMERIC_NULLS, sniffDelimiter } from "./infer.ts";

/** Rows taken from each window of the file for type inference (see `moreSamples`). */
const WINDOW_ROWS = 200;
import { Utf8Guard } from "./_utf8.ts";
import { FileChunks } from "../io/file.ts";
import { fieldSplitter, INPUT_CHARS, type Splitter, TEXT_ENTRIES, TEXT_TABLES } from "./_split.ts";
import { freeBuffers } from "../io/memory.ts";

export interface CsvReadOptions {
  /** Name used in error messages (usually the path). */
  file?: string;
  /** Columns to parse, in output order; others are skipped without being converted. Default: all. */
  columns?: readonly string[];
  /** Rows per batch. Default 500,000 (the lab's chunk size). */
  chunkRows?: number;
  /** Column kinds that override inference, by name. */
  types?: Readonly<Record<string, ColumnKind>>;
  /** Field separator, one character. Default ",". */
  delimiter?: string;
  /** "error" (default) stops at the first bad row; "skip" counts and skips it. */
  onBadRows?: "error" | "skip";
  /** Data rows sampled from the first chunk to infer column kinds. Default 10,000. */
  inferRows?: number;
  /**
   * Field texts read as null in every column, besides the empty field. Without it, `NUMERIC_NULLS` (NA, N/A,
   * NULL, null, \N) are nulls in numeric and timestamp columns only — in a text column "NA" may be Namibia.
   */
  nullValues?: readonly string[];
  /** The first line is data, not a header: columns are named column_1, column_2, … */
  noHeader?: boolean;
  /** "error" (default): invalid UTF-8 stops the read with its line; "replace": read it as U+FFFD. */
  encodingErrors?: "error" | "replace";
  /**
   * More text to infer kinds from when the stream is longer than the first rows: pieces of the file taken
   * across its whole length (see `sampleWindows`), so a column empty or integral for its first rows and
   * not later is typed by what it really holds.
   */
  moreSamples?: () => Promise<string[]>;
  /**
   * Column names when the stream has no header line (a byte range of a file). `types` must then name the
   * kind of every column, and `firstLine` gives the line number of the stream's first line for messages.
   */
  header?: readonly string[];
  firstLine?: number;
  /**
   * Predicates tested on a record's raw field text before any field is converted (late materialisation):
   * a rejected record costs only its delimiter scan. Columns of rejected records are not validated.
   */
  rawFilter?: readonly RawPredicate[];
  /** Count empty fields of non-projected columns (see `emptyFields`). */
  countEmpty?: boolean;
  /**
   * The consumer is done with a batch when it asks for the next one (it folds batches: statistics, groups):
   * every batch is then read into the same arrays. Without it each batch gets fresh arrays, which V8 frees
   * only at a full collection (see `releaseDeadBuffers`).
   */
  reuseBatches?: boolean;
  /**
   * Split records with the WebAssembly splitter where it applies (default). False: the TypeScript scan
   * alone, the splitter's reference in tests.
   */
  splitKernel?: boolean;
}

/** A test on one field's text (`text[start, end)`); an empty field is null and never passes. */
export interface RawPredicate {
  column: string;
  test(text: string, start: number, end: number): boolean;
}

/** A skipped bad row, as reported with `onBadRows: "skip"`. */
export interface BadRow {
  line: number;
  reason: string;
}

const enum Kind {
  Float64,
  Int32,
  Int64,
  Timestamp,
  String,
}
const KIND_CODE: Record<ColumnKind, Kind | undefined> = {
  float64: Kind.Float64,
  int32: Kind.Int32,
  int64: Kind.Int64,
  timestamp: Kind.Timestamp,
  string: Kind.String,
  bool: undefined,
};

const QUOTE = 34;
const CR = 13;
const LF = 10;
const NEED_MORE = 0;
const BATCH_FULL = 1;
const FAIL = 2;
const CONTINUE = 3;
/** Why the splitter stopped (see split.as.ts). */
const SPLIT_NO_RECORD = 0;
const SPLIT_NEEDS_READER = 2;
const ENCODER = new TextEncoder();

interface Slot {
  name: string;
  kind: Kind;
  float64: Float64Array;
  int32: Int32Array; // int32 values, or dictionary indices for strings
  int64: BigInt64Array;
  words: Int32Array; // int64 / timestamp values seen as 32-bit halves
  nulls: Uint8Array | null;
  /** The last batch's validity bitmap, refilled when a null comes (`reuseBatches`). */
  spareNulls: Uint8Array | null;
  nullCount: number;
  dictionary: Map<string, number>;
  /** Dictionary values by `probeKey` (see `#store`), so a field already seen is found without a substring. */
  probe: string[];
  /** Their dictionary indices. */
  probeIndex: Int32Array;
  /** The dictionary index of each entry of the splitter's text table for this column, or -1 (not met yet). */
  entryIndex: Int32Array;
}

/** Slots of a text column's probe table (a power of two). */
const PROBE_SLOTS = 1024;

/**
 * A CSV stream opened for reading: `header`, inferred `kinds` and the projected `schema` are known after
 * `open`; `batches()` then yields RecordBatches of up to `chunkRows` rows.
 * @example
 * const reader = await CsvReader.open(stream, { file: "sales.csv", columns: ["price"] });
 * for await (const batch of reader.batches()) total += batch.numRows;
 */
export class CsvReader {
  readonly file: string;
  readonly header: string[];
  readonly kinds: ColumnKind[];
  readonly schema: Schema;
  /** Bytes consumed from the underlying stream so far. */
  get bytesRead(): number {
    return this.#bytesRead();
  }
  /** Data rows returned so far. */
  rowsRead = 0;
  /** Data rows rejected by `rawFilter` so far. */
  rowsFiltered = 0;
  /** Records split by the WebAssembly splitter so far (the others by the TypeScript scan). */
  recordsSplit = 0;
  /**
   * With `countEmpty`, empty (null) fields per header column among the non-projected columns, e.g. to learn
   * in a counting pass (no projection) which columns have nulls. Null otherwise.
   */
  emptyFields: Int32Array | null = null;
  /** Byte offset of the first data line in the stream (after the BOM and header). */
  dataOffset = 0;
  /**
   * Quote characters in the text read so far. A byte range of a file starts outside quotes exactly when the
   * quotes before it are even in number, which is how parallel readers check their split points.
   */
  quoteCount = 0;
  /** The line number the parser has reached (the next record's first line). */
  get line(): number {
    return this.#line;
  }
  /** Rows skipped with `onBadRows: "skip"`, and the first few of them. */
  badRowCount = 0;
  readonly badRows: BadRow[] = [];

  #cancel: () => Promise<void>;
  #text = "";
  #pos = 0;
  #line: number;
  #final = false;
  #nextQuote = -1;
  #delimiter: string;
  #delimiterCode: number;
  #bytesRead: () => number = () => 0;
  #chunkRows: number;
  #reuse: boolean;
  #skipBad: boolean;
  /** Field texts that are null in numeric and timestamp columns, and (only when given) in text columns. */
  #numericNulls: Set<string>;
  #textNulls: Set<string> | null;
  /** The field separator: given, or sniffed from the first lines. */
  readonly delimiter: string;
  /** The number of data rows when the inference sample held the whole file (a small file), else null. */
  wholeFileRows: number | null = null;
  /** How the kinds were decided: rows sampled from the start, windows across the file, the delimiter. */
  inference = { firstRows: 0, windowRows: 0, windows: 0, delimiterSniffed: false };
  #fieldSlot: Int32Array;
  #slots: Slot[];
  /** Field index of each slot. */
  #slotField: Int32Array;
  /** Slot of each projected column, in output order. */
  #columnSlot: Int32Array;
  #rawTests: { field: number; test: RawPredicate["test"] }[];
  #fieldStart: Int32Array;
  #fieldEnd: Int32Array;
  /** The WebAssembly splitter, or null where it cannot serve this reader (see `#splitRecords`). */
  #splitter: Splitter | null = null;
  /** Where the splitter may take over in the text being parsed, and its window of it (`#splitRecords`). */
  #splitFrom = 0;
  #encodedFrom = 0;
  #encodedTo = -1;
  /** Calls in a row that split nothing. */
  #splitMisses = 0;
  /** Texts (chunks, mostly) left to the TypeScript path after one that was not ASCII, and the next such wait. */
  #nonAsciiSkips = 0;
  #nonAsciiBackoff = 1;
  /** Fields converted per record (those with a slot), in field order: the TypeScript path's order. */
  #storeFields: Int32Array;
  /**
   * For each of those, its index among the fields the splitter converts (float64, int32, timestamps, text in
   * its tables), or -1.
   */
  #storeNumber: Int32Array;
  #numberFields: Int32Array;
  /** Each of those fields' kind (Float64, Int32, Timestamp, or String for text the splitter's tables take). */
  #numberKinds: Kind[];
  /** For a text field among them, its splitter text table, else -1; and who this reader is to the tables. */
  #numberTables: Int32Array;
  #tableOwner = {};
  /**
   * Every stored field is one the splitter converts or text (which always stores): a run of records whose
   * numbers it all converted is stored column by column (`#storeRun`).
   */
  #runs: boolean;
  #row = 0;
  #error: string | null = null;
  #errorColumn: string | undefined;

  private constructor(
    cancel: () => Promise<void>,
    init: {
      file: string;
      header: string[];
      kinds: ColumnKind[];
      columns: string[];
      line: number;
      delimiter: string;
    },
    options: CsvReadOptions,
  ) {
    const { chunkRows = 500_000, onBadRows = "error" } = options;
    const delimiter = init.delimiter;
    this.#cancel = cancel;
    this.file = init.file;
    this.header = init.header;
    this.kinds = init.kinds;
    this.#line = init.line;
    this.#delimiter = delimiter;
    this.#delimiterCode = delimiter.charCodeAt(0);
    this.delimiter = delimiter;
    this.#numericNulls = new Set(options.nullValues ?? NUMERIC_NULLS);
    this.#textNulls = options.nullValues?.length ? new Set(options.nullValues) : null;
    this.#chunkRows = chunkRows;
    this.#reuse = options.reuseBatches === true;
    this.#skipBad = onBadRows === "skip";
    this.#fieldSlot = new Int32Array(init.header.length).fill(-1);
    if (options.countEmpty) this.emptyFields = new Int32Array(init.header.length);
    // A column asked for twice is parsed once and handed out twice (a field has one slot).
    const parsed = [...new Set(init.columns)];
    this.#columnSlot = Int32Array.from(init.columns, (name) => parsed.indexOf(name));
    this.#slotField = Int32Array.from(parsed, (name) => init.header.indexOf(name));
    this.#fieldStart = new Int32Array(init.header.length + 1);
    this.#fieldEnd = new Int32Array(init.header.length + 1);
    this.#rawTests = (options.rawFilter ?? []).map((p) => ({
      field: init.header.indexOf(p.column),
      test: p.test,
    }));
    for (const [i, t] of this.#rawTests.entries()) {
      if (t.field < 0) {
        throw new UsageError(
          `${init.file}: no column "${options.rawFilter![i].column}" (available: ${init.header.join(", ")})`,
        );
      }
    }
    this.#slots = parsed.map((name, slotIndex) => {
      const field = init.header.indexOf(name);
      this.#fieldSlot[field] = slotIndex;
      return this.#newSlot(name, KIND_CODE[init.kinds[field]]!);
    });
    this.schema = new ArrowSchema(
      init.columns.map((name) => new Field(name, arrowType(init.kinds[init.header.indexOf(name)]), true)),
    );
    this.#storeFields = Int32Array.from(this.#slotField).sort();
    // Text goes to the splitter's dictionaries unless text has null tokens of its own (`nullValues`).
    let tables = this.#textNulls === null ? TEXT_TABLES : 0;
    const numbers = Array.from(this.#storeFields).filter((f) => {
      const kind = KIND_CODE[init.kinds[f]];
      if (kind === Kind.String) return tables-- > 0;
      return kind === Kind.Float64 || kind === Kind.Int32 || kind === Kind.Timestamp;
    });
    this.#storeNumber = this.#storeFields.map((f) => numbers.indexOf(f));
    this.#numberFields = Int32Array.from(numbers);
    this.#numberKinds = numbers.map((f) => KIND_CODE[init.kinds[f]]!);
    let table = 0;
    this.#numberTables = Int32Array.from(this.#numberKinds, (kind) => kind === Kind.String ? table++ : -1);
    this.#runs = Array.from(this.#storeFields).every((f, k) =>
      this.#storeNumber[k] >= 0 || KIND_CODE[init.kinds[f]] === Kind.String
    );
    // The splitter works on bytes: an ASCII delimiter, and room for a few records' bounds.
    const fields = init.header.length;
    if (options.splitKernel !== false && delimiter.charCodeAt(0) < 128 && fields <= 4096) {
      this.#splitter = fieldSplitter();
    }
  }

  /**
   * Reads the header (unless `options.header` is given) and infers column kinds from the first rows. The
   * input is a byte stream (stdin, gzip) or a file's `FileChunks` (decoded slice by slice into reused
   * buffers). Throws a DataError for an empty stream or duplicate column names, a UsageError for unknown columns.
   */
  static async open(
    input: ReadableStream<Uint8Array> | FileChunks,
    options: CsvReadOptions = {},
  ): Promise<CsvReader> {
    const { file = "input", inferRows = 10_000, types = {}, firstLine = 1 } = options;
    const given = options.delimiter;
    const lossy = options.encodingErrors === "replace";
    if (given !== undefined && (given.length !== 1 || given === '"' || given === "\n" || given === "\r")) {
      throw new UsageError(
        `invalid delimiter ${JSON.stringify(given)}: use one character other than a quote or newline`,
      );
    }
    let bytesRead = 0;
    const guard = new Utf8Guard();
    /** The next decoded chunk; `invalidAt` is the index of an invalid UTF-8 sequence in it, or -1. */
    let pull: () => Promise<{ chunk: string; invalidAt: number } | null>;
    let cancel: () => Promise<void>;
    if (input instanceof FileChunks) {
      // Each slice is decoded as it is taken, so its buffer can be read into again (see FileChunks); the
      // decoder is the one TextDecoderStream wraps, without the stream that would hold the slices.
      const decoder = new TextDecoder("utf-8");
      let ended = false;
      pull = async () => {
        if (ended) return null;
        const bytes = await input.next();
        let chunk: string;
        if (bytes === null) {
          ended = true;
          chunk = decoder.decode(); // an unfinished sequence at the end comes out as U+FFFD
          if (chunk === "") return null;
        } else {
          bytesRead += bytes.length;
          guard.countBytes(bytes);
          chunk = decoder.decode(bytes, { stream: true });
        }
        const invalidAt = lossy ? -1 : guard.checkText(chunk);
        guard.forget();
        return { chunk, invalidAt };
      };
      cancel = () => Promise.resolve(input.release());
    } else {
      const counted = input.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            bytesRead += chunk.length;
            guard.countBytes(chunk);
            controller.enqueue(chunk);
          },
        }),
      );
      const reader = counted.pipeThrough(new TextDecoderStream("utf-8")).getReader();
      pull = async () => {
        const { value, done } = await reader.read();
        // TextDecoderStream already put U+FFFD for invalid bytes; the guard turns that into an error unless
        // lossy reading was asked for.
        return done ? null : { chunk: value, invalidAt: lossy ? -1 : guard.checkText(value) };
      };
      cancel = () => reader.cancel().catch(() => {});
    }
    const invalid = (text: string, index: number, line: number) => {
      let lines = line;
      for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) lines++;
      return new DataError({ file, line: lines }, "not valid UTF-8 text");
    };

    // Buffer enough text for the header and the inference sample (at least one chunk, up to ~16 MiB). A reader
    // given its header and every column's kind (a parallel unit) infers nothing: one chunk will do.
    const inferNothing = options.header !== undefined &&
      options.header.every((name) => types[name] !== undefined);
    let text = "";
    let final = false;
    while (text.length < 16 << 20) {
      const next = await pull();
      if (next === null) {
        final = true;
        break;
      }
      if (next.invalidAt >= 0) throw invalid(text + next.chunk, text.length + next.invalidAt, firstLine);
      text += next.chunk;
      if (inferNothing || countLines(text, inferRows + 2)) break;
    }
    const bom = text.charCodeAt(0) === 0xfeff;
    if (bom) text = text.slice(1);
    const delimiter = given ?? sniffDelimiter(text);

    let pos = 0;
    let line = firstLine;
    let header: string[];
    if (options.header) {
      header = [...options.header];
    } else {
      // Skip blank lines before the header.
      while (pos < text.length && (text.charCodeAt(pos) === LF || text.charCodeAt(pos) === CR)) {
        if (text.charCodeAt(pos) === LF) line++;
        pos++;
      }
      if (pos >= text.length) throw new DataError({ file }, "empty file: no header line");
      const record = splitRecord(text, pos, final, delimiter);
      if (record === null || record === "unterminated") {
        throw new DataError({ file, line }, "the header line has an unterminated quote");
      }
      if (options.noHeader) {
        // The first line is data: columns are named column_1, column_2, … by its width.
        header = record.fields.map((_, i) => `column_${i + 1}`);
      } else {
        header = record.fields.map((name, i) => name.trim() || `column_${i + 1}`);
        line += record.lines;
        pos = record.next;
      }
    }
    const seen = new Set<string>();
    for (const name of header) {
      if (seen.has(name)) {
        throw new DataError({ file, line: firstLine }, `duplicate column name "${name}" in the header`);
      }
      seen.add(name);
    }
    for (const name of Object.keys(types)) {
      if (!seen.has(name)) {
        throw new UsageError(`${file}: no column "${name}" to type (available: ${header.join(", ")})`);
      }
    }
    const columns = options.columns ? [...options.columns] : header;
    for (const name of columns) {
      if (!seen.has(name)) {
        throw new UsageError(`${file}: no column "${name}" (available: ${header.join(", ")})`);
      }
    }

    // Infer kinds from a sample of the rows after the header.
    const samples: string[][] = header.map(() => []);
    let p = pos;
    const sampleRows = header.every((name) => types[name] !== undefined) ? 0 : inferRows; // all given: no sample
    let sampleLine = line;
    let sampled = 0;
    let windowRows = 0;
    let windowCount = 0;
    let sampledAll = final;
    for (let n = 0; n < sampleRows && p < text.length; n++) {
      const record = splitRecord(text, p, final, delimiter);
      if (record === "unterminated") {
        throw new DataError(
          { file, line: sampleLine },
          "unterminated quoted field (a quote opened here is never closed)",
        );
      }
      if (record === null) {
        sampledAll = false;
        break;
      }
      p = record.next;
      sampleLine += record.lines;
      if (record.fields.length === 1 && record.fields[0] === "") continue; // blank line
      sampled++;
      for (let i = 0; i < header.length && i < record.fields.length; i++) samples[i].push(record.fields[i]);
    }
    if (p < text.length) sampledAll = false;
    if (sampleRows > 0 && !final && options.moreSamples) {
      for (const window of await options.moreSamples()) {
        windowCount++;
        // A window starts mid-line: skip to the first line start, and drop the partial line at its end.
        let q = window.indexOf("\n") + 1;
        // A couple of hundred rows per place is evidence enough, and keeps the sample's strings few.
        for (let taken = 0; q > 0 && q < window.length && taken < WINDOW_ROWS; taken++) {
          const record = splitRecord(window, q, false, delimiter);
          if (record === null || record === "unterminated") break;
          q = record.next;
          // Only whole records of the right width (a window may start inside a quoted field).
          if (record.fields.length !== header.length) continue;
          windowRows++;
          for (let i = 0; i < header.length; i++) samples[i].push(record.fields[i]);
        }
      }
    }
    const nulls = new Set(options.nullValues ?? NUMERIC_NULLS);
    const kinds = header.map((name, i) => types[name] ?? inferKind(samples[i], nulls));
    for (const [i, kind] of kinds.entries()) {
      if (KIND_CODE[kind] === undefined) {
        throw new UsageError(`column "${header[i]}": CSV columns cannot be ${kind}`);
      }
    }

    const csv = new CsvReader(cancel, { file, header, kinds, columns, line, delimiter }, options);
    csv.#text = text;
    csv.#pos = pos;
    if (sampleRows > 0 && sampledAll) csv.wholeFileRows = sampled;
    csv.inference = {
      firstRows: sampled,
      windowRows,
      windows: windowCount,
      delimiterSniffed: given === undefined,
    };
    csv.#final = final;
    csv.dataOffset = (bom ? 3 : 0) + new TextEncoder().encode(text.slice(0, pos)).length;
    csv.quoteCount = countQuotes(text);
    csv.#pull = async () => {
      const next = await pull();
      if (next === null) return null;
      if (next.invalidAt >= 0) {
        const rest = csv.#text.slice(csv.#pos);
        throw invalid(rest + next.chunk, rest.length + next.invalidAt, csv.#line);
      }
      csv.quoteCount += countQuotes(next.chunk);
      return next.chunk;
    };
    csv.#bytesRead = () => bytesRead;
    return csv;
  }

  #pull: () => Promise<string | null> = () => Promise.resolve(null);

  /** Stops reading and releases the stream and the text it buffered (a probe kept for its schema holds none). */
  async cancel(): Promise<void> {
    this.#text = "";
    this.#afterBridge = null;
    await this.#cancel();
  }

  /** Yields batches of up to `chunkRows` rows until the stream ends. */
  async *batches(): AsyncGenerator<RecordBatch> {
    try {
      while (true) {
        const status = this.#parse();
        if (status === BATCH_FULL) {
          yield this.#flush();
          if (this.#reuse) this.#recycleSlots(); // the consumer is done with it (see `reuseBatches`)
          continue;
        }
        if (status === FAIL) {
          throw new DataError({ file: this.file, line: this.#line, column: this.#errorColumn }, this.#error!);
        }
        const rest = this.#pos < this.#text.length ? this.#text.slice(this.#pos) : "";
        this.#text = rest; // what an invalid-UTF-8 error counts lines in (see `open`)
        this.#pos = 0;
        this.#nextQuote = -1;
        if (this.#afterBridge !== null) {
          // The bridge is parsed: on with the chunk it came from, from its second line. (Anything left of the
          // bridge would go in front, taking a copy; nothing is, since the bridge ends with its line end.)
          const chunk = this.#afterBridge;
          this.#afterBridge = null;
          if (rest === "") {
            this.#text = chunk;
            this.#pos = this.#afterBridgeAt;
          } else {
            this.#text = rest + chunk.slice(this.#afterBridgeAt);
          }
          continue;
        }
        if (this.#final) break;
        const chunk = await this.#pull();
        if (chunk === null) this.#final = true;
        else this.#join(rest, chunk);
      }
      if (this.#row > 0) yield this.#flush();
    } finally {
      // The slots' arrays are dead now: never handed out (a fresh set after a flush, or a batch cut short), or
      // reused ones whose consumer is done (`reuseBatches`).
      for (const slot of this.#slots) {
        freeBuffers(slot.float64, slot.int32, slot.int64, slot.nulls, slot.spareNulls);
      }
      await this.cancel();
    }
  }

  /**
   * Makes `rest` (a record cut by the chunk's end) and the next `chunk` the text to parse. Not by
   * concatenation when it can be helped: `rest + chunk` flattened is a fresh 64 KiB string per chunk, which
   * V8 puts in old space — on the 20M-row CSV that was ~60 full collections per pass with the heap limited
   * (--trace-gc-nvp), none without it. Instead the cut record is completed from the chunk's first line into a
   * short bridge string, parsed first; the chunk itself follows from its second line (`#afterBridge`). A
   * quote on either side (a record may go on over lines) or a chunk without a line end joins them as before.
   */
  #join(rest: string, chunk: string): void {
    if (rest === "") {
      this.#text = chunk;
      return;
    }
    const newline = chunk.indexOf("\n");
    if (newline === -1 || rest.includes('"') || chunk.lastIndexOf('"', newline) !== -1) {
      this.#text = rest + chunk;
      return;
    }
    this.#text = rest + chunk.slice(0, newline + 1);
    // The chunk itself, parsed from `#afterBridgeAt`, not `chunk.slice(newline + 1)`: a sliced string's every
    // charCodeAt goes through its parent, +6 ns a number parsed (microbenchmark: 21 against 15 ns), and a
    // pass over the 20M-row CSV parses 20M numbers a column.
    this.#afterBridge = chunk;
    this.#afterBridgeAt = newline + 1;
  }

  /** The chunk to parse once the bridge in `#text` is (see `#join`), or null; its text starts at `#afterBridgeAt`. */
  #afterBridge: string | null = null;
  #afterBridgeAt = 0;

  #newSlot(name: string, kind: Kind): Slot {
    const n = this.#chunkRows;
    const int64 = kind === Kind.Int64 || kind === Kind.Timestamp
      ? new BigInt64Array(n)
      : new BigInt64Array(0);
    return {
      name,
      kind,
      float64: kind === Kind.Float64 ? new Float64Array(n) : new Float64Array(0),
      int32: kind === Kind.Int32 || kind === Kind.String ? new Int32Array(n) : new Int32Array(0),
      int64,
      words: new Int32Array(int64.buffer),
      nulls: null,
      spareNulls: null,
      nullCount: 0,
      dictionary: new Map(),
      probe: kind === Kind.String ? new Array<string>(PROBE_SLOTS).fill("") : [],
      probeIndex: kind === Kind.String ? new Int32Array(PROBE_SLOTS) : new Int32Array(0),
      entryIndex: kind === Kind.String ? new Int32Array(TEXT_ENTRIES).fill(-1) : new Int32Array(0),
    };
  }

  /** Hands the filled arrays to a batch (no copy) and starts fresh ones. */
  #flush(): RecordBatch {
    const rows = this.#row;
    const parsed: Column[] = this.#slots.map((slot, i) => {
      const nulls = slot.nulls ?? undefined;
      const nullCount = slot.nullCount;
      let data;
      switch (slot.kind) {
        case Kind.Float64:
          data = float64Data(slot.float64.subarray(0, rows), nulls, nullCount);
          break;
        case Kind.Int32:
          data = int32Data(slot.int32.subarray(0, rows), nulls, nullCount);
          break;
        case Kind.Int64:
          data = int64Data(slot.int64.subarray(0, rows), nulls, nullCount);
          break;
        case Kind.Timestamp:
          data = timestampData(slot.int64.subarray(0, rows), nulls, nullCount);
          break;
        default:
          data = dictionaryData(
            slot.int32.subarray(0, rows),
            [...slot.dictionary.keys()],
            nulls,
            nullCount,
            this.schema.fields[this.#columnSlot.indexOf(i)].type,
          );
      }
      if (!this.#reuse) this.#slots[i] = this.#newSlot(slot.name, slot.kind);
      return { name: slot.name, data };
    });
    this.#row = 0;
    this.rowsRead += rows;
    return makeBatch(Array.from(this.#columnSlot, (slot) => parsed[slot]), rows);
  }

  /** Makes the slots ready for the next batch in the same arrays (`reuseBatches`). */
  #recycleSlots(): void {
    for (const slot of this.#slots) {
      if (slot.nulls !== null) {
        slot.spareNulls = slot.nulls;
        slot.nulls = null;
        slot.nullCount = 0;
      }
      if (slot.kind === Kind.String) {
        slot.dictionary = new Map();
        slot.probe.fill("");
        slot.entryIndex.fill(-1);
      }
    }
  }

  /** Stores one field's text into its slot at the current row; false (with #error set) when it does not parse. */
  #store(slot: Slot, text: string, start: number, end: number, row: number): boolean {
    if (start === end) return this.#null(slot, row);
    if (slot.nulls !== null) slot.nulls[row >> 3] |= 1 << (row & 7);
    switch (slot.kind) {
      case Kind.Float64: {
        const v = parseFloat64(text, start, end);
        if (v === undefined) return this.#bad(slot, text, start, end, "a number", row);
        slot.float64[row] = v;
        return true;
      }
      case Kind.Int32: {
        const v = parseInt32(text, start, end);
        if (v === undefined) return this.#bad(slot, text, start, end, "a 32-bit integer", row);
        slot.int32[row] = v;
        return true;
      }
      case Kind.Int64: {
        const v = parseInt64(text, start, end);
        if (v === undefined) return this.#bad(slot, text, start, end, "a 64-bit integer", row);
        slot.int64[row] = v;
        return true;
      }
      case Kind.Timestamp: {
        const v = parseTimestamp(text, start, end);
        if (v === undefined) {
          return this.#bad(slot, text, start, end, "a timestamp (YYYY-MM-DD HH:MM:SS)", row);
        }
        setInt64(slot.words, row, v);
        return true;
      }
      default: {
        // A value seen before is found in place: its length and first and last characters pick a probe slot,
        // and `startsWith` confirms it. Slicing each field and hashing the slice for the Map cost a fresh
        // string per row (agg's category column, 2 workers: 1.68× the main thread alone, the garbage
        // collector's helpers having no idle core; profiled).
        const length = end - start;
        const key = (length * 961 + text.charCodeAt(start) * 31 + text.charCodeAt(end - 1)) &
          (PROBE_SLOTS - 1);
        const known = slot.probe[key];
        if (known.length === length && text.startsWith(known, start)) {
          slot.int32[row] = slot.probeIndex[key];
          return true;
        }
        const value = text.slice(start, end);
        if (this.#textNulls !== null && this.#textNulls.has(value)) return this.#null(slot, row);
        let index = slot.dictionary.get(value);
        if (index === undefined) {
          index = slot.dictionary.size;
          slot.dictionary.set(value, index);
        }
        if (known === "") {
          slot.probe[key] = value;
          slot.probeIndex[key] = index;
        }
        slot.int32[row] = index;
        return true;
      }
    }
  }

  #null(slot: Slot, row: number): true {
    if (slot.nulls === null) {
      slot.nulls = slot.spareNulls?.fill(0xff) ?? allValid(this.#chunkRows);
      slot.spareNulls = null;
    }
    // A null's value is 0, as in fresh arrays (reused ones hold the last batch's).
    if (slot.kind === Kind.Float64) slot.float64[row] = 0;
    else if (slot.kind === Kind.Int64 || slot.kind === Kind.Timestamp) slot.int64[row] = 0n;
    else slot.int32[row] = 0;
    slot.nulls[row >> 3] &= ~(1 << (row & 7));
    slot.nullCount++;
    return true;
  }

  /** A field that does not parse as the column's kind: null when it is a null token, else an error. */
  #bad(slot: Slot, text: string, start: number, end: number, expected: string, row: number): boolean {
    if (this.#numericNulls.has(text.slice(start, end))) return this.#null(slot, row);
    const shown = end - start > 40 ? text.slice(start, start + 40) + "…" : text.slice(start, end);
    this.#error = `${JSON.stringify(shown)} is not ${expected}` +
      (this.#skipBad
        ? ""
        : ` (use --types ${slot.name}=string to read the column as text, or --on-bad-rows=skip)`);
    this.#errorColumn = slot.name;
    return false;
  }

  /**
   * Handles a bad record at the current line: with "skip" it is counted and parsing goes on (true);
   * otherwise parsing stops (false) and the caller reports #error.
   */
  #badRecord(): boolean {
    if (!this.#skipBad) return false;
    this.badRowCount++;
    if (this.badRows.length < 10) {
      const column = this.#errorColumn ? `column "${this.#errorColumn}": ` : "";
      this.badRows.push({ line: this.#line, reason: column + this.#error });
    }
    this.#error = null;
    this.#errorColumn = undefined;
    return true;
  }

  /** Parses records from the buffer until the batch is full, more text is needed, or a record fails. */
  #parse(): number {
    const text = this.#text;
    const final = this.#final;
    const delimiter = this.#delimiter;
    const fieldSlot = this.#fieldSlot;
    const slots = this.#slots;
    const fieldCount = fieldSlot.length;
    const slotField = this.#slotField;
    const slotCount = slots.length;
    const rawTests = this.#rawTests;
    const fieldStart = this.#fieldStart;
    const fieldEnd = this.#fieldEnd;
    const emptyFields = this.emptyFields;
    const chunkRows = this.#chunkRows;
    const length = text.length;
    let pos = this.#pos;
    // Row and line live in locals in the hot loop and are written back before any call that reads them.
    let row = this.#row;
    let line = this.#line;
    let nextDelimiter = -1; // cached next delimiter at or after the scan point; -2: none left in the buffer
    let nextQuote = this.#nextQuote;
    if (nextQuote !== -2 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
    if (nextQuote === -1) nextQuote = -2; // -2: no quote in the rest of the buffer
    let status = NEED_MORE;
    // The splitter may take records from here, unless this text is one it waits out (see #splitRecords).
    let splitFrom = this.#splitter === null || this.#nonAsciiSkips > 0 ? length : pos;
    if (this.#nonAsciiSkips > 0) this.#nonAsciiSkips--;
    this.#splitFrom = splitFrom;
    this.#encodedTo = -1;
    this.#splitMisses = 0;

    while (pos < length) {
      if (row === chunkRows) {
        status = BATCH_FULL;
        break;
      }
      if (pos >= splitFrom) {
        // The WebAssembly splitter takes records from here while it can (see #splitRecords).
        this.#pos = pos;
        this.#row = row;
        this.#line = line;
        const ok = this.#splitRecords(text, nextQuote !== -2);
        pos = this.#pos;
        row = this.#row;
        line = this.#line;
        splitFrom = this.#splitFrom;
        if (!ok) {
          status = FAIL;
          break;
        }
        continue;
      }
      let lineEnd = text.indexOf("\n", pos);
      if (lineEnd === -1) {
        if (!final) break;
        lineEnd = length;
      }
      if (nextQuote !== -2 && nextQuote < pos) {
        nextQuote = text.indexOf('"', pos);
        if (nextQuote === -1) nextQuote = -2;
      }
      if (nextQuote !== -2 && nextQuote < lineEnd) {
        // Full RFC 4180 path for a record with a quote in it.
        this.#row = row;
        this.#line = line;
        const quoted = this.#parseQuoted(pos);
        if (quoted === NEED_MORE) break;
        if (quoted === FAIL) {
          status = FAIL;
          break;
        }
        pos = this.#pos;
        row = this.#row;
        line = this.#line;
        continue;
      }
      // Fast path: no quote before the line end.
      let end = lineEnd;
      if (end > pos && text.charCodeAt(end - 1) === CR) end--;
      if (end === pos) { // blank line
        pos = lineEnd + 1;
        line++;
        continue;
      }
      let field = 0;
      let start = pos;
      let ok = true;
      if (rawTests.length === 0) {
        // Convert each projected field as the scan reaches it. Kept apart from the late-materialisation
        // loop below on purpose: one shared loop cost about 20 % on plain reads (measured).
        while (true) {
          if (nextDelimiter !== -2 && nextDelimiter < start) {
            nextDelimiter = text.indexOf(delimiter, start);
            if (nextDelimiter === -1) nextDelimiter = -2;
          }
          const stop = nextDelimiter === -2 || nextDelimiter > end ? end : nextDelimiter;
          if (field < fieldCount) {
            const slot = fieldSlot[field];
            if (slot >= 0) {
              if (!this.#store(slots[slot], text, start, stop, row)) {
                ok = false;
                break;
              }
            } else if (start === stop && emptyFields !== null) emptyFields[field]++;
          }
          field++;
          if (stop === end) break;
          start = stop + 1;
        }
        if (ok && field !== fieldCount) {
          ok = false;
          this.#error = `expected ${fieldCount} fields, found ${field}`;
          this.#errorColumn = undefined;
        }
      } else {
        // Late materialisation: scan the field boundaries, test the raw filter, then convert.
        while (true) {
          if (nextDelimiter !== -2 && nextDelimiter < start) {
            nextDelimiter = text.indexOf(delimiter, start);
            if (nextDelimiter === -1) nextDelimiter = -2;
          }
          const stop = nextDelimiter === -2 || nextDelimiter > end ? end : nextDelimiter;
          if (field < fieldCount) {
            fieldStart[field] = start;
            fieldEnd[field] = stop;
          }
          field++;
          if (stop === end) break;
          start = stop + 1;
        }
        if (field !== fieldCount) {
          ok = false;
          this.#error = `expected ${fieldCount} fields, found ${field}`;
          this.#errorColumn = undefined;
        } else {
          let keep = true;
          for (let t = 0; t < rawTests.length; t++) {
            const { field: f, test } = rawTests[t];
            if (fieldStart[f] === fieldEnd[f] || !test(text, fieldStart[f], fieldEnd[f])) {
              keep = false;
              break;
            }
          }
          if (!keep) {
            this.rowsFiltered++;
            pos = lineEnd + 1;
            line++;
            continue;
          }
          for (let s = 0; s < slotCount; s++) {
            const f = slotField[s];
            if (!this.#store(slots[s], text, fieldStart[f], fieldEnd[f], row)) {
              ok = false;
              break;
            }
          }
        }
      }
      if (ok) row++;
      else {
        this.#line = line;
        if (!this.#badRecord()) {
          status = FAIL;
          break;
        }
      }
      pos = lineEnd + 1;
      line++;
    }
    if (status === NEED_MORE && row === chunkRows) status = BATCH_FULL;
    this.#pos = Math.min(pos, length);
    this.#row = row;
    this.#line = line;
    this.#nextQuote = nextQuote;
    return status;
  }

  /**
   * Splits records of `text` from #pos with the WebAssembly splitter and converts them, advancing #pos,
   * #row and #line, until it stops; false (with #error set) when a record fails. The text goes to the
   * splitter a window at a time: text positions [#encodedFrom, #encodedTo) are its bytes 0, 1, … (ASCII:
   * a byte a character). Where it stops, #splitFrom hands the TypeScript path the next record, or the rest
   * of the window when it keeps stopping at once. `quoted`: the text ahead has a quote, so the splitter's loop
   * for quoted fields is wanted (the other stops at a quote, and is faster: 16 against 23 ms per 32 MiB).
   */
  #splitRecords(text: string, quoted: boolean): boolean {
    const splitter = this.#splitter!;
    const length = text.length;
    const fieldCount = this.#fieldSlot.length;
    const fieldSlot = this.#fieldSlot;
    const slots = this.#slots;
    const rawTests = this.#rawTests;
    const emptyFields = this.emptyFields;
    const storeFields = this.#storeFields;
    const storeNumber = this.#storeNumber;
    const numberFields = this.#numberFields;
    const numberKinds = this.#numberKinds;
    let pos = this.#pos;
    let row = this.#row;
    let line = this.#line;
    if (pos >= this.#encodedTo) {
      const window = length - pos > INPUT_CHARS
        ? text.substring(pos, pos + INPUT_CHARS)
        : text.substring(pos);
      const { read, written } = ENCODER.encodeInto(window, splitter.input);
      this.#encodedFrom = pos;
      this.#encodedTo = pos + window.length;
      if (read !== window.length || written !== window.length) {
        // Not ASCII: the TypeScript path takes this window, and the next texts too, more of them each time
        // (encoding text with other characters is slow: a file of them all along was 20 % slower, measured).
        this.#splitFrom = this.#encodedTo;
        this.#nonAsciiSkips = this.#nonAsciiBackoff;
        this.#nonAsciiBackoff = Math.min(2 * this.#nonAsciiBackoff, 64);
        return true;
      }
      if (window.length >= 4096) this.#nonAsciiBackoff = 1; // not for a bridge's one line (see #join)
    }
    const encodedFrom = this.#encodedFrom;
    const encodedTo = this.#encodedTo;
    const bounds = splitter.bounds;
    const stride = 2 * fieldCount; // each field's start and end
    const numbersRows = numberFields.length === 0
      ? Infinity
      : Math.floor(splitter.values.length / numberFields.length);
    const records = splitter.split(
      pos - encodedFrom,
      encodedTo - encodedFrom,
      fieldCount,
      this.#delimiterCode,
      Math.min(this.#chunkRows - row, Math.floor(bounds.length / stride) - 1, numbersRows),
      encodedFrom,
      quoted,
    );
    this.recordsSplit += records;
    // Numbers converted in the kernel too where nothing filters (a filter converts only what it keeps).
    const plain = rawTests.length === 0 && emptyFields === null;
    const converted = plain && numberFields.length > 0;
    let run = plain && this.#runs && records > 0;
    if (converted) {
      for (let n = 0; n < numberFields.length; n++) {
        const kind = numberKinds[n];
        const field = numberFields[n];
        const done = kind === Kind.Timestamp
          ? splitter.timestamps(records, fieldCount, field, encodedFrom, n * records)
          : kind === Kind.String
          ? this.#texts(slots[fieldSlot[field]], n, records, encodedFrom)
          : splitter.numbers(records, fieldCount, field, kind === Kind.Int32, encodedFrom, n * records);
        if (done !== records) run = false;
      }
    }
    if (run) {
      this.#storeRun(text, records, row);
      row += records;
      line += records;
    }
    const values = splitter.values;
    const words = splitter.words;
    const flags = splitter.flags;
    for (let r = 0, b = 0; r < (run ? 0 : records); r++, b += stride) {
      if (rawTests.length !== 0) {
        let keep = true;
        for (let t = 0; t < rawTests.length; t++) {
          const { field: f, test } = rawTests[t];
          const start = bounds[b + 2 * f];
          const end = bounds[b + 2 * f + 1];
          if (start === end || !test(text, start, end)) {
            keep = false;
            break;
          }
        }
        if (!keep) {
          this.rowsFiltered++;
          line++;
          continue;
        }
      }
      let ok = true;
      if (emptyFields === null) {
        for (let k = 0; k < storeFields.length; k++) {
          const f = storeFields[k];
          const slot = slots[fieldSlot[f]];
          const n = storeNumber[k];
          if (converted && n >= 0 && flags[n * records + r] === 1) {
            if (slot.nulls !== null) slot.nulls[row >> 3] |= 1 << (row & 7);
            if (slot.kind === Kind.Float64) slot.float64[row] = values[n * records + r];
            else if (slot.kind === Kind.Int32) slot.int32[row] = values[n * records + r];
            else if (slot.kind === Kind.String) {
              const entry = words[2 * (n * records + r)];
              const index = slot.entryIndex[entry];
              slot.int32[row] = index >= 0
                ? index
                : this.#entry(slot, text, bounds[b + 2 * f], bounds[b + 2 * f + 1], entry);
            } else {
              slot.words[2 * row] = words[2 * (n * records + r)];
              slot.words[2 * row + 1] = words[2 * (n * records + r) + 1];
            }
            continue;
          }
          if (!this.#store(slot, text, bounds[b + 2 * f], bounds[b + 2 * f + 1], row)) {
            ok = false;
            break;
          }
        }
      } else {
        for (let f = 0; f < fieldCount; f++) {
          const start = bounds[b + 2 * f];
          const end = bounds[b + 2 * f + 1];
          const slot = fieldSlot[f];
          if (slot < 0) {
            if (start === end) emptyFields[f]++;
          } else if (!this.#store(slots[slot], text, start, end, row)) {
            ok = false;
            break;
          }
        }
      }
      if (ok) row++;
      else {
        this.#line = line;
        if (!this.#badRecord()) {
          this.#pos = bounds[b];
          this.#row = row;
          return false;
        }
      }
      line++;
    }
    this.#pos = pos = encodedFrom + splitter.consumed();
    this.#row = row;
    this.#line = line;
    const stopped = splitter.status();
    this.#splitMisses = records === 0 ? this.#splitMisses + 1 : 0;
    if (stopped === SPLIT_NEEDS_READER || (stopped === SPLIT_NO_RECORD && encodedTo === length)) {
      // The TypeScript path takes the next record (a quote, a blank line, a wrong width, the last line),
      // or, when the splitter keeps stopping at once (doubled quotes all along, say), the rest of this window.
      this.#splitFrom = this.#splitMisses < 8 ? pos + 1 : encodedTo;
    } else if (stopped === SPLIT_NO_RECORD) {
      if (records === 0) this.#splitFrom = pos + 1; // a record longer than the window
      this.#encodedTo = -1; // the next window
    }
    return true;
  }

  /**
   * Stores the `records` records the splitter just split from row `row` on, column by column, where it
   * converted every number (`#runs`): the numbers copied as they are, the text fields through `#store`, in
   * record order — the same arrays as record by record, which took a type test and a flag test a field
   * (`#splitRecords` was 20 % of a one-thread `stats` of every column, profiled).
   */
  #storeRun(text: string, records: number, row: number): void {
    const splitter = this.#splitter!;
    const bounds = splitter.bounds;
    const stride = 2 * this.#fieldSlot.length;
    const storeFields = this.#storeFields;
    for (let k = 0; k < storeFields.length; k++) {
      const f = storeFields[k];
      const slot = this.#slots[this.#fieldSlot[f]];
      const n = this.#storeNumber[k];
      if (n < 0) {
        for (let r = 0, b = 2 * f; r < records; r++, b += stride) {
          this.#store(slot, text, bounds[b], bounds[b + 1], row + r);
        }
        continue;
      }
      const at = n * records;
      if (slot.kind === Kind.Float64) slot.float64.set(splitter.values.subarray(at, at + records), row);
      else if (slot.kind === Kind.Int32) slot.int32.set(splitter.values.subarray(at, at + records), row);
      else if (slot.kind === Kind.Timestamp) slot.int64.set(splitter.int64.subarray(at, at + records), row);
      else {
        const { words } = splitter;
        const { entryIndex, int32 } = slot;
        for (let r = 0, b = 2 * f; r < records; r++, b += stride) {
          const entry = words[2 * (at + r)];
          const index = entryIndex[entry];
          int32[row + r] = index >= 0 ? index : this.#entry(slot, text, bounds[b], bounds[b + 1], entry);
        }
      }
      // A row's bit may have been cleared by a record that failed there (skipped) after storing a null.
      const nulls = slot.nulls;
      if (nulls === null) continue;
      for (let r = row; r < row + records; r++) nulls[r >> 3] |= 1 << (r & 7);
    }
  }

  /**
   * Gives the `records` records just split the entries of their text field for number `n` in the splitter's
   * text table (a full table is emptied first; a table another reader used last comes back emptied, and this
   * column then forgets what its entries were). Returns how many fields got an entry.
   */
  #texts(slot: Slot, n: number, records: number, shift: number): number {
    const splitter = this.#splitter!;
    const table = this.#numberTables[n];
    if (splitter.textFull(table)) {
      splitter.textReset(table);
      slot.entryIndex.fill(-1);
    }
    const field = this.#numberFields[n];
    const got = splitter.texts(
      records,
      this.#fieldSlot.length,
      field,
      shift,
      n * records,
      table,
      this.#tableOwner,
    );
    if (got.reset) slot.entryIndex.fill(-1);
    return got.converted;
  }

  /** The dictionary index of text table entry `entry`, met first at text [start, end): found or added. */
  #entry(slot: Slot, text: string, start: number, end: number, entry: number): number {
    const value = text.slice(start, end);
    let index = slot.dictionary.get(value);
    if (index === undefined) {
      index = slot.dictionary.size;
      slot.dictionary.set(value, index);
    }
    slot.entryIndex[entry] = index;
    return index;
  }

  /** Parses one record that contains a quote, starting at `pos`; sets #pos past it on success. */
  #parseQuoted(pos: number): number {
    const record = splitRecord(this.#text, pos, this.#final, this.#delimiter);
    if (record === null) return NEED_MORE;
    if (record === "unterminated") {
      this.#error = "unterminated quoted field (a quote opened here is never closed)";
      this.#errorColumn = undefined;
      if (this.#badRecord()) {
        this.#pos = this.#text.length;
        return CONTINUE;
      }
      return FAIL;
    }
    const { fields } = record;
    let ok = true;
    if (fields.length !== this.#fieldSlot.length) {
      ok = false;
      this.#error = record.error ?? `expected ${this.#fieldSlot.length} fields, found ${fields.length}`;
      this.#errorColumn = undefined;
    } else if (record.error) {
      ok = false;
      this.#error = record.error;
      this.#errorColumn = undefined;
    } else if (
      this.#rawTests.some(({ field, test }) =>
        fields[field] === "" || !test(fields[field], 0, fields[field].length)
      )
    ) {
      this.rowsFiltered++;
      this.#line += record.lines;
      this.#pos = record.next;
      return CONTINUE;
    } else {
      for (let f = 0; f < fields.length; f++) {
        const slot = this.#fieldSlot[f];
        if (slot < 0) {
          if (fields[f] === "" && this.emptyFields !== null) this.emptyFields[f]++;
        } else if (!this.#store(this.#slots[slot], fields[f], 0, fields[f].length, this.#row)) {
          ok = false;
          break;
        }
      }
    }
    if (!ok && !this.#badRecord()) return FAIL;
    if (ok) this.#row++;
    this.#line += record.lines;
    this.#pos = record.next;
    return CONTINUE;
  }
}

interface SplitRecord {
  fields: string[];
  /** Index just past the record's line terminator. */
  next: number;
  /** Lines the record spans (1 + newlines inside quotes). */
  lines: number;
  /** A structural problem (text after a closing quote), reported as a bad row. */
  error?: string;
}

/**
 * Splits one record starting at `pos` with full RFC 4180 rules. Returns null when the buffer ends before the
 * record does (and `final` is false), "unterminated" for a quote still open at the end of the input.
 */
export function splitRecord(
  text: string,
  pos: number,
  final: boolean,
  delimiter = ",",
): SplitRecord | null | "unterminated" {
  const fields: string[] = [];
  const length = text.length;
  const delimiterCode = delimiter.charCodeAt(0);
  let lines = 1;
  let p = pos;
  let error: string | undefined;
  while (true) {
    if (p < length && text.charCodeAt(p) === QUOTE) {
      let value = "";
      let segment = p + 1;
      let q = segment;
      while (true) {
        const close = text.indexOf('"', q);
        if (close === -1) return final ? "unterminated" : null;
        if (close + 1 === length && !final) return null; // cannot tell "" from " yet
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += text.slice(segment, close + 1);
          q = segment = close + 2;
          continue;
        }
        value += text.slice(segment, close);
        p = close + 1;
        break;
      }
      for (let i = value.indexOf("\n"); i !== -1; i = value.indexOf("\n", i + 1)) lines++;
      // After the closing quote: a delimiter, a line end, or the end of input.
      let c = p < length ? text.charCodeAt(p) : -1;
      if (c !== delimiterCode && c !== LF && c !== CR && c !== -1) {
        // Text after a closing quote (`"ab"c`): keep it, as papaparse does, but report the row.
        const stop = nextStop(text, p, delimiterCode);
        if (stop === -1 && !final) return null;
        const end = stop === -1 ? length : stop;
        value += text.slice(p, end);
        error = `unexpected text after a closing quote`;
        p = end;
        c = p < length ? text.charCodeAt(p) : -1;
      }
      fields.push(value);
      if (c === delimiterCode) {
        p++;
        continue;
      }
      if (c === CR && p + 1 === length && !final) return null;
      if (c === CR && text.charCodeAt(p + 1) === LF) p++;
      if (c === -1) return { fields, next: length, lines, error };
      return { fields, next: p + 1, lines, error };
    }
    const stop = nextStop(text, p, delimiterCode);
    if (stop === -1) {
      if (!final) return null;
      fields.push(text.slice(p, length));
      return { fields, next: length, lines, error };
    }
    const c = text.charCodeAt(stop);
    if (c === delimiterCode) {
      fields.push(text.slice(p, stop));
      p = stop + 1;
      continue;
    }
    // Line end: LF, or CR (alone or as CRLF).
    fields.push(text.slice(p, stop));
    if (c === CR) {
      if (stop + 1 === length && !final) return null;
      return { fields, next: text.charCodeAt(stop + 1) === LF ? stop + 2 : stop + 1, lines, error };
    }
    return { fields, next: stop + 1, lines, error };
  }
}

/** Index of the next delimiter, CR or LF at or after `p`, or -1. */
function nextStop(text: string, p: number, delimiterCode: number): number {
  for (let i = p; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === delimiterCode || c === LF || c === CR) return i;
  }
  return -1;
}

/** Number of `"` characters in `text` (native indexOf: nearly free when there are none). */
function countQuotes(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** Whether `text` holds at least `n` newlines. */
function countLines(text: string, n: number): boolean {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = text.indexOf("\n", i + 1);
    if (i === -1) return false;
  }
  return true;
}
