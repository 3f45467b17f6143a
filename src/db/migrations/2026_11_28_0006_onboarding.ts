import { sql, type Kysely } from "kysely";

// Volunteer onboarding: applications that wait for a coordinator's decision, and invite links.
// One statement per call (PGlite). Region codes are checked by the code, not by foreign keys:
// the region list is reloaded when Kemendagri publishes a new one.

export async function up(db: Kysely<any>): Promise<void> {
  // A volunteer's request that a coordinator decides: the registration itself, or a move to
  // another village. Exactly one decision per row: the decision is a conditional update
  // `where status = 'pending'`.
  await db.schema
    .createTable("volunteer_applications")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('registration', 'area_change')`))
    // The village the volunteer asks to work in.
    .addColumn("area_code", "text", (c) => c.notNull())
    // For an area change: the village they leave.
    .addColumn("previous_area_code", "text")
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending', 'approved', 'rejected', 'superseded', 'withdrawn')`),
    )
    // The reason a coordinator gave for a rejection (shown to the volunteer; never in the audit log).
    .addColumn("reason", "text")
    .addColumn("decided_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("decided_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("volunteer_applications_user_idx")
    .on("volunteer_applications")
    .columns(["user_id", "status"])
    .execute();
  // At most one open application of each kind per volunteer.
  await db.schema
    .createIndex("volunteer_applications_one_pending_idx")
    .on("volunteer_applications")
    .columns(["user_id", "kind"])
    .unique()
    .where(sql.ref("status"), "=", "pending")
    .execute();

  // Invite links. Only a keyed hash of the code is searchable; the code itself is kept
  // encrypted so that the inviter can see their link again.
  await db.schema
    .createTable("invites")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("code_hash", "text", (c) => c.notNull().unique())
    .addColumn("code_enc", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('volunteer', 'coordinator')`))
    .addColumn("area_code", "text", (c) => c.notNull())
    .addColumn("created_by", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("max_uses", "integer", (c) => c.notNull().check(sql`max_uses between 1 and 1000`))
    .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("invites_uses_check", sql`uses between 0 and max_uses`)
    .execute();
  await db.schema.createIndex("invites_created_by_idx").on("invites").columns(["created_by", "created_at"]).execute();

  await db.schema
    .createTable("invite_uses")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("invite_id", "integer", (c) => c.notNull().references("invites.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("used_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("invite_uses_once", ["invite_id", "user_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("invite_uses").execute();
  await db.schema.dropTable("invites").execute();
  await db.schema.dropTable("volunteer_applications").execute();
}
