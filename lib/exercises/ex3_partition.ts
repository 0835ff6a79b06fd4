/**
 * Exercise 3's partition step: cut any input into `parts` Parquet files of contiguous rows whose counts differ
 * by at most one (numpy's `array_split`), streaming — the lab loads the whole CSV first; this never does.
 * Rows are first counted per unit (a CSV scan converts nothing; Parquet footers hold the counts), then each
 * part is written by a worker reading only the units that overlap it. Memory: one batch per worker.
 */
import { Schema } from "apache-arrow";
import { fieldOf, type FieldSpec, specOf } from "../batch.ts";
import { CsvReader } from "../csv/read.ts";
import { DataError, UsageError } from "../errors.ts";
import { AtomicOutput } from "../io/atomic.ts";
import { fileByteSource, FileChunks } from "../io/file.ts";
import { freeBatches, releaseDeadBuffers } from "../io/memory.ts";
import { openSource, type SourceOptions } from "../sources/source.ts";
import { splitsAreSafe } from "../io/split.ts";
import { describeUnit, planUnits, type Unit, unitBatches } from "../engine/units.ts";
import { ParquetReader } from "../parquet/read.ts";
import { ParquetFileWriter } from "../parquet/write.ts";
import { runScanTask } from "./tasks.ts";
import { runAll, workersFor } from "../engine/run.ts";

/** A column of the output schema, as plain data that crosses to workers. */
export type { FieldSpec } from "../batch.ts";

export interface CountUnitTask {
  type: "count-unit";
  unit: Unit;
}

export interface CountUnitResult {
  rows: number;
  quotes: number;
  /** CSV: empty fields per column (to declare REQUIRED columns that have no nulls). */
  empty: number[] | null;
}

/** Rows in a unit (run in a worker): a CSV range is scanned without converting any field. */
export async function countUnit(task: CountUnitTask): Promise<CountUnitResult> {
  const { unit } = task;
  if (unit.kind === "csv") {
    const reader = await CsvReader.open(
      await FileChunks.open(unit.path, { start: unit.start, end: unit.end }),
      {
        file: unit.path,
        header: unit.header,
        types: unit.types,
        delimiter: unit.delimiter,
        encodingErrors: unit.encodingErrors,
        columns: [],
        countEmpty: true,
      },
    );
    for await (const _ of reader.batches());
    return { rows: reader.rowsRead, quotes: reader.quoteCount, empty: [...reader.emptyFields!] };
  }
  const source = await fileByteSource(unit.path);
  try {
    const reader = await ParquetReader.open(source, { file: unit.path });
    const ranges = reader.rowGroupRanges();
    const groups = unit.rowGroups ?? ranges.map((_, i) => i);
    return { rows: groups.reduce((s, g) => s + ranges[g].rows, 0), quotes: 0, empty: null };
  } finally {
    source.close();
  }
}

/** Rows `[skip, skip + take)` of a unit. */
export interface Piece {
  unit: Unit;
  skip: number;
  take: number;
}

export interface WritePartTask {
  type: "write-part";
  path: string;
  fields: FieldSpec[];
  pieces: Piece[];
  chunkRows: number;
}

/** Writes one part file from its pieces, one row group per batch read (run in a worker). */
export async function writePart(task: WritePartTask): Promise<{ rows: number }> {
  const schema = new Schema(task.fields.map(fieldOf));
  const columns = task.fields.map((f) => f.name);
  const writer = await ParquetFileWriter.create(task.path, schema);
  for (const piece of task.pieces) {
    let position = 0;
    for await (const batch of unitBatches(piece.unit, { columns, chunkRows: task.chunkRows })) {
      const from = Math.max(0, piece.skip - position);
      const to = Math.min(batch.numRows, piece.skip + piece.take - position);
      position += batch.numRows;
      if (to > from) await writer.write(from === 0 && to === batch.numRows ? batch : batch.slice(from, to));
      // Written: a CSV reader's batch is this task's alone (a Parquet reader's may be views of its page).
      if (piece.unit.kind === "csv") freeBatches(batch);
      releaseDeadBuffers();
      if (position >= piece.skip + piece.take) break;
    }
  }
  await writer.close();
  return { rows: writer.rowCount };
}

