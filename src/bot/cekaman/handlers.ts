/**
 * /cekaman and every "ca:" button: the coordinators' menu, tally, closing and report; the
 * volunteers' checklists and answers; the families' answers; the help requests; the household
 * card's "prioritas bencana" flag. Every tap is checked again (role, scope, ownership),
 * whatever the button said; household data is shown in private chats only.
 *
 * @module
 */
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { enterFlowFromButton } from "../flow-entry.js";
import { showTapped } from "../coordinator/common.js";
import { renderHouseholdCard } from "../households/card.js";
import { audit } from "../../db/queries/audit.js";
import { findHousehold } from "../../db/queries/households.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import {
  CEKAMAN_JOBS,
  acknowledgeHelp,
  closeEvent,
  eventCounts,
  eventsWithin,
  familyHousehold,
  findEvent,
  findEventHousehold,
  findHelp,
  listedHousehold,
  recordAnswer,
  resolveHelp,
  saveTallyMessage,
  togglePriorityFlag,
  type CekamanEvent,
} from "../../db/queries/cekaman.js";
import { canViewHousehold } from "../../domain/access.js";
import { formatRefCode } from "../../domain/refcode.js";
import { STATUS_EMOJI } from "../../domain/cekaman.js";
import { CEKAMAN_ANSWER, CEKAMAN_SETUP, type CekamanAnswerArgs } from "../../flows/cekaman/index.js";
import { answerRole, isStaff, isStaffOf, mayManageEvent, staffArea } from "../../domain/cekaman-access.js";
import { CA_TRIGGERS, decodeCa, encodeCa, type CaAction } from "../../ui/cekaman/callback-data.js";
import { checklistModeFor, eventZone, regionsLabel, renderChecklist, renderFamily, renderHousehold, renderTally, whenLabel } from "../../ui/cekaman/render.js";

export const cekamanHandlers = new Composer<BotContext>();

const HISTORY = 5;

async function refuse(ctx: BotContext, key = "cekaman.not_yours"): Promise<void> {
  await ctx.answerCallbackQuery({ text: ctx.t(key).slice(0, 200), show_alert: true });
}

function isPrivate(ctx: BotContext): boolean {
  return ctx.chat?.type === "private";
}

// === /cekaman: running and past events

async function menu(ctx: BotContext): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const user = ctx.user!;
  const area = staffArea(user) ?? null;
  const running = (await eventsWithin(ctx.db, area, { status: "running", limit: 10 })).filter((e) => mayManageEvent(user, e));
  const past = (await eventsWithin(ctx.db, area, { status: "closed", limit: HISTORY })).filter((e) => mayManageEvent(user, e));
  const areaLabel = area ? await regionsLabel(ctx.db, [area]) : ctx.t("koordinator.whole_country");
  const lines = [ctx.t("cekaman.menu", { area: areaLabel })];
  const kb = new InlineKeyboard().text(ctx.t("cekaman.btn_new"), encodeCa({ a: "new" })).row();
  lines.push("", ctx.t("cekaman.menu_running"));
  if (running.length === 0) lines.push(ctx.t("cekaman.menu_none"));
  for (const e of running) {
    const c = await eventCounts(ctx.db, e.id);
    const zone = await eventZone(ctx.db, e);
    lines.push(
      ctx.t("cekaman.menu_item_running", {
        id: e.id,
        description: e.description,
        when: whenLabel(ctx.locale, e.started_at, zone),
        counts: `✅ ${c.aman} · 🆘 ${c.butuh_bantuan} · 🏠 ${c.mengungsi} · ❓ ${c.tidak_terhubung} · ⏳ ${c.pending}`,
      }),
    );
    kb.text(ctx.t("cekaman.btn_tally_id", { id: e.id }), encodeCa({ a: "tally", eventId: e.id })).text(ctx.t("cekaman.btn_close_id", { id: e.id }), encodeCa({ a: "close", eventId: e.id })).row();
  }
  lines.push("", ctx.t("cekaman.menu_past"));
  if (past.length === 0) lines.push(ctx.t("cekaman.menu_none"));
  for (const e of past) {
    const zone = await eventZone(ctx.db, e);
    lines.push(
      ctx.t("cekaman.menu_item_closed", {
        id: e.id,
        description: e.description,
        from: whenLabel(ctx.locale, e.started_at, zone),
        to: e.closed_at ? whenLabel(ctx.locale, e.closed_at, zone) : "–",
        total: e.total,
      }),
    );
    kb.text(ctx.t("cekaman.btn_report_id", { id: e.id }), encodeCa({ a: "report", eventId: e.id })).row();
  }
  return { text: lines.join("\n"), keyboard: kb };
}

