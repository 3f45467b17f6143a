/**
 * DTSEN proposals (issue 17): the rules of Pendamping's bridge to the national social register
 * (Data Tunggal Sosial dan Ekonomi Nasional, Inpres 4/2025). A volunteer prepares a proposal
 * for a household in the field — *usulan baru*, *perubahan data* or *sanggah/penghapusan* —
 * with the evidence the village operator needs; a coordinator verifies it and hands the
 * village's verified proposals to the SIKS-NG/DTSEN operator for the musyawarah desa.
 * Pendamping never submits anything to Kemensos itself.
 *
 * Pure: no database, no clock (dates are passed in as local ISO dates).
 *
 * @module
 */

import { addDays } from "./visit.js";
import { householdInScope, regionInStaffScope, scopeOf, type Scope } from "./scope.js";
import type { User } from "../db/schema.js";

// === Kinds and reasons

export const PROPOSAL_KINDS = ["baru", "perubahan", "sanggah"] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

/** Supporting letters a reason may need (photographed like the other evidence). */
export const LETTERS = ["sktm", "kematian", "pindah"] as const;
export type LetterKind = (typeof LETTERS)[number];

interface ReasonSpec {
  code: string;
  /** The letter that backs this reason, if any. */
  letter: LetterKind | null;
}

/**
 * The reasons a volunteer picks from, per kind (plus free text). The codes are stored; their
 * words live in the locale files (`dtsen.reason.<kind>.<code>`).
 */
export const REASONS: Readonly<Record<ProposalKind, readonly ReasonSpec[]>> = {
  baru: [
    { code: "belum_terdaftar", letter: null }, // a poor or vulnerable family not in the register
    { code: "jatuh_miskin", letter: null }, // lost its income lately (work, illness, disaster)
    { code: "rentan", letter: null }, // elderly living alone, disability, chronic illness
    { code: "sktm", letter: "sktm" }, // the village issued a Surat Keterangan Tidak Mampu
    { code: "lainnya", letter: null },
  ],
  perubahan: [
    { code: "anggota", letter: null }, // members changed: birth, marriage, a split family
    { code: "anggota_meninggal", letter: "kematian" }, // a member died
    { code: "pindah_datang", letter: "pindah" }, // the family moved here from elsewhere
    { code: "alamat", letter: null }, // address within the village
    { code: "kondisi", letter: null }, // house, work or income changed
    { code: "lainnya", letter: null },
  ],
  sanggah: [
    { code: "pindah", letter: "pindah" }, // the family moved away
    { code: "meninggal", letter: "kematian" }, // the (single-person) family died
    { code: "mampu", letter: null }, // no longer eligible: better off now
    { code: "ganda", letter: null }, // listed twice
    { code: "lainnya", letter: null },
  ],
};

export function isProposalKind(value: unknown): value is ProposalKind {
  return typeof value === "string" && (PROPOSAL_KINDS as readonly string[]).includes(value);
}

export function isReason(kind: ProposalKind, value: unknown): boolean {
  return typeof value === "string" && REASONS[kind].some((r) => r.code === value);
}

/** The supporting letter a reason needs (SKTM, surat kematian, surat pindah), or null. */
export function letterFor(kind: ProposalKind, reason: string): LetterKind | null {
  return REASONS[kind].find((r) => r.code === reason)?.letter ?? null;
}

// === Evidence

/** Everything a proposal may need, in the order the checklist shows it. */
export const EVIDENCE_ITEMS = ["consent", "kk", "house_front", "house_inside", "location", "letter"] as const;
export type EvidenceItem = (typeof EVIDENCE_ITEMS)[number];

/** The items stored as photos (the rest: consent and the GPS point live on the proposal). */
export const PHOTO_ITEMS = ["kk", "house_front", "house_inside", "letter"] as const;
export type PhotoItem = (typeof PHOTO_ITEMS)[number];

export function isEvidenceItem(value: unknown): value is EvidenceItem {
  return typeof value === "string" && (EVIDENCE_ITEMS as readonly string[]).includes(value);
}

