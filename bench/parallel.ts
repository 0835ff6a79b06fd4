/**
 * `deno task bench parallel`: does the default plan ever lose to the main thread alone? Each parallel command
 * runs on generated sales CSVs of 100k, 1M, 5M and 20M rows with its default workers and with `--workers 0`,
 * interleaved, `--runs` times each (at least 7 below 5M rows, where a run is short and noisy; whole processes,
 * as a user runs them); prints the medians and their ratio against the issue's bar: ≥ 0.95× below 20M rows,
 * ≥ 1.8× at 20M. Where the default plan takes no worker (inputs under two workers' worth of bytes), both runs
 * are the same code and the table says so.
 *
 * Beside each ratio, the CPU time of the `--workers 0` run (user + system, all its threads) and the ceiling
 * it sets: `--workers 0` is not one core's work — its reads' kernel copies, the runtime's threads and V8's
 * collector run beside the main thread — so a parallel run, which has at least that CPU work to do on the
 * machine's cores, can be at most cores × wall ÷ CPU times faster, with no serial start at all. That holds
 * where the default run has at least that CPU work (its own CPU is printed beside): `stats` and `agg` run the
 * same unit code either way, while `filter` and `convert` with no worker read with one streaming writer of
 * their own, which can cost more.
 * Generated files are deleted afterwards (the lab's 20M-row file is reused when it is there).
 *
 *   deno task bench parallel [--rows 100000,1000000,5000000,20000000] [--runs 3] [--only stats,agg,…]
 *                            [--out results/bench_parallel.json]
 */
import { benchArgs, checkOnly, countList } from "./_args.ts";
import { LAB_AGG_ARGS, loadAverage, OUTCORE } from "./_limited.ts";

const USAGE =
  "deno task bench parallel [--rows 100000,1000000,5000000,20000000] [--runs 3] [--only stats,agg,…] [--out FILE]";
const values = benchArgs(USAGE, Deno.args[0] === "parallel" ? Deno.args.slice(1) : Deno.args, {
  rows: { type: "string", default: "100000,1000000,5000000,20000000" },
  runs: { type: "string", default: "3" },
  only: { type: "string" },
  out: { type: "string", default: "results/bench_parallel.json" },
});
const sizes = countList(values.rows, "rows", USAGE);
const [runs] = countList(values.runs, "runs", USAGE);
const scratch = `data/bench_parallel_${Deno.pid}`;

/** The commands that run on the engine's workers, as a user would type them. */
const COMMANDS: { name: string; args: (csv: string) => string[] }[] = [
  { name: "stats", args: (csv) => ["stats", csv, "--column", "price"] },
  { name: "stats (every column)", args: (csv) => ["stats", csv] },
  { name: "agg (lab's spec)", args: (csv) => ["agg", csv, ...LAB_AGG_ARGS] },
  {
    name: "filter → Parquet",
    args: (
      csv,
    ) => ["filter", csv, "--where", "category=Electronics", "--out", `${scratch}/f.parquet`, "--force"],
  },
  { name: "convert → Parquet", args: (csv) => ["convert", csv, `${scratch}/c.parquet`, "--force"] },
];
const only = values.only?.split(",");
checkOnly(only, COMMANDS.map((c) => c.name), USAGE, true);
const commands = COMMANDS.filter((c) => !only || only.some((o) => c.name.startsWith(o)));

/**
 * CPU seconds (user + system) of the children this process has waited for: `cutime` and `cstime` of
 * /proc/PID/stat, in the kernel's USER_HZ (100) ticks, read by `cat` (Deno refuses /proc to a process allowed
 * to run programs). Null where there is no /proc.
 */
