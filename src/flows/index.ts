import { conversations, createConversation, type ConversationBuilder } from "@grammyjs/conversations";
import type { Composer, MiddlewareFn } from "grammy";
import { autoRetry } from "@grammyjs/auto-retry";
import { createConversationStorage } from "../db/conversation-storage.js";
import type { BotContext, FlowContext } from "../bot/context.js";
import { isLocale, type I18n } from "../i18n.js";
import { htmlParseMode } from "../lib/html.js";

/**
 * Version of the flows' op sequences. Bump it whenever a deploy changes the order or number
 * of replies, API calls, waits or external calls in any flow: conversations stored by an
 * older version are then dropped (the user is told) instead of being replayed into new code.
 */
export const FLOWS_VERSION = 3;

/** A conversation with its stable, persisted id (never rename one without a version bump). */
export interface FlowDefinition {
  id: string;
  builder: ConversationBuilder<BotContext, FlowContext>;
}

/** What the handling of the update outside knows about it (its locale), found from `ctx.api`. */
export type UpdateFactsOf = (api: FlowContext["api"]) => { locale: string } | undefined;

/**
 * Inside a conversation: translations in the user's language. The conversation's `Api` is
 * built from the update's own (`src/bot/outbox.ts`), which records each new call and sends it
 * after COMMIT through the bot's `Api` (HTML parse mode, auto-retry); the outside facts of the
 * update (its locale) are found through it, with no async context. Run without an update's
 * outbox (never in the bot), calls go out directly and get HTML parse mode and auto-retry here.
 */
function insidePlugin(i18n: I18n, updateFactsOf: UpdateFactsOf): MiddlewareFn<FlowContext> {
  return async (ctx, next) => {
    const facts = updateFactsOf(ctx.api);
    // The locale only shapes message texts, which are not part of replay matching.
    const locale = facts && isLocale(facts.locale) ? facts.locale : i18n.defaultLocale;
    ctx.locale = locale;
    ctx.t = i18n.t(locale);
    if (!facts) {
      ctx.api.config.use(htmlParseMode);
      ctx.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true }));
    }
    await next();
  };
}

/**
 * Installs the conversations plugin (state in the database). Handlers installed after it and
 * before {@link installFlows} (such as /batal) see `ctx.conversation` and take precedence
 * over a running flow.
 */
export function installConversations(composer: Composer<BotContext>, i18n: I18n, updateFactsOf: UpdateFactsOf): void {
  composer.use(
    conversations<BotContext, FlowContext>({
      storage: createConversationStorage<BotContext>({ version: FLOWS_VERSION }),
      plugins: [insidePlugin(i18n, updateFactsOf)],
    }),
  );
}

/** Installs the given flows; handlers that enter a flow must come after this. */
export function installFlows(composer: Composer<BotContext>, flows: readonly FlowDefinition[]): void {
  const ids = new Set<string>();
  for (const flow of flows) {
    if (ids.has(flow.id)) throw new Error(`flow ${flow.id} is defined twice`);
    ids.add(flow.id);
    composer.use(createConversation(flow.builder, { id: flow.id }));
  }
}
