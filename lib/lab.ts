/**
 * `outcore lab`: the whole of Lab 06 end to end — data generation (skipped when the data on disk already
 * matches the requested sizes and seed), then Exercises 0–4 in order — ending with `lab06_metrics.json`, the
 * two charts and a self-contained HTML report. Each exercise reuses the module that implements it.
 */
import config from "../deno.json" with { type: "json" };
import { iterBatches, projectionBenchmark, readBenchmarkInWorker } from "./arrow_practice.ts";
import { chunkedStats, memoryProfile, parallelFilter } from "./chunking.ts";
import { UsageError } from "./errors.ts";
import { generateSales, generateWarmup } from "./generate.ts";
import { writeTextAtomically } from "./io/atomic.ts";
import { exists } from "./io/file.ts";
import { openSource } from "./io/source.ts";
import { ioBenchmark, scalingBenchmark, scalingChart, workersBenchmark } from "./parallelism.ts";
import { partition } from "./partition.ts";
import { runPipeline } from "./pipeline.ts";
import { lineChart } from "./plot/svg.ts";
import { parsePredicate } from "./predicate.ts";
import { renderReport } from "./report.ts";
import { parallelStats, validateOnlineStats } from "./stats.ts";

export interface LabOptions {
  small?: boolean;
  /** Exercises to run (default all: 0–4). */
  exercises?: number[];
  data?: string;
  results?: string;
  workers?: number;
  seed?: number;
  /** Override the sizes (default 5M/20M, or 200k/1M with `small`). */
  warmupRows?: number;
  salesRows?: number;
  /** Repetitions of the read benchmarks (default 3, 1 with `small`). */
  runs?: number;
  /** Called with one line per step for the console. */
  log?: (line: string) => void;
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

interface Manifest {
  outcore: string;
  seed: number;
  warmup_rows: number;
  sales_rows: number;
  partitions: number;
}

async function readManifest(path: string): Promise<Manifest | null> {
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

/** Runs the lab; returns the metrics document (also written to `results/lab06_metrics.json`). */
export async function runLab(options: LabOptions = {}): Promise<Record<string, unknown>> {
  const { small = false, data = "data", results = "results", seed = 42, log = () => {} } = options;
  const workers = options.workers ?? (navigator.hardwareConcurrency || 1);
  const warmupRows = options.warmupRows ?? (small ? 200_000 : 5_000_000);
  const salesRows = options.salesRows ?? (small ? 1_000_000 : 20_000_000);
  const runs = options.runs ?? (small ? 1 : 3);
  const exercises = options.exercises ?? [0, 1, 2, 3, 4];
  for (const e of exercises) {
    if (![0, 1, 2, 3, 4].includes(e)) throw new UsageError(`--exercise takes 0 to 4, got ${e}`, "lab");
  }
  const paths = labPaths(data, results);
  const started = performance.now();
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const value = await work();
    timings[name] = (performance.now() - t) / 1000;
    return value;
  };

  // Data: regenerate only what does not match the requested sizes and seed.
  const manifest = await readManifest(paths.manifest);
  const matches = manifest !== null && manifest.seed === seed && await exists(paths.warmup) &&
    await exists(paths.csv) &&
    await exists(paths.dataset);
  const warmupOk = matches && manifest!.warmup_rows === warmupRows;
  const salesOk = matches && manifest!.sales_rows === salesRows;
  await time("generate", async () => {
    if (!warmupOk) {
      log(`generating the warmup table: ${warmupRows.toLocaleString("en-US")} rows → ${paths.warmup}`);
      await generateWarmup({ rows: warmupRows, seed, out: paths.warmup, force: true });
    } else log(`warmup data already there (${warmupRows.toLocaleString("en-US")} rows, seed ${seed})`);
    if (!salesOk) {
      log(
        `generating the sales table: ${
          salesRows.toLocaleString("en-US")
        } rows → ${paths.csv} and ${paths.dataset}`,
      );
      await generateSales({
        rows: salesRows,
        seed,
        csv: paths.csv,
        parquet: paths.dataset,
        workers,
        force: true,
      });
    } else log(`sales data already there (${salesRows.toLocaleString("en-US")} rows, seed ${seed})`);
  });
  const partitionsOk = salesOk && manifest!.partitions === 16 && await exists(paths.partitions);
  await Deno.mkdir(data, { recursive: true });
  await writeTextAtomically(
    paths.manifest,
    JSON.stringify(
      {
        outcore: config.version,
        seed,
        warmup_rows: warmupRows,
        sales_rows: salesRows,
        partitions: partitionsOk ? 16 : 0,
      },
      null,
      2,
    ) +
      "\n",
  );

  const metrics: Record<string, unknown> = {};
  const charts: { memory?: string; speedup?: string } = {};

  if (exercises.includes(0)) {
    log("Exercise 0 — Arrow in practice");
    const read = await time("exercise_0.read_benchmark", () => readBenchmarkInWorker(paths.warmup, { runs }));
    log(
      `  columnar read ${read.speedup_columnar_vs_rows.toFixed(1)}× faster than row objects, ${
        read.memory_ratio_rows_vs_columnar.toFixed(1)
      }× less memory`,
    );
    const projection = await time("exercise_0.projection", () => projectionBenchmark(paths.warmup, { runs }));
    log(
      `  projection: ${
        (projection.reduction.bytes_read * 100).toFixed(0)
      }% fewer bytes read; revenue ${projection.revenue}`,
    );
    const batches = await time(
      "exercise_0.iter_batches",
      () => iterBatches(paths.warmup, { batchSize: 500_000 }),
    );
    log(
      `  iter_batches: ${batches.batches.length} batches over ${batches.row_groups} row groups, peak ${batches.peak_rss_mb} MiB`,
    );
    metrics.exercise_0 = { read_benchmark: read, projection, iter_batches: batches };
  }

  if (exercises.includes(1)) {
    log("Exercise 1 — chunking");
    const source = await openSource(paths.csv);
    try {
      const stats = await time(
        "exercise_1.chunked_stats",
        () => chunkedStats(source, { columns: ["price"], chunkRows: 500_000 }),
      );
      log(
        `  chunked stats: mean price ${stats.columns.price.mean} over ${
          stats.rows.toLocaleString("en-US")
        } rows in ${stats.chunks} chunks`,
      );
      const filter = await time(
        "exercise_1.filter",
        () =>
          parallelFilter(paths.csv, {
            where: [parsePredicate("category = Electronics")],
            out: paths.electronics,
            force: true,
            workers,
          }),
      );
      log(`  Electronics rows: ${filter.rows_out.toLocaleString("en-US")} → ${paths.electronics}`);
      const memory = await time(
        "exercise_1.memory",
        () => memoryProfile(source, { columns: ["price"], chunkRows: 500_000 }),
      );
      charts.memory = lineChart({
        title: "Memory while processing in chunks",
        subtitle: `${paths.csv}: ${memory.rows.toLocaleString("en-US")} rows, chunks of 500,000`,
        xLabel: "chunk",
        yLabel: "resident memory (MiB)",
        series: [{
          name: "RSS after the chunk (MiB)",
          points: memory.rss_mb.map((mb, i) => [i + 1, mb] as const),
        }],
      });
      await writeTextAtomically(paths.memoryChart, charts.memory);
      log(
        `  memory: ${memory.baseline_mb} MiB before, peak ${memory.peak_mb} MiB over ${memory.rss_mb.length} chunks → ${paths.memoryChart}`,
      );
      metrics.exercise_1 = {
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
    } finally {
      source.close();
    }
  }

  if (exercises.includes(2)) {
    log("Exercise 2 — online statistics");
    const validation = await time(
      "exercise_2.validation",
      () => validateOnlineStats(paths.csv, { column: "price", rows: 100_000 }),
    );
    log(
      `  validation on the first 100,000 prices: ${
        validation.passed ? "passed" : "FAILED"
      } (variance rel. error ${validation.relative_error.variance.toExponential(1)})`,
    );
    const full = await time(
      "exercise_2.full_stats",
      () => parallelStats(paths.csv, { columns: ["price"], workers }),
    );
    log(
      `  full dataset with ${full.workers} workers: mean ${full.columns.price.mean}, std ${full.columns.price.std} in ${
        full.seconds.toFixed(2)
      } s${full.fallback ? ` (read sequentially: ${full.fallback})` : ""}`,
    );
    metrics.exercise_2 = {
      validation,
      full_stats: {
        ...full.columns.price,
        rows: full.rows,
        workers: full.workers,
        seconds: full.seconds,
        fallback: full.fallback,
      },
    };
  }

  if (exercises.includes(3) || exercises.includes(4)) {
    if (!partitionsOk) {
      log(`partitioning ${paths.csv} into 16 parts → ${paths.partitions}`);
      await time(
        "partition",
        () => partition(paths.csv, { out: paths.partitions, parts: 16, workers, force: true }),
      );
      await writeTextAtomically(
        paths.manifest,
        JSON.stringify(
          { outcore: config.version, seed, warmup_rows: warmupRows, sales_rows: salesRows, partitions: 16 },
          null,
          2,
        ) + "\n",
      );
    }
  }

  if (exercises.includes(3)) {
    log("Exercise 3 — parallelism");
    const threading = await time(
      "exercise_3.threading",
      () => ioBenchmark(paths.partitions, { concurrency: 8 }),
    );
    log(`  concurrent reads: ${threading.speedup.toFixed(2)}× vs sequential`);
    const multiprocessing = await time(
      "exercise_3.multiprocessing",
      () => workersBenchmark(paths.partitions, { workers: 4 }),
    );
    log(
      `  heavy_process on 4 workers: ${
        multiprocessing.speedup.toFixed(2)
      }×, identical: ${multiprocessing.identical}`,
    );
    const scaling = await time(
      "exercise_3.scaling",
      () => scalingBenchmark(paths.partitions, { maxWorkers: 8 }),
    );
    charts.speedup = scalingChart(scaling);
    await writeTextAtomically(paths.speedupChart, charts.speedup);
    log(
      `  scaling: ${
        Object.entries(scaling.speedup).map(([w, s]) => `${w}→${s.toFixed(2)}×`).join(", ")
      } → ${paths.speedupChart}`,
    );
    metrics.exercise_3 = { threading, multiprocessing, scaling };
  }

  if (exercises.includes(4)) {
    log("Exercise 4 — pipeline");
    const pipeline = await time("exercise_4.pipeline", () => runPipeline(paths.partitions, { workers }));
    log(
      `  sequential ${pipeline.sequential_seconds.toFixed(2)} s, ${pipeline.workers} workers ${
        pipeline.parallel_seconds.toFixed(2)
      } s (${pipeline.speedup.toFixed(2)}×)`,
    );
    metrics.exercise_4 = pipeline;
  }

  // A run of some exercises keeps the others' results from an earlier run on the same data.
  if (exercises.length < 5) {
    try {
      const previous = JSON.parse(await Deno.readTextFile(paths.metrics));
      const same = previous?.environment?.seed === seed &&
        previous?.environment?.datasets?.sales_rows === salesRows &&
        previous?.environment?.datasets?.warmup_rows === warmupRows;
      if (same) {
        for (const e of [0, 1, 2, 3, 4]) {
          const key = `exercise_${e}`;
          if (!exercises.includes(e) && previous[key]) metrics[key] = previous[key];
        }
      }
    } catch { /* no earlier run */ }
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
      workers,
      seed,
      small,
      datasets: {
        warmup_rows: warmupRows,
        sales_rows: salesRows,
        partitions: 16,
        csv: paths.csv,
        csv_bytes: (await Deno.stat(paths.csv)).size,
        warmup: paths.warmup,
        dataset: paths.dataset,
      },
      generated_at: new Date().toISOString(),
    },
    ...ordered,
    timings: { ...timings, total_seconds: (performance.now() - started) / 1000 },
  };
  await Deno.mkdir(results, { recursive: true });
  await writeTextAtomically(paths.metrics, JSON.stringify(document, null, 2) + "\n");
  // The report embeds the charts; charts not made in this run are taken from an earlier one when present.
  charts.memory ??= await Deno.readTextFile(paths.memoryChart).catch(() => undefined);
  charts.speedup ??= await Deno.readTextFile(paths.speedupChart).catch(() => undefined);
  await writeTextAtomically(paths.report, renderReport(document, charts));
  log(`wrote ${paths.metrics}, ${paths.report}`);
  return document;
}
