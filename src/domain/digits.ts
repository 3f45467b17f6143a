/**
 * Digit normalisation for numbers typed or pasted by volunteers (NIK, No. KK,
 * phone numbers, dates, family PINs). Telegram clients with Arabic, Persian,
 * Devanagari or Thai keyboards produce their own digits, some Asian keyboards
 * full-width ones, and numbers copied from documents or web pages often
 * carry spaces, dots, dashes, slashes and invisible characters (zero-width
 * spaces, direction marks, soft hyphens).
 *
 * One definition serves both the parsers (NIK, KK) and the sealing of
 * conversation state ({@link findDigitRuns}): whatever a parser accepts as a
 * number, the sealing recognises too.
 *
 * @module
 */

/** Any Unicode decimal digit (General_Category Nd), in any script. */
const DECIMAL_DIGIT = /\p{Nd}/u;
const DECIMAL_DIGITS = /\p{Nd}/gu;

/**
 * Characters removed by {@link normalizeDigits}, as a regex character-class
 * body: all Unicode whitespace (including no-break spaces), format and
 * invisible characters (zero-width spaces and joiners, word joiner, BOM,
 * direction marks, soft hyphen: General_Category Cf), every dash
 * (General_Category Pd, plus the minus sign), dots (ASCII, full-width, middle
 * dots, one-dot leader), slashes (ASCII, full-width, backslash) and
 * underscores.
 */
export const DIGIT_SEPARATOR_CLASS = String.raw`\s\p{Cf}\p{Pd}\u2212\u00ad.\uff0e\u00b7\u2024\u2027\u30fb\uff65/\uff0f\\_`;

const SEPARATORS = new RegExp(`[${DIGIT_SEPARATOR_CLASS}]`, "gu");

/**
 * The value (0–9) of a Unicode decimal digit. Unicode encodes every set of
 * decimal digits as a contiguous run starting at zero (some blocks, such as
 * the mathematical digits, hold several runs back to back), so the value is
 * the distance from the start of the run, modulo 10.
 */
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  let start = cp;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  cp -= start;
  return cp % 10;
}

/**
 * Converts every Unicode decimal digit (Arabic-Indic, Extended Arabic-Indic,
 * Devanagari, Bengali, Thai, full-width, mathematical…) to ASCII `0`–`9`.
 * Nothing else in the string is changed.
 *
 * @example
 * toAsciiDigits("٣٢٠١"); // "3201"
 * toAsciiDigits("３２０１"); // "3201"
 */
export function toAsciiDigits(input: string): string {
  return input.replace(DECIMAL_DIGITS, (ch) => String(digitValue(ch)));
}

/**
 * Normalises a typed identifier: converts every decimal digit to ASCII (see
 * {@link toAsciiDigits}) and strips separators and invisible characters (see
 * {@link DIGIT_SEPARATOR_CLASS}). Any other character (letters, `+`, …) is
 * kept so that callers can report it as "not digits".
 *
 * @example
 * normalizeDigits("3201.1234-5678 0001"); // "3201123456780001"
 * normalizeDigits("３２０１\u200b０１"); // "320101"
 */
export function normalizeDigits(input: string): string {
  return toAsciiDigits(input).replace(SEPARATORS, "");
}

/**
 * A run of digits (any script) in which only separators (as stripped by
 * {@link normalizeDigits}) stand between the digits: what {@link findDigitRuns}
 * looks for.
 */
const DIGIT_RUN = new RegExp(`\\p{Nd}(?:[${DIGIT_SEPARATOR_CLASS}]*\\p{Nd})*`, "gu");

/**
 * The spans of `text` holding at least `minDigits` digits with nothing but
 * separators between them: every number a parser built on
 * {@link normalizeDigits} would read as one (and longer or shorter mistyped
 * versions of it). Spans start and end with a digit.
 */
export function findDigitRuns(text: string, minDigits: number): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const digits = m[0].match(DECIMAL_DIGITS)?.length ?? 0;
    if (digits >= minDigits) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

/** True when the text holds a digit run of at least `minDigits` digits (cheap pre-check). */
export function hasDigitRun(text: string, minDigits: number): boolean {
  let count = 0;
  for (const _ of text.matchAll(DECIMAL_DIGITS)) {
    count += 1;
    if (count >= minDigits) return findDigitRuns(text, minDigits).length > 0;
  }
  return false;
}
