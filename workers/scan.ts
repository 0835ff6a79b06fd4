/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Worker: reads one unit (CSV byte range, Parquet row group or file) and returns a small partial result. */
import { serveTasks } from "../lib/pool.ts";
import { releaseDeadBuffers } from "../lib/io/memory.ts";
import { unitStats, type UnitStatsTask } from "../lib/stats.ts";
import { countUnit, type CountUnitTask, writePart, type WritePartTask } from "../lib/partition.ts";
import { pipelinePartial } from "../lib/pipeline.ts";
import { heavyProcess } from "../lib/parallelism.ts";
import { readBenchmark } from "../lib/arrow_practice.ts";
import { filterUnit, type FilterUnitTask } from "../lib/chunking.ts";

serveTasks(async (message) => {
  releaseDeadBuffers();
  switch (message.type) {
    case "unit-stats":
      return { value: await unitStats(message as unknown as UnitStatsTask) };
    case "count-unit":
      return { value: await countUnit(message as unknown as CountUnitTask) };
    case "write-part":
      return { value: await writePart(message as unknown as WritePartTask) };
    case "pipeline":
      return { value: await pipelinePartial(String(message.path)) };
    case "ping":
      return { value: null };
    case "heavy":
      return { value: await heavyProcess(String(message.path)) };
    case "filter-unit": {
      const result = await filterUnit(message as unknown as FilterUnitTask);
      const transfer = result.parts.map((p) => (p instanceof Uint8Array ? p : p.bytes).buffer as ArrayBuffer);
      return { value: result, transfer };
    }
    case "read-benchmark":
      return { value: await readBenchmark(String(message.path), { runs: Number(message.runs) }) };
  }
  throw new TypeError(`unknown task type ${message.type}`);
});
