/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Worker: runs the engine's tasks (lib/engine/tasks.ts) — one unit each, a small partial result back. */
import { runScanTask, type ScanTask } from "../lib/engine/tasks.ts";
import { serveTasks } from "../lib/pool.ts";

serveTasks<ScanTask>(runScanTask);
