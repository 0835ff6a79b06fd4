/** Shared test helpers: temporary folders under .test-tmp, byte streams split at chosen points, CLI capture. */
import assert from "node:assert/strict";
import { main } from "../main.ts";

const ROOT = ".test-tmp";

const made: string[] = [];
// Test files share this module within a run; their folders go when the run ends (tests leave nothing).
globalThis.addEventListener("unload", () => {
  for (const dir of made) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  }
});

/** A fresh folder under .test-tmp (the only place tests may write), removed when the test run ends. */
export async function tempDir(prefix = "t"): Promise<string> {
  await Deno.mkdir(ROOT, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ROOT, prefix });
  made.push(dir);
  return dir;
}

/** Every file below `dir` (or `dir` itself, a file) with a SHA-256 of its bytes: what must survive unchanged. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const hash = async (path: string) =>
    Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path))),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
  async function walk(folder: string) {
    for await (const e of Deno.readDir(folder)) {
      const path = `${folder}/${e.name}`;
      if (e.isDirectory) {
        out[`${path}/`] = "folder";
        await walk(path);
      } else out[path] = await hash(path);
    }
  }
  if ((await Deno.stat(dir)).isDirectory) await walk(dir);
  else out[dir] = await hash(dir);
  return out;
}

/** A byte stream of `text` emitted in pieces cut at the given byte offsets. */
export function streamOf(text: string | Uint8Array, cuts: number[] = []): ReadableStream<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const points = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= points.length - 1) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(points[i], points[i + 1]));
      i++;
    },
  });
}

/** Runs the CLI in-process; returns its exit code and what it printed. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => out.push(args.map(String).join(" "));
  console.error = (...args: unknown[]) => err.push(args.map(String).join(" "));
  try {
    const code = await main(argv);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** All batches of an async iterable, as row objects via Arrow's `toJSON`. */
export async function collectRows(
  batches: AsyncIterable<{ toArray(): { toJSON(): Record<string, unknown> }[] }>,
) {
  const rows: Record<string, unknown>[] = [];
  for await (const batch of batches) for (const row of batch.toArray()) rows.push(row.toJSON());
  return rows;
}

/**
 * Fails unless two byte arrays are equal, naming the first differing offset with a little of each around it:
 * `assert.deepEqual` on megabytes that differ builds a diff of every byte, which took many minutes.
 */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, label = "bytes"): void {
  const length = Math.min(actual.length, expected.length);
  let i = 0;
  while (i < length && actual[i] === expected[i]) i++;
  if (i === length && actual.length === expected.length) return;
  const around = (bytes: Uint8Array) => JSON.stringify(new TextDecoder().decode(bytes.subarray(i, i + 40)));
  throw new assert.AssertionError({
    message: `${label}: differ at byte ${i} of ${actual.length} / ${expected.length}: ${
      around(actual)
    } against ${around(expected)}`,
  });
}

/** A small deterministic PRNG (mulberry32) for randomized tests. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
