/** Human-readable numbers and aligned text tables for command output. */

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * 20000000 → "20,000,000". By hand: the first `toLocaleString` of a process loads ICU's locale data, ~10 ms of
 * a short command's run (profiled: 1.4 % of a 0.7 s filter).
 */
export function formatCount(n: number): string {
  const r = Math.round(n);
  if (!Number.isFinite(r)) return String(r);
  const digits = String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return r < 0 ? `-${digits}` : digits;
}

/** Seconds with sensible precision: "0.042 s", "3.21 s", "95.3 s". */
export function formatSeconds(seconds: number): string {
  return `${seconds < 1 ? seconds.toFixed(3) : seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
}

/** An aligned text table; numbers are right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((row) => row.map((v) => formatCell(v)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) =>
    rows.length > 0 &&
    rows.every((r) => typeof r[i] === "number" || typeof r[i] === "bigint" || r[i] === null)
  );
  const line = (row: readonly string[]) =>
    row.map((c, i) => numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
  }
  return String(value);
}

/** A count with its noun, singular for one: "1 batch", "3 batches", "1 row group", "2 workers". */
export function plural(
  n: number,
  noun: string,
  nouns = /(s|x|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`,
): string {
  return `${formatCount(n)} ${n === 1 ? noun : nouns}`;
}

/**
 * Where a pass ran, as summaries say it: "in the main thread" (0 workers), "with 2 workers", or for a pass
 * whose main thread scans too (stats, agg) "on the main thread and 1 worker".
 */
export function ranOn(workers: number, mainScans = false): string {
  if (workers === 0) return "in the main thread";
  return mainScans
    ? `on the main thread and ${plural(workers - 1, "worker")}`
    : `with ${plural(workers, "worker")}`;
}

/**
 * Pretty JSON in which a bigint (an exact 64-bit integer: an id, an int64 min/max/sum) is written as the
 * integer it is, digits and all, instead of throwing or rounding through a double.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(
    value,
    // NaN and ±Infinity are values too: JSON has no number for them, so they are written as text, not null.
    (
      _,
      v,
    ) => (typeof v === "bigint"
      ? rawJSON(String(v))
      : typeof v === "number" && !Number.isFinite(v)
      ? String(v)
      : v),
    2,
  );
}

/** V8's `JSON.rawJSON` (ES2025; not yet in TypeScript's lib): a value JSON.stringify writes as given. */
export const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
