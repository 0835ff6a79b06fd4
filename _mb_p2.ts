import { ParquetReader } from "./lib/parquet/read.ts";
import { fileByteSource } from "./lib/io/file.ts";
import { addRevenue } from "./lib/exercises/ex0_arrow.ts";
import { CompensatedSum } from "./lib/ops/sum.ts";
const path = Deno.args[0];
for (let r = 0; r < Number(Deno.args[1] ?? 1); r++) {
  const source = await fileByteSource(path);
  const reader = await ParquetReader.open(source, { file: path });
  const t = performance.now();
  const sum = new CompensatedSum();
  for await (const b of reader.batches({ columns: ["price", "quantity"], reuse: true })) addRevenue(sum, b);
  console.log((performance.now() - t).toFixed(1), "ms", sum.value);
  source.close();
}
