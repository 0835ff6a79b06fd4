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
  #idle: Worker[] = [];
  #all: Worker[] = [];
  #busy = new Map<Worker, Task<M>>();
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

  /** Runs one task; resolves with the worker's result, rejects with `task <label> failed: …`. */
  run<T>(label: string, message: M, transfer: Transferable[] = []): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`task ${label}: the worker pool is closed`));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        id: this.#nextId++,
        label,
        message,
        transfer,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length) {
      let worker = this.#idle.pop();
      if (!worker) {
        if (this.#all.length >= this.size) return;
        worker = this.#start();
      }
      const task = this.#queue.shift()!;
      this.#busy.set(worker, task);
      worker.postMessage({ ...task.message, id: task.id }, task.transfer);
    }
  }

  #start(): Worker {
    const worker = new Worker(this.#url, { type: "module" });
    worker.onmessage = (event: MessageEvent<WorkerReply<unknown>>) => {
      const task = this.#busy.get(worker);
      if (!task) return;
      this.#busy.delete(worker);
      const reply = event.data;
      if (reply.type === "result") task.resolve(reply.value);
      else task.reject(new Error(`task ${task.label} failed: ${reply.message}`));
      this.#idle.push(worker);
      this.#dispatch();
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const task = this.#busy.get(worker);
      this.#busy.delete(worker);
      this.#all = this.#all.filter((w) => w !== worker);
      worker.terminate();
      task?.reject(new Error(`task ${task.label} failed: worker crashed: ${event.message}`));
      this.#dispatch();
    };
    this.#all.push(worker);
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
    this.#idle = [];
    this.#busy.clear();
  }
}

/**
 * The worker side: answers each `{ type, id, ... }` message with the handler's result (and its transfer list)
 * or with the error's message.
 */
export function serveTasks<M extends { type: string }>(
  handler: (message: M) => Promise<{ value: unknown; transfer?: Transferable[] }>,
): void {
  const scope = self as unknown as {
    onmessage: ((e: MessageEvent) => void) | null;
    postMessage(message: unknown, transfer?: Transferable[]): void;
  };
  scope.onmessage = async (event: MessageEvent) => {
    const { id } = event.data;
    try {
      const { value, transfer = [] } = await handler(event.data);
      scope.postMessage({ type: "result", id, value }, transfer);
    } catch (err) {
      scope.postMessage({ type: "error", id, message: err instanceof Error ? err.message : String(err) });
    }
  };
}
