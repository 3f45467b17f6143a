import type { Config } from "./config.js";
import { die, loadConfig } from "./cli.js";
import { createLogger, type Logger } from "./logger.js";
import { createApp, StartupError, type App } from "./app.js";
import { DatabaseLockedError } from "./db/client.js";
import { registerDefaultCommands, scheduleCommandSync } from "./bot/commands/menu.js";
import { fetchBotInfo, startPolling } from "./bot/polling.js";
import { startWebhook } from "./bot/webhook.js";
import { runSimulator } from "./dev/simulator/index.js";
import { createDashboard, startDashboardServer } from "./web/server.js";

async function startApp(config: Config, opts: Omit<Parameters<typeof createApp>[1], "logger"> & { logger: Logger }): Promise<App> {
  try {
    return await createApp(config, opts);
  } catch (err) {
    if (err instanceof DatabaseLockedError || err instanceof StartupError) die(err.message);
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.BOT_TOKEN) {
    await runSimulator(config, (opts) => startApp(config, opts));
    return;
  }
  const logger = createLogger({ level: config.LOG_LEVEL });
  const app = await startApp(config, { logger });
  if (!config.DATABASE_URL) {
    logger.warn(
      "RUNNING ON THE EMBEDDED PGlite DATABASE. It has no fsync and serves one process: fine for trying the bot, " +
        "NOT for production. Set DATABASE_URL to a PostgreSQL database before real volunteers use this bot.",
    );
  }
  try {
    // getMe with a timeout and retries; the result is given to the bot, so that neither the
    // runner nor the webhook adapter waits on getMe again.
    app.bot.botInfo = await fetchBotInfo(app.bot.api, logger);
  } catch (err) {
    await app.close();
    die(`Could not reach Telegram at ${config.TELEGRAM_API_ROOT} with BOT_TOKEN: ${(err as Error).message}`);
  }
  await registerDefaultCommands(app.bot.api, app.deps.i18n).catch((err) =>
    logger.warn({ err: (err as Error).message }, "could not register the command menu"),
  );
  await scheduleCommandSync(app.deps);
  // The coordinator dashboard (WEB_APP_URL): built now, served by the webhook's HTTP server, or
  // in polling mode by a server of its own on PORT.
  const dashboard = config.WEB_APP_URL ? await createDashboard({ deps: app.deps, api: app.bot.api }) : undefined;
  const web = dashboard && config.BOT_MODE === "polling" ? await startDashboardServer(dashboard, { port: config.PORT, logger }) : undefined;
  app.worker.start();
  app.broadcasts.start();
  const updates: { stop(): Promise<void> } =
    config.BOT_MODE === "webhook"
      ? await startWebhook(app.bot, app.deps.db, logger, {
          port: config.PORT,
          secret: config.WEBHOOK_SECRET!,
          url: config.WEBHOOK_URL,
          ...(dashboard ? { web: dashboard.handle } : {}),
        })
      : await startPolling(app.bot, logger, { outbox: app.outbox });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight updates");
    try {
      // Stop taking updates, let the ones in flight finish, then stop jobs and the database.
      await updates.stop();
      await web?.stop();
      await app.close();
      logger.info("stopped");
    } catch (err) {
      logger.error({ err: (err as Error).message }, "error while shutting down");
      process.exitCode = 1;
    }
    logger.flush?.();
    process.exit();
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  die(`Pendamping could not start: ${(err as Error).message}`);
});
