import { sql, type Selectable } from "kysely";
import type { VisitDraft } from "../../domain/visit.js";
import type { Db, User, VisitMediaTable, VisitsTable } from "../schema.js";
import { visibleTo } from "./households.js";
import { normalizePersonName } from "../../domain/names.js";
import { normalizeRefCode } from "../../domain/refcode.js";
import { asPoint, distanceMeters } from "../../domain/fieldwork/distance.js";
import { enqueueJob } from "./jobs.js";
import { LOCATION_CHECK_JOB } from "./fieldwork.js";

export type Visit = Selectable<VisitsTable>;
export type VisitMedia = Selectable<VisitMediaTable>;

/**
 * Saves a visit report with its attachments, in the caller's transaction, and moves the
 * household's last and next visit forward when this is its newest visit (a report for an
 * older day does not overwrite what a later visit decided). Returns the visit id.
 */
export async function insertVisit(
  db: Db,
  draft: VisitDraft,
  by: { userId: number; now: Date; visitedAt: Date },
): Promise<number> {
  // Plausibility (issue 16): the distance to the household's point when both are known; a
  // report without a location for a household that has a point is listed for review. Never
  // a reason to refuse the report.
  const home = await db.selectFrom("households").select(["latitude", "longitude"]).where("id", "=", draft.householdId).executeTakeFirst();
  const homePoint = asPoint(home?.latitude, home?.longitude);
  const visitPoint = asPoint(draft.location?.latitude, draft.location?.longitude);
  const distance = homePoint && visitPoint ? Math.round(distanceMeters(homePoint, visitPoint)) : null;
  const row = await db
    .insertInto("visits")
    .values({
      household_id: draft.householdId,
      volunteer_id: by.userId,
      visited_on: draft.visitedOn,
      written_at: draft.writtenAt,
      purpose: draft.purpose,
      intervention: draft.intervention,
      conditions: draft.conditions,
      condition_note: draft.conditionNote,
      help_given: draft.helpGiven,
      referral: draft.referral,
      referral_note: draft.referralNote,
      follow_up: draft.followUp,
      next_visit_date: draft.nextVisitDate,
      urgency: draft.urgency,
      latitude: draft.location?.latitude ?? null,
      longitude: draft.location?.longitude ?? null,
      distance_m: distance,
      review_reason: homePoint && !visitPoint ? "no_location" : null,
      created_at: by.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // A located report gets its follow-up (far from the house? save the house's point?) right
  // after this transaction commits; the job decides with the configured distance.
  if (visitPoint) await enqueueJob(db, LOCATION_CHECK_JOB, { visitId: row.id }, { key: `fw-location:${row.id}`, now: by.now });
  const media = [
    ...draft.photos.map((p) => ({ kind: "photo" as const, ...p })),
    ...draft.voices.map((v) => ({ kind: "voice" as const, ...v })),
  ];
  if (media.length > 0) {
    await db
      .insertInto("visit_media")
      .values(media.map((m) => ({ visit_id: row.id, kind: m.kind, file_id: m.fileId, file_unique_id: m.fileUniqueId, created_at: by.now })))
      .execute();
  }
  await db
    .updateTable("households")
    .set({ last_visit_at: by.visitedAt, next_visit_date: draft.nextVisitDate, updated_at: by.now })
    .where("id", "=", draft.householdId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("visits")
            .select("visits.id")
            .where("visits.household_id", "=", draft.householdId)
            .where("visits.id", "!=", row.id)
            .where("visits.visited_on", ">", draft.visitedOn),
        ),
      ),
    )
    .execute();
  return row.id;
}

export async function findVisit(db: Db, id: number): Promise<Visit | undefined> {
  return db.selectFrom("visits").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listVisitMedia(db: Db, visitId: number): Promise<VisitMedia[]> {
  return db.selectFrom("visit_media").selectAll().where("visit_id", "=", visitId).orderBy("id").execute();
}

export interface VisitListRow {
  id: number;
  visited_on: string;
  purpose: string;
  urgency: string;
  volunteer_name: string | null;
}

/** One page of a household's visits, newest first, and how many there are. */
export async function listHouseholdVisits(
  db: Db,
  householdId: number,
  opts: { limit: number; offset: number },
): Promise<{ rows: VisitListRow[]; total: number }> {
  const rows = await db
    .selectFrom("visits")
    .leftJoin("users", "users.id", "visits.volunteer_id")
    .select(["visits.id", "visits.visited_on", "visits.purpose", "visits.urgency", "users.name as volunteer_name"])
    .where("visits.household_id", "=", householdId)
    .orderBy("visits.visited_on", "desc")
    .orderBy("visits.id", "desc")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  const count = await db
    .selectFrom("visits")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("household_id", "=", householdId)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.n) };
}

/** A household as offered in the report's household picker. */
export interface PickableHousehold {
  id: number;
  ref_code: string;
  head_name: string;
  next_visit_date: string | null;
  last_visit_at: string | null;
}

/**
 * The households a user may report on, for the picker: those due (today or overdue) first,
 * most overdue first; then the most recently visited; then the newest. `query` searches by
 * head's name (normalised, as registered) or by reference code.
 */
export async function listReportableHouseholds(
  db: Db,
  user: User,
  opts: { today: string; query?: string; limit: number; offset: number },
): Promise<{ rows: PickableHousehold[]; total: number }> {
  let base = db.selectFrom("households").where(visibleTo(user)).where("anonymized_at", "is", null).where("status", "!=", "selesai");
  const q = opts.query?.trim();
  if (q) {
    const code = normalizeRefCode(q);
    const name = normalizePersonName(q).replace(/[\\%_]/g, (m) => `\\${m}`);
    base = base.where((eb) =>
      eb.or([
        ...(code ? [eb("ref_code", "=", code)] : []),
        ...(name !== "" ? [eb("head_name_norm", "like", `%${name}%`)] : []),
        eb("ref_code", "like", `${q.toUpperCase().replace(/[^A-Z0-9]/g, "")}%`),
      ]),
    );
  }
  const rows = await base
    .select(["id", "ref_code", "head_name", "next_visit_date", "last_visit_at"])
    .orderBy(sql`case when next_visit_date <= ${opts.today}::date then 0 else 1 end`)
    .orderBy(sql`case when next_visit_date <= ${opts.today}::date then next_visit_date end asc nulls last`)
    .orderBy(sql`last_visit_at desc nulls last`)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return {
    rows: rows.map((r) => ({
      id: r.id,
      ref_code: r.ref_code,
      head_name: r.head_name,
      next_visit_date: r.next_visit_date,
      last_visit_at: r.last_visit_at ? r.last_visit_at.toISOString() : null,
    })),
    total: Number(count.n),
  };
}
