/**
 * Row predicates of the form `column op value` (op: = != < <= > >=), as given to `--where`. Several are ANDed.
 */
import { UsageError } from "../errors.ts";

export type Op = "=" | "!=" | "<" | "<=" | ">" | ">=";

export interface Predicate {
  column: string;
  op: Op;
  /** The literal as written (quotes removed); compared as a number when the column is numeric. */
  value: string;
}

/** A column (bare, or quoted with "…", '…' or `…` when it holds spaces or operators), an operator, a value. */
const PREDICATE_RE = /^\s*(?:"([^"]+)"|'([^']+)'|`([^`]+)`|([^\s=!<>"'`]+))\s*(!=|<=|>=|=|<|>)\s*(.*?)\s*$/;

/**
 * Parses `price > 100`, `category = "Home & Garden"` or `"Wildlife Size" = Large`; throws a UsageError for
 * anything else.
 */
export function parsePredicate(text: string): Predicate {
  const match = PREDICATE_RE.exec(text);
  if (!match || match[6] === "") {
    throw new UsageError(
      `cannot parse --where ${
        JSON.stringify(text)
      }: expected "column op value" with op one of = != < <= > >=`,
    );
  }
  let value = match[6];
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    value = value.slice(1, -1);
  }
  return { column: match[1] ?? match[2] ?? match[3] ?? match[4], op: match[5] as Op, value };
}

/** Compares two values with `op` (numbers numerically, strings by code unit order). */
export function compare(left: number | string, op: Op, right: number | string): boolean {
  switch (op) {
    case "=":
      return left === right;
    case "!=":
      return left !== right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
  }
}
