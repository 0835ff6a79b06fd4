/**
 * `outcore lab`: the whole of Lab 06 end to end — data generation (skipped when the data on disk already
 * matches the requested sizes and seed), then Exercises 0–4 in order — ending with `lab06_metrics.json`, the
 * two charts and a self-contained HTML report. Each exercise reuses the module that implements it.
 */
import config from "../../deno.json" with { type: "json" };
import {
  iterBatches,
  type IterBatchesResult,
  projectionBenchmark,
  readBenchmarkInWorker,
} from "../exercises/ex0_arrow.ts";
import {
  chunkedStats,
  describeMemory,
  memoryChart,
  type MemoryProfile,
  memoryProfile,
  parallelFilter,
} from "../exercises/ex1_chunking.ts";
import { plural, ranOn } from "../format.ts";
import { UsageError } from "../errors.ts";
import { generateSales, generateWarmup } from "../exercises/generate.ts";
import { writeTextAtomically } from "../io/atomic.ts";
import { exists } from "../io/file.ts";
import { loadAverage } from "../io/machine.ts";
import { checkOutput, OutputRefused } from "../io/replace.ts";
import { runSelfJson } from "../io/self.ts";
import { openSource } from "../sources/source.ts";
import { describeLoad, ioBenchmark, scalingBenchmark, scalingChart } from "../exercises/ex3_parallelism.ts";
import { partition } from "../exercises/ex3_partition.ts";
import { runPipeline } from "../exercises/ex4_pipeline.ts";
import { parsePredicate } from "../ops/predicate.ts";
import { keepWorkersWarm } from "../engine/run.ts";
import {
  type Budget,
  LIMITED_MAIN_BYTES,
  LIMITED_ROW_GROUP_WORKER_BYTES,
  LIMITED_WORKER_BYTES,
  LIMITED_WRITER_WORKER_BYTES,
  memoryBudget,
  memoryPlan,
} from "../io/budget.ts";
import { rssBytes } from "../io/memory.ts";
import { renderReport } from "./report.ts";
import { parallelStats, validateOnlineStats } from "../exercises/ex2_stats.ts";

export interface LabOptions {
  small?: boolean;
  /** Exercises to run (default all: 0–4). */
  exercises?: number[];
  /** Data folder (default `data`, or `data/small` with `small`). */
  data?: string;
  /** Results folder (default `results`, or `results/small` with `small`). */
  results?: string;
  workers?: number;
  /**
   * The memory budget (default: OUTCORE_MEMORY, the cgroup's limit, else half the RAM). Below 1 GiB the lab
   * plans each step inside it: workers per step, the rows the in-memory read benchmark holds, concurrent
   * reads, the largest worker count of the scaling run, and the budget of the processes it measures in.
   */
  budget?: Budget;
  seed?: number;
  /** Override the sizes (default 5M/20M, or 200k/1M with `small`). */
  warmupRows?: number;
  salesRows?: number;
  /** Repetitions of the read benchmarks (default 3, 1 with `small`) and of the timings (default 3). */
  runs?: number;
  /** Called with one line per step for the console. */
  log?: (line: string) => void;
  /** Makes the progress display for a step (the CLI's draws a line on a terminal). */
  progress?: (label: string) => StepProgress;
}

export interface LabPaths {
  warmup: string;
  csv: string;
  dataset: string;
  partitions: string;
  electronics: string;
  manifest: string;
  metrics: string;
  memoryChart: string;
  speedupChart: string;
  report: string;
}

export function labPaths(data: string, results: string): LabPaths {
  return {
    warmup: `${data}/processed/sales_warmup.parquet`,
    csv: `${data}/raw/sales_large.csv`,
    dataset: `${data}/processed/sales_partitioned`,
    partitions: `${data}/processed/partitions`,
    electronics: `${data}/processed/electronics.parquet`,
    manifest: `${data}/lab_manifest.json`,
    metrics: `${results}/lab06_metrics.json`,
    memoryChart: `${results}/memoria_chunking.svg`,
    speedupChart: `${results}/speedup_workers.svg`,
    report: `${results}/report.html`,
  };
}

