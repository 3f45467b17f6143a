import { Composer } from "grammy";
import { approvalTopic, pendingApplicationsIn } from "../../db/queries/onboarding.js";
import { scopeOf, staffAreaOf } from "../../domain/scope.js";
import type { BotContext } from "../context.js";
import { guardedCommand } from "../commands/registry.js";
import { whenDelivered } from "../outbox.js";
import { loadApplicationNotice, renderApplicationNotice } from "./render.js";

/**
 * /persetujuan (/approvals): the applications still waiting in the coordinator's area,
 * oldest first. A coordinator appointed after someone applied (or an admin who had not yet
 * written to the bot) gets the same Approve / Reject messages the others got; they are
 * recorded under the application's topic, so the first decision updates them too.
 */
export const pendingApprovalHandlers = new Composer<BotContext>();

const MAX_SHOWN = 10;

guardedCommand(pendingApprovalHandlers, "persetujuan", async (ctx) => {
  const user = ctx.user!;
  const area = staffAreaOf(scopeOf(user));
  if (area === undefined) {
    await ctx.reply(ctx.t("access.no_area"));
    return;
  }
  const { rows: pending } = await pendingApplicationsIn(ctx.db, { area, excludeUserId: user.id, limit: MAX_SHOWN + 1 });
  if (pending.length === 0) {
    await ctx.reply(ctx.t("approval.none_pending"));
    return;
  }
  await ctx.reply(ctx.t("approval.pending_header", { count: Math.min(pending.length, MAX_SHOWN) }));
  for (const row of pending.slice(0, MAX_SHOWN)) {
    const notice = await loadApplicationNotice(ctx.db, row.id);
    if (!notice) continue;
    const r = renderApplicationNotice(ctx.t, ctx.locale, notice);
    const msg = await ctx.reply(r.text, r.reply_markup ? { reply_markup: r.reply_markup } : {});
    // Recorded with the real message id once the message is out (the first decision edits it).
    await whenDelivered(ctx, msg, async (db, sent) => {
      await db.insertInto("staff_notice").values({ topic: approvalTopic(row.id), user_id: user.id, chat_id: sent.chat.id, message_id: sent.message_id }).execute();
    });
  }
  if (pending.length > MAX_SHOWN) await ctx.reply(ctx.t("approval.more_pending", { count: MAX_SHOWN }));
});
