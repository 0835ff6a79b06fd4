/**
 * A progress line on stderr (rows, bytes, rate, ETA, time so far), drawn only when stderr is a terminal and
 * the work has run for more than a second; otherwise it prints nothing, so logs and pipes stay clean. The
 * line is redrawn twice a second even when no count arrives (a step that reports nothing still shows its
 * time), until `done()`.
 */
import { formatBytes, formatCount } from "../format.ts";

const encoder = new TextEncoder();

export class Progress {
  readonly label: string;
  totalBytes: number | undefined;
  totalRows: number | undefined;
  /** What is counted: "rows" by default; "" for a step that only shows its time. */
  readonly unit: string;
  #started = performance.now();
  #lastDraw = 0;
  #drawn = false;
  #enabled: boolean;
  #rows = 0;
  #bytes = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

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
    if (enabled) {
      this.#timer = setInterval(() => this.#draw(), 500);
      Deno.unrefTimer(this.#timer);
    }
  }

  /** Sets the total once it is known (rows are counted after planning). */
  setTotal(count: number): void {
    this.totalRows = count;
  }

  /** Reports work done so far (and the bytes in all, once known); draws at most ten times a second. */
  update(rows: number, bytes = 0, totalBytes?: number): void {
    if (totalBytes !== undefined) this.totalBytes = totalBytes;
    this.#rows = rows;
    this.#bytes = bytes;
    this.#draw();
  }

  #draw(): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#started < 1000 || now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const line = this.line(this.#rows, this.#bytes, (now - this.#started) / 1000);
    Deno.stderr.writeSync(encoder.encode("\r\x1b[2K" + line));
    this.#drawn = true;
  }

  /** The text of the progress line (exported for tests). */
  line(rows: number, bytes: number, seconds: number): string {
    const fraction = this.totalBytes
      ? bytes / this.totalBytes
      : this.totalRows
      ? rows / this.totalRows
      : undefined;
    if (this.unit === "" || (rows === 0 && bytes === 0)) return `${this.label}  ${seconds.toFixed(0)} s`;
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
    parts.push(`${seconds.toFixed(0)} s`);
    return parts.join("  ");
  }

  /** Stops redrawing and clears the line. */
  done(): void {
    clearInterval(this.#timer);
    if (this.#drawn) Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    this.#drawn = false;
  }
}

/** Runs `work` with a progress line: `label` and the time so far, and what `work` counts, if anything. */
export async function withProgress<T>(label: string, work: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = new Progress(label);
  try {
    return await work(progress);
  } finally {
    progress.done();
  }
}
