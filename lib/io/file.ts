/**
 * The file-system edge: everything in `lib/` that touches `Deno.*` files goes through here, so the rest
 * works on streams, byte sources and batches (and runs unchanged in workers and under narrow permissions).
 */
import type { AsyncBuffer } from "hyparquet";
import { DataError } from "../errors.ts";
import { freeBuffers } from "./memory.ts";

/** Bytes per read when streaming a file: far fewer read calls than `FsFile.readable`'s 64 KiB chunks. */
export const READ_CHUNK_BYTES = 1 << 20;
/**
 * Each read is handed downstream in slices of this size: the strings a decoder makes from them stay under
 * V8's large-object threshold, so they die young instead of piling up until a full GC (measured: peak RSS
 * 189 → 139 MiB reading the 20M-row CSV, same speed).
 */
export const ENQUEUE_BYTES = 1 << 16;

/** Names the path in errors from the file system: `cannot open "x.csv": No such file or directory`. */
export function fileError(path: string, action: string, err: unknown): Error {
  if (err instanceof Deno.errors.NotFound) {
    return new Deno.errors.NotFound(`cannot ${action} "${path}": no such file or directory`);
  }
  if (err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotCapable) {
    return new Deno.errors.PermissionDenied(`cannot ${action} "${path}": permission denied`);
  }
  if (err instanceof Deno.errors.IsADirectory) {
    return new Deno.errors.IsADirectory(`cannot ${action} "${path}": is a directory`);
  }
  if (err instanceof Error) return new Error(`cannot ${action} "${path}": ${err.message}`, { cause: err });
  return new Error(`cannot ${action} "${path}": ${String(err)}`);
}

/** Opens a regular file for reading, with a clear error for a missing path or a directory. */
export async function openFile(path: string): Promise<Deno.FsFile> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    throw fileError(path, "open", err);
  }
  if (info.isDirectory) throw fileError(path, "read", new Deno.errors.IsADirectory(path));
  try {
    return await Deno.open(path, { read: true });
  } catch (err) {
    throw fileError(path, "open", err);
  }
}

/**
 * Reads into `buffer` until it is full or the file ends; returns the bytes read. Read errors name the path.
 */
async function fill(file: Deno.FsFile, buffer: Uint8Array, path: string): Promise<number> {
  let filled = 0;
  try {
    while (filled < buffer.length) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
  } catch (err) {
    throw fileError(path, "read", err);
  }
  return filled;
}

/**
 * A readable byte stream over a file, or a byte range of it, in `chunkBytes` reads (default 1 MiB).
 * Memory: one chunk in flight. The file is closed when the stream ends or is cancelled.
 */
export async function fileByteStream(
  path: string,
  options: { start?: number; end?: number; chunkBytes?: number } = {},
): Promise<ReadableStream<Uint8Array>> {
  const { start = 0, end = Infinity, chunkBytes = READ_CHUNK_BYTES } = options;
  const file = await openFile(path);
  if (start > 0) await file.seek(start, Deno.SeekMode.Start);
  let remaining = end - start;
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (remaining <= 0) {
        close();
        controller.close();
        return;
      }
      const buffer = new Uint8Array(Math.min(chunkBytes, remaining));
      let filled: number;
      try {
        // Fill the whole chunk: a short read would only mean more, smaller chunks downstream.
        filled = await fill(file, buffer, path);
      } catch (err) {
        close();
        throw err;
      }
      remaining -= filled;
      if (filled === 0) {
        close();
        controller.close();
        return;
      }
      for (let i = 0; i < filled; i += ENQUEUE_BYTES) {
        controller.enqueue(buffer.subarray(i, Math.min(filled, i + ENQUEUE_BYTES)));
      }
      if (filled < buffer.length) remaining = 0;
    },
    cancel: close,
  }, {
    // Read ahead: the next chunk is read while this one's slices are consumed, instead of after the last one
    // (the main thread sat idle for 11 % of a single-threaded stats waiting on reads, profiled). At most two
    // chunks are buffered.
    highWaterMark: 2 * Math.ceil(chunkBytes / ENQUEUE_BYTES),
  });
}

