/**
 * A group-by kernel compiled for one `agg` spec: one loop over a batch's rows that computes the `--with`
 * expressions, the bins and the key combination inline, finds the row's slot and folds every value column in
 * (count, compensated sum, range, Welford) — the fused loop the lab's pipeline was hand-written as, generated
 * with `new Function` as arquero compiles its expressions. Profiled: the same aggregation done as separate
 * passes over temporary arrays (`GroupAggregator`'s general path, kept as the reference) was 25–35 % slower
 * with two workers busy. The arithmetic is the reference's, operation for operation, so both give the same bits
 * (tested).
 */
import type { Bin, Derived, Expr } from "./expr.ts";

/** Per-slot state layout (shared with group.ts). */
export const STATE = 8;
export const COUNT = 0, SUM = 1, COMP = 2, MIN = 3, MAX = 4, SHIFT = 5, MEAN = 6, M2 = 7;

/** What the kernel computes: keys in order (a bin, or codes given per batch), value columns with their needs. */
export interface KernelPlan {
  keys: ({ bin: Bin } | { codes: true })[];
  derived: Derived[];
  columns: { name: string; sum: boolean; range: boolean; moments: boolean }[];
  /** Source numeric columns the kernel reads, in the order `nums` gives them. */
  numbers: string[];
  dropNull: boolean;
}

/** Arguments of one kernel call. */
export interface KernelInput {
  n: number;
  /** Source numeric columns (typed arrays; missing values NaN), in `KernelPlan.numbers` order. */
  nums: ArrayLike<number>[];
  /** Per key: codes (−1: null) for code keys, unused for bins. */
  codes: ArrayLike<number>[];
  /** Per key: validity bitmap or null, and its bit offset. */
  valid: (Uint8Array | null)[];
  offsets: number[];
  /** Per key: its radix (codes + 1). */
  radix: number[];
  /** Dense combination → slot table (−1: none yet), or null for `sparse`. */
  table: Int32Array | null;
  sparse: Map<number, number> | null;
  /** Each slot's combination, in slot order (grows). */
  keyOf: number[];
  slotRows: Float64Array;
  states: Float64Array[];
  /** Slots the arrays have room for. */
  capacity: number;
}

/** Runs rows [start, n); returns n, or the row at which a new slot needs more capacity. */
export type Kernel = (input: KernelInput, start: number) => number;

/** A number as JS source that reads back as the same double. */
function literal(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "(-Infinity)";
  if (Object.is(value, -0)) return "(-0)";
  return `(${String(value)})`;
}

/**
 * Kernels made so far, by plan: one per spec for the whole process, so that V8's optimised code and type
 * feedback carry over from one aggregator (a unit, a partition) to the next instead of warming up again.
 */
const compiled = new Map<string, Kernel>();

/** The kernel for a plan (compiled once per process). */
export function compileKernel(plan: KernelPlan): Kernel {
  const key = JSON.stringify(plan);
  let kernel = compiled.get(key);
  if (!kernel) compiled.set(key, kernel = buildKernel(plan));
  return kernel;
}

