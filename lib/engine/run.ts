/**
 * The one engine every parallel command runs on. A plan is a list of units (CSV byte ranges, row groups,
 * files — lib/engine/units.ts); a command gives the task message for each unit; the engine runs the tasks on up
 * to `workers` scan workers, or in this thread with 0 workers (the same task code: exercises/tasks.ts), and
 * hands results back in unit order, so that merging them in that order gives the same answer for any
 * worker count. At most `window` results are in flight (a worker each, plus ones ready to hand back), which
 * bounds memory for commands that stream their results (the parallel filter).
 */
import { type TaskMessage, WorkerPool } from "./pool.ts";
import type { ScanTask, TaskReply } from "../exercises/tasks.ts";

const SCAN_WORKER = new URL("../../workers/scan.ts", import.meta.url);

export interface EngineOptions<U, M extends TaskMessage = ScanTask> {
  /** Worker count (0: run every unit in this thread). More workers than units are never started. */
  workers: number;
  /** The task for unit `i`. */
  task: (unit: U, index: number) => M;
  /** The worker module (default the scan worker, workers/scan.ts). */
  worker?: URL;
  /**
   * Runs a task in this thread (with 0 workers): the same function the scan worker runs (exercises/tasks.ts),
   * given by the caller so the engine stays below the exercises it runs.
   */
  local: (task: M) => Promise<TaskReply>;
  /** The unit as error messages name it (`stats of sales.csv bytes 0–33554432`). */
  label: (unit: U, index: number) => string;
  /** Results in flight at most (default: workers + 1). */
  window?: number;
  /**
   * Bytes a unit reads. Given, the engine decides how many workers the input deserves (`workers` is then a
   * maximum): one per `WORKER_BYTES` of input, and none rather than one — a lone worker only adds its
   * start-up while this thread waits. Benchmarks that measure a worker count give none.
   */
  bytes?: (unit: U) => number;
  /** Input bytes per worker (default `WORKER_BYTES`; tests lower it to run small inputs on workers). */
  workerBytes?: number;
  /**
   * This thread scans units too, as one of the `workers`. With 2 workers that is this thread and one worker
   * thread instead of two worker threads while this one waits: the same speed on 2 cores (20M-row CSV, 5
   * interleaved rounds: stats 1.39–1.46 s against 1.41–1.55), an isolate less (peak 115–135 against 135–169
   * MiB), and a second scanner where the budget fits one worker. With `runOrdered`, this thread also takes
   * each result (the filter appends its row groups) between the awaits of its own unit.
   */
  mainScans?: boolean;
}

/**
 * Input bytes that justify a worker: a worker costs ~0.2 s to start and load its modules, what the main
 * thread reads of CSV in ~0.25 s (measured: 1M-row CSV of 46 MiB 0.48 s alone vs 0.65 s on 2 workers).
 */
export const WORKER_BYTES = 64 << 20;

/** The workers an input of `units` units (of `totalBytes`, when known) gets when `requested` are asked for. */
export function workersFor(
  units: number,
  requested: number,
  totalBytes?: number,
  workerBytes = WORKER_BYTES,
): number {
  if (requested <= 0) return 0;
  let workers = Math.max(1, Math.min(requested, units));
  if (totalBytes !== undefined && workerBytes > 0) {
    workers = Math.min(workers, Math.floor(totalBytes / workerBytes));
    if (workers < 2) workers = 0;
  }
  return workers;
}

/** The workers `options` get for `units`. */
function workersOf<U, M extends TaskMessage>(units: readonly U[], options: EngineOptions<U, M>): number {
  const total = options.bytes ? units.reduce((s, u) => s + options.bytes!(u), 0) : undefined;
  return workersFor(units.length, options.workers, total, options.workerBytes);
}

/** Scan workers kept warm between commands (the lab's phases), or null. */
let warm: WorkerPool<ScanTask> | null = null;

/**
 * Keeps `workers` scan workers alive for the commands run until the returned function is called, so that
 * the lab's phases do not each start (and load modules into) fresh workers. Benchmarks of a worker count
 * (no `bytes` given) still start their own, since start-up is part of what they measure.
 */
export function keepWorkersWarm(workers: number): () => void {
  warm?.close();
  warm = workers > 0 ? new WorkerPool<ScanTask>(SCAN_WORKER, workers) : null;
  return () => {
    warm?.close();
    warm = null;
  };
}

/**
 * Runs `units` and yields each result in unit order as soon as it and every earlier one are done. Memory:
 * at most `window` results held. Workers are terminated when the generator ends, however it ends.
 */
