import assert from "node:assert/strict";
import { runLab } from "../lib/lab.ts";
import { LAB_METRICS_SCHEMA, validate } from "../lib/lab_schema.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("validate reports type errors and missing keys with their path", () => {
  assert.deepEqual(
    validate({ type: "object", required: ["a"], properties: { b: { type: "number" } } }, { b: "x" }),
    [
      '$: missing "a"',
      "$.b: expected number, got string",
    ],
  );
});

Deno.test("runLab writes metrics that match the schema, both charts and a self-contained report", async () => {
  const dir = await tempDir("lab");
  const lines: string[] = [];
  const doc = await runLab({
    data: `${dir}/data`,
    results: `${dir}/results`,
    warmupRows: 20_000,
    salesRows: 40_000,
    runs: 1,
    workers: 2,
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
  assert.match(html, /Why is speedup sub-linear\?/);
  // Only local content: no scripts, stylesheets, images or links to fetch.
  const withoutNamespaces = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "");
  assert.doesNotMatch(withoutNamespaces, /<script|<link|<img|<iframe|src=|href=|url\(|@import|https?:\/\//i);
  // A second run reuses the data instead of generating it again.
  const again: string[] = [];
  await runLab({
    data: `${dir}/data`,
    results: `${dir}/results`,
    warmupRows: 20_000,
    salesRows: 40_000,
    runs: 1,
    exercises: [2],
    log: (l) => again.push(l),
  });
  assert.ok(again.some((l) => l.startsWith("sales data already there")), again.join("\n"));
});
