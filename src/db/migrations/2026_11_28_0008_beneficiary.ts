import { sql, type Kysely } from "kysely";

/**
 * Beneficiary self-service: the private status check (attempts for the lockout, verified
 * sessions), status-change subscriptions, and data-subject requests (UU PDP).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Every status check attempt, for the lockout windows. The code is stored only as a keyed
  // hash (HMAC), never as typed; nothing of the verification is stored at all.
  await db.schema
    .createTable("status_attempts")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("chat_id", "bigint", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("success", "boolean", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("status_attempts_chat_idx").on("status_attempts").columns(["chat_id", "at"]).execute();
  await db.schema.createIndex("status_attempts_code_idx").on("status_attempts").columns(["code_hash", "at"]).execute();

  // A chat that passed the check for a household, for a short while: the buttons under the
  // status card (subscribe, my data, correct, delete) only work while this row is live.
  await db.schema
    .createTable("status_sessions")
    .addColumn("chat_id", "bigint", (c) => c.notNull())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("verified_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("status_sessions_pk", ["chat_id", "household_id"])
    .execute();
  await db.schema.createIndex("status_sessions_expiry_idx").on("status_sessions").column("expires_at").execute();

  // Chats to tell when a household's status changes (several family members may subscribe).
  await db.schema
    .createTable("status_subscriptions")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("chat_id", "bigint", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("status_subscriptions_pair", ["household_id", "chat_id"])
    .execute();

  // Data-subject requests (access, correction, deletion) with their 3×24-hour deadline.
  await db.schema
    .createTable("data_requests")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("household_id", "integer", (c) => c.notNull().references("households.id").onDelete("cascade"))
    .addColumn("chat_id", "bigint", (c) => c.notNull())
    .addColumn("requester_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('access', 'correction', 'deletion')`))
    // What to correct, as the person wrote it: AES-GCM ciphertext (it may hold identity numbers).
    .addColumn("details_enc", "text")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open").check(sql`status in ('open', 'resolved', 'rejected')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("due_at", "timestamptz", (c) => c.notNull())
    .addColumn("resolved_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("resolved_at", "timestamptz")
    .addColumn("resolution_note", "text")
    .execute();
  await db.schema.createIndex("data_requests_open_idx").on("data_requests").columns(["status", "due_at"]).execute();
  await db.schema.createIndex("data_requests_household_idx").on("data_requests").column("household_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["data_requests", "status_subscriptions", "status_sessions", "status_attempts"]) {
    await db.schema.dropTable(t).execute();
  }
}
