import assert from "node:assert/strict";
import { generateSales } from "../lib/exercises/generate.ts";
import { tempDir } from "./_helpers.ts";

/** Starts outcore as a child process (the only way to send it a signal), with the same flags as `deno task run`. */
function outcore(args: string[], flags: string[] = []) {
  return new Deno.Command("deno", {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      ...flags,
      "--v8-flags=--max-semi-space-size=2,--expose-gc,--always-sparkplug",
      "main.ts",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits until `path`'s folder holds a temporary output (so the signal lands mid-write), at most `ms`. */
async function waitForTemp(dir: string, ms = 20_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ([...Deno.readDirSync(dir)].some((e) => e.name.includes(".tmp-"))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("no temporary output appeared");
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`${signal} during generate removes temporary files, stops the workers and exits ${code}; a rerun works`, async () => {
    const dir = await tempDir("sig");
    const child = outcore([
      "generate",
      "sales",
      "--rows",
      "20000000",
      "--csv",
      `${dir}/s.csv`,
      "--parquet",
      `${dir}/ds`,
    ]);
    await waitForTemp(dir);
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    const status = await child.output();
    assert.equal(status.code, code);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [], "nothing left behind");
    const rerun = await outcore([
      "generate",
      "sales",
      "--rows",
      "1000",
      "--csv",
      `${dir}/s.csv`,
      "--parquet",
      `${dir}/ds`,
    ]).output();
    assert.equal(rerun.code, 0, new TextDecoder().decode(rerun.stderr));
  });
}

Deno.test("SIGINT during filter and partition leaves no partial output", async () => {
  const dir = await tempDir("sig2");
  await generateSales({ rows: 3_000_000, seed: 1, csv: `${dir}/s.csv`, parquet: null, workers: 2 });
  for (
    const args of [
      ["filter", `${dir}/s.csv`, "--where", "price > 1", "--out", `${dir}/out/f.parquet`],
      ["partition", `${dir}/s.csv`, "--parts", "16", "--out", `${dir}/out/parts`],
    ]
  ) {
    await Deno.mkdir(`${dir}/out`, { recursive: true });
    const child = outcore(args);
    await waitForTemp(`${dir}/out`);
    child.kill("SIGINT");
    assert.equal((await child.output()).code, 130);
    assert.deepEqual([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name), [], args[0]);
  }
});

Deno.test("SIGINT reaches a process relaunched under a small budget: it cleans up, and the exit code is 130", async () => {
  const dir = await tempDir("sig3");
  await generateSales({ rows: 3_000_000, seed: 2, csv: `${dir}/s.csv`, parquet: null, workers: 2 });
  await Deno.mkdir(`${dir}/out`);
  const child = outcore(
    ["filter", `${dir}/s.csv`, "--where", "price > 1", "--out", `${dir}/out/f.parquet`, "--memory", "96M"],
    ["--allow-run"],
  );
  await waitForTemp(`${dir}/out`);
  child.kill("SIGINT");
  const status = await child.output();
  assert.equal(status.code, 130, new TextDecoder().decode(status.stderr));
  assert.deepEqual([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name), []);
});
