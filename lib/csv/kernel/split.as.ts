// AssemblyScript source of the CSV field splitter (WebAssembly with SIMD). Built by `deno task wasm` into
// split.wasm.ts; the reader (../read.ts) uses it on ASCII text without quotes and keeps its TypeScript scan,
// the reference this kernel is tested against (tests/csv_kernel.test.ts), for everything else.
//
// Why by hand: the TypeScript scan finds each delimiter with `String.prototype.indexOf`, ~8 ns a field
// whatever its length (profiled: 48 % of `stats` on one thread); this one tests 16 bytes at a time.
//
// Memory (laid out by the caller): the text's bytes from 0, then 16 bytes `split` zeroes, the bounds it
// writes at `out`, and the numbers and flags `numbers` writes. The module has no static data to overwrite.

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

/**
 * Converts field `field` of the `records` records the last `split` wrote at `out` (shifted by `shift`):
 * record r's number at values + 8 r and 1 at flags + r, or 0 at flags + r for a field the reader must convert
 * (empty, a null token, an exponent, out of range). `int32`: an optionally signed integer of at most 10 digits
 * within int32; else the parser's fast path (values.ts `parseFloat64`): an optionally signed decimal of at most
 * 15 digits, mantissa / 10^scale — both exact doubles, one rounding: the same double as `Number()`.
 */
export function numbers(
  records: i32,
  fields: i32,
  field: i32,
  int32: bool,
  out: usize,
  shift: i32,
  values: usize,
  flags: usize,
): void {
  const stride = 4 * (fields + 1);
  let b = out + 4 * field;
  for (let r = 0; r < records; r++, b += stride) {
    let i = load<i32>(b) - shift;
    const end = load<i32>(b, 4) - 1 - shift;
    let ok = false;
    let value: f64 = 0;
    let c = i < end ? <i32> load<u8>(<usize> i) : 0;
    const negative = c === 45;
    if (negative || c === 43) i++;
    const digitsFrom = i;
    let mantissa: i64 = 0;
    while (i < end) {
      c = <i32> load<u8>(<usize> i) - 48;
      if (<u32> c > 9) break;
      mantissa = mantissa * 10 + c;
      i++;
    }
    let digits = i - digitsFrom;
    if (int32) {
      if (i === end && digits > 0 && digits <= 10) {
        if (negative) mantissa = -mantissa;
        if (mantissa >= -2147483648 && mantissa <= 2147483647) {
          ok = true;
          value = <f64> mantissa;
        }
      }
    } else {
      let scale = 0;
      if (i < end && c === -2) { // "."
        i++;
        const fractionFrom = i;
        while (i < end) {
          c = <i32> load<u8>(<usize> i) - 48;
          if (<u32> c > 9) break;
          mantissa = mantissa * 10 + c;
          i++;
        }
        scale = i - fractionFrom;
        digits += scale;
      }
      if (i === end && digits > 0 && digits <= 15) {
        ok = true;
        // 10^scale by multiplying: exact up to 10^15 (no table: static data would sit where the text goes).
        let power: f64 = 1;
        for (let k = 0; k < scale; k++) power *= 10;
        value = <f64> mantissa / power;
        if (negative) value = -value;
      }
    }
    store<f64>(values + 8 * r, value);
    store<u8>(flags + r, ok ? 1 : 0);
  }
}
