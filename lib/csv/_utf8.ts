/**
 * Invalid UTF-8 detection that keeps `TextDecoderStream` in its fast non-fatal mode (about twice the
 * throughput of `fatal: true` here): the decoder turns each invalid sequence into U+FFFD, so the input is
 * invalid exactly when the text holds more U+FFFD characters than the bytes hold literal EF BF BD sequences.
 * Both counts cost nothing on ASCII data (one native `indexOf` per chunk).
 */
export class Utf8Guard {
  #raw = 0;
  #decoded = 0;
  #tail = new Uint8Array(0);

  /** Counts literal U+FFFD encodings (EF BF BD) in raw bytes, including ones split across chunks. */
  countBytes(chunk: Uint8Array): void {
    const tail = this.#tail;
    // Sequences that start in the previous chunk's last two bytes.
    for (let k = 0; k < tail.length; k++) {
      const seq = [...tail.subarray(k), ...chunk.subarray(0, 3 - (tail.length - k))];
      if (seq.length === 3 && seq[0] === 0xef && seq[1] === 0xbf && seq[2] === 0xbd) this.#raw++;
    }
    for (let i = chunk.indexOf(0xef); i !== -1 && i + 2 < chunk.length; i = chunk.indexOf(0xef, i + 1)) {
      if (chunk[i + 1] === 0xbf && chunk[i + 2] === 0xbd) this.#raw++;
    }
    this.#tail = chunk.slice(Math.max(0, chunk.length - 2));
  }

  /**
   * Counts U+FFFD in decoded text; returns the index of the first one that cannot come from the bytes
   * (so the input is not valid UTF-8), or -1.
   */
  checkText(text: string): number {
    for (let i = text.indexOf("\ufffd"); i !== -1; i = text.indexOf("\ufffd", i + 1)) {
      this.#decoded++;
      // Raw bytes are counted ahead of decoding, so the raw count can only be too high, never too low.
      if (this.#decoded > this.#raw) return i;
    }
    return -1;
  }
}
