/** Options shared by commands that read a source: CSV types, delimiter and bad-row policy. */
import { type ParsedArgs, stringOption } from "../cli/args.ts";
import { COLUMN_KINDS, type ColumnKind } from "../batch.ts";
import { UsageError } from "../errors.ts";
import type { SourceOptions } from "../sources/source.ts";
import { memoryBudget, planFor } from "../io/budget.ts";

/** `--types price=float64,date=timestamp`, `--delimiter`, `--on-bad-rows` as SourceOptions. */
export function sourceOptions(args: ParsedArgs): SourceOptions {
  const options: SourceOptions = {};
  const types = stringOption(args, "types");
  if (types !== undefined) {
    const out: Record<string, ColumnKind> = {};
    for (const pair of types.split(",").map((s) => s.trim()).filter(Boolean)) {
      const [name, kind] = pair.split("=").map((s) => s.trim());
      if (!name || !COLUMN_KINDS.includes(kind as ColumnKind) || kind === "bool") {
        throw new UsageError(
          `--types takes name=kind pairs with kind one of float64, int32, int64, timestamp, string; got "${pair}"`,
          args.command,
        );
      }
      out[name] = kind as ColumnKind;
    }
    options.types = out;
  }
  const delimiter = stringOption(args, "delimiter");
  if (delimiter !== undefined) {
    options.delimiter = delimiter === "\\t" || delimiter === "tab" ? "\t" : delimiter;
  }
  const nulls = stringOption(args, "null-values");
  if (nulls !== undefined) options.nullValues = nulls.split(",");
  if (args.values["no-header"] === true) options.noHeader = true;
  const encoding = stringOption(args, "encoding-errors");
  if (encoding !== undefined) {
    if (encoding !== "error" && encoding !== "replace") {
      throw new UsageError(`--encoding-errors takes error or replace, got "${encoding}"`, args.command);
    }
    options.encodingErrors = encoding;
  }
  const onBad = stringOption(args, "on-bad-rows");
  if (onBad !== undefined) {
    if (onBad !== "error" && onBad !== "skip") {
      throw new UsageError(`--on-bad-rows takes error or skip, got "${onBad}"`, args.command);
    }
    options.onBadRows = onBad;
  }
  return options;
}

/**
 * The workers a command may use within its memory budget (`--memory`, `OUTCORE_MEMORY`, the cgroup's limit,
 * or half the RAM) when `requested` are asked for, and the budget for `--json`.
 */
export async function plannedWorkers(args: ParsedArgs, requested: number) {
  const budget = await memoryBudget(stringOption(args, "memory"));
  const plan = planFor(budget.bytes, requested);
  return {
    workers: plan.workers,
    memory: {
      budget_bytes: budget.bytes,
      source: budget.source,
      workers_allowed: plan.workers,
      plan: plan.reason,
    },
  };
}
