/** CLI wrapper for `outcore generate warmup|sales`. */
import { intOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatBytes, formatCount, formatSeconds, formatTable, jsonText } from "../format.ts";
import { Progress } from "../cli/progress.ts";
import { UsageError } from "../errors.ts";
import { BLOCK_ROWS, type GenerateResult, generateSales, generateWarmup } from "../exercises/generate.ts";
import { plannedWorkers } from "./_source.ts";
import { LIMITED_WRITER_WORKER_BYTES } from "../io/budget.ts";

export const DEFAULTS = {
  warmupRows: 5_000_000,
  salesRows: 20_000_000,
  seed: 42,
  warmupOut: "data/processed/sales_warmup.parquet",
  salesCsv: "data/raw/sales_large.csv",
  salesParquet: "data/processed/sales_partitioned",
};

export async function run(args: ParsedArgs): Promise<void> {
  const table = args.positionals[0];
  if (table !== "warmup" && table !== "sales") {
    throw new UsageError(`unknown table "${table}": use warmup or sales`, "generate");
  }
  const seed = intOption(args, "seed", DEFAULTS.seed, { min: 0, max: 2 ** 32 - 1 });
  const force = args.values.force === true;
  let result: GenerateResult;
  let memory: unknown;
  if (table === "warmup") {
    const rows = intOption(args, "rows", DEFAULTS.warmupRows, { min: 1 });
    for (const name of ["csv", "parquet", "no-csv", "no-parquet"]) {
      if (args.values[name] !== undefined) {
        throw new UsageError(`--${name} is for "generate sales"`, "generate");
      }
    }
    const out = stringOption(args, "out", DEFAULTS.warmupOut);
    const progress = new Progress("generate warmup", { rows });
    try {
      result = await generateWarmup({ rows, seed, out, force, onProgress: (r) => progress.update(r) });
    } finally {
      progress.done();
    }
  } else {
    const rows = intOption(args, "rows", DEFAULTS.salesRows, { min: 1 });
    if (args.values.out !== undefined) {
      throw new UsageError(`--out is for "generate warmup"; use --csv and --parquet`, "generate");
    }
    const csv = args.values["no-csv"] ? null : stringOption(args, "csv", DEFAULTS.salesCsv);
    const parquet = args.values["no-parquet"] ? null : stringOption(args, "parquet", DEFAULTS.salesParquet);
    if (csv === null && parquet === null) {
      throw new UsageError("nothing to write: both --no-csv and --no-parquet", "generate");
    }
    const requested = intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 0, max: 64 });
    const planned = await plannedWorkers(args, requested, {
      // A worker makes a whole block and sends its CSV back (~57 MB), with one more ready and one being
      // written: ~3 blocks besides the worker itself, under a limited plan.
      workerBytes: 3 * 57 * (1 << 20) + LIMITED_WRITER_WORKER_BYTES,
    });
    memory = planned.memory;
    const progress = new Progress("generate sales", { rows });
    try {
      result = await generateSales({
        rows,
        seed,
        csv,
        parquet,
        workers: planned.workers,
        // Pieces of a 1,000,000-row block: whole blocks with a large budget, smaller ones with a small one —
        // a batch's worth below 128 MiB (two batches' worth was killed in 96 MiB in 2 of 4 runs, measured).
        pieceRows: Math.min(
          BLOCK_ROWS,
          (planned.memory.budget_bytes < 128 << 20 ? 1 : 2) * planned.chunkRows,
        ),
        force,
        onProgress: (r, b) => progress.update(r, b),
      });
    } finally {
      progress.done();
    }
  }
  if (args.values.json) {
    console.log(jsonText({ table, ...result, ...(memory ? { memory } : {}) }));
    return;
  }
  const rate = result.rows / result.seconds;
  console.log(
    `generated ${table}: ${formatCount(result.rows)} rows (seed ${seed}) in ${
      formatSeconds(result.seconds)
    } — ${formatCount(rate)} rows/s`,
  );
  console.log(formatTable(
    ["output", "format", "size", "files"],
    result.outputs.map((o) => [o.path, o.format, formatBytes(o.bytes), o.files]),
  ));
}
