/**
 * Outputs that appear only when complete: data goes to a temporary name beside the target
 * (`out.parquet.tmp-<pid>-<n>`), which is renamed into place on `commit` and removed on `abort` or when the
 * process is interrupted (see `removePendingOutputs`).
 */
import { basename, dirname, exists, fileError } from "./file.ts";
import { checkOutput, filesBelow, FOLDER_MARKER, folderMarker, type OutputKind } from "./replace.ts";

const pending = new Set<string>();
let counter = 0;

/**
 * Removes every temporary output not yet committed (used on errors and on SIGINT/SIGTERM). With `settleMs`,
 * keeps removing until every temporary has stayed gone for 50 ms, for at most `settleMs`: a worker thread
 * that was inside a file operation when it was terminated may still finish it and recreate a folder.
 */
export async function removePendingOutputs(settleMs = 0): Promise<void> {
  const until = Date.now() + settleMs;
  let goneSince = Infinity;
  for (;;) {
    let left = 0;
    for (const path of pending) {
      try {
        Deno.removeSync(path, { recursive: true });
      } catch { /* already gone, or written to meanwhile: checked below */ }
      try {
        Deno.lstatSync(path);
        left++;
      } catch { /* gone */ }
    }
    const now = Date.now();
    goneSince = left ? Infinity : Math.min(goneSince, now);
    if (now >= until || now - goneSince >= 50) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  pending.clear();
}

/**
 * Copies standard input to a temporary file (`$TMPDIR/outcore-stdin-…/stdin`) so that `-` can be read like a
 * file: more than once (types are inferred first), in parallel ranges, and from spread-out samples. It is
 * removed with the other temporaries on errors and signals; the caller removes it when done
 * (`removePendingOutputs`). Memory: a pipe's buffer; disk: the input's size.
 */
export async function spoolStdin(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "outcore-stdin-" });
  pending.add(dir);
  const path = `${dir}/stdin`;
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  await Deno.stdin.readable.pipeTo(file.writable);
  return path;
}

/**
 * Whether process `pid` is running: true, false, or null when this process cannot tell (no permission to
 * run `kill -0` nor to look in /proc). A process of another user counts as running.
 */
export async function processAlive(pid: number): Promise<boolean | null> {
  try {
    const out = await new Deno.Command("kill", { args: ["-0", String(pid)], stdout: "null", stderr: "piped" })
      .output();
    if (out.success) return true;
    return /no such process/i.test(new TextDecoder().decode(out.stderr)) ? false : true;
  } catch { /* no --allow-run for kill */ }
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch (err) {
    return err instanceof Deno.errors.NotFound ? false : null;
  }
}

/**
 * Removes `OUT.tmp-PID-N` leftovers of earlier writes of `path` whose process is gone (a process killed with
 * SIGKILL cannot clean up after itself). Only temporaries of this very output name, only of dead processes;
 * anything uncertain is left alone.
 */
