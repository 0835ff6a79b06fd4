/**
 * The shape of `results/lab06_metrics.json` (a JSON Schema subset: type, required, properties, items,
 * additionalProperties) and a small validator for it. The file follows the notebook's structure.
 */

export interface Schema {
  type?:
    | "object"
    | "array"
    | "number"
    | "string"
    | "boolean"
    | "null"
    | ("number" | "null" | "string" | "object")[];
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
const strOrNull: Schema = { type: ["string", "null"] };
const nums: Schema = { type: "array", items: num };
/** Repeated timings: median and spread (lib/engine/measure.ts). */
const timing = obj({ median: num, min: num, max: num, seconds: nums });
const speedupRange = obj({ median: num, min: num, max: num });
/** When an exercise ran and its own time. */
const run = obj({ at: str, seconds: num });
/** The machine's load around a measurement (CPU shares are null without the permission to read them). */
const load: Schema = {
  type: "object",
  required: ["load_before", "load_after", "cpu"],
  properties: { cpu: { type: ["object", "null"] } },
};

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
      exercises_run: nums,
      exercises_kept: nums,
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
        baseline_rss_mb: num,
        peak_rss_mb: num,
        measured_in: str,
      }),
      run,
    }),
    exercise_1: obj({
      chunked_stats: { ...summary, required: [...summary.required!, "rows", "chunks"] },
      electronics_rows: num,
      memory: obj({
        rss_mb: nums,
        baseline_mb: num,
        peak_mb: num,
        measured_in: str,
        flat: bool,
        description: str,
      }),
      run,
    }),
    exercise_2: obj({
      validation: obj({
        rows: num,
        passed: bool,
        relative_error: obj({ mean: num, variance: num, std: num }),
      }),
      full_stats: {
        ...summary,
        required: [...summary.required!, "rows", "workers"],
        properties: { ...summary.properties, fallback: strOrNull },
      },
      run,
    }),
    exercise_3: obj({
      threading: obj({
        sequential_seconds: num,
        concurrent_seconds: num,
        speedup: num,
        sequential: timing,
        concurrent: timing,
        speedup_range: speedupRange,
        sequential_cpu_busy: num,
        load,
        explanation: str,
      }),
      multiprocessing: obj({
        sequential_seconds: num,
        parallel_seconds: num,
        speedup: num,
        speedup_range: speedupRange,
        identical: bool,
      }),
      scaling: obj({
        cores: num,
        runs: num,
        sequential_seconds: num,
        sequential: timing,
        speedup: speedups,
        timings: { type: "object", additionalProperties: timing },
        speedup_range: { type: "object", additionalProperties: speedupRange },
        identical: bool,
        worker_startup_seconds: num,
        serial_fraction: numOrNull,
        load,
        explanation: str,
      }),
      run,
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
      runs: num,
      identical: bool,
      sequential: timing,
      parallel: timing,
      speedup_range: speedupRange,
      load,
      explanation: str,
      run,
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
