/** CLI wrapper for `outcore filter PATH --where EXPR --out OUT`. */
import { intOption, listOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatCount, formatSeconds, jsonText, plural } from "../format.ts";
import { Progress } from "../cli/progress.ts";
import { parallelFilter } from "../exercises/ex1_chunking.ts";
import { UsageError } from "../errors.ts";
import { parsePredicate } from "../ops/predicate.ts";
import { plannedWorkers, sourceOptions } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const raw = args.values.where;
  const where = (Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)]).map(parsePredicate);
  if (where.length === 0) {
    throw new UsageError("missing --where EXPR (e.g. --where 'category = Electronics')", "filter");
  }
  const out = stringOption(args, "out");
  if (!out) throw new UsageError("missing --out PATH (.parquet, or .csv for CSV)", "filter");
  const workers = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 0, max: 64 });
  const options = sourceOptions(args);
  const force = args.values.force === true;
  const planned = await plannedWorkers(args, workers, { writes: true, mainScans: "within" });
  const progress = new Progress("filter");
  let result;
  try {
    // --workers 0: the same engine, every unit in this thread.
    result = await parallelFilter(args.positionals[0], {
      ...options,
      where,
      out,
      select: listOption(args, "select"),
      force,
      workers: planned.workers,
      chunkRows: planned.chunkRows,
      rangeBytes: planned.rangeBytes,
      onProgress: (r, b, total) => progress.update(r, b, total),
    });
  } finally {
    progress.done();
  }
  {
    // With --out - the rows are on standard output: what would be printed goes to standard error.
    const say = out === "-" ? console.error : console.log;
    if (args.values.json) {
      say(jsonText({
        path: args.positionals[0],
        where: where.map((p) => `${p.column} ${p.op} ${p.value}`),
        ...result,
        memory: planned.memory,
      }));
      return;
    }
    const share = result.rows_in ? (100 * result.rows_out / result.rows_in).toFixed(1) : "0.0";
    const pruned =
      (result.files_skipped ? `, ${plural(result.files_skipped, "file")} skipped by partition` : "") +
      (result.row_groups_skipped
        ? `, ${plural(result.row_groups_skipped, "row group")} skipped by their statistics`
        : "");
    say(
      `kept ${formatCount(result.rows_out)} of ${
        formatCount(result.rows_in)
      } rows (${share}%) → ${result.out} (${result.format}${
        result.format === "parquet" ? `, ${plural(result.row_groups, "row group")}` : ""
      }${pruned}) in ${formatSeconds(result.seconds)}`,
    );
    if (result.fallback && out !== "-") console.error(`note: filtered sequentially: ${result.fallback}`);
  }
}