export function isPhotoItem(value: unknown): value is PhotoItem {
  return typeof value === "string" && (PHOTO_ITEMS as readonly string[]).includes(value);
}

/**
 * The evidence checklist of a proposal:
 * - usulan baru: the family's consent, the KK photo, the house front and inside, the GPS point;
 * - perubahan data: consent, KK, house front and GPS point; the inside of the house too when
 *   the condition changed;
 * - sanggah/penghapusan: the house front (empty, or the family's circumstances) and the GPS
 *   point; the KK when the family is listed twice. No consent: an objection may be raised
 *   when the family has moved away or died;
 * - and for every kind, the supporting letter when the reason needs one.
 */
export function requiredEvidence(kind: ProposalKind, reason: string): EvidenceItem[] {
  const items = new Set<EvidenceItem>();
  switch (kind) {
    case "baru":
      for (const i of ["consent", "kk", "house_front", "house_inside", "location"] as const) items.add(i);
      break;
    case "perubahan":
      for (const i of ["consent", "kk", "house_front", "location"] as const) items.add(i);
      if (reason === "kondisi") items.add("house_inside");
      break;
    case "sanggah":
      items.add("house_front");
      items.add("location");
      if (reason === "ganda") items.add("kk");
      break;
  }
  if (letterFor(kind, reason)) items.add("letter");
  return EVIDENCE_ITEMS.filter((i) => items.has(i));
}

/** What is still missing, in checklist order. */
export function missingEvidence(kind: ProposalKind, reason: string, present: Iterable<EvidenceItem>): EvidenceItem[] {
  const have = new Set(present);
  return requiredEvidence(kind, reason).filter((i) => !have.has(i));
}

export interface Completeness {
  done: number;
  total: number;
  missing: EvidenceItem[];
  complete: boolean;
}

export function completeness(kind: ProposalKind, reason: string, present: Iterable<EvidenceItem>): Completeness {
  const required = requiredEvidence(kind, reason);
  const missing = missingEvidence(kind, reason, present);
  return { done: required.length - missing.length, total: required.length, missing, complete: missing.length === 0 };
}

// === Status

export const PROPOSAL_STATUSES = [
  "draft", // being completed in the field
  "menunggu", // waiting for the coordinator's verification
  "dikembalikan", // returned to the volunteer with a reason
  "terverifikasi", // verified, waiting for the hand-over
  "diserahkan", // handed over to the village operator
  "diterima", // outcome: accepted
  "ditolak", // outcome: rejected, with a reason
  "dibatalkan", // withdrawn before the hand-over
] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const FINAL_STATUSES: readonly ProposalStatus[] = ["diterima", "ditolak", "dibatalkan"];
/** While the evidence may still change (in the field). */
export const EDITABLE_STATUSES: readonly ProposalStatus[] = ["draft", "dikembalikan"];

export function isProposalStatus(value: unknown): value is ProposalStatus {
  return typeof value === "string" && (PROPOSAL_STATUSES as readonly string[]).includes(value);
}

