/**
 * Exercise 0, Arrow in practice: why a columnar read beats row objects, what projection pushdown saves, and
 * row-group iteration (pyarrow's `iter_batches`). Each function works on any Parquet file.
 */
import type { RecordBatch } from "apache-arrow";
import { Table } from "apache-arrow";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { columnValidity, columnValues, kindOf, numericColumn } from "../batch.ts";
import { UsageError } from "../errors.ts";
import { fileByteSource } from "../io/file.ts";
import { releaseDeadBuffers, rssBytes } from "../io/memory.ts";
import { ParquetReader } from "../parquet/read.ts";
import { runScanTask } from "./tasks.ts";
import { runAll } from "../engine/run.ts";
import { CompensatedSum } from "../ops/sum.ts";

/** Bytes held by a batch's Arrow buffers (values, validity, offsets, dictionaries). */
export function batchBytes(batch: RecordBatch): number {
  let bytes = 0;
  for (const child of batch.data.children) {
    bytes += child.byteLength;
    if (child.dictionary) bytes += child.dictionary.data.reduce((s, d) => s + d.byteLength, 0);
  }
  return bytes;
}

/**
 * JS heap in use after a full GC when one can be forced, for before/after deltas of row objects (which live
 * in the heap). ArrayBuffer memory is left out: its release lags the GC, so it would blur the delta.
 */
function settledHeap(): number {
  releaseDeadBuffers(0);
  return Deno.memoryUsage().heapUsed;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function openReader(path: string) {
  const source = await fileByteSource(path);
  try {
    return await ParquetReader.open(source, { file: path });
  } catch (err) {
    source.close();
    throw err;
  }
}

export interface ReadMethod {
  method: string;
  description: string;
  median_seconds: number;
  seconds: number[];
  memory_bytes: number;
  memory_kind: string;
  rows: number;
}

export interface ReadBenchmark {
  path: string;
  /** Rows each method read: the whole file, or its first `max_rows` when a memory budget limits them. */
  rows: number;
  /** Rows in the file. */
  file_rows: number;
  /** The limit a memory budget set, or null. */
  max_rows: number | null;
  columns: number;
  methods: ReadMethod[];
  /** Method A time ÷ Method B time. */
  speedup_columnar_vs_rows: number;
  /** Method A memory ÷ Method B memory. */
  memory_ratio_rows_vs_columnar: number;
}

/**
 * Method A: the whole file into row objects (hyparquet `parquetReadObjects`: one object per row, the
 * "DataFrame with per-row overhead" path). Method B: a columnar read, row group by row group, into an Arrow
 * Table (`pq.read_table`). Method C: that Table converted to row objects (the `to_pandas` cost). Each is run
 * `runs` times; the median is reported. Memory: A and C hold every row as an object (measured heap growth);
 * B is the Arrow buffer bytes. The whole file is held in memory by design: this measures the cost of doing so —
 * or, with `maxRows` (a small memory budget), its first `maxRows` rows, and the result says so.
 */
export async function readBenchmark(
  path: string,
  options: { runs?: number; maxRows?: number } = {},
): Promise<ReadBenchmark> {
  const { runs = 3, maxRows } = options;
  const reader = await openReader(path);
  const file = reader.source;
  try {
    const names = reader.columns.map((c) => c.name);
    const times: Record<"A" | "B" | "C", number[]> = { A: [], B: [], C: [] };
    const memory = { A: 0, B: 0, C: 0 };
    let rowsA = 0, rowsB = 0, rowsC = 0;
    for (let run = 0; run < runs; run++) {
      // A: row objects straight from the file.
      let before = settledHeap();
      let t = performance.now();
      let objects: Record<string, unknown>[] | null = await parquetReadObjects({
        file,
        metadata: reader.metadata,
        compressors,
        ...(maxRows === undefined ? {} : { rowStart: 0, rowEnd: maxRows }),
      });
      times.A.push((performance.now() - t) / 1000);
      memory.A = Math.max(memory.A, settledHeap() - before);
      rowsA = objects.length;
      objects = null;
      // B: columnar, into an Arrow Table.
      t = performance.now();
      const batches: RecordBatch[] = [];
      for await (const batch of reader.batches({ limit: maxRows })) batches.push(batch);
      const table = new Table(batches);
      times.B.push((performance.now() - t) / 1000);
      rowsB = table.numRows;
      memory.B = batches.reduce((s, b) => s + batchBytes(b), 0);
      // C: the Arrow Table into row objects.
      before = settledHeap();
      t = performance.now();
      let rows: Record<string, unknown>[] | null = tableToObjects(batches, names);
      times.C.push((performance.now() - t) / 1000);
      memory.C = Math.max(memory.C, settledHeap() - before);
      rowsC = rows.length;
      rows = null;
    }
    const method = (
      key: "A" | "B" | "C",
      name: string,
      description: string,
      kind: string,
      rows: number,
    ): ReadMethod => ({
      method: name,
      description,
      median_seconds: median(times[key]),
      seconds: times[key],
      memory_bytes: memory[key],
      memory_kind: kind,
      rows,
    });
    const methods = [
      method(
        "A",
        "A: row objects",
        "whole file → one JS object per row (parquetReadObjects)",
        "heap growth",
        rowsA,
      ),
      method(
        "B",
        "B: columnar → Arrow Table",
        "row group by row group → typed arrays → Arrow Table",
        "Arrow buffers",
        rowsB,
      ),
      method(
        "C",
        "C: Arrow Table → row objects",
        "the Table converted to one object per row (to_pandas)",
        "heap growth",
        rowsC,
      ),
    ];
    return {
      path,
      rows: rowsB,
      file_rows: reader.rowCount,
      max_rows: maxRows ?? null,
      columns: names.length,
      methods,
      speedup_columnar_vs_rows: methods[0].median_seconds / methods[1].median_seconds,
      memory_ratio_rows_vs_columnar: methods[0].memory_bytes / Math.max(1, methods[1].memory_bytes),
    };
  } finally {
    reader.close();
  }
}

/**
 * `readBenchmark` run inside a worker, so that the gigabyte of row objects Methods A and C build is freed with
 * the worker's heap when it ends (the V8 heap of a long-lived process does not give memory back quickly,
 * which would distort every later measurement).
 */
export async function readBenchmarkInWorker(
  path: string,
  options: { runs?: number; maxRows?: number } = {},
): Promise<ReadBenchmark> {
  const [result] = await runAll<string, ReadBenchmark>([path], {
    local: runScanTask,
    workers: 1, // always a worker: its heap goes away with it
    task: () => ({ type: "read-benchmark", path, runs: options.runs ?? 3, maxRows: options.maxRows }),
    label: () => `read benchmark of ${path}`,
  });
  return result;
}

/** One plain object per row from columnar batches (timestamps as epoch ms numbers). */
export function tableToObjects(
  batches: readonly RecordBatch[],
  names: readonly string[],
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const batch of batches) {
    const columns = names.map((name) => batch.getChild(name)!);
    const n = batch.numRows;
    for (let i = 0; i < n; i++) {
      const row: Record<string, unknown> = {};
      for (let c = 0; c < names.length; c++) row[names[c]] = columns[c].get(i);
      out.push(row);
    }
  }
  return out;
}

