/**
 * The engine's tasks: the messages a scan worker takes (one discriminated union, checked by the compiler at
 * both ends) and `runScanTask`, which runs one — in a worker (`workers/scan.ts`) or, with 0 workers, in this
 * thread: the same code either way. Each task family's modules are imported on its first task, so a worker
 * loads only what its tasks need (string literals, so `deno compile` embeds them).
 */
import type { FilterUnitTask } from "./ex1_chunking.ts";
import type { CountUnitTask, WritePartTask } from "./ex3_partition.ts";
import type { UnitStatsTask } from "./ex2_stats.ts";
import type { AggUnitTask } from "./agg.ts";
import type { HiveUnitTask } from "./convert.ts";
import type { DescribeUnitTask } from "./describe.ts";

export type ScanTask =
  | UnitStatsTask
  | CountUnitTask
  | WritePartTask
  | FilterUnitTask
  | AggUnitTask
  | HiveUnitTask
  | DescribeUnitTask
  | { type: "pipeline"; path: string }
  | { type: "heavy"; path: string }
  | { type: "read-benchmark"; path: string; runs: number; maxRows?: number }
  | { type: "ping" };

/** A task's result and the buffers to transfer back with it. */
export interface TaskReply {
  value: unknown;
  transfer?: Transferable[];
}

/** Runs one task (in whichever thread calls it). */
export async function runScanTask(task: ScanTask): Promise<TaskReply> {
  const { releaseDeadBuffers } = await import("../io/memory.ts");
  releaseDeadBuffers();
  switch (task.type) {
    case "ping":
      return { value: null };
    case "unit-stats": {
      const { unitStats } = await import("./ex2_stats.ts");
      return { value: await unitStats(task) };
    }
    case "count-unit": {
      const { countUnit } = await import("./ex3_partition.ts");
      return { value: await countUnit(task) };
    }
    case "write-part": {
      const { writePart } = await import("./ex3_partition.ts");
      return { value: await writePart(task) };
    }
    case "agg-unit": {
      const { aggUnit } = await import("./agg.ts");
      const result = await aggUnit(task);
      return {
        value: result,
        transfer: [result.partial.rows.buffer as ArrayBuffer, result.partial.state.buffer as ArrayBuffer],
      };
    }
    case "describe-unit": {
      const { describeUnitTask } = await import("./describe.ts");
      return { value: await describeUnitTask(task) };
    }
    case "hive-unit": {
      const { hiveUnit } = await import("./convert.ts");
      return { value: await hiveUnit(task) };
    }
    case "pipeline": {
      const { pipelinePartial } = await import("./ex4_pipeline.ts");
      return { value: await pipelinePartial(task.path) };
    }
    case "heavy": {
      const { heavyProcess } = await import("./ex3_parallelism.ts");
      return { value: await heavyProcess(task.path) };
    }
    case "filter-unit": {
      const { filterUnit } = await import("./ex1_chunking.ts");
      const result = await filterUnit(task);
      const transfer = result.parts.flatMap((p) => (p instanceof Uint8Array ? [p] : p.blocks))
        .map((bytes) => bytes.buffer as ArrayBuffer);
      if (result.tail) transfer.push(result.tail.buffer as ArrayBuffer);
      return { value: result, transfer };
    }
    case "read-benchmark": {
      const { readBenchmark } = await import("./ex0_arrow.ts");
      return { value: await readBenchmark(task.path, { runs: task.runs, maxRows: task.maxRows }) };
    }
  }
}
