import { sql, type Kysely } from "kysely";

/**
 * Trust (issue 11):
 *
 * - `household_pins`: the family PIN of the status check, one per household, stored only as a
 *   keyed hash (HMAC with the PII key) with a random salt; issuing a new one replaces the old.
 *   Existing households have none until their volunteer or coordinator issues one (on the next
 *   visit; their volunteers are told once, by a job queued here); until then their status
 *   cannot be checked.
 * - Sessions opened with the old proof (birth date or the last four NIK digits, both readable
 *   off the NIK) are ended.
 * - An active coordinator always has an area: an active coordinator without one is suspended
 *   here (a coordinator without an area would have no scope anyway), and a constraint keeps
 *   it so.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("household_pins")
    .addColumn("household_id", "integer", (c) => c.primaryKey().references("households.id").onDelete("cascade"))
    .addColumn("pin_hash", "text", (c) => c.notNull())
    .addColumn("salt", "text", (c) => c.notNull())
    .addColumn("issued_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("issued_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.deleteFrom("status_sessions").execute();
  // Households registered before PINs existed: their volunteers are told, once, to give them
  // their PIN on the next visit (job "pin.migration", src/bot/beneficiary/pin.ts). Due at
  // once: its time is that of the newest household (no database clock).
  await sql`
    insert into job (name, payload, key, run_at, created_at)
    select 'pin.migration', '{}'::jsonb, 'pin-migration:v1', max(created_at), max(created_at)
    from households
    having count(*) > 0
    on conflict (key) do nothing`.execute(db);

  await db
    .updateTable("users")
    .set({ status: "suspended" })
    .where("role", "=", "coordinator")
    .where("status", "=", "active")
    .where("area_code", "is", null)
    .execute();
  await sql`alter table users add constraint users_active_coordinator_has_area check (role <> 'coordinator' or status <> 'active' or area_code is not null)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop constraint users_active_coordinator_has_area`.execute(db);
  await db.schema.dropTable("household_pins").execute();
}