export async function* runOrdered<U, R, M extends TaskMessage = ScanTask>(
  units: readonly U[],
  options: EngineOptions<U, M>,
): AsyncGenerator<R> {
  const workers = workersOf(units, options);
  if (workers === 0) {
    for (const [i, unit] of units.entries()) yield (await options.local(options.task(unit, i))).value as R;
    return;
  }
  if (options.mainScans && workers >= 2) {
    yield* withMainLane<U, R, M>(units, options);
    return;
  }
  const { pool, shared } = poolFor(workers, options);
  const window = options.window ?? workers + 1;
  const running: Promise<R>[] = [];
  const launch = (i: number) => {
    running[i] = pool.run<R>(options.label(units[i], i), options.task(units[i], i));
    running[i].catch(() => {}); // awaited in order below; no unhandled rejection meanwhile
  };
  try {
    for (let i = 0; i < Math.min(window, units.length); i++) launch(i);
    for (let i = 0; i < units.length; i++) {
      const result = await running[i];
      delete running[i];
      if (i + window < units.length) launch(i + window);
      yield result;
    }
  } finally {
    if (!shared) pool.close();
  }
}

/**
 * The pool `workers` worker threads come from: the warm one (`keepWorkersWarm`) when it is the scan worker's and
 * big enough — shared, so not closed after — else a fresh one.
 */
function poolFor<U, M extends TaskMessage>(
  workers: number,
  options: EngineOptions<U, M>,
): { pool: WorkerPool<M>; shared: boolean } {
  const shared = warm !== null && options.bytes !== undefined && options.worker === undefined &&
    warm.size >= workers;
  const pool = shared
    ? warm as unknown as WorkerPool<M> // shared only for the scan worker, whose messages M are ScanTask
    : new WorkerPool<M>(options.worker ?? SCAN_WORKER, workers);
  return { pool, shared };
}

/** Runs `units` and returns every result, in unit order (for results small enough to hold together). */
export async function runAll<U, R, M extends TaskMessage = ScanTask>(
  units: readonly U[],
  options: EngineOptions<U, M> & { onResult?: (result: R, index: number) => void },
): Promise<R[]> {
  const out: R[] = [];
  for await (const result of runOrdered<U, R, M>(units, { window: units.length, ...options })) {
    options.onResult?.(result, out.length);
    out.push(result);
  }
  return out;
}

/**
 * `runOrdered` with this thread as one of the workers (`mainScans`): each lane — this thread, and one per
 * worker thread — takes the next unit as it becomes free, so the units are the same and the results come
 * back in unit order as before; only who ran a unit differs. A lane takes a unit only while fewer than
 * `window` are taken and not yet handed back, so at most `window` results are held besides the caller's. A
 * unit that fails stops the lanes taking more, and its error is thrown where its result would have been
 * yielded (units before it still finish first). Each worker has two lanes, its units given `ahead`: this
 * thread hands a worker its next unit only between the awaits of its own, and a filter's unit encodes a row
 * group for ~0.1 s without one, so a worker given one unit at a time waited for it (`convert` of the 20M-row
 * CSV: the worker idle ~40 % of the time, traced).
 */
async function* withMainLane<U, R, M extends TaskMessage>(
  units: readonly U[],
  options: EngineOptions<U, M>,
): AsyncGenerator<R> {
  const workers = workersOf(units, options) - 1;
  const window = options.window ?? 2 * workers + 2;
  const { pool, shared } = poolFor(workers, options);
  const outcomes: ({ value: R } | { error: unknown } | undefined)[] = new Array(units.length);
  let next = 0;
  let handedBack = 0;
  let failed = false;
  // Woken when a unit ends (the consumer waits for one) or a result is handed back (a lane waits for room).
  let wakeConsumer: () => void = () => {};
  let wakeLanes: () => void = () => {};
  let room: Promise<void> = new Promise((resolve) => wakeLanes = resolve);
  const lane = async (run: (i: number) => Promise<R>, ahead = false) => {
    while (next < units.length && !failed) {
      // A worker's unit given ahead waits for the one it runs: not for the last units, which would then
      // wait while another lane has nothing left to do.
      if (ahead && units.length - next <= workers + 1) return;
      if (next >= handedBack + window) {
        await room;
        continue;
      }
      const i = next++;
      try {
        outcomes[i] = { value: await run(i) };
      } catch (error) {
        outcomes[i] = { error };
        failed = true;
      }
      wakeConsumer();
    }
  };
  const lanes = [
    lane(async (i) => (await options.local(options.task(units[i], i))).value as R),
    ...Array.from(
      { length: 2 * workers },
      (_, k) =>
        lane(
          (i) => pool.run<R>(options.label(units[i], i), options.task(units[i], i), [], true),
          k >= workers,
        ),
    ),
  ];
  try {
    for (let i = 0; i < units.length; i++) {
      while (outcomes[i] === undefined) await new Promise<void>((resolve) => wakeConsumer = resolve);
      const outcome = outcomes[i]!;
      outcomes[i] = undefined;
      if ("error" in outcome) throw outcome.error;
      handedBack = i + 1;
      const woken = wakeLanes;
      room = new Promise((resolve) => wakeLanes = resolve);
      woken();
      yield outcome.value;
    }
  } finally {
    failed = true; // no lane takes another unit
    wakeLanes(); // lanes waiting for room see it and stop
    await Promise.allSettled(lanes); // this thread's own unit ends before the caller goes on
    if (!shared) pool.close();
  }
}