export function isFinalStatus(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

export function isEditableStatus(status: string): boolean {
  return (EDITABLE_STATUSES as readonly string[]).includes(status);
}

/**
 * In what capacity someone acts on a proposal: `field` — whoever may work with the household
 * (its volunteer, and staff of the area doing field work); `staff` — coordinators of the
 * household's area and admins (verification, hand-over, outcome).
 */
export type ProposalCapacity = "field" | "staff";

/**
 * The capacities a user has for proposals of a household, from their scope (src/domain/scope.ts):
 * `field` for whoever may work with the household, `staff` for staff of its area. Nobody has
 * any capacity for a household whose personal data was erased.
 */
export function proposalCapacities(
  user: Pick<User, "id" | "role" | "status" | "area_code"> | undefined,
  household: { volunteer_id: number | null; village_code: string; anonymized_at: unknown },
): ProposalCapacity[] {
  if (household.anonymized_at) return [];
  const scope: Scope = scopeOf(user);
  const capacities: ProposalCapacity[] = [];
  if (householdInScope(scope, household)) capacities.push("field");
  if (regionInStaffScope(scope, household.village_code)) capacities.push("staff");
  return capacities;
}

interface TransitionSpec {
  from: ProposalStatus;
  to: ProposalStatus;
  by: readonly ProposalCapacity[];
  /** A reason must be given (shown to the volunteer, and to the family when rejected). */
  reason?: boolean;
  /** All evidence must be present. */
  complete?: boolean;
}

const TRANSITIONS: readonly TransitionSpec[] = [
  { from: "draft", to: "menunggu", by: ["field"], complete: true },
  { from: "draft", to: "dibatalkan", by: ["field", "staff"] },
  { from: "dikembalikan", to: "menunggu", by: ["field"], complete: true },
  { from: "dikembalikan", to: "dibatalkan", by: ["field", "staff"] },
  { from: "menunggu", to: "terverifikasi", by: ["staff"] },
  { from: "menunggu", to: "dikembalikan", by: ["staff"], reason: true },
  { from: "terverifikasi", to: "dikembalikan", by: ["staff"], reason: true },
  { from: "terverifikasi", to: "diserahkan", by: ["staff"] },
  { from: "diserahkan", to: "diterima", by: ["staff"] },
  { from: "diserahkan", to: "ditolak", by: ["staff"], reason: true },
];

export type ProposalRefusal = "invalid_transition" | "not_allowed" | "incomplete" | "reason_required";

/** Whether someone with these capacities may move a proposal from one status to another. */
export function canMoveProposal(
  from: ProposalStatus,
  to: ProposalStatus,
  capacities: readonly ProposalCapacity[],
  opts: { complete: boolean; hasReason: boolean },
): { ok: true } | { ok: false; reason: ProposalRefusal } {
  const spec = TRANSITIONS.find((t) => t.from === from && t.to === to);
  if (!spec) return { ok: false, reason: "invalid_transition" };
  if (!spec.by.some((c) => capacities.includes(c))) return { ok: false, reason: "not_allowed" };
  if (spec.complete && !opts.complete) return { ok: false, reason: "incomplete" };
  if (spec.reason && !opts.hasReason) return { ok: false, reason: "reason_required" };
  return { ok: true };
}

export function needsReason(to: ProposalStatus): boolean {
  return TRANSITIONS.some((t) => t.to === to && t.reason === true);
}

// === Free text

export const NOTE_MIN = 5;
export const NOTE_MAX = 500;

/** A run of 16 digits, possibly with spaces, dots or dashes between them: an NIK or No. KK. */
const IDENTITY_NUMBER = /(?:\d[\s.\-]?){15}\d/;

export type FreeTextCheck = { ok: true; value: string } | { ok: false; problem: "too_short" | "too_long" | "identity_number" };

/**
 * Free text (the volunteer's explanation, a coordinator's reason): trimmed, within bounds, and
 * without identity numbers — those belong in the household's encrypted fields, never in text
 * that is shown, exported and kept in plain form.
 */
export function checkFreeText(text: string, opts: { min?: number; max?: number } = {}): FreeTextCheck {
  const value = text.trim().replace(/\s+/g, " ");
  if ([...value].length < (opts.min ?? NOTE_MIN)) return { ok: false, problem: "too_short" };
  if ([...value].length > (opts.max ?? NOTE_MAX)) return { ok: false, problem: "too_long" };
  if (IDENTITY_NUMBER.test(value)) return { ok: false, problem: "identity_number" };
  return { ok: true, value };
}

// === Update calendar

/** A window of the DTSEN update calendar, in months of the year (1–12, `from` ≤ `to`). */
export interface WindowSpec {
  from: number;
  to: number;
}

/** Default: the first month of each quarter (DTSEN is updated quarterly). */
export const DEFAULT_DTSEN_WINDOWS = "1,4,7,10";

/**
 * Parses `DTSEN_WINDOWS`: comma-separated months or month ranges, e.g. "1,4,7,10" or
 * "1-2,7-8". Windows must not overlap; they are returned in calendar order.
 */
export function parseDtsenWindows(text: string): { ok: true; value: WindowSpec[] } | { ok: false; error: string } {
  const error = 'expects comma-separated months (1–12) or month ranges, e.g. "1,4,7,10" or "1-2,7-8"';
  const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length === 0) return { ok: false, error };
  const specs: WindowSpec[] = [];
  for (const part of parts) {
    const m = /^(\d{1,2})(?:\s*-\s*(\d{1,2}))?$/.exec(part);
    if (!m) return { ok: false, error };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || from > 12 || to < 1 || to > 12 || to < from) return { ok: false, error };
    specs.push({ from, to });
  }
  specs.sort((a, b) => a.from - b.from);
  for (let i = 1; i < specs.length; i++) {
    if (specs[i]!.from <= specs[i - 1]!.to) return { ok: false, error: `${error}, without overlaps` };
  }
  return { ok: true, value: specs };
}

