/**
 * `deno task bench`: throughput and peak memory of outcore's streaming paths on the lab's data sizes.
 * Each measurement runs in its own process, timed from its start to its exit as a user times a command (the
 * projected reads and the pipeline excepted: see `child`; peak RSS sampled every 5 ms inside it), and is
 * repeated; the median is reported. Timings never decide a test; they are printed for the issue notes.
 *
 *   deno task bench [--rows 20000000] [--runs 3] [--only csv-read,csv-read-all,dataset-read,stats,filter,
 *                   convert,agg,projection,pipeline,selective,generate] [--peers] [--peer-runs 3] [--json FILE]
 *
 * With `--peers`, DuckDB and Polars time the same workloads (`../shared/peers/run.sh`, `--peer-runs` times
 * each, the median kept) and the run ends with the speed issue's targets, met or missed, from this sitting.
 *
 * Data comes from data/ (the lab's paths) and is generated once if missing. `deno task bench memory` runs every
 * command inside memory cgroups instead (bench/memory.ts); `deno task bench scale` stats and filter over 1M to
 * 100M rows (bench/scale.ts); `deno task bench parallel` each parallel command with its default workers
 * against `--workers 0` (bench/parallel.ts).
 */
import { benchArgs, checkOnly, countList } from "./_args.ts";

if (Deno.args[0] === "memory") {
  await import("./memory.ts"); // `deno task bench memory`: every command inside memory cgroups
  Deno.exit(0);
}
if (Deno.args[0] === "scale") {
  await import("./scale.ts"); // `deno task bench scale`: stats and filter over 1M … 100M rows
  Deno.exit(0);
}
if (Deno.args[0] === "parallel") {
  await import("./parallel.ts"); // `deno task bench parallel`: default workers against --workers 0
  Deno.exit(0);
}

const USAGE =
  "deno task bench [--rows 20000000] [--runs 3] [--only NAME,…] [--peers] [--peer-runs 3] [--json FILE]";
const BENCHMARKS = [
  "csv-read",
  "csv-read-all",
  "dataset-read",
  "stats",
  "filter",
  "convert",
  "agg",
  "projection",
  "pipeline",
  "selective",
  "generate",
];
const values = benchArgs(USAGE, Deno.args, {
  rows: { type: "string", default: "20000000" },
  runs: { type: "string", default: "3" },
  only: { type: "string" },
  peers: { type: "boolean", default: false },
  "peer-runs": { type: "string", default: "3" },
  json: { type: "string" },
});
const [rows] = countList(values.rows, "rows", USAGE);
const [runs] = countList(values.runs, "runs", USAGE);
const [peerRuns] = countList(values["peer-runs"], "peer-runs", USAGE);
const only = values.only?.split(",");
checkOnly(only, BENCHMARKS, USAGE);
const want = (name: string) => !only || only.includes(name);
const suffix = rows === 20_000_000 ? "" : `_${rows}`;
const csv = `data/raw/sales_large${suffix}.csv`;
const dataset = `data/processed/sales_partitioned${suffix}`;
const here = new URL(".", import.meta.url).pathname;
const flags = [
  "run",
  "--allow-read",
  "--allow-write",
  "--conditions=browser",
  "--v8-flags=--max-semi-space-size=2,--expose-gc,--always-sparkplug",
];

interface Run {
  seconds: number;
  rows: number;
  bytes: number;
  peak_rss_bytes: number;
  check: number;
}

/**
 * One run in a fresh process. `seconds` is the whole process, start to exit, as a user times a command (the
 * runtime's start and module loading included), except for `projection`, whose figure is the projected read
 * inside the process after a read of every column, as the lab times it, and `pipeline`, whose figure is its
 * parallel run's time, as the lab reports it; `inside_seconds` is what the process measured itself.
 */
