/** CLI wrapper for `outcore memory PATH`: RSS after every chunk, as a list and an SVG chart. */
import { intOption, listOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatCount, formatSeconds } from "../cli/format.ts";
import { memoryProfile } from "../chunking.ts";
import { writeTextAtomically } from "../io/atomic.ts";
import { openSource } from "../io/source.ts";
import { lineChart } from "../plot/svg.ts";
import { Progress } from "../cli/progress.ts";
import { sourceOptions } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const chunkRows = intOption(args, "chunk-size", 500_000, { min: 1 });
  const columns = listOption(args, "column");
  const plot = stringOption(args, "plot", "results/memoria_chunking.svg");
  const source = await openSource(args.positionals[0], sourceOptions(args));
  const progress = new Progress("memory", { bytes: source.byteLength, rows: source.rowCount });
  try {
    const profile = await memoryProfile(source, {
      columns,
      chunkRows,
      onChunk: (r, b) => progress.update(r, b),
    });
    progress.done();
    const svg = lineChart({
      title: "Memory while processing in chunks",
      subtitle: `${source.path}: ${formatCount(profile.rows)} rows, chunks of ${formatCount(chunkRows)}`,
      xLabel: "chunk",
      yLabel: "resident memory (MiB)",
      series: [{
        name: "RSS after the chunk (MiB)",
        points: profile.rss_mb.map((mb, i) => [i + 1, mb] as const),
      }],
    });
    if (plot !== "none") await writeTextAtomically(plot, svg);
    if (args.values.json) {
      console.log(
        JSON.stringify(
          { path: source.path, chunk_rows: chunkRows, plot: plot === "none" ? null : plot, ...profile },
          null,
          2,
        ),
      );
      return;
    }
    console.log(
      `${source.path}: ${formatCount(profile.rows)} rows in ${profile.rss_mb.length} chunks, ${
        formatSeconds(profile.seconds)
      }`,
    );
    console.log(`RSS before: ${profile.baseline_mb} MiB, peak: ${profile.peak_mb} MiB`);
    console.log(
      profile.rss_mb.map((mb, i) => `chunk ${String(i + 1).padStart(3)}: ${mb.toFixed(1).padStart(7)} MiB`)
        .join("\n"),
    );
    const tail = profile.rss_mb.slice(Math.floor(profile.rss_mb.length / 2));
    if (tail.length > 1) {
      console.log(
        `second half of the run: ${Math.min(...tail)}–${
          Math.max(...tail)
        } MiB (flat: memory does not grow with rows read)`,
      );
    }
    if (plot !== "none") console.log(`chart: ${plot}`);
  } finally {
    progress.done();
    source.close();
  }
}
