/**
 * How a value reads as text when its Arrow type alone does not say: timestamps in µs or ns (every digit
 * kept), DATE (`2021-12-31`), TIME (`13:45:07.654321`) and unsigned 64-bit integers. Used by `head` and the
 * CSV writer, so both show the same text. Other columns need no formatter (null).
 */
import type { Data, Field } from "apache-arrow";
import { PARQUET_TYPE_KEY, timestampFactor } from "./batch.ts";
import {
  type Annotations,
  isDateAnnotation,
  isUnsignedAnnotation,
  timeUnitPerSecond,
} from "./annotations.ts";
import { formatTimestamp } from "./values.ts";

/** Text for row `i` of a column, or null for columns shown as their plain values. */
export type CellFormatter = (i: number) => string;

function fraction(rest: bigint, digits: number): string {
  if (rest === 0n) return "";
  return "." + rest.toString().padStart(digits, "0").replace(/0+$/, "");
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** `YYYY-MM-DD HH:MM:SS[.fraction]` of an epoch value in units of `perSecond` per second, exactly. */
export function formatEpoch(value: bigint, perSecond: bigint): string {
  const seconds = floorDiv(value, perSecond);
  const digits = perSecond.toString().length - 1;
  return formatTimestamp(Number(seconds) * 1000) + fraction(value - seconds * perSecond, digits);
}

/** `HH:MM:SS[.fraction]` of a time of day in units of `perSecond` per second. */
export function formatTimeOfDay(value: bigint, perSecond: bigint): string {
  const seconds = Number(floorDiv(value, perSecond));
  const pad = (n: number) => String(n).padStart(2, "0");
  const digits = perSecond.toString().length - 1;
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}` +
    fraction(value - BigInt(seconds) * perSecond, digits);
}

/**
 * Bytes as DuckDB shows a BLOB: printable ASCII as itself, every other byte (and the backslash) as `\xHH`.
 * Reversible (`blobBytes`), so binary values are carried as this text and written back unchanged.
 */
export function blobText(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    out += b >= 0x20 && b < 0x7f && b !== 0x5c
      ? String.fromCharCode(b)
      : `\\x${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The bytes of a `blobText`. */
export function blobBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && text[i + 1] === "x") {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else out.push(text.charCodeAt(i));
  }
  return Uint8Array.from(out);
}

/** A formatter for `data` of `field`, or null when the column's plain values read right. */
export function cellFormatter(field: Field, data: Data): CellFormatter | null {
  const annotations = field.metadata.get(PARQUET_TYPE_KEY);
  const a: Annotations = annotations ? JSON.parse(annotations) : {};
  const values = data.values as ArrayLike<number | bigint>;
  const at = (i: number) => BigInt(values[i]);
  const timeUnit = timeUnitPerSecond(a);
  if (timeUnit !== undefined) return (i) => formatTimeOfDay(at(i), timeUnit);
  if (isDateAnnotation(a)) return (i) => formatTimestamp(Number(values[i])).slice(0, 10);
  if (isUnsignedAnnotation(a) && a.type === "INT64") return (i) => BigInt.asUintN(64, at(i)).toString();
  const factor = timestampFactor(field.type);
  if (field.type.typeId === 10 && factor > 1) {
    const perSecond = BigInt(factor * 1000);
    return (i) => formatEpoch(at(i), perSecond);
  }
  return null;
}
