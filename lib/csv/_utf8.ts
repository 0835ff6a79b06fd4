/**
 * Invalid UTF-8 detection that keeps `TextDecoderStream` in its fast non-fatal mode (about twice the
 * throughput of `fatal: true` here): the decoder turns each invalid sequence into U+FFFD, so the input is
 * invalid exactly when the text holds more U+FFFD characters than the bytes hold literal EF BF BD sequences.
 *
 * The bytes are only searched once the text shows a U+FFFD: every literal EF BF BD decodes to one, so while
 * the text has none, the bytes have none either. Until then the last `WINDOW` chunks are kept (references,
 * no copies) — more than the streams between this guard and the decoder ever hold — and searched, in order,
 * when the first U+FFFD appears; from then on every chunk is searched as it comes. (Profiled: searching every
 * chunk was 8.7 % of a single-threaded `stats` on 5M rows.)
 */
const WINDOW = 16;

export class Utf8Guard {
  #raw = 0;
  #decoded = 0;
  /** The last two bytes before the chunks still to search (a sequence may start there). */
  #tail: Uint8Array = new Uint8Array(0);
  #pending: Uint8Array[] = [];
  #eager = false;

  /** Takes the next raw chunk (before it is decoded). */
  countBytes(chunk: Uint8Array): void {
    if (this.#eager) {
      this.#search(chunk);
      return;
    }
    this.#pending.push(chunk);
    if (this.#pending.length > WINDOW) {
      // Decoded long ago into text without U+FFFD, so it holds no EF BF BD; keep its last bytes for a
      // sequence split across the boundary.
      this.#tail = lastTwo(this.#tail, this.#pending.shift()!);
    }
  }

  /** Counts literal U+FFFD encodings (EF BF BD) in raw bytes, including ones split across chunks. */
  #search(chunk: Uint8Array): void {
    const tail = this.#tail;
    // Sequences that start in the previous chunk's last two bytes.
    for (let k = 0; k < tail.length; k++) {
      const seq = [...tail.subarray(k), ...chunk.subarray(0, 3 - (tail.length - k))];
      if (seq.length === 3 && seq[0] === 0xef && seq[1] === 0xbf && seq[2] === 0xbd) this.#raw++;
    }
    for (let i = chunk.indexOf(0xef); i !== -1 && i + 2 < chunk.length; i = chunk.indexOf(0xef, i + 1)) {
      if (chunk[i + 1] === 0xbf && chunk[i + 2] === 0xbd) this.#raw++;
    }
    this.#tail = lastTwo(tail, chunk);
  }

  /**
   * The chunks counted so far are about to be overwritten (reused read buffers, decoded already): keep only
   * their last two bytes.
   */
  forget(): void {
    for (const chunk of this.#pending) this.#tail = lastTwo(this.#tail, chunk);
    this.#pending = [];
  }

  /**
   * Counts U+FFFD in decoded text; returns the index of the first one that cannot come from the bytes
   * (so the input is not valid UTF-8), or -1.
   */
  checkText(text: string): number {
    let i = text.indexOf("\ufffd");
    if (i === -1) return -1;
    if (!this.#eager) {
      this.#eager = true;
      for (const chunk of this.#pending) this.#search(chunk);
      this.#pending = [];
    }
    for (; i !== -1; i = text.indexOf("\ufffd", i + 1)) {
      this.#decoded++;
      // Raw bytes are counted ahead of decoding, so the raw count can only be too high, never too low.
      if (this.#decoded > this.#raw) return i;
    }
    return -1;
  }
}

/** The last two bytes of `before` followed by `chunk`. */
function lastTwo(before: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length >= 2) return chunk.slice(chunk.length - 2);
  const joined = new Uint8Array(before.length + chunk.length);
  joined.set(before);
  joined.set(chunk, before.length);
  return joined.slice(Math.max(0, joined.length - 2));
}