/**
 * A file, or a byte range of it, read into two buffers in turn and handed out in `ENQUEUE_BYTES` slices,
 * each valid only until the next call to `next()` — for a consumer done with the bytes at once (the CSV
 * reader decodes each slice as it takes it). While one buffer's slices are handed out, the next read fills
 * the other. Memory: two chunks of `chunkBytes`, whatever the file's size.
 *
 * Why not a stream: a stream hands out a fresh buffer per read, and V8 frees those only at a full collection —
 * up to ~57 MiB of dead read buffers per worker on the 20M-row CSV, and with the heap limited a full
 * collection every ~40 MiB read (--trace-gc-nvp: 14 → 6 per 300 MiB with these buffers).
 */
export class FileChunks {
  readonly path: string;
  #file: Deno.FsFile;
  #remaining: number;
  #buffers: [Uint8Array, Uint8Array];
  #current = 0;
  /** The buffer `#ahead` fills. */
  #aheadInto = 0;
  #filled = 0;
  #offset = 0;
  /** The read filling the other buffer, or null once the range is read. */
  #ahead: Promise<number> | null;
  #closed = false;
  #released = false;
  #sliceBytes: number;

  private constructor(
    path: string,
    file: Deno.FsFile,
    bytes: number,
    chunkBytes: number,
    sliceBytes: number,
  ) {
    this.path = path;
    this.#sliceBytes = sliceBytes;
    this.#file = file;
    this.#remaining = bytes;
    const size = Math.max(1, Math.min(chunkBytes, bytes));
    this.#buffers = [new Uint8Array(size), new Uint8Array(size)];
    this.#ahead = this.#read(0);
  }

  /**
   * Opens `path` for reading bytes `start` to `end` (default: the whole file) in reads of `chunkBytes`
   * handed out in slices of `sliceBytes` (tests make both small).
   */
  static async open(
    path: string,
    options: { start?: number; end?: number; chunkBytes?: number; sliceBytes?: number } = {},
  ): Promise<FileChunks> {
    const { start = 0, chunkBytes = READ_CHUNK_BYTES, sliceBytes = ENQUEUE_BYTES } = options;
    const file = await openFile(path);
    try {
      const end = Math.min(options.end ?? Infinity, (await file.stat()).size);
      if (start > 0) await file.seek(start, Deno.SeekMode.Start);
      return new FileChunks(path, file, Math.max(0, end - start), chunkBytes, sliceBytes);
    } catch (err) {
      file.close();
      throw fileError(path, "read", err);
    }
  }

  /** The next slice of the file (valid until the next call), or null at the end. */
  async next(): Promise<Uint8Array | null> {
    if (this.#released) return null;
    if (this.#offset >= this.#filled) {
      if (this.#ahead === null) {
        this.release();
        return null;
      }
      const filled = await this.#ahead;
      this.#current = this.#aheadInto;
      this.#filled = filled;
      this.#offset = 0;
      // The other buffer's last slice was handed out before this call: it is free to read into.
      this.#aheadInto = this.#current ^ 1;
      const more = this.#remaining > 0 && filled === this.#buffers[0].length;
      this.#ahead = more ? this.#read(this.#aheadInto) : null;
      if (this.#ahead === null) this.close();
      if (filled === 0) {
        this.release();
        return null;
      }
    }
    const start = this.#offset;
    this.#offset = Math.min(this.#filled, start + this.#sliceBytes);
    return this.#buffers[this.#current].subarray(start, this.#offset);
  }

  /**
   * Closes the file and frees both buffers (once a read in flight is over): the caller is done with every
   * slice. Reading a range per unit, a worker otherwise left 2 MiB per unit for a full collection to free.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.close();
    const free = () => freeBuffers(...this.#buffers);
    if (this.#ahead) this.#ahead.then(free, free);
    else free();
  }

  /** Stops reading and closes the file. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }

  #read(index: number): Promise<number> {
    const buffer = this.#buffers[index].subarray(0, Math.min(this.#buffers[index].length, this.#remaining));
    const read = fill(this.#file, buffer, this.path).then((n) => {
      this.#remaining -= n;
      return n;
    });
    read.catch(() => this.close()); // awaited by next(); closed on failure either way
    return read;
  }
}

/** Whether `path` is a pattern of several files: `*` or `?` in its last component (`data/part-*.csv`). */
export function isPattern(path: string): boolean {
  return /[*?]/.test(basename(path)) && !/[*?]/.test(dirname(path));
}

/**
 * The files a pattern names, sorted by name (`*`: any characters but `/`, `?`: one); files whose names start
 * with `_` or `.` are left out, as in datasets. A pattern matching nothing is a NotFound error naming it.
 */
export async function expandPattern(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  const re = new RegExp(
    "^" +
      basename(pattern).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]") +
      "$",
  );
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && re.test(entry.name) && !/^[_.]/.test(entry.name)) names.push(entry.name);
    }
  } catch (err) {
    throw fileError(dir, "list", err);
  }
  if (names.length === 0) throw new Deno.errors.NotFound(`no file matches "${pattern}"`);
  return names.sort().map((name) => (dir === "." && !pattern.startsWith("./") ? name : `${dir}/${name}`));
}

