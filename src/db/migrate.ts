import { Migrator, NO_MIGRATIONS, type Kysely, type MigrationResultSet } from "kysely";
import { migrations } from "./migrations/index.js";
import type { Database } from "./schema.js";

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

function check(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName;
    const err = result.error instanceof Error ? result.error : new Error(String(result.error));
    err.message = `migration ${failed ?? "?"} failed: ${err.message}`;
    throw err;
  }
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * Brings the schema up to date. Kysely's migrator takes a lock in the database (an advisory
 * lock on PostgreSQL), so several processes starting at once are safe. Returns what ran.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  return check(await migrator(db).migrateToLatest());
}

/** Undoes every migration (used by the migration test to prove `down` works). */
export async function migrateDownAll(db: Kysely<Database>): Promise<string[]> {
  return check(await migrator(db).migrateTo(NO_MIGRATIONS));
}

/** True when every known migration has been applied (readiness). */
export async function isSchemaCurrent(db: Kysely<Database>): Promise<boolean> {
  const list = await migrator(db).getMigrations();
  return list.every((m) => m.executedAt !== undefined);
}
