/**
 * Text ↔ value conversions for CSV fields, written by hand because they run once per field (tens of millions of
 * times): they read character codes in place instead of creating substrings, and fall back to the exact
 * built-in conversions for anything unusual. Every parser returns `undefined` when the text is not a value
 * of its type.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_NUMBERS: Record<string, number> = {
  nan: NaN,
  "+nan": NaN,
  "-nan": NaN,
  inf: Infinity,
  "+inf": Infinity,
  "-inf": -Infinity,
  infinity: Infinity,
  "+infinity": Infinity,
  "-infinity": -Infinity,
};

/** A float from a decimal string, e.g. "12.5", "-3", "1e-7", "NaN", "inf"; the exact value `Number()` gives. */
export function parseFloat64(text: string, start: number, end: number): number | undefined {
  // Fast path: up to 15 digits with an optional fraction. mantissa / 10^scale is then correctly rounded,
  // because both operands are exact doubles and IEEE division rounds once: the same double as Number().
  let i = start;
  let c = text.charCodeAt(i);
  const negative = c === 45;
  if (negative || c === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  while (i < end) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < end && c === 46) {
    i++;
    while (i < end) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      scale++;
      i++;
    }
  }
  if (i === end && digits > 0 && digits <= 15) {
    const value = scale === 0 ? mantissa : mantissa / POW10[scale];
    return negative ? -value : value;
  }
  return parseFloat64Slow(text.slice(start, end));
}

function parseFloat64Slow(s: string): number | undefined {
  if (NUMBER_RE.test(s)) return Number(s);
  const special = SPECIAL_NUMBERS[s.toLowerCase()];
  return special;
}

/** An int32 from an optionally signed run of digits; undefined when not an integer or out of range. */
export function parseInt32(text: string, start: number, end: number): number | undefined {
  let i = start;
  let c = text.charCodeAt(i);
  const negative = c === 45;
  if (negative || c === 43) i++;
  if (i === end || end - i > 10) return undefined;
  let value = 0;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
  }
  if (negative) value = -value;
  return value >= -2147483648 && value <= 2147483647 ? value : undefined;
}

/** An int64 from an optionally signed run of digits, as a bigint; undefined when not an integer. */
export function parseInt64(text: string, start: number, end: number): bigint | undefined {
  const s = text.slice(start, end);
  if (!/^[+-]?\d{1,19}$/.test(s)) return undefined;
  const value = BigInt(s);
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined;
}

/** Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] for days since 1970-01-01 (inverse of `daysFromCivil`). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (month <= 2 ? 1 : 0), month, day];
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The last date `parseTimestamp` parsed (`YYYY-MM-DD`, valid) and its epoch milliseconds. */
let lastDate = "\u0000";
let lastDateMs = 0;

/** Two decimal digits at `i`, or −1. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function digitsAt(text: string, i: number, n: number): number {
  let value = 0;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/**
 * Epoch milliseconds (UTC) for `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fff]]`,
 * and optionally `Z` or `±HH:MM`. Undefined for anything else, including impossible dates.
 */
export function parseTimestamp(text: string, start: number, end: number): number | undefined {
  const length = end - start;
  let ms: number;
  if (length >= 10 && text.startsWith(lastDate, start)) {
    // The date of the previous timestamp parsed (consecutive rows usually share it; profiled: the date's
    // digits and day count were 15 % of reading the sales CSV).
    ms = lastDateMs;
  } else {
    if (length < 10 || text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45) {
      return undefined;
    }
    const year = digitsAt(text, start, 4);
    const month = twoDigits(text, start + 5);
    const day = twoDigits(text, start + 8);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) return undefined;
    if (month === 2 && day === 29 && (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0))) {
      return undefined;
    }
    ms = daysFromCivil(year, month, day) * 86_400_000;
    lastDate = text.slice(start, start + 10);
    lastDateMs = ms;
  }
  let i = start + 10;
  if (i === end) return ms;
  const sep = text.charCodeAt(i);
  if (sep !== 84 && sep !== 32) return undefined; // 'T' or ' '
  i++;
  if (end - i < 5 || text.charCodeAt(i + 2) !== 58) return undefined;
  const hour = twoDigits(text, i);
  const minute = twoDigits(text, i + 3);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  ms += hour * 3_600_000 + minute * 60_000;
  i += 5;
  if (i < end && text.charCodeAt(i) === 58) {
    const second = twoDigits(text, i + 1);
    if (end - i < 3 || second < 0 || second > 59) return undefined;
    ms += second * 1000;
    i += 3;
    if (i < end && text.charCodeAt(i) === 46) {
      i++;
      let scale = 100;
      let fraction = 0;
      const fractionStart = i;
      while (i < end) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        fraction += c * scale; // digits past milliseconds are truncated, as Arrow's ms unit must
        scale /= 10;
        i++;
      }
      if (i === fractionStart) return undefined;
      ms += Math.floor(fraction);
    }
  }
  if (i === end) return ms;
  const zone = text.charCodeAt(i);
  if (zone === 90 && i + 1 === end) return ms; // 'Z'
  if ((zone === 43 || zone === 45) && end - i === 6 && text.charCodeAt(i + 3) === 58) {
    const zh = digitsAt(text, i + 1, 2);
    const zm = digitsAt(text, i + 4, 2);
    if (zh < 0 || zm < 0) return undefined;
    const offset = (zh * 60 + zm) * 60_000;
    return zone === 43 ? ms - offset : ms + offset;
  }
  return undefined;
}

const TWO_32 = 4294967296;

/**
 * Stores an integral number (|n| < 2^53) into slot `i` of a BigInt64Array through its Int32Array view,
 * avoiding a bigint allocation per value (little-endian, like every platform Deno runs on).
 */
export function setInt64(words: Int32Array, i: number, n: number): void {
  const high = Math.floor(n / TWO_32);
  words[2 * i] = (n - high * TWO_32) | 0;
  words[2 * i + 1] = high;
}

/** Reads slot `i` of a BigInt64Array as a number through its Int32Array view (exact below 2^53). */
export function getInt64(words: Int32Array, i: number): number {
  return words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0);
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** `YYYY-MM-DD HH:MM:SS` (with `.fff` when the milliseconds are not zero) for epoch milliseconds, UTC. */
export function formatTimestamp(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const [year, month, day] = civilFromDays(days);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const millis = rest - second * 1000;
  const y = year >= 0 && year < 10000 ? String(year).padStart(4, "0") : String(year);
  const base = `${y}-${pad2(month)}-${pad2(day)} ${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
  return millis ? `${base}.${String(millis).padStart(3, "0")}` : base;
}
