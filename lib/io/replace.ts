/**
 * What an output may replace. outcore never destroys what it did not write: before anything is written, an
 * output path is checked against the inputs (never the input itself, a folder holding it, or a path inside
 * it) and against what is already there. `--force` replaces only outcore's own kind of output — a Parquet
 * file with a Parquet file, a CSV text file with a CSV file, a folder outcore wrote (it carries the marker
 * `_outcore.json` listing every file in it, and holds nothing else) with a new such folder, an empty folder.
 * The lab's own products (charts, report, metrics, manifest) carry a mark and are regenerated without
 * `--force`, but a file of the same name without the mark is refused all the same.
 */
import { basename, dirname, expandPattern, fileByteSource, fileError, isPattern } from "./file.ts";

/** The kinds of output outcore writes. */
export type OutputKind = "parquet" | "csv" | "dataset" | "partitions" | "svg" | "html" | "json";

const FOLDER_KINDS: readonly OutputKind[] = ["dataset", "partitions"];
/** Products regenerated on every run; replaced when they carry outcore's mark, `--force` or not. */
const PRODUCT_KINDS: readonly OutputKind[] = ["svg", "html", "json"];

/** The marker file in every folder outcore writes; readers skip `_`-prefixed names (as Spark and DuckDB do). */
export const FOLDER_MARKER = "_outcore.json";

/** The mark in outcore's SVG charts and HTML reports (an attribute / a meta tag near the top). */
export const SVG_MARK = `data-generator="outcore"`;
export const HTML_MARK = `<meta name="generator" content="outcore">`;

const DESCRIBE: Record<OutputKind, string> = {
  parquet: "a Parquet file",
  csv: "a CSV file",
  dataset: "a dataset folder",
  partitions: "a folder of partitions",
  svg: "an SVG chart",
  html: "an HTML report",
  json: "a JSON document",
};

/** An output outcore refuses to write: exit 1, nothing touched. */
export class OutputRefused extends Error {
  override name = "OutputRefused";
}

export interface FolderMarker {
  written_by: "outcore";
  kind: OutputKind;
  /** Every file outcore wrote in the folder, relative to it, sorted. */
  files: string[];
}

/** The marker's content for a folder whose files (relative paths) are `files`. */
export function folderMarker(kind: OutputKind, files: readonly string[]): string {
  const marker: FolderMarker = { written_by: "outcore", kind, files: [...files].sort() };
  return JSON.stringify(marker, null, 1) + "\n";
}

/** Every file below `dir`, as paths relative to it (folders end with "/" when empty). */
export async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(folder: string, prefix: string) {
    let empty = true;
    for await (const entry of Deno.readDir(folder)) {
      empty = false;
      const rel = prefix + entry.name;
      if (entry.isDirectory) await walk(`${folder}/${entry.name}`, `${rel}/`);
      else out.push(rel);
    }
    if (empty && prefix) out.push(prefix);
  }
  try {
    await walk(dir, "");
  } catch (err) {
    throw fileError(dir, "list", err);
  }
  return out.sort();
}

/**
 * An absolute, link-free form of `path` for comparing places: the real path of its longest existing prefix
 * plus the rest. Under permissions that cannot read a prefix, the lexical form is used.
 */
export async function placeOf(path: string): Promise<string> {
  const trimmed = path.replace(/\/+$/, "") || "/";
  try {
    return await Deno.realPath(trimmed);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory)) {
      return lexical(trimmed);
    }
  }
  const parent = dirname(trimmed);
  if (parent === trimmed) return lexical(trimmed);
  return `${(await placeOf(parent)).replace(/\/$/, "")}/${basename(trimmed)}`;
}

function lexical(path: string): string {
  let base = "";
  if (!path.startsWith("/")) {
    try {
      base = Deno.cwd();
    } catch { /* no read permission on the working folder: compare relative paths */ }
  }
  const parts: string[] = [];
  for (const part of `${base}/${path}`.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return (base || path.startsWith("/") ? "/" : "") + parts.join("/");
}

function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith("/") ? outer : `${outer}/`);
}

/** Refuses an output that is an input, holds an input, or lies inside one (whether or not it exists yet). */
export async function checkAgainstInputs(out: string, inputs: readonly string[]): Promise<void> {
  const place = await placeOf(out);
  const files: string[] = [];
  // A pattern's inputs are its files (and the folder they are in is one that holds inputs).
  for (const input of inputs) files.push(...(isPattern(input) ? await expandPattern(input) : [input]));
  for (const input of files) {
    const source = await placeOf(input);
    if (place === source) throw new OutputRefused(`"${out}" is the input; an input is never an output`);
    if (within(source, place)) {
      throw new OutputRefused(`"${out}" holds the input "${input}"; an input is never replaced`);
    }
    if (within(place, source)) {
      throw new OutputRefused(`"${out}" is inside the input "${input}"; an input is never written into`);
    }
  }
}

