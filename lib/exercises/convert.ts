/**
 * `convert IN OUT --partition-by COL`: any input as a Hive dataset `OUT/COL=value/part-NNNNN.parquet`, one
 * file per unit (CSV range, row group, file) and value, written by the workers in parallel — the partition
 * column is not stored in the files, as Hive, pyarrow and DuckDB do; null and empty values go to
 * `COL=__HIVE_DEFAULT_PARTITION__`, as Hive, Spark and pyarrow write them. The folder appears only when complete.
 * Memory: per worker, one batch plus one row group per value present in it.
 */
import { Schema } from "apache-arrow";
import { fieldOf, type FieldSpec, kindOf } from "../batch.ts";
import { DataError, UsageError } from "../errors.ts";
import { AtomicOutput } from "../io/atomic.ts";
import { releaseDeadBuffers } from "../io/memory.ts";
import { HiveWriter } from "../parquet/hive.ts";
import type { WriteCodec } from "../parquet/write.ts";
import { openSource, type SourceOptions } from "../sources/source.ts";
import { type Unit, unitBatches } from "../engine/units.ts";
import { scanUnits } from "../engine/scan.ts";
import { selectFields } from "./ex1_chunking.ts";
import { runScanTask } from "./tasks.ts";

export interface HiveUnitTask {
  type: "hive-unit";
  unit: Unit;
  /** The columns written, the partition column among them. */
  fields: FieldSpec[];
  column: string;
  /** The dataset's temporary folder. */
  dir: string;
  fileName: string;
  chunkRows: number;
  codec?: WriteCodec;
}

export interface HiveUnitResult {
  rows: number;
  quotes: number;
  /** Rows written per partition value. */
  partitions: [string, number][];
}

/** Writes one unit's rows into the dataset folder (run inside a worker). */
export async function hiveUnit(task: HiveUnitTask): Promise<HiveUnitResult> {
  const schema = new Schema(task.fields.map(fieldOf));
  const writer = new HiveWriter(task.dir, schema, task.column, {
    fileName: task.fileName,
    codec: task.codec,
  });
  const counts = { rows: 0, quotes: 0, skipped: 0 };
  const columns = task.fields.map((f) => f.name);
  try {
    for await (const batch of unitBatches(task.unit, { columns, chunkRows: task.chunkRows }, counts)) {
      await writer.write(batch);
      releaseDeadBuffers();
    }
  } finally {
    await writer.close();
  }
  return { rows: counts.rows, quotes: counts.quotes, partitions: [...writer.partitions] };
}

export interface DatasetResult {
  out: string;
  rows: number;
  /** Rows per partition value, sorted by value. */
  partitions: Record<string, number>;
  files: number;
  workers: number;
  seconds: number;
  /** Why the input was written by one reader instead, or null. */
  fallback: string | null;
}

/**
 * Writes `path` as a Hive dataset partitioned by the text column `column` at `out` on up to `workers`
 * workers (0: this thread). `select` keeps those columns (the partition column is always kept).
 */
export async function convertToDataset(
  path: string,
  options: SourceOptions & {
    out: string;
    column: string;
    select?: readonly string[];
    force?: boolean;
    workers?: number;
    chunkRows?: number;
    rangeBytes?: number;
    workerBytes?: number;
    codec?: WriteCodec;
    onProgress?: (rows: number, bytes: number, totalBytes: number) => void;
  },
): Promise<DatasetResult> {
  const { out, column, force = false, workers = navigator.hardwareConcurrency || 1, chunkRows = 500_000 } =
    options;
  const started = performance.now();
  const source = await openSource(path, options);
  let fields: FieldSpec[];
  try {
    const select = options.select && !options.select.includes(column)
      ? [...options.select, column]
      : options.select;
    const field = source.schema.fields.find((f) => f.name === column);
    if (!field) {
      throw new UsageError(
        `--partition-by: no column "${column}" (available: ${
          source.schema.fields.map((f) => f.name).join(", ")
        })`,
      );
    }
    if (kindOf(field.type) !== "string") {
      throw new UsageError(
        `--partition-by ${column}: only text columns can name folders (it is ${kindOf(field.type)})`,
      );
    }
    fields = selectFields(source.schema, select, []).fields;
  } finally {
    source.close();
  }
  const output = await AtomicOutput.create(out, { kind: "dataset", force, inputs: [path] });
  try {
    const fileName = (i: number) => `part-${String(i).padStart(5, "0")}.parquet`;
    const task = (unit: Unit, i: number): HiveUnitTask => ({
      type: "hive-unit",
      unit,
      fields,
      column,
      dir: output.tempPath,
      fileName: fileName(i),
      chunkRows,
      codec: options.codec,
    });
    // The whole file again, read from its start in this thread (so that an error names its exact line).
    const wholeFile = async (): Promise<HiveUnitResult[]> => {
      const schema = new Schema(fields.map(fieldOf));
      const writer = new HiveWriter(output.tempPath, schema, column, {
        fileName: fileName(0),
        codec: options.codec,
      });
      const source = await openSource(path, options);
      let rows = 0;
      try {
        const columns = fields.map((f) => f.name);
        for await (const batch of source.batches({ columns, batchSize: chunkRows })) {
          await writer.write(batch);
          rows += batch.numRows;
          options.onProgress?.(rows, source.bytesRead(), source.byteLength);
          releaseDeadBuffers();
        }
      } finally {
        source.close();
        await writer.close();
      }
      // Only this run's files stay: the units' files from before (and any write of a terminated worker that
      // landed meanwhile) go; this run's `part-00000.parquet` files replaced unit 0's.
      for await (const e of Deno.readDir(output.tempPath)) {
        const folder = `${output.tempPath}/${e.name}`;
        if (!e.isDirectory) {
          await Deno.remove(folder);
          continue;
        }
        for await (const f of Deno.readDir(folder)) {
          if (f.name !== fileName(0)) await Deno.remove(`${folder}/${f.name}`, { recursive: true });
        }
      }
      return [{ rows, quotes: 0, partitions: [...writer.partitions] }];
    };
    const scan = await scanUnits<HiveUnitResult>(path, {
      ...options,
      workers,
      local: runScanTask,
      task,
      label: "write",
      onProgress: options.onProgress,
    });
    const results = scan.results ?? await wholeFile();
    const partitions: Record<string, number> = {};
    let files = 0;
    for (const r of results) {
      for (const [value, rows] of r.partitions) {
        partitions[value] = (partitions[value] ?? 0) + rows;
        files++;
      }
    }
    const rows = results.reduce((s, r) => s + r.rows, 0);
    if (rows === 0) {
      throw new DataError(
        { file: path },
        "has no rows: a dataset needs at least one file (nothing was written)",
      );
    }
    await output.commit();
    return {
      out,
      rows,
      partitions: Object.fromEntries(Object.keys(partitions).sort().map((k) => [k, partitions[k]])),
      files,
      workers: scan.fallback === null ? scan.workers : 0,
      seconds: (performance.now() - started) / 1000,
      fallback: scan.fallback,
    };
  } catch (err) {
    await output.abort();
    throw err;
  }
}
