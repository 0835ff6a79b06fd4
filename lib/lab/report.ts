/**
 * The lab report: one self-contained HTML page (inline CSS, charts as inline SVG, no scripts, no network
 * requests) with each exercise's measured results and the lab's questions answered from this run's numbers.
 */
import { plural, ranOn } from "../format.ts";
import { HTML_MARK } from "../io/replace.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function esc(value: unknown): string {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** A number with thousands separators and at most `digits` decimals. */
function num(value: unknown, digits = 3): string {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return value === null || value === undefined ? "–" : esc(value);
  }
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

function range(t: Json): string {
  return t ? `${secs(t.min)}–${secs(t.max)}` : "–";
}

function secs(value: unknown): string {
  return typeof value === "number" ? `${value < 1 ? value.toFixed(3) : value.toFixed(2)} s` : "–";
}

function mib(bytes: unknown): string {
  return typeof bytes === "number" ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : "–";
}

function table(header: string[], rows: unknown[][]): string {
  const head = header.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Strips the XML prologue so the chart can sit inline in HTML. */
function inlineSvg(svg: string | undefined): string {
  if (!svg) return `<p class="note">Chart not available: run this exercise to draw it.</p>`;
  return `<figure>${svg.replace(/<\?xml[^>]*>/, "")}</figure>`;
}

/** Where a memory figure was measured, in words. */
function measuredIn(where: unknown): string {
  return where === "own process"
    ? "measured in a fresh process"
    : "measured in the lab's own process, which still holds memory from earlier steps";
}

/** " (runs 1.21–1.48×)" for a repeated measurement. */
function spread(range: Json): string {
  return range && range.min !== range.max ? ` (runs ${range.min.toFixed(2)}–${range.max.toFixed(2)}×)` : "";
}

/** "Ran … in 12.3 s" for an exercise's own run. */
function ranAt(e: Json): string {
  return e?.run ? `<p class="note">Ran at ${esc(e.run.at)} in ${secs(e.run.seconds)}.</p>` : "";
}

function exercise0(e: Json): string {
  if (!e) return "";
  const [a, b, c] = e.read_benchmark.methods;
  const p = e.projection;
  const it = e.iter_batches;
  return `<section><h2>Exercise 0 — Arrow in practice</h2>
<p>${num(e.read_benchmark.rows)} rows${
    e.read_benchmark.max_rows
      ? ` (the first of ${
        num(e.read_benchmark.file_rows)
      }: as many as the memory budget holds as row objects)`
      : ""
  } × ${e.read_benchmark.columns} columns of <code>${
    esc(e.read_benchmark.path)
  }</code>, median of ${a.seconds.length} run(s).</p>
${
    table(["operation", "time", "memory", "when to use it"], [
      [
        "A: read into row objects",
        secs(a.median_seconds),
        `${mib(a.memory_bytes)} (heap growth)`,
        "Small results that code walks row by row; never for scanning whole files.",
      ],
      [
        "B: columnar read into an Arrow Table",
        secs(b.median_seconds),
        `${mib(b.memory_bytes)} (Arrow buffers)`,
        "Analytics: aggregates, filters and joins over columns.",
      ],
      [
        "C: Arrow Table → row objects",
        secs(c.median_seconds),
        `${mib(c.memory_bytes)} (heap growth)`,
        "Only at the edge, for a library that needs row objects, on few rows.",
      ],
      [
        `projection: ${esc(p.columns.join(", "))} only`,
        secs(p.projected.seconds),
        `${mib(p.projected.bytes_held)} held, ${mib(p.projected.bytes_read)} read`,
        "Always: name the columns you need; the rest is never read.",
      ],
      [
        "all columns (for comparison)",
        secs(p.all.seconds),
        `${mib(p.all.bytes_held)} held, ${mib(p.all.bytes_read)} read`,
        "When every column is really used.",
      ],
      [
        `iter_batches (${num(it.batch_size)} rows)`,
        secs(it.seconds),
        `peak RSS ${num(it.peak_rss_mb)} MiB (${num(it.baseline_rss_mb)} MiB before; ${
          esc(measuredIn(it.measured_in))
        })`,
        "Files larger than memory: one batch at a time, a running total.",
      ],
    ])
  }
<p>Revenue Σ price × quantity from the projected read: <strong>${
    num(p.revenue, 2)
  }</strong>; from the batches: ${num(it.revenue, 2)}.
The file has ${plural(it.row_groups, "row group")} (${
    it.rows_per_row_group.map((r: number) => num(r)).join(", ")
  } rows).</p>
${ranAt(e)}
</section>`;
}

function exercise1(e: Json, memorySvg?: string): string {
  if (!e) return "";
  const s = e.chunked_stats;
  const m = e.memory;
  return `<section><h2>Exercise 1 — chunking</h2>
${
    table(["statistic (price)", "value"], [
      ["rows", num(s.rows)],
      ["chunks", num(s.chunks)],
      ["sum", num(s.sum, 6)],
      ["mean", num(s.mean, 6)],
      ["time", secs(s.seconds)],
    ])
  }
<p>Streaming filter <code>category = Electronics</code>: <strong>${num(e.electronics_rows)}</strong> of ${
    num(e.filter.rows_in)
  } rows
written to <code>${esc(e.filter.out)}</code> in ${secs(e.filter.seconds)}, in ${
    plural(e.filter.row_groups, "row group")
  } (matches are written as they fill a row group, not kept).</p>
${inlineSvg(memorySvg)}
<p>Resident memory, ${esc(measuredIn(m.measured_in))} — the same measurement as the chart: ${
    num(m.baseline_mb)
  } MiB before reading (after a collection), then between ${num(Math.min(...m.rss_mb))} and ${
    num(m.peak_mb)
  } MiB after each of ${m.rss_mb.length} chunks of ${num(m.rows_per_chunk[0])} rows.</p>
${ranAt(e)}
</section>`;
}

function exercise2(e: Json): string {
  if (!e) return "";
  const v = e.validation;
  const f = e.full_stats;
  return `<section><h2>Exercise 2 — online statistics</h2>
<p>Validation on the first ${num(v.rows)} values of <code>${esc(v.column)}</code>: <strong>${
    v.passed ? "passed" : "failed"
  }</strong>.</p>
${
    table(["", "mean", "variance", "std", "min", "max"], [
      [
        "online (Welford)",
        num(v.online.mean, 9),
        num(v.online.variance, 9),
        num(v.online.std, 9),
        num(v.online.min),
        num(v.online.max),
      ],
      [
        "exact (two-pass)",
        num(v.exact.mean, 9),
        num(v.exact.variance, 9),
        num(v.exact.std, 9),
        num(v.exact.min),
        num(v.exact.max),
      ],
      [
        "relative error",
        v.relative_error.mean.toExponential(2),
        v.relative_error.variance.toExponential(2),
        v.relative_error.std.toExponential(2),
        "",
        "",
      ],
    ])
  }
<p>Whole dataset (${num(f.rows)} rows) ${ranOn(f.workers, true)} in ${secs(f.seconds)}:</p>
${
    table(["count", "mean", "std", "variance", "min", "max"], [[
      num(f.count),
      num(f.mean, 9),
      num(f.std, 9),
      num(f.variance, 9),
      num(f.min),
      num(f.max),
    ]])
  }
${ranAt(e)}
</section>`;
}

function exercise3(e: Json, speedupSvg?: string): string {
  if (!e) return "";
  const t = e.threading;
  const m = e.multiprocessing;
  const s = e.scaling;
  return `<section><h2>Exercise 3 — parallelism</h2>
${
    table(["benchmark", "sequential", "parallel", "speedup"], [
      [
        `reading ${t.files} partitions, ${t.concurrency} asynchronous reads in flight`,
        secs(t.sequential_seconds),
        secs(t.concurrent_seconds),
        `${t.speedup.toFixed(2)}×${spread(t.speedup_range)}`,
      ],
      [
        `heavy_process on ${m.workers} workers (results ${m.identical ? "identical" : "different"})`,
        secs(m.sequential_seconds),
        secs(m.parallel_seconds),
        `${m.speedup.toFixed(2)}×${spread(m.speedup_range)}`,
      ],
    ])
  }
<p>${esc(t.explanation)}</p>
<p class="note">Times are medians of ${
    s.runs ?? 1
  } interleaved run(s); heavy_process on ${m.workers} workers above is
read off the same runs as the chart and table below. heavy_process is <code>outcore agg PATH --with 'score =
sqrt(price) * log1p(quantity)' --by category --mean score --sum score --count score --dropna</code>.</p>
${inlineSvg(speedupSvg)}
${
    table(
      ["workers", "time (median)", "fastest–slowest", "speedup", "ideal"],
      [
        ["sequential", secs(s.sequential_seconds), range(s.sequential), "1×", "1×"],
        ...Object.keys(s.seconds).map((w) => [
          w,
          secs(s.seconds[w]),
          range(s.timings?.[w]),
          `${s.speedup[w].toFixed(2)}×${spread(s.speedup_range?.[w])}`,
          `${w}×`,
        ]),
      ],
    )
  }
<p>${s.cores} cores; Amdahl's serial fraction from the measurements: <strong>${
    s.serial_fraction === null ? "not estimated" : s.serial_fraction.toFixed(3)
  }</strong>. ${esc(s.explanation)}</p>
${ranAt(e)}
</section>`;
}

function exercise4(e: Json): string {
  if (!e) return "";
  return `<section><h2>Exercise 4 — pipeline</h2>
<p>${e.partitions} partitions: sequential ${secs(e.sequential_seconds)}, ${plural(e.workers, "worker")} ${
    secs(e.parallel_seconds)
  } —
speedup ${e.speedup.toFixed(2)}×${spread(e.speedup_range)}${
    e.runs > 1 ? ` (medians of ${e.runs} runs)` : ""
  }; sequential and parallel tables ${e.identical ? "identical" : "different"}${
    e.runs > 1 ? " in every run" : ""
  }.</p>
<p>${esc(e.explanation ?? "")}</p>${ranAt(e)}
<p class="note">The same table from any file with these columns: <code>outcore agg PATH --with 'revenue = price *
quantity' --bin 'price_bin = price: 0,50,200,500,1000 : low,mid,high,premium' --by category,price_bin --sum revenue
--mean revenue --count revenue --sum quantity --dropna</code> (the pipeline is that aggregation, to the bit).</p>
${
    table(
      ["category", "price_bin", "revenue_sum", "revenue_mean", "revenue_count", "quantity_sum"],
      e.rows.map((
        r: Json,
      ) => [
        esc(r.category),
        esc(r.price_bin),
        num(r.revenue_sum, 2),
        num(r.revenue_mean, 2),
        num(r.revenue_count),
        num(r.quantity_sum),
      ]),
    )
  }
</section>`;
}

function answers(doc: Json): string {
  const items: string[] = [];
  const e0 = doc.exercise_0;
  if (e0) {
    const [a, b, c] = e0.read_benchmark.methods;
    items.push(
      `<li><strong>Why does a columnar read beat row objects?</strong> Here the columnar read took ${
        secs(b.median_seconds)
      } against
${secs(a.median_seconds)} for row objects (${
        e0.read_benchmark.speedup_columnar_vs_rows.toFixed(1)
      }× faster) and held ${mib(b.memory_bytes)}
against ${mib(a.memory_bytes)} (${
        e0.read_benchmark.memory_ratio_rows_vs_columnar.toFixed(1)
      }× less). A column is one typed array: one allocation,
8 bytes per number, read in one tight loop. Row objects cost an object, hidden-class slots and boxed values for every row, all of
which the garbage collector must trace. Converting back to rows afterwards (Method C) cost another ${
        secs(c.median_seconds)
      }.</li>`,
    );
    const p = e0.projection;
    items.push(
      `<li><strong>When does projection pay off?</strong> Reading ${
        esc(p.columns.join(" and "))
      } instead of all ${p.all.columns} columns read
${(p.reduction.bytes_read * 100).toFixed(0)}% fewer bytes (${mib(p.projected.bytes_read)} instead of ${
        mib(p.all.bytes_read)
      }) and took
${
        (p.reduction.time * 100).toFixed(0)
      }% less time. It pays off whenever a query needs a minority of the columns, and most on wide files and slow
storage: Parquet stores each column chunk contiguously, so unneeded columns are simply never fetched or decoded.</li>`,
    );
  }
  const e1 = doc.exercise_1;
  if (e1) {
    const m = e1.memory;
    items.push(
      `<li><strong>Why does chunking keep memory flat?</strong> Over ${m.rss_mb.length} chunks (${
        num(m.rows)
      } rows) resident memory (${esc(measuredIn(m.measured_in))}) stayed between ${
        num(Math.min(...m.rss_mb))
      } and ${num(m.peak_mb)} MiB while the whole ${
        mib(doc.environment?.datasets?.csv_bytes)
      } CSV was read; ${esc(m.description ?? "")}. ${
        m.flat
          ? "Only one chunk's columns are alive at a time"
          : "It is bounded by the chunk size, not the file size, though not perfectly flat in this run: only one chunk's columns are alive at a time"
      }; the statistics carried from chunk to chunk are a handful of numbers, and the filter writes matches as
they fill a row group instead of keeping them (the lab's version concatenates every chunk's matches and grows with them).</li>`,
    );
  }
  const e3 = doc.exercise_3;
  if (e3) {
    items.push(
      `<li><strong>How far does parallelism go here?</strong> ${esc(e3.scaling.explanation)}</li>`,
      `<li><strong>Do threads help with I/O?</strong> ${esc(e3.threading.explanation)}</li>`,
    );
  }
  return items.length
    ? `<section><h2>The lab's questions, answered from this run</h2><ol>${items.join("\n")}</ol></section>`
    : "";
}

/** Which exercises this run ran (and its time), and which results were kept from earlier runs. */
function runSummary(doc: Json): string {
  const env = doc.environment ?? {};
  const ran: number[] = env.exercises_run ?? [0, 1, 2, 3, 4];
  const kept: number[] = env.exercises_kept ?? [];
  const list = (xs: number[]) => xs.length === 1 ? `exercise ${xs[0]}` : `exercises ${xs.join(", ")}`;
  const own = ran.map((e) => `${e}: ${secs(doc[`exercise_${e}`]?.run?.seconds)}`).join(", ");
  return `${list(ran)} in ${secs(doc.timings?.total_seconds)} (${own})` +
    (kept.length
      ? `; ${list(kept)} kept from earlier runs (${
        kept.map((e) => `${e}: ${esc(doc[`exercise_${e}`]?.run?.at ?? "an earlier run")}`).join(", ")
      })`
      : "");
}

/** The report page for a metrics document, with the two charts (SVG text) inline. */
export function renderReport(doc: Json, charts: { memory?: string; speedup?: string }): string {
  const env = doc.environment ?? {};
  const timing = doc.timings ?? {};
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${HTML_MARK}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lab 06 — out-of-core, streaming and parallel processing: results</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
  table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
  th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
  th { background: #f5f5f5; } td:not(:first-child) { font-variant-numeric: tabular-nums; white-space: nowrap; }
  td:last-child { white-space: normal; }
  figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
  code { background: #f5f5f5; padding: 0 0.2rem; } .note { color: #666; } li { margin-bottom: 0.7rem; }
</style>
</head>
<body>
<h1>Lab 06 — out-of-core, streaming and parallel processing</h1>
<p class="note">outcore ${esc(env.outcore)} on Deno ${esc(env.deno)} · ${esc(env.cores)} cores · ${
    env.memory_bytes ? `${(env.memory_bytes / 2 ** 30).toFixed(1)} GiB memory · ` : ""
  }
${num(env.datasets?.warmup_rows)} warmup rows, ${num(env.datasets?.sales_rows)} sales rows, seed ${
    esc(env.seed)
  }${env.small ? " (small run)" : ""} ·
${esc(env.generated_at)} · this run: ${runSummary(doc)}</p>
${answers(doc)}
${exercise0(doc.exercise_0)}
${exercise1(doc.exercise_1, charts.memory)}
${exercise2(doc.exercise_2)}
${exercise3(doc.exercise_3, charts.speedup)}
${exercise4(doc.exercise_4)}
<section><h2>Timings</h2>
${table(["step", "time"], Object.entries(timing).map(([k, v]) => [esc(k), secs(v)]))}
</section>
</body>
</html>
`;
}
