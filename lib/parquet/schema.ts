/** Mapping between outcore column kinds (Arrow types) and Parquet schema elements. */
import type { Field } from "apache-arrow";
import type { SchemaElement } from "hyparquet";
import { type ColumnKind, kindOf, PARQUET_TYPE_KEY } from "../batch.ts";
import {
  isDateAnnotation,
  isDecimalAnnotation,
  isTextAnnotation,
  isUnsignedAnnotation,
  timeUnitPerSecond,
} from "../annotations.ts";
import { DEFAULT_PARSERS } from "hyparquet/src/convert.js";

/**
 * How hyparquet turns stored values into JS values, for every reader of ours: timestamps as bigint
 * milliseconds (never `Date` objects: cheaper, and exact), everything else as hyparquet does by default.
 */
export const PARSERS = {
  ...DEFAULT_PARSERS,
  timestampFromMilliseconds: (ms: bigint) => ms,
  timestampFromMicroseconds: (us: bigint) => us / 1000n,
  // INT96 timestamps arrive as nanoseconds; kept as microseconds, Spark's resolution, because nanoseconds
  // overflow int64 past the year 2262 (parquet-testing's int96_from_spark holds the year 290000).
  timestampFromNanoseconds: (ns: bigint) => (ns >= 0n ? ns / 1000n : -((-ns + 999n) / 1000n)),
  dateFromDays: (days: number) => BigInt(days) * 86_400_000n,
};

/**
 * How outcore carries a Parquet column whose type it does not compute on natively, so that `filter` and
 * `convert` write the same values and type back: `binary` (BYTE_ARRAY/FIXED_LEN_BYTE_ARRAY without a text
 * annotation, WKB geometry; held as DuckDB shows them: printable ASCII as is, other bytes as `\xHH`), `decimal` (precision ≤ 15: exact as a double once
 * rounded back to its scale), `decimal-text` (wider decimals, held as their exact text), `date` (as a
 * timestamp at midnight), `time`, `int` (signed 8/16-bit) and `uint` (unsigned integers, raw bits).
 */
export type Carry = "binary" | "decimal" | "decimal-text" | "date" | "time" | "int" | "uint";

/** The type annotations of a leaf, kept as field metadata for a carried column. */
export function annotationsOf(element: SchemaElement): string {
  const { type, type_length, converted_type, logical_type, scale, precision } = element;
  return JSON.stringify(
    { type, type_length, converted_type, logical_type, scale, precision },
    (_, v) => typeof v === "bigint" ? Number(v) : v,
  );
}

/** The carry of a leaf column, or undefined for the types outcore computes on as they are. */
export function carryOf(element: SchemaElement): Carry | undefined {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (isDecimalAnnotation(element)) return (element.precision ?? 38) <= 15 ? "decimal" : "decimal-text";
  if (isDateAnnotation(element)) return "date";
  if (timeUnitPerSecond(element) !== undefined) return "time";
  if (isUnsignedAnnotation(element)) return "uint";
  if (
    converted === "INT_8" || converted === "INT_16" ||
    (logical?.type === "INTEGER" && logical.isSigned && logical.bitWidth < 32)
  ) return "int";
  if (type === "BYTE_ARRAY" || type === "FIXED_LEN_BYTE_ARRAY") {
    // UUID and FLOAT16 are converted by hyparquet (to text and numbers): not bytes to carry.
    const converts = isTextAnnotation(element) || logical?.type === "UUID" || logical?.type === "FLOAT16";
    return converts ? undefined : "binary";
  }
  return undefined;
}

/** Timestamp unit of a leaf: "ms", "us" or "ns" (INT96 is nanoseconds), or undefined for other columns. */
export function timestampUnitOf(element: SchemaElement): "ms" | "us" | "ns" | undefined {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (type === "INT96") return "us";
  if (logical?.type === "TIMESTAMP") {
    return logical.unit === "MILLIS" ? "ms" : logical.unit === "MICROS" ? "us" : "ns";
  }
  if (converted === "TIMESTAMP_MILLIS") return "ms";
  if (converted === "TIMESTAMP_MICROS") return "us";
  return undefined;
}

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
  if (converted === "DECIMAL" || logical?.type === "DECIMAL") {
    return (element.precision ?? 38) <= 15 ? "float64" : "string";
  }
  if (converted === "UINT_32" || converted === "UINT_64") return "int64";
  if (logical?.type === "INTEGER" && !logical.isSigned && logical.bitWidth >= 32) return "int64";
  switch (type) {
    case "BOOLEAN":
      return "bool";
    case "INT32":
      return "int32";
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

/**
 * The element outcore writes for an Arrow field: the annotations a carried column was read with (field
 * metadata `PARQUET_TYPE_KEY`; INT96 timestamps become INT64 TIMESTAMP(NANOS)), else its kind's element,
 * timestamps in their own unit.
 */
export function elementForField(field: Field): SchemaElement {
  const repetition_type = field.nullable ? "OPTIONAL" : "REQUIRED";
  const kind = kindOf(field.type);
  const annotations = field.metadata.get(PARQUET_TYPE_KEY);
  const unit = kind === "timestamp"
    ? (["MILLIS", "MILLIS", "MICROS", "NANOS"] as const)[(field.type as { unit: number }).unit]
    : undefined;
  if (annotations) {
    const a = JSON.parse(annotations) as SchemaElement;
    if (a.type !== "INT96") {
      const element: SchemaElement = { name: field.name, type: a.type, repetition_type };
      if (a.type_length != null) element.type_length = a.type_length;
      if (a.converted_type != null) element.converted_type = a.converted_type;
      if (a.logical_type != null) element.logical_type = a.logical_type;
      if (a.scale != null) element.scale = a.scale;
      if (a.precision != null) element.precision = a.precision;
      return element;
    }
  }
  const element = elementForKind(field.name, kind, field.nullable);
  if (unit && unit !== "MILLIS") element.logical_type = { type: "TIMESTAMP", isAdjustedToUTC: false, unit };
  return element;
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
