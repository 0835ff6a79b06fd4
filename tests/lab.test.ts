import assert from "node:assert/strict";
import { labFolders, runLab } from "../lib/lab/run.ts";
import { OutputRefused } from "../lib/io/replace.ts";
import { LAB_METRICS_SCHEMA, validate } from "../lib/lab/schema.ts";
import { snapshot, tempDir } from "./_helpers.ts";

Deno.test("validate reports type errors and missing keys with their path", () => {
  assert.deepEqual(
    validate({ type: "object", required: ["a"], properties: { b: { type: "number" } } }, { b: "x" }),
    [
      '$: missing "a"',
      "$.b: expected number, got string",
    ],
  );
});

const SMALL = { warmupRows: 20_000, salesRows: 40_000, runs: 1, workers: 2 };

Deno.test("runLab writes metrics that match the schema, both charts and a self-contained report", async () => {
  const dir = await tempDir("lab");
  const lines: string[] = [];
  const doc = await runLab({
    data: `${dir}/data`,
    results: `${dir}/results`,
    ...SMALL,
    log: (l) => lines.push(l),
  });
  const written = JSON.parse(await Deno.readTextFile(`${dir}/results/lab06_metrics.json`));
  assert.deepEqual(validate(LAB_METRICS_SCHEMA, written), []);
  assert.deepEqual(Object.keys(written).slice(0, 6), [
    "environment",
    "exercise_0",
    "exercise_1",
    "exercise_2",
    "exercise_3",
    "exercise_4",
  ]);
  assert.equal(written.exercise_2.validation.passed, true);
  assert.equal(written.exercise_4.identical, true);
  assert.equal((doc.environment as { datasets: { sales_rows: number } }).datasets.sales_rows, 40_000);
  for (const chart of ["memoria_chunking.svg", "speedup_workers.svg"]) {
    assert.match(await Deno.readTextFile(`${dir}/results/${chart}`), /^<svg /);
  }
  const html = await Deno.readTextFile(`${dir}/results/report.html`);
  assert.match(html, /<svg /);
  assert.match(html, /Why does a columnar read beat row objects\?/);
  assert.match(html, /How far does parallelism go here\?/);
  // Only local content: no scripts, stylesheets, images or links to fetch.
  const withoutNamespaces = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "");
  assert.doesNotMatch(withoutNamespaces, /<script|<link|<img|<iframe|src=|href=|url\(|@import|https?:\/\//i);

  // Memory figures come from the measurement they name: a fresh process (not this one, which ran the
  // benchmarks), and the peak is the largest of the per-batch / per-chunk figures shown beside it.
  const it = written.exercise_0.iter_batches;
  assert.equal(it.measured_in, "own process");
  assert.notEqual(it.pid, Deno.pid);
  assert.equal(it.peak_rss_mb, Math.max(...it.batches.map((b: { rss_mb: number }) => b.rss_mb)));
  const memory = written.exercise_1.memory;
  assert.equal(memory.measured_in, "own process");
  assert.notEqual(memory.pid, Deno.pid);
  assert.equal(memory.peak_mb, Math.max(...memory.rss_mb));
  // The chart and the sentence beside it state the same numbers.
  const memorySvg = await Deno.readTextFile(`${dir}/results/memoria_chunking.svg`);
  assert.ok(memorySvg.includes(`before reading ${memory.baseline_mb} MiB, peak ${memory.peak_mb} MiB`));
  const fmt = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 3 });
  assert.ok(
    html.includes(`${fmt(memory.baseline_mb)} MiB before reading`) &&
      html.includes(`between ${fmt(Math.min(...memory.rss_mb))} and ${fmt(memory.peak_mb)} MiB`),
    "the report's memory sentence quotes the charted profile",
  );
  // Exercise 3: the 4-worker question and the chart come from the same runs.
  const { scaling, multiprocessing } = written.exercise_3;
  assert.equal(multiprocessing.sequential_seconds, scaling.sequential_seconds);
  assert.equal(multiprocessing.parallel_seconds, scaling.seconds["4"]);
  const speedupSvg = await Deno.readTextFile(`${dir}/results/speedup_workers.svg`);
  assert.ok(speedupSvg.includes(`sequential ${scaling.sequential_seconds.toFixed(2)} s`));
  assert.ok(
    html.includes(scaling.explanation.replaceAll("'", "&#39;").slice(0, 40)) ||
      html.includes(scaling.explanation.slice(0, 40)),
  );
  for (const e of [0, 1, 2, 3, 4]) assert.equal(typeof written[`exercise_${e}`].run.seconds, "number");

  // A second run of some exercises reuses the data and keeps the other exercises' results, saying so.
  const again: string[] = [];
  await runLab({
    data: `${dir}/data`,
    results: `${dir}/results`,
    ...SMALL,
    exercises: [2],
    log: (l) => again.push(l),
  });
  assert.ok(again.some((l) => l.startsWith("sales data already there")), again.join("\n"));
  const partial = JSON.parse(await Deno.readTextFile(`${dir}/results/lab06_metrics.json`));
  assert.deepEqual(partial.environment.exercises_run, [2]);
  assert.deepEqual(partial.environment.exercises_kept, [0, 1, 3, 4]);
  assert.equal(partial.exercise_0.run.at, written.exercise_0.run.at);
  assert.notEqual(partial.exercise_2.run.at, written.exercise_2.run.at);
  const partialHtml = await Deno.readTextFile(`${dir}/results/report.html`);
  assert.match(partialHtml, /this run: exercise 2 in .*exercises 0, 1, 3, 4 kept from earlier runs/);
});

