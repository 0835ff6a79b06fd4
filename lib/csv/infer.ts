/** Column kind inference for CSV text, from a sample of a column's values. */
import type { ColumnKind } from "../batch.ts";
import { parseFloat64, parseInt32, parseTimestamp } from "../values.ts";

const INTEGER_RE = /^[+-]?\d{1,19}$/;

/** A leading zero before another digit, after an optional sign (`00501`, `-01`). */
function leadingZero(s: string): boolean {
  const i = s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45 ? 1 : 0;
  const next = s.charCodeAt(i + 1);
  return s.charCodeAt(i) === 48 && next >= 48 && next <= 57;
}

/**
 * The narrowest kind every non-empty sample parses as: int32, then int64, float64, timestamp, else string.
 * A value with a leading zero (`00501`) makes the column text; empty fields and the `nulls` tokens (NA, …)
 * are skipped; an all-empty sample is a string column.
 * O(sample size). An int32 is an int64 and an int64 a float64, so a value that passes the narrower test is not
 * given the wider ones (the main thread infers ~16,000 rows before any worker has work: 40 ms with every test
 * on every value, profiled on the lab's CSV).
 */
export function inferKind(samples: readonly string[], nulls: ReadonlySet<string> = new Set()): ColumnKind {
  let int32 = true;
  let int64 = true;
  let float64 = true;
  let timestamp = true;
  let any = false;
  for (const s of samples) {
    if (s === "" || nulls.has(s)) continue;
    any = true;
    // A leading zero before another digit (ZIP 00501, registration 000009113186) is an identifier, not a
    // number: as a number it would lose its zeros. Text it stays.
    if (leadingZero(s)) return "string";
    if (timestamp && parseTimestamp(s, 0, s.length) === undefined) timestamp = false;
    if (int32 && parseInt32(s, 0, s.length) !== undefined) continue;
    int32 = false;
    if (int64 && INTEGER_RE.test(s)) continue;
    int64 = false;
    if (float64 && parseFloat64(s, 0, s.length) !== undefined) continue;
    float64 = false;
    if (!timestamp) return "string";
  }
  if (!any) return "string";
  if (int32) return "int32";
  if (int64) return "int64";
  if (float64) return "float64";
  if (timestamp) return "timestamp";
  return "string";
}

/** Field texts read as null in numeric and timestamp columns by default (besides the empty field). */
export const NUMERIC_NULLS: readonly string[] = ["NA", "N/A", "NULL", "null", "\\N"];

/** The delimiters `sniffDelimiter` chooses among, most likely first. */
const CANDIDATES = [",", ";", "\t", "|"];

/**
 * The field separator of a CSV text, from its first lines: among `,` `;` tab `|`, the one that appears
 * (outside quotes) the same non-zero number of times on most lines, the most often; `,` when none does.
 */
export function sniffDelimiter(text: string, lines = 50): string {
  const counts: number[][] = CANDIDATES.map(() => []);
  const current = CANDIDATES.map(() => 0);
  let quoted = false;
  let seen = 0;
  for (let i = 0; i < text.length && seen < lines; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || i === text.length - 1)) {
      if (c !== "\n") {
        const k = CANDIDATES.indexOf(c);
        if (k >= 0) current[k]++;
      }
      CANDIDATES.forEach((_, k) => {
        counts[k].push(current[k]);
        current[k] = 0;
      });
      seen++;
    } else if (!quoted) {
      const k = CANDIDATES.indexOf(c);
      if (k >= 0) current[k]++;
    }
  }
  let best = ",";
  let bestScore = 0;
  CANDIDATES.forEach((d, k) => {
    const rows = counts[k].filter((n, i) => !(n === 0 && i === counts[k].length - 1)); // a final blank line
    if (rows.length === 0 || rows[0] === 0) return;
    const consistent = rows.filter((n) => n === rows[0]).length / rows.length;
    if (consistent < 0.9) return;
    const score = rows[0] * consistent;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  });
  return best;
}
