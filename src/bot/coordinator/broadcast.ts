import { z } from "zod";
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { enterFlowFromButton } from "../flow-entry.js";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { isWithinArea } from "../access.js";
import { BROADCAST_COMPOSE } from "../../flows/coordinator/index.js";
import {
  BROADCAST_ACK_JOBS,
  ackLists,
  acknowledgeDelivery,
  cancelBroadcast,
  deliveryCounts,
  findBroadcast,
  queueAckReminder,
  recentBroadcasts,
  type AckPerson,
  type Broadcast,
} from "../../db/queries/broadcasts.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import { findUserById } from "../../db/queries/users.js";
import { isLocale, type TFunction } from "../../i18n.js";
import { defineJob } from "../jobs.js";
import { describeError } from "../errors.js";
import { ackLine } from "./broadcast-sender.js";
import { BC, BK } from "../../ui/coordinator/callback-data.js";
import { regionLabel } from "../../db/queries/regions.js";
import { audit } from "../../db/queries/audit.js";
import { broadcastProgressText, formatCount } from "../../domain/broadcast.js";
import { formatLocalDateTime } from "../../domain/onboarding.js";
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
  const ack = b.ack_requested ? `\n   ${await ackLine(ctx.db, ctx.t, ctx.locale, b.id)}` : "";
  return ctx.t("siaran.history_item", {
    id: b.id,
    when: when(ctx, b.created_at, zone),
    audience: await audienceText(ctx, b),
    state: ctx.t(`siaran.state_${b.status}`),
    sent: f(counts ? counts.sent : b.sent_count),
    total: f(b.total),
    failed: f(counts ? counts.failed : b.failed_count),
    unreachable: f(counts ? counts.unreachable : b.unreachable_count),
  }) + ack;
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
  const kb = new InlineKeyboard().text(ctx.t("siaran.btn_new"), BC.encode("new", {}));
  for (const b of list) if (b.status === "sending" && mayManage(user, b)) kb.row().text(ctx.t("siaran.btn_stop_id", { id: b.id }), BC.encode("stop", { id: b.id }));
  for (const b of list) if (b.ack_requested && mayManage(user, b)) kb.row().text(ctx.t("siaran.btn_ack_report_id", { id: b.id }), BK.encode("r", { id: b.id }));
  await ctx.reply(lines.join("\n"), { reply_markup: kb });
});

guardedCallback(broadcastHandlers, BC.match("new"), "staff", async (ctx) => {
  await enterFlowFromButton(ctx, BROADCAST_COMPOSE);
});

