/**
 * Digit normalisation for numbers typed or pasted by volunteers (NIK, No. KK,
 * phone numbers, dates). Telegram clients with Arabic keyboards produce
 * Arabic-Indic digits, some Asian keyboards produce full-width digits, and
 * numbers copied from documents often carry spaces, dots or dashes.
 *
 * @module
 */

/** Code point of digit zero in each supported non-ASCII digit block. */
const DIGIT_ZEROS: readonly number[] = [
  0x0660, // Arabic-Indic
  0x06f0, // Extended Arabic-Indic (Persian, Urdu)
  0xff10, // Full-width
];

const NON_ASCII_DIGIT = /[\u0660-\u0669\u06f0-\u06f9\uff10-\uff19]/g;

/**
 * Separators removed by {@link normalizeDigits}: all Unicode whitespace
 * (including no-break spaces), zero-width characters, dots (ASCII, full-width,
 * middle dot), hyphens and dashes (ASCII, Unicode dashes, minus sign,
 * full-width hyphen) and slashes (ASCII, full-width, backslash).
 */
const SEPARATORS =
  /[\s\u200b-\u200d\u2060\ufeff.\uff0e\u00b7\-\u2010-\u2015\u2212\ufe63\uff0d/\uff0f\\]/g;

/**
 * Converts Arabic-Indic (U+0660–0669), Extended Arabic-Indic (U+06F0–06F9)
 * and full-width (U+FF10–FF19) digits to ASCII `0`–`9`. Nothing else in the
 * string is changed.
 *
 * @example
 * toAsciiDigits("٣٢٠١"); // "3201"
 */
export function toAsciiDigits(input: string): string {
  return input.replace(NON_ASCII_DIGIT, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    for (const zero of DIGIT_ZEROS) {
      if (cp >= zero && cp <= zero + 9) {
        return String(cp - zero);
      }
    }
    return ch;
  });
}

/**
 * Normalises a typed identifier: converts non-ASCII digits to ASCII (see
 * {@link toAsciiDigits}) and strips spaces, dots, dashes and slashes.
 * Any other character (letters, `+`, …) is kept so that callers can
 * report it as "not digits".
 *
 * @example
 * normalizeDigits("3201.1234-5678 0001"); // "3201123456780001"
 * normalizeDigits("３２０１"); // "3201"
 */
export function normalizeDigits(input: string): string {
  return toAsciiDigits(input).replace(SEPARATORS, "");
}
