/**
 * Output sinks for batches: Parquet (one row group per batch) or CSV, chosen by the file name, written under a
 * temporary name and moved into place only by `close()`; `abort()` removes everything.
 */
import type { RecordBatch, Schema } from "apache-arrow";
import { CsvEncoder } from "../csv/write.ts";
import { ParquetFileWriter, type WriteCodec } from "../parquet/write.ts";
import { AtomicOutput, FileWriter } from "../io/atomic.ts";

export interface Sink {
  readonly path: string;
  readonly format: "parquet" | "csv";
  rowCount: number;
  write(batch: RecordBatch): Promise<void>;
  /** Finishes the file and moves it into place. */
  close(): Promise<void>;
  /** Removes the partial output. */
  abort(): Promise<void>;
}

/**
 * A sink writing `schema` to `path` (`.csv` → CSV, anything else → Parquet); `path` is checked against
 * `inputs` and what is already there (see replace.ts).
 */
export async function openSink(
  path: string,
  schema: Schema,
  options: { force?: boolean; inputs?: readonly string[]; codec?: WriteCodec } = {},
): Promise<Sink> {
  const kind = path === "-" || /\.csv$/i.test(path) ? "csv" : "parquet";
  // `-`: CSV to standard output, written as it comes (nothing to commit or take back).
  const output = path === "-"
    ? null
    : await AtomicOutput.create(path, { kind, force: options.force, inputs: options.inputs });
  try {
    if (kind === "csv") {
      const file = output ? await FileWriter.open(output.tempPath) : FileWriter.stdout();
      const encoder = new CsvEncoder(schema);
      await file.write(encoder.header());
      const sink: Sink = {
        path,
        format: "csv",
        rowCount: 0,
        async write(batch) {
          if (batch.numRows === 0) return;
          await file.write(encoder.encode(batch));
          sink.rowCount += batch.numRows;
        },
        async close() {
          file.close();
          await output?.commit();
        },
        async abort() {
          file.close();
          await output?.abort();
        },
      };
      return sink;
    }
    const writer = await ParquetFileWriter.create(output!.tempPath, schema, { codec: options.codec });
    const sink: Sink = {
      path,
      format: "parquet",
      rowCount: 0,
      async write(batch) {
        await writer.write(batch);
        sink.rowCount = writer.rowCount;
      },
      async close() {
        await writer.close();
        await output!.commit();
      },
      async abort() {
        await writer.close().catch(() => {});
        await output!.abort();
      },
    };
    return sink;
  } catch (err) {
    await output?.abort();
    throw err;
  }
}
