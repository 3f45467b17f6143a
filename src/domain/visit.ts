/**
 * Visit reports (laporan kunjungan): the choices a volunteer picks from, the rules for the
 * visit and follow-up dates, and local-time helpers for the three Indonesian time zones.
 * Pure functions only; "now" is always passed in.
 *
 * See docs/domain.md (c) for the report structure and (f) for time zones.
 *
 * @module
 */

import { z } from "zod";
import { INTERVENTION_TYPES, URGENCY_LEVELS, VISIT_PURPOSES, type Urgency } from "./ppks.js";
import { localDateOf, parseIsoDate, toIsoDate, type DateParts } from "./dates.js";

/**
 * What the volunteer found, as short choices (several may apply). Stable codes: stored in
 * `visits.conditions` and used as i18n keys. "lainnya" asks for a description.
 */
export const VISIT_CONDITIONS = [
  "stabil",
  "sakit",
  "kurang_pangan",
  "tanpa_penghasilan",
  "rumah_rusak",
  "anak_tidak_sekolah",
  "kekerasan",
  "terlantar",
  "tanpa_dokumen",
  "lainnya",
] as const;
export type VisitCondition = (typeof VISIT_CONDITIONS)[number];

/** Where a household was referred (rujukan), see docs/domain.md (c) item 8. */
export const REFERRAL_TARGETS = [
  "puskesmas_rs",
  "dinsos",
  "tksk",
  "pendamping_pkh",
  "dukcapil",
  "lks_panti",
  "uptd_ppa",
  "polisi",
  "lainnya",
] as const;
export type ReferralTarget = (typeof REFERRAL_TARGETS)[number];

/** How far back a visit may be reported (days before the day the report was written). */
export const MAX_VISIT_AGE_DAYS = 30;
/** Latest next-visit date, in days after the day the report was written. */
export const MAX_FOLLOW_UP_DAYS = 365;
/** Longest free text in a report field. */
export const MAX_NOTE_LENGTH = 1000;
/** Attachments per report. */
export const MAX_PHOTOS = 10;
export const MAX_VOICES = 3;

/** Days until the next visit by default: 30, or 7 when the case needs attention. */
export function defaultFollowUpDays(urgency: Urgency): number {
  return urgency === "biasa" ? 30 : 7;
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const note = z.string().min(1).max(MAX_NOTE_LENGTH).nullable();

/** A complete visit report as the flow hands it to the database (validated once more). */
export const visitDraftSchema = z
  .object({
    householdId: z.number().int().positive(),
    writtenAt: z.string().min(10),
    visitedOn: isoDate,
    purpose: z.enum(VISIT_PURPOSES),
    intervention: z.enum(INTERVENTION_TYPES),
    conditions: z.array(z.enum(VISIT_CONDITIONS)).min(1),
    conditionNote: note,
    helpGiven: note,
    referral: z.enum(REFERRAL_TARGETS).nullable(),
    referralNote: note,
    urgency: z.enum(URGENCY_LEVELS),
    followUp: z.boolean(),
    nextVisitDate: isoDate.nullable(),
    photos: z.array(z.object({ fileId: z.string().min(1), fileUniqueId: z.string().nullable() })).max(MAX_PHOTOS),
    voices: z.array(z.object({ fileId: z.string().min(1), fileUniqueId: z.string().nullable() })).max(MAX_VOICES),
    location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).nullable(),
  })
  .refine((v) => v.followUp === (v.nextVisitDate !== null), { message: "next visit date iff follow-up" })
  .refine((v) => !v.conditions.includes("lainnya") || v.conditionNote !== null, { message: "describe 'lainnya'" })
  .refine((v) => v.referral !== "lainnya" || v.referralNote !== null, { message: "name the referral" });
export type VisitDraft = z.infer<typeof visitDraftSchema>;

// === Dates

/** Adds days to an ISO date (negative to go back). */
export function addDays(isoDate: string, days: number): string {
  const parts = parseIsoDate(isoDate);
  if (!parts) throw new RangeError(`Not an ISO date: ${JSON.stringify(isoDate)}`);
  const d = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + days));
  return d.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  const pa = parseIsoDate(a);
  const pb = parseIsoDate(b);
  if (!pa || !pb) throw new RangeError("Not an ISO date");
  return Math.round((Date.UTC(pb.year, pb.month - 1, pb.day) - Date.UTC(pa.year, pa.month - 1, pa.day)) / 86_400_000);
}

export type VisitDateCheck = { ok: true; value: string } | { ok: false; problem: "future" | "too_old" };

