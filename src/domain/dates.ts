/**
 * Calendar helpers: parsing dates typed by volunteers in Indonesian or
 * English, formatting ISO dates for display, and age computation.
 *
 * All functions are pure. "Now" is always passed in by the caller as a
 * `Date` (an instant). A calendar date shown to anyone or stored as a date is
 * the LOCAL date of the household's time zone (WIB, WITA or WIT): use
 * {@link localDateOf}, never `toISOString().slice(0, 10)` (the UTC date, a day
 * early between 00:00 and 07:00 WIB).
 *
 * @module
 */

import { toAsciiDigits } from "./digits.js";

/** A calendar date with a 1-based month. */
export interface DateParts {
  year: number;
  month: number;
  day: number;
}

/** Display locales supported by {@link formatDateId}. */
export type DateLocale = "id" | "en";

/** Smallest year accepted by {@link parseIndonesianDate}. */
export const MIN_PARSE_YEAR = 1800;

/** Largest year accepted by {@link parseIndonesianDate}. */
export const MAX_PARSE_YEAR = 2199;

const MONTH_NAMES: Readonly<Record<DateLocale, readonly string[]>> = {
  id: [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
  ],
  en: [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
  ],
};

/**
 * Month words accepted by {@link parseIndonesianDate}, lower case, mapped to
 * the month number. Full Indonesian and English names, the old spellings
 * "Pebruari"/"Nopember", and the common abbreviations.
 */
const MONTH_WORDS: ReadonlyMap<string, number> = new Map<string, number>([
  ["januari", 1], ["january", 1], ["jan", 1],
  ["februari", 2], ["pebruari", 2], ["february", 2], ["feb", 2], ["peb", 2],
  ["maret", 3], ["march", 3], ["mar", 3], ["mrt", 3],
  ["april", 4], ["apr", 4],
  ["mei", 5], ["may", 5],
  ["juni", 6], ["june", 6], ["jun", 6],
  ["juli", 7], ["july", 7], ["jul", 7],
  ["agustus", 8], ["august", 8], ["agu", 8], ["agt", 8], ["ags", 8], ["agus", 8], ["aug", 8],
  ["september", 9], ["sep", 9], ["sept", 9],
  ["oktober", 10], ["october", 10], ["okt", 10], ["oct", 10],
  ["november", 11], ["nopember", 11], ["nov", 11], ["nop", 11],
  ["desember", 12], ["december", 12], ["des", 12], ["dec", 12],
]);

/** Returns true for Gregorian leap years. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Number of days in a month (1-based month) of the Gregorian calendar.
 * Returns 0 for a month outside 1–12.
 */
export function daysInMonth(year: number, month: number): number {
  switch (month) {
    case 1: case 3: case 5: case 7: case 8: case 10: case 12:
      return 31;
    case 4: case 6: case 9: case 11:
      return 30;
    case 2:
      return isLeapYear(year) ? 29 : 28;
    default:
      return 0;
  }
}

/**
 * Returns true when the parts form a real calendar date (integers, month
 * 1–12, day within the month, so 31-02 and 29-02 in non-leap years fail).
 */
export function isValidDate(parts: DateParts): boolean {
  const { year, month, day } = parts;
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) {
    return false;
  }
  return year >= 1 && year <= 9999 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * Formats date parts as an ISO `YYYY-MM-DD` string (zero-padded). Does not
 * validate; use {@link isValidDate} first when the parts come from input.
 *
 * @example
 * toIsoDate({ year: 1968, month: 8, day: 5 }); // "1968-08-05"
 */
export function toIsoDate(parts: DateParts): string {
  const y = String(parts.year).padStart(4, "0");
  const m = String(parts.month).padStart(2, "0");
  const d = String(parts.day).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/**
 * Parses a strict ISO `YYYY-MM-DD` string into date parts, or returns null
 * when the string is malformed or not a real calendar date.
 */
export function parseIsoDate(isoDate: string): DateParts | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) {
    return null;
  }
  const parts = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return isValidDate(parts) ? parts : null;
}

/** The calendar date of `now`, read in UTC. Only for instants that mean a UTC day. */
export function utcDateParts(now: Date): DateParts {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
}

// === Local calendar dates (Keppres 41/1987: WIB, WITA, WIT; no daylight saving time)

/** The three Indonesian time zones and their IANA names. */
export const ZONE_TIME_ZONES = { WIB: "Asia/Jakarta", WITA: "Asia/Makassar", WIT: "Asia/Jayapura" } as const;
export type TimeZoneLabel = keyof typeof ZONE_TIME_ZONES;

/** The zone used when a region's zone is unknown: WIB, the zone of most people. */
export const DEFAULT_TIME_ZONE = "Asia/Jakarta";

/** A zone as the helpers accept it: "WIB" / "WITA" / "WIT", an IANA name, or `{ tz }` (a region's zone). */
export type ZoneLike = string | { tz: string } | null | undefined;

function ianaOf(zone: ZoneLike): string {
  if (zone === null || zone === undefined) return DEFAULT_TIME_ZONE;
  const name = typeof zone === "string" ? zone : zone.tz;
  return (ZONE_TIME_ZONES as Record<string, string>)[name] ?? (name === "" ? DEFAULT_TIME_ZONE : name);
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * THE helper for calendar dates: the local date (ISO `YYYY-MM-DD`) of an instant in a time
 * zone: the household's (from its village's province), or the volunteer's area. A visit at
 * 04:11 WIB on 2 December (21:11 UTC on 1 December) is on "2026-12-02".
 *
 * @param instant a `Date`, or an ISO timestamp string.
 * @param zone "WIB" / "WITA" / "WIT", an IANA zone, or `{ tz }`; WIB when unknown.
 */