guardedCommand(cekamanHandlers, "cekaman", async (ctx) => {
  if (!isPrivate(ctx)) {
    await ctx.reply(ctx.t("cekaman.private_only"));
    return;
  }
  const m = await menu(ctx);
  await ctx.reply(m.text, { reply_markup: m.keyboard });
});

// === Coordinators' buttons: new event, menu, tally, close, report

async function managedEvent(ctx: BotContext, eventId: number): Promise<CekamanEvent | undefined> {
  const event = await findEvent(ctx.db, eventId);
  return event && mayManageEvent(ctx.user, event) ? event : undefined;
}

guardedCallback(cekamanHandlers, CA_TRIGGERS.staff, "staff", async (ctx) => {
  const action = decodeCa(ctx.callbackQuery?.data);
  if (!action || !isPrivate(ctx)) {
    await refuse(ctx, isPrivate(ctx) ? "common.button_expired" : "cekaman.private_only");
    return;
  }
  if (action.a === "new") {
    await enterFlowFromButton(ctx, CEKAMAN_SETUP);
    return;
  }
  if (action.a === "menu") {
    await ctx.answerCallbackQuery();
    const m = await menu(ctx);
    await showTapped(ctx, m.text, m.keyboard);
    return;
  }
  if (!("eventId" in action)) {
    await refuse(ctx, "common.button_expired");
    return;
  }
  const event = await managedEvent(ctx, action.eventId);
  if (!event) {
    await refuse(ctx);
    return;
  }
  const now = ctx.deps.now();
  if (action.a === "tally") {
    await ctx.answerCallbackQuery();
    const tally = await renderTally(ctx.db, ctx.t, ctx.locale, event, now, { manage: true });
    const tapped = ctx.callbackQuery?.message;
    // The tally is kept live in the message it is shown in (one per chat and event).
    const fromTally = tapped && (await ctx.db.selectFrom("cekaman_tally_messages").select("message_id").where("event_id", "=", event.id).where("chat_id", "=", ctx.chat!.id).executeTakeFirst())?.message_id === tapped.message_id;
    if (fromTally) {
      await showTapped(ctx, tally.text, tally.reply_markup);
      return;
    }
    const msg = await ctx.reply(tally.text, tally.reply_markup ? { reply_markup: tally.reply_markup } : {});
    await saveTallyMessage(ctx.db, { eventId: event.id, chatId: ctx.chat!.id, userId: ctx.user!.id, messageId: msg.message_id });
    return;
  }
  if (action.a === "close") {
    if (event.status !== "running") {
      await refuse(ctx, "cekaman.already_closed");
      return;
    }
    await ctx.answerCallbackQuery();
    const c = await eventCounts(ctx.db, event.id);
    await ctx.reply(ctx.t("cekaman.close_confirm", { id: event.id, description: event.description, pending: c.pending, total: event.total }), {
      reply_markup: new InlineKeyboard().text(ctx.t("cekaman.btn_close_yes"), encodeCa({ a: "closeYes", eventId: event.id })).row().text(ctx.t("cekaman.btn_close_no"), encodeCa({ a: "tally", eventId: event.id })),
    });
    return;
  }
  if (action.a === "closeYes") {
    const closed = await closeEvent(ctx.db, event.id, ctx.user!, ctx.chat!.id, now);
    if (!closed) {
      await refuse(ctx, "cekaman.already_closed");
      return;
    }
    await ctx.answerCallbackQuery({ text: ctx.t("cekaman.closed_toast").slice(0, 200) });
    await showTapped(ctx, ctx.t("cekaman.closed", { id: event.id, description: event.description }));
    return;
  }
  if (action.a === "report") {
    if (event.status !== "closed") {
      await refuse(ctx, "cekaman.report_not_yet");
      return;
    }
    await ctx.answerCallbackQuery();
    if (event.report_file_id) {
      try {
        await ctx.replyWithDocument(event.report_file_id, { caption: ctx.t("cekaman.report_again", { id: event.id, description: event.description }) });
        await audit(ctx.db, { actorId: ctx.user!.id, action: "cekaman.report_sent", entity: "cekaman_event", entityId: event.id, details: { again: true } });
        return;
      } catch (err) {
        if (!(err instanceof GrammyError)) throw err;
      }
    }
    const messageId = ctx.callbackQuery?.message?.message_id ?? 0;
    await enqueueJob(ctx.db, CEKAMAN_JOBS.report, { eventId: event.id, userId: ctx.user!.id, chatId: ctx.chat!.id }, { key: `cekaman-report:${event.id}:${ctx.chat!.id}:${messageId}`, now });
    await ctx.reply(ctx.t("cekaman.report_preparing"));
    return;
  }
  await refuse(ctx, "common.button_expired");
});

// === Checklists: volunteers (own households, offered ones) and staff (unanswered ones)

type FieldAction = Extract<CaAction, { a: "list" | "open" | "answer" }>;

