/**
 * A small pool of module workers with bounded concurrency. Messages are a union on `type`; bulk data moves as
 * transferred ArrayBuffers. An error inside a worker rejects the task that caused it, naming the task; the pool
 * always terminates its workers in `close()`, so the process never hangs on a live worker.
 */

/** What a worker sends back for task `id`. */
export type WorkerReply<T> =
  | { type: "result"; id: number; value: T }
  | { type: "error"; id: number; message: string };

interface Task<M> {
  id: number;
  label: string;
  message: M;
  transfer: Transferable[];
  /** May be given to a worker that is running another task, to run next (see `run`). */
  ahead: boolean;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** A worker's messages: a union discriminated on `type` (e.g. `ScanTask`), checked at both ends. */
export type TaskMessage = { type: string };

/** Pools not yet closed, so an interrupted process can stop every worker before cleaning up. */
const openPools = new Set<{ close(): void }>();

/**
 * Terminates the workers of every open pool (on SIGINT/SIGTERM: a worker still writing into a temporary
 * output would otherwise recreate what the cleanup removes).
 */
export function closeAllPools(): void {
  for (const pool of [...openPools]) pool.close();
}

/** Runs tasks on up to `size` workers started from `url` (a `new URL("../../workers/x.ts", import.meta.url)`). */

export class WorkerPool<M extends TaskMessage = TaskMessage & Record<string, unknown>> {
  readonly size: number;
  #url: URL;
  #all: Worker[] = [];
  /** Each worker's tasks given and not yet answered, oldest first (the order it answers them in). */
  #given = new Map<Worker, Task<M>[]>();
  #queue: Task<M>[] = [];
  #nextId = 0;
  #closed = false;

  constructor(url: URL, size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`worker count must be a positive integer, got ${size}`);
    }
    this.#url = url;
    this.size = size;
    openPools.add(this);
  }

  /**
   * Runs one task; resolves with the worker's result, rejects with `task <label> failed: …`. `ahead`: when no
   * worker is free, it may be given to one running a single task, which runs it next (`serveTasks`) without
   * waiting for this thread to hand it over — which this thread does only between its own awaits.
   */
  run<T>(label: string, message: M, transfer: Transferable[] = [], ahead = false): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`task ${label}: the worker pool is closed`));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        id: this.#nextId++,
        label,
        message,
        transfer,
        ahead,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length) {
      // A free worker, else a new one while there is room, else (a task that may wait in a worker) one running
      // a single task; tasks are given in the order they came.
      const load = (w: Worker) => this.#given.get(w)!.length;
      let worker = this.#all.find((w) => load(w) === 0);
      if (!worker && this.#all.length < this.size) worker = this.#start();
      if (!worker && this.#queue[0].ahead) worker = this.#all.find((w) => load(w) === 1);
      if (!worker) return;
      const task = this.#queue.shift()!;
      this.#given.get(worker)!.push(task);
      worker.postMessage({ ...task.message, id: task.id }, task.transfer);
    }
  }

  #start(): Worker {
    const worker = new Worker(this.#url, { type: "module" });
    worker.onmessage = (event: MessageEvent<WorkerReply<unknown>>) => {
      const given = this.#given.get(worker);
      const reply = event.data;
      if (!given || given[0]?.id !== reply.id) return;
      const task = given.shift()!;
      if (reply.type === "result") task.resolve(reply.value);
      else task.reject(new Error(`task ${task.label} failed: ${reply.message}`));
      this.#dispatch();
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const given = this.#given.get(worker) ?? [];
      this.#given.delete(worker);
      this.#all = this.#all.filter((w) => w !== worker);
      worker.terminate();
      for (const task of given) {
        task.reject(new Error(`task ${task.label} failed: worker crashed: ${event.message}`));
      }
      this.#dispatch();
    };
    this.#all.push(worker);
    this.#given.set(worker, []);
    return worker;
  }

  /** Terminates every worker and rejects queued tasks. Safe to call more than once. */
  close(): void {
    this.#closed = true;
    openPools.delete(this);
    for (const task of this.#queue) task.reject(new Error(`task ${task.label}: cancelled`));
    this.#queue = [];
    for (const worker of this.#all) worker.terminate();
    this.#all = [];
    this.#given.clear();
  }
}

/**
 * The worker side: answers each `{ type, id, ... }` message with the handler's result (and its transfer list)
 * or with the error's message, one message at a time in the order they came (a task given `ahead` comes
 * before the one running is answered).
 */
export function serveTasks<M extends { type: string }>(
  handler: (message: M) => Promise<{ value: unknown; transfer?: Transferable[] }>,
): void {
  const scope = self as unknown as {
    onmessage: ((e: MessageEvent) => void) | null;
    postMessage(message: unknown, transfer?: Transferable[]): void;
  };
  const serve = async (message: M & { id: number }) => {
    const { id } = message;
    try {
      const { value, transfer = [] } = await handler(message);
      scope.postMessage({ type: "result", id, value }, transfer);
    } catch (err) {
      scope.postMessage({ type: "error", id, message: err instanceof Error ? err.message : String(err) });
    }
  };
  let turn = Promise.resolve();
  scope.onmessage = (event: MessageEvent) => {
    turn = turn.then(() => serve(event.data));
  };
}
