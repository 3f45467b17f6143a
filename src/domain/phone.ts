/**
 * Indonesian mobile phone numbers: normalisation to E.164 and masking for
 * display.
 *
 * A mobile number is +62 8…, with 9–12 digits after +62 (10–13 digits when
 * written nationally with the leading 0, e.g. 0812-3456-7890). Landlines
 * (+62 21…, +62 274…) are recognised and refused with `not_mobile`, because
 * the bot needs a number that can receive messages.
 *
 * @module
 */

import { toAsciiDigits } from "./digits.js";

/**
 * Why {@link normalizePhone} rejected a number.
 *
 * - `empty`: nothing typed;
 * - `not_digits`: letters or symbols other than `+`, spaces, dots, dashes,
 *   slashes and parentheses;
 * - `not_indonesian`: another country code (`+1…`, `+60…`, `0060…`);
 * - `length`: starts like a mobile number (8…) but has too few or too many
 *   digits;
 * - `not_mobile`: an Indonesian landline or service number.
 */
export type PhoneProblem = "empty" | "not_digits" | "not_indonesian" | "length" | "not_mobile";

/** The result of {@link normalizePhone}. */
export type PhoneResult = { ok: true; e164: string } | { ok: false; problem: PhoneProblem };

/** Minimum digits after +62 in a mobile number. */
export const MOBILE_MIN_DIGITS = 9;

/** Maximum digits after +62 in a mobile number. */
export const MOBILE_MAX_DIGITS = 12;

const COUNTRY_CODE = "62";

const BULLET = "\u2022";

/** Spaces, dots, dashes, slashes and parentheses allowed between digits. */
const SEPARATORS = /[\s\u200b-\u200d\u2060\ufeff.\-\u2010-\u2015\u2212/()]/g;

/**
 * Normalises an Indonesian mobile number to E.164 (`+628…`).
 *
 * Accepted forms: `0812-3456-7890`, `+62 812 3456 7890`, `62812…`,
 * `0062 812…`, `812…` (without the leading 0), `+62 0812…` (a redundant 0
 * after the country code), `(0812) 3456 7890`, and Arabic-Indic or full-width
 * digits.
 */
export function normalizePhone(input: string): PhoneResult {
  let s = toAsciiDigits(input).normalize("NFKC").replace(SEPARATORS, "");
  if (s === "") {
    return { ok: false, problem: "empty" };
  }
  if (!/^\+?[0-9]+$/.test(s)) {
    return { ok: false, problem: "not_digits" };
  }

  let national: string;
  if (s.startsWith("+") || s.startsWith("00")) {
    s = s.startsWith("+") ? s.slice(1) : s.slice(2);
    if (!s.startsWith(COUNTRY_CODE)) {
      return { ok: false, problem: "not_indonesian" };
    }
    national = s.slice(COUNTRY_CODE.length);
  } else if (s.startsWith(COUNTRY_CODE)) {
    national = s.slice(COUNTRY_CODE.length);
  } else {
    national = s;
  }
  // Trunk prefix: "0812…", or "+62 0812…" typed with a redundant 0.
  if (national.startsWith("0")) {
    national = national.slice(1);
  }

  if (!national.startsWith("8")) {
    return { ok: false, problem: national === "" ? "length" : "not_mobile" };
  }
  if (national.length < MOBILE_MIN_DIGITS || national.length > MOBILE_MAX_DIGITS) {
    return { ok: false, problem: "length" };
  }
  return { ok: true, e164: `+${COUNTRY_CODE}${national}` };
}

/**
 * Masks a phone number for display: country code, the first three digits of
 * the number and the last four, with four bullets in between regardless of
 * the real length.
 *
 * Input that is not a `+62` E.164 number is masked entirely except for its
 * last two digits.
 *
 * @example
 * maskPhone("+6281234567890"); // "+62 812••••7890"
 */
export function maskPhone(e164: string): string {
  const m = /^\+62([0-9]{8,})$/.exec(e164);
  if (m?.[1]) {
    const national = m[1];
    return `+62 ${national.slice(0, 3)}${BULLET.repeat(4)}${national.slice(-4)}`;
  }
  const digits = toAsciiDigits(e164).replace(/[^0-9]/g, "");
  if (digits.length <= 2) {
    return BULLET.repeat(digits.length);
  }
  return BULLET.repeat(digits.length - 2) + digits.slice(-2);
}
