import { sql, type Kysely } from "kysely";

// Visit reports, their attachments, emergency alerts, alert groups and the log that makes the
// morning reminders and digests go out once per person and local day.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("visits")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    // Who reported the visit (the household's volunteer, or staff of its area).
    .addColumn("volunteer_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    // Local calendar day of the visit, in the household's province time zone.
    .addColumn("visited_on", "date", (c) => c.notNull())
    // When the volunteer wrote the report: Telegram's message.date of the first report message
    // (a report typed offline and delivered late keeps this time).
    .addColumn("written_at", "timestamptz", (c) => c.notNull())
    .addColumn("purpose", "text", (c) =>
      c.notNull().check(sql`purpose in ('asesmen', 'monitoring', 'pengantaran_bantuan', 'rujukan', 'terminasi')`),
    )
    .addColumn("intervention", "text", (c) =>
      c.notNull().check(sql`intervention in ('preventif', 'kuratif', 'rehabilitatif', 'pengembangan')`),
    )
    .addColumn("conditions", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("condition_note", "text")
    .addColumn("help_given", "text")
    .addColumn("referral", "text")
    .addColumn("referral_note", "text")
    .addColumn("follow_up", "boolean", (c) => c.notNull())
    .addColumn("next_visit_date", "date")
    .addColumn("urgency", "text", (c) => c.notNull().check(sql`urgency in ('biasa', 'perhatian', 'darurat')`))
    .addColumn("latitude", "double precision")
    .addColumn("longitude", "double precision")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("visits_follow_up_date", sql`(follow_up and next_visit_date is not null) or (not follow_up and next_visit_date is null)`)
    .execute();
  await db.schema.createIndex("visits_household_idx").on("visits").columns(["household_id", "visited_on", "id"]).execute();
  await db.schema.createIndex("visits_urgency_idx").on("visits").columns(["urgency", "created_at"]).execute();
  await db.schema.createIndex("visits_volunteer_idx").on("visits").columns(["volunteer_id", "created_at"]).execute();

  await db.schema
    .createTable("visit_media")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("visit_id", "integer", (c) => c.notNull().references("visits.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('photo', 'voice')`))
    .addColumn("file_id", "text", (c) => c.notNull())
    .addColumn("file_unique_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("visit_media_visit_idx").on("visit_media").column("visit_id").execute();

  await db.schema
    .createTable("alerts")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("visit_id", "integer", (c) => c.notNull().unique().references("visits.id").onDelete("cascade"))
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    // The household's village code: coordinators whose area contains it handle the alert.
    .addColumn("area_code", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open").check(sql`status in ('open', 'acknowledged', 'resolved')`))
    .addColumn("acknowledged_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("acknowledged_at", "timestamptz")
    .addColumn("resolved_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("resolved_at", "timestamptz")
    .addColumn("resolution_note", "text")
    .addColumn("escalated_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("alerts_status_idx").on("alerts").columns(["status", "created_at"]).execute();
  await db.schema.createIndex("alerts_area_idx").on("alerts").columns(["area_code", "status"]).execute();

  // Telegram groups that receive the alerts of an area (linked with /hubungkan_grup).
  await db.schema
    .createTable("alert_groups")
    .addColumn("chat_id", "bigint", (c) => c.primaryKey())
    .addColumn("area_code", "text", (c) => c.notNull())
    .addColumn("linked_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("linked_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("alert_groups_area_idx").on("alert_groups").column("area_code").execute();

  // One morning message per person, kind and local date: the unique key is the guard that
  // keeps a re-run, a retry or a second process from sending it twice.
  await db.schema
    .createTable("reminder_log")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('volunteer', 'digest')`))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("local_date", "date", (c) => c.notNull())
    .addColumn("sent_at", "timestamptz", (c) => c.notNull())
    // False when Telegram refused the message (the person blocked the bot).
    .addColumn("delivered", "boolean", (c) => c.notNull().defaultTo(true))
    .addUniqueConstraint("reminder_log_once", ["kind", "user_id", "local_date"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["reminder_log", "alert_groups", "alerts", "visit_media", "visits"]) {
    await db.schema.dropTable(t).execute();
  }
}
