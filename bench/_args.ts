/**
 * Command-line options of the bench scripts (`deno task bench [memory|scale|parallel] …`), parsed the way
 * outcore's own commands treat theirs: `--help` prints the usage, a bad option or value is one line and exit
 * 2, never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `args` against `options`; `usage` is the script's usage line. */
export function benchArgs<O extends Options>(usage: string, args: string[], options: O) {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`Usage: ${usage}`);
    Deno.exit(0);
  }
  try {
    return parseArgs({ args, options, strict: true }).values;
  } catch (err) {
    fail(usage, (err instanceof Error ? err.message : String(err)).split("\n")[0]);
  }
}

/** A comma-separated list of positive integers (`--rows 1000000,5000000`), or one line and exit 2. */
export function countList(text: string, option: string, usage: string): number[] {
  const values = text.split(",").map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) {
    fail(
      usage,
      `--${option} takes positive integers separated by commas, not "${text}"`,
    );
  }
  return values;
}

/** `--only` names that `known` does not hold (as they are, or as a prefix with `prefix`): one line, exit 2. */
export function checkOnly(
  only: string[] | undefined,
  known: readonly string[],
  usage: string,
  prefix = false,
): void {
  const unknown = only?.filter((o) => !known.some((k) => prefix ? k.startsWith(o) : k === o));
  if (unknown?.length) {
    fail(
      usage,
      `--only: unknown benchmark(s) ${unknown.join(", ")} (${known.join(", ")})`,
    );
  }
}

/** `message` as `deno task bench NAME: error: …` and the usage line (whose command part names it); exit 2. */
function fail(usage: string, message: string): never {
  console.error(`${usage.split(" [")[0]}: error: ${message}`);
  console.error(`Usage: ${usage}`);
  Deno.exit(2);
}