/** What a lab run's data and results are made for: sizes and seed. */
export interface LabConfiguration {
  seed: number;
  warmup_rows: number;
  sales_rows: number;
}

interface Manifest extends LabConfiguration {
  outcore: string;
  partitions: number;
}

function describeConfiguration(c: LabConfiguration): string {
  return `${c.warmup_rows.toLocaleString("en-US")} warmup and ${
    c.sales_rows.toLocaleString("en-US")
  } sales rows, seed ${c.seed}`;
}

const sameConfiguration = (a: LabConfiguration, b: LabConfiguration) =>
  a.seed === b.seed && a.warmup_rows === b.warmup_rows && a.sales_rows === b.sales_rows;

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
}

function systemMemoryBytes(): number | null {
  try {
    return Deno.systemMemoryInfo().total;
  } catch {
    return null; // needs --allow-sys=systemMemoryInfo
  }
}

/**
 * Refuses, before anything is written, a data folder or results folder that holds another configuration's
 * lab (or lab-named files outcore did not write there): the lab never overwrites data of another size or seed.
 */
async function claimFolders(
  paths: LabPaths,
  config: LabConfiguration,
  folders: { data: string; results: string },
): Promise<Manifest | null> {
  const manifest = await readJson<Manifest>(paths.manifest);
  if (manifest && !sameConfiguration(manifest, config)) {
    throw new OutputRefused(
      `${folders.data}/ holds the lab's data for ${describeConfiguration(manifest)}; this run asks for ${
        describeConfiguration(config)
      }: pass --data DIR and --results DIR for it, or remove ${folders.data}/ yourself`,
    );
  }
  if (!manifest) {
    for (const path of [paths.warmup, paths.csv, paths.dataset, paths.partitions, paths.electronics]) {
      if (await exists(path)) {
        throw new OutputRefused(
          `"${path}" is there but ${paths.manifest} is not, so the lab did not write it: pass --data DIR, or move it away yourself`,
        );
      }
    }
  }
  const previous = await readJson<{ environment?: LabConfiguration & { datasets?: LabConfiguration } }>(
    paths.metrics,
  );
  const env = previous?.environment;
  if (env?.datasets && !sameConfiguration({ ...env.datasets, seed: env.seed }, config)) {
    throw new OutputRefused(
      `${folders.results}/ holds the lab's results for ${
        describeConfiguration({ ...env.datasets, seed: env.seed })
      }; this run asks for ${
        describeConfiguration(config)
      }: pass --results DIR for it, or remove ${folders.results}/ yourself`,
    );
  }
  // Results files of the lab's names that outcore did not write are refused now, not after the run.
  await checkOutput(paths.metrics, { kind: "json" });
  await checkOutput(paths.report, { kind: "html" });
  await checkOutput(paths.memoryChart, { kind: "svg" });
  await checkOutput(paths.speedupChart, { kind: "svg" });
  await checkOutput(paths.manifest, { kind: "json" });
  return manifest;
}

/** A progress display for one step (the CLI draws it on a terminal; the default draws nothing). */
export interface StepProgress {
  update(rows: number, bytes?: number, totalBytes?: number): void;
  setTotal(rows: number): void;
  done(): void;
}

const NO_PROGRESS: StepProgress = { update() {}, setTotal() {}, done() {} };

/** The data and results folders of a run: `data`/`results`, or `data/small`/`results/small` with `small`. */
export function labFolders(
  options: Pick<LabOptions, "small" | "data" | "results">,
): { data: string; results: string } {
  const { small = false } = options;
  return {
    data: options.data ?? (small ? "data/small" : "data"),
    results: options.results ?? (small ? "results/small" : "results"),
  };
}