Deno.test("a lab run of another size or seed is refused and leaves the first run's data and results intact", async () => {
  const dir = await tempDir("lab2");
  const folders = { data: `${dir}/data`, results: `${dir}/results` };
  await runLab({ ...folders, ...SMALL, exercises: [2] });
  const before = await snapshot(dir);
  for (const other of [{ salesRows: 30_000 }, { seed: 7 }, { warmupRows: 10_000 }]) {
    await assert.rejects(
      () => runLab({ ...folders, ...SMALL, ...other, exercises: [2] }),
      (err: Error) =>
        err instanceof OutputRefused &&
        /holds the lab's data for 20,000 warmup and 40,000 sales rows, seed 42/.test(err.message),
    );
  }
  // Results of another configuration are refused too, even with a fresh data folder.
  await assert.rejects(
    () =>
      runLab({ data: `${dir}/data2`, results: folders.results, ...SMALL, salesRows: 30_000, exercises: [2] }),
    (err: Error) => err instanceof OutputRefused && /holds the lab's results/.test(err.message),
  );
  assert.deepEqual(await snapshot(dir), before);
  // The same configuration again is fine.
  await runLab({ ...folders, ...SMALL, exercises: [2] });
});

Deno.test("lab files outcore did not write are refused before anything runs", async () => {
  const dir = await tempDir("lab3");
  await Deno.mkdir(`${dir}/data/raw`, { recursive: true });
  await Deno.writeTextFile(`${dir}/data/raw/sales_large.csv`, "mine\n1\n");
  await Deno.mkdir(`${dir}/results2`, { recursive: true });
  await Deno.writeTextFile(`${dir}/results2/report.html`, "<html>my notes</html>");
  const before = await snapshot(dir);
  await assert.rejects(
    () => runLab({ data: `${dir}/data`, results: `${dir}/results`, ...SMALL }),
    /sales_large\.csv" is there but .*lab_manifest\.json is not/,
  );
  await assert.rejects(
    () => runLab({ data: `${dir}/data2`, results: `${dir}/results2`, ...SMALL }),
    /report\.html" is not a report outcore wrote/,
  );
  assert.deepEqual(await snapshot(dir), before);
});

Deno.test("lab --small uses data/small and results/small unless told otherwise", () => {
  assert.deepEqual(labFolders({ small: true }), { data: "data/small", results: "results/small" });
  assert.deepEqual(labFolders({}), { data: "data", results: "results" });
  assert.deepEqual(labFolders({ small: true, data: "d", results: "r" }), { data: "d", results: "r" });
});

Deno.test("lab under a memory budget records its plan, bounds the row-object benchmark and draws the budget line", async () => {
  const dir = await tempDir("labbudget");
  const budget = { bytes: 200 * 2 ** 20, source: "--memory" as const };
  const doc = await runLab({
    data: `${dir}/data`,
    results: `${dir}/results`,
    ...SMALL,
    warmupRows: 120_000,
    exercises: [0, 1],
    budget,
  });
  const env = doc.environment as { memory_plan: { budget_bytes: number; read_benchmark_max_rows: number } };
  assert.equal(env.memory_plan.budget_bytes, budget.bytes);
  const read = (doc.exercise_0 as { read_benchmark: { rows: number; file_rows: number; max_rows: number } })
    .read_benchmark;
  assert.equal(read.max_rows, env.memory_plan.read_benchmark_max_rows);
  assert.equal(read.file_rows, 120_000);
  assert.equal(read.rows, Math.min(read.max_rows, 120_000));
  assert.ok(read.rows < 120_000, "a 200 MiB budget holds fewer row objects than the file has");
  const svg = await Deno.readTextFile(`${dir}/results/memoria_chunking.svg`);
  assert.match(svg, /memory budget 200 MiB/);
});
