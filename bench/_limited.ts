/**
 * Runs outcore commands the way `deno task run` does, inside a memory cgroup (`../shared/tools/memlimit`,
 * root only) so that every run reports exit, OOM kill, time and peak RSS the same way. Shared by
 * `bench memory` and `bench scale`.
 */
import config from "../deno.json" with { type: "json" };

const here = new URL("..", import.meta.url).pathname;
export const MEMLIMIT = `${here}../shared/tools/memlimit`;

/** `deno run … main.ts` exactly as `deno task run` runs it (its permissions and V8 flags, from deno.json). */
export const OUTCORE = [
  Deno.execPath(),
  ...config.tasks.run.split(/\s+/).slice(1).map((arg) => (arg === "main.ts" ? `${here}main.ts` : arg)),
];

export interface LimitedRun {
  exit: number;
  oom_killed: boolean;
  seconds: number;
  peak_rss_mib: number;
  stdout: string;
}

/** Runs `outcore ARGS` in a cgroup of `limitMiB` (null: 64 GiB, i.e. no limit on this machine). */
export async function runLimited(limitMiB: number | null, args: string[]): Promise<LimitedRun> {
  const out = await new Deno.Command(MEMLIMIT, {
    args: [String(limitMiB ?? 65536), ...OUTCORE, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = JSON.parse(new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)!);
  return {
    exit: report.exit,
    oom_killed: report.oom_killed,
    seconds: report.seconds,
    peak_rss_mib: report.peak_rss_mib,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

/** Null when cgroups can be made here, else the reason (the benchmark then says it is skipped). */
export async function cgroupsUnavailable(): Promise<string | null> {
  const probe = await new Deno.Command(MEMLIMIT, { args: ["64", "true"], stderr: "piped" }).output().catch(
    () => null,
  );
  if (!probe) return `${MEMLIMIT} not found`;
  return probe.success ? null : new TextDecoder().decode(probe.stderr).trim().split("\n")[0];
}

/** The 1-minute load average, or "?" without permission. */
export function loadAverage(): string {
  try {
    return Deno.loadavg()[0].toFixed(2);
  } catch {
    return "?";
  }
}

/** `outcore agg` with the lab's arguments, after the input path: "agg (lab's spec)" in `bench memory` and `bench parallel`. */
export { PIPELINE_ARGS as LAB_AGG_ARGS } from "../lib/exercises/ex4_pipeline.ts";