async function child(args: string[]): Promise<Run & { inside_seconds: number }> {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...flags, `${here}_run.ts`, ...args],
    stderr: "inherit",
  }).output();
  const wall = (performance.now() - started) / 1000;
  if (!out.success) throw new Error(`benchmark run failed: ${args.join(" ")}`);
  const run: Run = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  const inside = args[0] === "projection" || args[0] === "pipeline";
  return { ...run, seconds: inside ? run.seconds : wall, inside_seconds: run.seconds };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const results: Record<string, unknown>[] = [];
/** Each measurement's median seconds, by name, for the ratios at the end. */
const medians = new Map<string, number>();
async function measure(name: string, args: string[], target: string) {
  const all: (Run & { inside_seconds: number })[] = [];
  for (let i = 0; i < runs; i++) all.push(await child(args));
  const seconds = median(all.map((r) => r.seconds));
  const r = all[0];
  const row = {
    benchmark: name,
    median_seconds: +seconds.toFixed(3),
    runs: all.map((x) => +x.seconds.toFixed(3)),
    inside_seconds: all.map((x) => +x.inside_seconds.toFixed(3)),
    rows: r.rows,
    rows_per_second: Math.round(r.rows / seconds),
    mb_per_second: +(r.bytes / 1e6 / seconds).toFixed(1),
    peak_rss_mib: +(Math.max(...all.map((x) => x.peak_rss_bytes)) / 2 ** 20).toFixed(1),
    target,
  };
  results.push(row);
  medians.set(name, seconds);
  console.log(
    `${name.padEnd(28)} median ${row.median_seconds.toFixed(2).padStart(6)} s  ${
      (row.rows_per_second / 1e6).toFixed(2).padStart(6)
    } M rows/s  ${String(row.mb_per_second).padStart(7)} MB/s  peak ${
      String(row.peak_rss_mib).padStart(6)
    } MiB   target: ${target}`,
  );
}

/** Runs `outcore ARGS` to make the data a benchmark needs; a failure ends the bench (its output is above). */
async function outcore(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...flags, "--allow-run", "--allow-sys", "--allow-env", "main.ts", ...args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) Deno.exit(1);
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

async function ensureData() {
  if (await exists(csv) && await exists(dataset)) return;
  console.log(`generating ${rows} rows into ${csv} and ${dataset} …`);
  await outcore(["generate", "sales", "--rows", String(rows), "--csv", csv, "--parquet", dataset, "--force"]);
}

