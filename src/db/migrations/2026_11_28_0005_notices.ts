import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // Messages sent to several staff about one thing (an approval request, an alert, a data
  // request), so that all of them can be edited when one person acts.
  await db.schema
    .createTable("staff_notice")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("topic", "text", (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("chat_id", "bigint", (c) => c.notNull())
    .addColumn("message_id", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("staff_notice_topic_idx").on("staff_notice").column("topic").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("staff_notice").execute();
}
