/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Worker: makes sales blocks for `generate sales` (CSV bytes are transferred back, Parquet parts written here). */
import { type SalesBlockTask, salesBlockTask } from "../lib/exercises/generate.ts";
import { serveTasks } from "../lib/engine/pool.ts";
import { releaseDeadBuffers } from "../lib/io/memory.ts";

serveTasks<SalesBlockTask>(async (message) => {
  if (message.type !== "sales-block") throw new TypeError(`unknown task type ${message.type}`);
  releaseDeadBuffers(0); // the previous block's buffers: free them before making the next
  const { csv, rows } = await salesBlockTask(message);
  return { value: { csv, rows }, transfer: csv.map((piece) => piece.buffer as ArrayBuffer) };
});
