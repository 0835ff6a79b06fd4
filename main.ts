/**
 * outcore — out-of-core, streaming and parallel processing of CSV and Parquet files larger than RAM.
 * Entry point: the command table lives in lib/cli/commands.ts; this file dispatches and owns the one
 * top-level error handler (usage errors → exit 2, everything else → one line and exit 1).
 */
import config from "./deno.json" with { type: "json" };
import { formatHelp, parseCommandArgs, stringOption } from "./lib/cli/args.ts";
import { COMMANDS } from "./lib/cli/commands.ts";
import { UsageError } from "./lib/errors.ts";
import { removePendingOutputs, spoolStdin, StdoutClosed } from "./lib/io/atomic.ts";
import { closeAllPools } from "./lib/engine/pool.ts";
import { memoryBudget, memoryPlan } from "./lib/io/budget.ts";
import { setDeadBufferLimit } from "./lib/io/memory.ts";
import { forwardSignal, relaunchWithHeap } from "./lib/io/relaunch.ts";

export const VERSION = config.version;

/** Commands whose first path may be `-` (standard input). */
const STDIN_COMMANDS = new Set([
  "stats",
  "agg",
  "filter",
  "convert",
  "head",
  "inspect",
  "memory",
  "partition",
  "batches",
]);

function toolHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `outcore ${VERSION} — process CSV and Parquet data larger than RAM, in bounded memory`,
    "",
    "Usage: outcore <command> [options] [paths]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options: -h, --help (also after a command), -V, --version, --debug (stack traces)",
    "Run 'outcore <command> --help' for a command's options and examples.",
  ].join("\n");
}

/** Runs the CLI with `argv`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  let command: string | undefined;
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      console.log(topic ? formatHelp(topic) : toolHelp());
      return 0;
    }
    if (name === "--version" || name === "-V") {
      console.log(`outcore ${VERSION} (deno ${Deno.version.deno})`);
      return 0;
    }
    const spec = COMMANDS.find((c) => c.name === name);
    if (!spec) {
      throw new UsageError(name.startsWith("-") ? `unknown option "${name}"` : `unknown command "${name}"`);
    }
    command = spec.name;
    const args = parseCommandArgs(spec, rest);
    if (args.values.help) {
      console.log(formatHelp(spec));
      return 0;
    }
    args.budget = await memoryBudget(stringOption(args, "memory"));
    const plan = memoryPlan(args.budget.bytes, 0);
    if (plan.heap) {
      // V8 takes heap limits only at start-up: run this command line again under them (standard input
      // included: the relaunched process reads it).
      const code = await relaunchWithHeap(plan.heap);
      if (code !== null) return code;
    }
    // `-` as the input: standard input, copied to a temporary file first (see spoolStdin).
    const spooled = STDIN_COMMANDS.has(spec.name) && args.positionals[0] === "-";
    if (spooled) args.positionals[0] = await spoolStdin();
    setDeadBufferLimit(plan.deadBufferBytes, plan.heap !== null);
    const module = await spec.load();
    const code = (await module.run(args)) ?? 0;
    if (spooled) await removePendingOutputs();
    return code;
  } catch (err) {
    closeAllPools();
    await removePendingOutputs();
    if (err instanceof StdoutClosed) return 0; // `outcore … --out - | head`: the reader had enough
    if (err instanceof UsageError) err.command ??= command;
    return report(err, debug);
  }
}

function report(err: unknown, debug: boolean): number {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UsageError) {
    const spec = COMMANDS.find((c) => c.name === err.command);
    console.error(`outcore: error: ${message}`);
    console.error(
      spec
        ? `Usage: outcore ${spec.name} ${spec.usage}\nRun 'outcore ${spec.name} --help' for more.`
        : "Run 'outcore --help' for the commands.",
    );
    return 2;
  }
  console.error(`outcore: error: ${message.split("\n")[0]}`);
  if (debug && err instanceof Error && err.stack) console.error(err.stack);
  return 1;
}

if (import.meta.main) {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    Deno.addSignalListener(signal, async () => {
      if (forwardSignal(signal)) return; // a relaunched child cleans up and exits; main returns its code
      closeAllPools(); // first, so no worker recreates a temporary output while it is removed
      await removePendingOutputs(1000);
      Deno.exit(code);
    });
  }
  Deno.exit(await main(Deno.args));
}
