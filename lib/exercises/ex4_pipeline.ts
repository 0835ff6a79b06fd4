/**
 * Exercise 4, the pipeline: per partition, revenue = price × quantity and a price bin by right-closed
 * intervals as `pd.cut(bins=[0, 50, 200, 500, 1000])` — (0,50] low, (50,200] mid, (200,500] high,
 * (500,1000] premium, and a price outside every bin belongs to none — then, by category × price_bin, the
 * revenue sum, mean and count and the quantity sum: `agg` (exercises/agg.ts) with the lab's arguments.
 * Partitions are summarised independently (in workers) and merged exactly: sums and counts add
 * (compensated), and a mean is always merged sum ÷ merged count, never a mean of means. Sequential and
 * parallel runs merge the same partials in the same order, so they agree to the bit.
 */
import { UsageError } from "../errors.ts";
import { listFiles } from "../io/file.ts";
import type { AggSpec, GroupPartial } from "../ops/group.ts";
import { parseDerived } from "../ops/expr.ts";
import { aggFile, mergeAgg } from "./agg.ts";
import { runScanTask } from "./tasks.ts";
import { runAll } from "../engine/run.ts";
import { type Speedup, speedupOf, timeRounds, type Timing } from "../engine/measure.ts";
import type { MachineLoad } from "../io/machine.ts";

export const PRICE_BINS = [0, 50, 200, 500, 1000] as const;
export const BIN_LABELS = ["low", "mid", "high", "premium"] as const;

/** The bin index of a price (right-closed intervals), or -1 outside (0, 1000] and for NaN. */
export function priceBin(price: number): number {
  if (!(price > 0) || price > 1000) return -1;
  if (price <= 50) return 0;
  if (price <= 200) return 1;
  if (price <= 500) return 2;
  return 3;
}

/**
 * `PIPELINE_SPEC` as `outcore agg` arguments after the input path (the lab's report prints them; `bench
 * memory` and `bench parallel` run them; a test checks they give the pipeline's table).
 */
export const PIPELINE_ARGS: readonly string[] = [
  "--with",
  "revenue = price * quantity",
  "--bin",
  "price_bin = price: 0,50,200,500,1000 : low,mid,high,premium",
  "--by",
  "category,price_bin",
  "--sum",
  "revenue",
  "--mean",
  "revenue",
  "--count",
  "revenue",
  "--sum",
  "quantity",
  "--dropna",
];

/**
 * The pipeline as an aggregation — what `outcore agg PATH --with 'revenue = price * quantity' --bin
 * 'price_bin = price: 0,50,200,500,1000 : low,mid,high,premium' --by category,price_bin --sum revenue --mean
 * revenue --count revenue --sum quantity --dropna` runs.
 */
export const PIPELINE_SPEC: AggSpec = {
  derived: [parseDerived("revenue = price * quantity")],
  bins: [{ name: "price_bin", column: "price", edges: [...PRICE_BINS], labels: [...BIN_LABELS] }],
  by: ["category", "price_bin"],
  aggregates: [
    { fn: "sum", column: "revenue" },
    { fn: "mean", column: "revenue" },
    { fn: "count", column: "revenue" },
    { fn: "sum", column: "quantity" },
  ],
  dropNullKeys: true,
};

export interface PipelineRow {
  category: string;
  price_bin: string;
  revenue_sum: number;
  revenue_mean: number;
  revenue_count: number;
  quantity_sum: number;
}

/** The partial result of one Parquet file (run in a worker or the main thread). Memory: one row group. */
export async function pipelinePartial(path: string): Promise<GroupPartial> {
  return await aggFile(path, PIPELINE_SPEC);
}

/** Merges partials in the given order into the final table, sorted by category then bin. */
export function mergePipeline(partials: readonly GroupPartial[]): PipelineRow[] {
  return mergeAgg(PIPELINE_SPEC, partials).rows
    .filter((r) => (r[4] as number) > 0)
    .map(([category, price_bin, revenue_sum, revenue_mean, revenue_count, quantity_sum]) => ({
      category: category as string,
      price_bin: price_bin as string,
      revenue_sum: revenue_sum as number,
      revenue_mean: revenue_mean as number,
      revenue_count: revenue_count as number,
      quantity_sum: quantity_sum as number,
    }));
}

export interface PipelineResult {
  dir: string;
  partitions: number;
  rows: PipelineRow[];
  sequential_seconds: number;
  parallel_seconds: number;
  speedup: number;
  workers: number;
  /** Sequential and parallel tables are identical (in every run). */
  identical: boolean;
  runs: number;
  /** Medians and spread of the runs (null without a sequential run). */
  sequential: Timing | null;
  parallel: Timing;
  speedup_range: Speedup | null;
  /** The machine's load while it ran. */
  load: MachineLoad;
  /** What the timings mean, written from them. */
  explanation: string;
}