/** Whether a file starts with gzip's magic bytes (1f 8b). */
export async function isGzip(path: string): Promise<boolean> {
  const file = await openFile(path);
  try {
    const head = new Uint8Array(2);
    const n = await file.read(head);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    file.close();
  }
}

/**
 * A gzip file's decompressed bytes, through the platform's `DecompressionStream`. A corrupt or truncated file
 * ends the stream with one DataError naming it.
 */
export async function gunzipStream(path: string): Promise<ReadableStream<Uint8Array>> {
  const reader = (await fileByteStream(path))
    .pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    .getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        controller.error(new DataError({ file: path }, `is not a valid gzip file (${detail})`));
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * hyparquet's byte-source interface over a local file: `slice` reads exactly the requested range into a
 * buffer of its own (`freshSlices`: the caller may free it when done). Reads on the one handle are serialised
 * (seek + read must not interleave). Call `close` when done.
 */
export async function fileByteSource(
  path: string,
): Promise<AsyncBuffer & { close(): void; freshSlices: true }> {
  const file = await openFile(path);
  const { size } = await file.stat();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    byteLength: size,
    freshSlices: true,
    slice(start: number, end = size): Promise<ArrayBuffer> {
      const result = queue.then(async () => {
        const buffer = new Uint8Array(Math.max(0, end - start));
        // A synchronous seek (one lseek), so that the read is the slice's only operation: it then runs on the
        // I/O thread even while this thread is busy (a Parquet reader's read-ahead, see lib/parquet/read.ts).
        file.seekSync(start, Deno.SeekMode.Start);
        let filled = 0;
        while (filled < buffer.length) {
          const n = await file.read(buffer.subarray(filled));
          if (n === null) throw new RangeError(`"${path}" ended at byte ${start + filled}, expected ${end}`);
          filled += n;
        }
        return buffer.buffer as ArrayBuffer;
      });
      queue = result.catch(() => {});
      return result;
    },
    close() {
      try {
        file.close();
      } catch { /* already closed */ }
    },
  };
}

/** Whether a path exists (file or folder). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return false;
    throw fileError(path, "stat", err);
  }
}

/** Whether a path is a folder (false when it does not exist). */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw fileError(path, "stat", err);
  }
}

/** Every file below `dir` whose name ends with `suffix`, sorted by path (folders named `.x`/`_x` skipped). */
export async function listFiles(dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(folder: string) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (err) {
      throw fileError(folder, "list", err);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name.startsWith("_")) continue;
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(suffix)) out.push(path);
    }
  }
  await walk(dir.replace(/\/+$/, ""));
  return out.sort();
}

/** The folder part of a path ("." when there is none). */
export function dirname(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** The last part of a path. */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/**
 * `count` pieces of `bytes` bytes spread evenly over the file after `start` (none when the file is small
 * enough to have been read whole), decoded leniently: samples for CSV type inference. Memory: count × bytes.
 */
export async function sampleWindows(
  path: string,
  options: { start?: number; count?: number; bytes?: number } = {},
): Promise<string[]> {
  const { start = 0, count = 32, bytes = 64 << 10 } = options;
  const file = await openFile(path);
  try {
    const { size } = await file.stat();
    const out: string[] = [];
    const decoder = new TextDecoder("utf-8");
    let last = -1;
    const windows = Math.min(count, Math.floor((size - start) / bytes)); // no window read twice
    for (let k = 1; k <= windows; k++) {
      // Evenly spaced, the last ones pulled back so that each window is whole and the file's end is sampled.
      const at = Math.max(start, Math.min(size - bytes, start + Math.floor(((size - start) * k) / windows)));
      if (at <= last) continue;
      last = at;
      await file.seek(at, Deno.SeekMode.Start);
      const buf = new Uint8Array(bytes);
      let n = 0;
      while (n < bytes) {
        const r = await file.read(buf.subarray(n));
        if (r === null) break;
        n += r;
      }
      out.push(decoder.decode(buf.subarray(0, n)));
    }
    return out;
  } finally {
    file.close();
  }
}
