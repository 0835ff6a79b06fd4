/**
 * Group-by aggregation (`outcore agg`): rows grouped by key columns (source columns, `--with` columns or
 * `--bin` columns), with count, sum, mean, min, max, std and var of numeric columns per group.
 *
 * Within a batch every row gets a slot (its key combination, found through a dense table of dictionary and
 * bin codes or a map), and each value column is folded into per-slot typed arrays in one loop; the slots are
 * then merged into the groups. Partials merge exactly, in a fixed order: sums are compensated (Neumaier) and
 * added sum then compensation, means are merged sum ÷ merged count (never a mean of means), std and var come
 * from Welford's M2 merged with Chan's formula. So a unit's partial made in a worker or in this thread, merged
 * in unit order, gives the same bits for any worker count.
 *
 * Missing values: a null or NaN value is skipped by every aggregate (as pandas does); a null key is a group of
 * its own, sorted last (as SQL and Polars), unless `dropNullKeys` (pandas' `dropna=True`). std and var are the
 * sample ones (ddof 1, as pandas, Polars and DuckDB). Memory: O(groups × value columns) plus one batch.
 */
import type { RecordBatch } from "apache-arrow";
import { UsageError } from "../errors.ts";
import {
  allValid,
  boolData,
  type Column,
  type ColumnKind,
  dictionaryData,
  float64Data,
  float64Values,
  int64Data,
  makeBatch,
  setNull,
} from "../batch.ts";
import type { Predicate } from "./predicate.ts";
import { formatTimestamp } from "../values.ts";
import { formatEpoch } from "../cells.ts";
import { type Bin, binCodes, type Derived, evaluate, exprColumns } from "./expr.ts";
// A value column's state per group: count, compensated sum, min, max, and Welford's shift, mean and M2.
import {
  COMP,
  compileKernel,
  COUNT,
  type Kernel,
  type KernelInput,
  M2,
  MAX,
  MEAN,
  MIN,
  SHIFT,
  STATE,
  SUM,
} from "./_kernel.ts";
import {
  type BatchKey,
  BatchSlots,
  decodeCombination,
  DENSE_SLOTS,
  EMPTY_CODES,
  foldColumn,
  freshStates,
  grow,
  kernelNumbers,
  numberKey,
  type PreparedKey,
  SLICE_ROWS,
  sourceKey,
  valuesOf,
} from "./_group_batch.ts";

export type AggFunction = "count" | "sum" | "mean" | "min" | "max" | "std" | "var";
export const AGG_FUNCTIONS: readonly AggFunction[] = ["count", "sum", "mean", "min", "max", "std", "var"];

/** One output column: `fn` of `column`, or the group's row count when `column` is null. */
export interface Aggregate {
  fn: AggFunction;
  column: string | null;
}

/** What `agg` computes. Plain data: it crosses `postMessage` to the workers as it is. */
export interface AggSpec {
  by: string[];
  derived: Derived[];
  bins: Bin[];
  aggregates: Aggregate[];
  /** Drop rows whose key has a null (pandas' default) instead of grouping them. */
  dropNullKeys?: boolean;
  /** Only rows matching every predicate are aggregated (applied by the reader, before `addBatch`). */
  where?: Predicate[];
  /**
   * Timestamp and date columns whose min and max are asked for: their units per millisecond and whether they
   * hold dates, so the result shows them as they read (filled in from the input's schema).
   */
  times?: Record<string, { perMs: number; date: boolean }>;
}

export type KeyValue = string | number | boolean | bigint | null;

/** A partial result: groups' keys, their row counts and value-column states (`STATE` numbers each). */
export interface GroupPartial {
  keys: KeyValue[][];
  rows: Float64Array;
  state: Float64Array;
}

/** The result table: keys then aggregates, one row per group, sorted by the keys. */
export interface AggTable {
  columns: string[];
  /** How many of the columns are keys. */
  keys: number;
  rows: (KeyValue)[][];
}

/** The name of an aggregate's output column: `revenue_sum`, or `count` for the row count. */
export function aggregateName(a: Aggregate): string {
  return a.column === null ? "count" : `${a.column}_${a.fn}`;
}

/**
 * Checks a spec against a source's columns and returns the source columns it reads. Throws a UsageError
 * naming the option and the column for an unknown name, a name defined twice, or a function of a non-number.
 */
