import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { inject } from "vitest";
import { createPgliteDb, createPgDb, type DbHandle } from "../../src/db/client.js";
import type { Logger } from "../../src/logger.js";

/**
 * A fresh, migrated database for one test file: a copy of the template database on the
 * PostgreSQL at TEST_DATABASE_URL when set, otherwise PGlite loaded from the migrated
 * snapshot. `close()` drops the copy.
 */
export async function freshDb(opts: { logger?: Logger } = {}): Promise<DbHandle> {
  const pgUrl = process.env.TEST_DATABASE_URL;
  const template = inject("pgTemplate");
  if (pgUrl && template) {
    const name = `pendamping_t_${randomBytes(6).toString("hex")}`;
    const admin = createPgDb({ url: pgUrl, max: 1 });
    await sql.raw(`create database ${name} template ${template}`).execute(admin.db);
    await admin.close();
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    const handle = createPgDb({ url: url.toString(), logger: opts.logger, max: 5 });
    return {
      ...handle,
      async close() {
        await handle.close();
        const a = createPgDb({ url: pgUrl, max: 1 });
        await sql.raw(`drop database if exists ${name} with (force)`).execute(a.db).catch(() => undefined);
        await a.close();
      },
    };
  }
  const snapshot = readFileSync(inject("pgliteSnapshot"));
  return createPgliteDb({ logger: opts.logger, loadDataDir: new Blob([snapshot]) });
}