function buildKernel(plan: KernelPlan): Kernel {
  const derivedNames = new Map(plan.derived.map((d, i) => [d.name, `D${i}`]));
  const numberIndex = new Map(plan.numbers.map((name, i) => [name, i]));
  const ref = (name: string): string => {
    const d = derivedNames.get(name);
    if (d) return d;
    const i = numberIndex.get(name);
    if (i === undefined) throw new RangeError(`kernel: no number column ${name}`);
    return `N${i}[i]`;
  };
  const expr = (e: Expr): string => {
    switch (e.kind) {
      case "number":
        return literal(e.value);
      case "column":
        return ref(e.name);
      case "negate":
        return `(-${expr(e.arg)})`;
      case "call":
        return `Math.${e.fn}(${expr(e.arg)})`;
      case "binary":
        return `(${expr(e.left)} ${e.op} ${expr(e.right)})`;
    }
  };
  const lines: string[] = [];
  const emit = (line: string) => lines.push(line);
  emit(`"use strict";`);
  emit(
    `const { n, nums, codes, valid, offsets, radix, table, sparse, keyOf, slotRows, states, capacity } = input;`,
  );
  plan.numbers.forEach((_, i) => emit(`const N${i} = nums[${i}];`));
  plan.keys.forEach((k, i) => {
    emit(`const R${i} = radix[${i}];`);
    if ("codes" in k) emit(`const K${i} = codes[${i}], V${i} = valid[${i}], O${i} = offsets[${i}];`);
  });
  plan.columns.forEach((_, c) => emit(`const S${c} = states[${c}];`));
  emit(`for (let i = start; i < n; i++) {`);
  plan.derived.forEach((d, i) => emit(`  const D${i} = ${expr(d.expr)};`));
  plan.keys.forEach((k, i) => {
    if ("bin" in k) {
      const e = k.bin.edges;
      const inner = e.slice(1, -1).map((edge) => `+(x${i} > ${literal(edge)})`).join(" + ") || "0";
      emit(`  const x${i} = ${ref(k.bin.column)};`);
      emit(
        `  const c${i} = x${i} > ${literal(e[0])} && x${i} <= ${literal(e[e.length - 1])} ? ${inner} : -1;`,
      );
    } else {
      emit(`  let c${i} = K${i}[i];`);
      emit(
        `  if (V${i} !== null) { const j = i + O${i}; if ((V${i}[j >> 3] & (1 << (j & 7))) === 0) c${i} = -1; }`,
      );
    }
    if (plan.dropNull) emit(`  if (c${i} < 0) continue;`);
  });
  let combination = "0";
  plan.keys.forEach((_, i) => combination = i === 0 ? `(c0 + 1)` : `(${combination} * R${i} + c${i} + 1)`);
  emit(`  const combination = ${combination};`);
  emit(`  let slot = table !== null ? table[combination] : (sparse.get(combination) ?? -1);`);
  emit(`  if (slot < 0) {`);
  emit(`    if (keyOf.length >= capacity) return i;`);
  emit(`    slot = keyOf.length;`);
  emit(`    keyOf.push(combination);`);
  emit(`    if (table !== null) table[combination] = slot; else sparse.set(combination, slot);`);
  emit(`  }`);
  emit(`  slotRows[slot]++;`);
  plan.columns.forEach((c, k) => {
    emit(`  {`);
    emit(`    const x = ${ref(c.name)};`);
    emit(`    if (x === x) {`);
    emit(`      const at = slot * ${STATE};`);
    emit(`      const count = ++S${k}[at + ${COUNT}];`);
    if (c.sum) {
      emit(`      const total = S${k}[at + ${SUM}];`);
      emit(`      const t = total + x;`);
      emit(
        `      S${k}[at + ${COMP}] += Math.abs(total) >= Math.abs(x) ? (total - t) + x : (x - t) + total;`,
      );
      emit(`      S${k}[at + ${SUM}] = t;`);
    }
    if (c.range) {
      emit(`      if (x < S${k}[at + ${MIN}]) S${k}[at + ${MIN}] = x;`);
      emit(`      if (x > S${k}[at + ${MAX}]) S${k}[at + ${MAX}] = x;`);
    }
    if (c.moments) {
      emit(`      if (count === 1) S${k}[at + ${SHIFT}] = x;`);
      emit(`      const y = x - S${k}[at + ${SHIFT}];`);
      emit(`      const delta = y - S${k}[at + ${MEAN}];`);
      emit(`      S${k}[at + ${MEAN}] += delta / count;`);
      emit(`      S${k}[at + ${M2}] += delta * (y - S${k}[at + ${MEAN}]);`);
    }
    emit(`    }`);
    emit(`  }`);
  });
  emit(`}`);
  emit(`return n;`);
  return new Function("input", "start", lines.join("\n")) as Kernel;
}
