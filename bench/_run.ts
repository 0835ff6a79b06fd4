/**
 * One benchmark run in a fresh process (so peak RSS is the run's own): prints one JSON line
 * `{ seconds, rows, bytes, peak_rss_bytes, check }`. Used by bench/main.ts.
 */
import { columnValues } from "../lib/batch.ts";
import { generateSales } from "../lib/exercises/generate.ts";
import { openSource } from "../lib/sources/source.ts";
import { parallelStats } from "../lib/exercises/ex2_stats.ts";
import { parallelFilter } from "../lib/exercises/ex1_chunking.ts";
import { parsePredicate } from "../lib/ops/predicate.ts";
import { iterBatches, projectionBenchmark } from "../lib/exercises/ex0_arrow.ts";
import { parallelAgg } from "../lib/exercises/agg.ts";
import { partitionFiles, PIPELINE_SPEC, runPipeline } from "../lib/exercises/ex4_pipeline.ts";

// Peak RSS: sampled every 5 ms and after every batch (/proc/self/status needs --allow-all in Deno).
let peak = 0;
const sample = () => peak = Math.max(peak, Deno.memoryUsage().rss);
const sampler = setInterval(sample, 5);

const [mode, path, arg, extra] = Deno.args;
const started = performance.now();
let rows = 0;
let bytes = 0;
let check = 0;
if (mode === "read") {
  // Stream a file or dataset, projecting `arg` (a numeric column) and summing it as a check.
  const source = await openSource(path);
  for await (const batch of source.batches({ columns: arg ? [arg] : undefined })) {
    rows += batch.numRows;
    sample();
    if (arg) { for (const v of columnValues(batch, arg) as Float64Array) check += v; }
  }
  bytes = source.byteLength;
  source.close();
} else if (mode === "generate") {
  const result = await generateSales({
    rows: Number(arg),
    seed: 42,
    csv: `${path}/sales.csv`,
    parquet: `${path}/sales_partitioned`,
    workers: navigator.hardwareConcurrency || 2,
    force: true,
  });
  rows = result.rows;
  bytes = result.outputs.reduce((s, o) => s + o.bytes, 0);
} else if (mode === "stats") {
  // Price statistics with `arg` workers.
  const result = await parallelStats(path, { columns: ["price"], workers: Number(arg) });
  rows = result.rows;
  bytes = (await Deno.stat(path)).size;
  check = Number(result.columns.price.sum);
} else if (mode === "filter") {
  // The CLI's default: workers filter CSV ranges and encode row groups; the main thread stitches them.
  const result = await parallelFilter(path, {
    where: [parsePredicate("category = Electronics")],
    out: arg,
    force: true,
  });
  rows = result.rows_in;
  bytes = (await Deno.stat(path)).size;
  check = result.rows_out;
} else if (mode === "convert") {
  // `outcore convert CSV OUT.parquet`: the filter engine with no predicate, every row written.
  const result = await parallelFilter(path, { where: [], out: arg, force: true });
  rows = result.rows_out;
  bytes = (await Deno.stat(path)).size;
  check = result.row_groups;
} else if (mode === "agg") {
  // `outcore agg CSV` with the lab's arguments (Exercise 4's spec), default workers.
  const result = await parallelAgg(path, PIPELINE_SPEC);
  rows = result.rows;
  bytes = (await Deno.stat(path)).size;
  check = result.table.rows.reduce((s, r) => s + (r[2] as number), 0);
} else if (mode === "filter-where") {
  // `outcore filter PATH --where EXTRA --out ARG`, default workers (a selective filter of a Parquet file).
  const result = await parallelFilter(path, { where: [parsePredicate(extra)], out: arg, force: true });
  rows = result.rows_in;
  bytes = (await Deno.stat(path)).size;
  check = result.rows_out;
} else if (mode === "batches") {
  // `outcore batches PATH`: Σ price × quantity row group by row group, the pass a selective filter is held to.
  const result = await iterBatches(path);
  rows = result.rows;
  bytes = (await Deno.stat(path)).size;
  check = result.revenue;
} else if (mode === "pipeline") {
  // Exercise 4's parallel run over a partition folder, default workers (their start-up included); its figure
  // is the run's own parallel time, as the lab reports it (the sequential run is left out).
  const result = await runPipeline(path, { skipSequential: true });
  let partitionBytes = 0;
  for (const file of await partitionFiles(path)) partitionBytes += (await Deno.stat(file)).size;
  console.log(JSON.stringify({
    seconds: result.parallel_seconds,
    rows: result.rows.reduce((s, r) => s + r.revenue_count, 0),
    bytes: partitionBytes,
    peak_rss_bytes: peak,
    check: result.rows.reduce((s, r) => s + r.revenue_sum, 0),
  }));
  Deno.exit(0);
} else if (mode === "projection") {
  // Projected revenue only (one run: the harness repeats the process).
  const result = await projectionBenchmark(path, { runs: 1 });
  console.log(
    JSON.stringify({
      seconds: result.projected.seconds,
      rows: result.rows,
      bytes: result.projected.bytes_read,
      peak_rss_bytes: peak,
      check: result.revenue,
    }),
  );
  Deno.exit(0);
} else {
  console.error(`unknown mode ${mode}`);
  Deno.exit(2);
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
sample();
console.log(JSON.stringify({ seconds, rows, bytes, peak_rss_bytes: peak, check }));
