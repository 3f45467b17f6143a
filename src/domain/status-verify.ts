/**
 * The second factor of the private status check: the head of household's date of birth or
 * the last four digits of their NIK. One input accepts either.
 *
 * @module
 */

import { parseIndonesianDate, toIsoDate } from "./dates.js";
import { toAsciiDigits } from "./digits.js";

/** What the person typed, understood. */
export type Verification = { kind: "birth_date"; isoDate: string } | { kind: "nik_last4"; digits: string };

/**
 * Reads a verification answer: exactly four digits (spaces ignored) are the end of the NIK;
 * anything else must be a date in one of the forms {@link parseIndonesianDate} accepts
 * ("05-08-1968", "5/8/1968", "5 Agustus 1968", "05081968"…). Null when it is neither.
 */
export function parseVerification(input: string): Verification | null {
  const compact = toAsciiDigits(input).normalize("NFKC").replace(/\s+/g, "");
  if (/^[0-9]{4}$/.test(compact)) return { kind: "nik_last4", digits: compact };
  const date = parseIndonesianDate(input);
  return date ? { kind: "birth_date", isoDate: toIsoDate(date) } : null;
}

/**
 * Whether the verification matches the household's head: the stored birth date, or the last
 * four digits of the (decrypted) NIK. A missing stored value never matches.
 */
export function verificationMatches(v: Verification, head: { birthDate: string | null; nik: string | null }): boolean {
  if (v.kind === "birth_date") return head.birthDate !== null && head.birthDate === v.isoDate;
  return head.nik !== null && head.nik.length >= 4 && head.nik.slice(-4) === v.digits;
}
