/**
 * The shape of `results/lab06_metrics.json` (a JSON Schema subset: type, required, properties, items,
 * additionalProperties) and a small validator for it. The file follows the notebook's structure.
 */

export interface Schema {
  type?: "object" | "array" | "number" | "string" | "boolean" | "null" | ("number" | "null" | "string")[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
}

const num: Schema = { type: "number" };
const str: Schema = { type: "string" };
const bool: Schema = { type: "boolean" };
const numOrNull: Schema = { type: ["number", "null"] };
const obj = (properties: Record<string, Schema>, extra: string[] = []): Schema => ({
  type: "object",
  required: [...Object.keys(properties), ...extra],
  properties,
});

const summary = obj({
  count: num,
  nulls: num,
  sum: num,
  mean: numOrNull,
  variance: numOrNull,
  std: numOrNull,
  min: numOrNull,
  max: numOrNull,
});
const readMethod = obj({
  method: str,
  median_seconds: num,
  seconds: { type: "array", items: num },
  memory_bytes: num,
  rows: num,
});
const speedups: Schema = { type: "object", additionalProperties: num };

export const LAB_METRICS_SCHEMA: Schema = {
  type: "object",
  required: ["environment", "exercise_0", "exercise_1", "exercise_2", "exercise_3", "exercise_4", "timings"],
  properties: {
    environment: obj({
      outcore: str,
      deno: str,
      cores: num,
      memory_bytes: numOrNull,
      seed: num,
      datasets: obj({ warmup_rows: num, sales_rows: num, partitions: num }),
    }),
    exercise_0: obj({
      read_benchmark: obj({
        rows: num,
        columns: num,
        methods: { type: "array", items: readMethod },
        speedup_columnar_vs_rows: num,
      }),
      projection: obj({
        columns: { type: "array", items: str },
        revenue: num,
        all: obj({ seconds: num, bytes_read: num }),
        projected: obj({ seconds: num, bytes_read: num }),
      }),
      iter_batches: obj({
        row_groups: num,
        rows: num,
        revenue: num,
        batches: { type: "array", items: obj({ rows: num, revenue: num, running_total: num, rss_mb: num }) },
      }),
    }),
    exercise_1: obj({
      chunked_stats: { ...summary, required: [...summary.required!, "rows", "chunks"] },
      electronics_rows: num,
      memory: obj({ rss_mb: { type: "array", items: num } }),
    }),
    exercise_2: obj({
      validation: obj({
        rows: num,
        passed: bool,
        relative_error: obj({ mean: num, variance: num, std: num }),
      }),
      full_stats: { ...summary, required: [...summary.required!, "rows", "workers"] },
    }),
    exercise_3: obj({
      threading: obj({ sequential_seconds: num, concurrent_seconds: num, speedup: num }),
      multiprocessing: obj({ sequential_seconds: num, parallel_seconds: num, speedup: num, identical: bool }),
      scaling: obj({ cores: num, sequential_seconds: num, speedup: speedups, serial_fraction: numOrNull }),
    }),
    exercise_4: obj({
      rows: {
        type: "array",
        items: obj({
          category: str,
          price_bin: str,
          revenue_sum: num,
          revenue_mean: num,
          revenue_count: num,
          quantity_sum: num,
        }),
      },
      sequential_seconds: num,
      parallel_seconds: num,
      speedup: num,
      workers: num,
    }),
    timings: { type: "object", required: ["total_seconds"], additionalProperties: num },
  },
};

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Every place `value` breaks `schema`, as `$.path: message` lines (empty when valid). */
export function validate(schema: Schema, value: unknown, path = "$"): string[] {
  const errors: string[] = [];
  if (schema.type) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (
      !allowed.includes(actual as never) ||
      (actual === "number" && !Number.isFinite(value as number) && value !== null)
    ) {
      return [`${path}: expected ${allowed.join(" or ")}, got ${actual === "number" ? value : actual}`];
    }
  }
  if (typeOf(value) === "object") {
    const o = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in o)) errors.push(`${path}: missing "${key}"`);
    for (const [key, v] of Object.entries(o)) {
      const sub = schema.properties?.[key] ?? schema.additionalProperties;
      if (sub) errors.push(...validate(sub, v, `${path}.${key}`));
    }
  }
  if (typeOf(value) === "array" && schema.items) {
    (value as unknown[]).forEach((v, i) => errors.push(...validate(schema.items!, v, `${path}[${i}]`)));
  }
  return errors;
}
