// DuckDB's time for `outcore convert CSV OUT.parquet`: COPY (SELECT * FROM read_csv(IN)) TO OUT (FORMAT
// parquet), timed inside a warm process as ../shared/peers/run.sh times its workloads. Run with the DuckDB that
// the peers script installs:  node bench/duckdb_convert.mjs IN.csv OUT.parquet   → one JSON line
import { createRequire } from "node:module";
import { homedir } from "node:os";
const cache = process.env.PEERS_CACHE ??
  `${process.env.XDG_CACHE_HOME ?? `${homedir()}/.cache`}/outcore-peers`;
const { DuckDBInstance } = createRequire(`${cache}/package.json`)("@duckdb/node-api");
const [src, out] = process.argv.slice(2);
const con = await (await DuckDBInstance.create(":memory:")).connect();
const started = performance.now();
await con.run(`COPY (SELECT * FROM read_csv('${src}')) TO '${out}' (FORMAT parquet)`);
console.log(
  JSON.stringify({
    workload: "csv-to-parquet",
    duckdb_seconds: +((performance.now() - started) / 1000).toFixed(3),
  }),
);
