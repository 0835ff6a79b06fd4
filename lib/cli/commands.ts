/** The command table: it drives dispatch, argument parsing and help. Modules load lazily (string literals, so `deno compile` embeds them). */
import type { CommandSpec, OptionSpec } from "./args.ts";

const json: OptionSpec = { type: "boolean", description: "print one JSON document instead of text" };
const csvOptions: Record<string, OptionSpec> = {
  types: {
    type: "string",
    value: "COL=KIND,…",
    description: "CSV: column kinds (float64, int32, int64, timestamp, string) instead of inferred ones",
  },
  delimiter: {
    type: "string",
    value: "CHAR",
    description: "CSV: field separator (default: sniffed among , ; tab |)",
  },
  "null-values": {
    type: "string",
    value: "A,B",
    description:
      "CSV: texts read as null in every column (default: NA,N/A,NULL,null,\\N in numeric columns only)",
  },
  "no-header": {
    type: "boolean",
    description: "CSV: the first line is data (columns column_1, column_2, …)",
  },
  "encoding-errors": {
    type: "string",
    value: "error|replace",
    description: "CSV: stop at invalid UTF-8 (default) or read it as U+FFFD",
  },
  "on-bad-rows": {
    type: "string",
    value: "error|skip",
    description: "CSV: stop at a bad row (default) or skip and count it",
  },
};

/** Workers of the commands that run units on the engine (`--workers 0` reads in the main thread). */
const scanWorkers: OptionSpec = {
  type: "string",
  value: "N",
  description: "parallel workers (default: number of cores; 0: main thread)",
};

const replaceOut: OptionSpec = {
  type: "boolean",
  description: "replace OUT if it exists (only with the same kind of file)",
};

const chunkSize: OptionSpec = {
  type: "string",
  value: "N",
  description: "rows per chunk (default: the memory plan's, 500000 with 1 GiB or more, 100000 below 192 MiB)",
};

