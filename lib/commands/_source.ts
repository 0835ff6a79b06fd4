/** Options shared by commands that read a source: CSV types, delimiter and bad-row policy. */
import { intOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { plural } from "../format.ts";
import { COLUMN_KINDS, type ColumnKind } from "../batch.ts";
import { UsageError } from "../errors.ts";
import type { SourceOptions } from "../sources/source.ts";
import { getHeapStatistics } from "node:v8";
import { memoryBudget, memoryPlan } from "../io/budget.ts";

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
 * The plan a command runs with inside its memory budget (`--memory`, `OUTCORE_MEMORY`, the cgroup's limit, or
 * half the RAM) when `requested` workers are asked for: workers, rows per batch (`--chunk-size` wins), CSV unit
 * bytes; and the budget and plan as `--json` shows them. A command whose answer depends on the batch size
 * (stats, in its last bits) gives its own `chunkRows`, the same for every budget. A command whose main thread
 * scans units too says how it counts: `extra` (stats, agg: small results) adds it to the worker threads the
 * budget fits, so a budget that fits one still gets two scanners; `within` (filter, convert: this thread holds
 * a unit's encoded rows as a worker would) makes it one of them.
 */
export async function plannedWorkers(
  args: ParsedArgs,
  requested: number,
  options: {
    chunkOption?: string;
    writes?: boolean;
    workerBytes?: number;
    chunkRows?: number;
    mainScans?: "extra" | "within";
  } = {},
) {
  const { chunkOption = "chunk-size", chunkRows: fixed, mainScans, ...needs } = options;
  const budget = args.budget ?? await memoryBudget(stringOption(args, "memory"));
  const plan = memoryPlan(budget.bytes, requested, needs);
  const scanners = mainScans === "extra" && requested > 0
    ? Math.min(requested, plan.workers + 1)
    : plan.workers;
  const given = args.values[chunkOption] !== undefined;
  const chunkRows = given
    ? intOption(args, chunkOption, plan.chunkRows, { min: 1 })
    : fixed ?? plan.chunkRows;
  return {
    workers: scanners,
    chunkRows,
    rangeBytes: plan.rangeBytes,
    rowObjectRows: plan.rowObjectRows,
    memory: {
      budget_bytes: budget.bytes,
      source: budget.source,
      workers_allowed: plan.workers,
      chunk_rows: chunkRows,
      range_bytes: plan.rangeBytes,
      v8_heap: plan.heap
        ? { old_space_mib: plan.heap.oldSpaceMiB, semi_space_mib: plan.heap.semiSpaceMiB }
        : "V8 default",
      /** The limit this process really runs with (after a relaunch under the plan's limits). */
      v8_heap_limit_mib: Math.round(getHeapStatistics().heap_size_limit / (1 << 20)),
      plan: mainScans && scanners > 1
        ? `${plan.reason}; ${scanners} scanners: the main thread and ${plural(scanners - 1, "worker")}`
        : plan.reason,
    },
  };
}
