/** Column kind inference for CSV text, from a sample of a column's values. */
import type { ColumnKind } from "../batch.ts";
import { parseFloat64, parseInt32, parseTimestamp } from "./_values.ts";

const INTEGER_RE = /^[+-]?\d{1,19}$/;

/**
 * The narrowest kind every non-empty sample parses as: int32, then int64, float64, timestamp, else string.
 * An all-empty sample is a string column. O(sample size).
 */
export function inferKind(samples: readonly string[]): ColumnKind {
  let int32 = true;
  let int64 = true;
  let float64 = true;
  let timestamp = true;
  let any = false;
  for (const s of samples) {
    if (s === "") continue;
    any = true;
    if (int32 && parseInt32(s, 0, s.length) === undefined) int32 = false;
    if (int64 && !INTEGER_RE.test(s)) int64 = false;
    if (float64 && parseFloat64(s, 0, s.length) === undefined) float64 = false;
    if (timestamp && parseTimestamp(s, 0, s.length) === undefined) timestamp = false;
    if (!int32 && !int64 && !float64 && !timestamp) return "string";
  }
  if (!any) return "string";
  if (int32) return "int32";
  if (int64) return "int64";
  if (float64) return "float64";
  if (timestamp) return "timestamp";
  return "string";
}