export const COMMANDS: CommandSpec[] = [
  {
    name: "lab",
    summary: "run the whole lab: generate the data, Exercises 0–4, metrics JSON, charts and an HTML report",
    usage: "[--small] [--exercise N …] [--data DIR] [--results DIR] [--workers N] [--seed 42] [--json]",
    details:
      `Generates the data unless the data folder already holds it (5,000,000 warmup rows and 20,000,000 sales
rows in data/, or 200,000 and 1,000,000 in data/small/ with --small), then runs each exercise in order and
writes lab06_metrics.json, memoria_chunking.svg, speedup_workers.svg and report.html to results/ (results/small/
with --small). A data or results folder holding another size or seed is refused, never overwritten: give
another --data and --results for it. --exercise re-runs some exercises and keeps the others' results.

Examples:
  outcore lab --small
  outcore lab --exercise 0 --exercise 2`,
    options: {
      small: { type: "boolean", description: "small data: everything in well under a minute" },
      exercise: {
        type: "string",
        multiple: true,
        value: "N",
        description: "run only these exercises (0–4; repeatable)",
      },
      data: {
        type: "string",
        value: "DIR",
        description: "data folder (default data, or data/small with --small)",
      },
      results: {
        type: "string",
        value: "DIR",
        description: "results folder (default results, or results/small with --small)",
      },
      workers: { type: "string", value: "N", description: "parallel workers (default: number of cores)" },
      seed: { type: "string", value: "N", description: "random seed for the data", default: "42" },
      "warmup-rows": { type: "string", value: "N", description: "warmup table size (overrides the default)" },
      "sales-rows": { type: "string", value: "N", description: "sales table size (overrides the default)" },
      json,
    },
    positionals: { min: 0, max: 0 },
    load: () => import("../commands/lab.ts"),
  },
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
    usage: "PATH [--json] [--all] [--delimiter C] [--types name=kind,…]",
    details: `PATH is a CSV file, a Parquet file, or a folder of Parquet files (Hive-partitioned or not).

Examples:
  outcore inspect data/processed/sales_warmup.parquet
  outcore inspect data/processed/sales_partitioned --json`,
    options: {
      all: { type: "boolean", description: "list every row group (default: the first 10)" },
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/inspect.ts"),
  },
  {
    name: "head",
    summary: "the first rows of a CSV file, Parquet file or dataset",
    usage: "PATH [-n 10] [--select a,b] [--json]",
    details: `Examples:
  outcore head data/raw/sales_large.csv -n 5
  outcore head data/processed/sales_partitioned --select category,price --json`,
    options: {
      n: { type: "string", short: "n", value: "N", description: "rows to show", default: "10" },
      select: { type: "string", value: "A,B", description: "columns to show, in order (default all)" },
      columns: { type: "string", value: "A,B", description: "the same as --select (its earlier name)" },
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/head.ts"),
  },
  {
    name: "stats",
    summary: "describe every column in one parallel pass, or online statistics of --column numbers",
    usage: "PATH [--column C …] [--workers N] [--chunk-size 100000] [--validate] [--json]",
    details:
      `PATH is a CSV file, a Parquet file or a dataset folder. Without --column, every column by its kind:
numbers (count, nulls, mean, std, min, max, sum), text (distinct values — exact up to 50,000, then a
HyperLogLog estimate, marked ≈ —, shortest and longest length in characters, the 5 most frequent values),
timestamps, dates and times of day (min, max), booleans (true, false). With --column, those numeric columns.
Population variance and std (ddof 0), as the lab: Welford's one-pass update per chunk, merged exactly
across chunks and workers (Chan et al.). Workers read fixed 32 MiB CSV ranges, row groups or files; the
answer does not depend on their number. --workers 0 reads in the main thread, chunk by chunk.

Examples:
  outcore stats data/raw/sales_large.csv
  outcore stats data/raw/sales_large.csv --column price
  outcore stats data/processed/sales_partitioned --json`,
    options: {
      column: {
        type: "string",
        multiple: true,
        value: "C",
        description: "a column to summarise (repeatable, or a,b)",
      },
      workers: scanWorkers,
      validate: {
        type: "boolean",
        description: "check Welford on the first 100,000 values against an exact two-pass result",
      },
      "chunk-size": chunkSize,
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/stats.ts"),
  },
  {
    name: "convert",
    summary:
      "rewrite a CSV file, Parquet file or dataset as Parquet, CSV or a Hive dataset, streaming, in parallel",
    usage:
      "IN OUT [--select A,B] [--partition-by COL] [--compression C] [--row-group-size N] [--workers N] [--force]",
    details: `OUT ending in .parquet is written as Parquet (snappy, min/max statistics, one row group per
--row-group-size rows at most), OUT ending in .csv as CSV, and - as CSV to standard output (the summary then
goes to standard error); every value is written as it was read (types as
inferred or given with --types; binary, decimals, dates and 64-bit integers exactly). --select keeps those
columns in that order. --partition-by COL writes OUT as a Hive dataset folder, OUT/COL=value/part-NNNNN.parquet
(COL a text column, not stored in the files, as Hive, pyarrow and DuckDB do; nulls and empty values go to
COL=__HIVE_DEFAULT_PARTITION__ and read back as null). OUT appears only when complete; an input is never an output.

Examples:
  outcore convert data/raw/sales_large.csv data/processed/sales.parquet
  outcore convert data/processed/sales_warmup.parquet warmup.csv --select product_id,price
  outcore convert data/raw/sales_large.csv data/processed/by_category --partition-by category --compression zstd`,
    options: {
      select: { type: "string", value: "A,B", description: "columns to write, in this order (default all)" },
      "partition-by": {
        type: "string",
        value: "COL",
        description: "write a Hive dataset folder, one per value",
      },
      compression: {
        type: "string",
        value: "C",
        description: "Parquet codec: snappy (default), zstd, gzip or none",
      },
      "row-group-size": {
        type: "string",
        value: "N",
        description:
          "Parquet: rows per row group at most (default: the memory plan's batch, 500000 with 1 GiB)",
      },
      force: replaceOut,
      workers: scanWorkers,
      ...csvOptions,
      json,
    },
    positionals: { min: 2, max: 2 },
    load: () => import("../commands/convert.ts"),
  },
  {
    name: "agg",
    summary:
      "group by columns and aggregate: count, sum, mean, min, max, std, var — in parallel, merged exactly",
    usage:
      "PATH --by A,B [--sum C] [--mean C] [--count [C]] [--with 'N = EXPR'] [--bin 'N = C: EDGES : LABELS'] …",
    details:
      `Groups the rows of a CSV file, Parquet file, dataset or pattern by --by (columns, --with columns or
--bin columns; none: one group) and computes each aggregate per group, in the order given: --sum, --mean,
--min, --max, --std, --var of numeric columns (output column C_sum, C_mean, …) and --count: the group's rows
(column count) or, with a column, its non-null values (C_count); --min and --max also take timestamps and
dates. std and var are the sample ones (ddof 1, as
pandas, Polars and DuckDB). Null and NaN values are skipped by every aggregate; a null key is a group of its own,
listed last, unless --dropna drops those rows (pandas' default). Rows are sorted by the keys (bins in their
order). Sums are compensated and partials merge exactly (means from merged sums and counts, std from merged
M2): the same bits for any --workers. The groups are held in memory.

--with 'NAME = EXPR' derives a number per row: + - * / and parentheses between columns and numbers, and
sqrt, log1p, log, exp, abs (a missing value or a division by zero gives NaN or ±inf, as pandas).
--bin 'NAME = COL: E0,E1,…,En [: L1,…,Ln]' bins COL into right-closed intervals (E0,E1] … (as pd.cut; a value
outside every bin is null), named by the labels or as "(E0, E1]".

Examples:
  outcore agg data/raw/sales_large.csv --by category --mean price --count
  outcore agg data/processed/partitions --with 'revenue = price * quantity' \\
    --bin 'price_bin = price: 0,50,200,500,1000 : low,mid,high,premium' --by category,price_bin \\
    --sum revenue --mean revenue --count revenue --sum quantity --dropna
  outcore agg sales.parquet --by category --where 'price > 500' --max price --out top.csv`,
    options: {
      by: {
        type: "string",
        multiple: true,
        value: "A,B",
        description: "group by these columns (repeatable)",
      },
      count: {
        type: "string",
        multiple: true,
        bare: "*",
        value: "C",
        description: "rows per group (alone), or non-null values of C",
      },
      sum: { type: "string", multiple: true, value: "C", description: "sum of C (repeatable, or A,B)" },
      mean: { type: "string", multiple: true, value: "C", description: "mean of C" },
      min: { type: "string", multiple: true, value: "C", description: "minimum of C" },
      max: { type: "string", multiple: true, value: "C", description: "maximum of C" },
      std: {
        type: "string",
        multiple: true,
        value: "C",
        description: "sample standard deviation of C (ddof 1)",
      },
      var: { type: "string", multiple: true, value: "C", description: "sample variance of C (ddof 1)" },
      with: {
        type: "string",
        multiple: true,
        value: "'N = EXPR'",
        description: "a derived column (repeatable)",
      },
      bin: {
        type: "string",
        multiple: true,
        value: "'N = C: EDGES [: LABELS]'",
        description: "a binned column, right-closed (repeatable)",
      },
      where: {
        type: "string",
        multiple: true,
        value: "EXPR",
        description: "only rows matching (as filter's)",
      },
      dropna: { type: "boolean", description: "drop rows whose key is null instead of grouping them" },
      out: {
        type: "string",
        value: "OUT",
        description: "write the table to OUT (.csv, .parquet, or - for CSV on standard output)",
      },
      force: replaceOut,
      workers: scanWorkers,
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/agg.ts"),
  },
  {
    name: "filter",
    summary: "stream the rows matching --where into a Parquet (or CSV) file, in bounded memory",
    usage: "PATH --where EXPR [--where EXPR …] --out OUT [--select A,B] [--force] [--json]",
    details: `EXPR is "column op value", op one of = != < <= > >=; several --where are ANDed. Strings compare
exactly, numbers numerically, timestamps as YYYY-MM-DD[ HH:MM:SS]. Nulls never match. On a Hive dataset a
predicate on the partition column skips whole folders. OUT ending in .csv is written as CSV, anything else as
Parquet; it keeps the input's columns and types and appears only when complete.

Examples:
  outcore filter data/raw/sales_large.csv --where 'category = Electronics' --out data/processed/electronics.parquet
  outcore filter data/processed/sales_partitioned --where 'category = Food' --where 'price > 900' --out food.csv`,
    options: {
      where: { type: "string", multiple: true, value: "EXPR", description: "a row predicate (repeatable)" },
      out: {
        type: "string",
        value: "OUT",
        description: "output file (.parquet or .csv; - for CSV to stdout)",
      },
      select: { type: "string", value: "A,B", description: "columns to write, in this order (default all)" },
      force: { type: "boolean", description: "replace OUT if it exists" },
      workers: scanWorkers,
      "chunk-size": chunkSize,
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/filter.ts"),
  },
  {
    name: "memory",
    summary: "RSS after every chunk of a chunked pass, listed and drawn as an SVG chart",
    usage: "PATH [--chunk-size N] [--column C …] [--plot results/memory.svg] [--json]",
    details:
      `Reads PATH chunk by chunk (computing statistics of its numeric columns) and records the process's
resident memory after each chunk: it stays flat whatever the file size. --plot none skips the chart.

Example:
  outcore memory data/raw/sales_large.csv --column price`,
    options: {
      "chunk-size": chunkSize,
      column: {
        type: "string",
        multiple: true,
        value: "C",
        description: "columns to process (default: numeric columns)",
      },
      plot: {
        type: "string",
        value: "SVG",
        description: "chart path",
        default: "results/memory.svg",
      },
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/memory.ts"),
  },
  {
    name: "bench",
    summary: "Exercises 0 and 3: read methods, projection, I/O concurrency, workers, scaling",
    usage: "read|projection PATH.parquet | io|workers|scaling DIR [options] [--json]",
    details:
      `bench read PATH: Method A reads the file into row objects, B columnar into an Arrow Table, C converts
that Table to row objects; median time and memory of each, and the speedups.
bench projection PATH: all columns vs only --columns (default price,quantity): time, bytes read and held,
and revenue = Σ price × quantity.
bench io DIR: every partition read sequentially vs --concurrency reads in flight (asynchronous I/O), with
the I/O wait measured during the runs.
bench workers DIR: the lab's heavy_process per partition, sequential vs --workers workers, results compared.
bench scaling DIR: sequential, then 1, 2, 4 … --max-workers workers, --runs rounds interleaved; median
speedup and its range against the ideal line (SVG), Amdahl's serial fraction (when a run beat sequential),
worker start-up time, and how busy the machine was.

Examples:
  outcore bench read data/processed/sales_warmup.parquet
  outcore bench projection data/processed/sales_warmup.parquet --columns price,quantity
  outcore bench scaling data/processed/partitions --max-workers 8`,
    options: {
      runs: {
        type: "string",
        value: "N",
        description: "read/projection/io/scaling: repetitions, interleaved (median and spread reported)",
        default: "3",
      },
      columns: { type: "string", value: "A,B", description: "projection: the columns to read" },
      concurrency: { type: "string", value: "N", description: "io: reads in flight", default: "8" },
      workers: { type: "string", value: "N", description: "workers: worker count", default: "4" },
      "max-workers": {
        type: "string",
        value: "N",
        description: "scaling: largest worker count",
        default: "8",
      },
      plot: {
        type: "string",
        value: "SVG",
        description: "scaling: chart path (none: no chart)",
        default: "results/scaling.svg",
      },
      json,
    },
    positionals: { min: 2, max: 2 },
    load: () => import("../commands/bench.ts"),
  },
  {
    name: "batches",
    summary: "row groups from the footer, then revenue batch by batch (pyarrow's iter_batches)",
    usage: "PATH.parquet [--batch-size 500000] [--columns price,quantity] [--json]",
    details: `Example:
  outcore batches data/processed/sales_warmup.parquet --batch-size 500000`,
    options: {
      "batch-size": {
        type: "string",
        value: "N",
        description: "rows per batch (default: the memory plan's, 500000 with 1 GiB or more)",
      },
      columns: {
        type: "string",
        value: "A,B",
        description: "columns to read (must include price and quantity)",
      },
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/batches.ts"),
  },
  {
    name: "partition",
    summary: "cut a CSV, Parquet file or dataset into N Parquet parts of contiguous rows (counts equal ±1)",
    usage: "PATH [--parts 16] [--out data/processed/partitions] [--workers N] [--force] [--json]",
    details:
      `Streams the input (never loads it whole): rows are counted per unit first, then each part is written by
a worker from the units that overlap it. Columns that never hold an empty value are written REQUIRED.

Example:
  outcore partition data/raw/sales_large.csv --parts 16 --out data/processed/partitions`,
    options: {
      parts: { type: "string", value: "N", description: "number of parts", default: "16" },
      out: {
        type: "string",
        value: "DIR",
        description: "output folder",
        default: "data/processed/partitions",
      },
      workers: { type: "string", value: "N", description: "parallel workers (default: number of cores)" },
      force: { type: "boolean", description: "replace DIR if it exists" },
      ...csvOptions,
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/partition.ts"),
  },
  {
    name: "pipeline",
    summary:
      "Exercise 4: revenue by category × price bin over partitions, sequential and parallel, merged exactly",
    usage: "DIR [--workers N] [--json]",
    details:
      `Per partition: revenue = price × quantity; price_bin by right-closed intervals (0,50] low, (50,200] mid,
(200,500] high, (500,1000] premium; by category × price_bin: revenue sum, mean and count, quantity sum.
Partitions are summarised in workers and merged exactly (means from merged sums and counts).

Example:
  outcore partition data/raw/sales_large.csv --parts 16 --out data/processed/partitions
  outcore pipeline data/processed/partitions --workers 2`,
    options: {
      workers: { type: "string", value: "N", description: "parallel workers (default: number of cores)" },
      json,
    },
    positionals: { min: 1, max: 1 },
    load: () => import("../commands/pipeline.ts"),
  },
];
