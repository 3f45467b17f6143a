/**
 * Offline format checks for the NIK (Nomor Induk Kependudukan), laid out as
 * `PPKKCC DDMMYY SSSS`: region of first registration, birth date (women:
 * day + 40) and a serial. There is no check digit, so only Dukcapil can
 * confirm that an NIK exists; these rules catch typing mistakes and decode
 * the sex and birth date so that the bot can cross-check what was entered.
 *
 * See docs/domain.md section (a).
 *
 * @module
 */

import {
  ageInYears,
  compareDates,
  isValidDate,
  toIsoDate,
  utcDateParts,
  type DateParts,
} from "./dates.js";
import { normalizeDigits } from "./digits.js";

/** Sex as printed on the KTP/KK: `L` = laki-laki (male), `P` = perempuan (female). */
export type Sex = "L" | "P";

/**
 * Dotted region codes for a lookup in the province, regency and district
 * tables, e.g. `{ province: "32", regency: "32.01", district: "32.01.05" }`.
 * The prefix is where the number was first registered, not necessarily where
 * the person lives, and it may not exist in the tables: callers should warn,
 * never reject.
 */
export interface RegionPrefix {
  province: string;
  regency: string;
  district: string;
}

/**
 * A reason why an NIK is not valid. `params` carry the numbers the message
 * should quote.
 *
 * - `length`: not 16 digits (`length` = digits found after normalisation).
 * - `not_digits`: contains characters other than digits and separators.
 * - `day_invalid`: digits 7–8 are 00, 32–40 or 72–99 (`day` = raw value).
 * - `month_invalid`: digits 9–10 are not 01–12 (`month` = raw value).
 * - `date_invalid`: day and month are each in range but the date does not
 *   exist, e.g. 31-02 or 29-02 in a non-leap year (`day` is the real day,
 *   i.e. minus 40 for women; `year` is the four-digit year chosen by the
 *   century rule).
 * - `serial_zero`: digits 13–16 are `0000`.
 */
export type NikProblem =
  | { code: "length"; params: { length: number } }
  | { code: "not_digits" }
  | { code: "day_invalid"; params: { day: number } }
  | { code: "month_invalid"; params: { month: number } }
  | { code: "date_invalid"; params: { day: number; month: number; year: number } }
  | { code: "serial_zero" };

/** The machine codes of {@link NikProblem}. */
export type NikProblemCode = NikProblem["code"];

/** A decoded, format-valid NIK. */
export interface NikValid {
  ok: true;
  /** The normalised 16 ASCII digits. */
  nik: string;
  sex: Sex;
  /**
   * ISO `YYYY-MM-DD`. The century is 20YY when that date is not after
   * today, otherwise 19YY. Ask the volunteer to confirm it.
   */
  birthDate: string;
  /**
   * The same day and month in the other century (19YY) when it is a real
   * date and the person would be at most {@link MAX_PLAUSIBLE_AGE} years old
   * today; otherwise null. Offer it when the volunteer rejects `birthDate`.
   */
  alternativeBirthDate: string | null;
  regionPrefix: RegionPrefix;
  /** Raw digits 7–8 (women: day + 40). Use {@link describeNikDay} to explain. */
  dayDigits: number;
}

/** The result of {@link checkNik}. */
export type NikCheck = NikValid | { ok: false; problems: NikProblem[] };

/** Largest age for which {@link checkNik} offers the other century. */
export const MAX_PLAUSIBLE_AGE = 110;

/** Minimum age, in completed years, of a plausible Kepala Keluarga. */
export const MIN_HEAD_AGE = 15;

/** Length of an NIK and of a No. KK. */
export const ID_NUMBER_LENGTH = 16;

/**
 * Splits the first six digits of an NIK or No. KK into dotted region codes.
 *
 * @example
 * regionPrefixOf("3201051234560001");
 * // { province: "32", regency: "32.01", district: "32.01.05" }
 */
export function regionPrefixOf(digits: string): RegionPrefix {
  const pp = digits.slice(0, 2);
  const kk = digits.slice(2, 4);
  const cc = digits.slice(4, 6);
  return { province: pp, regency: `${pp}.${kk}`, district: `${pp}.${kk}.${cc}` };
}

