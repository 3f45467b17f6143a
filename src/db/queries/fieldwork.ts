import { sql } from "kysely";
import type { Db, User } from "../schema.js";
import type { PiiCrypto } from "../../pii.js";
import { inArea } from "./coordinator.js";
import { maskNik } from "../../domain/mask.js";
import { displayRegionName } from "../../domain/region-names.js";
import { TIME_ZONES, addDays } from "../../domain/visit.js";
import { firstDay, lastDay, localDayStart, type Month, type TargetRow } from "../../domain/fieldwork/targets.js";
import type { ReportRegistration, ReportVisit } from "../../domain/fieldwork/report.js";

/** The follow-up of a located visit report (enqueued by insertVisit in the save's transaction). */
export const LOCATION_CHECK_JOB = "fieldwork-location-check";

// === Visit plausibility

export interface LocationCheckRow {
  visit_id: number;
  household_id: number;
  ref_code: string;
  head_name: string;
  village_code: string;
  volunteer_id: number | null;
  reporter_id: number | null;
  visit_lat: number | null;
  visit_lon: number | null;
  home_lat: number | null;
  home_lon: number | null;
  distance_m: number | null;
  review_reason: "far" | "no_location" | null;
  location_answer: "updated" | "not_there" | "declined" | null;
  anonymized_at: Date | null;
}

/** A visit with its household's current point, for the follow-up and its buttons. */
export async function findLocationCheck(db: Db, visitId: number): Promise<LocationCheckRow | undefined> {
  return db
    .selectFrom("visits")
    .innerJoin("households", "households.id", "visits.household_id")
    .select([
      "visits.id as visit_id",
      "households.id as household_id",
      "households.ref_code",
      "households.head_name",
      "households.village_code",
      "households.volunteer_id",
      "visits.volunteer_id as reporter_id",
      "visits.latitude as visit_lat",
      "visits.longitude as visit_lon",
      "households.latitude as home_lat",
      "households.longitude as home_lon",
      "visits.distance_m",
      "visits.review_reason",
      "visits.location_answer",
      "households.anonymized_at",
    ])
    .where("visits.id", "=", visitId)
    .executeTakeFirst();
}

export async function markVisitFar(db: Db, visitId: number): Promise<void> {
  await db.updateTable("visits").set({ review_reason: "far" }).where("id", "=", visitId).where("review_reason", "is", null).execute();
}

/** Records the volunteer's answer once; false when it was already answered. */
export async function recordLocationAnswer(db: Db, visitId: number, answer: "updated" | "not_there" | "declined"): Promise<boolean> {
  const res = await db
    .updateTable("visits")
    .set({ location_answer: answer })
    .where("id", "=", visitId)
    .where("location_answer", "is", null)
    .returning("id")
    .executeTakeFirst();
  return res !== undefined;
}

export async function setHouseholdPoint(db: Db, householdId: number, point: { latitude: number; longitude: number }, now: Date): Promise<void> {
  await db
    .updateTable("households")
    .set({ latitude: point.latitude, longitude: point.longitude, updated_at: now })
    .where("id", "=", householdId)
    .execute();
}

export interface ReviewVisitRow {
  id: number;
  ref_code: string;
  head_name: string;
  visited_on: string;
  volunteer_name: string | null;
  distance_m: number | null;
  review_reason: "far" | "no_location" | null;
  location_answer: "updated" | "not_there" | "declined" | null;
  written_at: Date;
  created_at: Date;
}

/**
 * Visit reports of an area received since `since` that a coordinator should look at: far
 * from the household's point, without a location although the household has one, or
 * delivered more than a day after they were written. Oldest first.
 */
