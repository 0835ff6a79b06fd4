/**
 * Command-line parsing on `node:util` `parseArgs` (JSR's `@std/cli` is not reachable here). One table of
 * command specs drives parsing, validation and help text.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import type { Budget } from "../io/budget.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** Placeholder shown in help, e.g. "N" or "PATH". */
  value?: string;
  /**
   * A string option that may also stand alone (`--count` or `--count revenue`): alone — last, or followed by
   * another option — it takes this value.
   */
  bare?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage line after `outcore <name> `, e.g. "warmup|sales [options]". */
  usage: string;
  /** Extra help text (examples). */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Accepted positional argument count. */
  positionals: { min: number; max: number };
  /** Loads the module that runs the command (a string-literal dynamic import, so `deno compile` embeds it). */
  load: () => Promise<{ run: (args: ParsedArgs) => Promise<number | void> }>;
}

export interface ParsedArgs {
  command: string;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** The options in command-line order, with their values (for options whose order matters: `agg`'s). */
  order: { name: string; value: string | undefined }[];
  /** The memory budget, found once by the entry point (`--memory`, OUTCORE_MEMORY, cgroup, RAM). */
  budget?: Budget;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h", description: "show this help" },
  memory: {
    type: "string",
    value: "SIZE",
    description:
      "memory budget (96M, 1G; default: OUTCORE_MEMORY, else the cgroup's limit, else half the RAM)",
  },
  debug: { type: "boolean", description: "print stack traces with errors" },
};

/** Parses a command's arguments; throws a UsageError for unknown options, missing or extra values. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const config: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean }
  > = {};
  for (const [name, o] of Object.entries(options)) {
    config[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
    if (o.default !== undefined) config[name].default = o.default;
  }
  // A bare-capable option standing alone gets its bare value.
  const bare = new Map(
    Object.entries(options).filter(([, o]) => o.bare !== undefined).map(([n, o]) => [`--${n}`, o.bare!]),
  );
  if (bare.size) {
    const standing = (args: string[], all: boolean) =>
      args.flatMap((a, i) => {
        const next = args[i + 1];
        return bare.has(a) && (all || next === undefined || (next.startsWith("-") && next !== "-"))
          ? [`${a}=${bare.get(a)}`]
          : [a];
      });
    const alone = standing(argv, false);
    // `agg --count data.csv`: the value taken was the path the command needs; the option stands alone then.
    const countPositionals = (args: string[]) => {
      try {
        return parseArgs({ args, options: config, allowPositionals: true, strict: true }).positionals.length;
      } catch {
        return -1;
      }
    };
    const found = countPositionals(alone);
    const every = found >= 0 && found < spec.positionals.min ? standing(argv, true) : null;
    argv = every && countPositionals(every) >= spec.positionals.min ? every : alone;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // node:util says "argument is ambiguous" over three lines when a value starts with a dash (-n -5).
    const ambiguous = message.match(/^Option '([^']+)' argument is ambiguous/);
    if (ambiguous) {
      const i = argv.findIndex((a) => ambiguous[1].split(", ").includes(a));
      const value = i >= 0 ? argv[i + 1] : undefined;
      throw new UsageError(
        `option ${ambiguous[1]} needs a value${value === undefined ? "" : `, got "${value}"`}`,
        spec.name,
      );
    }
    throw new UsageError(
      message.replace(/\. To specify a positional argument.*$/s, "").replace(/^Option '/, "option '"),
      spec.name,
    );
  }
  const { values, positionals } = parsed;
  if (!values.help) {
    if (positionals.length < spec.positionals.min) {
      throw new UsageError(`missing argument: ${spec.usage.split(" ")[0]}`, spec.name);
    }
    if (positionals.length > spec.positionals.max) {
      throw new UsageError(`unexpected argument "${positionals[spec.positionals.max]}"`, spec.name);
    }
  }
  const order = parsed.tokens.flatMap((t) => (t.kind === "option" ? [{ name: t.name, value: t.value }] : []));
  return { command: spec.name, values: values as ParsedArgs["values"], positionals, order };
}

/** A whole number option within [min, max]; throws a UsageError naming the option otherwise. */
export function intOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  const text = String(raw).replaceAll("_", "");
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  const { min = -Infinity, max = Infinity } = range;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const bounds = max === Infinity ? `≥ ${min}` : `${min}..${max}`;
    throw new UsageError(`--${name} takes a whole number ${bounds}, got "${raw}"`, args.command);
  }
  return value;
}

/** A string option, or the fallback. */
export function stringOption(args: ParsedArgs, name: string, fallback: string): string;
export function stringOption(args: ParsedArgs, name: string): string | undefined;
export function stringOption(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  return String(raw);
}

/** A comma-separated list option (`--columns a,b`), or undefined. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [String(raw)]).flatMap((s) => s.split(",")).map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError(`--${name} needs at least one name`, args.command);
  return list;
}

/** Help text for a command. */
export function formatHelp(spec: CommandSpec): string {
  const lines = [
    `outcore ${spec.name} — ${spec.summary}`,
    "",
    `Usage: outcore ${spec.name} ${spec.usage}`,
    "",
    "Options:",
  ];
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${
      o.type === "string"
        ? (o.bare !== undefined ? ` [${o.value ?? "VALUE"}]` : ` ${o.value ?? "VALUE"}`)
        : ""
    }`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : "";
    return [flag, o.description + def];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  for (const [flag, text] of rows) lines.push(`  ${flag.padEnd(width)}  ${text}`);
  if (spec.details) lines.push("", spec.details.trim());
  return lines.join("\n");
}
