/**
 * The lab's synthetic data: a warmup table (product_id, category, price, quantity, customer_id) and the sales
 * table, which adds `date` (one row per second from 2020-01-01 00:00:00). Rows are made in blocks of
 * `BLOCK_ROWS`, each from its own seeded generator, so any block can be made by any worker and the output is
 * the same bytes for the same seed whatever the number of workers.
 */
import type { RecordBatch } from "apache-arrow";
import { Field, Schema } from "apache-arrow";
import {
  arrowType,
  type Column,
  dictionaryData,
  float64Data,
  int32Data,
  makeBatch,
  timestampData,
} from "../batch.ts";
import { setInt64 } from "../values.ts";
import { CsvEncoder } from "../csv/write.ts";
import { AtomicOutput, FileWriter } from "../io/atomic.ts";
import { releaseDeadBuffers } from "../io/memory.ts";
import { HiveWriter } from "../parquet/hive.ts";
import { ParquetFileWriter } from "../parquet/write.ts";
import { runOrdered } from "../engine/run.ts";

export const CATEGORIES = ["Electronics", "Clothing", "Home", "Sports", "Food"] as const;
/** Rows per generator block (and per row group of the warmup file). */
export const BLOCK_ROWS = 1_000_000;
export const SALES_START_MS = Date.UTC(2020, 0, 1);

export type Table = "warmup" | "sales";

/** One dictionary type for every generated batch, so their schemas are equal (Arrow compares dictionary ids). */
const CATEGORY_TYPE = arrowType("string");

/** The Arrow schema of a generated table (no column is nullable). */
export function generatedSchema(table: Table): Schema {
  const fields = [
    new Field("product_id", arrowType("int32"), false),
    new Field("category", CATEGORY_TYPE, false),
    new Field("price", arrowType("float64"), false),
    new Field("quantity", arrowType("int32"), false),
    new Field("customer_id", arrowType("int32"), false),
  ];
  if (table === "sales") fields.unshift(new Field("date", arrowType("timestamp"), false));
  return new Schema(fields);
}

/** Seeds for block `block` of a table: splitmix32 over (seed, table, block). */
function blockSeeds(seed: number, table: Table, block: number): [number, number, number, number] {
  let state = (seed ^ Math.imul(block + 1, 0x9e3779b9) ^ (table === "sales" ? 0x5a1e5 : 0x3a7)) >>> 0;
  const next = () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return [next(), next(), next(), next()];
}

/**
 * Rows [block·BLOCK_ROWS, …) of a table, at most `BLOCK_ROWS` of them, as one batch. Uniform draws from sfc32:
 * product_id 1..9999, category one of five, price 1..1000 rounded to cents, quantity 1..49, customer_id
 * 1..99999. O(rows) memory; about 40 ns a row.
 */
export function generateBlock(table: Table, seed: number, block: number, totalRows: number): RecordBatch {
  return blockPieces(table, seed, block, totalRows, BLOCK_ROWS).next().value!;
}

/**
 * The same rows as `generateBlock`, as batches of up to `pieceRows` drawn one after another from the block's
 * one generator: the values do not depend on `pieceRows`, the memory does (O(pieceRows)).
 */
export function* blockPieces(
  table: Table,
  seed: number,
  block: number,
  totalRows: number,
  pieceRows: number,
): Generator<RecordBatch> {
  const first = block * BLOCK_ROWS;
  const rows = Math.max(0, Math.min(BLOCK_ROWS, totalRows - first));
  let [a, b, c, d] = blockSeeds(seed, table, block);
  // sfc32 (Chris Doty-Humphrey's small fast counting generator), inlined: 5 draws a row.
  const draw = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) draw();
  for (let done = 0; done < rows || (rows === 0 && done === 0); done += pieceRows) {
    const n = Math.min(pieceRows, rows - done);
    const productId = new Int32Array(n);
    const category = new Int32Array(n);
    const price = new Float64Array(n);
    const quantity = new Int32Array(n);
    const customerId = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      productId[i] = 1 + Math.floor(draw() * 9999);
      category[i] = Math.floor(draw() * 5);
      price[i] = Math.round((1 + draw() * 999) * 100) / 100;
      quantity[i] = 1 + Math.floor(draw() * 49);
      customerId[i] = 1 + Math.floor(draw() * 99999);
    }
    const columns: Column[] = [
      { name: "product_id", data: int32Data(productId) },
      { name: "category", data: dictionaryData(category, CATEGORIES, undefined, undefined, CATEGORY_TYPE) },
      { name: "price", data: float64Data(price) },
      { name: "quantity", data: int32Data(quantity) },
      { name: "customer_id", data: int32Data(customerId) },
    ];
    if (table === "sales") {
      const date = new BigInt64Array(n);
      const words = new Int32Array(date.buffer);
      for (let i = 0; i < n; i++) setInt64(words, i, SALES_START_MS + (first + done + i) * 1000);
      columns.unshift({ name: "date", data: timestampData(date) });
    }
    yield makeBatch(columns);
    if (rows === 0) return;
  }
}