guardedCallback(broadcastHandlers, BC.match("stop"), "staff", async (ctx) => {
  const user = ctx.user!;
  const tap = BC.parse("stop", ctx);
  const b = tap ? await findBroadcast(ctx.db, tap.id) : undefined;
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

// === Acknowledged broadcasts ("minta konfirmasi baca")

/** Every 10 s at most, the progress message shows the new count of confirmations. */
const ACK_PROGRESS_MS = 10_000;

async function scheduleAckProgress(db: BotContext["db"], broadcastId: number, now: Date): Promise<void> {
  const slot = Math.floor(now.getTime() / ACK_PROGRESS_MS) + 1;
  await enqueueJob(db, BROADCAST_ACK_JOBS.progress, { broadcastId }, { key: `broadcast-ack-progress:${broadcastId}:${slot}`, runAt: new Date(slot * ACK_PROGRESS_MS) });
}

/**
 * "👍 Sudah dibaca": counts once, and only for the tapping user's own delivery of that
 * broadcast — a forged or forwarded button changes nothing.
 */
guardedCallback(broadcastHandlers, BK.match("a"), "anyone", async (ctx) => {
  const tap = BK.parse("a", ctx);
  const user = ctx.user;
  if (!tap || !user) {
    await ctx.answerCallbackQuery({ text: ctx.t("siaran.ack_not_yours").slice(0, 200), show_alert: true });
    return;
  }
  const now = ctx.deps.now();
  const outcome = await acknowledgeDelivery(ctx.db, tap.id, user.id, now);
  if (outcome === "not_recipient") {
    await ctx.answerCallbackQuery({ text: ctx.t("siaran.ack_not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery({ text: ctx.t(outcome === "acked" ? "siaran.ack_thanks" : "siaran.ack_already").slice(0, 200) });
  if (outcome === "acked") await scheduleAckProgress(ctx.db, tap.id, now);
  // The button has done its job: take it off the message.
  await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
});

function personLine(t: TFunction, p: AckPerson, when: string | null): string {
  const name = p.name ?? (p.username ? `@${p.username}` : t("siaran.ack_unnamed"));
  return when ? t("siaran.ack_person_when", { name, when }) : t("siaran.ack_person", { name });
}

/** Who confirmed (with when) and who did not yet, for the coordinator. */
async function ackReportText(db: BotContext["db"], t: TFunction, locale: string, b: Broadcast): Promise<string> {
  const lists = await ackLists(db, b.id, 40);
  const zone = await zoneOf(db, b.area_code);
  const lines = [t("siaran.ack_report_title", { id: b.id }), await ackLine(db, t, locale, b.id), "", t("siaran.ack_confirmed", { n: lists.confirmedTotal })];
  for (const p of lists.confirmed) lines.push(personLine(t, p, p.acked_at ? formatLocalDateTime(p.acked_at, locale === "en" ? "en" : "id", zone) : null));
  if (lists.confirmedTotal > lists.confirmed.length) lines.push(t("siaran.ack_more", { n: lists.confirmedTotal - lists.confirmed.length }));
  lines.push("", t("siaran.ack_waiting", { n: lists.waitingTotal }));
  for (const p of lists.waiting) lines.push(personLine(t, p, null));
  if (lists.waitingTotal > lists.waiting.length) lines.push(t("siaran.ack_more", { n: lists.waitingTotal - lists.waiting.length }));
  if (b.ack_reminded_at) lines.push("", t("siaran.ack_reminded_note"));
  return lines.join("\n").slice(0, 4096);
}

guardedCallback(broadcastHandlers, BK.match("r"), "staff", async (ctx) => {
  const tap = BK.parse("r", ctx);
  const b = tap ? await findBroadcast(ctx.db, tap.id) : undefined;
  if (!b || !b.ack_requested || !mayManage(ctx.user!, b) || ctx.chat?.type !== "private") {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.reply(await ackReportText(ctx.db, ctx.t, ctx.locale, b));
});

/**
 * BROADCAST_ACK_HOURS after an acknowledged broadcast: one reminder to everyone it reached who
 * did not confirm (queued through the broadcast sender, once — whatever restarts or other
 * processes do), and the list of them for the sender.
 */
export const broadcastAckRemindJob = defineJob(BROADCAST_ACK_JOBS.remind, z.object({ broadcastId: z.number().int() }), async ({ deps, log }, p) => {
  const now = deps.now();
  const r = await deps.db.transaction().execute(async (trx) => {
    const queued = await queueAckReminder(trx, p.broadcastId, now);
    if (!queued) return null;
    if (queued.reminded > 0) await enqueueJob(trx, "broadcast-drain", {}, { now });
    await enqueueJob(trx, BROADCAST_ACK_JOBS.progress, { broadcastId: p.broadcastId, list: true }, { key: `broadcast-ack-list:${p.broadcastId}`, now });
    return queued;
  });
  if (r) log.info({ broadcastId: p.broadcastId, reminded: r.reminded }, "acknowledged broadcast: reminders queued");
});

/**
 * The progress message with the current count of confirmations (once the sender is done
 * with it), or — with `list` — the list of those who did not confirm, for the sender.
 */
export const broadcastAckProgressJob = defineJob(
  BROADCAST_ACK_JOBS.progress,
  z.object({ broadcastId: z.number().int(), list: z.boolean().optional() }),
  async ({ deps, api, log }, p) => {
    const b = await findBroadcast(deps.db, p.broadcastId);
    if (!b || !b.ack_requested) return;
    const author = b.created_by ? await findUserById(deps.db, b.created_by) : undefined;
    const locale = author && isLocale(author.locale) ? author.locale : deps.i18n.defaultLocale;
    const t = deps.i18n.t(locale);
    const chatId = b.progress_chat_id ?? author?.telegram_id;
    if (!chatId) return;
    if (p.list) {
      const text = `${t("siaran.ack_list_intro", { id: b.id, hours: deps.config.BROADCAST_ACK_HOURS })}\n\n${await ackReportText(deps.db, t, locale, b)}`;
      await api
        .sendMessage(chatId, text.slice(0, 4096), { parse_mode: "HTML" })
        .catch((err) => log.warn({ broadcastId: b.id, err: describeError(err) }, "ack list not delivered"));
      return;
    }
    if (b.status === "sending" || !b.progress_message_id) return; // the sender shows the count while it sends
    const counts = await deliveryCounts(deps.db, b.id);
    const text = `${broadcastProgressText(
      t,
      locale,
      { id: b.id, status: b.status, total: b.total, sent: counts.sent, failed: counts.failed, unreachable: counts.unreachable, open: counts.pending + counts.sending },
      true,
    )}\n${await ackLine(deps.db, t, locale, b.id)}`;
    try {
      await api.editMessageText(chatId, b.progress_message_id, text, {
        parse_mode: "HTML",
        reply_markup: new InlineKeyboard().text(t("siaran.btn_ack_report"), BK.encode("r", { id: b.id })),
      });
    } catch (err) {
      if (!(err instanceof GrammyError && err.error_code === 400)) log.warn({ broadcastId: b.id, err: describeError(err) }, "could not show confirmations");
    }
  },
);

export const broadcastAckJobs = [broadcastAckRemindJob, broadcastAckProgressJob];
