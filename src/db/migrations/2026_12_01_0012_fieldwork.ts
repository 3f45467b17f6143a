import { sql, type Kysely } from "kysely";

// Field work (issue 16): visit plausibility on the visit rows, monthly targets, postponements
// of the day plan, and the log that sends the weekly progress and the 25th-day digest once.
// One statement per call (PGlite). Times are written by the app from its clock (no defaults).

export async function up(db: Kysely<any>): Promise<void> {
  // Metres between the report's location and the household's point (both known at the save).
  await db.schema.alterTable("visits").addColumn("distance_m", "integer").execute();
  // Why the report is listed for the coordinator's review: far from the house, or no location
  // although the house has a point. Never blocks anything.
  await db.schema
    .alterTable("visits")
    .addColumn("review_reason", "text", (c) => c.check(sql`review_reason in ('far', 'no_location')`))
    .execute();
  // The volunteer's answer to the follow-up question: the house's point was updated from this
  // report, they were not at the house, or they declined to save the point.
  await db.schema
    .alterTable("visits")
    .addColumn("location_answer", "text", (c) => c.check(sql`location_answer in ('updated', 'not_there', 'declined')`))
    .execute();
  await db.schema
    .createIndex("visits_review_idx")
    .on("visits")
    .columns(["created_at"])
    .where(sql.ref("review_reason"), "is not", null)
    .execute();
  await db.schema.createIndex("visits_visited_on_idx").on("visits").columns(["volunteer_id", "visited_on"]).execute();

  // A monthly target: for one volunteer, or for an area (then the target of each volunteer
  // working in it who has none of their own; the most specific area wins).
  await db.schema
    .createTable("monthly_target")
    .addColumn("id", "serial", (c) => c.primaryKey())
    // "YYYY-MM", counted in the local time of the households' zones.
    .addColumn("month", "text", (c) => c.notNull().check(sql`month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`))
    .addColumn("volunteer_id", "integer", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("area_code", "text")
    .addColumn("visits", "integer", (c) => c.notNull().check(sql`visits between 0 and 999`))
    .addColumn("registrations", "integer", (c) => c.notNull().check(sql`registrations between 0 and 999`))
    .addColumn("set_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("set_at", "timestamptz", (c) => c.notNull())
    .addCheckConstraint("monthly_target_one_subject", sql`(volunteer_id is null) <> (area_code is null)`)
    .execute();
  await db.schema
    .createIndex("monthly_target_volunteer_uq")
    .on("monthly_target")
    .columns(["month", "volunteer_id"])
    .unique()
    .where(sql.ref("volunteer_id"), "is not", null)
    .execute();
  await db.schema
    .createIndex("monthly_target_area_uq")
    .on("monthly_target")
    .columns(["month", "area_code"])
    .unique()
    .where(sql.ref("area_code"), "is not", null)
    .execute();

  // "Tunda ke besok": the household leaves the plan of `postponed_on` and comes back on
  // `postponed_until`; its planned visit date (and so its overdue count) is not changed.
  await db.schema
    .createTable("plan_postponement")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("volunteer_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("postponed_on", "date", (c) => c.notNull())
    .addColumn("postponed_until", "date", (c) => c.notNull())
    .addColumn("reason_code", "text", (c) => c.notNull())
    // What the volunteer typed for "lainnya" (shown to them and their coordinator; never audited).
    .addColumn("reason_text", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("plan_postponement_once", ["household_id", "postponed_on"])
    .execute();
  await db.schema.createIndex("plan_postponement_until_idx").on("plan_postponement").columns(["household_id", "postponed_until"]).execute();

  // Weekly progress messages and the 25th-day digest, once per person and period.
  await db.schema
    .createTable("fieldwork_message_log")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('weekly', 'behind')`))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    // The week's Monday (weekly) or the month (behind).
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("sent_at", "timestamptz", (c) => c.notNull())
    .addColumn("delivered", "boolean", (c) => c.notNull())
    .addUniqueConstraint("fieldwork_message_once", ["kind", "user_id", "period"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["fieldwork_message_log", "plan_postponement", "monthly_target"]) await db.schema.dropTable(t).execute();
  await db.schema.dropIndex("visits_visited_on_idx").execute();
  await db.schema.dropIndex("visits_review_idx").execute();
  for (const c of ["location_answer", "review_reason", "distance_m"]) await db.schema.alterTable("visits").dropColumn(c).execute();
}