/**
 * Decodes NIK digits 7–8: 01–31 is a man's day of birth, 41–71 a woman's
 * day plus 40. Returns null for 00, 32–40 and 72–99.
 *
 * Used to explain the rule, e.g. "digit ke-7–8 = 45: untuk perempuan tanggal
 * ditambah 40, jadi 45 berarti tanggal 5".
 *
 * @example
 * describeNikDay(45); // { sex: "P", day: 5 }
 * describeNikDay(12); // { sex: "L", day: 12 }
 */
export function describeNikDay(dayDigits: number): { sex: Sex; day: number } | null {
  if (!Number.isInteger(dayDigits)) {
    return null;
  }
  if (dayDigits >= 1 && dayDigits <= 31) {
    return { sex: "L", day: dayDigits };
  }
  if (dayDigits >= 41 && dayDigits <= 71) {
    return { sex: "P", day: dayDigits - 40 };
  }
  return null;
}

/**
 * Picks the century for a two-digit year: 20YY when that date is not after
 * today, otherwise 19YY. (Comparing whole dates rather than years keeps a
 * date later in the current year from being read as a future birth date.)
 */
function chooseYear(yy: number, month: number, day: number, today: DateParts): number {
  const recent = { year: 2000 + yy, month, day };
  return compareDates(recent, today) <= 0 ? recent.year : 1900 + yy;
}

/**
 * Checks the format of an NIK and decodes it.
 *
 * The input is normalised first (see {@link normalizeDigits}): spaces, dots,
 * dashes and slashes are removed and Arabic-Indic or full-width digits
 * converted. When the input is not 16 digits only `not_digits` or `length`
 * is reported; otherwise every problem found in the day, month, calendar date
 * and serial is listed. The region prefix is never a problem here.
 *
 * @param opts.now the current time; its UTC calendar day is "today".
 */
export function checkNik(input: string, opts: { now: Date }): NikCheck {
  const nik = normalizeDigits(input);
  if (/[^0-9]/.test(nik)) {
    return { ok: false, problems: [{ code: "not_digits" }] };
  }
  if (nik.length !== ID_NUMBER_LENGTH) {
    return { ok: false, problems: [{ code: "length", params: { length: nik.length } }] };
  }

  const problems: NikProblem[] = [];
  const dayDigits = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const yy = Number(nik.slice(10, 12));
  const decoded = describeNikDay(dayDigits);

  if (!decoded) {
    problems.push({ code: "day_invalid", params: { day: dayDigits } });
  }
  const monthOk = month >= 1 && month <= 12;
  if (!monthOk) {
    problems.push({ code: "month_invalid", params: { month } });
  }

  let birthDate = "";
  let alternativeBirthDate: string | null = null;
  if (decoded && monthOk) {
    const today = utcDateParts(opts.now);
    const year = chooseYear(yy, month, decoded.day, today);
    const chosen = { year, month, day: decoded.day };
    if (isValidDate(chosen)) {
      birthDate = toIsoDate(chosen);
      if (year >= 2000) {
        const other = { year: year - 100, month, day: decoded.day };
        if (isValidDate(other)) {
          const iso = toIsoDate(other);
          if (ageInYears(iso, opts.now) <= MAX_PLAUSIBLE_AGE) {
            alternativeBirthDate = iso;
          }
        }
      }
    } else {
      problems.push({ code: "date_invalid", params: { day: decoded.day, month, year } });
    }
  }

  if (nik.slice(12) === "0000") {
    problems.push({ code: "serial_zero" });
  }

  if (problems.length > 0 || !decoded) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    nik,
    sex: decoded.sex,
    birthDate,
    alternativeBirthDate,
    regionPrefix: regionPrefixOf(nik),
    dayDigits,
  };
}

/**
 * Whether someone born on `birthDate` is old enough (at least
 * {@link MIN_HEAD_AGE} completed years on the UTC day of `now`) to be a
 * Kepala Keluarga. An NIK decoding to age 3 cannot be the head. Returns false
 * for an invalid date.
 *
 * @param birthDate ISO `YYYY-MM-DD`.
 */
export function isPlausibleHeadAge(birthDate: string, now: Date): boolean {
  const age = ageInYears(birthDate, now);
  return !Number.isNaN(age) && age >= MIN_HEAD_AGE;
}
