/** `head`: the first rows of any source, as plain objects with typed values. Reads only as many batches as needed. */
import type { RecordBatch } from "apache-arrow";
import { type ColumnKind, kindOf } from "./batch.ts";
import { formatTimestamp } from "./csv/_values.ts";
import type { Source } from "./io/source.ts";

export type Value = number | string | boolean | null;

/** Row `i` of a batch as an object keyed by column name (timestamps as `YYYY-MM-DD HH:MM:SS`, int64 as number when exact). */
export function rowObject(batch: RecordBatch, i: number, kinds?: ColumnKind[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  batch.schema.fields.forEach((field, c) => {
    const kind = kinds?.[c] ?? kindOf(field.type);
    const value = batch.getChildAt(c)!.get(i);
    out[field.name] = toValue(value, kind);
  });
  return out;
}

function toValue(value: unknown, kind: ColumnKind): Value {
  if (value === null || value === undefined) return null;
  if (kind === "timestamp") return formatTimestamp(Number(value));
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  return value as Value;
}

/** The first `n` rows of `source` (projected to `columns`). Memory: the batches read to reach `n` rows. */
export async function headRows(
  source: Source,
  n: number,
  columns?: readonly string[],
): Promise<Record<string, Value>[]> {
  const rows: Record<string, Value>[] = [];
  if (n <= 0) return rows;
  const batchSize = Math.max(1024, Math.min(n, 500_000));
  const iterator = source.batches({ columns, batchSize });
  try {
    for await (const batch of iterator) {
      const kinds = batch.schema.fields.map((f) => kindOf(f.type));
      for (let i = 0; i < batch.numRows && rows.length < n; i++) rows.push(rowObject(batch, i, kinds));
      if (rows.length >= n) break;
    }
  } finally {
    await iterator.return(undefined);
  }
  return rows;
}

/** Column names of a source after projection. */
export function headColumns(source: Source, columns?: readonly string[]): string[] {
  return columns ? [...columns] : source.schema.fields.map((f) => f.name);
}
