// AssemblyScript source of the CSV field splitter (WebAssembly with SIMD). Built by `deno task wasm` into
// split.wasm.ts; the reader (../read.ts) uses it on ASCII text and keeps its TypeScript scan, the reference
// this kernel is tested against (tests/csv_split.test.ts), for every record it stops at.
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
 * out + 8 * r * fields hold each field's start and end (exclusive), plus `shift`. For text without quotes
 * (the reader knows): it stops before a record with a quote, the wrong number of fields or no fields (a blank
 * line), after `maxRows` records, or where no line end is left. A CR is text, but before a line end.
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
  let o = out; // the record's bounds; a field's start is stored when it starts, its end when it ends
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
        store<i32>(o + 8 * field + 4, end + shift);
        o += 8 * fields;
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
        store<i32>(o + 8 * field + 4, at + shift);
        field++;
        if (field === fields) {
          status = 2;
          consumed = rowStart;
          return rows;
        }
        store<i32>(o + 8 * field, at + 1 + shift);
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
 * `split` for text with quotes: a quoted field's bounds are those of the text inside its quotes, and
 * delimiters inside quotes are text. It also stops before a record with a quoted field holding a quote or
 * a line end, text around quotes (`ab"c"`, `"ab"c`), or a CR that ends no line — all the reader's, whose
 * RFC 4180 path takes a CR alone for a line end in a record with quotes, as papaparse does.
 */
export function splitQuoted(
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
  const returns = i8x16.splat(13);
  let rows = 0;
  let rowStart = from;
  let field = 0;
  let open = -1; // the field's opening quote, or -1
  let close = -1; // its closing quote, or -1
  let o = out; // the record's bounds; a field's start is stored when it starts, its end when it ends
  let stopped = false; // at a record the reader must take
  store<i32>(o, from + shift);
  status = 0;
  for (let q = from; q < len && !stopped; q += 16) {
    const v = v128.load(<usize> q);
    let mask = i8x16.bitmask(v128.or(i8x16.eq(v, delimiters), i8x16.eq(v, newlines)));
    const special = i8x16.bitmask(v128.or(i8x16.eq(v, quotes), i8x16.eq(v, returns)));
    mask |= special;
    // Quotes or a CR here, or a quote open from before: the few blocks that need the quote rules below.
    const general = special !== 0 || open >= 0;
    while (mask !== 0) {
      const at = q + ctz<i32>(mask);
      mask &= mask - 1;
      const c = <i32> load<u8>(<usize> at);
      let end = at;
      if (general) {
        if (open >= 0 && close < 0) { // inside quotes: a delimiter or a CR is text, a line end the reader's
          if (c === 10) {
            stopped = true;
            break;
          }
          if (c === 34) close = at;
          continue;
        }
        if (c === 13) {
          // Before a line end, the line end drops it. A CR alone is the reader's: text in a record without
          // quotes, but a line end in one with quotes, as in its RFC 4180 path (and in papaparse).
          if (load<u8>(<usize> (at + 1)) === 10) continue;
          stopped = true;
          break;
        }
        if (c === 34) {
          // A quote inside a field, or after its closing one (a doubled quote inside quotes comes here too).
          if (at !== load<i32>(o + 8 * field) - shift || open >= 0) {
            stopped = true;
            break;
          }
          open = at;
          store<i32>(o + 8 * field, at + 1 + shift); // its text starts after the quote
          continue;
        }
        if (open >= 0) { // a delimiter or line end right after the closing quote ends a quoted field
          if (c === 10 && load<u8>(<usize> (at - 1)) === 13) end--;
          if (end !== close + 1) {
            stopped = true;
            break;
          }
          end = close;
          open = -1;
          close = -1;
        }
      }
      if (c === 10) {
        if (end === at && end > rowStart && load<u8>(<usize> (end - 1)) === 13) end--;
        if (field !== fields - 1 || end === rowStart) {
          stopped = true;
          break;
        }
        store<i32>(o + 8 * field + 4, end + shift);
        o += 8 * fields;
        rows++;
        rowStart = at + 1;
        field = 0;
        store<i32>(o, rowStart + shift);
        if (rows === maxRows) {
          status = 1;
          consumed = rowStart;
          return rows;
        }
      } else {
        store<i32>(o + 8 * field + 4, end + shift);
        field++;
        if (field === fields) {
          stopped = true;
          break;
        }
        store<i32>(o + 8 * field, at + 1 + shift);
      }
    }
  }
  if (stopped) status = 2;
  consumed = rowStart;
  return rows;
}