export function specColumns(spec: AggSpec, kinds: Record<string, ColumnKind>): string[] {
  const available = Object.keys(kinds);
  const used: string[] = [];
  const numeric = new Set<string>();
  const strings = new Set<string>();
  const unknown = (option: string, name: string): never => {
    throw new UsageError(
      `${option}: no column "${name}" (available: ${[...available, ...numeric].join(", ")})`,
    );
  };
  const read = (option: string, name: string, needNumber: boolean, orTime = false) => {
    if (numeric.has(name) && !kinds[name]) return;
    if (strings.has(name) && !kinds[name]) {
      if (needNumber) throw new UsageError(`${option}: "${name}" is a bin (text), not a number`);
      return;
    }
    const kind = kinds[name];
    if (!kind) unknown(option, name);
    if (
      needNumber && kind !== "float64" && kind !== "int32" && kind !== "int64" &&
      !(orTime && kind === "timestamp")
    ) {
      throw new UsageError(
        `${option}: column "${name}" is ${kind}, not a number${
          kind === "string" ? ` (if it is CSV text: --types ${name}=float64 reads it as numbers)` : ""
        }`,
      );
    }
    if (!used.includes(name)) used.push(name);
  };
  const define = (option: string, name: string) => {
    if (kinds[name] || numeric.has(name) || strings.has(name)) {
      throw new UsageError(`${option}: "${name}" is already a column; give the new one another name`);
    }
  };
  for (const d of spec.derived) {
    for (const name of exprColumns(d.expr)) read(`--with ${d.name}`, name, true);
    define(`--with ${d.name}`, d.name);
    numeric.add(d.name);
  }
  for (const b of spec.bins) {
    read(`--bin ${b.name}`, b.column, true);
    define(`--bin ${b.name}`, b.name);
    strings.add(b.name);
  }
  for (const name of spec.by) read("--by", name, false);
  for (const a of spec.aggregates) {
    if (a.column === null) continue;
    // Timestamps and dates have a min and a max (and a count), not a sum.
    read(`--${a.fn} ${a.column}`, a.column, a.fn !== "count", a.fn === "min" || a.fn === "max");
  }
  if (new Set(spec.by).size !== spec.by.length) throw new UsageError("--by names a column twice");
  for (const p of spec.where ?? []) {
    if (!kinds[p.column]) unknown("--where", p.column);
    if (!used.includes(p.column)) used.push(p.column);
  }
  return used;
}

/** The distinct value columns of a spec's aggregates, with which states they need. */
function valueColumns(spec: AggSpec): { name: string; sum: boolean; range: boolean; moments: boolean }[] {
  const out: { name: string; sum: boolean; range: boolean; moments: boolean }[] = [];
  for (const a of spec.aggregates) {
    if (a.column === null) continue;
    let c = out.find((x) => x.name === a.column);
    if (!c) out.push(c = { name: a.column, sum: false, range: false, moments: false });
    if (a.fn === "sum" || a.fn === "mean") c.sum = true;
    if (a.fn === "min" || a.fn === "max") c.range = true;
    if (a.fn === "std" || a.fn === "var") c.moments = true;
  }
  return out;
}

/** Adds x to the compensated sum at s[i] (sum) and s[i + 1] (compensation). */
function addAt(s: Float64Array, i: number, x: number): void {
  const sum = s[i];
  const t = sum + x;
  s[i + 1] += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
  s[i] = t;
}

/** Merges the value-column state at b[j] into the one at a[i] (count, sum, range, Chan's moments). */
function mergeState(a: Float64Array, i: number, b: Float64Array, j: number): void {
  const n = b[j + COUNT];
  if (n === 0) return;
  const m = a[i + COUNT];
  if (m === 0) {
    a[i + SHIFT] = b[j + SHIFT];
    a[i + MEAN] = b[j + MEAN];
    a[i + M2] = b[j + M2];
  } else {
    const total = m + n;
    const delta = (b[j + SHIFT] - a[i + SHIFT]) + b[j + MEAN] - a[i + MEAN];
    a[i + MEAN] += delta * (n / total);
    a[i + M2] += b[j + M2] + delta * delta * (m * n / total);
  }
  a[i + COUNT] = m + n;
  addAt(a, i + SUM, b[j + SUM]);
  addAt(a, i + SUM, b[j + COMP]);
  if (b[j + MIN] < a[i + MIN]) a[i + MIN] = b[j + MIN];
  if (b[j + MAX] > a[i + MAX]) a[i + MAX] = b[j + MAX];
}

/** Accumulates batches into groups; `toPartial` / `merge` carry the groups between threads. */
export class GroupAggregator {
  readonly spec: AggSpec;
  readonly #columns: ReturnType<typeof valueColumns>;
  readonly #index = new Map<string, number>();
  #keys: KeyValue[][] = [];
  #rows = new Float64Array(64);
  #state: Float64Array;
  /** Bins by key position (their labels order the output), or undefined. */
  readonly #binOf: (Bin | undefined)[];

