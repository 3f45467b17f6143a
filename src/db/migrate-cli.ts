import { die, loadConfig } from "../cli.js";
import { createLogger } from "../logger.js";
import { createDb, DatabaseLockedError } from "./client.js";
import { migrateToLatest } from "./migrate.js";

/**
 * `npm run migrate`: brings the database named by DATABASE_URL (or the embedded PGlite in
 * PGLITE_DIR) up to date and says what ran. The bot migrates at start-up too; this is for
 * deployments that migrate before they roll out new processes.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  let handle;
  try {
    handle = await createDb({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, logger });
  } catch (err) {
    if (err instanceof DatabaseLockedError) die(err.message);
    throw err;
  }
  try {
    const ran = await migrateToLatest(handle.db);
    process.stdout.write(ran.length === 0 ? "The database is up to date; no migration ran.\n" : `Migrated: ${ran.join(", ")}\n`);
  } catch (err) {
    die(`Migration failed: ${(err as Error).message}`);
  } finally {
    await handle.close();
  }
}

await main();
