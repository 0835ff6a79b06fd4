// AssemblyScript source of the CSV field splitter (WebAssembly with SIMD). Built by `deno task wasm` into
// split.wasm.ts; the reader (../read.ts) uses it on ASCII text without quotes and keeps its TypeScript scan,
// the reference this kernel is tested against (tests/csv_kernel.test.ts), for everything else.
//
// Why by hand: the TypeScript scan finds each delimiter with `String.prototype.indexOf`, ~8 ns a field
// whatever its length (profiled: 48 % of `stats` on one thread); this one tests 16 bytes at a time.
//
// Memory (laid out by the caller): the text's bytes from 0, then 16 bytes this function zeroes, then the
// bounds it writes at `out`.

/** Where the last call stopped: the byte after the last whole record it split. */
export let consumed: i32 = 0;
/** Why it stopped: 0 no whole record left, 1 `maxRows` split, 2 the record at `consumed` needs the reader. */
export let status: i32 = 0;

/**
 * Splits the records in bytes [from, len) into `fields` fields each: for record r, bounds at
 * out + 4 * r * (fields + 1) hold the start of each field and, last, the end of the last field plus one
 * (a field k ends one before bound k + 1), all plus `shift`. It stops before a record with a quote, the
 * wrong number of fields or no fields (a blank line), after `maxRows` records, or where no line end is left.
 */
export function split(
  from: i32,
  len: i32,
  fields: i32,
  delimiter: i32,
  maxRows: i32,
  out: usize,
  shift: i32,
): i32 {
  v128.store(<usize> len, i8x16.splat(0)); // no structural byte past the text
  const delimiters = i8x16.splat(<i8> delimiter);
  const newlines = i8x16.splat(10);
  const quotes = i8x16.splat(34);
  let rows = 0;
  let rowStart = from;
  let field = 0;
  let o = out;
  store<i32>(o, from + shift);
  status = 0;
  for (let q = from; q < len; q += 16) {
    const v = v128.load(<usize> q);
    let mask = i8x16.bitmask(
      v128.or(v128.or(i8x16.eq(v, delimiters), i8x16.eq(v, newlines)), i8x16.eq(v, quotes)),
    );
    while (mask !== 0) {
      const at = q + ctz<i32>(mask);
      mask &= mask - 1;
      const c = <i32> load<u8>(<usize> at);
      if (c === 10) {
        let end = at;
        if (end > rowStart && load<u8>(<usize> (end - 1)) === 13) end--;
        if (field !== fields - 1 || end === rowStart) {
          status = 2;
          consumed = rowStart;
          return rows;
        }
        store<i32>(o + 4 * fields, end + 1 + shift);
        o += 4 * (fields + 1);
        rows++;
        rowStart = at + 1;
        field = 0;
        store<i32>(o, rowStart + shift);
        if (rows === maxRows) {
          status = 1;
          consumed = rowStart;
          return rows;
        }
      } else if (c === delimiter) {
        field++;
        if (field === fields) {
          status = 2;
          consumed = rowStart;
          return rows;
        }
        store<i32>(o + 4 * field, at + 1 + shift);
      } else {
        status = 2;
        consumed = rowStart;
        return rows;
      }
    }
  }
  consumed = rowStart;
  return rows;
}
