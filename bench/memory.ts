/**
 * `deno task bench memory`: every command on the 20M-row data inside memory cgroups of 96, 128 and 256 MiB and
 * without a limit (`../shared/tools/memlimit`, which needs root and a memory cgroup; skipped with a message
 * where it cannot run). Prints exit, OOM kill, time, peak RSS and whether the answer equals the unlimited
 * run's; writes the table as JSON and two SVG charts (time and peak RSS against the limit).
 *
 *   deno task bench memory [--limits 96,128,256] [--only stats,filter] [--out results/bench_memory]
 *                          [--from results/bench_memory.json]   (redraw an earlier run's table and charts)
 *
 * Timings are one run each: a table for a sitting, not a benchmark to compare across machines.
 */
import { benchArgs, checkOnly, countList } from "./_args.ts";
import { lineChart } from "../lib/plot/svg.ts";
import { cgroupsUnavailable, LAB_AGG_ARGS, loadAverage as load, runLimited } from "./_limited.ts";

const USAGE =
  "deno task bench memory [--limits 96,128,256] [--only stats,filter] [--out results/bench_memory] [--from FILE]";
const values = benchArgs(USAGE, Deno.args[0] === "memory" ? Deno.args.slice(1) : Deno.args, {
  limits: { type: "string", default: "96,128,256" },
  only: { type: "string" },
  out: { type: "string", default: "results/bench_memory" },
  from: { type: "string" },
});
const limits = countList(values.limits, "limits", USAGE);
const csv = "data/raw/sales_large.csv";
const scratch = `data/bench_memory_${Deno.pid}`;

/** A command, and what of its output must not depend on the memory limit. */
interface Case {
  name: string;
  args: (dir: string) => string[];
  answer: (stdout: string, dir: string) => unknown;
}

const json = (stdout: string) => JSON.parse(stdout);
async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const CASES: Case[] = [
  {
    name: "stats",
    args: () => ["stats", csv, "--column", "price", "--json"],
    answer: (out) => json(out).columns,
  },
  {
    name: "stats (every column)",
    args: () => ["stats", csv, "--json"],
    answer: (out) => json(out).columns,
  },
  {
    name: "agg (lab's spec)",
    args: () => ["agg", csv, ...LAB_AGG_ARGS, "--json"],
    answer: (out) => json(out).table,
  },
  {
    name: "filter",
    args: (
      dir,
    ) => ["filter", csv, "--where", "category = Electronics", "--out", `${dir}/f.parquet`, "--json"],
    answer: (out) => [json(out).rows_in, json(out).rows_out],
  },
  {
    name: "convert",
    args: (dir) => ["convert", csv, `${dir}/c.parquet`, "--json"],
    answer: (out) => json(out).rows,
  },
  {
    name: "memory",
    args: () => ["memory", csv, "--column", "price", "--plot", "none", "--json"],
    answer: (out) => json(out).rows,
  },
  {
    name: "batches",
    args: () => ["batches", "data/processed/sales_warmup.parquet", "--json"],
    answer: (out) => json(out).revenue,
  },
  { name: "head", args: () => ["head", csv, "-n", "5"], answer: (out) => out },
  { name: "inspect", args: () => ["inspect", csv, "--json"], answer: (out) => json(out).columns },
  {
    name: "partition",
    args: (dir) => ["partition", csv, "--parts", "16", "--out", `${dir}/parts`, "--json"],
    answer: (out) => json(out).parts.map((p: { rows: number }) => p.rows),
  },
  {
    name: "pipeline",
    args: () => ["pipeline", "data/processed/partitions", "--json"],
    answer: (out) => json(out).rows,
  },
  {
    name: "generate sales",
    args: (dir) => ["generate", "sales", "--csv", `${dir}/s.csv`, "--parquet", `${dir}/ds`, "--json"],
    answer: (_out, dir) => sha256(`${dir}/s.csv`),
  },
];
checkOnly(values.only?.split(","), CASES.map((c) => c.name), USAGE);

interface Row {
  command: string;
  limit_mib: number | null;
  exit: number;
  oom_killed: boolean;
  seconds: number;
  peak_rss_mib: number;
  same_answer: boolean | null;
}

async function runOne(c: Case, limit: number | null): Promise<{ row: Row; answer: unknown }> {
  const dir = `${scratch}/${c.name.replace(/\W+/g, "_")}_${limit ?? "none"}`;
  await Deno.mkdir(dir, { recursive: true });
  const report = await runLimited(limit, c.args(dir));
  let answer: unknown = null;
  if (report.exit === 0) answer = await c.answer(report.stdout, dir);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return {
    row: {
      command: c.name,
      limit_mib: limit,
      exit: report.exit,
      oom_killed: report.oom_killed,
      seconds: report.seconds,
      peak_rss_mib: report.peak_rss_mib,
      same_answer: null,
    },
    answer,
  };
}