/**
 * Converts field `field` of the `records` records the last `split` wrote at `out` (shifted by `shift`):
 * record r's number at values + 8 r and 1 at flags + r, or 0 at flags + r for a field the reader must convert
 * (empty, a null token, an exponent, out of range). `int32`: an optionally signed integer of at most 10 digits
 * within int32; else the parser's fast path (values.ts `parseFloat64`): an optionally signed decimal of at most
 * 15 digits, mantissa / 10^scale — both exact doubles, one rounding: the same double as `Number()`. Returns
 * how many it converted (all of them: the reader can copy the values as they are).
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
): i32 {
  const stride = 8 * fields;
  let b = out + 8 * field;
  let converted = 0;
  for (let r = 0; r < records; r++, b += stride) {
    let i = load<i32>(b) - shift;
    const end = load<i32>(b, 4) - shift;
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
    converted += <i32> ok;
  }
  return converted;
}

/** Two decimal digits at `i`, or -1. */
@inline
function twoDigits(i: usize): i32 {
  const a = <i32> load<u8>(i) - 48;
  const b = <i32> load<u8>(i + 1) - 48;
  return <u32> a <= 9 && <u32> b <= 9 ? a * 10 + b : -1;
}

/**
 * `numbers` for a timestamp field: epoch milliseconds (UTC) for `YYYY-MM-DD`, optionally followed by `T` or a
 * space and `HH:MM`, `:SS` and `.f` to `.fff`, and optionally `Z` — the same milliseconds as the reader's
 * `parseTimestamp` (values.ts), as an int64 at values + 8 r, the column's own bytes; every other form (a zone
 * offset, more fraction digits) and every field this one does not take are the reader's: 0 at flags + r.
 * Days from Howard Hinnant's days_from_civil, in integers. Returns how many it converted.
 */
export function timestamps(
  records: i32,
  fields: i32,
  field: i32,
  out: usize,
  shift: i32,
  values: usize,
  flags: usize,
): i32 {
  const stride = 8 * fields;
  let b = out + 8 * field;
  // The last valid date's ten bytes and its milliseconds: consecutive rows mostly share a date, and the day
  // count's divisions cost more than the rest of the parse.
  let lastDate: u64 = 0;
  let lastTail: u16 = 0;
  let lastMs: i64 = 0;
  let converted = 0;
  for (let r = 0; r < records; r++, b += stride) {
    const i = <usize> (load<i32>(b) - shift);
    const length = load<i32>(b, 4) - shift - <i32> i;
    let ok = false;
    let value: i64 = 0;
    if (length >= 10 && lastTail !== 0 && load<u64>(i) === lastDate && load<u16>(i + 8) === lastTail) {
      const ms = timeOfDay(i, length, lastMs);
      ok = ms !== NOT_A_TIME;
      if (ok) value = ms;
    } else if (length >= 10 && load<u8>(i + 4) === 45 && load<u8>(i + 7) === 45) {
      const hi = twoDigits(i);
      const lo = twoDigits(i + 2);
      const month = twoDigits(i + 5);
      const day = twoDigits(i + 8);
      const year = hi * 100 + lo;
      // Days in the month: 31 in odd months to July and even ones from August, else 30; February 29.
      const most = month === 2 ? 29 : 30 + ((month + (month >> 3)) & 1);
      const leap = (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0);
      if (
        hi >= 0 && lo >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= most &&
        (month !== 2 || day !== 29 || leap)
      ) {
        const y = month <= 2 ? year - 1 : year;
        const era = (y >= 0 ? y : y - 399) / 400;
        const yoe = y - era * 400;
        const doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        lastMs = <i64> (era * 146097 + doe - 719468) * 86400000;
        lastDate = load<u64>(i);
        lastTail = load<u16>(i + 8);
        const ms = timeOfDay(i, length, lastMs);
        ok = ms !== NOT_A_TIME;
        if (ok) value = ms;
      }
    }
    store<i64>(values + 8 * r, value);
    store<u8>(flags + r, ok ? 1 : 0);
    converted += <i32> ok;
  }
  return converted;
}

/** What `timeOfDay` gives for a rest it does not take. */
const NOT_A_TIME: i64 = i64.MIN_VALUE;

/**
 * `day` (the date's milliseconds) plus the time of day after the ten bytes of a date at `i`, for a field of
 * `length` bytes; NOT_A_TIME when the rest is not one of the forms `timestamps` takes.
 */