export function localDateOf(instant: Date | string, zone: ZoneLike): string {
  const tz = ianaOf(zone);
  let f = dateFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
    dateFormatters.set(tz, f);
  }
  const at = typeof instant === "string" ? new Date(instant) : instant;
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts["year"]}-${parts["month"]}-${parts["day"]}`;
}

/** {@link localDateOf} as date parts. */
export function localDateParts(instant: Date | string, zone: ZoneLike): DateParts {
  return parseIsoDate(localDateOf(instant, zone)) as DateParts;
}

/**
 * A stored date shown as a calendar date: a `date` column (already a calendar date, kept as
 * "YYYY-MM-DD") stays as it is; a timestamp becomes its local date in `zone`.
 */
export function calendarDateOf(value: Date | string, zone: ZoneLike): string {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return localDateOf(value, zone);
}

/**
 * Compares two dates: negative when `a` is before `b`, 0 when equal,
 * positive when after.
 */
export function compareDates(a: DateParts, b: DateParts): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * Age in completed years on the local calendar day of `now` in `zone` (default WIB). Someone
 * born on 29 February becomes a year older on 1 March in non-leap years. Returns a negative
 * number for a birth date in the future and NaN when `birthDate` is not a valid ISO date.
 *
 * @param birthDate ISO `YYYY-MM-DD`.
 */
export function ageInYears(birthDate: string, now: Date, zone?: ZoneLike): number {
  const birth = parseIsoDate(birthDate);
  if (!birth) {
    return Number.NaN;
  }
  const today = localDateParts(now, zone);
  let age = today.year - birth.year;
  if (today.month < birth.month || (today.month === birth.month && today.day < birth.day)) {
    age -= 1;
  }
  return age;
}

function checkedParts(year: number, month: number, day: number): DateParts | null {
  if (year < MIN_PARSE_YEAR || year > MAX_PARSE_YEAR) {
    return null;
  }
  const parts = { year, month, day };
  return isValidDate(parts) ? parts : null;
}

/**
 * Parses a date as volunteers type it, day first (Indonesian order).
 *
 * Accepted forms (case-insensitive, surrounding spaces ignored, Arabic-Indic
 * and full-width digits accepted):
 * - numeric with `-`, `/` or `.` separators: `05-08-1968`, `5-8-1968`,
 *   `5/8/1968`, `05.08.1968`;
 * - eight digits `DDMMYYYY`: `05081968`;
 * - ISO `1968-08-05` (year first, four digits);
 * - a month word: `5 Agustus 1968`, `5 agt 1968`, `5-Agu-1968`,
 *   `5 Aug. 1968`, `5 August 1968`, and English month-first
 *   `August 5, 1968`. Month words: Indonesian and English names,
 *   "Pebruari"/"Nopember", and Jan, Feb/Peb, Mar/Mrt, Apr, Mei/May, Jun, Jul,
 *   Agu/Agt/Ags/Agus/Aug, Sep/Sept, Okt/Oct, Nov/Nop, Des/Dec.
 *
 * Two-digit years are rejected as ambiguous, as are years outside
 * {@link MIN_PARSE_YEAR}–{@link MAX_PARSE_YEAR} and impossible calendar dates
 * (31-04, 29-02 in a non-leap year). The caller decides whether a date in the
 * future is acceptable.
 *
 * @returns the date parts, or null when the input is not a valid date.
 */
export function parseIndonesianDate(input: string): DateParts | null {
  const s = toAsciiDigits(input).normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");
  if (s === "") {
    return null;
  }

  let m = /^(\d{1,2}) ?[-/.] ?(\d{1,2}) ?[-/.] ?(\d{4})$/.exec(s);
  if (m) {
    return checkedParts(Number(m[3]), Number(m[2]), Number(m[1]));
  }

  m = /^(\d{2})(\d{2})(\d{4})$/.exec(s);
  if (m) {
    return checkedParts(Number(m[3]), Number(m[2]), Number(m[1]));
  }

  m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (m) {
    return checkedParts(Number(m[1]), Number(m[2]), Number(m[3]));
  }

  m = /^(\d{1,2})(?: ?[-/.] ?| )?([a-z]+)\.?(?: ?[-/.,] ?| )?(\d{4})$/.exec(s);
  if (m) {
    const month = MONTH_WORDS.get(m[2] ?? "");
    return month === undefined ? null : checkedParts(Number(m[3]), month, Number(m[1]));
  }

  m = /^([a-z]+)\.? (\d{1,2}),? (\d{4})$/.exec(s);
  if (m) {
    const month = MONTH_WORDS.get(m[1] ?? "");
    return month === undefined ? null : checkedParts(Number(m[3]), month, Number(m[2]));
  }

  return null;
}

/**
 * Formats an ISO `YYYY-MM-DD` date for display, day first with the full
 * month name: `"5 Agustus 1968"` (id) or `"5 August 1968"` (en).
 *
 * @throws RangeError when `isoDate` is not a valid ISO calendar date.
 */
export function formatDateId(isoDate: string, locale: DateLocale): string {
  const parts = parseIsoDate(isoDate);
  if (!parts) {
    throw new RangeError(`Not a valid ISO date (YYYY-MM-DD): ${JSON.stringify(isoDate)}`);
  }
  return `${parts.day} ${MONTH_NAMES[locale][parts.month - 1] ?? ""} ${parts.year}`;
}
