/**
 * The messages a scan worker (`workers/scan.ts`) takes: one discriminated union, checked by the compiler at
 * both ends. Types only — importing this module loads no code, so a worker loads a task family's modules
 * only when its first task of that family arrives.
 */
import type { FilterUnitTask } from "./chunking.ts";
import type { CountUnitTask, WritePartTask } from "./partition.ts";
import type { UnitStatsTask } from "./stats.ts";

export type ScanTask =
  | UnitStatsTask
  | CountUnitTask
  | WritePartTask
  | FilterUnitTask
  | { type: "pipeline"; path: string }
  | { type: "heavy"; path: string }
  | { type: "read-benchmark"; path: string; runs: number }
  | { type: "ping" };