/**
 * A visit date is the day the report was written (its `today`) or up to
 * {@link MAX_VISIT_AGE_DAYS} days before, never later.
 */
export function checkVisitDate(parts: DateParts, today: string): VisitDateCheck {
  const iso = toIsoDate(parts);
  const age = daysBetween(iso, today);
  if (age < 0) return { ok: false, problem: "future" };
  if (age > MAX_VISIT_AGE_DAYS) return { ok: false, problem: "too_old" };
  return { ok: true, value: iso };
}

export type NextVisitCheck = { ok: true; value: string } | { ok: false; problem: "not_after_today" | "too_far" };

/** The next visit comes after today and within {@link MAX_FOLLOW_UP_DAYS} days. */
export function checkNextVisitDate(parts: DateParts, today: string): NextVisitCheck {
  const iso = toIsoDate(parts);
  const ahead = daysBetween(today, iso);
  if (ahead < 1) return { ok: false, problem: "not_after_today" };
  if (ahead > MAX_FOLLOW_UP_DAYS) return { ok: false, problem: "too_far" };
  return { ok: true, value: iso };
}

/**
 * The default next-visit date: {@link defaultFollowUpDays} after the visit, but never today
 * or earlier (a visit reported late may already be that old).
 */
export function defaultNextVisitDate(visitedOn: string, today: string, urgency: Urgency): string {
  const due = addDays(visitedOn, defaultFollowUpDays(urgency));
  return daysBetween(today, due) >= 1 ? due : addDays(today, 1);
}

// === Time zones (Keppres 41/1987)

export const TIME_ZONES = [
  { label: "WIB", tz: "Asia/Jakarta" },
  { label: "WITA", tz: "Asia/Makassar" },
  { label: "WIT", tz: "Asia/Jayapura" },
] as const;
export type ZoneLabel = (typeof TIME_ZONES)[number]["label"];

export function isZoneLabel(value: unknown): value is ZoneLabel {
  return TIME_ZONES.some((z) => z.label === value);
}

export function zoneTz(label: ZoneLabel): string {
  return TIME_ZONES.find((z) => z.label === label)?.tz ?? "Asia/Jakarta";
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function localParts(instant: Date, tz: string): Record<string, string> {
  let f = partsFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    partsFormatters.set(tz, f);
  }
  return Object.fromEntries(f.formatToParts(instant).map((p) => [p.type, p.value]));
}

/** The calendar date (YYYY-MM-DD) of an instant in an IANA time zone (see dates.ts `localDateOf`). */
export function localDate(instant: Date, tz: string): string {
  return localDateOf(instant, tz);
}

/** The local hour (0–23) of an instant in an IANA time zone. */
export function localHour(instant: Date, tz: string): number {
  return Number(localParts(instant, tz).hour);
}

/** Indonesian clock time with the zone, e.g. "14.30 WITA" (docs/domain.md (f)). */
export function formatLocalTime(instant: Date, tz: string, label: string): string {
  const p = localParts(instant, tz);
  return `${p.hour}.${p.minute} ${label}`;
}

/** How long ago, rounded down to the largest unit: minutes, hours or days. */
export function elapsed(ms: number): { unit: "now" | "minutes" | "hours" | "days"; n: number } {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return { unit: "now", n: 0 };
  if (minutes < 60) return { unit: "minutes", n: minutes };
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return { unit: "hours", n: hours };
  return { unit: "days", n: Math.floor(hours / 24) };
}

// === Privacy

/**
 * A name as it may appear in alerts and digests: each word's first letter and a dot,
 * except that the first word keeps its first letter only too: "Siti Aminah" → "S. A.".
 * Enough for staff who know the case (with the reference code), useless to anyone else.
 */
export function maskName(name: string): string {
  const words = name.trim().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return "–";
  return words
    .slice(0, 4)
    .map((w) => `${[...w][0]?.toUpperCase() ?? ""}.`)
    .join(" ");
}

const ZONE_OFFSET_HOURS: Record<ZoneLabel, number> = { WIB: 7, WITA: 8, WIT: 9 };

/**
 * Noon of a local calendar day as an instant: the time recorded as "last visit" when a visit
 * is reported for an earlier day (the hour of the visit itself is not asked).
 */
export function localNoon(isoDate: string, zone: ZoneLabel): Date {
  const p = parseIsoDate(isoDate);
  if (!p) throw new RangeError(`Not an ISO date: ${JSON.stringify(isoDate)}`);
  return new Date(Date.UTC(p.year, p.month - 1, p.day, 12 - ZONE_OFFSET_HOURS[zone]));
}
