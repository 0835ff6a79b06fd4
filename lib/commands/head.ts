/** CLI wrapper for `outcore head PATH`. */
import { intOption, listOption, type ParsedArgs } from "../cli/args.ts";
import { formatTable, jsonText } from "../format.ts";
import { headColumns, headRows } from "../views/head.ts";
import { openSource } from "../sources/source.ts";
import { sourceOptions } from "./_source.ts";
import { UsageError } from "../errors.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const n = intOption(args, "n", 10, { min: 0 });
  if (args.values.select !== undefined && args.values.columns !== undefined) {
    throw new UsageError("give --select or --columns (the same option), not both", "head");
  }
  const columns = listOption(args, "select") ?? listOption(args, "columns");
  const source = await openSource(args.positionals[0], sourceOptions(args));
  try {
    const names = headColumns(source, columns);
    const rows = await headRows(source, n, columns);
    if (args.values.json) {
      console.log(jsonText(rows));
      return;
    }
    console.log(formatTable(names, rows.map((r) => names.map((c) => r[c]))));
  } finally {
    source.close();
  }
}
