/**
 * Repeated timings, interleaved: every configuration runs once per round, rounds repeat, so a change in the
 * machine's load during the measurement touches every configuration alike. Results are medians with their
 * spread (fastest and slowest run), and speedups are given with the spread of the per-round ratios.
 */

/** Seconds of repeated runs: their median and spread. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  seconds: number[];
}

/** A speedup (median ÷ median) and the range of the per-round ratios. */
export interface Speedup {
  median: number;
  min: number;
  max: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median and spread of `seconds`. */
export function timing(seconds: readonly number[]): Timing {
  return {
    median: median(seconds),
    min: Math.min(...seconds),
    max: Math.max(...seconds),
    seconds: [...seconds],
  };
}

/** `base` over `other`: the ratio of medians, and the lowest and highest ratio of runs in the same round. */
export function speedupOf(base: Timing, other: Timing): Speedup {
  const ratios = base.seconds.map((s, i) => s / other.seconds[i]);
  return { median: base.median / other.median, min: Math.min(...ratios), max: Math.max(...ratios) };
}

/**
 * Runs every entry of `configs` once per round for `runs` rounds, in order, timing each; `check` sees every
 * result (e.g. to compare it with the first). Returns each configuration's timing.
 */
export async function timeRounds<K extends string, T>(
  runs: number,
  configs: readonly (readonly [K, () => Promise<T>])[],
  check: (name: K, value: T) => void = () => {},
  beforeEach: () => void = () => {},
): Promise<Record<K, Timing>> {
  const seconds = new Map<K, number[]>(configs.map(([name]) => [name, []]));
  for (let r = 0; r < runs; r++) {
    for (const [name, run] of configs) {
      beforeEach();
      const t = performance.now();
      const value = await run();
      seconds.get(name)!.push((performance.now() - t) / 1000);
      check(name, value);
    }
  }
  return Object.fromEntries([...seconds].map(([name, s]) => [name, timing(s)])) as Record<K, Timing>;
}
