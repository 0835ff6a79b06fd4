/** CLI wrapper for `outcore lab`: the whole lab, end to end. */
import { jsonText } from "../format.ts";
import { intOption, type ParsedArgs, stringOption } from "../cli/args.ts";
import { UsageError } from "../errors.ts";
import { runLab } from "../lab/run.ts";
import { Progress } from "../cli/progress.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const raw = args.values.exercise;
  const exercises = raw === undefined
    ? undefined
    : (Array.isArray(raw) ? raw : [String(raw)]).flatMap((s) => s.split(",")).map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 0 || n > 4) {
        throw new UsageError(`--exercise takes 0 to 4, got "${s}"`, "lab");
      }
      return n;
    });
  const small = args.values.small === true;
  const json = args.values.json === true;
  const document = await runLab({
    small,
    exercises,
    data: stringOption(args, "data"),
    results: stringOption(args, "results"),
    workers: intOption(args, "workers", navigator.hardwareConcurrency || 1, { min: 1, max: 64 }),
    budget: args.budget,
    seed: intOption(args, "seed", 42, { min: 0, max: 2 ** 32 - 1 }),
    warmupRows: args.values["warmup-rows"] === undefined
      ? undefined
      : intOption(args, "warmup-rows", 0, { min: 1 }),
    salesRows: args.values["sales-rows"] === undefined
      ? undefined
      : intOption(args, "sales-rows", 0, { min: 1 }),
    log: (line) => (json ? console.error(line) : console.log(line)),
    progress: (label) => new Progress(label),
  });
  if (json) console.log(jsonText(document));
}
