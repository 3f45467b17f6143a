import { sql, type Kysely } from "kysely";

// Migrations use Kysely<any>: they are frozen in time and must not follow later schema types.
// One statement per call: PGlite cannot run several commands in one prepared statement.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("telegram_id", "bigint", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) =>
      c.notNull().check(sql`role in ('volunteer', 'coordinator', 'admin', 'beneficiary')`),
    )
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending', 'active', 'rejected', 'suspended')`),
    )
    .addColumn("name", "text")
    .addColumn("phone", "text")
    .addColumn("locale", "text", (c) => c.notNull().defaultTo("id"))
    .addColumn("area_code", "text")
    .addColumn("username", "text")
    .addColumn("status_reason", "text")
    .addColumn("decided_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("decided_at", "timestamptz")
    .addColumn("unreachable_at", "timestamptz")
    .addColumn("last_active_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("users_role_status_area_idx").on("users").columns(["role", "status", "area_code"]).execute();

  await db.schema
    .createTable("conversation_state")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("state", "jsonb", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("actor_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("entity", "text", (c) => c.notNull())
    .addColumn("entity_id", "text")
    .addColumn("details", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("audit_log_entity_idx").on("audit_log").columns(["entity", "entity_id"]).execute();
  await db.schema.createIndex("audit_log_created_idx").on("audit_log").column("created_at").execute();

  await db.schema
    .createTable("processed_update")
    .addColumn("update_id", "bigint", (c) => c.primaryKey())
    .addColumn("processed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("processed_update_at_idx").on("processed_update").column("processed_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("processed_update").execute();
  await db.schema.dropTable("audit_log").execute();
  await db.schema.dropTable("conversation_state").execute();
  await db.schema.dropTable("users").execute();
}
