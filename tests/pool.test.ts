import assert from "node:assert/strict";
import { closeAllPools, WorkerPool } from "../lib/engine/pool.ts";

const URL_ECHO = new URL("./_workers/echo.ts", import.meta.url);

Deno.test("WorkerPool runs tasks on workers, moving buffers by transfer", async () => {
  const pool = new WorkerPool(URL_ECHO, 2);
  try {
    const inputs = Array.from({ length: 6 }, (_, k) => Float64Array.from({ length: 1000 }, (_, i) => i + k));
    const results = await Promise.all(inputs.map((values, k) => {
      const buffer = values.buffer;
      return pool.run<ArrayBuffer>(`double ${k}`, { type: "double", buffer }, [buffer]);
    }));
    results.forEach((buffer, k) => assert.equal(new Float64Array(buffer)[10], 2 * (10 + k)));
    for (const values of inputs) {
      assert.equal(values.length, 0, "the sender's buffer is detached after transfer");
    }
  } finally {
    pool.close();
  }
});

Deno.test("WorkerPool rejects with the task's name when a worker throws, and keeps working", async () => {
  const pool = new WorkerPool(URL_ECHO, 1);
  try {
    await assert.rejects(
      pool.run("parse part 3", { type: "fail" }),
      /^Error: task parse part 3 failed: bad input 42$/,
    );
    const buffer = new Float64Array([1]).buffer;
    assert.equal(
      new Float64Array(await pool.run<ArrayBuffer>("after", { type: "double", buffer }, [buffer]))[0],
      2,
    );
  } finally {
    pool.close();
  }
});

Deno.test("WorkerPool rejects a crashed worker's task instead of hanging", async () => {
  const pool = new WorkerPool(URL_ECHO, 1);
  try {
    await assert.rejects(pool.run("crashy", { type: "crash" }), /task crashy failed: worker crashed: .*boom/);
  } finally {
    pool.close();
  }
});

Deno.test("WorkerPool.close cancels queued tasks and terminates workers", async () => {
  const pool = new WorkerPool(URL_ECHO, 1);
  const stuck = pool.run("never", { type: "crash" }).catch((e) => e);
  const queued = pool.run("queued", { type: "fail" }).catch((e) => e);
  pool.close();
  assert.match(String(await queued), /task queued: cancelled/);
  void stuck;
  await assert.rejects(pool.run("late", { type: "fail" }), /pool is closed/);
});

Deno.test("closeAllPools (on SIGINT) closes every open pool", async () => {
  const pools = [new WorkerPool(URL_ECHO, 1), new WorkerPool(URL_ECHO, 1)];
  const buffer = new Float64Array([1]).buffer;
  await pools[0].run("warm", { type: "double", buffer }, [buffer]);
  closeAllPools();
  for (const pool of pools) await assert.rejects(pool.run("late", { type: "fail" }), /pool is closed/);
});

Deno.test("WorkerPool gives a busy worker a task `ahead`; the worker runs them one at a time, in order", async () => {
  const pool = new WorkerPool(URL_ECHO, 1);
  try {
    const replies = await Promise.all(
      [0, 1, 2, 3, 4].map((tag) =>
        pool.run<{ tag: number; overlapped: boolean; before: number }>(
          `slow ${tag}`,
          { type: "slow", tag },
          [],
          true,
        )
      ),
    );
    assert.deepEqual(replies.map((r) => r.tag), [0, 1, 2, 3, 4]);
    assert.deepEqual(replies.map((r) => r.before), [0, 1, 2, 3, 4], "served in the order given");
    assert.ok(replies.every((r) => !r.overlapped), "never two tasks at once in one worker");
  } finally {
    pool.close();
  }
});

Deno.test("WorkerPool rejects every task given to a worker that crashes, the one ahead too, then goes on", async () => {
  const pool = new WorkerPool(URL_ECHO, 1);
  try {
    const crashed = pool.run("crashy", { type: "crash" });
    const ahead = pool.run("ahead", { type: "slow", tag: 1 }, [], true);
    await assert.rejects(crashed, /task crashy failed: worker crashed: .*boom/);
    await assert.rejects(ahead, /task ahead failed: worker crashed: .*boom/);
    const after = await pool.run<{ tag: number }>("after", { type: "slow", tag: 2 });
    assert.equal(after.tag, 2);
  } finally {
    pool.close();
  }
});

Deno.test("WorkerPool gives a task not marked `ahead` only to a free worker", async () => {
  const pool = new WorkerPool(URL_ECHO, 1);
  try {
    type Reply = { before: number; received: number };
    const first = pool.run<Reply>("first", { type: "slow", tag: 0 });
    const second = pool.run<Reply>("second", { type: "slow", tag: 1 });
    const ahead = pool.run<Reply>("ahead", { type: "slow", tag: 2 }, [], true);
    // The second waits for the worker to be free, and the one ahead waits behind it (tasks go in order).
    assert.equal((await first).received, 1, "nothing given to the worker while it ran the first");
    assert.deepEqual([(await first).before, (await second).before, (await ahead).before], [0, 1, 2]);
    // Given ahead: the worker had it before the second ended.
    assert.equal((await second).received, 3);
  } finally {
    pool.close();
  }
});
