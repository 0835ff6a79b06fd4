/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Worker: reads one unit (CSV byte range, Parquet row group or file) and returns a small partial result. */
import { serveTasks } from "../lib/pool.ts";
import { releaseDeadBuffers } from "../lib/io/memory.ts";
import { unitStats, type UnitStatsTask } from "../lib/stats.ts";

serveTasks(async (message) => {
  releaseDeadBuffers();
  switch (message.type) {
    case "unit-stats":
      return { value: await unitStats(message as unknown as UnitStatsTask) };
  }
  throw new TypeError(`unknown task type ${message.type}`);
});
