/**
 * Monthly targets (visits and new registrations) and progress against them. A month is
 * "YYYY-MM" and is counted in local time: visits by their local visit date, registrations
 * by the local date of registration in the household's zone (WIB/WITA/WIT). Pure functions.
 *
 * @module
 */

import { formatDateId, parseIsoDate } from "../dates.js";
import { addDays } from "../visit.js";

export type Month = string;

/** Below this share of a target (60%), a volunteer is listed in the coordinators' 25th digest. */
export const BEHIND_PERCENT = 60;

/** Largest target accepted per month (visits or registrations). */
export const MAX_TARGET = 999;

export function isMonth(value: unknown): value is Month {
  return typeof value === "string" && /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}

/** The month of an ISO date. */
export function monthOf(isoDate: string): Month {
  return isoDate.slice(0, 7);
}

export function addMonths(month: Month, n: number): Month {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const idx = y * 12 + (m - 1) + n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, "0")}`;
}

export function firstDay(month: Month): string {
  return `${month}-01`;
}

export function daysInMonthOf(month: Month): number {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function lastDay(month: Month): string {
  return `${month}-${String(daysInMonthOf(month)).padStart(2, "0")}`;
}

/** "Desember 2026" / "December 2026". */
export function formatMonth(month: Month, locale: string): string {
  // formatDateId gives "<day> <month name> <year>"; the 1st makes the day a fixed "1 ".
  return formatDateId(firstDay(month), locale === "en" ? "en" : "id").replace(/^1 /, "");
}

/** "202612" (callback data) ⇄ "2026-12". */
export function compactMonth(month: Month): string {
  return month.replace("-", "");
}
export function expandMonth(compact: string): Month | null {
  const m = /^(\d{4})(\d{2})$/.exec(compact);
  const month = m ? `${m[1]}-${m[2]}` : "";
  return isMonth(month) ? month : null;
}

const MONTH_WORDS: Record<string, number> = {
  januari: 1, january: 1, jan: 1,
  februari: 2, pebruari: 2, february: 2, feb: 2, peb: 2,
  maret: 3, march: 3, mar: 3,
  april: 4, apr: 4,
  mei: 5, may: 5,
  juni: 6, june: 6, jun: 6,
  juli: 7, july: 7, jul: 7,
  agustus: 8, august: 8, agu: 8, agt: 8, aug: 8,
  september: 9, sep: 9, sept: 9,
  oktober: 10, october: 10, okt: 10, oct: 10,
  november: 11, nopember: 11, nov: 11, nop: 11,
  desember: 12, december: 12, des: 12, dec: 12,
};

/**
 * A month as people type it: "2026-12", "12-2026", "12/2026", "Desember 2026", "des 2026",
 * or a month name alone (the most recent such month up to `thisMonth`). Null otherwise.
 */
export function parseMonthInput(text: string, thisMonth: Month): Month | null {
  const s = text.trim().toLowerCase().replace(/\s+/g, " ");
  let m = /^(\d{4})[-/.](\d{1,2})$/.exec(s);
  if (m) return checked(Number(m[1]), Number(m[2]));
  m = /^(\d{1,2})[-/.](\d{4})$/.exec(s);
  if (m) return checked(Number(m[2]), Number(m[1]));
  m = /^([a-z]+)\.?(?: (\d{4}))?$/.exec(s);
  if (m) {
    const month = MONTH_WORDS[m[1]!];
    if (month === undefined) return null;
    if (m[2]) return checked(Number(m[2]), month);
    const [y, cur] = thisMonth.split("-").map(Number) as [number, number];
    return checked(month <= cur ? y : y - 1, month);
  }
  return null;
}

function checked(year: number, month: number): Month | null {
  if (year < 2000 || year > 2199 || month < 1 || month > 12) return null;
  return `${year}-${String(month).padStart(2, "0")}`;
}

const ZONE_OFFSET_HOURS: Record<string, number> = { WIB: 7, WITA: 8, WIT: 9 };

/** The instant a local day starts in a zone ("WIB", "WITA", "WIT"; WIB when unknown). */
export function localDayStart(isoDate: string, zoneLabel: string): Date {
  const p = parseIsoDate(isoDate);
  if (!p) throw new RangeError(`Not an ISO date: ${JSON.stringify(isoDate)}`);
  return new Date(Date.UTC(p.year, p.month - 1, p.day) - (ZONE_OFFSET_HOURS[zoneLabel] ?? 7) * 3_600_000);
}

/** [start, end) of a local month as instants, for a zone. */
export function monthRange(month: Month, zoneLabel: string): { start: Date; end: Date } {
  return { start: localDayStart(firstDay(month), zoneLabel), end: localDayStart(firstDay(addMonths(month, 1)), zoneLabel) };
}

/** Whole percent of a target reached (null without a target). */
export function percentOf(done: number, target: number): number | null {
  if (target <= 0) return null;
  return Math.floor((done * 100) / target);
}

/** True when a target is set and less than {@link BEHIND_PERCENT} of it is reached. */
export function isBehind(done: number, target: number): boolean {
  return target > 0 && done * 100 < target * BEHIND_PERCENT;
}

export interface TargetValues {
  visits: number;
  registrations: number;
}

export interface TargetRow extends TargetValues {
  volunteerId: number | null;
  areaCode: string | null;
}

export interface EffectiveTarget extends TargetValues {
  /** "volunteer": set for this volunteer; "area": the target of the area they work in. */
  source: "volunteer" | "area";
  areaCode: string | null;
}

/**
 * A volunteer's target for a month: their own when set, otherwise the target of the most
 * specific area containing their working area (a village target before its district's,
 * a district's before its regency's). Null when neither exists.
 */
export function effectiveTarget(rows: TargetRow[], volunteerId: number, volunteerArea: string | null): EffectiveTarget | null {
  const own = rows.find((r) => r.volunteerId === volunteerId);
  if (own) return { source: "volunteer", areaCode: null, visits: own.visits, registrations: own.registrations };
  if (!volunteerArea) return null;
  const areas = rows
    .filter((r) => r.volunteerId === null && r.areaCode !== null && (volunteerArea === r.areaCode || volunteerArea.startsWith(`${r.areaCode}.`)))
    .sort((a, b) => b.areaCode!.length - a.areaCode!.length);
  const best = areas[0];
  return best ? { source: "area", areaCode: best.areaCode, visits: best.visits, registrations: best.registrations } : null;
}

/** Monday of the ISO week of a date. */
export function mondayOf(isoDate: string): string {
  const p = parseIsoDate(isoDate);
  if (!p) throw new RangeError(`Not an ISO date: ${JSON.stringify(isoDate)}`);
  const dow = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  return addDays(isoDate, -((dow + 6) % 7));
}

/** 1 = Monday … 7 = Sunday. */
export function isoWeekday(isoDate: string): number {
  const p = parseIsoDate(isoDate);
  if (!p) throw new RangeError(`Not an ISO date: ${JSON.stringify(isoDate)}`);
  return ((new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay() + 6) % 7) + 1;
}

/**
 * A week's share of monthly visit targets (Monday to Sunday): each day counts for
 * 1/days-in-month of its month's target, so a week across two months takes from both.
 * Rounded, at least 1 when any target applies; null when none does.
 */
export function weeklyShare(monday: string, monthlyVisits: (month: Month) => number | null): number | null {
  let sum = 0;
  let any = false;
  for (let i = 0; i < 7; i++) {
    const day = addDays(monday, i);
    const target = monthlyVisits(monthOf(day));
    if (target === null || target <= 0) continue;
    any = true;
    sum += target / daysInMonthOf(monthOf(day));
  }
  return any ? Math.max(1, Math.round(sum)) : null;
}
