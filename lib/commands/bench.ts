/** CLI wrapper for `outcore bench read|projection PATH` (Exercise 0's measurements). */
import { intOption, listOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatBytes, formatCount, formatTable, jsonText, plural } from "../format.ts";
import { withProgress } from "../cli/progress.ts";
import type { Timing } from "../engine/measure.ts";
import { projectionBenchmark, readBenchmarkInWorker } from "../exercises/ex0_arrow.ts";
import { UsageError } from "../errors.ts";
import { plannedWorkers } from "./_source.ts";
import {
  ioBenchmark,
  scalingBenchmark,
  scalingChart,
  workersBenchmark,
} from "../exercises/ex3_parallelism.ts";
import { writeTextAtomically } from "../io/atomic.ts";

/** Median, fastest and slowest of a repeated timing, as table cells. */
function timingCells(t: Timing): string[] {
  return [t.median, t.min, t.max].map((s) => `${s.toFixed(3)} s`);
}

export async function run(args: ParsedArgs): Promise<void> {
  const [kind, path] = args.positionals;
  if (path === undefined) throw new UsageError(`missing PATH after "bench ${kind}"`, "bench");
  const runs = intOption(args, "runs", 3, { min: 1, max: 100 });
  if (kind === "read") {
    // A small budget cannot hold the whole file as row objects: then its first rows (the output says how many).
    const maxRows = (await plannedWorkers(args, 0)).rowObjectRows ?? undefined;
    const result = await withProgress(
      `bench read × ${runs}`,
      () => readBenchmarkInWorker(path, { runs, maxRows }),
    );
    if (args.values.json) {
      console.log(jsonText(result));
      return;
    }
    console.log(
      `${path}: ${formatCount(result.rows)} rows${
        result.max_rows === null
          ? ""
          : ` (the first of ${formatCount(result.file_rows)}: the memory budget's limit)`
      } × ${result.columns} columns, median of ${runs} runs`,
    );
    console.log(formatTable(
      ["method", "median time", "rows/s", "memory", "measured as"],
      result.methods.map((m) => [
        m.method,
        `${m.median_seconds.toFixed(3)} s`,
        formatCount(m.rows / m.median_seconds),
        formatBytes(m.memory_bytes),
        m.memory_kind,
      ]),
    ));
    console.log(
      `columnar (B) is ${result.speedup_columnar_vs_rows.toFixed(1)}× faster than row objects (A) and holds ${
        result.memory_ratio_rows_vs_columnar.toFixed(1)
      }× less memory; converting to rows (C) costs ${
        (result.methods[2].median_seconds / result.methods[1].median_seconds).toFixed(1)
      }× the columnar read`,
    );
    return;
  }
  if (kind === "projection") {
    const result = await withProgress(
      `bench projection × ${runs}`,
      () => projectionBenchmark(path, { columns: listOption(args, "columns"), runs }),
    );
    if (args.values.json) {
      console.log(jsonText(result));
      return;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(`${path}: ${formatCount(result.rows)} rows, median of ${runs} runs`);
    console.log(formatTable(
      ["read", "columns", "time", "bytes read", "bytes held (largest batch)"],
      [
        [
          "all columns",
          result.all.columns,
          `${result.all.seconds.toFixed(3)} s`,
          formatBytes(result.all.bytes_read),
          formatBytes(result.all.bytes_held),
        ],
        [
          result.columns.join(", "),
          result.projected.columns,
          `${result.projected.seconds.toFixed(3)} s`,
          formatBytes(result.projected.bytes_read),
          formatBytes(result.projected.bytes_held),
        ],
        [
          "reduction",
          "",
          pct(result.reduction.time),
          pct(result.reduction.bytes_read),
          pct(result.reduction.bytes_held),
        ],
      ],
    ));
    if (result.revenue !== null) console.log(`revenue = Σ price × quantity = ${result.revenue}`);
    return;
  }
  if (kind === "io") {
    const concurrency = intOption(args, "concurrency", 8, { min: 1, max: 256 });
    const result = await withProgress(`bench io × ${runs}`, () => ioBenchmark(path, { concurrency, runs }));
    if (args.values.json) {
      console.log(jsonText(result));
      return;
    }
    console.log(
      `${path}: ${result.files} partitions, ${formatCount(result.rows)} rows read in full, ${
        plural(runs, "run")
      } of each, interleaved`,
    );
    console.log(formatTable(["reads", "median", "fastest", "slowest"], [
      ["sequential", ...timingCells(result.sequential)],
      [`concurrent (${result.concurrency} in flight)`, ...timingCells(result.concurrent)],
    ]));
    console.log(result.explanation);
    return;
  }
  if (kind === "workers") {
    const workers = intOption(args, "workers", 4, { min: 1, max: 64 });
    const result = await withProgress("bench workers", () => workersBenchmark(path, { workers }));
    if (args.values.json) {
      console.log(jsonText(result));
      return;
    }
    console.log(
      `${path}: heavy_process (score = √price × log1p(quantity), by category) over ${result.files} partitions`,
    );
    console.log(formatTable(["run", "time"], [
      ["sequential (main thread)", `${result.sequential_seconds.toFixed(3)} s`],
      [plural(result.workers, "worker"), `${result.parallel_seconds.toFixed(3)} s`],
    ]));
    console.log(
      `speedup ${result.speedup.toFixed(2)}×, results ${result.identical ? "identical" : "DIFFERENT"}`,
    );
    console.log(formatTable(
      ["category", "mean score", "sum", "count"],
      Object.entries(result.by_category).map(([name, e]) => [name, e.mean, e.sum, e.count]),
    ));
    if (!result.identical) throw new Error("sequential and parallel heavy_process results differ");
    return;
  }
  if (kind === "scaling") {
    const maxWorkers = intOption(args, "max-workers", 8, { min: 1, max: 64 });
    const plot = stringOption(args, "plot", "results/scaling.svg");
    const result = await withProgress(
      `bench scaling × ${runs}`,
      () => scalingBenchmark(path, { maxWorkers, runs }),
    );
    if (plot !== "none") await writeTextAtomically(plot, scalingChart(result), "svg");
    if (args.values.json) {
      console.log(jsonText({ ...result, plot: plot === "none" ? null : plot }));
      return;
    }
    console.log(
      `${path}: heavy_process over ${result.files} partitions on ${result.cores} cores, ${
        plural(runs, "run")
      } of each, interleaved; results ${result.identical ? "identical" : "DIFFERENT"}`,
    );
    console.log(formatTable(
      ["workers", "median", "fastest", "slowest", "speedup", "speedup range", "ideal"],
      [
        ["sequential", ...timingCells(result.sequential), 1, "", 1],
        ...Object.keys(result.seconds).map((w) => [
          w,
          ...timingCells(result.timings[w]),
          Number(result.speedup[w].toFixed(2)),
          `${result.speedup_range[w].min.toFixed(2)}–${result.speedup_range[w].max.toFixed(2)}`,
          Number(w),
        ]),
      ],
    ));
    console.log(
      `serial fraction (Amdahl, from ${result.cores === 2 ? "2" : `2..${result.cores}`} workers): ${
        result.serial_fraction === null ? "not estimated" : result.serial_fraction.toFixed(3)
      }`,
    );
    console.log(result.explanation);
    if (plot !== "none") console.log(`chart: ${plot}`);
    if (!result.identical) throw new Error("sequential and parallel heavy_process results differ");
    return;
  }
  throw new UsageError(`unknown benchmark "${kind}": use read, projection, io, workers or scaling`, "bench");
}
