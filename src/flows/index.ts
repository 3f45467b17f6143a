import { conversations, createConversation, type ConversationBuilder } from "@grammyjs/conversations";
import type { Composer, MiddlewareFn } from "grammy";
import { autoRetry } from "@grammyjs/auto-retry";
import { createConversationStorage } from "../db/conversation-storage.js";
import type { BotContext, FlowContext } from "../bot/context.js";
import type { I18n } from "../i18n.js";
import { htmlParseMode } from "../lib/html.js";
import { updateScope } from "../lib/scope.js";

/**
 * Version of the flows' op sequences. Bump it whenever a deploy changes the order or number
 * of replies, API calls, waits or external calls in any flow: conversations stored by an
 * older version are then dropped (the user is told) instead of being replayed into new code.
 */
export const FLOWS_VERSION = 2;

/** A conversation with its stable, persisted id (never rename one without a version bump). */
export interface FlowDefinition {
  id: string;
  builder: ConversationBuilder<BotContext, FlowContext>;
}


/** Inside a conversation: translations in the user's language, and HTML parse mode. */
function insidePlugin(i18n: I18n): MiddlewareFn<FlowContext> {
  return async (ctx, next) => {
    // The locale only shapes message texts, which are not part of replay matching.
    const locale = updateScope.getStore()?.locale ?? i18n.defaultLocale;
    ctx.locale = locale;
    ctx.t = i18n.t(locale);
    ctx.api.config.use(htmlParseMode);
    ctx.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true }));
    await next();
  };
}

/**
 * Installs the conversations plugin (state in the database). Handlers installed after it and
 * before {@link installFlows} (such as /batal) see `ctx.conversation` and take precedence
 * over a running flow.
 */
export function installConversations(composer: Composer<BotContext>, i18n: I18n): void {
  composer.use(
    conversations<BotContext, FlowContext>({
      storage: createConversationStorage<BotContext>({ version: FLOWS_VERSION }),
      plugins: [insidePlugin(i18n)],
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