@inline
function timeOfDay(i: usize, length: i32, day: i64): i64 {
  let ms = day;
  let p = 10;
  if (p === length) return ms;
  const sep = <i32> load<u8>(i + p);
  if ((sep !== 84 && sep !== 32) || length - p < 6 || load<u8>(i + p + 3) !== 58) return NOT_A_TIME;
  const hour = twoDigits(i + p + 1);
  const minute = twoDigits(i + p + 4);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NOT_A_TIME;
  ms += <i64> hour * 3600000 + <i64> minute * 60000;
  p += 6;
  if (p < length && load<u8>(i + p) === 58) {
    const second = length - p >= 3 ? twoDigits(i + p + 1) : -1;
    if (second < 0 || second > 59) return NOT_A_TIME;
    ms += <i64> second * 1000;
    p += 3;
    if (p < length && load<u8>(i + p) === 46) {
      p++;
      let fraction = 0;
      let digits = 0;
      while (p < length && digits < 4) {
        const c = <i32> load<u8>(i + p) - 48;
        if (<u32> c > 9) break;
        fraction = fraction * 10 + c;
        digits++;
        p++;
      }
      if (digits === 0 || digits > 3) return NOT_A_TIME;
      ms += digits === 1 ? fraction * 100 : digits === 2 ? fraction * 10 : fraction;
    }
  }
  if (p === length || (p + 1 === length && load<u8>(i + p) === 90)) return ms; // nothing more, or 'Z' alone
  return NOT_A_TIME;
}

// Text dictionaries: a table per text column (laid out by the caller, TABLE_SIZE bytes each) maps a field's
// bytes to an entry, the same entry every time the same text comes again, so the reader turns each entry into
// its dictionary index once and stores the rest of a column's values from a typed array. Layout: entries in
// use (i32), bytes in use (i32), 8 bytes unused; TABLE_SLOTS hash slots (entry + 1, 0 for none); TABLE_ENTRIES
// pairs (byte offset, length); TABLE_BYTES of text.
const TABLE_SLOTS: i32 = 4096;
const TABLE_ENTRIES: i32 = 2048; // at most half the slots in use: a probe always ends
const TABLE_BYTES: i32 = 32768;
/** The longest text a table takes; longer ones are the reader's. */
const TEXT_MAX: i32 = 64;
const HASH_MULTIPLIER: u64 = 0x9e3779b97f4a7c15;

/** The first `n` (1 to 8) bytes at `p` as a u64, the rest zero. */
@inline
function head(p: usize, n: i32): u64 {
  const word = load<u64>(p);
  return n >= 8 ? word : word & ((<u64> 1 << <u64> (8 * n)) - 1);
}

/** Forgets every entry of the table at `table`. */
export function textReset(table: usize): void {
  memory.fill(table, 0, 16 + 4 * TABLE_SLOTS);
}

/**
 * `numbers` for a text field: the entry of its bytes in the table at `table` (i32 at values + 8 r), a new one
 * for text not seen before while the table has room. Empty fields, texts over TEXT_MAX bytes and new texts
 * once it is full are the reader's: 0 at flags + r. Returns how many it gave an entry.
 */
export function texts(
  records: i32,
  fields: i32,
  field: i32,
  out: usize,
  shift: i32,
  table: usize,
  values: usize,
  flags: usize,
): i32 {
  const stride = 8 * fields;
  const slots = table + 16;
  const entries = slots + 4 * TABLE_SLOTS;
  const bytes = entries + 8 * TABLE_ENTRIES;
  let b = out + 8 * field;
  let converted = 0;
  for (let r = 0; r < records; r++, b += stride) {
    const p = <usize> (load<i32>(b) - shift);
    const n = load<i32>(b, 4) - shift - <i32> p;
    let entry = -1;
    if (n > 0 && n <= TEXT_MAX) {
      let h: u64 = <u64> n;
      for (let k = 0; k < n; k += 8) h = (h ^ head(p + k, n - k)) * HASH_MULTIPLIER;
      let s = <i32> (h >> 52) & (TABLE_SLOTS - 1);
      while (true) {
        const e = load<i32>(slots + 4 * s) - 1;
        if (e < 0) {
          const count = load<i32>(table);
          const used = load<i32>(table, 4);
          if (count < TABLE_ENTRIES && used + n <= TABLE_BYTES) {
            memory.copy(bytes + used, p, n);
            store<i32>(entries + 8 * count, used);
            store<i32>(entries + 8 * count, n, 4);
            store<i32>(slots + 4 * s, count + 1);
            store<i32>(table, count + 1);
            store<i32>(table, used + n, 4);
            entry = count;
          }
          break;
        }
        if (load<i32>(entries + 8 * e, 4) === n) {
          const q = bytes + <usize> load<i32>(entries + 8 * e);
          let same = true;
          for (let k = 0; k < n && same; k += 8) same = head(p + k, n - k) === head(q + k, n - k);
          if (same) {
            entry = e;
            break;
          }
        }
        s = (s + 1) & (TABLE_SLOTS - 1);
      }
    }
    store<i32>(values + 8 * r, entry < 0 ? 0 : entry);
    store<u8>(flags + r, entry >= 0 ? 1 : 0);
    converted += <i32> (entry >= 0);
  }
  return converted;
}