export interface ProjectionBenchmark {
  path: string;
  rows: number;
  columns: string[];
  all: { seconds: number; bytes_read: number; bytes_held: number; columns: number };
  projected: { seconds: number; bytes_read: number; bytes_held: number; columns: number };
  /** 1 − projected ÷ all, for time, bytes read and bytes held. */
  reduction: { time: number; bytes_read: number; bytes_held: number };
  /** Σ price × quantity over the projected columns (compensated sum). */
  revenue: number | null;
}

/** Compressed bytes of the named columns' chunks: what a projected read fetches from disk. */
export function columnBytes(reader: ParquetReader, columns: readonly string[]): number {
  let bytes = 0;
  for (const group of reader.metadata.row_groups) {
    for (const chunk of group.columns) {
      if (chunk.meta_data && columns.includes(chunk.meta_data.path_in_schema[0])) {
        bytes += Number(chunk.meta_data.total_compressed_size);
      }
    }
  }
  return bytes;
}

/**
 * Reads every column, then only `columns` (default price, quantity), row group by row group; reports time,
 * bytes read from disk and bytes held in Arrow buffers for both, and Σ price × quantity when both columns are
 * projected. Memory: one row group.
 */
export async function projectionBenchmark(
  path: string,
  options: { columns?: readonly string[]; runs?: number } = {},
): Promise<ProjectionBenchmark> {
  const { runs = 3 } = options;
  const reader = await openReader(path);
  try {
    const names = reader.columns.map((c) => c.name);
    const columns = options.columns ? [...options.columns] : ["price", "quantity"];
    reader.checkColumns(columns);
    const measure = async (cols: string[], withRevenue: boolean) => {
      const seconds: number[] = [];
      let held = 0;
      let revenue: number | null = null;
      for (let run = 0; run < runs; run++) {
        const t = performance.now();
        held = 0;
        const sum = new CompensatedSum();
        for await (const batch of reader.batches({ columns: cols, reuse: true })) {
          held = Math.max(held, batchBytes(batch));
          if (withRevenue) addRevenue(sum, batch);
          releaseDeadBuffers();
        }
        seconds.push((performance.now() - t) / 1000);
        if (withRevenue) revenue = sum.value;
      }
      return { seconds: median(seconds), held, revenue };
    };
    const revenueColumns = columns.includes("price") && columns.includes("quantity");
    const all = await measure(names, false);
    const projected = await measure(columns, revenueColumns);
    const allRead = columnBytes(reader, names);
    const projectedRead = columnBytes(reader, columns);
    return {
      path,
      rows: reader.rowCount,
      columns,
      all: { seconds: all.seconds, bytes_read: allRead, bytes_held: all.held, columns: names.length },
      projected: {
        seconds: projected.seconds,
        bytes_read: projectedRead,
        bytes_held: projected.held,
        columns: columns.length,
      },
      reduction: {
        time: 1 - projected.seconds / all.seconds,
        bytes_read: 1 - projectedRead / allRead,
        bytes_held: 1 - projected.held / Math.max(1, all.held),
      },
      revenue: projected.revenue,
    };
  } finally {
    reader.close();
  }
}

