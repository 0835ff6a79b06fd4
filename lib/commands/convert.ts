/**
 * CLI wrapper for `outcore convert IN OUT`: the filter engine with no predicate, or, with --partition-by, a
 * Hive dataset written by the workers.
 */
import { intOption, listOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatCount, formatSeconds, jsonText, plural } from "../format.ts";
import { withProgress } from "../cli/progress.ts";
import { parallelFilter } from "../exercises/ex1_chunking.ts";
import { convertToDataset } from "../exercises/convert.ts";
import { UsageError } from "../errors.ts";
import { COMPRESSIONS } from "../parquet/write.ts";
import { detectFormat } from "../sources/source.ts";
import { plannedWorkers, sourceOptions } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const [input, out] = args.positionals;
  const partitionBy = stringOption(args, "partition-by");
  if (partitionBy === undefined && out !== "-" && !/\.(parquet|csv)$/i.test(out)) {
    throw new UsageError(
      `OUT must end in .parquet or .csv, or be - (CSV to standard output), got "${out}" (a Hive dataset ` +
        `folder needs --partition-by COL)`,
      "convert",
    );
  }
  if (partitionBy !== undefined && (out === "-" || /\.(parquet|csv)$/i.test(out))) {
    throw new UsageError(
      `--partition-by writes a folder: OUT must be a folder name, got "${out}"`,
      "convert",
    );
  }
  const compression = stringOption(args, "compression", "snappy").toLowerCase();
  const codec = COMPRESSIONS[compression];
  if (!codec) {
    throw new UsageError(
      `--compression takes ${Object.keys(COMPRESSIONS).join(", ")}, got "${compression}"`,
      "convert",
    );
  }
  if (compression !== "snappy" && /\.csv$/i.test(out)) {
    throw new UsageError(`--compression is for Parquet outputs; ${out} is CSV`, "convert");
  }
  const workers = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 0, max: 64 });
  const planned = await plannedWorkers(args, workers, { chunkOption: "row-group-size", writes: true });
  const from = await detectFormat(input);
  const common = {
    ...sourceOptions(args),
    select: listOption(args, "select"),
    force: args.values.force === true,
    workers: planned.workers,
    chunkRows: planned.chunkRows,
    rangeBytes: planned.rangeBytes,
    codec,
  };
  if (partitionBy !== undefined) {
    const result = await withProgress(
      "convert",
      (progress) =>
        convertToDataset(input, {
          ...common,
          out,
          column: partitionBy,
          onProgress: (r, b, total) => progress.update(r, b, total),
        }),
    );
    if (args.values.json) {
      console.log(jsonText({
        input,
        input_format: from,
        format: "dataset",
        compression,
        ...result,
        memory: planned.memory,
      }));
      return;
    }
    const values = Object.keys(result.partitions).length;
    console.log(
      `converted ${formatCount(result.rows)} rows: ${input} (${from}) → ${out} (dataset by ${partitionBy}: ${
        plural(values, "folder")
      }, ${plural(result.files, "file")}, ${compression}) in ${formatSeconds(result.seconds)}`,
    );
    if (result.fallback) console.error(`note: converted sequentially: ${result.fallback}`);
    return;
  }
  const result = await withProgress(
    "convert",
    (progress) =>
      parallelFilter(input, {
        ...common,
        where: [],
        out,
        onProgress: (r, b, total) => progress.update(r, b, total),
      }),
  );
  const { rows_out: rows, row_groups: rowGroups, seconds, format, workers: used, fallback } = result;
  // With OUT `-` the data is on standard output: what would be printed goes to standard error.
  const say = out === "-" ? console.error : console.log;
  if (args.values.json) {
    say(jsonText({
      input,
      input_format: from,
      out,
      format,
      compression: format === "parquet" ? compression : null,
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
      format === "parquet" ? `, ${plural(rowGroups, "row group")}, ${compression}` : ""
    }) in ${formatSeconds(seconds)}`,
  );
  if (fallback && out !== "-") console.error(`note: converted sequentially: ${fallback}`);
}