guardedCallback(cekamanHandlers, CA_TRIGGERS.field, "volunteer", async (ctx) => {
  const action = decodeCa(ctx.callbackQuery?.data) as FieldAction | undefined;
  if (!action || (action.a !== "list" && action.a !== "open" && action.a !== "answer")) {
    await refuse(ctx, "common.button_expired");
    return;
  }
  if (!isPrivate(ctx)) {
    await refuse(ctx, "cekaman.private_only");
    return;
  }
  const user = ctx.user!;
  if (action.a === "list") {
    const event = await findEvent(ctx.db, action.eventId);
    const mode = event ? checklistModeFor(user, action.mode, staffArea(user)) : null;
    if (!event || !mode || (mode.kind === "staff" && !isStaff(user))) {
      await refuse(ctx);
      return;
    }
    const r = await renderChecklist(ctx.db, ctx.t, { event, mode, page: action.page, intro: mode.kind === "offer" ? "offer" : "list" });
    if (!r) {
      await ctx.answerCallbackQuery({ text: ctx.t("cekaman.list_empty").slice(0, 200) });
      return;
    }
    await ctx.answerCallbackQuery();
    await showTapped(ctx, r.text, r.reply_markup);
    return;
  }
  const eh = await findEventHousehold(ctx.db, action.ehId);
  const household = eh ? await findHousehold(ctx.db, eh.household_id) : undefined;
  const event = eh ? await findEvent(ctx.db, eh.event_id) : undefined;
  const role = eh && household ? answerRole(user, eh, household) : null;
  if (!eh || !household || !event || !role) {
    await refuse(ctx);
    return;
  }
  if (action.a === "open") {
    const row = await listedHousehold(ctx.db, eh.id);
    await ctx.answerCallbackQuery();
    await audit(ctx.db, { actorId: user.id, action: "cekaman.household_viewed", entity: "household", entityId: household.id, details: { eventId: event.id, as: role, offered: eh.offered_at !== null } });
    const view = renderHousehold(ctx.t, { event, row: row!, mode: action.mode, page: action.page, zone: await eventZone(ctx.db, event) });
    await showTapped(ctx, view.text, view.reply_markup);
    return;
  }
  if (event.status !== "running") {
    await refuse(ctx, "cekaman.already_closed");
    return;
  }
  if (action.answer === "butuh_bantuan" || action.answer === "mengungsi") {
    const args: CekamanAnswerArgs = { ehId: eh.id, answer: action.answer, family: false, mode: action.mode, page: action.page };
    await enterFlowFromButton(ctx, CEKAMAN_ANSWER, args);
    return;
  }
  const saved = await recordAnswer(ctx.db, { ehId: eh.id, status: action.answer, by: user.id, via: role, chatId: ctx.chat!.id, now: ctx.deps.now() });
  if (!saved) {
    await refuse(ctx, "cekaman.already_closed");
    return;
  }
  await ctx.answerCallbackQuery({ text: ctx.t("cekaman.saved_toast", { status: `${STATUS_EMOJI[action.answer]} ${ctx.t(`cekaman.status_${action.answer}`)}`, code: formatRefCode(household.ref_code) }).slice(0, 200) });
  const mode = checklistModeFor(user, action.mode, staffArea(user));
  const list = mode ? await renderChecklist(ctx.db, ctx.t, { event, mode, page: action.page, intro: mode.kind === "offer" ? "offer" : "list" }) : undefined;
  if (list) await showTapped(ctx, list.text, list.reply_markup);
  else await showTapped(ctx, ctx.t("cekaman.offer_all_done"));
});

// === Families (a proven subscription to the household)

guardedCallback(cekamanHandlers, CA_TRIGGERS.family, "anyone", async (ctx) => {
  const action = decodeCa(ctx.callbackQuery?.data);
  if (!action || action.a !== "family" || !isPrivate(ctx)) {
    await refuse(ctx, "cekaman.family_not_yours");
    return;
  }
  const chatId = ctx.chat!.id;
  const eh = await familyHousehold(ctx.db, action.ehId, chatId);
  if (!eh) {
    await refuse(ctx, "cekaman.family_not_yours");
    return;
  }
  if (action.answer !== "aman") {
    const args: CekamanAnswerArgs = { ehId: eh.id, answer: action.answer, family: true, mode: "v", page: 0 };
    await enterFlowFromButton(ctx, CEKAMAN_ANSWER, args);
    return;
  }
  const saved = await recordAnswer(ctx.db, { ehId: eh.id, status: "aman", by: ctx.user?.id ?? null, via: "family", chatId, now: ctx.deps.now() });
  if (!saved) {
    await refuse(ctx, "cekaman.already_closed");
    return;
  }
  await ctx.answerCallbackQuery({ text: ctx.t("cekaman.family_thanks").slice(0, 200) });
  const event = await findEvent(ctx.db, eh.event_id);
  const msg = event ? await renderFamily(ctx.db, ctx.t, { event, chatId, zone: await eventZone(ctx.db, event) }) : undefined;
  if (msg) await showTapped(ctx, msg.text, msg.reply_markup);
});

