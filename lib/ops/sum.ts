/**
 * Compensated (Neumaier) summation, shared by every accumulator that must merge exactly: a running sum plus
 * the rounding error it has lost, kept as plain numbers so partial results cross worker boundaries as data.
 * Hot loops inline the same two lines per value; this is for adding partial sums.
 */

/** A sum and the error its additions have lost; the value is `sum + compensation`. */
export interface Compensated {
  sum: number;
  compensation: number;
}

/** Adds `x` to `target` with Neumaier's compensation. */
export function addCompensated(target: Compensated, x: number): void {
  const t = target.sum + x;
  target.compensation += Math.abs(target.sum) >= Math.abs(x) ? (target.sum - t) + x : (x - t) + target.sum;
  target.sum = t;
}

/** A compensated running sum. */
export class CompensatedSum implements Compensated {
  sum = 0;
  compensation = 0;
  add(x: number): void {
    addCompensated(this, x);
  }
  get value(): number {
    return this.sum + this.compensation;
  }
}
