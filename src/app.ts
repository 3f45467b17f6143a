import type { Bot, BotConfig } from "grammy";
import { sql } from "kysely";
import type { Config } from "./config.js";
import { createDb, type DbHandle } from "./db/client.js";
import { migrateToLatest } from "./db/migrate.js";
import { AppClockPlugin } from "./db/clock-plugin.js";
import { createI18n } from "./i18n.js";
import type { Logger } from "./logger.js";
import { createPiiCrypto, loadPiiKey } from "./pii.js";
import type { AppDeps, BotContext } from "./bot/context.js";
import { createAppOutbox, createBot } from "./bot/index.js";
import type { Outbox } from "./bot/outbox.js";
import { createJobQueue, createJobWorker, type JobWorker } from "./bot/jobs.js";
import { FEATURES, type Feature } from "./bot/features.js";
import { createBroadcastSender, type BroadcastSender } from "./bot/coordinator/broadcast-sender.js";

export interface App {
  config: Config;
  deps: AppDeps;
  bot: Bot<BotContext>;
  dbHandle: DbHandle;
  worker: JobWorker;
  /** Delivers broadcasts (coordinator tools); main.ts starts it next to the worker. */
  broadcasts: BroadcastSender;
  /** Sends each update's Bot API calls after its COMMIT (src/bot/outbox.ts). */
  outbox: Outbox;
  /** Stops the broadcast sender and the job worker, and closes the database. */
  close(): Promise<void>;
}

/** Thrown when the database cannot be reached or prepared at start-up. */
export class StartupError extends Error {
  override name = "StartupError";
}

function describeDbTarget(config: Config): string {
  if (!config.DATABASE_URL) return `embedded PGlite in ${config.PGLITE_DIR}`;
  const url = new URL(config.DATABASE_URL);
  return `PostgreSQL at ${url.hostname}:${url.port || "5432"}${url.pathname}`;
}

/**
 * Composition root shared by main, the simulator, tests and the benchmark: database
 * (migrated), i18n, PII crypto, job queue and the bot. Nothing starts polling here.
 */
export async function createApp(
  config: Config,
  opts: {
    logger: Logger;
    botConfig?: BotConfig<BotContext>;
    dbHandle?: DbHandle;
    now?: () => Date;
    migrate?: boolean;
    /** The features to assemble (default: all of them). */
    features?: readonly Feature[];
  },
): Promise<App> {
  const dbHandle = opts.dbHandle ?? (await createDb({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, logger: opts.logger }));
  try {
    try {
      await sql`select 1`.execute(dbHandle.db);
    } catch (err) {
      throw new StartupError(`Cannot reach the database (${describeDbTarget(config)}): ${(err as Error).message}`);
    }
    if (opts.migrate !== false) {
      const ran = await migrateToLatest(dbHandle.db);
      if (ran.length > 0) opts.logger.info({ migrations: ran }, "database migrated");
    }
    const piiKey = loadPiiKey({ envKey: config.PII_KEY, keyFile: config.PII_KEY_FILE });
    if (piiKey.source === "new-file") opts.logger.warn({ file: config.PII_KEY_FILE }, "created a local PII key file (set PII_KEY in production)");
    const i18n = createI18n(config.DEFAULT_LOCALE);
    const now = opts.now ?? (() => new Date());
    const deps: AppDeps = {
      config,
      // Every write stamps its "written at" columns with the app clock (one clock).
      db: dbHandle.db.withPlugin(new AppClockPlugin(now)),
      i18n,
      logger: opts.logger,
      pii: createPiiCrypto(piiKey.key),
      now,
      jobs: createJobQueue(now),
    };
    const features = opts.features ?? FEATURES;
    const outbox = createAppOutbox(deps);
    const bot = createBot(deps, opts.botConfig, features, outbox);
    const worker = createJobWorker({
      deps,
      api: bot.api,
      jobs: features.flatMap((f) => f.jobs ?? []),
      tickers: features.flatMap((f) => f.tickers ?? []),
    });
    const broadcasts = createBroadcastSender({
      deps,
      api: bot.api,
      leaseSeconds: config.BROADCAST_LEASE_SECONDS,
      senderLeaseSeconds: Math.min(30, config.BROADCAST_LEASE_SECONDS),
    });
    return {
      config,
      deps,
      bot,
      dbHandle,
      worker,
      broadcasts,
      outbox,
      async close() {
        await broadcasts.stop();
        await worker.stop();
        // Replies of updates already committed still go out (and their ids are recorded).
        await outbox.drain(30_000);
        await dbHandle.close();
      },
    };
  } catch (err) {
    await dbHandle.close().catch(() => undefined);
    throw err;
  }
}
