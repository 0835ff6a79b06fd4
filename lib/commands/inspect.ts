/** CLI wrapper for `outcore inspect PATH`. */
import type { ParsedArgs } from "../cli/args.ts";
import { sourceOptions } from "./_source.ts";
import { formatBytes, formatCount, formatTable, jsonText } from "../format.ts";
import { type ColumnStats, inspectPath, type InspectReport, type RowGroupReport } from "../views/inspect.ts";

export async function run(args: ParsedArgs): Promise<void> {
  const report = await inspectPath(args.positionals[0], sourceOptions(args));
  if (args.values.json) {
    console.log(jsonText(report));
    return;
  }
  console.log(render(report, args.values.all === true));
}

/** The human view of an inspect report. */
export function render(report: InspectReport, all = false): string {
  const out: string[] = [];
  const rows = report.rows === null
    ? "rows not counted (CSV has no footer; `outcore stats` counts them)"
    : `${formatCount(report.rows)} rows`;
  out.push(`${report.path}: ${report.format}, ${formatBytes(report.bytes)}, ${rows}`);
  if (report.row_group_count !== null) {
    out.push(
      `row groups: ${report.row_group_count}   codecs: ${report.codecs.join(", ") || "-"}   written by: ${
        report.created_by.join("; ") || "-"
      }`,
    );
  }
  if (report.files) {
    const parts = Object.entries(report.partitions ?? {}).map(([k, v]) =>
      `${k} (${v.length}: ${v.join(", ")})`
    );
    out.push(`files: ${report.files.length}   partitioned by: ${parts.join("; ") || "nothing"}`);
  }
  if (report.csv) {
    const c = report.csv;
    const shown = c.delimiter === "\t" ? "tab" : c.delimiter;
    out.push(
      `delimiter: ${shown} (${c.delimiter_sniffed ? "sniffed from the first lines" : "given"})   types: ${
        c.typed_by_option.length ? `${c.typed_by_option.join(", ")} from --types; the rest ` : ""
      }inferred from the first ${formatCount(c.inferred_from.first_rows)} rows${
        c.inferred_from.windows
          ? ` and ${
            formatCount(c.inferred_from.rows_across_the_file)
          } rows from ${c.inferred_from.windows} places across the file`
          : c.inferred_from.whole_file
          ? " (the whole file)"
          : c.inferred_from.gzip
          ? " (a gzip file is sampled from its start only: --types fixes a column inferred wrongly)"
          : ""
      }; a leading zero keeps a column text, NA/N/A/NULL/\\N are nulls in numeric columns`,
    );
  }
  out.push("", "schema:");
  out.push(formatTable(
    ["column", "type", "stored as", "nullable"],
    report.columns.map((c) => [c.name, c.type, c.physical_type, c.nullable ? "yes" : "no"]),
  ));
  if (report.files && report.partitions && Object.keys(report.partitions).length) {
    out.push("", "partitions:");
    const byValue = new Map<string, { files: number; rows: number; bytes: number }>();
    for (const f of report.files) {
      const key = Object.entries(f.partitions).map(([k, v]) => `${k}=${v}`).join("/");
      const entry = byValue.get(key) ?? { files: 0, rows: 0, bytes: 0 };
      entry.files++;
      entry.rows += f.rows;
      entry.bytes += f.bytes;
      byValue.set(key, entry);
    }
    out.push(
      formatTable(
        ["partition", "files", "rows", "size"],
        [...byValue].map(([k, v]) => [k, v.files, v.rows, formatBytes(v.bytes)]),
      ),
    );
  }
  if (report.row_groups && report.row_groups.length) {
    const groups = all ? report.row_groups : report.row_groups.slice(0, 10);
    out.push(
      "",
      `row group statistics (from the footer${report.format === "dataset" ? "s" : ""}, no data read):`,
    );
    out.push(formatTable(
      ["row group", "column", "rows", "min", "max", "nulls", "codec", "size"],
      groups.flatMap((g) => statRows(g)),
    ));
    if (groups.length < report.row_groups.length) {
      out.push(
        `… ${
          report.row_groups.length - groups.length
        } more row groups (--all shows every one, --json gives them all)`,
      );
    }
  }
  return out.join("\n");
}

function statRows(group: RowGroupReport): unknown[][] {
  const label = group.file
    ? `${group.file.split("/").slice(-2).join("/")}#${group.index}`
    : String(group.index);
  return Object.entries(group.columns).map(([name, s]: [string, ColumnStats], i) => [
    i === 0 ? label : "",
    name,
    i === 0 ? group.rows : "",
    s.min,
    s.max,
    s.nulls,
    s.codec,
    formatBytes(s.compressed_bytes),
  ]);
}
