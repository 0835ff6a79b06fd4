/** CLI wrapper for `outcore agg PATH --by … --sum … --with … --bin …`. */
import { intOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatCount, formatSeconds, formatTable, jsonText, plural, ranOn } from "../format.ts";
import { withProgress } from "../cli/progress.ts";
import { UsageError } from "../errors.ts";
import {
  AGG_FUNCTIONS,
  type AggFunction,
  type Aggregate,
  type AggSpec,
  aggTableBatch,
} from "../ops/group.ts";
import { parseBin, parseDerived } from "../ops/expr.ts";
import { parsePredicate } from "../ops/predicate.ts";
import { parallelAgg } from "../exercises/agg.ts";
import { STATS_CHUNK_ROWS } from "../exercises/ex2_stats.ts";
import { checkOutput } from "../io/replace.ts";
import { openSink } from "../sources/sink.ts";
import { plannedWorkers, sourceOptions } from "./_source.ts";

/** The spec the command line asks for; aggregates in the order they were given. */
export function aggSpecOf(args: ParsedArgs): AggSpec {
  const list = (name: string) => {
    const raw = args.values[name];
    return raw === undefined ? [] : (Array.isArray(raw) ? raw : [String(raw)]);
  };
  const aggregates: Aggregate[] = [];
  for (const { name, value } of args.order) {
    if (!AGG_FUNCTIONS.includes(name as AggFunction) || value === undefined) continue;
    for (const column of value.split(",").map((s) => s.trim())) {
      if (!column) throw new UsageError(`--${name} needs a column name`, args.command);
      const a: Aggregate = {
        fn: name as AggFunction,
        column: name === "count" && column === "*" ? null : column,
      };
      if (!aggregates.some((b) => b.fn === a.fn && b.column === a.column)) aggregates.push(a);
    }
  }
  if (aggregates.length === 0) {
    throw new UsageError(
      "nothing to compute: give --count, --sum C, --mean C, --min C, --max C, --std C or --var C",
      args.command,
    );
  }
  const by = list("by").flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  return {
    by,
    derived: list("with").map(parseDerived),
    bins: list("bin").map(parseBin),
    aggregates,
    dropNullKeys: args.values.dropna === true,
    where: list("where").map(parsePredicate),
  };
}

export async function run(args: ParsedArgs): Promise<void> {
  const path = args.positionals[0];
  const spec = aggSpecOf(args);
  const out = stringOption(args, "out");
  if (out !== undefined && out !== "-" && !/\.(parquet|csv)$/i.test(out)) {
    throw new UsageError(`--out must end in .parquet or .csv, or be -, got "${out}"`, "agg");
  }
  const force = args.values.force === true;
  // Refused before minutes of reading, not after.
  if (out !== undefined && out !== "-") {
    await checkOutput(out, { kind: /\.csv$/i.test(out) ? "csv" : "parquet", force, inputs: [path] });
  }
  const workers = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 0, max: 64 });
  // Like stats: partials merge per batch, so one batch size for every budget keeps the same bits.
  const planned = await plannedWorkers(args, workers, { chunkRows: STATS_CHUNK_ROWS, mainScans: "extra" });
  const result = await withProgress("agg", (progress) =>
    parallelAgg(path, spec, {
      ...sourceOptions(args),
      workers: planned.workers,
      rangeBytes: planned.rangeBytes,
      onProgress: (rows, bytes, total) => progress.update(rows, bytes, total),
    }));
  const { table } = result;
  if (out !== undefined) {
    const batch = aggTableBatch(table, spec);
    const sink = await openSink(out, batch.schema, { force, inputs: [path] });
    try {
      await sink.write(batch);
      await sink.close();
    } catch (err) {
      await sink.abort();
      throw err;
    }
  }
  // With --out - the table is on standard output: what would be printed goes to standard error.
  const say = out === "-" ? console.error : console.log;
  const how = ranOn(result.workers, true);
  if (args.values.json) {
    say(jsonText({
      path,
      rows: result.rows,
      groups: table.rows.length,
      columns: table.columns,
      table: table.rows.map((r) => Object.fromEntries(table.columns.map((c, i) => [c, r[i]]))),
      out: out ?? null,
      units: result.units,
      workers: result.workers,
      seconds: result.seconds,
      fallback: result.fallback,
      memory: planned.memory,
    }));
  } else {
    say(
      `${path}: ${formatCount(result.rows)} rows read, ${plural(table.rows.length, "group")} ${how}, ${
        formatSeconds(result.seconds)
      }${out ? ` → ${out === "-" ? "standard output" : out}` : ""}`,
    );
    if (out === undefined) console.log(formatTable(table.columns, table.rows));
  }
  if (result.fallback) console.error(`note: read sequentially: ${result.fallback}`);
}
