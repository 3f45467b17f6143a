/**
 * Offline format checks for the No. KK (Nomor Kartu Keluarga): 16 digits,
 * region of issue (6), probably the recording date DDMMYY (6, no +40 rule)
 * and a serial (4). The date split is not confirmed by a primary source, so
 * an unusual date is only a warning.
 *
 * A household's No. KK changes (moves, divorce, death of the head, "pecah
 * KK"), so it must never be used as a permanent key.
 *
 * See docs/domain.md section (a).
 *
 * @module
 */

import { normalizeDigits } from "./digits.js";
import { ID_NUMBER_LENGTH, regionPrefixOf, type RegionPrefix } from "./nik.js";

/**
 * A reason why a No. KK is not valid.
 *
 * - `length`: not 16 digits (`length` = digits found after normalisation).
 * - `not_digits`: contains characters other than digits and separators.
 * - `serial_zero`: digits 13–16 are `0000`.
 * - `same_as_nik`: equal to the NIK given in `opts.nik` (a common swap of
 *   the two fields while typing).
 */
export type KkProblem =
  | { code: "length"; params: { length: number } }
  | { code: "not_digits" }
  | { code: "serial_zero" }
  | { code: "same_as_nik" };

/** The machine codes of {@link KkProblem}. */
export type KkProblemCode = KkProblem["code"];

/**
 * A soft warning: the number is accepted but worth a second look.
 *
 * - `date_unusual`: digits 7–8 are not 01–31 or digits 9–10 are not 01–12
 *   (`day`, `month` = the raw values).
 */
export type KkWarning = { code: "date_unusual"; params: { day: number; month: number } };

/** The result of {@link checkKk}. */
export type KkCheck =
  | { ok: true; kk: string; regionPrefix: RegionPrefix; warnings: KkWarning[] }
  | { ok: false; problems: KkProblem[] };

/**
 * Checks the format of a No. KK.
 *
 * The input (and `opts.nik`) is normalised first: spaces, dots, dashes and
 * slashes are removed and Arabic-Indic or full-width digits converted. When
 * the input is not 16 digits only `not_digits` or `length` is reported.
 * The region prefix is never a problem here; look it up and warn if unknown.
 *
 * @param opts.nik an NIK entered in the same household (e.g. the head's);
 *   the No. KK must differ from it.
 */
export function checkKk(input: string, opts: { nik?: string } = {}): KkCheck {
  const kk = normalizeDigits(input);
  if (/[^0-9]/.test(kk)) {
    return { ok: false, problems: [{ code: "not_digits" }] };
  }
  if (kk.length !== ID_NUMBER_LENGTH) {
    return { ok: false, problems: [{ code: "length", params: { length: kk.length } }] };
  }

  const problems: KkProblem[] = [];
  if (kk.slice(12) === "0000") {
    problems.push({ code: "serial_zero" });
  }
  if (opts.nik !== undefined && normalizeDigits(opts.nik) === kk) {
    problems.push({ code: "same_as_nik" });
  }
  if (problems.length > 0) {
    return { ok: false, problems };
  }

  const warnings: KkWarning[] = [];
  const day = Number(kk.slice(6, 8));
  const month = Number(kk.slice(8, 10));
  if (day < 1 || day > 31 || month < 1 || month > 12) {
    warnings.push({ code: "date_unusual", params: { day, month } });
  }
  return { ok: true, kk, regionPrefix: regionPrefixOf(kk), warnings };
}
