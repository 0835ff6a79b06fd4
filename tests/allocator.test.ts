/** The allocator's setting (lib/io/allocator.ts): taken where FFI is granted, skipped where it is not. */
import assert from "node:assert/strict";
import { fixMmapThreshold } from "../lib/io/allocator.ts";

Deno.test("without --allow-ffi the threshold is left alone, with no prompt and no error", () => {
  assert.equal(
    Deno.permissions.querySync({ name: "ffi" }).state === "granted",
    false,
    "tests run without FFI",
  );
  assert.equal(fixMmapThreshold(), false);
});

/**
 * Bytes glibc maps for a 1 MiB ArrayBuffer made after another was freed, in a fresh process that calls
 * `fixMmapThreshold` first or not (mallinfo2's `hblkhd`: bytes in blocks mapped on their own).
 */
async function mappedAfterFree(fix: boolean): Promise<number> {
  const code = `import { fixMmapThreshold } from "./lib/io/allocator.ts";
const libc = Deno.dlopen("libc.so.6", { mallinfo2: { parameters: [], result: { struct: Array(10).fill("usize") } } });
const mapped = () => Number(new BigUint64Array(libc.symbols.mallinfo2().buffer)[4]);
const fixed = ${fix} ? fixMmapThreshold() : true;
new ArrayBuffer(1 << 20).transfer(0);
const before = mapped();
const kept = new ArrayBuffer(1 << 20);
console.log(fixed && kept.byteLength ? mapped() - before : -1);`;
  const child = new Deno.Command("deno", {
    args: ["run", "--allow-ffi", "--allow-read=lib", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(code));
  await writer.close();
  const out = await child.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return Number(new TextDecoder().decode(out.stdout));
}

Deno.test({
  name: "with --allow-ffi, a freed MiB no longer lets glibc put the next one in an arena",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // glibc's default: freeing the mapped MiB raised the threshold, so the next MiB came from an arena.
    assert.equal(await mappedAfterFree(false), 0);
    assert.ok(await mappedAfterFree(true) >= 1 << 20);
  },
});