export async function reviewVisitsFor(
  db: Db,
  area: string | null,
  opts: { since: Date; limit: number },
): Promise<{ rows: ReviewVisitRow[]; total: number }> {
  const base = db
    .selectFrom("visits")
    .innerJoin("households", "households.id", "visits.household_id")
    .where("visits.created_at", ">", opts.since)
    .where(inArea<"households">("households.village_code", area))
    .where((eb) =>
      eb.or([eb("visits.review_reason", "is not", null), eb(sql<Date>`visits.written_at + interval '1 day'`, "<", sql<Date>`visits.created_at`)]),
    );
  const rows = await base
    .leftJoin("users", "users.id", "visits.volunteer_id")
    .select([
      "visits.id",
      "households.ref_code",
      "households.head_name",
      "visits.visited_on",
      "users.name as volunteer_name",
      "visits.distance_m",
      "visits.review_reason",
      "visits.location_answer",
      "visits.written_at",
      "visits.created_at",
    ])
    .orderBy("visits.created_at")
    .orderBy("visits.id")
    .limit(opts.limit)
    .execute();
  const total = Number((await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  return { rows, total };
}

// === The day plan

export interface PlanRow {
  id: number;
  ref_code: string;
  head_name: string;
  village_code: string;
  village_name: string | null;
  rt: string | null;
  rw: string | null;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  next_visit_date: string;
  tz: string | null;
  last_urgency: string | null;
  /** The latest day the household was postponed to (null: never). */
  postponed_until: string | null;
  postponed_reason: string | null;
  postponed_text: string | null;
}

/**
 * The households assigned to a user whose planned visit is on or before `upTo` (the latest
 * local "today" of the three zones; the caller compares each with its own zone's today),
 * not closed and not erased, with their zone, latest urgency and latest postponement.
 */
export async function listPlanRows(db: Db, userId: number, upTo: string): Promise<PlanRow[]> {
  const rows = await db
    .selectFrom("households")
    .leftJoin("regions as village", "village.code", "households.village_code")
    .leftJoin("regions as province", (j) => j.on("province.code", "=", sql<string>`substr(households.village_code, 1, 2)`).on("province.level", "=", 1))
    .select([
      "households.id",
      "households.ref_code",
      "households.head_name",
      "households.village_code",
      "village.name as village_name",
      "households.rt",
      "households.rw",
      "households.address",
      "households.latitude",
      "households.longitude",
      "households.next_visit_date",
      "province.tz",
      (eb) =>
        eb
          .selectFrom("visits")
          .select("visits.urgency")
          .whereRef("visits.household_id", "=", "households.id")
          .orderBy("visits.visited_on", "desc")
          .orderBy("visits.id", "desc")
          .limit(1)
          .as("last_urgency"),
      (eb) =>
        eb
          .selectFrom("plan_postponement")
          .select(sql<string>`to_char(plan_postponement.postponed_until, 'YYYY-MM-DD')`.as("u"))
          .whereRef("plan_postponement.household_id", "=", "households.id")
          .orderBy("plan_postponement.postponed_until", "desc")
          .orderBy("plan_postponement.id", "desc")
          .limit(1)
          .as("postponed_until"),
      (eb) =>
        eb
          .selectFrom("plan_postponement")
          .select("plan_postponement.reason_code")
          .whereRef("plan_postponement.household_id", "=", "households.id")
          .orderBy("plan_postponement.postponed_until", "desc")
          .orderBy("plan_postponement.id", "desc")
          .limit(1)
          .as("postponed_reason"),
      (eb) =>
        eb
          .selectFrom("plan_postponement")
          .select("plan_postponement.reason_text")
          .whereRef("plan_postponement.household_id", "=", "households.id")
          .orderBy("plan_postponement.postponed_until", "desc")
          .orderBy("plan_postponement.id", "desc")
          .limit(1)
          .as("postponed_text"),
    ])
    .where("households.volunteer_id", "=", userId)
    .where("households.anonymized_at", "is", null)
    .where("households.status", "!=", "selesai")
    .where("households.next_visit_date", "is not", null)
    .where("households.next_visit_date", "<=", upTo)
    .orderBy("households.next_visit_date")
    .orderBy("households.id")
    .execute();
  return rows.map((r) => ({
    ...r,
    village_name: r.village_name ? displayRegionName({ code: r.village_code, name: r.village_name }) : null,
    next_visit_date: r.next_visit_date as string,
    last_urgency: (r.last_urgency as string | null) ?? null,
    postponed_until: (r.postponed_until as string | null) ?? null,
    postponed_reason: (r.postponed_reason as string | null) ?? null,
    postponed_text: (r.postponed_text as string | null) ?? null,
  }));
}

/** The next planned dates after `after` (for "nothing due today: next on …"). */
export async function nextPlannedDate(db: Db, userId: number, after: string): Promise<{ date: string; n: number } | null> {
  const row = await db
    .selectFrom("households")
    .select([(eb) => eb.fn.min("next_visit_date").as("d")])
    .where("volunteer_id", "=", userId)
    .where("anonymized_at", "is", null)
    .where("status", "!=", "selesai")
    .where("next_visit_date", ">", after)
    .executeTakeFirst();
  const date = (row?.d as string | null | undefined) ?? null;
  if (!date) return null;
  const n = await db
    .selectFrom("households")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("volunteer_id", "=", userId)
    .where("anonymized_at", "is", null)
    .where("status", "!=", "selesai")
    .where("next_visit_date", "=", date)
    .executeTakeFirstOrThrow();
  return { date, n: Number(n.n) };
}

/** Takes a household out of one day's plan (a second postponement the same day replaces the first). */
export async function postponeHousehold(
  db: Db,
  p: { householdId: number; volunteerId: number; on: string; until: string; reasonCode: string; reasonText: string | null; now: Date },
): Promise<void> {
  await db
    .insertInto("plan_postponement")
    .values({
      household_id: p.householdId,
      volunteer_id: p.volunteerId,
      postponed_on: p.on,
      postponed_until: p.until,
      reason_code: p.reasonCode,
      reason_text: p.reasonText,
      created_at: p.now,
    })
    .onConflict((oc) =>
      oc.columns(["household_id", "postponed_on"]).doUpdateSet({
        postponed_until: p.until,
        reason_code: p.reasonCode,
        reason_text: p.reasonText,
        volunteer_id: p.volunteerId,
        created_at: p.now,
      }),
    )
    .execute();
}

/** The zone (IANA, label) of a household's province; WIB when unknown. */
export async function householdZone(db: Db, villageCode: string): Promise<{ tz: string; label: string }> {
  const row = await db
    .selectFrom("regions")
    .select(["tz", "tz_label"])
    .where("code", "=", villageCode.slice(0, 2))
    .where("level", "=", 1)
    .executeTakeFirst();
  return row ? { tz: row.tz, label: row.tz_label } : { tz: "Asia/Jakarta", label: "WIB" };
}

// === Targets

export interface TargetRecord extends TargetRow {
  id: number;
  month: string;
  setBy: number | null;
  setAt: Date;
}

/** Sets (or replaces) the target of a volunteer or of an area for a month. */
export async function upsertTarget(
  db: Db,
  t: { month: Month; volunteerId: number | null; areaCode: string | null; visits: number; registrations: number; setBy: number; now: Date },
): Promise<void> {
  const values = {
    month: t.month,
    volunteer_id: t.volunteerId,
    area_code: t.volunteerId === null ? t.areaCode : null,
    visits: t.visits,
    registrations: t.registrations,
    set_by: t.setBy,
    set_at: t.now,
  };
  const update = { visits: t.visits, registrations: t.registrations, set_by: t.setBy, set_at: t.now };
  if (t.volunteerId !== null) {
    await db
      .insertInto("monthly_target")
      .values(values)
      .onConflict((oc) => oc.columns(["month", "volunteer_id"]).where("volunteer_id", "is not", null).doUpdateSet(update))
      .execute();
  } else {
    await db
      .insertInto("monthly_target")
      .values(values)
      .onConflict((oc) => oc.columns(["month", "area_code"]).where("area_code", "is not", null).doUpdateSet(update))
      .execute();
  }
}

/**
 * The targets of a month that can apply to the given volunteers: their own, and every area
 * target (few: one per area that set one). Resolve with `effectiveTarget`.
 */
export async function targetRows(db: Db, month: Month, volunteerIds: number[]): Promise<TargetRecord[]> {
  const rows = await db
    .selectFrom("monthly_target")
    .selectAll()
    .where("month", "=", month)
    .where((eb) => eb.or([eb("area_code", "is not", null), ...(volunteerIds.length > 0 ? [eb("volunteer_id", "in", volunteerIds)] : [])]))
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    month: r.month,
    volunteerId: r.volunteer_id,
    areaCode: r.area_code,
    visits: r.visits,
    registrations: r.registrations,
    setBy: r.set_by,
    setAt: r.set_at,
  }));
}

