import assert from "node:assert/strict";
import { formatBytes, formatCount, formatSeconds, formatTable, plural } from "../lib/format.ts";
import { Progress } from "../lib/cli/progress.ts";

Deno.test("Progress lines show rows, bytes, rate and ETA", () => {
  const p = new Progress("reading", { bytes: 1000 }, false);
  assert.equal(
    p.line(500, 250, 2),
    "reading  [######..................]  25%  500 rows  250 B  125 B/s  ETA 6 s  2 s",
  );
  const q = new Progress("gen", { rows: 100 }, false);
  assert.equal(q.line(100, 0, 4), "gen  [########################] 100%  100 rows  25 rows/s  4 s");
  // Before anything is counted, a step shows its label and the time so far.
  assert.equal(q.line(0, 0, 3), "gen  3 s");
  p.update(10, 10); // disabled: draws nothing, never throws
  p.done();
});

Deno.test("formatters give readable sizes, counts, seconds and aligned tables", () => {
  assert.equal(formatBytes(1536), "1.50 KiB");
  assert.equal(formatBytes(959313327), "915 MiB".replace("915", (959313327 / 2 ** 20).toFixed(1)));
  assert.equal(formatCount(20000000), "20,000,000");
  // The hand-made grouping agrees with ICU's en-US one (the oracle) on integers and on rounding.
  for (let i = 0; i < 2000; i++) {
    const n = (Math.random() - 0.3) * 10 ** Math.floor(Math.random() * 16);
    assert.equal(formatCount(n), (Math.round(n) || 0).toLocaleString("en-US"), String(n)); // -0 prints as 0
  }
  assert.equal(formatSeconds(0.0421), "0.042 s");
  assert.equal(formatTable(["name", "n"], [["a", 1], ["bbb", 22]]), "name   n\n----  --\na      1\nbbb   22");
});

Deno.test("Progress counts parts when the work is split into units", () => {
  const p = new Progress("stats", { unit: "parts" }, false);
  p.setTotal(4);
  assert.equal(p.line(1, 0, 2), "stats  [######..................]  25%  1 parts  1 parts/s  ETA 6 s  2 s");
  p.update(1, 1000, 4000); // the bytes in all, known once the work is planned
  assert.equal(
    p.line(1, 1000, 2),
    "stats  [######..................]  25%  1 parts  1000 B  500 B/s  ETA 6 s  2 s",
  );
});

Deno.test("plural says 1 batch, 2 batches, 1 row group, 0 workers", () => {
  assert.equal(plural(1, "batch"), "1 batch");
  assert.equal(plural(2, "batch"), "2 batches");
  assert.equal(plural(1, "row group"), "1 row group");
  assert.equal(plural(0, "worker"), "0 workers");
  assert.equal(plural(1_000_000, "row"), "1,000,000 rows");
});
