/** Mapping between outcore column kinds (Arrow types) and Parquet schema elements. */
import type { SchemaElement } from "hyparquet";
import type { ColumnKind } from "../batch.ts";
import { DEFAULT_PARSERS } from "hyparquet/src/convert.js";

/**
 * How hyparquet turns stored values into JS values, for every reader of ours: timestamps as bigint
 * milliseconds (never `Date` objects: cheaper, and exact), everything else as hyparquet does by default.
 */
export const PARSERS = {
  ...DEFAULT_PARSERS,
  timestampFromMilliseconds: (ms: bigint) => ms,
  timestampFromMicroseconds: (us: bigint) => us / 1000n,
  timestampFromNanoseconds: (ns: bigint) => ns / 1_000_000n,
  dateFromDays: (days: number) => BigInt(days) * 86_400_000n,
};

/**
 * The column kind a Parquet leaf column is read as, or undefined for nested (group/repeated) columns, which
 * are read as JSON text.
 */
export function kindOfElement(element: SchemaElement): ColumnKind | undefined {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (logical?.type === "TIMESTAMP" || converted === "TIMESTAMP_MILLIS" || converted === "TIMESTAMP_MICROS") {
    return "timestamp";
  }
  if (converted === "DATE" || logical?.type === "DATE") return "timestamp";
  if (converted === "DECIMAL" || logical?.type === "DECIMAL") return "float64";
  switch (type) {
    case "BOOLEAN":
      return "bool";
    case "INT32":
      return converted === "UINT_32" ? "int64" : "int32";
    case "INT64":
      return "int64";
    case "INT96":
      return "timestamp";
    case "FLOAT":
    case "DOUBLE":
      return "float64";
    case "BYTE_ARRAY":
    case "FIXED_LEN_BYTE_ARRAY":
      return "string";
  }
  return undefined;
}

/**
 * The Parquet schema element outcore writes for a column kind. Timestamps are INT64 milliseconds,
 * not adjusted to UTC (a CSV's `2020-01-01 00:00:00` has no zone), as pandas writes naive datetimes.
 */
export function elementForKind(name: string, kind: ColumnKind, nullable: boolean): SchemaElement {
  const repetition_type = nullable ? "OPTIONAL" : "REQUIRED";
  switch (kind) {
    case "float64":
      return { name, type: "DOUBLE", repetition_type };
    case "int32":
      return { name, type: "INT32", repetition_type };
    case "int64":
      return { name, type: "INT64", repetition_type };
    case "timestamp":
      return {
        name,
        type: "INT64",
        repetition_type,
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MILLIS" },
      };
    case "string":
      return {
        name,
        type: "BYTE_ARRAY",
        converted_type: "UTF8",
        logical_type: { type: "STRING" },
        repetition_type,
      };
    case "bool":
      return { name, type: "BOOLEAN", repetition_type };
  }
}

/** A short human name for a Parquet column's physical and logical type, e.g. `INT64 (TIMESTAMP[MILLIS])`. */
export function describeElement(element: SchemaElement): string {
  const { type, converted_type: converted, logical_type: logical } = element;
  let annotation = "";
  if (logical) {
    annotation = logical.type;
    if (logical.type === "TIMESTAMP") {
      annotation += `[${logical.unit}${logical.isAdjustedToUTC ? ", UTC" : ""}]`;
    }
  } else if (converted) annotation = converted;
  return annotation ? `${type} (${annotation})` : String(type ?? "GROUP");
}