/** One concrete update window: its id ("2027-01": year and first month) and local dates. */
export interface DtsenWindow {
  id: string;
  /** First day (YYYY-MM-DD). */
  start: string;
  /** Last day: the window closes at its end. */
  end: string;
  fromMonth: number;
  toMonth: number;
  year: number;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

function lastDayOf(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function windowOf(year: number, spec: WindowSpec): DtsenWindow {
  return {
    id: `${year}-${pad2(spec.from)}`,
    start: `${year}-${pad2(spec.from)}-01`,
    end: `${year}-${pad2(spec.to)}-${pad2(lastDayOf(year, spec.to))}`,
    fromMonth: spec.from,
    toMonth: spec.to,
    year,
  };
}

/** The window open on `today` (a local date), or else the next one to open. */
export function windowAt(today: string, specs: readonly WindowSpec[]): DtsenWindow {
  const year = Number(today.slice(0, 4));
  for (const y of [year, year + 1]) {
    for (const spec of specs) {
      const w = windowOf(y, spec);
      if (today <= w.end) return w;
    }
  }
  // Unreachable with at least one spec; keep the type honest.
  return windowOf(year + 1, specs[0] ?? { from: 1, to: 1 });
}

/** Days before a window closes when the reminders go out. */
export const REMINDER_DAYS_BEFORE_CLOSE = 14;

/** The local date of the reminder for a window: two weeks before it closes. */
export function reminderDate(w: DtsenWindow): string {
  return addDays(w.end, -REMINDER_DAYS_BEFORE_CLOSE);
}

/** Whether reminders for the window are due on `today` (from two weeks before its end until it closes). */
export function reminderDue(w: DtsenWindow, today: string): boolean {
  return today >= reminderDate(w) && today <= w.end;
}

export const MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
export const MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "Januari 2027", "Januari–Februari 2027". */
export function windowLabel(w: Pick<DtsenWindow, "fromMonth" | "toMonth" | "year">, locale: "id" | "en"): string {
  const names = locale === "en" ? MONTHS_EN : MONTHS_ID;
  const from = names[w.fromMonth - 1] ?? "";
  const to = names[w.toMonth - 1] ?? "";
  return w.fromMonth === w.toMonth ? `${from} ${w.year}` : `${from}–${to} ${w.year}`;
}

/** The window with this id under the current calendar, if the id still matches one. */
export function windowById(id: string, specs: readonly WindowSpec[]): DtsenWindow | null {
  const m = /^(\d{4})-(\d{2})$/.exec(id);
  if (!m) return null;
  const year = Number(m[1]);
  const spec = specs.find((s) => s.from === Number(m[2]));
  return spec ? windowOf(year, spec) : null;
}

// === Hand-over files

/** File-name words of the evidence in the ZIP ("K7-3QX9D_rumah-depan.jpg"). */
export function evidenceFileWord(item: PhotoItem, letter: LetterKind | null): string {
  switch (item) {
    case "kk":
      return "kk";
    case "house_front":
      return "rumah-depan";
    case "house_inside":
      return "rumah-dalam";
    case "letter":
      return `surat-${letter ?? "pendukung"}`;
  }
}
