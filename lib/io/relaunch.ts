/**
 * Starting outcore again under V8 limits. V8 sizes its heap once, at start-up, for the machine it sees (a
 * 24 GiB machine gets a heap limit of ~4 GiB and collects late); inside a 128 MiB container that is how a
 * streaming pass with 30 MiB of live data gets killed. `DENO_V8_FLAGS` is read by `deno` and by binaries
 * from `deno compile` alike, so a process whose budget wants smaller limits runs itself again with them and
 * passes on its exit code and signals, with glibc's malloc told to give memory back. The parent stays: ~14 MiB
 * of anonymous memory while it waits (measured).
 */
import { getHeapStatistics } from "node:v8";
import { readSystemFile } from "./budget.ts";

/** The child being waited for, so SIGINT/SIGTERM reach it (see `forwardSignal`). */
let child: Deno.ChildProcess | null = null;

/** Sends `signal` to a relaunched child, if any; true when there was one (the parent then waits for it). */
export function forwardSignal(signal: Deno.Signal): boolean {
  if (!child) return false;
  try {
    child.kill(signal);
  } catch { /* already gone */ }
  return true;
}

/** `--v8-flags=a,b` without the flags named in `drop` (the relaunch sets those itself). */
export function withoutFlags(arg: string, drop: readonly string[]): string | null {
  if (!arg.startsWith("--v8-flags=")) return arg;
  const kept = arg.slice("--v8-flags=".length).split(",")
    .filter((flag) => flag && !drop.some((name) => flag.startsWith(`--${name}=`)));
  return kept.length ? `--v8-flags=${kept.join(",")}` : null;
}

/**
 * Runs this very command line again with V8's old space capped at `oldSpaceMiB` and its semi-space at
 * `semiSpaceMiB`, and returns the child's exit code — or null, doing nothing, when this process already runs
 * within those limits, or cannot start a process or read its own command line (then it goes on as it is).
 */
export async function relaunchWithHeap(
  heap: { oldSpaceMiB: number; semiSpaceMiB: number },
): Promise<number | null> {
  // heap_size_limit is old space plus the young generation (3 semi-spaces); a process started with these
  // flags reports about that, so it never relaunches again.
  const limit = getHeapStatistics().heap_size_limit / (1 << 20);
  if (limit <= (heap.oldSpaceMiB + 3 * heap.semiSpaceMiB) * 1.5) return null;
  const cmdline = await readSystemFile(`/proc/${Deno.pid}/cmdline`); // not self: `cat` may read it
  if (!cmdline) return null;
  const argv = cmdline.split("\0").filter((arg, i, all) => i < all.length - 1 || arg !== "");
  const names = ["max-old-space-size", "max-semi-space-size", "initial-old-space-size"];
  const args = argv.slice(1).map((arg) => withoutFlags(arg, names)).filter((arg) => arg !== null);
  const flags = [
    `--max-old-space-size=${heap.oldSpaceMiB}`,
    `--max-semi-space-size=${heap.semiSpaceMiB}`,
    // Old space may grow to half its limit before a full collection: with a limit of its own, V8 starts the
    // old generation's budget at a few MiB and ran a full collection every ~5 MB promoted — 15-19 per worker
    // in a 256 MiB plan's filter (--trace-gc-nvp), each marking on a core the other worker needs.
    `--initial-old-space-size=${Math.floor(heap.oldSpaceMiB / 2)}`,
  ];
  let process: Deno.ChildProcess;
  try {
    process = new Deno.Command(Deno.execPath(), {
      args,
      env: {
        DENO_V8_FLAGS: flags.join(","),
        // glibc's malloc: two arenas instead of one per thread, and blocks of 256 KiB and more mapped on their
        // own, so freed batch buffers go back to the system (filter under a 128 MiB plan: peak 140 → 128 MiB).
        MALLOC_ARENA_MAX: "2",
        MALLOC_MMAP_THRESHOLD_: "262144",
        MALLOC_TRIM_THRESHOLD_: "1048576",
      },
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch {
    return null; // no --allow-run: go on unlimited
  }
  child = process;
  const status = await process.status;
  child = null;
  return status.signal ? 128 + (SIGNAL_NUMBERS[status.signal] ?? 0) : status.code;
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
