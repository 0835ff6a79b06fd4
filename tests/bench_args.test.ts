import assert from "node:assert/strict";

/** `deno task bench ARGS` as the task runs it, without the data: only argument handling is exercised. */
async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read=bench,lib,deno.json", "bench/main.ts", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("bench scripts: --help prints the usage; bad options and values are one line and exit 2", async () => {
  const help = await bench(["parallel", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task bench parallel \[--rows/);
  for (
    const [args, message] of [
      [["--bogus"], /^deno task bench: error: Unknown option '--bogus'$/],
      [["--rows", "1e3x"], /^deno task bench: error: --rows takes positive integers separated by commas/],
      [["--only", "stats,nope"], /^deno task bench: error: --only: unknown benchmark\(s\) nope \(/],
      [["parallel", "--runs", "0"], /^deno task bench parallel: error: --runs takes positive integers/],
      [["memory", "--limits", "96,,128"], /^deno task bench memory: error: --limits takes positive/],
      [["scale", "--rows=-5"], /^deno task bench scale: error: --rows takes positive integers/],
    ] as const
  ) {
    const { code, stderr } = await bench([...args]);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 2, stderr); // the error and the usage line, no stack trace
    assert.match(lines[0], message);
    assert.match(lines[1], /^Usage: deno task bench/);
  }
});