/** The Parquet files of a partition folder (part_000.parquet …), sorted. */
export async function partitionFiles(dir: string): Promise<string[]> {
  const files = await listFiles(dir, ".parquet");
  if (files.length === 0) {
    throw new UsageError(`${dir}: no .parquet files (make them with: outcore partition PATH --out ${dir})`);
  }
  return files;
}

/** The pipeline over `files` in the main thread, one after another. */
async function pipelineSequential(files: readonly string[]): Promise<PipelineRow[]> {
  const partials: GroupPartial[] = [];
  for (const f of files) partials.push(await pipelinePartial(f));
  return mergePipeline(partials);
}

/** The pipeline over `files` on `workers` workers (their start-up included). */
async function pipelineParallel(files: readonly string[], workers: number): Promise<PipelineRow[]> {
  return mergePipeline(
    await runAll<string, GroupPartial>(files, {
      local: runScanTask,
      workers,
      task: (path) => ({ type: "pipeline", path }),
      label: (path) => `pipeline of ${path}`,
    }),
  );
}

/**
 * Runs the pipeline over every file of `dir`, sequentially in the main thread and on `workers` workers,
 * `runs` rounds interleaved; times are medians, and every run's table must equal the first.
 */
export async function runPipeline(
  dir: string,
  options: { workers?: number; skipSequential?: boolean; runs?: number } = {},
): Promise<PipelineResult> {
  const { workers = navigator.hardwareConcurrency || 1, runs = 1 } = options;
  const files = await partitionFiles(dir);
  let reference: string | null = null;
  let rows: PipelineRow[] = [];
  let identical = true;
  const configs: ["sequential" | "parallel", () => Promise<PipelineRow[]>][] = [];
  if (!options.skipSequential) configs.push(["sequential", () => pipelineSequential(files)]);
  configs.push(["parallel", () => pipelineParallel(files, workers)]);
  // Imported here, not at the top: a worker loads this module for `pipelinePartial`, and io/machine.ts's
  // node:os and node:process bring in Deno's Node compatibility layer (~20 ms per isolate, measured).
  const { withLoad } = await import("../io/machine.ts");
  const { value: t, load } = await withLoad(() =>
    timeRounds(runs, configs, (_, result) => {
      const text = JSON.stringify(result);
      reference ??= text;
      rows = result;
      if (text !== reference) identical = false;
    })
  );
  const sequential = t.sequential ?? null;
  const range = sequential ? speedupOf(sequential, t.parallel) : null;
  const result = {
    dir,
    partitions: files.length,
    rows,
    sequential_seconds: sequential?.median ?? NaN,
    parallel_seconds: t.parallel.median,
    speedup: range?.median ?? NaN,
    workers,
    identical,
    runs,
    sequential,
    parallel: t.parallel,
    speedup_range: range,
    load,
  };
  return { ...result, explanation: explainPipeline(result) };
}

/** What the pipeline's timings mean, from the numbers: a busy machine, a parallel run slower than sequential. */
export function explainPipeline(r: Omit<PipelineResult, "explanation">): string {
  if (!r.sequential) return "";
  const cores = navigator.hardwareConcurrency || 1;
  const busy = r.load.cpu && r.load.cpu.others >= 0.15
    ? `The machine was busy: other processes used ${
      Math.round(r.load.cpu.others * 100)
    }% of the CPU time of its ${cores} cores meanwhile, so these timings are slower and noisier than on an idle machine. `
    : "";
  const perPartition = r.sequential.median / r.partitions;
  if (r.speedup < 1) {
    return `${busy}The parallel run was slower than the main thread alone (${
      r.speedup.toFixed(2)
    }×): each of the ${r.partitions} partitions takes only ${
      (perPartition * 1000).toFixed(0)
    } ms sequentially, less than what starting ${r.workers} workers and sending their results back costs.`;
  }
  return `${busy}${r.workers} workers ran ${
    r.speedup.toFixed(2)
  }× as fast as the main thread alone, on ${cores} cores (ideal: ${
    Math.min(r.workers, cores)
  }×); each partition takes ${(perPartition * 1000).toFixed(0)} ms sequentially.`;
}

// The notebook's names for this exercise's functions (Lab 06, Exercise 4).
export {
  mergePipeline as mergeResults,
  pipelinePartial as processPartition,
  runPipeline as runParallelPipeline,
};
