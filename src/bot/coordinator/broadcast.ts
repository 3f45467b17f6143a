import { Composer, InlineKeyboard } from "grammy";
import { enterFlowFromButton } from "../flow-entry.js";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { isWithinArea } from "../access.js";
import { BROADCAST_COMPOSE } from "../../flows/coordinator/index.js";
import {
  cancelBroadcast,
  deliveryCounts,
  findBroadcast,
  recentBroadcasts,
  type Broadcast,
} from "../../db/queries/broadcasts.js";
import { regionLabel } from "../../db/queries/regions.js";
import { audit } from "../../db/queries/audit.js";
import { broadcastProgressText, formatCount } from "../../domain/broadcast.js";
import type { User } from "../../db/schema.js";
import { areaName, showTapped, staffArea, when, zoneOf } from "./common.js";

export const broadcastHandlers = new Composer<BotContext>();

const HISTORY = 5;

/** Who may stop a broadcast: its author, and staff whose area contains the broadcast's area. */
function mayManage(user: User, b: Broadcast): boolean {
  if (user.role === "admin") return true;
  if (b.created_by === user.id) return true;
  return user.role === "coordinator" && user.area_code !== null && b.area_code !== null && isWithinArea(b.area_code, user.area_code);
}

async function audienceText(ctx: BotContext, b: Broadcast): Promise<string> {
  if (b.audience_kind === "region" && b.audience_code) {
    return ctx.t("siaran.aud_desc_region", { region: (await regionLabel(ctx.db, b.audience_code, { full: false })) ?? b.audience_code });
  }
  return ctx.t(`siaran.aud_desc_${b.audience_kind}`, { area: await areaName(ctx, b.area_code) });
}

async function historyLine(ctx: BotContext, b: Broadcast): Promise<string> {
  const zone = await zoneOf(ctx.db, b.area_code);
  const counts = b.status === "sending" ? await deliveryCounts(ctx.db, b.id) : null;
  const f = (n: number) => formatCount(n, ctx.locale);
  return ctx.t("siaran.history_item", {
    id: b.id,
    when: when(ctx, b.created_at, zone),
    audience: await audienceText(ctx, b),
    state: ctx.t(`siaran.state_${b.status}`),
    sent: f(counts ? counts.sent : b.sent_count),
    total: f(b.total),
    failed: f(counts ? counts.failed : b.failed_count),
    unreachable: f(counts ? counts.unreachable : b.unreachable_count),
  });
}

guardedCommand(broadcastHandlers, "siaran", async (ctx) => {
  const user = ctx.user!;
  if (user.role === "coordinator" && !user.area_code) {
    await ctx.reply(ctx.t("koordinator.no_area"));
    return;
  }
  const list = await recentBroadcasts(ctx.db, user, HISTORY);
  const lines = [ctx.t("siaran.menu", { area: await areaName(ctx, staffArea(user)) })];
  if (list.length === 0) lines.push("", ctx.t("siaran.history_none"));
  else {
    lines.push("", ctx.t("siaran.history_header", { count: list.length }));
    for (const b of list) lines.push(await historyLine(ctx, b));
  }
  const kb = new InlineKeyboard().text(ctx.t("siaran.btn_new"), "bc:new");
  for (const b of list) if (b.status === "sending" && mayManage(user, b)) kb.row().text(ctx.t("siaran.btn_stop_id", { id: b.id }), `bc:stop:${b.id}`);
  await ctx.reply(lines.join("\n"), { reply_markup: kb });
});

guardedCallback(broadcastHandlers, "bc:new", "staff", async (ctx) => {
  await enterFlowFromButton(ctx, BROADCAST_COMPOSE);
});

guardedCallback(broadcastHandlers, /^bc:stop:(\d+)$/, "staff", async (ctx) => {
  const user = ctx.user!;
  const b = await findBroadcast(ctx.db, Number(ctx.match?.[1]));
  if (!b || !mayManage(user, b)) {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours"), show_alert: true });
    return;
  }
  const stopped = await cancelBroadcast(ctx.db, b.id, ctx.deps.now());
  if (!stopped) {
    await ctx.answerCallbackQuery({ text: ctx.t("siaran.already_finished"), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery({ text: ctx.t("siaran.stopped_toast") });
  await audit(ctx.db, { actorId: user.id, action: "broadcast.cancelled", entity: "broadcast", entityId: b.id, details: {} });
  const counts = await deliveryCounts(ctx.db, b.id);
  const text = broadcastProgressText(
    ctx.t,
    ctx.locale,
    {
      id: b.id,
      status: "cancelled",
      total: stopped.total,
      sent: counts.sent,
      failed: counts.failed,
      unreachable: counts.unreachable,
      open: counts.pending + counts.sending,
    },
    true,
  );
  await showTapped(ctx, text);
  const tapped = ctx.callbackQuery?.message;
  if (b.progress_chat_id && b.progress_message_id && !(tapped && tapped.message_id === b.progress_message_id && tapped.chat.id === b.progress_chat_id)) {
    await ctx.api.editMessageText(b.progress_chat_id, b.progress_message_id, text).catch(() => undefined);
  }
});
