/**
 * A progress line on stderr (rows, bytes, rate, ETA), drawn only when stderr is a terminal and the work has
 * run for more than a second; otherwise it prints nothing, so logs and pipes stay clean.
 */
import { formatBytes, formatCount } from "./format.ts";

const encoder = new TextEncoder();

export class Progress {
  readonly label: string;
  readonly totalBytes: number | undefined;
  totalRows: number | undefined;
  /** What is counted: "rows" by default; "parts" for work split into units. */
  readonly unit: string;
  #started = performance.now();
  #lastDraw = 0;
  #drawn = false;
  #enabled: boolean;

  constructor(
    label: string,
    totals: { bytes?: number; rows?: number; unit?: string } = {},
    enabled = Deno.stderr.isTerminal(),
  ) {
    this.label = label;
    this.totalBytes = totals.bytes;
    this.totalRows = totals.rows;
    this.unit = totals.unit ?? "rows";
    this.#enabled = enabled;
  }

  /** Sets the total once it is known (parts are counted after planning). */
  setTotal(count: number): void {
    this.totalRows = count;
  }

  /** Reports work done so far; draws at most ten times a second. */
  update(rows: number, bytes = 0): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#started < 1000 || now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    Deno.stderr.writeSync(encoder.encode("\r\x1b[2K" + this.line(rows, bytes, (now - this.#started) / 1000)));
    this.#drawn = true;
  }

  /** The text of the progress line (exported for tests). */
  line(rows: number, bytes: number, seconds: number): string {
    const fraction = this.totalBytes
      ? bytes / this.totalBytes
      : this.totalRows
      ? rows / this.totalRows
      : undefined;
    const parts = [this.label];
    if (fraction !== undefined) {
      const width = 24;
      const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
      parts.push(
        `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`,
      );
    }
    parts.push(`${formatCount(rows)} ${this.unit}`);
    if (bytes) parts.push(formatBytes(bytes));
    if (seconds > 0) {
      parts.push(
        bytes ? `${formatBytes(bytes / seconds)}/s` : `${formatCount(rows / seconds)} ${this.unit}/s`,
      );
    }
    if (fraction && fraction > 0 && fraction < 1) {
      parts.push(`ETA ${Math.ceil(seconds * (1 - fraction) / fraction)} s`);
    }
    return parts.join("  ");
  }

  /** Clears the line. */
  done(): void {
    if (this.#drawn) Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    this.#drawn = false;
  }
}
