/** CLI wrapper for `outcore convert IN OUT`: the filter engine with no predicate. */
import { intOption, listOption, type ParsedArgs } from "../cli/args.ts";
import { formatCount, formatSeconds, jsonText, plural } from "../format.ts";
import { Progress } from "../cli/progress.ts";
import { parallelFilter } from "../exercises/ex1_chunking.ts";
import { UsageError } from "../errors.ts";
import { detectFormat } from "../sources/source.ts";
import { plannedWorkers, sourceOptions } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const [input, out] = args.positionals;
  if (out !== "-" && !/\.(parquet|csv)$/i.test(out)) {
    throw new UsageError(
      `OUT must end in .parquet or .csv, or be - (CSV to standard output), got "${out}" (a Hive dataset, ` +
        `--partition-by, is not written yet)`,
      "convert",
    );
  }
  const workers = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 0, max: 64 });
  const planned = await plannedWorkers(args, workers, { chunkOption: "row-group-size", writes: true });
  const from = await detectFormat(input);
  const progress = new Progress("convert");
  let result;
  try {
    result = await parallelFilter(input, {
      ...sourceOptions(args),
      where: [],
      out,
      select: listOption(args, "select"),
      force: args.values.force === true,
      workers: planned.workers,
      chunkRows: planned.chunkRows,
      rangeBytes: planned.rangeBytes,
      onProgress: (r, b, total) => progress.update(r, b, total),
    });
  } finally {
    progress.done();
  }
  const { rows_out: rows, row_groups: rowGroups, seconds, format, workers: used, fallback } = result;
  // With OUT `-` the data is on standard output: what would be printed goes to standard error.
  const say = out === "-" ? console.error : console.log;
  if (args.values.json) {
    say(jsonText({
      input,
      input_format: from,
      out,
      format,
      rows,
      row_groups: format === "parquet" ? rowGroups : null,
      seconds,
      workers: used,
      fallback,
      memory: planned.memory,
    }));
    return;
  }
  say(
    `converted ${formatCount(rows)} rows: ${input} (${from}) → ${out} (${format}${
      format === "parquet" ? `, ${plural(rowGroups, "row group")}` : ""
    }) in ${formatSeconds(seconds)}`,
  );
  if (fallback && out !== "-") console.error(`note: converted sequentially: ${fallback}`);
}
