/**
 * `deno task bench scale`: stats and filter over generated sales CSVs of 1M, 5M, 20M and 100M rows (100M is
 * ~4.6 GB; each generated file is deleted afterwards, the lab's 20M file is reused when it is there), with the
 * default plan and no memory limit. Time should grow linearly with the rows and peak RSS stay flat: prints a
 * table and writes it as JSON and two SVG charts.
 *
 *   deno task bench scale [--rows 1000000,5000000,20000000,100000000] [--memory 256M] [--out results/bench_scale]
 *
 * With `--memory`, stats and filter run with that budget (still without a cgroup).
 */
import { benchArgs, countList } from "./_args.ts";
import { lineChart } from "../lib/plot/svg.ts";
import { cgroupsUnavailable, loadAverage, runLimited } from "./_limited.ts";

const USAGE =
  "deno task bench scale [--rows 1000000,5000000,20000000,100000000] [--out results/bench_scale] [--memory SIZE]";
const values = benchArgs(USAGE, Deno.args[0] === "scale" ? Deno.args.slice(1) : Deno.args, {
  rows: { type: "string", default: "1000000,5000000,20000000,100000000" },
  out: { type: "string", default: "results/bench_scale" },
  memory: { type: "string" },
});
const sizes = countList(values.rows, "rows", USAGE);
const unavailable = await cgroupsUnavailable();
if (unavailable) {
  console.log(
    `bench scale: skipped — peak RSS is measured through memory cgroups, unavailable here (${unavailable})`,
  );
  Deno.exit(0);
}

interface Point {
  command: "stats" | "filter";
  rows: number;
  csv_bytes: number;
  seconds: number;
  peak_rss_mib: number;
  rows_per_second: number;
}

const LAB_CSV = "data/raw/sales_large.csv";
console.log(
  `bench scale${
    values.memory ? ` (--memory ${values.memory})` : ""
  }: ${navigator.hardwareConcurrency} cores, load average ${loadAverage()}, one run each`,
);
const points: Point[] = [];
for (const rows of sizes) {
  const reuse = rows === 20_000_000 && await Deno.stat(LAB_CSV).then(() => true, () => false);
  const csv = reuse ? LAB_CSV : `data/bench_scale_${rows}_${Deno.pid}.csv`;
  try {
    if (!reuse) {
      const made = await runLimited(null, [
        "generate",
        "sales",
        "--rows",
        String(rows),
        "--csv",
        csv,
        "--no-parquet",
      ]);
      if (made.exit !== 0) throw new Error(`generating ${rows} rows failed (exit ${made.exit})`);
    }
    const bytes = (await Deno.stat(csv)).size;
    const out = `data/bench_scale_${Deno.pid}.parquet`;
    for (
      const [command, args] of [
        ["stats", ["stats", csv, "--column", "price"]],
        ["filter", ["filter", csv, "--where", "category = Electronics", "--out", out, "--force"]],
      ] as const
    ) {
      const run = await runLimited(null, [...args, ...(values.memory ? ["--memory", values.memory] : [])]);
      if (run.exit !== 0) throw new Error(`${command} on ${rows} rows failed (exit ${run.exit})`);
      const point = {
        command,
        rows,
        csv_bytes: bytes,
        seconds: run.seconds,
        peak_rss_mib: run.peak_rss_mib,
        rows_per_second: Math.round(rows / run.seconds),
      };
      points.push(point);
      console.log(
        `${command.padEnd(6)} ${rows.toLocaleString("en-US").padStart(11)} rows (${
          (bytes / 1e9).toFixed(2)
        } GB): ${run.seconds.toFixed(2).padStart(6)} s, ${
          (point.rows_per_second / 1e6).toFixed(2)
        } M rows/s, peak ${run.peak_rss_mib.toFixed(1)} MiB`,
      );
    }
    await Deno.remove(out).catch(() => {});
  } finally {
    if (!reuse) await Deno.remove(csv).catch(() => {});
  }
}
console.log(`load average after: ${loadAverage()}`);

await Deno.mkdir(values.out.replace(/\/[^/]*$/, "") || ".", { recursive: true });
await Deno.writeTextFile(
  `${values.out}.json`,
  JSON.stringify({ load_after: loadAverage(), points }, null, 2) + "\n",
);
const plan = values.memory ? `--memory ${values.memory}` : "default plan, no memory limit";
const series = (pick: (p: Point) => number) =>
  (["stats", "filter"] as const).map((command) => ({
    name: command,
    points: points.filter((p) => p.command === command).map((p) => [p.rows / 1e6, pick(p)] as const),
  }));
await Deno.writeTextFile(
  `${values.out}_time.svg`,
  lineChart({
    title: `Time against rows (sales CSV, ${plan})`,
    subtitle: `one run per point; ${navigator.hardwareConcurrency} cores`,
    xLabel: "rows (millions)",
    yLabel: "seconds",
    series: series((p) => p.seconds),
  }),
);
await Deno.writeTextFile(
  `${values.out}_peak.svg`,
  lineChart({
    title: `Peak RSS against rows (sales CSV, ${plan})`,
    subtitle: "one run per point",
    xLabel: "rows (millions)",
    yLabel: "peak RSS (MiB)",
    series: series((p) => p.peak_rss_mib),
  }),
);
console.log(`wrote ${values.out}.json, ${values.out}_time.svg, ${values.out}_peak.svg`);
