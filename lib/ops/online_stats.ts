/**
 * Exercise 2's accumulator: count, mean, variance, std, min, max and sum of a stream of numbers in one pass
 * and constant memory. Within a batch it runs Welford's update in one tight loop over a typed array; across
 * batches and workers, `merge` combines two states exactly (Chan, Golub & LeVeque's pairwise formula), so a
 * dataset split any way gives the same answer. Values are shifted by the first value seen before the update
 * (the "shifted data" variant), so a large offset — 1e9 plus small noise — costs no precision. The sum is
 * compensated (Neumaier), so it is exact to the last bit or nearly. Nulls and NaN are skipped and counted. State is plain numbers: `toJSON`/`fromJSON` cross
 * worker boundaries cheaply.
 */
import { addCompensated, type Compensated } from "./sum.ts";
import { type Int64Aggregate, mergeInt64 } from "./int64.ts";

export interface OnlineStatsState {
  count: number;
  /** Values are accumulated as x − shift; `mean` is relative to it. */
  shift: number;
  mean: number;
  m2: number;
  min: number | null;
  max: number | null;
  sum: number;
  compensation: number;
  nulls: number;
  nans: number;
  /** int64 columns: exact min, max and sum (bigints; they cross postMessage as they are). */
  integer: boolean;
  exact: Int64Aggregate | null;
  countOnly?: boolean;
}

export class OnlineStats {
  count = 0;
  /** The reference every value is shifted by (the first value seen). */
  shift = 0;
  /** Mean of x − shift. */
  #mean = 0;
  /** Sum of squared differences from the mean. */
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  nulls = 0;
  nans = 0;
  #total: Compensated = { sum: 0, compensation: 0 };
  /** Whether the values are 64-bit integers, whose min, max and sum are then also kept exactly. */
  integer = false;
  /** The exact min, max and sum of 64-bit integer values (see `addExact`). */
  exact: Int64Aggregate | null = null;

  /** Whether the values are not numbers (nested lists and structs): only counted, with their nulls. */
  countOnly = false;

  /** Counts a batch of values outcore does not compute on: `valid` present, `nulls` null. */
  addCounts(valid: number, nulls: number): void {
    this.countOnly = true;
    this.count += valid;
    this.nulls += nulls;
  }

  /** Folds in the exact min, max and sum of a batch of 64-bit integers (also given to `updateBatch`). */
  addExact(aggregate: Int64Aggregate | null): void {
    this.integer = true;
    this.exact = mergeInt64(this.exact, aggregate);
  }

  /** Adds one value (null/undefined count as nulls, NaN as NaN; neither enters the statistics). */
  update(x: number | null | undefined): void {
    if (x === null || x === undefined) {
      this.nulls++;
      return;
    }
    if (x !== x) {
      this.nans++;
      return;
    }
    if (this.count === 0) this.shift = x;
    this.count++;
    const y = x - this.shift;
    const delta = y - this.#mean;
    this.#mean += delta / this.count;
    this.m2 += delta * (y - this.#mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.#add(x);
  }

  /**
   * Adds a batch of values in one loop (Welford within the batch, then a merge). `validity` is an Arrow
   * validity bitmap (bit offset `offset`), or null when every row is valid. O(1) memory.
   */
  updateBatch(values: ArrayLike<number>, validity: Uint8Array | null = null, offset = 0): void {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let c = 0;
    let nulls = 0;
    let nans = 0;
    const length = values.length;
    let shift = this.count > 0 ? this.shift : NaN;
    for (let i = 0; i < length; i++) {
      if (validity !== null) {
        const j = i + offset;
        if ((validity[j >> 3] & (1 << (j & 7))) === 0) {
          nulls++;
          continue;
        }
      }
      const x = values[i];
      if (x !== x) {
        nans++;
        continue;
      }
      if (shift !== shift) shift = x;
      n++;
      const y = x - shift;
      const delta = y - mean;
      mean += delta / n;
      m2 += delta * (y - mean);
      if (x < min) min = x;
      if (x > max) max = x;
      const t = sum + x;
      c += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
    this.nulls += nulls;
    this.nans += nans;
    this.#mergeParts(n, shift, mean, m2, min, max, sum, c);
  }

  /** Folds another state into this one; the result is as if every value had been added here. */
  merge(other: OnlineStats): this {
    if (other.countOnly) {
      this.addCounts(other.count, other.nulls);
      return this;
    }
    if (other.integer) this.addExact(other.exact);
    this.nulls += other.nulls;
    this.nans += other.nans;
    this.#mergeParts(
      other.count,
      other.shift,
      other.#mean,
      other.m2,
      other.min,
      other.max,
      other.#total.sum,
      other.#total.compensation,
    );
    return this;
  }

  /** Chan et al.'s combination of (count, mean, m2); `mean` is relative to `shift`. */
  #mergeParts(
    n: number,
    shift: number,
    mean: number,
    m2: number,
    min: number,
    max: number,
    sum: number,
    c: number,
  ): void {
    if (n === 0) return;
    if (this.count === 0) {
      this.count = n;
      this.shift = shift;
      this.#mean = mean;
      this.m2 = m2;
    } else {
      const total = this.count + n;
      // The other mean in this state's frame: the shift difference first (exact for nearby shifts).
      const delta = (shift - this.shift) + mean - this.#mean;
      this.#mean += delta * (n / total);
      this.m2 += m2 + delta * delta * (this.count * n / total);
      this.count = total;
    }
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.#add(sum);
    this.#add(c);
  }

