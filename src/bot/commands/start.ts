import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "./registry.js";
import { helpText } from "./help.js";

/**
 * Handlers for `/start <payload>` deep links, by payload prefix (e.g. "inv_" for invites).
 * A feature registers its prefix here; the payload after the prefix is passed on.
 */
export type StartPayloadHandler = (ctx: BotContext, rest: string) => Promise<void>;
export const startPayloadHandlers = new Map<string, StartPayloadHandler>();

/** What a person sees first; the choices depend on who they are. */
export async function showHome(ctx: BotContext): Promise<void> {
  const user = ctx.user;
  if (!user || user.role === "beneficiary") {
    const kb = new InlineKeyboard()
      .text(ctx.t("start.i_am_volunteer"), "start:volunteer")
      .row()
      .text(ctx.t("start.check_status"), "start:status")
      .row()
      .text(ctx.t("start.i_am_coordinator"), "start:coordinator");
    await ctx.reply(ctx.t("start.welcome_new", { name: ctx.from?.first_name ?? "" }), { reply_markup: kb });
    return;
  }
  if (user.role === "volunteer" && user.status === "pending") {
    await ctx.reply(ctx.t("start.pending"));
    return;
  }
  if (user.status === "rejected") {
    await ctx.reply(ctx.t("start.rejected", { reason: user.status_reason ?? "-" }));
    return;
  }
  if (user.status === "suspended") {
    await ctx.reply(ctx.t("start.suspended"));
    return;
  }
  await ctx.reply(`${ctx.t("start.welcome_back", { name: user.name ?? ctx.from?.first_name ?? "" })}\n\n${helpText(ctx)}`);
}

export const startHandlers = new Composer<BotContext>();

guardedCommand(startHandlers, "start", async (ctx) => {
  const payload = typeof ctx.match === "string" ? ctx.match.trim() : "";
  if (payload !== "") {
    for (const [prefix, handler] of startPayloadHandlers) {
      if (payload.startsWith(prefix)) {
        await handler(ctx, payload.slice(prefix.length));
        return;
      }
    }
    ctx.log.info("unknown start payload");
  }
  await showHome(ctx);
});

guardedCallback(startHandlers, "start:coordinator", "anyone", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("start.coordinator_by_invite"));
});