export interface FieldVolunteer {
  id: number;
  telegram_id: number;
  name: string | null;
  area_code: string | null;
  locale: string;
}

/** Active volunteers working in an area (null: everywhere), by name. */
export async function activeVolunteersIn(db: Db, area: string | null): Promise<FieldVolunteer[]> {
  return db
    .selectFrom("users")
    .select(["id", "telegram_id", "name", "area_code", "locale"])
    .where("role", "=", "volunteer")
    .where("status", "=", "active")
    .where(inArea<"users">("users.area_code", area))
    .orderBy(sql`lower(coalesce(name, ''))`)
    .orderBy("id")
    .execute();
}

/**
 * Registrations whose local date (in the household's zone) lies in [from, to] (ISO dates):
 * one condition per zone, on instants, so that an index on created_at serves it.
 */
function registeredBetween(from: string, to: string) {
  return sql<boolean>`(${sql.join(
    TIME_ZONES.map((z) => {
      const start = localDayStart(from, z.label);
      const end = localDayStart(addDays(to, 1), z.label);
      return sql`(substr(households.village_code, 1, 2) in (select code from regions where level = 1 and tz_label = ${z.label}) and households.created_at >= ${start} and households.created_at < ${end})`;
    }),
    sql` or `,
  )})`;
}