// === Help requests: acknowledge, resolve (first tap wins), photo, location

guardedCallback(cekamanHandlers, CA_TRIGGERS.help, "staff", async (ctx) => {
  const action = decodeCa(ctx.callbackQuery?.data);
  if (!action || !("helpId" in action)) {
    await refuse(ctx, "common.button_expired");
    return;
  }
  const help = await findHelp(ctx.db, action.helpId);
  if (!help || !isStaffOf(ctx.user, help.area_code) || !isPrivate(ctx)) {
    await refuse(ctx, isPrivate(ctx) ? "cekaman.not_yours" : "cekaman.private_only");
    return;
  }
  const user = ctx.user!;
  const now = ctx.deps.now();
  if (action.a === "helpAck" || action.a === "helpResolve") {
    const ok = action.a === "helpAck" ? await acknowledgeHelp(ctx.db, help.id, user.id, now) : await resolveHelp(ctx.db, help.id, user.id, now);
    if (!ok) {
      const who = await ctx.db
        .selectFrom("cekaman_help as x")
        .leftJoin("users as a", "a.id", "x.acknowledged_by")
        .leftJoin("users as r", "r.id", "x.resolved_by")
        .select(["x.status", "a.name as ack", "r.name as res"])
        .where("x.id", "=", help.id)
        .executeTakeFirst();
      const key = who?.status === "resolved" ? "cekaman.help_already_resolved" : "cekaman.help_already_ack";
      await ctx.answerCallbackQuery({ text: ctx.t(key, { name: (who?.status === "resolved" ? who.res : who?.ack) ?? "–" }).slice(0, 200), show_alert: true });
      return;
    }
    const event = action.a === "helpAck" ? "ack" : "resolve";
    await audit(ctx.db, {
      actorId: user.id,
      action: event === "ack" ? "cekaman.help_acknowledged" : "cekaman.help_resolved",
      entity: "cekaman_help",
      entityId: help.id,
      details: { eventId: help.event_id, householdId: help.household_id, minutesOpen: Math.round((now.getTime() - help.created_at.getTime()) / 60_000) },
    });
    await enqueueJob(ctx.db, CEKAMAN_JOBS.help, { helpId: help.id, event }, { key: `cekaman-help:${help.id}:${event}`, now });
    await ctx.answerCallbackQuery({ text: ctx.t(event === "ack" ? "cekaman.help_ack_done" : "cekaman.help_resolved_done").slice(0, 200) });
    return;
  }
  const eh = await findEventHousehold(ctx.db, help.event_household_id);
  if (action.a === "helpPhoto" && eh?.photo_file_id) {
    await ctx.answerCallbackQuery();
    await ctx.replyWithPhoto(eh.photo_file_id, { caption: ctx.t("cekaman.help_photo_caption", { id: help.id }) });
    await audit(ctx.db, { actorId: user.id, action: "cekaman.help_photo_viewed", entity: "cekaman_help", entityId: help.id });
    return;
  }
  if (action.a === "helpMap" && eh && eh.latitude !== null && eh.longitude !== null) {
    await ctx.answerCallbackQuery();
    await ctx.replyWithLocation(eh.latitude, eh.longitude);
    await audit(ctx.db, { actorId: user.id, action: "cekaman.help_location_viewed", entity: "cekaman_help", entityId: help.id });
    return;
  }
  await refuse(ctx, "cekaman.help_nothing");
});

// === The household card: "prioritas bencana"

guardedCallback(cekamanHandlers, CA_TRIGGERS.priority, "volunteer", async (ctx) => {
  const action = decodeCa(ctx.callbackQuery?.data);
  if (!action || action.a !== "priority" || !isPrivate(ctx)) {
    await refuse(ctx, isPrivate(ctx) ? "common.button_expired" : "cekaman.private_only");
    return;
  }
  const household = await findHousehold(ctx.db, action.householdId);
  if (!household || household.anonymized_at || !canViewHousehold(ctx.user, household)) {
    await refuse(ctx);
    return;
  }
  const on = await togglePriorityFlag(ctx.db, household.id, ctx.user!.id, ctx.deps.now());
  await ctx.answerCallbackQuery({ text: ctx.t(on ? "cekaman.priority_on" : "cekaman.priority_off").slice(0, 200) });
  const card = await renderHouseholdCard(ctx, household);
  await showTapped(ctx, card.text, card.reply_markup);
});

/** Any other "ca:" data (malformed, or from an older version): a short answer, nothing done. */
cekamanHandlers.callbackQuery(/^ca:/, async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
});
