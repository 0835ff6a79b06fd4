/**
 * What a Parquet column's type annotations (converted type or logical type) say, in one place: every reader,
 * writer and formatter asks these, so they never disagree on which byte arrays are text or what unit a TIME
 * is in. Works on plain annotation objects (a `SchemaElement`, or its JSON kept as field metadata).
 */
export interface Annotations {
  type?: string;
  converted_type?: string;
  logical_type?: { type: string; unit?: string; isSigned?: boolean; bitWidth?: number };
}

/** Text byte arrays: UTF8/STRING, ENUM, JSON. */
export function isTextAnnotation({ converted_type: c, logical_type: l }: Annotations): boolean {
  return c === "UTF8" || c === "ENUM" || c === "JSON" || l?.type === "STRING" || l?.type === "ENUM" ||
    l?.type === "JSON";
}

/** DECIMAL, in either annotation. */
export function isDecimalAnnotation({ converted_type: c, logical_type: l }: Annotations): boolean {
  return c === "DECIMAL" || l?.type === "DECIMAL";
}

/** DATE, in either annotation. */
export function isDateAnnotation({ converted_type: c, logical_type: l }: Annotations): boolean {
  return c === "DATE" || l?.type === "DATE";
}

/** Unsigned integers (UINT_8 … UINT_64, or INTEGER not signed). */
export function isUnsignedAnnotation({ converted_type: c, logical_type: l }: Annotations): boolean {
  return c?.startsWith("UINT_") === true || (l?.type === "INTEGER" && l.isSigned === false);
}

/** A TIME column's units per second (1000, 10^6, 10^9), or undefined for other columns. */
export function timeUnitPerSecond({ converted_type: c, logical_type: l }: Annotations): bigint | undefined {
  if (c === "TIME_MILLIS") return 1000n;
  if (c === "TIME_MICROS") return 1_000_000n;
  if (l?.type !== "TIME") return undefined;
  return l.unit === "MILLIS" ? 1000n : l.unit === "MICROS" ? 1_000_000n : 1_000_000_000n;
}
