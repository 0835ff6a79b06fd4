/**
 * How busy the machine was while something was measured: the load average, and (on Linux, from /proc) the
 * share of CPU time that other processes used and the share spent waiting on I/O. Each returns null where
 * the information cannot be read (another OS, or no permission): callers report "unknown", never a guess.
 */

/** The 1-, 5- and 15-minute load averages, or null. */
export function loadAverage(): number[] | null {
  try {
    return Deno.loadavg();
  } catch { /* needs --allow-sys=loadavg */ }
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number);
  } catch {
    return null;
  }
}

/** CPU time counters at one moment, in clock ticks. */
export interface CpuSample {
  /** All CPUs' time (every state). */
  total: number;
  /** Time spent by all CPUs doing anything but idling or waiting on I/O. */
  busy: number;
  /** Time spent waiting on I/O. */
  iowait: number;
  /** This process's CPU time (all its threads, workers included). */
  self: number;
}

/** The CPU counters now, or null where /proc cannot be read. */
export function cpuSample(): CpuSample | null {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3], iowait = f[4];
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields 14 and 15 of /proc/self/stat (utime, stime); `rest` starts at field 3
    const self = Number(rest[11]) + Number(rest[12]);
    return { total, busy: total - idle - iowait, iowait, self };
  } catch {
    return null;
  }
}

/** Between two samples: the shares of all CPU time used by other processes, by this one, and waiting on I/O. */
export interface CpuShares {
  others: number;
  self: number;
  iowait: number;
}

export function cpuShares(before: CpuSample | null, after: CpuSample | null): CpuShares | null {
  if (!before || !after) return null;
  const total = after.total - before.total;
  if (total <= 0) return null;
  const self = after.self - before.self;
  const busy = after.busy - before.busy;
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return {
    others: clamp((busy - self) / total),
    self: clamp(self / total),
    iowait: clamp((after.iowait - before.iowait) / total),
  };
}

/** What the machine was doing during a measurement: load averages before and after, CPU shares between. */
export interface MachineLoad {
  load_before: number[] | null;
  load_after: number[] | null;
  cpu: CpuShares | null;
}

/** Runs `work` and records the machine's load around it. */
export async function withLoad<T>(work: () => Promise<T>): Promise<{ value: T; load: MachineLoad }> {
  const loadBefore = loadAverage();
  const before = cpuSample();
  const value = await work();
  const after = cpuSample();
  return {
    value,
    load: { load_before: loadBefore, load_after: loadAverage(), cpu: cpuShares(before, after) },
  };
}
