/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Worker: reads one unit (CSV byte range, Parquet row group or file) and returns a small partial result.
 * Each task family's modules are imported on its first task (string literals, so `deno compile` embeds
 * them): an idle worker holds only this file and the pool's message loop.
 */
import { serveTasks } from "../lib/pool.ts";
import type { ScanTask } from "../lib/scan_tasks.ts";

serveTasks<ScanTask>(async (task) => {
  const { releaseDeadBuffers } = await import("../lib/io/memory.ts");
  releaseDeadBuffers();
  switch (task.type) {
    case "ping":
      return { value: null };
    case "unit-stats": {
      const { unitStats } = await import("../lib/stats.ts");
      return { value: await unitStats(task) };
    }
    case "count-unit": {
      const { countUnit } = await import("../lib/partition.ts");
      return { value: await countUnit(task) };
    }
    case "write-part": {
      const { writePart } = await import("../lib/partition.ts");
      return { value: await writePart(task) };
    }
    case "pipeline": {
      const { pipelinePartial } = await import("../lib/pipeline.ts");
      return { value: await pipelinePartial(task.path) };
    }
    case "heavy": {
      const { heavyProcess } = await import("../lib/parallelism.ts");
      return { value: await heavyProcess(task.path) };
    }
    case "filter-unit": {
      const { filterUnit } = await import("../lib/chunking.ts");
      const result = await filterUnit(task);
      const transfer = result.parts.map((p) => (p instanceof Uint8Array ? p : p.bytes).buffer as ArrayBuffer);
      if (result.tail) transfer.push(result.tail.buffer as ArrayBuffer);
      return { value: result, transfer };
    }
    case "read-benchmark": {
      const { readBenchmark } = await import("../lib/arrow_practice.ts");
      return { value: await readBenchmark(task.path, { runs: task.runs }) };
    }
  }
});
