/**
 * The memory budget a command runs in, and the plan made from it. The budget is `--memory SIZE`, else
 * `OUTCORE_MEMORY`, else the limit the process really has — cgroup v2 `memory.max` or v1
 * `memory.limit_in_bytes`, found through /proc/self/cgroup — else half the machine's memory. The plan turns
 * it into a worker count: the main thread's streaming peak first, then workers while they fit.
 */
import { UsageError } from "../errors.ts";

const MIB = 1 << 20;

/**
 * Peak RSS of the main thread streaming the 20M-row CSV alone (stats 150, filter 185–205 MiB, measured with
 * `--workers 0` at chunk sizes from 50,000 to 500,000 rows): what a plan reserves before any worker.
 */
export const MAIN_BYTES = 208 * MIB;
/** What each worker adds to the peak (2-worker stats 291–343 MiB, filter 358–409 MiB: ~90–100 each). */
export const WORKER_MEMORY_BYTES = 100 * MIB;
/** The smallest budget outcore accepts: below it not even the runtime and one batch fit. */
export const MIN_BUDGET_BYTES = 64 * MIB;

/** Bytes of `text`: `96M`, `1G`, `512MiB`, `2g`, `1048576` (plain bytes). Throws a UsageError otherwise. */
export function parseSize(text: string, option = "--memory"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${option} takes a size such as 96M, 512M or 2G, got "${text}"`);
  const scale = { "": 1, k: 1 << 10, m: MIB, g: 1 << 30, t: 2 ** 40 }[m[2].toLowerCase() as "" | "k"];
  const bytes = Math.floor(Number(m[1]) * scale);
  if (bytes < MIN_BUDGET_BYTES) {
    throw new UsageError(`${option} ${text} is below the minimum outcore can work in, 64M`);
  }
  return bytes;
}

/** Reads a small system file, or returns null when it is absent or unreadable here. */
export type ReadFile = (path: string) => Promise<string | null>;

/**
 * The memory limit of the cgroup this process is in, in bytes, or null when there is none (or it cannot be
 * read). Handles cgroup v2 (`0::/path` → memory.max, `max` for none) and v1 (`N:memory:/path` →
 * memory.limit_in_bytes, a huge value for none).
 */
export async function cgroupLimit(read: ReadFile): Promise<number | null> {
  const own = await read("/proc/self/cgroup");
  if (own === null) return null;
  const limits: number[] = [];
  for (const line of own.split("\n")) {
    const [, controllers, path] = line.split(":");
    if (path === undefined) continue;
    const dir = path === "/" ? "" : path;
    if (controllers === "") {
      for (const file of [`/sys/fs/cgroup${dir}/memory.max`, "/sys/fs/cgroup/memory.max"]) {
        const text = (await read(file))?.trim();
        if (text && text !== "max" && /^\d+$/.test(text)) limits.push(Number(text));
        if (text) break;
      }
    } else if (controllers.split(",").includes("memory")) {
      for (
        const file of [
          `/sys/fs/cgroup/memory${dir}/memory.limit_in_bytes`,
          "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        ]
      ) {
        const text = (await read(file))?.trim();
        // v1 writes "no limit" as a page-rounded 2^63 − 1.
        if (text && /^\d+$/.test(text) && Number(text) < 2 ** 60) limits.push(Number(text));
        if (text) break;
      }
    }
  }
  return limits.length ? Math.min(...limits) : null;
}

/**
 * A system file's text. Deno refuses /proc and /sys to a process allowed to run programs (short of
 * --allow-all), so then the file is read by `cat`, which shares this process's cgroup.
 */
export const readSystemFile: ReadFile = async (path) => {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied)) return null;
  }
  try {
    const out = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
};

export interface Budget {
  bytes: number;
  source: "--memory" | "OUTCORE_MEMORY" | "cgroup" | "system";
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: as if unset
  }
}

/** The budget: the option, else the environment, else the cgroup limit, else half the machine's memory. */
export async function memoryBudget(option?: string, read: ReadFile = readSystemFile): Promise<Budget> {
  if (option !== undefined) return { bytes: parseSize(option), source: "--memory" };
  const fromEnv = env("OUTCORE_MEMORY");
  if (fromEnv) return { bytes: parseSize(fromEnv, "OUTCORE_MEMORY"), source: "OUTCORE_MEMORY" };
  const limit = await cgroupLimit(read);
  if (limit !== null) return { bytes: limit, source: "cgroup" };
  let total = 8 * 2 ** 30;
  try {
    total = Deno.systemMemoryInfo().total;
  } catch { /* no --allow-sys=systemMemoryInfo: assume a small machine */ }
  return { bytes: Math.floor(total / 2), source: "system" };
}

/** What a budget allows a command. */
export interface Plan {
  workers: number;
  /** Why the worker count is what it is, in words. */
  reason: string;
}

/**
 * The workers a budget allows (at most `requested`): the main thread's streaming peak first, then one worker
 * per `WORKER_MEMORY_BYTES` that still fits. A budget too small for the main thread alone still gets a
 * plan — 0 workers — and the command says so (it may then run slowly or not at all).
 */
export function planFor(budget: number, requested: number): Plan {
  const room = budget - MAIN_BYTES;
  const fit = room > 0 ? Math.floor(room / WORKER_MEMORY_BYTES) : 0;
  const workers = Math.max(0, Math.min(requested, fit));
  const mib = (b: number) => `${Math.round(b / MIB)} MiB`;
  const reason = workers === requested
    ? `${mib(budget)} leaves room for ${requested} worker${requested === 1 ? "" : "s"}`
    : room <= 0
    ? `${mib(budget)} is below the main thread's streaming peak (~${mib(MAIN_BYTES)}): no workers`
    : `${mib(budget)} fits ${workers} worker${workers === 1 ? "" : "s"} of ~${
      mib(WORKER_MEMORY_BYTES)
    } after the main thread's ~${mib(MAIN_BYTES)}`;
  return { workers, reason };
}
