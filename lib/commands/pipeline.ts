/** CLI wrapper for `outcore pipeline DIR` (Exercise 4). */
import { intOption, type ParsedArgs } from "../cli/args.ts";
import { formatSeconds, formatTable, jsonText, plural } from "../format.ts";
import { runPipeline } from "../exercises/ex4_pipeline.ts";
import { plannedWorkers } from "./_source.ts";
import { LIMITED_ROW_GROUP_WORKER_BYTES } from "../io/budget.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const requested = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 1, max: 64 });
  // Its workers decode whole row groups of three columns (measured: 2 workers killed in 256 MiB with the
  // reading workers' ~64 MiB each).
  const planned = await plannedWorkers(args, requested, { workerBytes: LIMITED_ROW_GROUP_WORKER_BYTES });
  const result = await runPipeline(args.positionals[0], { workers: planned.workers });
  if (args.values.json) {
    console.log(jsonText({ ...result, memory: planned.memory }));
  } else {
    console.log(`${result.dir}: ${result.partitions} partitions; revenue by category × price bin`);
    console.log(formatTable(
      ["category", "price_bin", "revenue_sum", "revenue_mean", "revenue_count", "quantity_sum"],
      result.rows.map((
        r,
      ) => [
        r.category,
        r.price_bin,
        Number(r.revenue_sum.toFixed(2)),
        Number(r.revenue_mean.toFixed(4)),
        r.revenue_count,
        r.quantity_sum,
      ]),
    ));
    console.log(
      `sequential ${formatSeconds(result.sequential_seconds)}, ${plural(result.workers, "worker")} ${
        formatSeconds(result.parallel_seconds)
      }: speedup ${result.speedup.toFixed(2)}×; results ${result.identical ? "identical" : "DIFFERENT"}`,
    );
    if (result.explanation) console.log(result.explanation);
  }
  if (!result.identical) throw new Error("sequential and parallel pipeline results differ");
}
