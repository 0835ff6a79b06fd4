// DuckDB's time for `outcore agg CSV` with the lab's arguments (Exercise 4's revenue by category × price bin):
// the same GROUP BY over read_csv, timed inside a warm process as ../shared/peers/run.sh times its workloads.
// Run with the DuckDB that the peers script installs:  node bench/duckdb_agg.mjs IN.csv   → one JSON line
import { createRequire } from "node:module";
import { homedir } from "node:os";
const cache = process.env.PEERS_CACHE ??
  `${process.env.XDG_CACHE_HOME ?? `${homedir()}/.cache`}/outcore-peers`;
const { DuckDBInstance } = createRequire(`${cache}/package.json`)("@duckdb/node-api");
const [src] = process.argv.slice(2);
const con = await (await DuckDBInstance.create(":memory:")).connect();
const started = performance.now();
const reader = await con.runAndReadAll(`
  SELECT category,
         CASE WHEN price <= 50 THEN 'low' WHEN price <= 200 THEN 'mid' WHEN price <= 500 THEN 'high'
              ELSE 'premium' END AS price_bin,
         sum(price * quantity) AS revenue_sum, avg(price * quantity) AS revenue_mean,
         count(price * quantity) AS revenue_count, sum(quantity) AS quantity_sum
  FROM read_csv('${src}')
  WHERE price > 0 AND price <= 1000 AND category IS NOT NULL
  GROUP BY ALL ORDER BY ALL`);
const rows = reader.getRowObjects();
console.log(
  JSON.stringify({
    workload: "csv-agg",
    duckdb_seconds: +((performance.now() - started) / 1000).toFixed(3),
    groups: rows.length,
    revenue_total: rows.reduce((s, r) => s + Number(r.revenue_sum), 0),
  }),
);