console.log(
  `outcore benchmarks: ${
    rows.toLocaleString("en-US")
  } rows, ${runs} runs each, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`,
);
// Every benchmark of the sales CSV or its dataset reads them (the warmup file is made where it is used).
if (
  ["csv-read", "csv-read-all", "dataset-read", "stats", "filter", "convert", "agg", "pipeline"].some(want)
) {
  await ensureData();
}
if (want("csv-read")) {
  await measure("csv read (price projected)", ["read", csv, "price"], "≥ 250 MB/s, < 150 MiB");
}
if (want("csv-read-all")) await measure("csv read (all columns)", ["read", csv], "-");
if (want("dataset-read")) await measure("dataset row-group iteration", ["read", dataset], "< 150 MiB");
if (want("stats")) {
  await measure("stats price, 1 worker", ["stats", csv, "1"], "-");
  await measure("stats price, 2 workers", ["stats", csv, "2"], "≤ 2.0 s, ≤ 128 MiB");
}
if (want("filter")) {
  await measure("filter CSV → Electronics pq", [
    "filter",
    csv,
    `data/processed/bench_electronics_${Deno.pid}.parquet`,
  ], "≤ 4 s, ≤ 200 MiB");
  await Deno.remove(`data/processed/bench_electronics_${Deno.pid}.parquet`).catch(() => {});
}
if (want("convert")) {
  const out = `data/processed/bench_convert_${Deno.pid}.parquet`;
  await measure("convert 20M-row CSV → Parquet", ["convert", csv, out], "DuckDB COPY ×1.5");
  await Deno.remove(out).catch(() => {});
}
if (want("agg")) {
  await measure("agg 20M-row CSV, lab's spec", ["agg", csv], "DuckDB GROUP BY ×1.5");
}
const warmup = "data/processed/sales_warmup.parquet";
const duck = "data/processed/sales_warmup_duckdb.parquet";
const partitions = `data/processed/partitions${suffix}`;
if ((want("projection") || want("selective")) && !await exists(warmup)) await outcore(["generate", "warmup"]);
if (want("projection")) {
  await measure("projected revenue, warmup", ["projection", warmup], "≤ 0.3 s");
  if (await exists(duck)) {
    await measure("projected revenue, DuckDB file", ["projection", duck], "≤ 1.0 s");
  } else {
    console.log(
      `(skipping the DuckDB-written file: make ${duck} with bench/duckdb_copy.mjs, see the README)`,
    );
  }
}
if (want("pipeline")) {
  if (!await exists(partitions)) {
    await outcore(["partition", csv, "--parts", "16", "--out", partitions]);
  }
  await measure("pipeline parallel time", ["pipeline", partitions], "≤ 1.5× DuckDB");
}
if (want("selective")) {
  const out = `data/processed/bench_selective_${Deno.pid}.parquet`;
  await measure(
    "filter price > 999.9, warmup",
    ["filter-where", warmup, out, "price > 999.9"],
    "≤ 1.5× batches",
  );
  await Deno.remove(out).catch(() => {});
  await measure("batches pass, warmup", ["batches", warmup], "-");
}
if (want("generate")) {
  const tmp = `data/bench-generate-${Deno.pid}`;
  try {
    await measure("generate sales (csv+parquet)", ["generate", tmp, String(rows)], "≤ 15 s at 20M rows");
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
/** The peers' median seconds, by workload, input and engine (`peerKey`). */
const peerMedians = new Map<string, number>();
const peerKey = (workload: string, path: string, engine: "duckdb_seconds" | "polars_seconds") =>
  `${workload} ${path} ${engine}`;
if (values.peers) {
  // Each peer `--peer-runs` times (their own timing varies by ±15 % from one run to the next), the median kept.
  const peer = async (workload: string, path: string) => {
    const lines: Record<string, number>[] = [];
    for (let i = 0; i < peerRuns; i++) {
      const out = await new Deno.Command("bash", {
        args: ["../shared/peers/run.sh", workload, path],
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`../shared/peers/run.sh ${workload} failed`);
      lines.push(JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!));
    }
    const summary: Record<string, unknown> = { peers: workload, input: path, runs: lines.length };
    for (const engine of ["duckdb_seconds", "polars_seconds"] as const) {
      const times = lines.map((l) => l[engine]).filter((t) => typeof t === "number");
      if (times.length) {
        summary[engine] = median(times);
        summary[`${engine}_runs`] = times;
        peerMedians.set(peerKey(workload, path, engine), median(times));
      }
    }
    console.log(`peers ${workload} ${path}: ${JSON.stringify(summary)}`);
    results.push(summary);
  };
  if (want("csv-read") || want("stats")) await peer("csv-stats", csv);
  if (want("filter")) await peer("csv-filter", csv);
  if (want("projection")) {
    await peer("pq-revenue", warmup);
    if (await exists(duck)) await peer("pq-revenue", duck);
  }
  if (want("pipeline")) await peer("pipeline", partitions);
  if (want("generate")) await peer("gen-csv", String(rows));
  if (want("agg")) {
    const run = await new Deno.Command("node", { args: [`${here}duckdb_agg.mjs`, csv], stderr: "inherit" })
      .output();
    const line = new TextDecoder().decode(run.stdout).trim().split("\n").at(-1);
    if (run.success && line) {
      console.log(`peers csv-agg: ${line}`);
      results.push({ peers: "csv-agg", ...JSON.parse(line) });
    } else console.log("peers csv-agg: skipped (DuckDB from ../shared/peers/run.sh is not installed)");
  }
  if (want("convert")) {
    const out = `data/processed/bench_convert_duckdb_${Deno.pid}.parquet`;
    const run = await new Deno.Command("node", {
      args: [`${here}duckdb_convert.mjs`, csv, out],
      stderr: "inherit",
    })
      .output();
    await Deno.remove(out).catch(() => {});
    const line = new TextDecoder().decode(run.stdout).trim().split("\n").at(-1);
    if (run.success && line) {
      console.log(`peers csv-to-parquet: ${line}`);
      results.push({ peers: "csv-to-parquet", ...JSON.parse(line) });
    } else console.log("peers csv-to-parquet: skipped (DuckDB from ../shared/peers/run.sh is not installed)");
  }
}
// The speed issue's "done when", from this sitting's medians: ours against a peer's, or against another of ours.
const checks: {
  name: string;
  ours: number | undefined;
  other: number | undefined;
  bar: number;
  of: string;
}[] = [
  {
    name: "stats price ÷ Polars",
    ours: medians.get("stats price, 2 workers"),
    other: peerMedians.get(peerKey("csv-stats", csv, "polars_seconds")),
    bar: 1.3,
    of: "Polars",
  },
  {
    name: "filter → Parquet ÷ Polars",
    ours: medians.get("filter CSV → Electronics pq"),
    other: peerMedians.get(peerKey("csv-filter", csv, "polars_seconds")),
    bar: 1.5,
    of: "Polars",
  },
  {
    name: "pipeline parallel time ÷ DuckDB",
    ours: medians.get("pipeline parallel time"),
    other: peerMedians.get(peerKey("pipeline", partitions, "duckdb_seconds")),
    bar: 1.5,
    of: "DuckDB",
  },
  {
    name: "projected revenue, warmup ÷ Polars",
    ours: medians.get("projected revenue, warmup"),
    other: peerMedians.get(peerKey("pq-revenue", warmup, "polars_seconds")),
    bar: 1.0,
    of: "Polars",
  },
  {
    name: "projected revenue, DuckDB file ÷ Polars",
    ours: medians.get("projected revenue, DuckDB file"),
    other: peerMedians.get(peerKey("pq-revenue", duck, "polars_seconds")),
    bar: 1.5,
    of: "Polars",
  },
  {
    name: "selective filter ÷ batches pass",
    ours: medians.get("filter price > 999.9, warmup"),
    other: medians.get("batches pass, warmup"),
    bar: 1.5,
    of: "batches",
  },
];
const verdicts = checks.filter((c) => c.ours !== undefined && c.other !== undefined).map((c) => {
  const ratio = c.ours! / c.other!;
  return {
    check: c.name,
    ours: c.ours,
    [c.of]: c.other,
    ratio: +ratio.toFixed(2),
    bar: c.bar,
    met: ratio <= c.bar,
  };
});
const generated = medians.get("generate sales (csv+parquet)");
if (verdicts.length || (generated !== undefined && rows === 20_000_000)) {
  const peersRan = values.peers ? `; peers: ${peerRuns} runs each` : "";
  console.log(`\nthis sitting against the speed issue's targets (medians${peersRan}):`);
  for (const v of verdicts) {
    console.log(
      `${v.check.padEnd(40)} ${v.ratio.toFixed(2).padStart(5)}×  (target ≤ ${v.bar.toFixed(1)}×)  ${
        v.met ? "met" : "MISSED"
      }`,
    );
  }
  if (generated !== undefined && rows === 20_000_000) {
    console.log(
      `${"generate sales, 20M rows".padEnd(40)} ${generated.toFixed(2).padStart(5)} s (target ≤ 10 s)  ${
        generated <= 10 ? "met" : "MISSED"
      }`,
    );
  }
  results.push({ targets: verdicts });
}
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(results, null, 2) + "\n");