export interface Progress {
  visits: number;
  registrations: number;
}

/**
 * Visits reported and households registered by each volunteer between two local dates
 * (inclusive): visits by their visit date (already the household's local date),
 * registrations by the local date of registration in the household's zone.
 */
export async function progressBetween(db: Db, volunteerIds: number[], from: string, to: string): Promise<Map<number, Progress>> {
  const out = new Map<number, Progress>(volunteerIds.map((id) => [id, { visits: 0, registrations: 0 }]));
  if (volunteerIds.length === 0) return out;
  const visits = await db
    .selectFrom("visits")
    .select(["volunteer_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("volunteer_id", "in", volunteerIds)
    .where("visited_on", ">=", from)
    .where("visited_on", "<=", to)
    .groupBy("volunteer_id")
    .execute();
  for (const v of visits) if (v.volunteer_id !== null) out.get(v.volunteer_id)!.visits = Number(v.n);
  const regs = await db
    .selectFrom("households")
    .select(["registered_by", (eb) => eb.fn.countAll<number>().as("n")])
    .where("registered_by", "in", volunteerIds)
    .where(registeredBetween(from, to))
    .groupBy("registered_by")
    .execute();
  for (const r of regs) if (r.registered_by !== null) out.get(r.registered_by)!.registrations = Number(r.n);
  return out;
}

/** {@link progressBetween} for a whole month. */
export function monthProgress(db: Db, volunteerIds: number[], month: Month): Promise<Map<number, Progress>> {
  return progressBetween(db, volunteerIds, firstDay(month), lastDay(month));
}

// === The monthly activity report

/** Whose activity a report covers: one reporter's, or a whole area's (null: the whole country). */
export type ReportScope = { kind: "volunteer"; volunteerId: number; area: string | null } | { kind: "area"; area: string | null };

/**
 * The visits of a month for the report, oldest first: a volunteer's own reports (inside
 * `area` when a coordinator asks), or every report on the area's households.
 */
export async function reportVisits(db: Db, scope: ReportScope, month: Month): Promise<ReportVisit[]> {
  let q = db
    .selectFrom("visits")
    .innerJoin("households", "households.id", "visits.household_id")
    .leftJoin("regions as village", "village.code", "households.village_code")
    .leftJoin("regions as province", (j) => j.on("province.code", "=", sql<string>`substr(households.village_code, 1, 2)`).on("province.level", "=", 1))
    .leftJoin("users", "users.id", "visits.volunteer_id")
    .where("visits.visited_on", ">=", firstDay(month))
    .where("visits.visited_on", "<=", lastDay(month))
    .where(inArea<"households">("households.village_code", scope.area));
  if (scope.kind === "volunteer") q = q.where("visits.volunteer_id", "=", scope.volunteerId);
  const rows = await q
    .select([
      "visits.id",
      "visits.visited_on",
      "visits.written_at",
      "visits.created_at",
      "households.ref_code",
      "households.village_code",
      "village.name as village_name",
      "households.rt",
      "households.rw",
      "visits.purpose",
      "visits.intervention",
      "visits.conditions",
      "visits.help_given",
      "visits.referral",
      "visits.referral_note",
      "visits.follow_up",
      "visits.next_visit_date",
      "visits.urgency",
      "households.ppks",
      "households.id as household_id",
      "users.name as volunteer_name",
      "visits.distance_m",
      "visits.review_reason",
      "province.tz",
      "province.tz_label",
      (eb) =>
        eb
          .selectFrom("visit_media")
          .select(eb.fn.countAll<number>().as("n"))
          .whereRef("visit_media.visit_id", "=", "visits.id")
          .where("visit_media.kind", "=", "photo")
          .as("photos"),
    ])
    .orderBy("visits.visited_on")
    .orderBy("visits.id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    visitedOn: r.visited_on,
    writtenAt: r.written_at,
    receivedAt: r.created_at,
    refCode: r.ref_code,
    village: r.village_name ? displayRegionName({ code: r.village_code, name: r.village_name }) : r.village_code,
    rt: r.rt,
    rw: r.rw,
    purpose: r.purpose,
    intervention: r.intervention,
    conditions: r.conditions,
    helpGiven: r.help_given,
    referral: r.referral,
    referralNote: r.referral_note,
    followUp: r.follow_up,
    nextVisitDate: r.next_visit_date,
    urgency: r.urgency,
    photos: Number(r.photos ?? 0),
    ppks: r.ppks,
    householdId: r.household_id,
    volunteerName: r.volunteer_name,
    distanceM: r.distance_m,
    reviewReason: r.review_reason,
    tz: r.tz ?? "Asia/Jakarta",
    zoneLabel: r.tz_label ?? "WIB",
  }));
}

