import assert from "node:assert/strict";
import { FileChunks } from "../lib/io/file.ts";
import { rng, tempDir } from "./_helpers.ts";

/** Every slice `chunks` hands out, copied as it comes (a slice is valid only until the next call). */
async function drain(chunks: FileChunks): Promise<{ bytes: Uint8Array; slices: Uint8Array[] }> {
  const slices: Uint8Array[] = [];
  for (let slice = await chunks.next(); slice !== null; slice = await chunks.next()) {
    slices.push(slice.slice());
  }
  const bytes = new Uint8Array(slices.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of slices) {
    bytes.set(s, at);
    at += s.length;
  }
  return { bytes, slices };
}

Deno.test("FileChunks hands out a file's bytes, or a range's, whatever the read and slice sizes", async () => {
  const dir = await tempDir();
  const random = rng(7);
  const data = Uint8Array.from({ length: 1000 }, () => Math.floor(random() * 256));
  const path = `${dir}/data.bin`;
  await Deno.writeFile(path, data);
  for (const [chunkBytes, sliceBytes] of [[1, 1], [7, 3], [64, 64], [100, 33], [4096, 512]]) {
    for (const [start, end] of [[0, undefined], [0, 1000], [13, 500], [999, 1000], [400, 400], [990, 5000]]) {
      const chunks = await FileChunks.open(path, { start, end, chunkBytes, sliceBytes });
      const { bytes, slices } = await drain(chunks);
      const label = `reads of ${chunkBytes}, slices of ${sliceBytes}, bytes ${start}–${end}`;
      assert.deepEqual(bytes, data.slice(start, end), label);
      assert.ok(slices.every((s) => s.length > 0 && s.length <= sliceBytes), label);
      assert.equal(await chunks.next(), null, label); // stays at the end
    }
  }
});

Deno.test("FileChunks reuses two buffers: a slice is overwritten two reads later, not before", async () => {
  const dir = await tempDir();
  const path = `${dir}/data.bin`;
  await Deno.writeFile(path, Uint8Array.from({ length: 40 }, (_, i) => i));
  const chunks = await FileChunks.open(path, { chunkBytes: 10, sliceBytes: 5 });
  const first = (await chunks.next())!;
  assert.deepEqual([...first], [0, 1, 2, 3, 4]);
  const second = (await chunks.next())!;
  assert.deepEqual([...first], [0, 1, 2, 3, 4]); // the read ahead fills the other buffer
  assert.deepEqual([...second], [5, 6, 7, 8, 9]);
  await chunks.next(); // bytes 10–14, the second buffer; the first is read into again
  await chunks.next();
  await chunks.next(); // bytes 20–24: back in the first buffer
  assert.deepEqual([...first], [20, 21, 22, 23, 24]);
  chunks.close();
});

Deno.test("FileChunks names the path when the file cannot be opened", async () => {
  await assert.rejects(FileChunks.open(".test-tmp/no-such-file.csv"), /no-such-file\.csv/);
});

Deno.test("FileChunks frees its buffers at the end of the range, or when released early", async () => {
  const dir = await tempDir();
  const path = `${dir}/data.bin`;
  await Deno.writeFile(path, Uint8Array.from({ length: 40 }, (_, i) => i));
  const chunks = await FileChunks.open(path, { chunkBytes: 16, sliceBytes: 8 });
  const first = (await chunks.next())!;
  while (await chunks.next() !== null);
  assert.equal((first.buffer as ArrayBuffer).detached, true);
  const early = await FileChunks.open(path, { chunkBytes: 16, sliceBytes: 8 });
  const slice = (await early.next())!;
  early.release(); // a read ahead is in flight: freed once it is over
  assert.equal(await early.next(), null);
  // Its read ends on the I/O thread: wait for it (a fixed 20 ms was a guess at a loaded machine's speed).
  for (const until = Date.now() + 5_000; !(slice.buffer as ArrayBuffer).detached && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal((slice.buffer as ArrayBuffer).detached, true);
});
