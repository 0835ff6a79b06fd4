/** CLI wrapper for `outcore memory PATH`: RSS after every chunk, as a list and an SVG chart. */
import { listOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { formatCount, formatSeconds, jsonText, plural } from "../format.ts";
import { describeMemory, memoryChart, memoryProfile } from "../exercises/ex1_chunking.ts";
import { writeTextAtomically } from "../io/atomic.ts";
import { openSource } from "../sources/source.ts";
import { Progress } from "../cli/progress.ts";
import { plannedWorkers, sourceOptions } from "./_source.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const { chunkRows, memory } = await plannedWorkers(args, 0);
  const columns = listOption(args, "column");
  const plot = stringOption(args, "plot", "results/memory.svg");
  const source = await openSource(args.positionals[0], sourceOptions(args));
  const progress = new Progress("memory", { bytes: source.byteLength, rows: source.rowCount });
  try {
    const profile = await memoryProfile(source, {
      columns,
      chunkRows,
      onChunk: (r, b) => progress.update(r, b),
    });
    progress.done();
    const svg = memoryChart(
      profile,
      source.path,
      chunkRows,
      memory.source === "system" ? null : memory.budget_bytes,
    );
    if (plot !== "none") await writeTextAtomically(plot, svg, "svg");
    if (args.values.json) {
      console.log(
        jsonText(
          {
            path: source.path,
            chunk_rows: chunkRows,
            plot: plot === "none" ? null : plot,
            ...profile,
            memory,
          },
        ),
      );
      return;
    }
    console.log(
      `${source.path}: ${formatCount(profile.rows)} rows in ${plural(profile.rss_mb.length, "chunk")}, ${
        formatSeconds(profile.seconds)
      }`,
    );
    console.log(`RSS before: ${profile.baseline_mb} MiB, peak: ${profile.peak_mb} MiB`);
    console.log(
      profile.rss_mb.map((mb, i) => `chunk ${String(i + 1).padStart(3)}: ${mb.toFixed(1).padStart(7)} MiB`)
        .join("\n"),
    );
    console.log(describeMemory(profile).description);
    if (plot !== "none") console.log(`chart: ${plot}`);
  } finally {
    progress.done();
    source.close();
  }
}
