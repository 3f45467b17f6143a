import { Bot, type BotConfig } from "grammy";
import { sequentialize } from "@grammyjs/runner";
import { autoRetry } from "@grammyjs/auto-retry";
import { installConversations, installFlows } from "../flows/index.js";
import { htmlParseMode } from "../lib/html.js";
import type { AppDeps, BotContext } from "./context.js";
import { createErrorHandler, describeError } from "./errors.js";
import { updateTransaction } from "./middleware/update-tx.js";
import { createOutbox, updateFactsOf, type Outbox } from "./outbox.js";
import { recordDeliveredIds } from "../db/update-prefetch.js";
import { conversationKey } from "../db/conversation-storage.js";
import { loadUser } from "./middleware/user.js";
import { cancelHandlers } from "./commands/cancel.js";
import { helpHandlers } from "./commands/help.js";
import { languageHandlers } from "./commands/language.js";
import { FEATURES, type Feature } from "./features.js";
import { createStartHandlers, type StartPayloadHandler } from "./commands/start.js";
import { fallbackHandlers } from "./commands/fallback.js";

/** Token used when no BOT_TOKEN is set (the local simulator never reaches Telegram). */
export const SIMULATOR_TOKEN = "1000000001:SIMULATOR-token-not-for-telegram";

/**
 * Builds the bot. The middleware order lives here and only here:
 * context → per-chat ordering → error boundary → update transaction → user → commands that
 * work inside flows (/batal, /bahasa, /bantuan) → flows → features → fallback.
 */
/** The outbox that sends an update's Bot API calls after its COMMIT (src/bot/outbox.ts). */
export function createAppOutbox(deps: AppDeps): Outbox {
  return createOutbox({
    db: deps.db,
    logger: deps.logger,
    i18n: deps.i18n,
    now: deps.now,
    recordIds: (db, entries, opts) => recordDeliveredIds(db, entries.map((e) => ({ ...e, key: conversationKey(e.chatId) })), opts),
  });
}

export function createBot(
  deps: AppDeps,
  botConfig: BotConfig<BotContext> = {},
  features: readonly Feature[] = FEATURES,
  outbox: Outbox = createAppOutbox(deps),
): Bot<BotContext> {
  const bot = new Bot<BotContext>(deps.config.BOT_TOKEN ?? SIMULATOR_TOKEN, {
    ...botConfig,
    client: { apiRoot: deps.config.TELEGRAM_API_ROOT, ...botConfig.client },
  });
  bot.api.config.use(htmlParseMode);
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true }));

  const cardActions = features.flatMap((f) => f.cardActions ?? []);
  bot.use(async (ctx, next) => {
    ctx.deps = deps;
    ctx.cardActions = cardActions;
    ctx.log = deps.logger.child({ update_id: ctx.update.update_id });
    ctx.db = deps.db;
    ctx.user = undefined;
    ctx.locale = deps.i18n.defaultLocale;
    ctx.t = deps.i18n.t(deps.i18n.defaultLocale);
    await next();
  });
  // Updates of one chat are handled one at a time, in order (the runner handles chats in parallel).
  bot.use(sequentialize((ctx: BotContext) => (ctx.chatId === undefined ? undefined : String(ctx.chatId))));

  const app = bot.errorBoundary(createErrorHandler());
  app.use(updateTransaction(outbox));
  app.use(loadUser());
  installConversations(app, deps.i18n, updateFactsOf);
  app.use(cancelHandlers, languageHandlers, helpHandlers);
  installFlows(app, features.flatMap((f) => f.flows ?? []));
  const payloads = new Map<string, StartPayloadHandler>();
  for (const f of features) {
    for (const [prefix, handler] of Object.entries(f.startPayloads ?? {})) {
      if (payloads.has(prefix)) throw new Error(`start payload prefix ${prefix} is claimed twice`);
      payloads.set(prefix, handler);
    }
  }
  app.use(createStartHandlers(payloads));
  for (const f of features) if (f.composer) app.use(f.composer);
  app.use(fallbackHandlers);

  bot.catch((err) => {
    deps.logger.error({ update_id: err.ctx.update.update_id, err: describeError(err.error) }, "unhandled error");
  });
  return bot;
}
