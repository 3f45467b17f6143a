import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { allCommandNames } from "./registry.js";

/**
 * Installed last: whatever no handler took. Stale buttons get a short answer (so the
 * spinner stops), unknown commands and stray messages a pointer to /bantuan, and a chat whose
 * unfinished flow was dropped by a deploy is told so.
 */
export const fallbackHandlers = new Composer<BotContext>();

const known = () => allCommandNames();

fallbackHandlers.on("callback_query", async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
  if (ctx.staleFlow && ctx.chat?.type === "private") {
    await ctx.reply(ctx.t("errors.flow_outdated"), { reply_markup: { remove_keyboard: true } });
  }
});

fallbackHandlers.chatType("private").on("message", async (ctx) => {
  if (ctx.staleFlow) {
    await ctx.reply(ctx.t("errors.flow_outdated"), { reply_markup: { remove_keyboard: true } });
    return;
  }
  const text = ctx.message.text;
  if (text?.startsWith("/")) {
    const name = text.slice(1).split(/[\s@]/)[0]?.toLowerCase() ?? "";
    await ctx.reply(ctx.t(known().has(name) ? "common.command_not_here" : "common.unknown_command", { command: `/${name}` }));
    return;
  }
  await ctx.reply(ctx.t("common.not_understood"));
});

fallbackHandlers.chatType("private").on("edited_message", async () => {
  // Edits outside a flow change nothing; stay quiet rather than answer every correction.
});
