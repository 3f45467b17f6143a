import type { BotContext } from "./context.js";

/**
 * Starts a flow from a button. While another flow is running in the chat, a tap on an older
 * message's button reaches the bot's handlers (flows pass foreign buttons on): entering a
 * second flow then would fail, so the person is asked to finish or cancel the first one.
 * Answers the callback query either way — the caller must not have answered it.
 */
export async function enterFlowFromButton(ctx: BotContext, id: string, ...args: unknown[]): Promise<boolean> {
  if (Object.keys(ctx.conversation.active()).length > 0) {
    await ctx.answerCallbackQuery({ text: ctx.t("flow.finish_first").slice(0, 200), show_alert: true });
    return false;
  }
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(id, ...args);
  return true;
}
