/** CLI wrapper for `outcore stats PATH`. */
import { intOption, listOption, type ParsedArgs } from "../cli/args.ts";
import { formatCount, formatSeconds, formatTable } from "../cli/format.ts";
import { Progress } from "../cli/progress.ts";
import { chunkedStats } from "../chunking.ts";
import { openSource } from "../io/source.ts";
import { sourceOptions } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const chunkRows = intOption(args, "chunk-size", 500_000, { min: 1 });
  const columns = listOption(args, "column");
  const source = await openSource(args.positionals[0], sourceOptions(args));
  const progress = new Progress("stats", { bytes: source.byteLength, rows: source.rowCount });
  try {
    const result = await chunkedStats(source, {
      columns,
      chunkRows,
      onChunk: (r, b) => progress.update(r, b),
    });
    progress.done();
    const bad = source.badRows();
    if (args.values.json) {
      console.log(JSON.stringify({ path: source.path, ...result, workers: 1, bad_rows: bad.count }, null, 2));
      return;
    }
    console.log(
      `${source.path}: ${formatCount(result.rows)} rows in ${result.chunks} chunks, ${
        formatSeconds(result.seconds)
      } (${formatCount(result.rows / result.seconds)} rows/s)`,
    );
    console.log(formatTable(
      ["column", "count", "nulls", "mean", "std", "min", "max", "sum"],
      Object.entries(result.columns).map((
        [name, s],
      ) => [name, s.count, s.nulls, s.mean, s.std, s.min, s.max, s.sum]),
    ));
    if (bad.count) {
      console.error(
        `skipped ${bad.count} bad rows (first: line ${bad.examples[0].line}: ${bad.examples[0].reason})`,
      );
    }
  } finally {
    progress.done();
    source.close();
  }
}