/** Adds Σ price × quantity of a batch (rows where either is null are skipped) to `sum`. */
export function addRevenue(sum: CompensatedSum, batch: RecordBatch): void {
  for (const name of ["price", "quantity"]) {
    const kind = kindOf(batch.getChild(name)!.type);
    if (kind === "string" || kind === "bool" || kind === "timestamp") {
      throw new UsageError(`revenue needs numeric price and quantity; "${name}" is ${kind}`);
    }
  }
  const { values: price, validity: pv } = numericColumn(batch, "price");
  // An int64 quantity (DuckDB's and Polars' files) is read from its two 32-bit words in the loop: converting
  // the column to float64 first (numericColumn) was a pass and an allocation a batch, 41 of the 140 ms of a
  // projected read of the DuckDB-written warmup file (profiled), against ~17 ms for this loop.
  const quantity = columnValues(batch, "quantity");
  const qv = columnValidity(batch, "quantity");
  const wide = quantity instanceof BigInt64Array ? quantity : null;
  const words = wide ? new Int32Array(wide.buffer, wide.byteOffset, wide.length * 2) : null;
  const numbers = wide ? null : quantity as Float64Array | Int32Array;
  const n = batch.numRows;
  // Per-batch compensated partial sum, then one add: the same loop shape as OnlineStats.updateBatch.
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (pv) {
      const j = i + pv.offset;
      if ((pv.bitmap[j >> 3] & (1 << (j & 7))) === 0) continue;
    }
    if (qv) {
      const j = i + qv.offset;
      if ((qv.bitmap[j >> 3] & (1 << (j & 7))) === 0) continue;
    }
    // high × 2^32 is exact and adding the low word rounds once: the same double as Number(bigint), any int64.
    const q = words ? words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0) : numbers![i];
    const x = price[i] * q;
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  sum.add(s);
  sum.add(c);
}

export interface BatchStep {
  batch: number;
  rows: number;
  revenue: number;
  running_total: number;
  rss_mb: number;
}

export interface IterBatchesResult {
  path: string;
  row_groups: number;
  rows: number;
  rows_per_row_group: number[];
  batch_size: number;
  batches: BatchStep[];
  revenue: number;
  /** RSS after a collection, before the first batch. */
  baseline_rss_mb: number;
  /** The largest RSS measured after a batch (the same figures as `batches[].rss_mb`). */
  peak_rss_mb: number;
  /** The process the memory was measured in. */
  pid: number;
  seconds: number;
}

/**
 * pyarrow's `iter_batches`: row groups and rows from the footer, then batch by batch (row groups sliced to
 * `batchSize`) revenue, running total and RSS. Memory: one row group of the projected columns.
 */
export async function iterBatches(
  path: string,
  options: { batchSize?: number; columns?: readonly string[]; onBatch?: (step: BatchStep) => void } = {},
): Promise<IterBatchesResult> {
  const { batchSize = 500_000, onBatch } = options;
  const reader = await openReader(path);
  try {
    const columns = options.columns ? [...options.columns] : ["price", "quantity"];
    reader.checkColumns(columns);
    if (!columns.includes("price") || !columns.includes("quantity")) {
      throw new UsageError("batches computes revenue: --columns must include price and quantity");
    }
    const started = performance.now();
    const total = new CompensatedSum();
    const steps: BatchStep[] = [];
    releaseDeadBuffers(0); // the baseline is measured after a collection, not over earlier garbage
    const baseline = rssBytes();
    let peak = 0;
    for await (const batch of reader.batches({ columns, batchSize, reuse: true })) {
      const sum = new CompensatedSum();
      addRevenue(sum, batch);
      total.add(sum.value);
      const rss = rssBytes();
      peak = Math.max(peak, rss);
      const step = {
        batch: steps.length + 1,
        rows: batch.numRows,
        revenue: sum.value,
        running_total: total.value,
        rss_mb: Math.round(rss / 2 ** 20 * 10) / 10,
      };
      steps.push(step);
      onBatch?.(step);
      releaseDeadBuffers();
    }
    return {
      path,
      row_groups: reader.rowGroupCount,
      rows: reader.rowCount,
      rows_per_row_group: reader.rowGroupRanges().map((r) => r.rows),
      batch_size: batchSize,
      batches: steps,
      revenue: total.value,
      baseline_rss_mb: Math.round(baseline / 2 ** 20 * 10) / 10,
      peak_rss_mb: Math.round(peak / 2 ** 20 * 10) / 10,
      pid: Deno.pid,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    reader.close();
  }
}

// The notebook's names for this exercise's functions (Lab 06, Exercise 0).
export { generateWarmup as generateWarmupData } from "./generate.ts";
export {
  iterBatches as iterateBatches,
  projectionBenchmark as benchmarkProjection,
  readBenchmark as benchmarkReadMethods,
};