/** Splits `total` rows into `parts` contiguous counts that differ by at most one (larger ones first). */
export function partSizes(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** The pieces of units (with their row counts) that make up each part. */
export function assignPieces(
  units: readonly Unit[],
  counts: readonly number[],
  sizes: readonly number[],
): Piece[][] {
  const parts: Piece[][] = sizes.map(() => []);
  let u = 0;
  let used = 0; // rows of unit u already assigned
  sizes.forEach((size, p) => {
    let need = size;
    while (need > 0) {
      while (u < units.length && used >= counts[u]) {
        u++;
        used = 0;
      }
      if (u >= units.length) throw new RangeError("more rows requested than the units hold");
      const take = Math.min(need, counts[u] - used);
      parts[p].push({ unit: units[u], skip: used, take });
      used += take;
      need -= take;
    }
  });
  return parts;
}

export interface PartitionResult {
  out: string;
  parts: { path: string; rows: number }[];
  rows: number;
  workers: number;
  seconds: number;
}

/**
 * Writes `out/part_000.parquet` … with `parts` files of contiguous rows (counts equal ±1), using `workers`
 * workers. The folder appears only when every part is written.
 */
export async function partition(
  path: string,
  options: SourceOptions & {
    parts?: number;
    out: string;
    workers?: number;
    force?: boolean;
    chunkRows?: number;
    /** After each part is written: rows written so far, and rows in all. */
    onProgress?: (rows: number, totalRows: number) => void;
  },
): Promise<PartitionResult> {
  const {
    parts = 16,
    out,
    workers = navigator.hardwareConcurrency || 1,
    force = false,
    chunkRows = 500_000,
    onProgress,
  } = options;
  if (!Number.isInteger(parts) || parts < 1) {
    throw new UsageError(`--parts must be a positive whole number, got ${parts}`);
  }
  const started = performance.now();
  const source = await openSource(path, options);
  const schemaFields = source.schema.fields.map((f) => specOf(f));
  source.close();
  // Units several times smaller than a part, so that a part re-reads little of a unit it shares.
  const rangeBytes = Math.min(32 << 20, Math.max(1 << 20, Math.ceil(source.byteLength / (parts * 4))));
  const plan = await planUnits(path, { ...options, rangeBytes });
  const output = await AtomicOutput.create(out, { kind: "partitions", force, inputs: [path] });
  try {
    // 1. Rows per unit (and, for CSV, which columns ever hold an empty field).
    const counts = await runAll<Unit, CountUnitResult>(plan.units, {
      local: runScanTask,
      workers,
      task: (unit) => ({ type: "count-unit", unit }),
      label: (unit, i) => `count ${describeUnit(unit, i)}`,
    });
    if (plan.format === "csv" && !splitsAreSafe(counts.map((c) => c.quotes))) {
      throw new DataError(
        { file: path },
        "has newlines inside quoted fields; partition cannot split it safely (convert it to Parquet first)",
      );
    }
    const fields = schemaFields.map((f, i) =>
      plan.format === "csv" ? { ...f, nullable: counts.some((c) => (c.empty?.[i] ?? 0) > 0) } : f
    );
    const total = counts.reduce((s, c) => s + c.rows, 0);
    const pieces = assignPieces(plan.units, counts.map((c) => c.rows), partSizes(total, parts));
    // 2. Each part written by one worker, from the units that overlap it.
    let rowsDone = 0;
    const name = (p: number) => `part_${String(p).padStart(3, "0")}.parquet`;
    const results = await runAll<Piece[], { rows: number }>(pieces, {
      local: runScanTask,
      workers,
      task: (partPieces, p): WritePartTask => ({
        type: "write-part",
        path: `${output.tempPath}/${name(p)}`,
        fields,
        pieces: partPieces,
        chunkRows,
      }),
      label: (_, p) => `write ${name(p)}`,
      onResult: (result) => {
        rowsDone += result.rows;
        onProgress?.(rowsDone, total);
      },
    });
    const written = results.map((r, p) => ({ path: `${out}/${name(p)}`, rows: r.rows }));
    await output.commit();
    return {
      out,
      parts: written,
      rows: total,
      workers: workersFor(plan.units.length, workers),
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    await output.abort();
    throw err;
  }
}
