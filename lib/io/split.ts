/**
 * Splitting a CSV file into byte ranges that start at line starts, for parallel readers. A newline inside a
 * quoted field would make a bad split point; readers count the quotes in their range and the caller checks
 * (`splitsAreSafe`) that an even number of quotes precedes every split point — detected, never guessed.
 */
import { openFile } from "./file.ts";

/** A byte range [start, end) of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Bytes per CSV range: fixed (not derived from the worker count), so results do not depend on it. */
export const CSV_RANGE_BYTES = 32 << 20;

/**
 * Ranges of about `rangeBytes` covering [dataStart, size), each starting just after a newline.
 * Reads at most 64 KiB at each candidate split point.
 */
export async function csvRanges(
  path: string,
  dataStart: number,
  rangeBytes = CSV_RANGE_BYTES,
): Promise<ByteRange[]> {
  const file = await openFile(path);
  try {
    const { size } = await file.stat();
    const cuts = [dataStart];
    const probe = new Uint8Array(1 << 16);
    for (let target = dataStart + rangeBytes; target < size; target += rangeBytes) {
      let at = -1;
      for (let from = target; from < size && at < 0; from += probe.length) {
        await file.seek(from, Deno.SeekMode.Start);
        const n = (await file.read(probe)) ?? 0;
        if (n === 0) break;
        const i = probe.subarray(0, n).indexOf(10);
        if (i >= 0) at = from + i + 1;
      }
      if (at < 0 || at >= size) break;
      if (at > cuts[cuts.length - 1]) cuts.push(at);
    }
    cuts.push(size);
    const ranges: ByteRange[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      if (cuts[i + 1] > cuts[i]) ranges.push({ start: cuts[i], end: cuts[i + 1] });
    }
    return ranges;
  } finally {
    file.close();
  }
}

/** Whether every range starts outside quotes, given the quote count each range's reader saw. */
export function splitsAreSafe(quoteCounts: readonly number[]): boolean {
  let before = 0;
  for (const count of quoteCounts) {
    if (before % 2 !== 0) return false;
    before += count;
  }
  return true;
}
