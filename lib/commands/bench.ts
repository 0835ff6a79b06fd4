/** CLI wrapper for `outcore bench read|projection PATH` (Exercise 0's measurements). */
import { intOption, listOption, type ParsedArgs } from "../cli/args.ts";
import { formatBytes, formatCount, formatTable } from "../cli/format.ts";
import { projectionBenchmark, readBenchmark } from "../arrow_practice.ts";
import { UsageError } from "../errors.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const [kind, path] = args.positionals;
  if (path === undefined) throw new UsageError(`missing PATH after "bench ${kind}"`, "bench");
  const runs = intOption(args, "runs", 3, { min: 1, max: 100 });
  if (kind === "read") {
    const result = await readBenchmark(path, { runs });
    if (args.values.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    console.log(
      `${path}: ${formatCount(result.rows)} rows × ${result.columns} columns, median of ${runs} runs`,
    );
    console.log(formatTable(
      ["method", "median time", "rows/s", "memory", "measured as"],
      result.methods.map((m) => [
        m.method,
        `${m.median_seconds.toFixed(3)} s`,
        formatCount(m.rows / m.median_seconds),
        formatBytes(m.memory_bytes),
        m.memory_kind,
      ]),
    ));
    console.log(
      `columnar (B) is ${result.speedup_columnar_vs_rows.toFixed(1)}× faster than row objects (A) and holds ${
        result.memory_ratio_rows_vs_columnar.toFixed(1)
      }× less memory; converting to rows (C) costs ${
        (result.methods[2].median_seconds / result.methods[1].median_seconds).toFixed(1)
      }× the columnar read`,
    );
    return;
  }
  if (kind === "projection") {
    const result = await projectionBenchmark(path, { columns: listOption(args, "columns"), runs });
    if (args.values.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(`${path}: ${formatCount(result.rows)} rows, median of ${runs} runs`);
    console.log(formatTable(
      ["read", "columns", "time", "bytes read", "bytes held (largest batch)"],
      [
        [
          "all columns",
          result.all.columns,
          `${result.all.seconds.toFixed(3)} s`,
          formatBytes(result.all.bytes_read),
          formatBytes(result.all.bytes_held),
        ],
        [
          result.columns.join(", "),
          result.projected.columns,
          `${result.projected.seconds.toFixed(3)} s`,
          formatBytes(result.projected.bytes_read),
          formatBytes(result.projected.bytes_held),
        ],
        [
          "reduction",
          "",
          pct(result.reduction.time),
          pct(result.reduction.bytes_read),
          pct(result.reduction.bytes_held),
        ],
      ],
    ));
    if (result.revenue !== null) console.log(`revenue = Σ price × quantity = ${result.revenue}`);
    return;
  }
  throw new UsageError(`unknown benchmark "${kind}": use read or projection`, "bench");
}
