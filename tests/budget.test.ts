/** Memory budgets (lib/io/budget.ts): sizes, cgroup v1/v2 limits, and the plan a budget allows. */
import assert from "node:assert/strict";
import {
  cgroupLimit,
  LIMITED_MAIN_BYTES,
  LIMITED_ROW_GROUP_WORKER_BYTES,
  LIMITED_WORKER_BYTES,
  MAIN_BYTES,
  memoryBudget,
  memoryPlan,
  parseSize,
  WORKER_MEMORY_BYTES,
} from "../lib/io/budget.ts";
import { withoutFlags } from "../lib/io/relaunch.ts";
import { UsageError } from "../lib/errors.ts";
import { runCli } from "./_helpers.ts";

const MIB = 1 << 20;

Deno.test("parseSize reads 96M, 1G, 512MiB, 1.5g and bytes; below 64M is a usage error naming the minimum", () => {
  assert.equal(parseSize("96M"), 96 * MIB);
  assert.equal(parseSize("1G"), 1 << 30);
  assert.equal(parseSize("512MiB"), 512 * MIB);
  assert.equal(parseSize("1.5g"), 1.5 * 2 ** 30);
  assert.equal(parseSize(String(100 * MIB)), 100 * MIB);
  assert.throws(
    () => parseSize("1K"),
    (e: Error) => e instanceof UsageError && /minimum .* 64M/.test(e.message),
  );
  assert.throws(() => parseSize("lots"), UsageError);
});

/** A fake file system for the cgroup files. */
const files = (map: Record<string, string>) => (path: string) => Promise.resolve(map[path] ?? null);

Deno.test("cgroupLimit reads cgroup v2 memory.max (max = none) and v1 memory.limit_in_bytes (huge = none)", async () => {
  assert.equal(
    await cgroupLimit(
      files({
        "/proc/self/cgroup": "0::/memlimit.1\n",
        "/sys/fs/cgroup/memlimit.1/memory.max": "134217728\n",
      }),
    ),
    128 * MIB,
  );
  assert.equal(
    await cgroupLimit(files({ "/proc/self/cgroup": "0::/\n", "/sys/fs/cgroup/memory.max": "max\n" })),
    null,
  );
  const v1 = "12:cpu,cpuacct:/x\n4:memory:/memlimit.7\n1:name=systemd:/";
  assert.equal(
    await cgroupLimit(files({
      "/proc/self/cgroup": v1,
      "/sys/fs/cgroup/memory/memlimit.7/memory.limit_in_bytes": "268435456",
    })),
    256 * MIB,
  );
  assert.equal(
    await cgroupLimit(files({
      "/proc/self/cgroup": "4:memory:/\n",
      "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712",
    })),
    null,
  );
  assert.equal(await cgroupLimit(files({})), null, "no /proc: no limit known");
});

Deno.test("memoryBudget: the option wins, then the cgroup's limit, then half the machine", async () => {
  assert.deepEqual(await memoryBudget("256M", files({})), { bytes: 256 * MIB, source: "--memory" });
  const cgroup = files({ "/proc/self/cgroup": "0::/a", "/sys/fs/cgroup/a/memory.max": String(192 * MIB) });
  assert.deepEqual(await memoryBudget(undefined, cgroup), { bytes: 192 * MIB, source: "cgroup" });
  assert.equal((await memoryBudget(undefined, files({}))).source, "system");
});

