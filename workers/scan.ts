/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Worker: runs the engine's tasks (lib/exercises/tasks.ts) — one unit each, a small partial result back. */
import { runScanTask, type ScanTask } from "../lib/exercises/tasks.ts";
import { serveTasks } from "../lib/engine/pool.ts";

serveTasks<ScanTask>(runScanTask);