export async function removeStaleTemporaries(
  path: string,
  alive: (pid: number) => Promise<boolean | null> = processAlive,
): Promise<string[]> {
  const base = basename(path);
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.tmp-(\\d+)-\\d+$`);
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dirname(path)));
  } catch {
    return removed; // no folder yet, or not readable: nothing to clean
  }
  for (const entry of entries) {
    const pid = Number(pattern.exec(entry.name)?.[1]);
    if (!pid || pid === Deno.pid || (await alive(pid)) !== false) continue;
    const stale = `${dirname(path)}/${entry.name}`;
    await Deno.remove(stale, { recursive: true }).then(() => removed.push(stale), () => {});
  }
  return removed;
}

/** Standard output was closed by its reader (e.g. `| head`): not an error of outcore's. */
export class StdoutClosed extends Error {
  override name = "StdoutClosed";
  constructor() {
    super("standard output was closed");
  }
}

/** A file or folder being written under a temporary name. */
export class AtomicOutput {
  readonly path: string;
  readonly tempPath: string;
  readonly kind: OutputKind;
  readonly force: boolean;
  #done = false;

  private constructor(path: string, tempPath: string, kind: OutputKind, force: boolean) {
    this.path = path;
    this.tempPath = tempPath;
    this.kind = kind;
    this.force = force;
  }

  /** Whether this output is a folder (a dataset or partitions) rather than one file. */
  get isFolder(): boolean {
    return this.kind === "dataset" || this.kind === "partitions";
  }

  /**
   * Reserves `path` for an output of `kind`: refuses it when `checkOutput` does (an input, something there
   * that is not outcore's own kind of output, anything there without `force`), creates the parent folder
   * and, for a folder kind, the temporary folder.
   */
  static async create(
    path: string,
    options: { kind: OutputKind; force?: boolean; inputs?: readonly string[] },
  ): Promise<AtomicOutput> {
    const { kind, force = false } = options;
    await checkOutput(path, options);
    await removeStaleTemporaries(path);
    const parent = dirname(path);
    try {
      await Deno.mkdir(parent, { recursive: true });
    } catch (err) {
      throw fileError(parent, "create folder", err);
    }
    const tempPath = `${path.replace(/\/+$/, "")}.tmp-${Deno.pid}-${counter++}`;
    pending.add(tempPath);
    const output = new AtomicOutput(path, tempPath, kind, force);
    try {
      if (output.isFolder) await Deno.mkdir(tempPath);
    } catch (err) {
      pending.delete(tempPath);
      throw fileError(tempPath, "create", err);
    }
    return output;
  }

  /**
   * Moves the finished output into place. What is there now is checked again; a folder gets its marker and
   * replaces an old one only once complete: the old one is moved aside, the new one renamed in, then the old
   * one removed (restored if the rename fails). A file replaces an old one in one rename.
   */
  async commit(): Promise<void> {
    if (this.#done) return;
    if (this.isFolder) {
      const files = await filesBelow(this.tempPath);
      await Deno.writeTextFile(`${this.tempPath}/${FOLDER_MARKER}`, folderMarker(this.kind, files));
    }
    await checkOutput(this.path, { kind: this.kind, force: this.force });
    let aside: string | null = null;
    if (this.isFolder && await exists(this.path)) {
      aside = `${this.path.replace(/\/+$/, "")}.old-${Deno.pid}-${counter++}`;
      try {
        await Deno.rename(this.path, aside);
      } catch (err) {
        throw fileError(this.path, "move aside", err);
      }
    }
    try {
      await Deno.rename(this.tempPath, this.path);
    } catch (err) {
      if (aside) await Deno.rename(aside, this.path).catch(() => {});
      throw fileError(this.path, "write", err);
    }
    this.#done = true;
    pending.delete(this.tempPath);
    if (aside) await Deno.remove(aside, { recursive: true }).catch(() => {});
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
  options: { kind: OutputKind; force?: boolean; inputs?: readonly string[] },
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

/**
 * Writes a chart, report or JSON document atomically. An existing file at `path` is replaced only when
 * outcore wrote it (see replace.ts).
 */
export async function writeTextAtomically(
  path: string,
  text: string,
  kind: "svg" | "html" | "json",
): Promise<void> {
  await writeAtomically(path, { kind }, async (temp) => {
    try {
      await Deno.writeTextFile(temp, text);
    } catch (err) {
      throw fileError(path, "write", err);
    }
  });
}

/** Sequential writer to a file: `write` resolves when every byte is written. */
export class FileWriter {
  #file: { write(bytes: Uint8Array): Promise<number>; close(): void };
  readonly path: string;
  bytesWritten = 0;

  private constructor(file: { write(bytes: Uint8Array): Promise<number>; close(): void }, path: string) {
    this.#file = file;
    this.path = path;
  }

  /**
   * Standard output as the file `-` (left open when closed). A reader that goes away (`| head`) ends the
   * writing with `StdoutClosed`, which the command line treats as a quiet end.
   */
  static stdout(): FileWriter {
    return new FileWriter({ write: (bytes) => Deno.stdout.write(bytes), close: () => {} }, "-");
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
      if (this.path === "-" && err instanceof Deno.errors.BrokenPipe) throw new StdoutClosed();
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