/**
 * The households registered in a month (local date of registration in the household's
 * zone), with the head's NIK masked here: the full number never leaves this function.
 */
export async function reportRegistrations(db: Db, pii: PiiCrypto, scope: ReportScope, month: Month): Promise<ReportRegistration[]> {
  let q = db
    .selectFrom("households")
    .leftJoin("regions as village", "village.code", "households.village_code")
    .leftJoin("regions as province", (j) => j.on("province.code", "=", sql<string>`substr(households.village_code, 1, 2)`).on("province.level", "=", 1))
    .leftJoin("users", "users.id", "households.registered_by")
    .where(registeredBetween(firstDay(month), lastDay(month)))
    .where(inArea<"households">("households.village_code", scope.area));
  if (scope.kind === "volunteer") q = q.where("households.registered_by", "=", scope.volunteerId);
  const rows = await q
    .select([
      "households.id",
      "households.created_at",
      "households.ref_code",
      "households.head_name",
      "households.head_nik_enc",
      "households.village_code",
      "village.name as village_name",
      "province.tz",
      "households.rt",
      "households.rw",
      "households.member_count",
      "households.ppks",
      "households.anonymized_at",
      "users.name as volunteer_name",
    ])
    .orderBy("households.created_at")
    .orderBy("households.id")
    .execute();
  return rows.map((r) => ({
    householdId: r.id,
    registeredOn: localIsoDate(r.created_at, r.tz ?? "Asia/Jakarta"),
    refCode: r.ref_code,
    headName: r.anonymized_at ? "–" : r.head_name,
    nikMasked: r.head_nik_enc && !r.anonymized_at ? maskNik(pii.decrypt(r.head_nik_enc)) : "–",
    village: r.village_name ? displayRegionName({ code: r.village_code, name: r.village_name }) : r.village_code,
    rt: r.rt,
    rw: r.rw,
    memberCount: r.member_count,
    ppks: r.ppks,
    volunteerName: r.volunteer_name,
  }));
}

const isoFormatters = new Map<string, Intl.DateTimeFormat>();
function localIsoDate(at: Date, tz: string): string {
  let f = isoFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
    isoFormatters.set(tz, f);
  }
  return f.format(at);
}

/** The coordinators whose area contains a code, most specific area first. */
export async function coordinatorsCovering(db: Db, code: string): Promise<User[]> {
  const parts = code.split(".");
  const ancestors = parts.map((_, i) => parts.slice(0, i + 1).join("."));
  const rows = await db
    .selectFrom("users")
    .selectAll()
    .where("role", "=", "coordinator")
    .where("status", "=", "active")
    .where("area_code", "in", ancestors)
    .execute();
  return rows.sort((a, b) => (b.area_code?.length ?? 0) - (a.area_code?.length ?? 0) || a.id - b.id);
}
