/** `head`: the first rows of any source, as plain objects with typed values. Reads only as many batches as needed. */
import type { Field, RecordBatch } from "apache-arrow";
import { columnData, type ColumnKind, kindOf } from "../batch.ts";
import { cellFormatter } from "../cells.ts";
import { formatTimestamp } from "../values.ts";
import type { Source } from "../sources/source.ts";

export type Value = number | bigint | string | boolean | null;

/**
 * Row `i` of a batch as an object keyed by column name: timestamps as `YYYY-MM-DD HH:MM:SS[.fraction]`,
 * DATE, TIME and unsigned values as text (see cells.ts), binary as hex, int64 as exact bigints. `fields`
 * (the source's schema) carry the annotations a batch's own schema may not.
 */
export function rowObject(
  batch: RecordBatch,
  i: number,
  fields: readonly Field[] = batch.schema.fields,
): Record<string, Value> {
  const out: Record<string, Value> = {};
  fields.forEach((field) => {
    const data = columnData(batch, field.name);
    const format = cellFormatter(field, data);
    const value = batch.getChild(field.name)!.get(i);
    if (value === null || value === undefined) out[field.name] = null;
    else if (format) out[field.name] = format(i);
    else out[field.name] = toValue(value, kindOf(field.type));
  });
  return out;
}

function toValue(value: unknown, kind: ColumnKind): Value {
  if (kind === "timestamp") return formatTimestamp(Number(value));
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
  const iterator = source.batches({ columns, batchSize, limit: n });
  try {
    const wanted = new Set(headColumns(source, columns));
    const fields = source.schema.fields.filter((f) => wanted.has(f.name));
    for await (const batch of iterator) {
      for (let i = 0; i < batch.numRows && rows.length < n; i++) rows.push(rowObject(batch, i, fields));
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
