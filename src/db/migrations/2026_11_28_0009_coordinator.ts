import { sql, type Kysely } from "kysely";

// Coordinator tools: broadcasts and their durable, rate-limited delivery queue.
// One statement per call (PGlite). Times that decide what is due (next_attempt_at, leases)
// are written by the app from its clock, never defaulted from the database's now().

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("broadcasts")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("created_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    // The sender's working area when the broadcast was made (null = whole country, admins).
    .addColumn("area_code", "text")
    .addColumn("audience_kind", "text", (c) => c.notNull().check(sql`audience_kind in ('area', 'region', 'coordinators', 'pending')`))
    // For audience "region": the district or village chosen inside the area.
    .addColumn("audience_code", "text")
    // The message as Telegram HTML (the coordinator's own formatting kept); a caption when there is media.
    .addColumn("text_html", "text", (c) => c.notNull())
    .addColumn("media_kind", "text", (c) => c.check(sql`media_kind in ('photo', 'document')`))
    .addColumn("media_file_id", "text")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("draft").check(sql`status in ('draft', 'sending', 'done', 'cancelled')`))
    .addColumn("total", "integer", (c) => c.notNull().defaultTo(0))
    // Final figures, written when the broadcast ends (progress is counted from the deliveries).
    .addColumn("sent_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("unreachable_count", "integer", (c) => c.notNull().defaultTo(0))
    // The coordinator's message that shows the progress ("Terkirim 1.240 / 3.000").
    .addColumn("progress_chat_id", "bigint")
    .addColumn("progress_message_id", "integer")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("finished_at", "timestamptz")
    .addCheckConstraint("broadcasts_media_pair", sql`(media_kind is null) = (media_file_id is null)`)
    .execute();
  await db.schema.createIndex("broadcasts_creator_idx").on("broadcasts").columns(["created_by", "created_at"]).execute();
  await db.schema.createIndex("broadcasts_status_idx").on("broadcasts").column("status").execute();

  // One row per recipient. A sender claims rows (status 'sending', claimed_by, lease_until)
  // with FOR UPDATE SKIP LOCKED right before calling Telegram and marks them 'sent' after; a
  // row left in 'sending' by a dead process is claimed again once its lease ran out.
  await db.schema
    .createTable("broadcast_deliveries")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("broadcast_id", "integer", (c) => c.notNull().references("broadcasts.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("chat_id", "bigint", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending', 'sending', 'sent', 'failed', 'unreachable')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull())
    // Which sender holds the row, and until when (a fencing token: a stale sender's writes miss).
    .addColumn("claimed_by", "text")
    .addColumn("lease_until", "timestamptz")
    .addColumn("sent_at", "timestamptz")
    .addColumn("message_id", "integer")
    // Telegram's error description (never message content or personal data).
    .addColumn("error", "text")
    .addUniqueConstraint("broadcast_deliveries_once", ["broadcast_id", "user_id"])
    .execute();
  await db.schema
    .createIndex("broadcast_deliveries_due_idx")
    .on("broadcast_deliveries")
    .columns(["next_attempt_at", "id"])
    .where(sql.ref("status"), "in", ["pending", "sending"])
    .execute();
  await db.schema.createIndex("broadcast_deliveries_status_idx").on("broadcast_deliveries").columns(["broadcast_id", "status"]).execute();

  // One sending process at a time (the rate limit is global): a named lease row.
  await db.schema
    .createTable("broadcast_sender_lease")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("holder", "text")
    .addColumn("lease_until", "timestamptz")
    .execute();
  await db.insertInto("broadcast_sender_lease").values({ name: "broadcast", holder: null, lease_until: null }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("broadcast_sender_lease").execute();
  await db.schema.dropTable("broadcast_deliveries").execute();
  await db.schema.dropTable("broadcasts").execute();
}
