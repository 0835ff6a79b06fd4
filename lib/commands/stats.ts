/** CLI wrapper for `outcore stats PATH`. */
import { intOption, listOption, type ParsedArgs } from "../cli/args.ts";
import { formatCount, formatSeconds, formatTable, jsonText, plural, ranOn } from "../format.ts";
import { withProgress } from "../cli/progress.ts";
import {
  parallelStats,
  type ParallelStatsResult,
  STATS_CHUNK_ROWS,
  validateOnlineStats,
} from "../exercises/ex2_stats.ts";
import { plannedWorkers, sourceOptions } from "./_source.ts";
import { type ColumnDescription, describeAll, type DescribeResult } from "../exercises/describe.ts";
import { EXACT_DISTINCT } from "../ops/describe.ts";
import type { SourceOptions } from "../sources/source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const workers = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 0, max: 64 });
  const columns = listOption(args, "column");
  const path = args.positionals[0];
  const options = sourceOptions(args);
  if (args.values.validate) {
    const v = await validateOnlineStats(path, { ...options, column: columns?.[0] });
    if (args.values.json) console.log(jsonText(v));
    else {
      console.log(
        `validation of online statistics on the first ${formatCount(v.rows)} values of "${v.column}": ${
          v.passed ? "PASSED" : "FAILED"
        }`,
      );
      console.log(formatTable(
        ["", "mean", "variance", "std", "min", "max"],
        [
          ["online (Welford)", v.online.mean, v.online.variance, v.online.std, v.online.min, v.online.max],
          ["exact (two-pass)", v.exact.mean, v.exact.variance, v.exact.std, v.exact.min, v.exact.max],
          ["relative error", v.relative_error.mean, v.relative_error.variance, v.relative_error.std, "", ""],
        ],
      ));
    }
    if (!v.passed) throw new Error(`online statistics differ from the exact computation beyond 1e-9`);
    return;
  }
  // Welford partials are merged per batch: one batch size for every budget keeps the answer's last bits
  // the same in any container (and for any worker count, as units merge in order).
  const planned = await plannedWorkers(args, workers, { chunkRows: STATS_CHUNK_ROWS, mainScans: "extra" });
  if (!columns) return await describe(args, path, planned, options);
  const result: ParallelStatsResult = await withProgress("stats", (progress) =>
    parallelStats(path, {
      ...options,
      columns,
      workers: planned.workers,
      chunkRows: planned.chunkRows,
      rangeBytes: planned.rangeBytes,
      onProgress: (rows, bytes, total) => progress.update(rows, bytes, total),
    }));
  if (args.values.json) {
    console.log(jsonText({ path, ...result, memory: planned.memory }));
    return;
  }
  const how = ranOn(result.workers, true);
  console.log(
    `${path}: ${formatCount(result.rows)} rows ${how}, ${formatSeconds(result.seconds)} (${
      formatCount(result.rows / result.seconds)
    } rows/s)`,
  );
  console.log(formatTable(
    ["column", "count", "nulls", "mean", "std", "variance", "min", "max", "sum"],
    Object.entries(result.columns).map((
      [name, s],
    ) => [name, s.count, s.nulls, s.mean, s.std, s.variance, s.min, s.max, s.sum]),
  ));
  if (result.fallback) console.error(`note: read sequentially: ${result.fallback}`);
}

/** `stats PATH` without `--column`: every column, described by its kind. */
async function describe(
  args: ParsedArgs,
  path: string,
  planned: Awaited<ReturnType<typeof plannedWorkers>>,
  options: SourceOptions,
): Promise<void> {
  const result: DescribeResult = await withProgress("stats", (progress) =>
    describeAll(path, {
      ...options,
      workers: planned.workers,
      rangeBytes: planned.rangeBytes,
      onProgress: (rows, bytes, total) => progress.update(rows, bytes, total),
    }));
  if (args.values.json) {
    console.log(jsonText({ path, ...result, memory: planned.memory }));
    return;
  }
  const how = ranOn(result.workers, true);
  console.log(
    `${path}: ${formatCount(result.rows)} rows, ${
      plural(Object.keys(result.columns).length, "column")
    } ${how}, ${formatSeconds(result.seconds)}`,
  );
  const of = <K extends ColumnDescription["kind"]>(kind: K) =>
    Object.entries(result.columns).filter((e): e is [string, Extract<ColumnDescription, { kind: K }>] =>
      e[1].kind === kind
    );
  const tables: string[] = [];
  const numbers = of("number");
  if (numbers.length) {
    tables.push(formatTable(
      ["number", "count", "nulls", "mean", "std", "min", "max", "sum"],
      numbers.map(([name, s]) => [name, s.count, s.nulls, s.mean, s.std, s.min, s.max, s.sum]),
    ));
  }
  const texts = of("text");
  if (texts.length) {
    tables.push(formatTable(
      ["text", "count", "nulls", "distinct", "length", "most frequent"],
      texts.map(([name, s]) => [
        name,
        s.count,
        s.nulls,
        s.exact ? s.distinct : `≈${formatCount(s.distinct)}`,
        s.min_length === null ? "" : `${s.min_length}–${s.max_length}`,
        s.top.map((t) => `${clip(t.value)} (${s.exact ? "" : "≥"}${formatCount(t.count)})`).join(", "),
      ]),
    ));
  }
  const times = of("time");
  if (times.length) {
    tables.push(formatTable(
      ["time", "count", "nulls", "min", "max"],
      times.map(([name, s]) => [name, s.count, s.nulls, s.min ?? "", s.max ?? ""]),
    ));
  }
  const bools = of("bool");
  if (bools.length) {
    tables.push(formatTable(
      ["bool", "count", "nulls", "true", "false"],
      bools.map(([name, s]) => [name, s.count, s.nulls, s.true, s.false]),
    ));
  }
  const others = of("other");
  if (others.length) {
    tables.push(
      formatTable(["other", "count", "nulls"], others.map(([name, s]) => [name, s.count, s.nulls])),
    );
  }
  console.log(tables.join("\n\n"));
  if (texts.some(([, s]) => !s.exact)) {
    console.log(
      `≈: more than ${
        formatCount(EXACT_DISTINCT)
      } distinct values: HyperLogLog's estimate (about 0.8 % error); ≥: counts that are lower bounds`,
    );
  }
  if (result.fallback) console.error(`note: read sequentially: ${result.fallback}`);
}

/** A value cut to 24 characters for a table cell (JSON keeps it whole). */
function clip(value: string): string {
  const chars = [...value];
  return chars.length > 24 ? `${chars.slice(0, 23).join("")}…` : value;
}