/** Progress callback: rows generated so far, bytes written so far. */
export type OnProgress = (rows: number, bytes: number) => void;

export interface GenerateResult {
  rows: number;
  seed: number;
  seconds: number;
  outputs: { path: string; format: "csv" | "parquet" | "dataset"; bytes: number; files: number }[];
}

/**
 * Writes the warmup table to one Parquet file, one row group per block. Memory: one block (~25 MB).
 * The file appears only when complete.
 */
export async function generateWarmup(
  options: { rows: number; seed: number; out: string; force?: boolean; onProgress?: OnProgress },
): Promise<GenerateResult> {
  const { rows, seed, out, force = false, onProgress } = options;
  const started = performance.now();
  const output = await AtomicOutput.create(out, { kind: "parquet", force });
  try {
    const writer = await ParquetFileWriter.create(output.tempPath, generatedSchema("warmup"));
    const blocks = Math.ceil(rows / BLOCK_ROWS);
    for (let b = 0; b < blocks; b++) {
      await writer.write(generateBlock("warmup", seed, b, rows));
      onProgress?.(Math.min(rows, (b + 1) * BLOCK_ROWS), 0);
    }
    await writer.close();
    await output.commit();
  } catch (err) {
    await output.abort();
    throw err;
  }
  const bytes = (await Deno.stat(out)).size;
  return {
    rows,
    seed,
    seconds: (performance.now() - started) / 1000,
    outputs: [{ path: out, format: "parquet", bytes, files: 1 }],
  };
}

/** What a generate worker is asked to do with one block. */
export interface SalesBlockTask {
  type: "sales-block";
  seed: number;
  block: number;
  rows: number;
  csv: boolean;
  /** Dataset folder to write `category=…/part-<block>.parquet` files into, or null. */
  parquetDir: string | null;
  /** Rows made, encoded and written at a time (a row group of each part file per piece). */
  pieceRows: number;
}

/**
 * Makes one block piece by piece: its Parquet part files are written as it goes and each piece's CSV bytes
 * (no header) go to `onCsv`. Memory: one piece (about 100 bytes a row) and the part writers' buffers.
 */
async function makeSalesBlock(
  task: SalesBlockTask,
  onCsv: (bytes: Uint8Array) => Promise<void> | void,
): Promise<number> {
  const schema = generatedSchema("sales");
  const encoder = task.csv ? new CsvEncoder(schema) : null;
  const fileName = `part-${String(task.block).padStart(5, "0")}.parquet`;
  const writer = task.parquetDir === null
    ? null
    : new HiveWriter(task.parquetDir, schema, "category", { fileName });
  let rows = 0;
  for (const batch of blockPieces("sales", task.seed, task.block, task.rows, task.pieceRows)) {
    await writer?.write(batch);
    if (encoder) await onCsv(encoder.encode(batch));
    rows += batch.numRows;
  }
  await writer?.close();
  return rows;
}

/**
 * Makes one block and returns its CSV bytes (no header), piece by piece, for the main thread to append. Used
 * by the worker. The pieces go as they are: joining them was a fresh ~46 MB array and a copy per 1M-row block
 * (page faults and all).
 */