  #add(x: number): void {
    addCompensated(this.#total, x);
  }

  /** The mean of the values. */
  get mean(): number {
    return this.shift + this.#mean;
  }

  /** The compensated sum of the values. */
  get sum(): number {
    return this.#total.sum + this.#total.compensation;
  }

  /** Population variance (ddof 0, as the lab and numpy's default); NaN when empty. */
  get variance(): number {
    return this.count > 0 ? this.m2 / this.count : NaN;
  }

  /** Sample variance (ddof 1); NaN with fewer than two values. */
  get sampleVariance(): number {
    return this.count > 1 ? this.m2 / (this.count - 1) : NaN;
  }

  /** Population standard deviation. */
  get std(): number {
    return Math.sqrt(this.variance);
  }

  /** Sample standard deviation. */
  get sampleStd(): number {
    return Math.sqrt(this.sampleVariance);
  }

  /** The plain-number state (JSON-safe: an empty state's min/max are null). */
  toJSON(): OnlineStatsState {
    return {
      count: this.count,
      shift: this.shift,
      mean: this.#mean,
      m2: this.m2,
      min: this.count ? this.min : null,
      max: this.count ? this.max : null,
      sum: this.#total.sum,
      compensation: this.#total.compensation,
      nulls: this.nulls,
      nans: this.nans,
      integer: this.integer,
      exact: this.exact,
      countOnly: this.countOnly,
    };
  }

  /** Rebuilds a state sent by `toJSON` (e.g. from a worker). */
  static fromJSON(state: OnlineStatsState): OnlineStats {
    const s = new OnlineStats();
    s.count = state.count;
    s.shift = state.shift;
    s.#mean = state.mean;
    s.m2 = state.m2;
    s.min = state.min ?? Infinity;
    s.max = state.max ?? -Infinity;
    s.nulls = state.nulls;
    s.nans = state.nans;
    s.#total = { sum: state.sum, compensation: state.compensation };
    s.integer = state.integer ?? false;
    s.exact = state.exact ?? null;
    s.countOnly = state.countOnly ?? false;
    return s;
  }

  /** The summary the `stats` command reports (population variance and std, as the lab). */
  summary(): ColumnSummary {
    if (this.countOnly) {
      return {
        count: this.count,
        nulls: this.nulls,
        sum: null,
        mean: null,
        variance: null,
        std: null,
        min: null,
        max: null,
      };
    }
    const empty = this.count === 0;
    const exact = this.integer ? this.exact : null;
    return {
      count: this.count,
      nulls: this.nulls + this.nans,
      sum: this.integer ? exact?.sum ?? 0n : this.sum,
      mean: empty ? null : this.mean,
      variance: empty ? null : this.variance,
      std: empty ? null : this.std,
      min: empty ? null : exact ? exact.min : this.min,
      max: empty ? null : exact ? exact.max : this.max,
    };
  }
}

/**
 * A column's statistics. For 64-bit integer columns `sum`, `min` and `max` are exact bigints (a double
 * would round ids beyond 2^53); mean, variance and std are doubles for every column.
 */
export interface ColumnSummary {
  count: number;
  /** Null and NaN values, skipped. */
  nulls: number;
  /** Null for columns that are only counted (nested lists and structs). */
  sum: number | bigint | null;
  mean: number | null;
  variance: number | null;
  std: number | null;
  min: number | bigint | null;
  max: number | bigint | null;
}

/**
 * Exact reference statistics for validation: two passes with compensated sums (the mean from a Neumaier
 * sum, then Σ(x − mean)² compensated too). O(1) memory besides the input.
 */
export function exactStats(
  values: ArrayLike<number>,
): { count: number; mean: number; variance: number; min: number; max: number; sum: number } {
  let count = 0;
  let sum = 0;
  let c = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x !== x) continue;
    count++;
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const total = sum + c;
  const mean = total / count;
  let ss = 0;
  let cs = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x !== x) continue;
    const d = (x - mean) * (x - mean);
    const t = ss + d;
    cs += ss >= d ? (ss - t) + d : (d - t) + ss;
    ss = t;
  }
  return { count, mean, variance: (ss + cs) / count, min, max, sum: total };
}
