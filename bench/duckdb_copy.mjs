// Writes the warmup table as DuckDB would (nullable columns, BIGINT ints, DuckDB's own encodings) for the
// "projection on a file written by another engine" benchmark. Run with the DuckDB that
// ../shared/peers/run.sh installs:  node bench/duckdb_copy.mjs IN.parquet OUT.parquet
import { createRequire } from "node:module";
import { homedir } from "node:os";
const cache = process.env.PEERS_CACHE ??
  `${process.env.XDG_CACHE_HOME ?? `${homedir()}/.cache`}/outcore-peers`;
const { DuckDBInstance } = createRequire(`${cache}/package.json`)("@duckdb/node-api");
const [src, out] = process.argv.slice(2);
const con = await (await DuckDBInstance.create(":memory:")).connect();
await con.run(`COPY (SELECT product_id::BIGINT AS product_id, category, price, quantity::BIGINT AS quantity,
  customer_id::BIGINT AS customer_id FROM read_parquet('${src}')) TO '${out}' (FORMAT parquet)`);
console.log(`wrote ${out}`);
