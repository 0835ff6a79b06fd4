/**
 * Runs outcore itself in a fresh child process. The lab measures memory this way: a process's resident
 * memory keeps what earlier work allocated (V8 and the allocator do not hand every freed page back), so a
 * figure measured after a heavy benchmark in the same process is not the figure of the step it names.
 */
import config from "../../deno.json" with { type: "json" };
import { dirname } from "./file.ts";

const MAIN = new URL("../../main.ts", import.meta.url);
/** The V8 flags every task passes, taken from deno.json's `run` task so the child matches the parent. */
const V8_FLAGS = config.tasks.run.match(/--v8-flags=\S+/)?.[0] ?? "";

/** The command line that runs outcore with `args` (the compiled binary runs itself; `deno run` main.ts). */
export function selfCommand(args: readonly string[], readPaths: readonly string[]): [string, string[]] {
  if (Deno.build.standalone) return [Deno.execPath(), [...args]];
  const project = dirname(decodeURIComponent(MAIN.pathname));
  const read = [project, ...readPaths].join(",");
  return [Deno.execPath(), [
    "run",
    `--allow-read=${read}`,
    "--conditions=browser", // as every task (see deno.json's note on it in the README)
    ...(V8_FLAGS ? [V8_FLAGS] : []),
    MAIN.pathname,
    ...args,
  ]];
}

/**
 * Runs `outcore ARGS --json` in a child process (with read access to `readPaths` only) and returns its JSON
 * output, or null when this process has no permission to start one. A failing child throws its last line.
 */
export async function runSelfJson<T>(
  args: readonly string[],
  readPaths: readonly string[],
): Promise<T | null> {
  const [cmd, argv] = selfCommand([...args, "--json"], readPaths);
  const run = (command: string) =>
    new Deno.Command(command, { args: argv, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  let output: Deno.CommandOutput;
  try {
    output = await run(cmd);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied)) throw err;
    if (Deno.build.standalone) return null;
    // `--allow-run=deno` (the tests' permission) names the deno on PATH, not this executable's full path.
    try {
      output = await run("deno");
    } catch {
      return null;
    }
  }
  if (!output.success) {
    const lines = new TextDecoder().decode(output.stderr).trim().split("\n");
    throw new Error(`outcore ${args.join(" ")} failed: ${lines.at(-1) ?? `exit ${output.code}`}`);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout)) as T;
}
