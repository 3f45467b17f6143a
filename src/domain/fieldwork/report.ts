/**
 * The monthly activity report (laporan kegiatan bulanan) as data: its rows and totals, in
 * the shape both the PDF and the XLSX are drawn from. Pure functions.
 *
 * @module
 */

import { INTERVENTION_TYPES, type InterventionType } from "../ppks.js";

export interface ReportVisit {
  id: number;
  visitedOn: string;
  writtenAt: Date;
  receivedAt: Date;
  refCode: string;
  village: string;
  rt: string | null;
  rw: string | null;
  purpose: string;
  intervention: string;
  conditions: string[];
  helpGiven: string | null;
  referral: string | null;
  referralNote: string | null;
  followUp: boolean;
  nextVisitDate: string | null;
  urgency: string;
  photos: number;
  ppks: string[];
  householdId: number;
  volunteerName: string | null;
  distanceM: number | null;
  reviewReason: string | null;
  /** The household's zone (IANA name and WIB/WITA/WIT), for showing times. */
  tz: string;
  zoneLabel: string;
}

export interface ReportRegistration {
  householdId: number;
  registeredOn: string;
  refCode: string;
  headName: string;
  /** Already masked ("3201••••••••0001"); the full number never enters the report. */
  nikMasked: string;
  village: string;
  rt: string | null;
  rw: string | null;
  memberCount: number;
  ppks: string[];
  volunteerName: string | null;
}

export interface PpksTotal {
  code: string;
  /** Distinct households of this category visited in the month. */
  households: number;
  visits: number;
  registrations: number;
}

export interface ReportTotals {
  visits: number;
  householdsVisited: number;
  registrations: number;
  photos: number;
  emergencies: number;
  referrals: number;
  byIntervention: Record<InterventionType, number>;
  /** Categories that occur, most visits first (then code). */
  byPpks: PpksTotal[];
}

export function reportTotals(visits: ReportVisit[], registrations: ReportRegistration[]): ReportTotals {
  const byIntervention = Object.fromEntries(INTERVENTION_TYPES.map((k) => [k, 0])) as Record<InterventionType, number>;
  const ppks = new Map<string, { households: Set<number>; visits: number; registrations: number }>();
  const entry = (code: string) => {
    let e = ppks.get(code);
    if (!e) {
      e = { households: new Set(), visits: 0, registrations: 0 };
      ppks.set(code, e);
    }
    return e;
  };
  const households = new Set<number>();
  let photos = 0;
  let emergencies = 0;
  let referrals = 0;
  for (const v of visits) {
    if (v.intervention in byIntervention) byIntervention[v.intervention as InterventionType] += 1;
    households.add(v.householdId);
    photos += v.photos;
    if (v.urgency === "darurat") emergencies += 1;
    if (v.referral) referrals += 1;
    for (const code of v.ppks) {
      const e = entry(code);
      e.visits += 1;
      e.households.add(v.householdId);
    }
  }
  for (const r of registrations) for (const code of r.ppks) entry(code).registrations += 1;
  const byPpks = [...ppks.entries()]
    .map(([code, e]) => ({ code, households: e.households.size, visits: e.visits, registrations: e.registrations }))
    .sort((a, b) => b.visits - a.visits || b.registrations - a.registrations || a.code.localeCompare(b.code));
  return {
    visits: visits.length,
    householdsVisited: households.size,
    registrations: registrations.length,
    photos,
    emergencies,
    referrals,
    byIntervention,
    byPpks,
  };
}

/** "RT 003/RW 005", "RT 003", "–". */
export function rtRwLabel(rt: string | null, rw: string | null): string {
  if (rt && rw) return `RT ${rt}/RW ${rw}`;
  if (rt) return `RT ${rt}`;
  if (rw) return `RW ${rw}`;
  return "–";
}

/** A file-name-safe slug of a name: "Budi Santoso" → "budi-santoso". */
export function fileSlug(text: string): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return s === "" ? "laporan" : s;
}
