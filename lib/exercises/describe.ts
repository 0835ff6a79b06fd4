/**
 * `stats PATH` without `--column`: every column described in one parallel pass — numbers by Exercise 2's
 * online statistics (the same bits `stats --column` gives), text by distinct values, lengths and most frequent
 * values, timestamps and dates by min and max, booleans by true and false counts, anything else by its count
 * and nulls. Units are summarised in workers and merged in unit order (lib/ops/describe.ts): the same answer
 * for any worker count. Memory: one batch per worker plus the text columns' value counts (bounded).
 */
import type { RecordBatch } from "apache-arrow";
import { columnData, isUnsigned64, kindOf, NESTED_KEY, PARQUET_TYPE_KEY } from "../batch.ts";
import { isDateAnnotation, timeUnitPerSecond } from "../annotations.ts";
import { type ColumnSummary, OnlineStats, type OnlineStatsState } from "../ops/online_stats.ts";
import {
  type BoolState,
  BoolStats,
  type RangeState,
  RangeStats,
  type TextState,
  TextStats,
  type TextSummary,
} from "../ops/describe.ts";
import { openSource, type Source, type SourceOptions } from "../sources/source.ts";
import { releaseDeadBuffers } from "../io/memory.ts";
import { type Unit, unitBatches } from "../engine/units.ts";
import { scanSequentially, scanUnits } from "../engine/scan.ts";
import { addBatch } from "./ex1_chunking.ts";
import { STATS_CHUNK_ROWS } from "./ex2_stats.ts";
import { runScanTask } from "./tasks.ts";

/** How a column is described. */
export type Role = "number" | "text" | "time" | "date" | "bool" | "other";

export interface DescribeUnitTask {
  type: "describe-unit";
  unit: Unit;
  columns: DescribedColumn[];
}

/** A column to describe: its name, role and Parquet annotations (how its values read), as plain data. */
export interface DescribedColumn {
  name: string;
  role: Role;
  annotations?: string;
}

type State = OnlineStatsState | TextState | RangeState | BoolState;

export interface DescribeUnitResult {
  states: State[];
  rows: number;
  quotes: number;
}

export type ColumnDescription =
  | ({ kind: "number" } & ColumnSummary)
  | TextSummary
  | ReturnType<RangeStats["summary"]>
  | ReturnType<BoolStats["summary"]>
  | { kind: "other"; count: number; nulls: number };

/** Every column of a source with its role. */
export function columnRoles(source: Source): DescribedColumn[] {
  return source.schema.fields.map((f) => {
    const text = f.metadata.get(PARQUET_TYPE_KEY);
    const annotations = JSON.parse(text ?? "{}");
    // A time of day (Parquet TIME, 64-bit integers) is described by its range, as timestamps are.
    if (timeUnitPerSecond(annotations) !== undefined) {
      return { name: f.name, role: "time" as Role, annotations: text };
    }
    let kind;
    try {
      kind = kindOf(f.type);
    } catch {
      return { name: f.name, role: "other" as Role };
    }
    const role: Role = kind === "float64" || kind === "int32" || kind === "int64"
      ? (isUnsigned64(f) ? "other" : "number")
      : kind === "timestamp"
      ? (isDateAnnotation(annotations) ? "date" : "time")
      : kind === "bool"
      ? "bool"
      : f.metadata.has(NESTED_KEY)
      ? "other"
      : "text";
    return { name: f.name, role, annotations: text };
  });
}

/** The accumulators of a set of columns, fed batch by batch. */
class Describer {
  readonly columns: DescribedColumn[];
  readonly numbers: (OnlineStats | null)[];
  readonly texts: (TextStats | null)[];
  readonly ranges: (RangeStats | null)[];
  readonly bools: (BoolStats | null)[];
  readonly others: ({ count: number; nulls: number } | null)[];

  constructor(columns: DescribedColumn[]) {
    this.columns = columns;
    this.numbers = columns.map((c) => (c.role === "number" ? new OnlineStats() : null));
    this.texts = columns.map((c) => (c.role === "text" ? new TextStats() : null));
    this.ranges = columns.map((c) =>
      c.role === "time" || c.role === "date"
        ? new RangeStats({ dates: c.role === "date", annotations: c.annotations })
        : null
    );
    this.bools = columns.map((c) => (c.role === "bool" ? new BoolStats() : null));
    this.others = columns.map((c) => (c.role === "other" ? { count: 0, nulls: 0 } : null));
  }