/** Runs the lab; returns the metrics document (also written to `results/lab06_metrics.json`). */
export async function runLab(options: LabOptions = {}): Promise<Record<string, unknown>> {
  const { small = false, seed = 42, log = () => {}, progress = () => NO_PROGRESS } = options;
  const { data, results } = labFolders(options);
  const requested = options.workers ?? (navigator.hardwareConcurrency || 1);
  const budget = options.budget ?? await memoryBudget();
  const scanPlan = memoryPlan(budget.bytes, requested);
  const limited = scanPlan.heap !== null;
  // Steps that read (stats) and steps that also encode Parquet or decode whole row groups (filter, partition,
  // pipeline) or hold whole generated blocks (generate) fit different numbers of workers into one budget —
  // under a small budget, into what is left of it when the step starts (this process keeps memory that
  // earlier steps used).
  const planned = {
    read: scanPlan.workers,
    write: memoryPlan(budget.bytes, requested, { writes: true }).workers,
    rowGroups: memoryPlan(budget.bytes, requested, { workerBytes: LIMITED_ROW_GROUP_WORKER_BYTES }).workers,
  };
  /** The budget still free now, less a 32 MiB margin (this process keeps memory that earlier steps used). */
  const roomNow = () => budget.bytes - rssBytes() - 32 * 2 ** 20;
  const workersNow = (kind: "read" | "write" | "rowGroups"): number => {
    if (!limited) return planned[kind];
    const each = kind === "read"
      ? LIMITED_WORKER_BYTES
      : kind === "write"
      ? LIMITED_WRITER_WORKER_BYTES
      : LIMITED_ROW_GROUP_WORKER_BYTES;
    return Math.max(0, Math.min(planned[kind], Math.floor(roomNow() / each)));
  };
  const workers = planned.read;
  const generateWorkers = limited ? 0 : workers;
  const maxReadRows = scanPlan.rowObjectRows ?? undefined;
  /** Reads in flight that fit what is left now (a whole partition read into memory takes ~40 MB). */
  const ioConcurrencyNow = () =>
    limited ? Math.max(1, Math.min(8, Math.floor(roomNow() / (48 * 2 ** 20)))) : 8;
  /** The scaling run's largest worker count (1, 2, 4 or 8) that fits what is left now. */
  const maxScalingWorkersNow = () => {
    if (!limited) return 8;
    const fit = Math.max(1, Math.floor(roomNow() / LIMITED_WORKER_BYTES));
    let max = 8;
    while (max > fit) max /= 2;
    return max;
  };
  /**
   * Runs `outcore ARGS --json` in a fresh process for an honest measurement, with the budget less what this
   * process holds now; null when that leaves less than a streaming command needs (then the caller measures
   * here and says so) or when this process may not start one.
   */
  const measureInChild = <T>(args: string[], reads: string[]): Promise<T | null> => {
    const left = budget.bytes - (limited ? rssBytes() : 0);
    if (limited && left < LIMITED_MAIN_BYTES + 16 * 2 ** 20) {
      log(
        `  (measured in this process: the memory budget leaves ${
          Math.round(left / 2 ** 20)
        } MiB for another)`,
      );
      return Promise.resolve(null);
    }
    return runSelfJson<T>([...args, "--memory", String(left)], reads);
  };
  const plan = {
    budget_bytes: budget.bytes,
    source: budget.source,
    v8_heap: scanPlan.heap
      ? { old_space_mib: scanPlan.heap.oldSpaceMiB, semi_space_mib: scanPlan.heap.semiSpaceMiB }
      : "V8 default",
    /** At most; under a small budget each step takes what fits in what is left when it starts. */
    workers: {
      read: planned.read,
      write: planned.write,
      row_groups: planned.rowGroups,
      generate: generateWorkers,
    },
    read_benchmark_max_rows: maxReadRows ?? null,
  };
  const warmupRows = options.warmupRows ?? (small ? 200_000 : 5_000_000);
  const salesRows = options.salesRows ?? (small ? 1_000_000 : 20_000_000);
  const runs = options.runs ?? (small ? 1 : 3);
  const repeats = options.runs ?? 3;
  const exercises = options.exercises ?? [0, 1, 2, 3, 4];
  // The lab's 500,000-row chunks and batches at full size (40 chunks, 10 batches); proportionally smaller on
  // small data, so that the memory chart and the batch table still have points to show.
  const chunkRows = Math.max(10_000, Math.min(500_000, Math.floor(salesRows / 40)));
  const batchRows = Math.max(10_000, Math.min(500_000, Math.floor(warmupRows / 10)));
  for (const e of exercises) {
    if (![0, 1, 2, 3, 4].includes(e)) throw new UsageError(`--exercise takes 0 to 4, got ${e}`, "lab");
  }
  const paths = labPaths(data, results);
  const labConfig: LabConfiguration = { seed, warmup_rows: warmupRows, sales_rows: salesRows };
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverage();
  const timings: Record<string, number> = {};
  /** Runs one step with a progress line (label and time so far, and whatever the step counts). */
  const step = async <T>(name: string, label: string, work: (p: StepProgress) => Promise<T>): Promise<T> => {
    const p = progress(label);
    const t = performance.now();
    try {
      return await work(p);
    } finally {
      p.done();
      timings[name] = (performance.now() - t) / 1000;
    }
  };

  // Data: this folder must hold this configuration's data or none; generate only what is missing.
  const manifest = await claimFolders(paths, labConfig, { data, results });
  await Deno.mkdir(data, { recursive: true });
  const writeManifest = (partitions: number) =>
    writeTextAtomically(
      paths.manifest,
      JSON.stringify({ outcore: config.version, ...labConfig, partitions }, null, 2) + "\n",
      "json",
    );
  await writeManifest(manifest?.partitions ?? 0);
  const haveWarmup = await exists(paths.warmup);
  const haveSales = await exists(paths.csv) && await exists(paths.dataset);
  if (!haveWarmup) {
    log(`generating the warmup table: ${warmupRows.toLocaleString("en-US")} rows → ${paths.warmup}`);
    await step("generate_warmup", "generating the warmup table", (p) => {
      p.setTotal(warmupRows);
      return generateWarmup({
        rows: warmupRows,
        seed,
        out: paths.warmup,
        force: true,
        onProgress: (r) => p.update(r),
      });
    });
  } else log(`warmup data already there (${warmupRows.toLocaleString("en-US")} rows, seed ${seed})`);
  if (!haveSales) {
    log(
      `generating the sales table: ${
        salesRows.toLocaleString("en-US")
      } rows → ${paths.csv} and ${paths.dataset}`,
    );
    await step("generate_sales", "generating the sales table", (p) => {
      p.setTotal(salesRows);
      return generateSales({
        rows: salesRows,
        seed,
        csv: paths.csv,
        parquet: paths.dataset,
        workers: generateWorkers,
        force: true,
        onProgress: (r, b) => p.update(r, b),
      });
    });
  } else log(`sales data already there (${salesRows.toLocaleString("en-US")} rows, seed ${seed})`);
  const partitionsOk = haveSales && manifest?.partitions === 16 && await exists(paths.partitions);

  const metrics: Record<string, unknown> = {};
  const charts: { memory?: string; speedup?: string } = {};
  /** Runs one exercise and records when it ran and its own time inside its metrics. */
  const exercise = async (e: number, title: string, work: () => Promise<Record<string, unknown>>) => {
    if (!exercises.includes(e)) return;
    log(`Exercise ${e} — ${title}`);
    const t = performance.now();
    const at = new Date().toISOString();
    const value = await work();
    metrics[`exercise_${e}`] = { ...value, run: { at, seconds: (performance.now() - t) / 1000 } };
  };

  // Workers stay warm across the exercises' commands (benchmarks of worker counts start their own).
  // (Not under a small budget: idle workers hold memory the steps need.)
  const releaseWorkers = keepWorkersWarm(limited ? 0 : workers);
  try {
    await exercise(0, "Arrow in practice", async () => {
      const read = await step(
        "exercise_0.read_benchmark",
        `  read benchmark: row objects, columnar, conversion × ${runs}`,
        () => readBenchmarkInWorker(paths.warmup, { runs, maxRows: maxReadRows }),
      );
      log(
        `  columnar read ${read.speedup_columnar_vs_rows.toFixed(1)}× faster than row objects, ${
          read.memory_ratio_rows_vs_columnar.toFixed(1)
        }× less memory`,
      );
      const projection = await step(
        "exercise_0.projection",
        "  projection",
        () => projectionBenchmark(paths.warmup, { runs }),
      );
      log(
        `  projection: ${
          (projection.reduction.bytes_read * 100).toFixed(0)
        }% fewer bytes read; revenue ${projection.revenue}`,
      );
      const batches = await step("exercise_0.iter_batches", "  iter_batches", async () => {
        // In a fresh process: this process's RSS still holds what the benchmarks above allocated.
        const own = await measureInChild<IterBatchesResult>(
          ["batches", paths.warmup, "--batch-size", String(batchRows)],
          [paths.warmup],
        );
        return own
          ? { ...own, measured_in: "own process" }
          : { ...await iterBatches(paths.warmup, { batchSize: batchRows }), measured_in: "lab process" };
      });
      log(
        `  iter_batches: ${plural(batches.batches.length, "batch")} over ${
          plural(batches.row_groups, "row group")
        }, peak RSS ${batches.peak_rss_mb} MiB (${batches.measured_in})`,
      );
      return { read_benchmark: read, projection, iter_batches: batches };
    });

    let chunkedMean: number | null = null;
    await exercise(1, "chunking", async () => {
      const source = await openSource(paths.csv);
      let stats: Awaited<ReturnType<typeof chunkedStats>>;
      try {
        stats = await step("exercise_1.chunked_stats", "  chunked statistics", (p) =>
          chunkedStats(source, {
            columns: ["price"],
            chunkRows,
            onChunk: (r, b) => p.update(r, b, source.byteLength),
          }));
      } finally {
        source.close();
      }
      chunkedMean = stats.columns.price.mean;
      log(
        `  chunked stats: mean price ${stats.columns.price.mean} over ${
          stats.rows.toLocaleString("en-US")
        } rows in ${plural(stats.chunks, "chunk")}`,
      );
      const filter = await step(
        "exercise_1.filter",
        "  filter category = Electronics",
        (p) =>
          parallelFilter(paths.csv, {
            where: [parsePredicate("category = Electronics")],
            out: paths.electronics,
            force: true,
            workers: workersNow("write"),
            onProgress: (r, b, total) => p.update(r, b, total),
          }),
      );
      log(`  Electronics rows: ${filter.rows_out.toLocaleString("en-US")} → ${paths.electronics}`);
      const profile = await step("exercise_1.memory", "  memory after every chunk", async () => {
        // In a fresh process, as `outcore memory` measures it: this one holds what earlier steps allocated.
        const own = await measureInChild<MemoryProfile>(
          ["memory", paths.csv, "--column", "price", "--chunk-size", String(chunkRows), "--plot", "none"],
          [paths.csv],
        );
        if (own) return { ...own, measured_in: "own process" };
        const again = await openSource(paths.csv);
        try {
          return {
            ...await memoryProfile(again, { columns: ["price"], chunkRows }),
            measured_in: "lab process",
          };
        } finally {
          again.close();
        }
      });
      const memory = { ...profile, ...describeMemory(profile) };
      const { description } = memory;
      // The budget line when one was set (--memory, OUTCORE_MEMORY or a cgroup), not half the RAM by default.
      charts.memory = memoryChart(
        memory,
        paths.csv,
        chunkRows,
        budget.source === "system" ? null : budget.bytes,
      );
      await writeTextAtomically(paths.memoryChart, charts.memory, "svg");
      log(
        `  memory: ${memory.baseline_mb} MiB before reading, peak ${memory.peak_mb} MiB over ${
          plural(memory.rss_mb.length, "chunk")
        } (${memory.measured_in}); ${description} → ${paths.memoryChart}`,
      );
      return {
        chunked_stats: {
          ...stats.columns.price,
          rows: stats.rows,
          chunks: stats.chunks,
          seconds: stats.seconds,
        },
        electronics_rows: filter.rows_out,
        filter,
        memory,
      };
    });

    await exercise(2, "online statistics", async () => {
      const validation = await step(
        "exercise_2.validation",
        "  validation",
        () => validateOnlineStats(paths.csv, { column: "price", rows: 100_000 }),
      );
      log(
        `  validation on the first 100,000 prices: ${
          validation.passed ? "passed" : "FAILED"
        } (variance rel. error ${validation.relative_error.variance.toExponential(1)})`,
      );
      const full = await step(
        "exercise_2.full_stats",
        "  statistics of the whole dataset",
        (p) =>
          parallelStats(paths.csv, {
            columns: ["price"],
            workers: workersNow("read"),
            onProgress: (r, b, total) => p.update(r, b, total),
          }),
      );
      log(
        `  full dataset ${
          ranOn(full.workers, true)
        }: mean ${full.columns.price.mean}, std ${full.columns.price.std} in ${full.seconds.toFixed(2)} s${
          full.fallback ? ` (read sequentially: ${full.fallback})` : ""
        }`,
      );
      const mean = full.columns.price.mean;
      if (chunkedMean !== null && mean !== null && chunkedMean !== mean) {
        log(
          `  (Exercise 1's chunk-by-chunk loop gave ${chunkedMean}: relative difference ${
            (Math.abs(chunkedMean - mean) / Math.abs(mean)).toExponential(1)
          }, from merging partial results in another order; stats gives the same bits for any --workers)`,
        );
      }
      return {
        validation,
        full_stats: {
          ...full.columns.price,
          rows: full.rows,
          workers: full.workers,
          seconds: full.seconds,
          fallback: full.fallback,
        },
      };
    });

    if ((exercises.includes(3) || exercises.includes(4)) && !partitionsOk) {
      log(`partitioning ${paths.csv} into 16 parts → ${paths.partitions}`);
      await step("partition", "partitioning", (p) =>
        partition(paths.csv, {
          out: paths.partitions,
          parts: 16,
          workers: workersNow("write"),
          force: true,
          onProgress: (r, total) => {
            p.setTotal(total);
            p.update(r);
          },
        }));
      await writeManifest(16);
    }

    await exercise(3, "parallelism", async () => {
      const ioConcurrency = ioConcurrencyNow();
      const threading = await step(
        "exercise_3.threading",
        `  concurrent vs sequential reads × ${repeats}`,
        () => ioBenchmark(paths.partitions, { concurrency: ioConcurrency, runs: repeats }),
      );
      log(
        `  concurrent reads: ${threading.speedup.toFixed(2)}× vs sequential${
          spread(threading.speedup_range)
        }`,
      );
      const maxScalingWorkers = maxScalingWorkersNow();
      const scaling = await step(
        "exercise_3.scaling",
        `  heavy_process on ${
          [1, 2, 4, 8].filter((w) => w <= maxScalingWorkers).join(", ")
        } workers × ${repeats}`,
        () => scalingBenchmark(paths.partitions, { maxWorkers: maxScalingWorkers, runs: repeats }),
      );
      // The lab's multiprocessing question (4 workers against sequential) is read off the same runs as the
      // chart, so the two never disagree.
      // A small budget may not fit 4 workers: then the most it fits.
      const mp = Math.min(4, maxScalingWorkers);
      const multiprocessing = {
        files: scaling.files,
        workers: mp,
        sequential_seconds: scaling.sequential_seconds,
        parallel_seconds: scaling.seconds[mp],
        speedup: scaling.speedup[mp],
        speedup_range: scaling.speedup_range[mp],
        identical: scaling.identical,
        by_category: scaling.by_category,
        measured_in: `the ${mp}-worker runs of the scaling measurement${
          mp < 4 ? ` (the memory budget fits no more than ${plural(maxScalingWorkers, "worker")})` : ""
        }`,
      };
      log(
        `  heavy_process on ${plural(mp, "worker")}: ${multiprocessing.speedup.toFixed(2)}×${
          spread(multiprocessing.speedup_range)
        }, identical: ${multiprocessing.identical}`,
      );
      charts.speedup = scalingChart(scaling);
      await writeTextAtomically(paths.speedupChart, charts.speedup, "svg");
      log(
        `  scaling: ${
          Object.entries(scaling.speedup).map(([w, s]) => `${w}→${s.toFixed(2)}×`).join(", ")
        } (sequential ${scaling.sequential_seconds.toFixed(2)} s) → ${paths.speedupChart}`,
      );
      const busy = describeLoad(scaling.load, scaling.cores);
      if (busy) log(`  ${busy.trim()}`);
      return { threading, multiprocessing, scaling };
    });

    await exercise(4, "pipeline", async () => {
      const pipeline = await step(
        "exercise_4.pipeline",
        `  pipeline sequential and in parallel × ${repeats}`,
        () => runPipeline(paths.partitions, { workers: workersNow("rowGroups"), runs: repeats }),
      );
      log(
        `  sequential ${pipeline.sequential_seconds.toFixed(2)} s, ${plural(pipeline.workers, "worker")} ${
          pipeline.parallel_seconds.toFixed(2)
        } s: ${pipeline.speedup.toFixed(2)}×${
          pipeline.speedup_range ? spread(pipeline.speedup_range) : ""
        }, medians of ${plural(pipeline.runs, "run")}; tables identical: ${pipeline.identical}`,
      );
      return pipeline as unknown as Record<string, unknown>;
    });
  } finally {
    releaseWorkers();
  }

  // A run of some exercises keeps the others' results from an earlier run of the same configuration (each
  // carries its own `run.at` and `run.seconds`, so the report says which are older).
  const kept: number[] = [];
  if (exercises.length < 5) {
    const previous = await readJson<Record<string, unknown>>(paths.metrics);
    if (previous) {
      for (const e of [0, 1, 2, 3, 4]) {
        const key = `exercise_${e}`;
        if (!exercises.includes(e) && previous[key]) {
          metrics[key] = previous[key];
          kept.push(e);
        }
      }
    }
  }
  const ordered = Object.fromEntries(
    [0, 1, 2, 3, 4].map((e) => `exercise_${e}`).filter((k) => k in metrics).map((k) => [k, metrics[k]]),
  );
  const document = {
    environment: {
      outcore: config.version,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      os: Deno.build.os,
      arch: Deno.build.arch,
      cores: navigator.hardwareConcurrency || 1,
      memory_bytes: systemMemoryBytes(),
      memory_plan: plan,
      workers,
      seed,
      small,
      runs: { read_benchmarks: runs, timings: repeats },
      datasets: {
        warmup_rows: warmupRows,
        sales_rows: salesRows,
        partitions: 16,
        csv: paths.csv,
        csv_bytes: (await Deno.stat(paths.csv)).size,
        warmup: paths.warmup,
        dataset: paths.dataset,
      },
      exercises_run: [...exercises].sort(),
      exercises_kept: kept,
      started_at: startedAt,
      generated_at: new Date().toISOString(),
      load_before: loadBefore,
      load_after: loadAverage(),
    },
    ...ordered,
    timings: { ...timings, total_seconds: (performance.now() - started) / 1000 },
  };
  await Deno.mkdir(results, { recursive: true });
  await writeTextAtomically(paths.metrics, JSON.stringify(document, null, 2) + "\n", "json");
  // The report embeds the charts; charts not made in this run are taken from an earlier one when present.
  charts.memory ??= await Deno.readTextFile(paths.memoryChart).catch(() => undefined);
  charts.speedup ??= await Deno.readTextFile(paths.speedupChart).catch(() => undefined);
  await writeTextAtomically(paths.report, renderReport(document, charts), "html");
  log(`wrote ${paths.metrics}, ${paths.report}`);
  return document;
}

/** " (runs 1.2–1.5×)" for a speedup measured more than once, "" otherwise. */
function spread(s: { min: number; max: number }): string {
  return s.min === s.max ? "" : ` (runs ${s.min.toFixed(2)}–${s.max.toFixed(2)}×)`;
}
