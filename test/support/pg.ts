import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { sql } from "kysely";
import { inject } from "vitest";
import { createPgDb } from "../../src/db/client.js";

/** The PostgreSQL of TEST_DATABASE_URL, when the suite runs against one. */
export const PG_URL = process.env.TEST_DATABASE_URL;

/**
 * A fresh, migrated PostgreSQL database (a copy of the run's template) that several pools or
 * processes can share, unlike `freshDb()`'s single handle. `drop()` removes it.
 */
export async function scratchDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const template = inject("pgTemplate");
  if (!PG_URL || !template) throw new Error("scratchDatabase needs TEST_DATABASE_URL");
  const name = `pendamping_s_${randomBytes(6).toString("hex")}`;
  const admin = createPgDb({ url: PG_URL, max: 1 });
  await sql.raw(`create database ${name} template ${template}`).execute(admin.db);
  await admin.close();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const a = createPgDb({ url: PG_URL!, max: 1 });
      await sql.raw(`drop database if exists ${name} with (force)`).execute(a.db).catch(() => undefined);
      await a.close();
    },
  };
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