  add(batch: RecordBatch): void {
    this.columns.forEach((c, i) => {
      if (this.numbers[i]) addBatch(this.numbers[i]!, batch, c.name);
      else if (this.texts[i]) this.texts[i]!.addBatch(columnData(batch, c.name), batch.numRows);
      else if (this.ranges[i]) this.ranges[i]!.addBatch(batch, c.name);
      else if (this.bools[i]) this.bools[i]!.addBatch(columnData(batch, c.name), batch.numRows);
      else {
        const nulls = columnData(batch, c.name).nullCount;
        this.others[i]!.count += batch.numRows - nulls;
        this.others[i]!.nulls += nulls;
      }
    });
  }

  states(): State[] {
    return this.columns.map((_, i) =>
      this.numbers[i]?.toJSON() ?? this.texts[i]?.toJSON() ?? this.ranges[i]?.state ?? this.bools[i]?.state ??
        { count: this.others[i]!.count, nulls: this.others[i]!.nulls, true: 0 }
    );
  }

  merge(states: State[]): void {
    states.forEach((s, i) => {
      if (this.numbers[i]) this.numbers[i]!.merge(OnlineStats.fromJSON(s as OnlineStatsState));
      else if (this.texts[i]) this.texts[i]!.merge(s as TextState);
      else if (this.ranges[i]) this.ranges[i]!.merge(s as RangeState);
      else if (this.bools[i]) this.bools[i]!.merge(s as BoolState);
      else {
        this.others[i]!.count += (s as BoolState).count;
        this.others[i]!.nulls += (s as BoolState).nulls;
      }
    });
  }

  result(): Record<string, ColumnDescription> {
    return Object.fromEntries(this.columns.map((c, i) => {
      const d: ColumnDescription = this.numbers[i]
        ? { kind: "number", ...this.numbers[i]!.summary() }
        : this.texts[i]?.summary() ?? this.ranges[i]?.summary() ?? this.bools[i]?.summary() ??
          { kind: "other", ...this.others[i]! };
      return [c.name, d];
    }));
  }
}

/** One unit described (run inside a worker). Memory: one batch plus the text columns' counts. */
export async function describeUnitTask(task: DescribeUnitTask): Promise<DescribeUnitResult> {
  const d = new Describer(task.columns);
  const counts = { rows: 0, quotes: 0, skipped: 0 };
  const names = task.columns.map((c) => c.name);
  for await (
    const batch of unitBatches(
      task.unit,
      { columns: names, chunkRows: STATS_CHUNK_ROWS, reuse: true },
      counts,
    )
  ) {
    d.add(batch);
    releaseDeadBuffers();
  }
  return { states: d.states(), rows: counts.rows, quotes: counts.quotes };
}

export interface DescribeResult {
  columns: Record<string, ColumnDescription>;
  rows: number;
  units: number;
  workers: number;
  seconds: number;
  fallback: string | null;
}

/** Describes every column of `path` on up to `workers` workers (0: this thread). */
export async function describeAll(
  path: string,
  options: SourceOptions & {
    workers?: number;
    rangeBytes?: number;
    workerBytes?: number;
    onProgress?: (rows: number, bytes: number, totalBytes: number) => void;
  } = {},
): Promise<DescribeResult> {
  const { workers = navigator.hardwareConcurrency || 1, onProgress } = options;
  const started = performance.now();
  const source = await openSource(path, options);
  let columns: DescribedColumn[];
  try {
    columns = columnRoles(source);
  } finally {
    source.close();
  }
  const sequential = async (reason: string): Promise<DescribeResult> => {
    const d = new Describer(columns);
    const rows = await scanSequentially(
      path,
      options,
      { batchSize: STATS_CHUNK_ROWS, reuse: true },
      (b) => d.add(b),
      onProgress,
    );
    return {
      columns: d.result(),
      rows,
      units: 1,
      workers: 0,
      seconds: (performance.now() - started) / 1000,
      fallback: reason,
    };
  };
  const scan = await scanUnits<DescribeUnitResult>(path, {
    ...options,
    workers,
    local: runScanTask,
    task: (unit) => ({ type: "describe-unit", unit, columns }),
    mainScans: true,
    label: "stats",
    onProgress,
  });
  if (scan.fallback !== null) return await sequential(scan.fallback);
  const results = scan.results;
  const d = new Describer(columns);
  for (const r of results) d.merge(r.states);
  return {
    columns: d.result(),
    rows: results.reduce((s, r) => s + r.rows, 0),
    units: scan.units,
    workers: scan.workers,
    seconds: (performance.now() - started) / 1000,
    fallback: null,
  };
}
