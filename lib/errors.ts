/**
 * Error types shared by every module. The CLI maps `UsageError` to exit code 2 and every other error to
 * exit code 1 with a one-line message; library code throws these (or built-in types), never a bare `Error`.
 */

/** A problem with how a command was called: unknown option, missing or malformed value. Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The command whose usage should be printed, when known. */
  command?: string;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** Where in an input a problem was found. Every field is optional; the message names what is known. */
export interface Location {
  file?: string;
  line?: number;
  column?: string;
  rowGroup?: number;
}

/**
 * A problem with input data (a ragged CSV row, a value that does not parse, a corrupt Parquet file).
 * The message always starts with the file and the place, e.g. `sales.csv line 1042, column "price": …`.
 */
export class DataError extends Error {
  override name = "DataError";
  location: Location;
  constructor(location: Location, detail: string) {
    super(`${describeLocation(location)}: ${detail}`);
    this.location = location;
  }
}

/** Formats a location as `file line N, column "c"` (only the parts that are known). */
export function describeLocation({ file, line, column, rowGroup }: Location): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(file);
  const where: string[] = [];
  if (rowGroup !== undefined) where.push(`row group ${rowGroup}`);
  if (line !== undefined) where.push(`line ${line}`);
  if (column !== undefined) where.push(`column "${column}"`);
  if (where.length) parts.push(where.join(", "));
  return parts.join(" ") || "input";
}
