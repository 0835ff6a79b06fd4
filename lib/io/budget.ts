/**
 * The memory budget a command runs in, and the plan made from it. The budget is `--memory SIZE`, else
 * `OUTCORE_MEMORY`, else the limit the process really has — cgroup v2 `memory.max` or v1
 * `memory.limit_in_bytes`, found through /proc/self/cgroup — else half the machine's memory. The plan turns
 * it into a worker count: the main thread's streaming peak first, then workers while they fit.
 */
import { UsageError } from "../errors.ts";
import { plural } from "../format.ts";

const MIB = 1 << 20;

/**
 * Below this budget V8 is told its limits (see `MemoryPlan.heap`): left to itself it sizes its heap for the
 * machine (gigabytes here) and collects late, so a streaming pass that lives in ~30 MiB of heap grows until
 * a cgroup kills it.
 */
export const LIMITED_BELOW_BYTES = 1 << 30;
/**
 * What the main thread needs while it streams, and what each worker adds, for budgets of 1 GiB and more
 * (V8's own sizing, 500,000-row batches): stats 150, filter 185–205 MiB on the 20M-row CSV with
 * `--workers 0`; 2 workers add ~90–100 MiB each.
 */
export const MAIN_BYTES = 208 * MIB;
export const WORKER_MEMORY_BYTES = 100 * MIB;
/**
 * The same with V8's heap limited and 100,000–250,000-row batches (budgets below 1 GiB): stats and filter
 * complete in a 96 MiB cgroup with `--workers 0`; each worker then adds ~50–75 MiB.
 */
export const LIMITED_MAIN_BYTES = 96 * MIB;
export const LIMITED_WORKER_BYTES = 64 * MIB;
/**
 * A worker that also encodes Parquet (filter, convert, partition) needs more. 104 MiB until its reads and
 * encoding freed their own buffers (2-worker filter peaked at ~297 MiB under a 256 MiB plan then); since, a
 * 256 MiB plan's two writers complete in cgroups down to 210 MiB (filter, convert) and 240 MiB (partition).
 */
export const LIMITED_WRITER_WORKER_BYTES = 72 * MIB;
/**
 * A worker that decodes whole Parquet row groups (the pipeline: the lab's partitions are one 1.25M-row group
 * each, ~40 MB of three columns): two at 72 MiB were killed in a 230 MiB cgroup under a 256 MiB plan.
 */
export const LIMITED_ROW_GROUP_WORKER_BYTES = 104 * MIB;
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

/** How a budget is spent. Every knob a command has comes from here (an explicit option still wins). */
export interface MemoryPlan {
  /** Workers besides the main thread (at most the number asked for). */
  workers: number;
  /** Rows per batch when `--chunk-size` is not given. */
  chunkRows: number;
  /**
   * Bytes of CSV per unit of work (the engine's units; results in flight are a few of these). The same for
   * every budget: units decide how partial results merge, so the answer does not depend on the container.
   */
  rangeBytes: number;
  /**
   * V8's limits for every isolate, in MiB, or null for V8's own sizing (budgets of 1 GiB and more). Set by
   * starting outcore again with `DENO_V8_FLAGS` (lib/io/relaunch.ts): V8 takes them only at start-up.
   */
  heap: { oldSpaceMiB: number; semiSpaceMiB: number } | null;
  /**
   * Rows an in-memory benchmark may hold as JS objects (Exercise 0's row-object read), or null for all: row
   * objects take ~150 bytes of heap a row (123 and 148 measured on the warmup file); 40 % of the heap limit.
   */
  rowObjectRows: number | null;
  /** ArrayBuffer bytes outside the heap above which a full GC runs between batches (`releaseDeadBuffers`). */
  deadBufferBytes: number;
  /** Why the plan is what it is, in words. */
  reason: string;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const mib = (b: number) => `${Math.round(b / MIB)} MiB`;

/**
 * The plan for `budget` bytes when `requested` workers are asked for. Large budgets (≥ 1 GiB) keep V8's sizing
 * and the 500,000-row batches; smaller ones limit V8's heap to a quarter of the budget (24–128 MiB), batches to
 * 100,000 rows (below 192 MiB) or 250,000. Workers come after the main thread's need, while they fit (workers
 * that encode Parquet, `writes`, need more; a command whose workers hold more says so in `workerBytes`). A
 * budget too small for the main thread still gets a plan: no workers, the smallest batches (`parseSize`
 * refuses budgets below `MIN_BUDGET_BYTES`).
 */
export function memoryPlan(
  budget: number,
  requested: number,
  options: { writes?: boolean; workerBytes?: number } = {},
): MemoryPlan {
  const limited = budget < LIMITED_BELOW_BYTES;
  const main = limited ? LIMITED_MAIN_BYTES : MAIN_BYTES;
  const perWorker = !limited
    ? WORKER_MEMORY_BYTES
    : options.workerBytes !== undefined
    ? options.workerBytes
    : options.writes
    ? LIMITED_WRITER_WORKER_BYTES
    : LIMITED_WORKER_BYTES;
  const room = budget - main;
  const fit = room > 0 ? Math.floor(room / perWorker) : 0;
  const workers = Math.max(0, Math.min(requested, fit));
  const reason = workers === requested
    ? `${mib(budget)} leaves room for ${plural(requested, "worker")}`
    : room <= 0
    ? `${mib(budget)} is below the main thread's streaming need (~${mib(main)}): no workers`
    : workers === 0
    ? `${mib(budget)} leaves no room for a worker (~${mib(perWorker)}) after the main thread's ~${mib(main)}`
    : `${mib(budget)} fits ${plural(workers, "worker")} of ~${mib(perWorker)} after the main thread's ~${
      mib(main)
    }`;
  if (!limited) {
    return {
      workers,
      chunkRows: 500_000,
      rangeBytes: 32 * MIB,
      heap: null,
      rowObjectRows: null,
      deadBufferBytes: 48 * MIB,
      reason,
    };
  }
  const budgetMiB = budget / MIB;
  const oldSpaceMiB = Math.round(clamp(budgetMiB / 4, 24, 128));
  return {
    workers,
    chunkRows: budget < 192 * MIB ? 100_000 : 250_000,
    rangeBytes: 32 * MIB,
    heap: { oldSpaceMiB, semiSpaceMiB: budget < 192 * MIB ? 2 : 4 },
    rowObjectRows: Math.floor(oldSpaceMiB * MIB * 0.4 / 175),
    deadBufferBytes: Math.round(clamp(budget / 8, 12 * MIB, 48 * MIB)),
    reason: `${reason}; V8 heap limited, smaller batches`,
  };
}