/** Runs every case under every limit (and without one); exits when cgroups cannot be made here. */
async function measure(): Promise<Row[]> {
  const unavailable = await cgroupsUnavailable();
  if (unavailable) {
    console.log(`bench memory: skipped — memory cgroups cannot be created here (${unavailable})`);
    Deno.exit(0);
  }
  try {
    await Deno.stat(csv);
    await Deno.stat("data/processed/partitions");
  } catch {
    console.log(
      "bench memory: needs the lab's data: run `deno task lab` (or `outcore generate sales` and partition)",
    );
    Deno.exit(1);
  }

  const rows: Row[] = [];
  console.log(
    `bench memory: ${navigator.hardwareConcurrency} cores, load average ${loadBefore}, one run each`,
  );
  try {
    for (const c of CASES.filter((c) => !values.only || values.only.split(",").includes(c.name))) {
      const reference = await runOne(c, null);
      rows.push(reference.row);
      for (const limit of limits) {
        const { row, answer } = await runOne(c, limit);
        if (row.exit === 0 && reference.row.exit === 0) {
          row.same_answer = JSON.stringify(answer) === JSON.stringify(reference.answer);
        }
        rows.push(row);
        console.log(
          `${c.name.padEnd(15)} ${String(limit).padStart(5)} MiB: ${
            row.exit === 0 ? "ok    " : row.oom_killed ? "KILLED" : `exit ${row.exit}`
          } ${row.seconds.toFixed(2).padStart(6)} s  peak ${row.peak_rss_mib.toFixed(1).padStart(6)} MiB  ${
            row.same_answer === null ? "" : row.same_answer ? "same answer" : "DIFFERENT ANSWER"
          }`,
        );
      }
      console.log(
        `${c.name.padEnd(15)}  none    : ${
          reference.row.exit === 0 ? "ok    " : `exit ${reference.row.exit}`
        } ${reference.row.seconds.toFixed(2).padStart(6)} s  peak ${
          reference.row.peak_rss_mib.toFixed(1).padStart(6)
        } MiB`,
      );
    }
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
  return rows;
}

// --from FILE redraws the table and charts of an earlier run without measuring again.
const earlier = values.from ? JSON.parse(await Deno.readTextFile(values.from)) : null;
const loadBefore = earlier?.load_before ?? load();
const rows: Row[] = earlier ? earlier.rows : await measure();

const header = ["command", ...limits.map((l) => `${l} MiB`), "no limit"];
const cell = (r: Row | undefined) =>
  !r
    ? ""
    : r.exit !== 0
    ? (r.oom_killed ? "killed" : `exit ${r.exit}`)
    : `${r.seconds.toFixed(1)} s, ${r.peak_rss_mib.toFixed(0)} MiB${
      r.same_answer === false ? " (differs)" : ""
    }`;
const commands = [...new Set(rows.map((r) => r.command))];
const table = commands.map((c) => [
  c,
  ...limits.map((l) => cell(rows.find((r) => r.command === c && r.limit_mib === l))),
  cell(rows.find((r) => r.command === c && r.limit_mib === null)),
]);
console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const line of table) console.log(`| ${line.join(" | ")} |`);
console.log(`load average after: ${earlier?.load_after ?? load()}`);

await Deno.mkdir(values.out.replace(/\/[^/]*$/, "") || ".", { recursive: true });
await Deno.writeTextFile(
  `${values.out}.json`,
  JSON.stringify({ load_before: loadBefore, load_after: earlier?.load_after ?? load(), rows }, null, 2) +
    "\n",
);
const series = (pick: (r: Row) => number) =>
  commands.map((c) => ({
    name: c,
    points: rows.filter((r) => r.command === c && r.limit_mib !== null && r.exit === 0)
      .map((r) => [r.limit_mib!, pick(r)] as const),
  }));
await Deno.writeTextFile(
  `${values.out}_time.svg`,
  lineChart({
    title: "Time inside a memory cgroup (20M-row data)",
    subtitle: "one run per point; a missing point is a run that did not complete",
    xLabel: "cgroup memory limit (MiB)",
    yLabel: "seconds",
    series: series((r) => r.seconds),
  }),
);
await Deno.writeTextFile(
  `${values.out}_peak.svg`,
  lineChart({
    title: "Peak RSS inside a memory cgroup (20M-row data)",
    subtitle: "RSS counts the runtime's mapped code, which the kernel can drop; the limit is the dashed line",
    xLabel: "cgroup memory limit (MiB)",
    yLabel: "peak RSS (MiB)",
    series: [
      ...series((r) => r.peak_rss_mib),
      { name: "limit", points: limits.map((l) => [l, l] as const), dashed: true },
    ],
  }),
);
console.log(`wrote ${values.out}.json, ${values.out}_time.svg, ${values.out}_peak.svg`);
