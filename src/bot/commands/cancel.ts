import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCommand } from "./registry.js";

/** /batal (/cancel): leaves any flow. Installed before the flows so that it always works. */
export const cancelHandlers = new Composer<BotContext>();

guardedCommand(cancelHandlers, "batal", async (ctx) => {
  const active = Object.keys(ctx.conversation.active());
  await ctx.conversation.exitAll();
  await ctx.reply(ctx.t(active.length > 0 ? "cancel.done" : "cancel.nothing"), {
    reply_markup: { remove_keyboard: true },
  });
});
