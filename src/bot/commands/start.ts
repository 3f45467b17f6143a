import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "./registry.js";
import { helpText } from "./help.js";

/**
 * A handler for `/start <payload>` deep links with a given prefix (e.g. "inv_" for invites);
 * it gets the payload after the prefix. Features list theirs in `Feature.startPayloads`.
 */
export type StartPayloadHandler = (ctx: BotContext, rest: string) => Promise<void>;

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

/** /start, with the deep-link payload handlers the features contribute. */
export function createStartHandlers(payloads: ReadonlyMap<string, StartPayloadHandler>): Composer<BotContext> {
  const startHandlers = new Composer<BotContext>();
  guardedCommand(startHandlers, "start", async (ctx) => {
  const payload = typeof ctx.match === "string" ? ctx.match.trim() : "";
  if (payload !== "") {
    for (const [prefix, handler] of payloads) {
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
  return startHandlers;
}
