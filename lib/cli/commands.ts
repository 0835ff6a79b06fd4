/** The command table: it drives dispatch, argument parsing and help. Modules load lazily (string literals, so `deno compile` embeds them). */
import type { CommandSpec, OptionSpec } from "./args.ts";

const json: OptionSpec = { type: "boolean", description: "print one JSON document instead of text" };
const csvOptions: Record<string, OptionSpec> = {
  types: {
    type: "string",
    value: "COL=KIND,…",
    description: "CSV: column kinds (float64, int32, int64, timestamp, string) instead of inferred ones",
  },
  delimiter: { type: "string", value: "CHAR", description: "CSV: field separator (default ,)" },
  "on-bad-rows": {
    type: "string",
    value: "error|skip",
    description: "CSV: stop at a bad row (default) or skip and count it",
  },
};

export const COMMANDS: CommandSpec[] = [
  {
    name: "generate",
    summary: "write the lab's synthetic data: the warmup Parquet file or the sales CSV + Hive dataset",
    usage: "warmup|sales [options]",
    details: `
Tables (as the lab): warmup = product_id, category, price, quantity, customer_id (default 5,000,000 rows, one
Parquet file); sales adds date, one row per second from 2020-01-01 00:00:00 (default 20,000,000 rows, a CSV and a
Parquet dataset partitioned by category). The same seed gives the same bytes whatever --workers is.

Examples:
  outcore generate warmup --rows 1000000
  outcore generate sales --rows 2000000 --csv data/raw/s.csv --parquet data/processed/s --force`,
    options: {
      rows: { type: "string", value: "N", description: "rows to generate (warmup 5000000, sales 20000000)" },
      seed: { type: "string", value: "N", description: "random seed", default: "42" },
      out: {
        type: "string",
        value: "PATH",
        description: "warmup: output Parquet file (data/processed/sales_warmup.parquet)",
      },
      csv: { type: "string", value: "PATH", description: "sales: output CSV (data/raw/sales_large.csv)" },
      parquet: {
        type: "string",
        value: "DIR",
        description: "sales: output dataset folder (data/processed/sales_partitioned)",
      },
      "no-csv": { type: "boolean", description: "sales: skip the CSV" },
      "no-parquet": { type: "boolean", description: "sales: skip the Parquet dataset" },
      workers: {
        type: "string",
        value: "N",
        description: "sales: parallel workers (default: number of cores)",
      },
      force: { type: "boolean", description: "replace outputs that already exist" },
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/generate.ts"),
  },
  {
    name: "inspect",
    summary: "schema, rows, row groups, codecs and per-row-group min/max/nulls, from footers only",
    usage: "PATH [--json] [--all]",
    details: `PATH is a CSV file, a Parquet file, or a folder of Parquet files (Hive-partitioned or not).

Examples:
  outcore inspect data/processed/sales_warmup.parquet
  outcore inspect data/processed/sales_partitioned --json`,
    options: {
      all: { type: "boolean", description: "list every row group (default: the first 10)" },
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/inspect.ts"),
  },
  {
    name: "head",
    summary: "the first rows of a CSV file, Parquet file or dataset",
    usage: "PATH [-n 10] [--columns a,b] [--json]",
    details: `Examples:
  outcore head data/raw/sales_large.csv -n 5
  outcore head data/processed/sales_partitioned --columns category,price --json`,
    options: {
      n: { type: "string", short: "n", value: "N", description: "rows to show", default: "10" },
      columns: { type: "string", value: "A,B", description: "columns to show, in order (default all)" },
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/head.ts"),
  },
];