const PAR1 = [0x50, 0x41, 0x52, 0x31];
const isPar1 = (b: Uint8Array) => b.length === 4 && PAR1.every((c, i) => b[i] === c);

/** Why the file at `path` (of `size` bytes) is not `kind`, or null when it is (content sniffed, not named). */
async function fileMismatch(path: string, size: number, kind: OutputKind): Promise<string | null> {
  const source = await fileByteSource(path);
  const bytes = async (start: number, end: number) => new Uint8Array(await source.slice(start, end));
  let text: string;
  try {
    if (kind === "parquet") {
      if (size >= 12 && isPar1(await bytes(0, 4)) && isPar1(await bytes(size - 4, size))) return null;
      return "is not a Parquet file (no PAR1 magic bytes)";
    }
    text = new TextDecoder().decode(await bytes(0, Math.min(size, 4096)));
  } finally {
    source.close();
  }
  if (kind === "csv") {
    if (!/\.csv$/i.test(path)) return "is not named .csv";
    if (text.includes("\0")) return "is not a text file";
    return null;
  }
  if (kind === "svg") return text.includes(SVG_MARK) ? null : "is not a chart outcore drew";
  if (kind === "html") return text.includes(HTML_MARK) ? null : "is not a report outcore wrote";
  // json: outcore's metrics and manifests name outcore at the top level or in their environment.
  try {
    if (size > 64 << 20) return "is not a JSON document outcore wrote";
    const doc = JSON.parse(await Deno.readTextFile(path));
    if (
      doc && typeof doc === "object" && (doc.outcore !== undefined || doc.environment?.outcore !== undefined)
    ) {
      return null;
    }
  } catch { /* not JSON */ }
  return "is not a JSON document outcore wrote";
}

/** Why the folder at `path` is not one outcore wrote, or null when it is (or is empty). */
async function folderMismatch(path: string): Promise<string | null> {
  const present = await filesBelow(path);
  if (present.length === 0) return null;
  let marker: FolderMarker;
  try {
    marker = JSON.parse(await Deno.readTextFile(`${path}/${FOLDER_MARKER}`));
    if (marker?.written_by !== "outcore" || !Array.isArray(marker.files)) throw new SyntaxError();
  } catch {
    const shown = present.slice(0, 3).join(", ") +
      (present.length > 3 ? `, … (${present.length} in all)` : "");
    return `is a folder outcore did not write (no ${FOLDER_MARKER} marker; it holds ${shown})`;
  }
  const ours = new Set([...marker.files, FOLDER_MARKER]);
  const foreign = present.filter((f) => !ours.has(f));
  if (foreign.length) {
    const shown = foreign.slice(0, 3).join(", ") +
      (foreign.length > 3 ? `, … (${foreign.length} in all)` : "");
    return `holds files outcore did not write (${shown})`;
  }
  return null;
}

/**
 * Checks that `path` may be written as `kind`: refuses it when it is or holds or lies inside an input, and,
 * when something is already there, unless it is outcore's own kind of output and `force` allows replacing
 * it. Throws `Deno.errors.AlreadyExists` (no `--force`) or `OutputRefused`; touches nothing.
 */
export async function checkOutput(
  path: string,
  options: { kind: OutputKind; force?: boolean; inputs?: readonly string[] },
): Promise<void> {
  const { kind, force = false, inputs = [] } = options;
  await checkAgainstInputs(path, inputs);
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return;
    throw fileError(path, "stat", err);
  }
  const product = PRODUCT_KINDS.includes(kind);
  if (!force && !product) {
    throw new Deno.errors.AlreadyExists(`"${path}" already exists (use --force to replace it)`);
  }
  const refuse = (why: string) =>
    new OutputRefused(`"${path}" ${why}; refusing to replace it with ${DESCRIBE[kind]}`);
  if (info.isSymlink) throw refuse("is a symbolic link");
  if (FOLDER_KINDS.includes(kind)) {
    if (!info.isDirectory) throw refuse("is a file, not a folder");
    const why = await folderMismatch(path);
    if (why) throw refuse(why);
    return;
  }
  if (info.isDirectory) throw refuse("is a folder");
  if (!info.isFile) throw refuse("is not a regular file");
  let why: string | null;
  try {
    why = await fileMismatch(path, info.size, kind);
  } catch (err) {
    throw fileError(path, "read", err);
  }
  if (why) throw refuse(why);
}
