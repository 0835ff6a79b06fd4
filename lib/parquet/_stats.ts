/**
 * Row-group statistics as the footer stores them (raw bytes), formatted exactly: hyparquet's own conversion
 * turns DECIMAL to doubles, µs/ns timestamps to ms and binary to UTF-8, which `inspect` would then print
 * wrong (a DECIMAL(38,5) max of 12345678901234567890.12345 as 12345678901234570000). The thrift footer is
 * decoded with hyparquet's reader; each value is formatted as `head` shows the column (cells.ts).
 */
import type { AsyncBuffer, SchemaElement } from "hyparquet";
import { deserializeTCompactProtocol } from "hyparquet/src/thrift.js";
import { blobText, formatEpoch, formatTimeOfDay } from "../cells.ts";
import { formatTimestamp } from "../values.ts";
import { decimalText, unscaledOf } from "./read.ts";
import { timestampUnitOf } from "./schema.ts";
import {
  isDateAnnotation,
  isDecimalAnnotation,
  isTextAnnotation,
  isUnsignedAnnotation,
  timeUnitPerSecond,
} from "../annotations.ts";

/** The raw min and max bytes of each column chunk (by path), per row group. */
export type RawStatistics = Map<string, { min?: Uint8Array; max?: Uint8Array }>[];

/** Reads the footer of a Parquet file and returns its raw statistics. */
export async function rawStatistics(source: AsyncBuffer): Promise<RawStatistics> {
  const size = source.byteLength;
  const tail = new DataView(await source.slice(size - 8, size));
  const length = tail.getUint32(0, true);
  const footer = await source.slice(size - 8 - length, size - 8);
  const decoded = deserializeTCompactProtocol({ view: new DataView(footer), offset: 0 }) as Record<
    string,
    unknown
  >;
  // FileMetaData.row_groups (4) → RowGroup.columns (1) → ColumnChunk.meta_data (3) → path (3), statistics
  // (12) → max_value (5) / min_value (6), or the legacy max (1) / min (2).
  type Thrift = Record<string, unknown>;
  return ((decoded.field_4 as Thrift[]) ?? []).map((group) => {
    const out = new Map<string, { min?: Uint8Array; max?: Uint8Array }>();
    for (const chunk of (group.field_1 as Thrift[]) ?? []) {
      const meta = chunk.field_3 as Thrift | undefined;
      const stats = meta?.field_12 as Thrift | undefined;
      if (!meta || !stats) continue;
      const path = (meta.field_3 as Uint8Array[]).map((p) => new TextDecoder().decode(p)).join(".");
      out.set(path, {
        min: (stats.field_6 ?? stats.field_2) as Uint8Array | undefined,
        max: (stats.field_5 ?? stats.field_1) as Uint8Array | undefined,
      });
    }
    return out;
  });
}

/** A statistic's bytes as the column's values read: exact decimals, timestamps in their unit, blobs. */
export function formatStatistic(bytes: Uint8Array | undefined, e: SchemaElement): string | number | null {
  if (bytes === undefined) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { type } = e;
  const int = (): bigint =>
    type === "INT32" && bytes.length === 4 ? BigInt(view.getInt32(0, true)) : view.getBigInt64(0, true);
  const unsigned = isUnsignedAnnotation(e);
  if (isDecimalAnnotation(e)) {
    const unscaled = type === "INT32" || type === "INT64" ? int() : unscaledOf(bytes);
    return decimalText(unscaled, Number(e.scale ?? 0));
  }
  if (isDateAnnotation(e)) {
    return formatTimestamp(view.getInt32(0, true) * 86_400_000).slice(0, 10);
  }
  const timeUnit = timeUnitPerSecond(e);
  if (timeUnit !== undefined) return formatTimeOfDay(int(), timeUnit);
  if (type === "INT96" && bytes.length === 12) {
    const nanos = view.getBigInt64(0, true);
    const days = BigInt(view.getInt32(8, true)) - 2440588n;
    return formatEpoch(days * 86_400_000_000n + nanos / 1000n, 1_000_000n);
  }
  const unit = timestampUnitOf(e);
  if (unit && type === "INT64") {
    return formatEpoch(int(), unit === "ms" ? 1000n : unit === "us" ? 1_000_000n : 1_000_000_000n);
  }
  switch (type) {
    case "BOOLEAN":
      return bytes[0] === 1 ? "true" : "false";
    case "INT32":
      return unsigned ? view.getUint32(0, true) : view.getInt32(0, true);
    case "INT64": {
      const v = unsigned ? view.getBigUint64(0, true) : view.getBigInt64(0, true);
      return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
    }
    case "FLOAT":
      return view.getFloat32(0, true);
    case "DOUBLE":
      return view.getFloat64(0, true);
  }
  return isTextAnnotation(e) ? new TextDecoder().decode(bytes) : blobText(bytes);
}
