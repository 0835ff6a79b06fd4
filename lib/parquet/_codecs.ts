/**
 * The decompressors outcore reads Parquet with: hyparquet-compressors' (hysnappy's WebAssembly snappy, the
 * fastest measured here; fzstd, gzip, brotli, lz4), with one shortcut. A snappy page that is a single literal —
 * what outcore's writer stores when snappy cannot shrink a page (random ids, quantities) — is its own
 * uncompressed bytes: they are returned as a view, where the WebAssembly decoder would copy them in and out
 * (profiled: decompression was 31 % of a projected read of the warmup file, part of it such pages).
 */
import { compressors as hyparquetCompressors } from "hyparquet-compressors";

/** The bytes of a snappy stream holding one literal of `length` bytes and nothing else, or null. */
export function snappyLiteralBody(input: Uint8Array, length: number): Uint8Array | null {
  // The preamble: the uncompressed length as a varint.
  let p = 0, declared = 0, shift = 0, b;
  do {
    if (p >= input.length || shift > 28) return null;
    b = input[p++];
    declared += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  if (declared !== length || p >= input.length) return null;
  const tag = input[p++];
  if ((tag & 3) !== 0) return null; // not a literal
  let size = tag >> 2;
  if (size >= 60) {
    const extra = size - 59;
    if (p + extra > input.length) return null;
    size = 0;
    for (let i = 0; i < extra; i++) size += input[p + i] * 2 ** (8 * i);
    p += extra;
  }
  size += 1;
  return size === length && p + size === input.length ? input.subarray(p, p + size) : null;
}

/** Decompressors for hyparquet: `(input, outputLength) => bytes`. */
export const compressors = {
  ...hyparquetCompressors,
  SNAPPY: (input: Uint8Array, outputLength: number): Uint8Array =>
    snappyLiteralBody(input, outputLength) ?? hyparquetCompressors.SNAPPY!(input, outputLength),
};