  /** The compiled kernel (lib/ops/_kernel.ts), or null for the general path (the reference in tests). */
  readonly #kernel: Kernel | null;
  /** Source columns the kernel reads as numbers. */
  readonly #numbers: string[];

  constructor(spec: AggSpec, options: { compiled?: boolean } = {}) {
    this.spec = spec;
    this.#columns = valueColumns(spec);
    this.#state = this.#fresh(64);
    this.#binOf = spec.by.map((name) => spec.bins.find((b) => b.name === name));
    const derived = new Set(spec.derived.map((d) => d.name));
    const numbers = [
      ...spec.derived.flatMap((d) => exprColumns(d.expr)),
      ...spec.bins.map((b) => b.column),
      ...this.#columns.map((c) => c.name),
    ];
    this.#numbers = [...new Set(numbers.filter((name) => !derived.has(name)))];
    this.#kernel = options.compiled === false ? null : compileKernel({
      keys: spec.by.map((name) => {
        const bin = spec.bins.find((b) => b.name === name);
        return bin ? { bin } : { codes: true as const };
      }),
      derived: spec.derived,
      columns: this.#columns,
      numbers: this.#numbers,
      dropNull: spec.dropNullKeys ?? false,
    });
  }

  /** Groups so far. */
  get size(): number {
    return this.#keys.length;
  }

  #fresh(groups: number): Float64Array {
    const width = this.#columns.length * STATE;
    const s = new Float64Array(groups * width);
    for (let g = 0; g < groups; g++) {
      for (let c = 0; c < this.#columns.length; c++) {
        s[g * width + c * STATE + MIN] = Infinity;
        s[g * width + c * STATE + MAX] = -Infinity;
      }
    }
    return s;
  }

  /** The group id of a key, made when new. */
  #group(key: KeyValue[]): number {
    const text = keyText(key);
    let id = this.#index.get(text);
    if (id !== undefined) return id;
    id = this.#keys.length;
    this.#index.set(text, id);
    this.#keys.push(key);
    if (id >= this.#rows.length) {
      const rows = new Float64Array(this.#rows.length * 2);
      rows.set(this.#rows);
      this.#rows = rows;
      const state = this.#fresh(rows.length);
      state.set(this.#state);
      this.#state = state;
    }
    return id;
  }

  /**
   * Folds a batch in: O(rows × (keys + value columns)) time. The batch is worked through in slices of
   * `SLICE_ROWS` rows, so that derived values, bin codes and slots stay in the CPU's cache (whole 1.25M-row
   * row groups at once made the lab's pipeline 20–30 % slower than its old fused loop); the slots and their
   * states span the whole batch, so every group's values are still added in row order, one batch at a time.
   */
  addBatch(batch: RecordBatch): void {
    const rows = batch.numRows;
    if (rows === 0) return;
    const keys = this.spec.by.map((name) => this.#prepareKey(batch, name));
    const radix = keys.map((k) => (k.bin ? k.bin.labels.length : k.values.length) + 1);
    if (this.#kernel && radix.reduce((p, r) => p * r, 1) <= 2 ** 31) {
      this.#addCompiled(batch, keys, radix);
      return;
    }
    const slots = new BatchSlots(radix, this.spec.dropNullKeys ?? false);
    let states = this.#columns.map(() => freshStates(64));
    let slotRows: Float64Array = new Float64Array(64);
    for (let start = 0; start < rows; start += SLICE_ROWS) {
      const end = Math.min(rows, start + SLICE_ROWS);
      const n = end - start;
      const numbers = new Map<string, Float64Array>();
      const number = (name: string): Float64Array => {
        let v = numbers.get(name);
        if (!v) {
          const derived = this.spec.derived.find((d) => d.name === name);
          v = derived ? evaluate(derived.expr, n, number) : valuesOf(batch, name, start, end);
          numbers.set(name, v);
        }
        return v;
      };
      const sliceKeys: BatchKey[] = keys.map((k) =>
        k.bin
          ? { codes: binCodes(number(k.bin.column), k.bin.edges), values: k.bin.labels, validity: null }
          : {
            codes: k.codes.subarray(start, end),
            values: k.values,
            validity: k.validity && { bitmap: k.validity.bitmap, offset: k.validity.offset + start },
          }
      );
      const slotOf = slots.assign(sliceKeys, n);
      if (slots.count > slotRows.length) {
        const capacity = Math.max(slots.count, slotRows.length * 2);
        slotRows = grow(slotRows, capacity, 1);
        states = states.map((st) => grow(st, capacity, STATE));
      }
      for (let i = 0; i < n; i++) {
        const slot = slotOf[i];
        if (slot >= 0) slotRows[slot]++;
      }
      this.#columns.forEach((c, i) => foldColumn(number(c.name), slotOf, states[i], c));
    }
    // Slots into groups.
    const width = this.#columns.length * STATE;
    for (let slot = 0; slot < slots.count; slot++) {
      const codes = slots.codes(slot);
      const key = keys.map((k, i) => {
        const code = codes[i];
        return code < 0 ? null : (k.bin ? k.bin.labels : k.values)[code];
      });
      const g = this.#group(key);
      this.#rows[g] += slotRows[slot];
      for (let c = 0; c < states.length; c++) {
        mergeState(this.#state, g * width + c * STATE, states[c], slot * STATE);
      }
    }
  }

  /** `addBatch` through the compiled kernel: one pass over the rows, then slots into groups. */
  #addCompiled(batch: RecordBatch, keys: PreparedKey[], radix: number[]): void {
    const rows = batch.numRows;
    const combinations = radix.reduce((p, r) => p * r, 1);
    let capacity = 64;
    const input: KernelInput = {
      n: rows,
      nums: this.#numbers.map((name) => kernelNumbers(batch, name)),
      codes: keys.map((k) => k.codes),
      valid: keys.map((k) => k.validity?.bitmap ?? null),
      offsets: keys.map((k) => k.validity?.offset ?? 0),
      radix,
      table: combinations <= DENSE_SLOTS ? new Int32Array(combinations).fill(-1) : null,
      sparse: combinations <= DENSE_SLOTS ? null : new Map(),
      keyOf: [],
      slotRows: new Float64Array(capacity),
      states: this.#columns.map(() => freshStates(capacity)),
      capacity,
    };
    for (let at = this.#kernel!(input, 0); at < rows; at = this.#kernel!(input, at)) {
      capacity *= 2;
      input.slotRows = grow(input.slotRows, capacity, 1);
      input.states = input.states.map((st) => grow(st, capacity, STATE));
      input.capacity = capacity;
    }
    const width = this.#columns.length * STATE;
    input.keyOf.forEach((combination, slot) => {
      const codes = decodeCombination(combination, radix);
      const key = keys.map((k, i) => (codes[i] < 0 ? null : (k.bin ? k.bin.labels : k.values)[codes[i]]));
      const g = this.#group(key);
      this.#rows[g] += input.slotRows[slot];
      for (let c = 0; c < input.states.length; c++) {
        mergeState(this.#state, g * width + c * STATE, input.states[c], slot * STATE);
      }
    });
  }

  /**
   * A key column of a batch: a bin (coded slice by slice), or every row's code (−1: null) with each code's
   * value — dictionary indices as they are, other columns coded here in one pass.
   */
  #prepareKey(batch: RecordBatch, name: string): PreparedKey {
    const bin = this.spec.bins.find((b) => b.name === name);
    if (bin) return { bin, codes: EMPTY_CODES, values: [], validity: null };
    const derived = this.spec.derived.find((d) => d.name === name);
    if (derived) {
      const number = (n: string): Float64Array => {
        const d = this.spec.derived.find((x) => x.name === n);
        return d ? evaluate(d.expr, batch.numRows, number) : float64Values(batch, n);
      };
      return { bin: null, ...numberKey(evaluate(derived.expr, batch.numRows, number)) };
    }
    return { bin: null, ...sourceKey(batch, name) };
  }

  /** The groups so far as a partial (its arrays can be transferred). */
  toPartial(): GroupPartial {
    const groups = this.#keys.length;
    return {
      keys: this.#keys,
      rows: this.#rows.slice(0, groups),
      state: this.#state.slice(0, groups * this.#columns.length * STATE),
    };
  }

  /** Merges a partial in (its groups in its order). */
  merge(partial: GroupPartial): this {
    const width = this.#columns.length * STATE;
    partial.keys.forEach((key, j) => {
      const g = this.#group(key);
      this.#rows[g] += partial.rows[j];
      for (let c = 0; c < this.#columns.length; c++) {
        mergeState(this.#state, g * width + c * STATE, partial.state, j * width + c * STATE);
      }
    });
    return this;
  }

  /** The result: one row per group, sorted by the keys (bins in their labels' order, nulls last). */
  result(): AggTable {
    const width = this.#columns.length * STATE;
    const order = this.#keys.map((_, g) => g).sort((a, b) => this.#compare(this.#keys[a], this.#keys[b]));
    const rows = order.map((g) => {
      const row: KeyValue[] = [...this.#keys[g]];
      for (const a of this.spec.aggregates) {
        if (a.column === null) {
          row.push(this.#rows[g]);
          continue;
        }
        const at = g * width + this.#columns.findIndex((c) => c.name === a.column) * STATE;
        const s = this.#state;
        const n = s[at + COUNT];
        switch (a.fn) {
          case "count":
            row.push(n);
            break;
          case "sum":
            row.push(s[at + SUM] + s[at + COMP]);
            break;
          case "mean":
            row.push(n > 0 ? (s[at + SUM] + s[at + COMP]) / n : null);
            break;
          case "min":
            row.push(n > 0 ? this.#shown(a.column, s[at + MIN]) : null);
            break;
          case "max":
            row.push(n > 0 ? this.#shown(a.column, s[at + MAX]) : null);
            break;
          case "var":
            row.push(n > 1 ? s[at + M2] / (n - 1) : null);
            break;
          case "std":
            row.push(n > 1 ? Math.sqrt(s[at + M2] / (n - 1)) : null);
            break;
        }
      }
      return row;
    });
    return {
      columns: [...this.spec.by, ...this.spec.aggregates.map(aggregateName)],
      keys: this.spec.by.length,
      rows,
    };
  }

  /** A min or max as it reads: timestamps and dates as text, numbers as they are. */
  #shown(column: string, value: number): KeyValue {
    const time = this.spec.times?.[column];
    if (!time) return value;
    if (time.date) return formatTimestamp(value).slice(0, 10);
    // Microseconds and nanoseconds keep their digits, as `head` and `inspect` show them.
    return time.perMs > 1 ? formatEpoch(BigInt(value), BigInt(time.perMs * 1000)) : formatTimestamp(value);
  }

  #compare(a: KeyValue[], b: KeyValue[]): number {
    for (let k = 0; k < a.length; k++) {
      const x = a[k], y = b[k];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const bin = this.#binOf[k];
      if (bin) return bin.labels.indexOf(x as string) - bin.labels.indexOf(y as string);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return 0;
  }
}

/**
 * The result table as one Arrow batch, to write as CSV or Parquet: text keys as dictionary strings, number
 * keys float64, booleans bool, 64-bit integer keys int64; counts int64, other aggregates float64.
 */
export function aggTableBatch(table: AggTable, spec: AggSpec): RecordBatch {
  const n = table.rows.length;
  const columns: Column[] = table.columns.map((name, c) => {
    const values = table.rows.map((r) => r[c]);
    const nulls = allValid(n);
    let nullCount = 0;
    values.forEach((v, i) => {
      if (v === null || (typeof v === "number" && Number.isNaN(v))) {
        setNull(nulls, i);
        nullCount++;
      }
    });
    const isCount = c >= table.keys && spec.aggregates[c - table.keys].fn === "count";
    const present = values.filter((v) => v !== null);
    if (isCount || (c < table.keys && present.length > 0 && present.every((v) => typeof v === "bigint"))) {
      return { name, data: int64Data(BigInt64Array.from(values, (v) => BigInt(v ?? 0)), nulls, nullCount) };
    }
    if (c < table.keys && present.length > 0 && present.every((v) => typeof v === "boolean")) {
      const bits = new Uint8Array((n + 7) >> 3);
      values.forEach((v, i) => {
        if (v === true) bits[i >> 3] |= 1 << (i & 7);
      });
      return { name, data: boolData(bits, n, nulls, nullCount) };
    }
    if (!present.every((v) => typeof v === "number")) {
      const dictionary = [...new Set(present.map(String))];
      const index = new Map(dictionary.map((v, i) => [v, i]));
      const codes = Int32Array.from(values, (v) => (v === null ? 0 : index.get(String(v))!));
      return { name, data: dictionaryData(codes, dictionary, nulls, nullCount) };
    }
    return {
      name,
      data: float64Data(Float64Array.from(values, (v) => (v === null ? NaN : Number(v))), nulls, nullCount),
    };
  });
  return makeBatch(columns);
}

/** A key's text for the group index: typed, so 1, "1" and true stay apart. */
function keyText(key: KeyValue[]): string {
  let text = "";
  for (const v of key) {
    text += v === null
      ? "N,"
      : typeof v === "string"
      ? JSON.stringify(v) + ","
      : typeof v === "bigint"
      ? `${v}n,`
      : `${typeof v === "boolean" ? "b" : ""}${v},`;
  }
  return text;
}
