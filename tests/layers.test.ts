/**
 * The house's layers (see README, "Layout"): a module may import only from its own layer or lower ones, and
 * operators never touch files. Type-only imports are free (they load no code). This test reads every module
 * under lib/ and fails naming each upward import.
 */
import assert from "node:assert/strict";

/** Layers from the bottom: each folder (or root module) and its rank. */
const RANKS: Record<string, number> = {
  "": 0, // lib/*.ts: the batch type, errors, value parsing and formatting shared by every layer
  "ops": 1, // operators over batches: predicates, filters, online statistics, exact int64
  "io": 2, // the file-system and process edge
  "plot": 3, // SVG charts
  "csv": 4,
  "parquet": 4, // formats
  "sources": 5, // any input as batches, any output from batches
  "engine": 6, // units, workers, the engine, measurement
  "exercises": 7,
  "views": 7, // the lab's exercises; head and inspect
  "lab": 8, // the lab runner, its metrics schema and report
  "cli": 9,
  "commands": 9, // the command table (cli/commands.ts) loads the commands, which parse with cli/args.ts
};

function layerOf(path: string): string {
  const rest = path.slice(path.indexOf("lib/") + 4);
  return rest.includes("/") ? rest.slice(0, rest.indexOf("/")) : "";
}

async function modules(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await modules(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

Deno.test("no module imports from a higher layer, and operators never touch files", async () => {
  const upward: string[] = [];
  for (const path of await modules("lib")) {
    const layer = layerOf(path);
    assert.ok(layer in RANKS, `${path}: folder "${layer}" has no rank in this test`);
    const text = await Deno.readTextFile(path);
    const specs = [
      ...text.matchAll(/^import (?!type )[^;]*?from "(\.[^"]+)"/gms),
      ...text.matchAll(/import\("(\.[^"]+)"\)/g),
    ].map((m) => m[1]);
    for (const spec of specs) {
      const target = new URL(spec, `file:///${path}`).pathname.slice(1);
      if (!target.startsWith("lib/")) continue;
      const to = layerOf(target);
      if (RANKS[to] > RANKS[layer]) upward.push(`${path} imports ${target} (${layer || "root"} → ${to})`);
    }
    if (layer === "ops") {
      assert.doesNotMatch(text, /Deno\.(open|readFile|writeFile|readTextFile|stat|mkdir)/, path);
    }
  }
  assert.deepEqual(upward, []);
});
