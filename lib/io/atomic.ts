/**
 * Outputs that appear only when complete: data goes to a temporary name beside the target
 * (`out.parquet.tmp-<pid>-<n>`), which is renamed into place on `commit` and removed on `abort` or when the
 * process is interrupted (see `removePendingOutputs`).
 */
import { dirname, exists, fileError } from "./file.ts";

const pending = new Set<string>();
let counter = 0;

/** Removes every temporary output not yet committed (used on errors and on SIGINT/SIGTERM). */
export function removePendingOutputs(): void {
  for (const path of pending) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch { /* already gone */ }
  }
  pending.clear();
}

/** A file or folder being written under a temporary name. */
export class AtomicOutput {
  readonly path: string;
  readonly tempPath: string;
  readonly force: boolean;
  #done = false;

  private constructor(path: string, tempPath: string, force: boolean) {
    this.path = path;
    this.tempPath = tempPath;
    this.force = force;
  }

  /**
   * Reserves `path`: fails when it exists and `force` is false, creates the parent folder, and (for
   * `kind: "dir"`) creates the temporary folder.
   */
  static async create(
    path: string,
    options: { force?: boolean; kind?: "file" | "dir" } = {},
  ): Promise<AtomicOutput> {
    const { force = false, kind = "file" } = options;
    if (!force && await exists(path)) {
      throw new Deno.errors.AlreadyExists(`"${path}" already exists (use --force to replace it)`);
    }
    const parent = dirname(path);
    try {
      await Deno.mkdir(parent, { recursive: true });
    } catch (err) {
      throw fileError(parent, "create folder", err);
    }
    const tempPath = `${path.replace(/\/+$/, "")}.tmp-${Deno.pid}-${counter++}`;
    pending.add(tempPath);
    try {
      if (kind === "dir") await Deno.mkdir(tempPath);
    } catch (err) {
      pending.delete(tempPath);
      throw fileError(tempPath, "create", err);
    }
    return new AtomicOutput(path, tempPath, force);
  }

  /** Moves the finished output into place (replacing an existing one only when `force` was given). */
  async commit(): Promise<void> {
    if (this.#done) return;
    if (await exists(this.path)) {
      if (!this.force) {
        throw new Deno.errors.AlreadyExists(`"${this.path}" already exists (use --force to replace it)`);
      }
      await Deno.remove(this.path, { recursive: true });
    }
    try {
      await Deno.rename(this.tempPath, this.path);
    } catch (err) {
      throw fileError(this.path, "write", err);
    }
    this.#done = true;
    pending.delete(this.tempPath);
  }

  /** Removes the temporary output; safe to call after `commit` (then it does nothing). */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    pending.delete(this.tempPath);
    try {
      await Deno.remove(this.tempPath, { recursive: true });
    } catch { /* nothing was written */ }
  }
}

/**
 * Runs `write` against a temporary output and commits it on success; on any error the temporary output is
 * removed and the error rethrown, so no partial file is ever left at `path`.
 */
export async function writeAtomically<T>(
  path: string,
  options: { force?: boolean; kind?: "file" | "dir" },
  write: (tempPath: string) => Promise<T>,
): Promise<T> {
  const output = await AtomicOutput.create(path, options);
  try {
    const result = await write(output.tempPath);
    await output.commit();
    return result;
  } catch (err) {
    await output.abort();
    throw err;
  }
}

/** Writes a text file atomically, replacing an existing one (charts and reports are regenerated). */
export async function writeTextAtomically(
  path: string,
  text: string,
  options: { force?: boolean } = { force: true },
): Promise<void> {
  await writeAtomically(path, { force: options.force ?? true }, async (temp) => {
    try {
      await Deno.writeTextFile(temp, text);
    } catch (err) {
      throw fileError(path, "write", err);
    }
  });
}

/** Sequential writer to a file: `write` resolves when every byte is written. */
export class FileWriter {
  #file: Deno.FsFile;
  readonly path: string;
  bytesWritten = 0;

  private constructor(file: Deno.FsFile, path: string) {
    this.#file = file;
    this.path = path;
  }

  static async open(path: string): Promise<FileWriter> {
    try {
      return new FileWriter(await Deno.open(path, { write: true, create: true, truncate: true }), path);
    } catch (err) {
      throw fileError(path, "create", err);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    let rest = bytes;
    try {
      while (rest.length) rest = rest.subarray(await this.#file.write(rest));
    } catch (err) {
      throw fileError(this.path, "write", err);
    }
    this.bytesWritten += bytes.length;
  }

  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}
