/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Worker: makes sales blocks for `generate sales` (CSV bytes are transferred back, Parquet parts written here). */
import { type SalesBlockTask, salesBlockTask } from "../lib/generate.ts";
import { serveTasks } from "../lib/pool.ts";

serveTasks(async (message) => {
  if (message.type !== "sales-block") throw new TypeError(`unknown task type ${message.type}`);
  const { csv, rows } = await salesBlockTask(message as unknown as SalesBlockTask);
  return { value: { csv, rows }, transfer: csv ? [csv.buffer as ArrayBuffer] : [] };
});