async function childCpuSeconds(): Promise<number | null> {
  try {
    const out = await new Deno.Command("cat", { args: [`/proc/${Deno.pid}/stat`], stdout: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout);
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
    return out.success && Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}

/**
 * Runs `outcore ARGS --json`: its wall-clock and CPU seconds (null where they cannot be read) and the workers
 * it used (its JSON's `workers`).
 */
async function run(args: string[]): Promise<{ seconds: number; cpu: number | null; workers: number | null }> {
  const cpuBefore = await childCpuSeconds();
  const started = performance.now();
  const out = await new Deno.Command(OUTCORE[0], {
    args: [...OUTCORE.slice(1), ...args, "--json"],
    stdout: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await childCpuSeconds();
  if (!out.success) throw new Error(`failed: outcore ${args.join(" ")}`);
  let workers: number | null = null;
  try {
    workers = JSON.parse(new TextDecoder().decode(out.stdout)).workers ?? null;
  } catch { /* not JSON: the count stays unknown */ }
  return { seconds, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore, workers };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const LAB_CSV = "data/raw/sales_large.csv";
console.log(
  `bench parallel: ${navigator.hardwareConcurrency} cores, load average ${loadAverage()}, ${runs} runs each (at least 7 below 5M rows)`,
);
console.log(
  "command                      rows  --workers 0  its CPU   default  its CPU   ratio  ceiling  workers  bar",
);
const rows: Record<string, unknown>[] = [];
await Deno.mkdir(scratch, { recursive: true });
try {
  for (const size of sizes) {
    const reuse = size === 20_000_000 && await Deno.stat(LAB_CSV).then(() => true, () => false);
    const csv = reuse ? LAB_CSV : `${scratch}/sales_${size}.csv`;
    if (!reuse) {
      await run(["generate", "sales", "--rows", String(size), "--csv", csv, "--no-parquet", "--force"]);
    }
    for (const command of commands) {
      const main: number[] = [], parallel: number[] = [], mainCpu: number[] = [], parallelCpu: number[] = [];
      let workers: number | null = null;
      // Runs under a second vary by ±15 % on this machine from one to the next: more of them, for a steadier
      // median where they are cheap.
      const n = size < 5_000_000 ? Math.max(runs, 7) : runs;
      for (let r = 0; r < n; r++) {
        const alone = await run([...command.args(csv), "--workers", "0"]);
        main.push(alone.seconds);
        if (alone.cpu !== null) mainCpu.push(alone.cpu);
        const chosen = await run(command.args(csv));
        parallel.push(chosen.seconds);
        if (chosen.cpu !== null) parallelCpu.push(chosen.cpu);
        workers = chosen.workers;
      }
      const ratio = median(main) / median(parallel);
      // What the machine's cores could give at most: cores × wall ÷ CPU of the --workers 0 run (see above).
      const cores = navigator.hardwareConcurrency || 1;
      const ceiling = mainCpu.length === main.length ? cores * median(main) / median(mainCpu) : null;
      const bar = size >= 20_000_000 ? 1.8 : 0.95;
      // With no workers the default is the --workers 0 run itself: any difference is the machine's noise.
      const verdict = workers === 0 ? "same plan (main thread)" : ratio >= bar ? "met" : "MISSED";
      rows.push({
        command: command.name,
        rows: size,
        default_workers: workers,
        workers0_seconds: main.map((s) => +s.toFixed(3)),
        default_seconds: parallel.map((s) => +s.toFixed(3)),
        workers0_cpu_seconds: mainCpu.map((s) => +s.toFixed(2)),
        default_cpu_seconds: parallelCpu.map((s) => +s.toFixed(2)),
        ratio: +ratio.toFixed(2),
        ceiling: ceiling === null ? null : +ceiling.toFixed(2),
        bar,
        verdict,
      });
      const cells = [
        command.name.padEnd(22),
        String(size).padStart(9),
        `${median(main).toFixed(2).padStart(9)} s`,
        mainCpu.length ? `${median(mainCpu).toFixed(2).padStart(5)} s` : "      ?",
        `${median(parallel).toFixed(2).padStart(6)} s`,
        parallelCpu.length ? `${median(parallelCpu).toFixed(2).padStart(5)} s` : "      ?",
        `${ratio.toFixed(2).padStart(5)}×`,
        ceiling === null ? "      ?" : `${ceiling.toFixed(2).padStart(6)}×`,
        String(workers ?? "?").padStart(7),
        `≥ ${bar}× ${verdict}`,
      ];
      console.log(cells.join("  "));
    }
    if (!reuse) await Deno.remove(csv);
  }
} finally {
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
}
await Deno.mkdir("results", { recursive: true });
await Deno.writeTextFile(
  values.out,
  JSON.stringify({ load_average: loadAverage(), cores: navigator.hardwareConcurrency, runs, rows }, null, 2) +
    "\n",
);
console.log(`wrote ${values.out}`);
