import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parseConfig, type Config } from "../../src/config.js";
import { createApp, type App } from "../../src/app.js";
import { createLogger } from "../../src/logger.js";
import type { BotContext } from "../../src/bot/context.js";
import { createFakeTelegram, type FakeTelegram } from "./fake-telegram.js";
import { createChatDriver, type ChatDriver } from "./chat.js";
import { botInfo } from "./bot-info.js";
import { freshDb } from "./db.js";
import type { DbHandle } from "../../src/db/client.js";
import type { Feature } from "../../src/bot/features.js";

/** Everything a bot test needs: the real app on a fresh database, a fake Telegram, a driver. */
export interface TestApp {
  app: App;
  fake: FakeTelegram;
  driver: ChatDriver<BotContext>;
  /** Every log line the app wrote (JSON strings), to assert that no PII is logged. */
  logs: string[];
  /** Adjustable clock (ms). */
  clock: { now: number };
  /** Builds a second bot on the same database (a restart). */
  restart(): Promise<TestApp>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Start time; default 2026-11-28T02:00:00Z (09:00 WIB). */
  start?: Date;
  dbHandle?: DbHandle;
  errors?: "throw" | "catch";
  /** The features to assemble (default: all). */
  features?: readonly Feature[];
}

export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const logs: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  const dir = mkdtempSync(join(tmpdir(), "pendamping-app-"));
  const config: Config = parseConfig({
    PII_KEY_FILE: join(dir, "pii.key"),
    PGLITE_DIR: join(dir, "pglite"),
    LOG_LEVEL: "debug",
    ...opts.env,
  });
  const clock = { now: (opts.start ?? new Date("2026-11-28T02:00:00Z")).getTime() };
  const dbHandle = opts.dbHandle ?? (await freshDb());
  const build = async (reuse?: { fake: FakeTelegram; firstUpdateId: number }): Promise<TestApp> => {
    const fake = reuse?.fake ?? createFakeTelegram({ botInfo, now: () => clock.now });
    const app = await createApp(config, {
      logger,
      dbHandle,
      features: opts.features,
      now: () => new Date(clock.now),
      botConfig: { botInfo, client: { fetch: fake.fetch as never } },
    });
    const driver = createChatDriver<BotContext>({
      bot: app.bot,
      fake,
      botInfo,
      errors: opts.errors ?? "catch",
      firstUpdateId: reuse?.firstUpdateId,
    });
    return {
      app,
      fake,
      driver,
      logs,
      clock,
      // A new app (bot, i18n, crypto) on the same database and the same fake Telegram: what a
      // process restart looks like from the chat. Users must be re-created with driver.user().
      restart: async () => {
        await app.worker.stop();
        return build({ fake, firstUpdateId: driver.nextUpdateId() });
      },
      close: async () => {
        await app.close();
      },
    };
  };
  return build();
}
