/** CLI wrapper for `outcore batches PATH`: the `iter_batches` lesson. */
import { listOption, type ParsedArgs } from "../cli/args.ts";
import { formatCount, formatSeconds, formatTable, jsonText, plural } from "../format.ts";
import { iterBatches } from "../exercises/ex0_arrow.ts";
import { plannedWorkers } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const { chunkRows: batchSize, memory } = await plannedWorkers(args, 0, { chunkOption: "batch-size" });
  const result = await iterBatches(args.positionals[0], { batchSize, columns: listOption(args, "columns") });
  if (args.values.json) {
    console.log(jsonText({ ...result, memory }));
    return;
  }
  console.log(
    `${result.path}: ${formatCount(result.rows)} rows in ${
      plural(result.row_groups, "row group")
    } (from the footer)`,
  );
  console.log(`batches of up to ${formatCount(batchSize)} rows:`);
  console.log(formatTable(
    ["batch", "rows", "revenue", "running total", "RSS MiB"],
    result.batches.map((
      b,
    ) => [b.batch, b.rows, Number(b.revenue.toFixed(2)), Number(b.running_total.toFixed(2)), b.rss_mb]),
  ));
  console.log(
    `revenue = ${result.revenue}   peak RSS ${result.peak_rss_mb} MiB   ${formatSeconds(result.seconds)}`,
  );
}