export async function salesBlockTask(task: SalesBlockTask): Promise<{ csv: Uint8Array[]; rows: number }> {
  const csv: Uint8Array[] = [];
  const rows = await makeSalesBlock(task, (bytes) => void csv.push(bytes));
  return { csv, rows };
}

/**
 * Writes the sales table as CSV and/or a Hive-partitioned Parquet dataset (by category, one file per block
 * and category), blocks made in parallel by `workers` workers, each in pieces of `pieceRows` rows. Memory:
 * about (workers + 2) blocks of CSV bytes (a ~49 MB buffer each) with workers; with none, one piece (~10 MB per 100,000
 * rows), its CSV written as it is made. The bytes are the same for any worker count and piece size. Both
 * outputs appear only when complete.
 */
export async function generateSales(
  options: {
    rows: number;
    seed: number;
    csv: string | null;
    parquet: string | null;
    workers: number;
    pieceRows?: number;
    force?: boolean;
    onProgress?: OnProgress;
  },
): Promise<GenerateResult> {
  const { rows, seed, csv, parquet, workers, pieceRows = BLOCK_ROWS, force = false, onProgress } = options;
  const started = performance.now();
  const outputs: AtomicOutput[] = [];
  try {
    const csvOut = csv === null ? null : await AtomicOutput.create(csv, { kind: "csv", force });
    if (csvOut) outputs.push(csvOut);
    const pqOut = parquet === null
      ? null
      : await AtomicOutput.create(parquet, { kind: "dataset", force, inputs: csv === null ? [] : [csv] });
    if (pqOut) outputs.push(pqOut);
    const csvWriter = csvOut ? await FileWriter.open(csvOut.tempPath) : null;
    try {
      await csvWriter?.write(new CsvEncoder(generatedSchema("sales")).header());
      const blocks = Array.from({ length: Math.ceil(rows / BLOCK_ROWS) }, (_, b) => b);
      const task = (block: number): SalesBlockTask => ({
        type: "sales-block",
        seed,
        block,
        rows,
        csv: csvWriter !== null,
        parquetDir: pqOut?.tempPath ?? null,
        pieceRows,
      });
      let done = 0;
      if (workers === 0) {
        // No workers (a small memory budget): each piece's CSV is written as soon as it is made.
        for (const block of blocks) {
          await makeSalesBlock(task(block), async (bytes) => {
            await csvWriter!.write(bytes);
            releaseDeadBuffers();
          });
          done = Math.min(rows, (block + 1) * BLOCK_ROWS);
          onProgress?.(done, csvWriter?.bytesWritten ?? 0);
        }
      }
      // Blocks in flight: one per worker, plus one ready to write (the engine's default window); the CSV is
      // appended in block order, so the bytes are the same for any worker count.
      const results = runOrdered<number, { csv: Uint8Array[]; rows: number }, SalesBlockTask>(
        workers === 0 ? [] : blocks,
        {
          workers,
          worker: new URL("../../workers/generate.ts", import.meta.url),
          task,
          label: (block) => `sales block ${block}`,
          local: async (task) => ({ value: await salesBlockTask(task) }),
        },
      );
      for await (const result of results) {
        for (const piece of result.csv) await csvWriter!.write(piece);
        releaseDeadBuffers();
        done += result.rows;
        onProgress?.(done, csvWriter?.bytesWritten ?? 0);
      }
    } finally {
      csvWriter?.close();
    }
    for (const output of outputs) await output.commit();
  } catch (err) {
    for (const output of outputs) await output.abort();
    throw err;
  }
  const result: GenerateResult = { rows, seed, seconds: (performance.now() - started) / 1000, outputs: [] };
  if (csv !== null) {
    result.outputs.push({ path: csv, format: "csv", bytes: (await Deno.stat(csv)).size, files: 1 });
  }
  if (parquet !== null) {
    let bytes = 0;
    let files = 0;
    for await (const entry of walkSizes(parquet)) {
      bytes += entry;
      files++;
    }
    result.outputs.push({ path: parquet, format: "dataset", bytes, files });
  }
  return result;
}

async function* walkSizes(dir: string): AsyncGenerator<number> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walkSizes(path);
    else if (!entry.name.startsWith("_")) yield (await Deno.stat(path)).size;
  }
}
