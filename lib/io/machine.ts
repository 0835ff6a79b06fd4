/**
 * How busy the machine was while something was measured: the load average, and the share of all CPU time
 * that other processes used. Each returns null where the information cannot be read (no permission):
 * callers then say nothing about it, never a guess. The load average counts outcore's own work too (a step
 * with two workers raises it to ~2), so only the CPU share of *other* processes says the machine was busy.
 */
import os from "node:os";
import process from "node:process";

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

/** CPU time counters at one moment, in milliseconds. */
export interface CpuSample {
  /** All CPUs' time (every state). */
  total: number;
  /** Time spent by all CPUs doing anything but idling. */
  busy: number;
  /** This process's CPU time (all its threads, workers included). */
  self: number;
}

/** This process's CPU time so far, in milliseconds (all threads; no permission needed). */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The CPU counters now, or null without `--allow-sys=cpus`. (Not /proc/stat: with `--allow-run`, Deno
 * lets only `--allow-all` read /proc.)
 */
export function cpuSample(): CpuSample | null {
  try {
    let total = 0, idle = 0;
    for (const { times } of os.cpus()) {
      total += times.user + times.nice + times.sys + times.idle + times.irq;
      idle += times.idle;
    }
    return { total, busy: total - idle, self: processCpuMs() };
  } catch {
    return null;
  }
}

/** Between two samples: the shares of all CPU time used by other processes and by this one. */
export interface CpuShares {
  others: number;
  self: number;
}

export function cpuShares(before: CpuSample | null, after: CpuSample | null): CpuShares | null {
  if (!before || !after) return null;
  const total = after.total - before.total;
  if (total <= 0) return null;
  const self = after.self - before.self;
  const busy = after.busy - before.busy;
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return { others: clamp((busy - self) / total), self: clamp(self / total) };
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
