import { sql, type Kysely } from "kysely";

// Disaster check-in ("Cek Aman", issue 15) and acknowledged broadcasts.
// One statement per call (PGlite). Every time column is written by the app from its clock;
// none defaults to the database's now().

export async function up(db: Kysely<any>): Promise<void> {
  // One check-in event: the affected regions, what was asked, its state.
  await db.schema
    .createTable("cekaman_events")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("created_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    // The creator's working area when the event started (null = whole country, admins).
    .addColumn("area_code", "text")
    // The affected regions (districts or villages) chosen inside that area.
    .addColumn("regions", sql`text[]`, (c) => c.notNull())
    // As typed by the coordinator ("Banjir Kali Cikeas, 3 Desember"): never audited or logged.
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("selection", "text", (c) => c.notNull().check(sql`selection in ('all', 'priority')`))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("running").check(sql`status in ('running', 'closed')`))
    .addColumn("started_at", "timestamptz", (c) => c.notNull())
    // CEKAMAN_REMIND_MINUTES when the event started (its escalation schedule).
    .addColumn("remind_minutes", "integer", (c) => c.notNull())
    .addColumn("total", "integer", (c) => c.notNull().defaultTo(0))
    // Escalation stages done (each exactly once, whatever the number of processes).
    .addColumn("reminded_at", "timestamptz")
    .addColumn("offered_at", "timestamptz")
    // When the coordinators' tally messages were last edited (at most every 10 s).
    .addColumn("tally_edited_at", "timestamptz")
    .addColumn("closed_at", "timestamptz")
    .addColumn("closed_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    // The final XLSX as Telegram stored it (sent again from the history).
    .addColumn("report_file_id", "text")
    .execute();
  await db.schema.createIndex("cekaman_events_status_idx").on("cekaman_events").columns(["status", "started_at"]).execute();

  // One row per household of an event: who should answer, and the latest answer.
  await db.schema
    .createTable("cekaman_households")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("event_id", "integer", (c) => c.notNull().references("cekaman_events.id").onDelete("cascade"))
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("village_code", "text", (c) => c.notNull())
    // The household's volunteer when the event started.
    .addColumn("volunteer_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("priority", "boolean", (c) => c.notNull())
    // Priority groups: lansia, disabilitas, balita, bencana (the manual flag).
    .addColumn("groups", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending', 'aman', 'butuh_bantuan', 'mengungsi', 'tidak_terhubung')`),
    )
    .addColumn("answered_at", "timestamptz")
    .addColumn("answered_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("answered_via", "text", (c) => c.check(sql`answered_via in ('volunteer', 'family', 'staff')`))
    .addColumn("needs", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("note", "text")
    .addColumn("shelter", "text")
    .addColumn("photo_file_id", "text")
    .addColumn("latitude", "double precision")
    .addColumn("longitude", "double precision")
    // Escalation: re-sent to the volunteer; offered to the village's other volunteers.
    .addColumn("reminded_at", "timestamptz")
    .addColumn("offered_at", "timestamptz")
    .addUniqueConstraint("cekaman_households_once", ["event_id", "household_id"])
    .execute();
  await db.schema.createIndex("cekaman_households_volunteer_idx").on("cekaman_households").columns(["event_id", "volunteer_id"]).execute();
  await db.schema.createIndex("cekaman_households_status_idx").on("cekaman_households").columns(["event_id", "status"]).execute();
  await db.schema.createIndex("cekaman_households_village_idx").on("cekaman_households").columns(["event_id", "village_code"]).execute();

  // Every answer ever given (the row above holds the latest): time, who, through which chat.
  await db.schema
    .createTable("cekaman_answers")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("event_household_id", "bigint", (c) => c.notNull().references("cekaman_households.id").onDelete("cascade"))
    .addColumn("event_id", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("answered_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("via", "text", (c) => c.notNull())
    .addColumn("chat_id", "bigint")
    .addColumn("needs", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("note", "text")
    .addColumn("shelter", "text")
    .addColumn("photo_file_id", "text")
    .addColumn("latitude", "double precision")
    .addColumn("longitude", "double precision")
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("cekaman_answers_eh_idx").on("cekaman_answers").columns(["event_household_id", "at"]).execute();

  // A "Butuh bantuan" for the area's coordinators: acknowledge, resolve (first tap wins).
  await db.schema
    .createTable("cekaman_help")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("event_id", "integer", (c) => c.notNull().references("cekaman_events.id").onDelete("cascade"))
    .addColumn("event_household_id", "bigint", (c) => c.notNull().references("cekaman_households.id").onDelete("cascade"))
    .addColumn("household_id", "integer", (c) => c.notNull())
    // The household's village (who is told: coordinators covering it).
    .addColumn("area_code", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open").check(sql`status in ('open', 'acknowledged', 'resolved')`))
    .addColumn("acknowledged_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("acknowledged_at", "timestamptz")
    .addColumn("resolved_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("resolved_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  // At most one unresolved request per household and event (a second answer updates it).
  await db.schema
    .createIndex("cekaman_help_open_idx")
    .on("cekaman_help")
    .column("event_household_id")
    .unique()
    .where(sql.ref("status"), "<>", "resolved")
    .execute();

  // The coordinators' live tally messages (one per chat and event).
  await db.schema
    .createTable("cekaman_tally_messages")
    .addColumn("event_id", "integer", (c) => c.notNull().references("cekaman_events.id").onDelete("cascade"))
    .addColumn("chat_id", "bigint", (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("message_id", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("cekaman_tally_messages_pk", ["event_id", "chat_id"])
    .execute();

  // The manual "prioritas bencana" flag on a household card.
  await db.schema
    .createTable("cekaman_priority_flags")
    .addColumn("household_id", "integer", (c) => c.primaryKey().references("households.id").onDelete("cascade"))
    .addColumn("set_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("set_at", "timestamptz", (c) => c.notNull())
    .execute();

  // Broadcasts carry more than coordinators' messages now: check-in lists, reminders.
  await db.schema
    .alterTable("broadcasts")
    .addColumn("kind", "text", (c) =>
      c
        .notNull()
        .defaultTo("message")
        .check(sql`kind in ('message', 'ack_remind', 'cekaman_checklist', 'cekaman_family', 'cekaman_remind', 'cekaman_offer')`),
    )
    .execute();
  // The check-in event (cekaman_*) or the original broadcast (ack_remind).
  await db.schema.alterTable("broadcasts").addColumn("ref_id", "integer").execute();
  // Served before ordinary broadcasts (a disaster check-in is urgent).
  await db.schema.alterTable("broadcasts").addColumn("priority", "smallint", (c) => c.notNull().defaultTo(0)).execute();
  // "Minta konfirmasi baca": recipients get a "Sudah dibaca" button; reminded once.
  await db.schema.alterTable("broadcasts").addColumn("ack_requested", "boolean", (c) => c.notNull().defaultTo(false)).execute();
  await db.schema.alterTable("broadcasts").addColumn("ack_reminded_at", "timestamptz").execute();
  await db.schema.alterTable("broadcast_deliveries").addColumn("acked_at", "timestamptz").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("broadcast_deliveries").dropColumn("acked_at").execute();
  for (const column of ["ack_reminded_at", "ack_requested", "priority", "ref_id", "kind"]) {
    await db.schema.alterTable("broadcasts").dropColumn(column).execute();
  }
  for (const table of ["cekaman_priority_flags", "cekaman_tally_messages", "cekaman_help", "cekaman_answers", "cekaman_households", "cekaman_events"]) {
    await db.schema.dropTable(table).execute();
  }
}