Deno.test("memoryPlan gives workers only while they fit after the main thread's need, never more than asked", () => {
  const GIB = 1 << 30;
  for (const cores of [1, 2, 4, 8]) {
    assert.equal(memoryPlan(96 * MIB, cores).workers, 0);
    assert.equal(memoryPlan(128 * MIB, cores).workers, 0);
    assert.equal(memoryPlan(LIMITED_MAIN_BYTES + LIMITED_WORKER_BYTES, cores).workers, 1);
    assert.equal(memoryPlan(256 * MIB, cores).workers, Math.min(cores, 2));
    assert.equal(memoryPlan(512 * MIB, cores).workers, Math.min(cores, 6));
    assert.equal(memoryPlan(MAIN_BYTES + WORKER_MEMORY_BYTES + GIB, cores).workers, Math.min(cores, 9));
    assert.equal(memoryPlan(16 * GIB, cores).workers, cores, "never more than requested (the cores)");
  }
  assert.equal(memoryPlan(GIB, 8).workers, 8);
  assert.match(memoryPlan(64 * MIB, 2).reason, /below the main thread's streaming need/);
  // Parquet-writing workers fit two to 256 MiB (filter, convert, partition); whole-row-group readers one.
  assert.equal(memoryPlan(256 * MIB, 2, { writes: true }).workers, 2);
  assert.equal(memoryPlan(230 * MIB, 2, { writes: true }).workers, 1);
  assert.equal(memoryPlan(256 * MIB, 2, { workerBytes: LIMITED_ROW_GROUP_WORKER_BYTES }).workers, 1);
  assert.equal(memoryPlan(128 * MIB, 2, { writes: true }).workers, 0);
});

Deno.test("memoryPlan: small budgets limit V8's heap and shrink batches and units; large ones keep the defaults", () => {
  const small = memoryPlan(96 * MIB, 2);
  assert.deepEqual(small.heap, { oldSpaceMiB: 24, semiSpaceMiB: 2 });
  assert.equal(small.chunkRows, 100_000);
  assert.equal(small.rangeBytes, 32 * MIB, "units never depend on the budget: answers would");
  assert.equal(small.deadBufferBytes, 12 * MIB);
  const mid = memoryPlan(512 * MIB, 2);
  assert.deepEqual(mid.heap, { oldSpaceMiB: 128, semiSpaceMiB: 4 });
  assert.equal(mid.chunkRows, 250_000);
  assert.equal(mid.deadBufferBytes, 48 * MIB);
  const large = memoryPlan(12 * 2 ** 30, 2);
  assert.equal(large.heap, null);
  assert.equal(large.chunkRows, 500_000);
  assert.equal(large.rangeBytes, 32 * MIB);
  // Smaller budgets never get a larger plan.
  let last = memoryPlan(64 * MIB, 2);
  for (let mib = 72; mib <= 4096; mib += 8) {
    const plan = memoryPlan(mib * MIB, 2);
    assert.ok(plan.workers >= last.workers && plan.chunkRows >= last.chunkRows, `${mib} MiB`);
    last = plan;
  }
});

Deno.test("a relaunch replaces the heap flags of --v8-flags and keeps the others", () => {
  const drop = ["max-old-space-size", "max-semi-space-size"];
  assert.equal(
    withoutFlags("--v8-flags=--max-semi-space-size=8,--expose-gc", drop),
    "--v8-flags=--expose-gc",
  );
  assert.equal(withoutFlags("--v8-flags=--max-old-space-size=99", drop), null);
  assert.equal(withoutFlags("main.ts", drop), "main.ts");
});

Deno.test("stats --memory reports the budget and plan in --json; --memory 1K is a usage error", async () => {
  const planOf = async (budget: string, workers = "2") => {
    const r = await runCli(
      [
        "stats",
        "fixtures/duckdb_snappy.parquet",
        "--column",
        "price",
        "--memory",
        budget,
        "--workers",
        workers,
        "--json",
      ],
    );
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).memory;
  };
  const memory = await planOf("300M");
  assert.deepEqual([memory.budget_bytes, memory.source, memory.workers_allowed], [300 * MIB, "--memory", 2]);
  assert.deepEqual([memory.chunk_rows, memory.v8_heap], [100_000, { old_space_mib: 75, semi_space_mib: 4 }]);
  assert.match(memory.plan, /; 2 scanners: the main thread and 1 worker$/);
  // A budget that fits one worker thread: stats scans on it and the main thread; one that fits none, or
  // --workers 1, on the main thread alone.
  assert.match((await planOf("192M")).plan, /fits 1 worker .*; 2 scanners: the main thread and 1 worker$/);
  assert.match((await planOf("128M")).plan, /no room for a worker[^;]*; V8 heap limited, smaller batches$/);
  assert.match((await planOf("300M", "1")).plan, /room for 1 worker; V8 heap limited, smaller batches$/);
  const bad = await runCli(["stats", "fixtures/duckdb_snappy.parquet", "--memory", "1K"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--memory 1K is below the minimum outcore can work in, 64M/);
});

Deno.test("a small budget starts outcore again under V8 heap limits; exit code and output pass through", async () => {
  const run = async (extra: string[]) => {
    const out = await new Deno.Command("deno", {
      args: [
        "run",
        "--allow-read",
        "--allow-run",
        "--allow-env=OUTCORE_MEMORY",
        "--v8-flags=--max-semi-space-size=2,--expose-gc,--always-sparkplug",
        "main.ts",
        "stats",
        "fixtures/duckdb_snappy.parquet",
        "--json",
        ...extra,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const small = await run(["--memory", "96M"]);
  assert.equal(small.code, 0, small.stderr);
  const limited = JSON.parse(small.stdout).memory.v8_heap_limit_mib;
  assert.ok(limited <= 64, `heap limit ${limited} MiB under a 96M budget`);
  const large = await run(["--memory", "4G"]);
  assert.ok(JSON.parse(large.stdout).memory.v8_heap_limit_mib > 1000, "no relaunch with a large budget");
  const bad = await run(["--memory", "96M", "--column", "nope"]);
  assert.equal(bad.code, 2, "the child's exit code is the command's");
  assert.match(bad.stderr, /nope/);
});

Deno.test("stats gives the same bits under any budget; filter keeps the same rows", async () => {
  const { generateSales } = await import("../lib/exercises/generate.ts");
  const { tempDir } = await import("./_helpers.ts");
  const dir = await tempDir("budgets");
  await generateSales({ rows: 400_000, seed: 3, csv: `${dir}/s.csv`, parquet: null, workers: 0 });
  const answers = [];
  for (const memory of ["96M", "300M", "8G"]) {
    const stats = await runCli(["stats", `${dir}/s.csv`, "--memory", memory, "--json"]);
    assert.equal(stats.code, 0, stats.stderr);
    const filter = await runCli([
      "filter",
      `${dir}/s.csv`,
      "--where",
      "price > 500",
      "--out",
      `${dir}/f_${memory}.csv`,
      "--memory",
      memory,
      "--json",
    ]);
    assert.equal(filter.code, 0, filter.stderr);
    answers.push([JSON.parse(stats.stdout).columns, await Deno.readTextFile(`${dir}/f_${memory}.csv`)]);
  }
  assert.deepEqual(answers[0], answers[1]);
  assert.deepEqual(answers[0], answers[2]);
});
