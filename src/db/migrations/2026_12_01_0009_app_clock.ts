import type { Kysely } from "kysely";

// Times come from the app clock only (src/db/clock-plugin.ts writes them): the "written at"
// columns lose the database defaults the first migrations gave them, so that nothing takes
// the database server's clock by accident.
const COLUMNS: Array<[string, string]> = [
  ["users", "created_at"],
  ["users", "updated_at"],
  ["conversation_state", "updated_at"],
  ["audit_log", "created_at"],
  ["processed_update", "processed_at"],
  ["job", "run_at"],
  ["job", "created_at"],
  ["households", "status_changed_at"],
  ["households", "created_at"],
  ["households", "updated_at"],
  ["household_members", "created_at"],
  ["household_photos", "created_at"],
  ["household_consents", "created_at"],
  ["household_status_history", "changed_at"],
  ["household_kk_history", "replaced_at"],
  ["staff_notice", "created_at"],
  ["volunteer_applications", "created_at"],
  ["invites", "created_at"],
  ["invite_uses", "used_at"],
  ["status_subscriptions", "created_at"],
  ["visits", "created_at"],
  ["visit_media", "created_at"],
  ["alerts", "created_at"],
  ["alert_groups", "linked_at"],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await db.schema.alterTable(table).alterColumn(column, (c) => c.dropDefault()).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const { sql } = await import("kysely");
  for (const [table, column] of COLUMNS) {
    await db.schema.alterTable(table).alterColumn(column, (c) => c.setDefault(sql`now()`)).execute();
  }
}
