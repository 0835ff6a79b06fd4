/** Memory budgets (lib/io/budget.ts): sizes, cgroup v1/v2 limits, and the plan a budget allows. */
import assert from "node:assert/strict";
import {
  cgroupLimit,
  MAIN_BYTES,
  memoryBudget,
  parseSize,
  planFor,
  WORKER_MEMORY_BYTES,
} from "../lib/io/budget.ts";
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

Deno.test("planFor gives workers only while they fit after the main thread's peak", () => {
  assert.equal(planFor(MAIN_BYTES - 1, 2).workers, 0);
  assert.equal(planFor(256 * MIB, 2).workers, 0);
  assert.equal(planFor(MAIN_BYTES + WORKER_MEMORY_BYTES, 2).workers, 1);
  assert.equal(planFor(1 << 30, 2).workers, 2);
  assert.equal(planFor(1 << 30, 8).workers, 8);
  assert.equal(planFor(16 * 2 ** 30, 2).workers, 2, "never more than requested (the cores)");
  assert.match(planFor(128 * MIB, 2).reason, /below the main thread's streaming peak/);
});

Deno.test("stats --memory reports the budget and plan in --json; --memory 1K is a usage error", async () => {
  const r = await runCli([
    "stats",
    "fixtures/duckdb_snappy.parquet",
    "--column",
    "price",
    "--memory",
    "300M",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const memory = JSON.parse(r.stdout).memory;
  assert.deepEqual([memory.budget_bytes, memory.source, memory.workers_allowed], [300 * MIB, "--memory", 0]);
  const bad = await runCli(["stats", "fixtures/duckdb_snappy.parquet", "--memory", "1K"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--memory 1K is below the minimum outcore can work in, 64M/);
});
