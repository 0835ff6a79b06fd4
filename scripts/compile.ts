/**
 * `deno task compile`: builds dist/outcore with `deno compile` (workers included, permissions and V8 flags
 * baked in). deno compile downloads its runtime (denort) unless DENORT_BIN points at one; offline, its
 * multi-line network error becomes one line saying what to do. Any other failure is shown as deno printed it.
 */
const COMPILE_ARGS = [
  "compile",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-sys=systemMemoryInfo,loadavg,cpus",
  "--allow-env=OUTCORE_MEMORY",
  "--conditions=browser",
  "--v8-flags=--max-semi-space-size=2,--expose-gc,--always-sparkplug",
  "--include",
  "workers/generate.ts",
  "--include",
  "workers/scan.ts",
  "--output",
  "dist/outcore",
  "main.ts",
];

const out = await new Deno.Command(Deno.execPath(), {
  args: COMPILE_ARGS,
  stdout: "inherit",
  stderr: "piped",
})
  .output();
const stderr = new TextDecoder().decode(out.stderr);
if (out.success) {
  await Deno.stderr.write(out.stderr);
  Deno.exit(0);
}
const version = Deno.version.deno;
if (/Could not find denort/.test(stderr)) {
  console.error(
    `compile: error: DENORT_BIN=${
      Deno.env.get("DENORT_BIN")
    } is not a denort binary (see README, "Single binary")`,
  );
} else if (/dl\.deno\.land|Setting up base binary/.test(stderr)) {
  console.error(
    `compile: error: deno compile could not download its runtime (denort ${version}); offline, set DENORT_BIN=/path/to/denort of version ${version} (see README, "Single binary")`,
  );
} else {
  await Deno.stderr.write(out.stderr);
}
Deno.exit(out.code || 1);
