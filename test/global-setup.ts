import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { createPgliteDb, createPgDb } from "../src/db/client.js";
import { migrateToLatest } from "../src/db/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** PGlite data-dir snapshot of a migrated database (tar file path). */
    pgliteSnapshot: string;
    /** With TEST_DATABASE_URL: a migrated template database to copy per test file. */
    pgTemplate: string | null;
  }
}

/**
 * Runs once per test run: migrates one database and keeps it as a template, so that every
 * test file starts from its own fresh, migrated copy in well under a second.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "pendamping-test-"));
  const pgUrl = process.env.TEST_DATABASE_URL;
  let template: string | null = null;
  if (pgUrl) {
    template = `pendamping_tpl_${process.pid}`;
    const admin = createPgDb({ url: pgUrl, max: 1 });
    const { sql } = await import("kysely");
    await sql.raw(`drop database if exists ${template}`).execute(admin.db);
    await sql.raw(`create database ${template}`).execute(admin.db);
    const url = new URL(pgUrl);
    url.pathname = `/${template}`;
    const tpl = createPgDb({ url: url.toString(), max: 1 });
    await migrateToLatest(tpl.db);
    await tpl.close();
    await admin.close();
  }
  const snapshotPath = join(dir, "snapshot.tar");
  if (!pgUrl) {
    const h = await createPgliteDb({});
    await migrateToLatest(h.db);
    const blob = await h.pglite!.dumpDataDir("none");
    writeFileSync(snapshotPath, Buffer.from(await blob.arrayBuffer()));
    await h.close();
  }
  project.provide("pgliteSnapshot", snapshotPath);
  project.provide("pgTemplate", template);
  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (pgUrl && template) {
      const admin = createPgDb({ url: pgUrl, max: 1 });
      const { sql } = await import("kysely");
      await sql.raw(`drop database if exists ${template}`).execute(admin.db).catch(() => undefined);
      await admin.close();
    }
  };
}
