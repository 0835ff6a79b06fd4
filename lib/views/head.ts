/** `head`: the first rows of any source, as plain objects with typed values. Decodes only the rows it returns. */
import type { Field, RecordBatch } from "apache-arrow";
import { columnData, type ColumnKind, kindOf } from "../batch.ts";
import { cellFormatter } from "../cells.ts";
import { formatTimestamp } from "../values.ts";
import type { Source } from "../sources/source.ts";

export type Value = number | bigint | string | boolean | null;

/**
 * A reader of a batch's rows as objects keyed by column name: timestamps as
 * `YYYY-MM-DD HH:MM:SS[.fraction]`, DATE, TIME and unsigned values as text, binary as DuckDB shows it (see
 * cells.ts), int64 as exact bigints. `fields` (the source's schema) carry the annotations a batch's own schema
 * may not. Each column's formatter is made once per batch, not per row.
 */
export function rowReader(
  batch: RecordBatch,
  fields: readonly Field[] = batch.schema.fields,
): (i: number) => Record<string, Value> {
  const columns = fields.map((field) => ({
    name: field.name,
    kind: kindOf(field.type),
    vector: batch.getChild(field.name)!,
    format: cellFormatter(field, columnData(batch, field.name)),
  }));
  return (i) => {
    const out: Record<string, Value> = {};
    for (const { name, kind, vector, format } of columns) {
      const value = vector.get(i);
      out[name] = value === null || value === undefined ? null : format ? format(i) : toValue(value, kind);
    }
    return out;
  };
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
    // In the asked order (JSON objects keep their keys' order, as the table does its columns).
    const fields = headColumns(source, columns).map((name) =>
      source.schema.fields.find((f) => f.name === name)!
    );
    for await (const batch of iterator) {
      const row = rowReader(batch, fields);
      for (let i = 0; i < batch.numRows && rows.length < n; i++) rows.push(row(i));
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
