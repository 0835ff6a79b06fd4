/** CLI wrapper for `outcore partition PATH --parts 16 --out DIR`. */
import { intOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatCount, formatSeconds, formatTable, jsonText, plural } from "../format.ts";
import { Progress } from "../cli/progress.ts";
import { partition } from "../exercises/ex3_partition.ts";
import { plannedWorkers, sourceOptions } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const parts = intOption(args, "parts", 16, { min: 1, max: 10_000 });
  const workers = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 0, max: 64 });
  const planned = await plannedWorkers(args, workers, { writes: true });
  const out = stringOption(args, "out", "data/processed/partitions");
  const progress = new Progress("partition");
  let result;
  try {
    result = await partition(args.positionals[0], {
      ...sourceOptions(args),
      parts,
      out,
      workers: planned.workers,
      chunkRows: planned.chunkRows,
      force: args.values.force === true,
      onProgress: (rows, total) => {
        progress.setTotal(total);
        progress.update(rows);
      },
    });
  } finally {
    progress.done();
  }
  if (args.values.json) {
    console.log(jsonText({ ...result, memory: planned.memory }));
    return;
  }
  const rows = result.parts.map((p) => p.rows);
  console.log(
    `wrote ${result.parts.length} parts of ${formatCount(Math.min(...rows))}–${
      formatCount(Math.max(...rows))
    } rows (${formatCount(result.rows)} in all) to ${result.out} with ${
      plural(result.workers, "worker")
    } in ${formatSeconds(result.seconds)}`,
  );
  console.log(formatTable(["part", "rows"], result.parts.map((p) => [p.path, p.rows])));
}
