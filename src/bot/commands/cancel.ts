import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCommand } from "./registry.js";
import { formFlowLabel } from "../flow-entry.js";

/**
 * /batal (/cancel): leaves any flow. Installed before the flows so that it always works.
 * Forms built on the form kit get the command themselves: one with answers asks first
 * ("Ya, hentikan" / "Lanjutkan mengisi"), one without leaves at once.
 */
export const cancelHandlers = new Composer<BotContext>();

guardedCommand(cancelHandlers, "batal", async (ctx, next) => {
  const active = Object.keys(ctx.conversation.active());
  if (active.length > 0 && active.every((id) => formFlowLabel(id) !== undefined)) return next();
  await ctx.conversation.exitAll();
  await ctx.reply(ctx.t(active.length > 0 ? "cancel.done" : "cancel.nothing"), {
    reply_markup: { remove_keyboard: true },
  });
});
