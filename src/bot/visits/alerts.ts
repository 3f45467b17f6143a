import { z } from "zod";
import { Composer, GrammyError, InlineKeyboard, type Api, type RawApi } from "grammy";
import type { BotContext, AppDeps } from "../context.js";
import type { Db, User } from "../../db/schema.js";
import type { TFunction } from "../../i18n.js";
import { isLocale } from "../../i18n.js";
import type { Logger } from "../../logger.js";
import { coversArea } from "../access.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { defineJob } from "../jobs.js";
import { whenDelivered } from "../outbox.js";
import { markUnreachableOn403, sendChatNotice, sendNotices, updateNotices } from "../notices.js";
import {
  ALERT_JOBS,
  acknowledgeAlert,
  activeAdmins,
  alertGroupsCovering,
  enqueueAlertNotify,
  findAlert,
  findAlertGroup,
  linkAlertGroup,
  loadAlertView,
  markAlertEscalated,
  moveAlertGroup,
  unlinkAlertGroup,
  unresolvedAlertsFor,
  type AlertView,
} from "../../db/queries/alerts.js";
import { findVisit, listVisitMedia, type Visit } from "../../db/queries/visits.js";
import { findStaffCovering } from "../../db/queries/users.js";
import { getRegion, regionLabel, regionTimezone } from "../../db/queries/regions.js";
import { audit } from "../../db/queries/audit.js";
import { formatRefCode } from "../../domain/refcode.js";
import { elapsed, formatLocalTime, localDate, maskName } from "../../domain/visit.js";
import { regionLevel } from "../../domain/region-names.js";
import { visitFieldLines, formatDate } from "../../ui/visit-text.js";
import { ALERT_RESOLVE } from "../../flows/alert-resolve.js";
import { AL, VV } from "../../ui/visits/callback-data.js";

export const alertHandlers = new Composer<BotContext>();

/** Free text in alerts is cut so that a message stays well under Telegram's 4096 characters. */
const ALERT_TEXT_LIMIT = 300;

function cut(text: string | null): string | null {
  if (text === null) return null;
  return text.length > ALERT_TEXT_LIMIT ? `${text.slice(0, ALERT_TEXT_LIMIT - 1)}…` : text;
}

/** Everything an alert message shows, loaded once per send or edit. */
export interface AlertBundle {
  view: AlertView;
  visit: Visit;
  village: string;
  tz: string;
  zone: string;
  photos: number;
  voices: number;
}

export async function loadAlertBundle(db: Db, alertId: number): Promise<AlertBundle | undefined> {
  const view = await loadAlertView(db, alertId);
  if (!view) return undefined;
  const visit = await findVisit(db, view.visit_id);
  if (!visit) return undefined;
  const media = await listVisitMedia(db, visit.id);
  const zone = await regionTimezone(db, view.area_code);
  return {
    view,
    visit,
    village: (await regionLabel(db, view.area_code, { full: false })) ?? view.area_code,
    tz: zone?.tz ?? "Asia/Jakarta",
    zone: zone?.label ?? "WIB",
    photos: media.filter((m) => m.kind === "photo").length,
    voices: media.filter((m) => m.kind === "voice").length,
  };
}

/** "28 November 2026, 09.20 WIB" in the household's zone. */
export function whenLabel(locale: string, at: Date, tz: string, zone: string): string {
  return `${formatDate(localDate(at, tz), locale)}, ${formatLocalTime(at, tz, zone)}`;
}

/** A map link for a GPS point (opens the maps app on a phone). */
export function mapsUrl(latitude: number, longitude: number): string {
  return `https://www.google.com/maps?q=${latitude.toFixed(6)},${longitude.toFixed(6)}`;
}

/**
 * The lines of an alert that let a coordinator act: the address with RT/RW, the GPS point as a
 * map link, and the volunteer's phone as plain +62… digits (Telegram makes it tap-to-call).
 */
function actionLines(t: TFunction, v: AlertView): string[] {
  const lines = [t("field.alert_address", { address: v.address ?? "–", rt: v.rt ?? "–", rw: v.rw ?? "–" })];
  if (v.latitude !== null && v.longitude !== null) {
    lines.push(t("field.alert_location", { url: mapsUrl(v.latitude, v.longitude), point: `${v.latitude.toFixed(5)}, ${v.longitude.toFixed(5)}` }));
  } else {
    lines.push(t("field.alert_no_location"));
  }
  lines.push(t("field.alert_phone", { phone: v.volunteer_phone ?? "–" }));
  return lines;
}

/** "baru saja", "5 menit lalu", "2 jam lalu", "3 hari lalu". */
export function ageLabel(t: TFunction, ms: number): string {
  const e = elapsed(ms);
  return t(`alert.age_${e.unit}`, { n: e.n });
}

/**
 * The alert message: the household (masked), the volunteer, the report, its status, and the
 * buttons that still make sense. `privateChat` adds the button to open the full report.
 */
export function renderAlert(
  t: TFunction,
  locale: string,
  b: AlertBundle,
  opts: { privateChat: boolean; escalation?: boolean; escalateMinutes: number },
): { text: string; reply_markup?: InlineKeyboard } {
  const v = b.view;
  const lines = [
    opts.escalation ? t("alert.title_escalated", { id: v.id, minutes: opts.escalateMinutes }) : t("alert.title", { id: v.id }),
    t("alert.household", { code: formatRefCode(v.ref_code), name: maskName(v.head_name), village: b.village }),
    // What a coordinator needs to act at once; only in private chats (a group sees no address).
    ...(opts.privateChat ? actionLines(t, v) : [t("field.alert_details_private")]),
    t("alert.volunteer", { name: v.volunteer_name ?? "–", when: whenLabel(locale, b.visit.written_at, b.tz, b.zone) }),
    ...visitFieldLines(t, locale, {
      visitedOn: b.visit.visited_on,
      purpose: b.visit.purpose,
      intervention: b.visit.intervention,
      conditions: b.visit.conditions,
      conditionNote: cut(b.visit.condition_note),
      helpGiven: cut(b.visit.help_given),
      referral: b.visit.referral,
      referralNote: cut(b.visit.referral_note),
      urgency: b.visit.urgency,
      followUp: b.visit.follow_up,
      nextVisitDate: b.visit.next_visit_date,
      photos: b.photos,
      voices: b.voices,
      hasLocation: b.visit.latitude !== null,
    }),
    "",
  ];
  if (v.status === "open") {
    lines.push(v.escalated_at ? t("alert.status_escalated", { minutes: opts.escalateMinutes }) : t("alert.status_open"));
  } else if (v.status === "acknowledged") {
    lines.push(t("alert.status_ack", { name: v.acknowledged_by_name ?? "–", when: whenLabel(locale, v.acknowledged_at!, b.tz, b.zone) }));
  } else {
    if (v.acknowledged_at && v.acknowledged_by_name && v.acknowledged_by_name !== v.resolved_by_name) {
      lines.push(t("alert.status_ack", { name: v.acknowledged_by_name, when: whenLabel(locale, v.acknowledged_at, b.tz, b.zone) }));
    }
    lines.push(
      t("alert.status_resolved", {
        name: v.resolved_by_name ?? "–",
        when: whenLabel(locale, v.resolved_at!, b.tz, b.zone),
        note: cut(v.resolution_note) ?? "–",
      }),
    );
  }
  const kb = new InlineKeyboard();
  if (v.status === "open") kb.text(t("alert.btn_ack"), AL.encode("ack", { id: v.id }));
  if (v.status !== "resolved") kb.text(t("alert.btn_resolve"), AL.encode("res", { id: v.id }));
  if (opts.privateChat) kb.row().text(t("alert.btn_view"), VV.encode("_view", { id: v.visit_id }));
  if (opts.privateChat && v.latitude !== null && v.longitude !== null) kb.row().url(t("field.alert_btn_map"), mapsUrl(v.latitude, v.longitude));
  const hasButtons = kb.inline_keyboard.some((row) => row.length > 0);
  return { text: lines.join("\n"), ...(hasButtons ? { reply_markup: kb } : {}) };
}

function tFor(deps: AppDeps, user: { locale: string } | undefined): { t: TFunction; locale: string } {
  const locale = user && isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale;
  return { t: deps.i18n.t(locale), locale };
}

type NoticeDeps = { api: Api<RawApi>; db: Db; i18n: AppDeps["i18n"]; logger: Logger; now: () => Date };

/** Sends the alert to users (recorded under the alert's topic) and to the area's groups. */
async function sendAlert(deps: AppDeps, nd: NoticeDeps, b: AlertBundle, recipients: User[], escalation: boolean): Promise<{ users: number; groups: number }> {
  const topic = `alert:${b.view.id}`;
  const minutes = deps.config.ALERT_ESCALATE_MINUTES;
  const users = await sendNotices(nd, topic, recipients, (t, user) =>
    renderAlert(t, isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale, b, { privateChat: true, escalation, escalateMinutes: minutes }),
  );
  let groups = 0;
  const t = deps.i18n.t(deps.i18n.defaultLocale);
  for (const chatId of await alertGroupsCovering(nd.db, b.view.area_code)) {
    const msg = renderAlert(t, deps.i18n.defaultLocale, b, { privateChat: false, escalation, escalateMinutes: minutes });
    if (await sendChatNotice(nd, topic, chatId, msg.text, msg.reply_markup)) groups++;
  }
  return { users, groups };
}

/** Re-renders every message of the alert (private ones in each recipient's language). */
async function refreshAlertMessages(deps: AppDeps, nd: NoticeDeps, b: AlertBundle): Promise<void> {
  await updateNotices(nd, `alert:${b.view.id}`, (t, user) =>
    renderAlert(t, user ? user.locale : deps.i18n.defaultLocale, b, {
      privateChat: user !== undefined,
      escalateMinutes: deps.config.ALERT_ESCALATE_MINUTES,
    }),
  );
}

// === Jobs

function alertIdOf(payload: Record<string, unknown>): number {
  const id = payload["alertId"];
  if (typeof id !== "number" || !Number.isSafeInteger(id)) throw new Error("bad alert job payload");
  return id;
}

/** A new darurat alert: every active coordinator of the area, or the admins when there is none. */
export const alertFanoutJob = defineJob(ALERT_JOBS.fanout, z.object({ alertId: z.number().int() }), async ({ deps, api, log }, payload) => {
  const b = await loadAlertBundle(deps.db, alertIdOf(payload));
  if (!b) return;
  const coordinators = await findStaffCovering(deps.db, b.view.area_code, { roles: ["coordinator"] });
  const recipients = coordinators.length > 0 ? coordinators : await activeAdmins(deps.db);
  const sent = await sendAlert(deps, { api, db: deps.db, i18n: deps.i18n, logger: log, now: deps.now }, b, recipients, false);
  log.info({ alertId: b.view.id, coordinators: coordinators.length, ...sent }, "alert sent");
});

/** After an acknowledgement or resolution: edit every alert message and tell the volunteer. */
export const alertNotifyJob = defineJob(ALERT_JOBS.notify, z.object({ alertId: z.number().int(), event: z.enum(["ack", "resolve"]) }), async ({ deps, api, log }, payload) => {
  const b = await loadAlertBundle(deps.db, alertIdOf(payload));
  if (!b) return;
  const nd = { api, db: deps.db, i18n: deps.i18n, logger: log, now: deps.now };
  await refreshAlertMessages(deps, nd, b);
  const event = payload["event"] === "resolve" ? "resolve" : "ack";
  if (b.view.volunteer_id === null) return;
  const volunteer = await deps.db.selectFrom("users").selectAll().where("id", "=", b.view.volunteer_id).executeTakeFirst();
  if (!volunteer || volunteer.status !== "active") return;
  const { t } = tFor(deps, volunteer);
  const text =
    event === "resolve"
      ? t("alert.vol_resolved", { id: b.view.id, code: formatRefCode(b.view.ref_code), name: b.view.resolved_by_name ?? "–", note: b.view.resolution_note ?? "–" })
      : t("alert.vol_ack", { id: b.view.id, code: formatRefCode(b.view.ref_code), name: b.view.acknowledged_by_name ?? "–" });
  try {
    await api.sendMessage(volunteer.telegram_id, text, { parse_mode: "HTML" });
  } catch (err) {
    if (!(await markUnreachableOn403(deps.db, volunteer, err, deps.now()))) log.warn({ alertId: b.view.id, err: (err as Error).message }, "volunteer not told");
  }
});

/**
 * ALERT_ESCALATE_MINUTES after a darurat alert: if nobody acknowledged it, its messages say
 * so, and it is sent again to the area's coordinators and groups and to every admin.
 */
export const alertEscalateJob = defineJob(ALERT_JOBS.escalate, z.object({ alertId: z.number().int() }), async ({ deps, api, log }, payload) => {
  const alertId = alertIdOf(payload);
  if (!(await markAlertEscalated(deps.db, alertId, deps.now()))) return;
  const b = await loadAlertBundle(deps.db, alertId);
  if (!b) return;
  await audit(deps.db, {
    actorId: null,
    action: "alert.escalated",
    entity: "alert",
    entityId: alertId,
    details: { areaCode: b.view.area_code, minutes: deps.config.ALERT_ESCALATE_MINUTES },
  });
  const nd = { api, db: deps.db, i18n: deps.i18n, logger: log, now: deps.now };
  await refreshAlertMessages(deps, nd, b);
  const coordinators = await findStaffCovering(deps.db, b.view.area_code, { roles: ["coordinator"] });
  const admins = await activeAdmins(deps.db);
  const recipients = [...coordinators, ...admins.filter((a) => !coordinators.some((c) => c.id === a.id))];
  const sent = await sendAlert(deps, nd, b, recipients, true);
  log.info({ alertId, ...sent }, "alert escalated");
});

// === Buttons on alert messages

async function alertForStaff(ctx: BotContext, id: number | undefined) {
  const alert = id !== undefined ? await findAlert(ctx.db, id) : undefined;
  if (!alert || !ctx.user || !coversArea(ctx.user, alert.area_code)) return undefined;
  return alert;
}

async function explainTaken(ctx: BotContext, id: number): Promise<void> {
  const view = await loadAlertView(ctx.db, id);
  const key = view?.status === "resolved" ? "alert.already_resolved" : "alert.already_ack";
  const name = view?.status === "resolved" ? view.resolved_by_name : view?.acknowledged_by_name;
  await ctx.answerCallbackQuery({ text: ctx.t(key, { name: name ?? "–" }).slice(0, 200), show_alert: true });
}

guardedCallback(alertHandlers, AL.match("ack"), { access: "staff", chats: "any" }, async (ctx) => {
  const id = AL.parse("ack", ctx)?.id;
  const alert = await alertForStaff(ctx, id);
  if (!alert || id === undefined) {
    await ctx.answerCallbackQuery({ text: ctx.t("alert.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  const now = ctx.deps.now();
  if (!(await acknowledgeAlert(ctx.db, id, ctx.user!.id, now))) {
    await explainTaken(ctx, id);
    return;
  }
  await audit(ctx.db, {
    actorId: ctx.user!.id,
    action: "alert.acknowledged",
    entity: "alert",
    entityId: id,
    details: { householdId: alert.household_id, areaCode: alert.area_code, minutesOpen: Math.round((now.getTime() - alert.created_at.getTime()) / 60_000) },
  });
  await enqueueAlertNotify(ctx.db, id, "ack", now);
  await ctx.answerCallbackQuery({ text: ctx.t("alert.ack_done").slice(0, 200) });
});

guardedCallback(alertHandlers, AL.match("res"), { access: "staff", chats: "any" }, async (ctx) => {
  const id = AL.parse("res", ctx)?.id;
  const alert = await alertForStaff(ctx, id);
  if (!alert || id === undefined) {
    await ctx.answerCallbackQuery({ text: ctx.t("alert.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  if (alert.status === "resolved") {
    await explainTaken(ctx, id);
    return;
  }
  if (ctx.chat?.type !== "private") {
    // The note is written in the private chat, not in front of the whole group.
    const kb = new InlineKeyboard().text(ctx.t("alert.btn_resolve"), AL.encode("res", { id }));
    try {
      await ctx.api.sendMessage(ctx.user!.telegram_id, ctx.t("alert.resolve_in_private", { id }), { parse_mode: "HTML", reply_markup: kb });
      await ctx.answerCallbackQuery({ text: ctx.t("alert.see_private").slice(0, 200) });
    } catch (err) {
      if (!(err instanceof GrammyError)) throw err;
      await ctx.answerCallbackQuery({ text: ctx.t("alert.start_private_first").slice(0, 200), show_alert: true });
    }
    return;
  }
  if (Object.keys(ctx.conversation.active()).length > 0) {
    await ctx.answerCallbackQuery({ text: ctx.t("visit.finish_current").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(ALERT_RESOLVE, id);
});

/** From /peringatan: the alert message again, with its buttons (kept up to date like the others). */
guardedCallback(alertHandlers, AL.match("show"), "staff", async (ctx) => {
  const id = AL.parse("show", ctx)?.id;
  const alert = await alertForStaff(ctx, id);
  const b = alert && id !== undefined ? await loadAlertBundle(ctx.db, id) : undefined;
  if (!b || ctx.chat?.type !== "private") {
    await ctx.answerCallbackQuery({ text: ctx.t("alert.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const msg = renderAlert(ctx.t, ctx.locale, b, { privateChat: true, escalateMinutes: ctx.deps.config.ALERT_ESCALATE_MINUTES });
  const sent = await ctx.reply(msg.text, msg.reply_markup ? { reply_markup: msg.reply_markup } : {});
  // Recorded under the alert's topic once it is out (with its real id), so that it is kept up to date like the others.
  const userId = ctx.user!.id;
  await whenDelivered(ctx, sent, async (db, m) => {
    await db.insertInto("staff_notice").values({ topic: `alert:${id}`, user_id: userId, chat_id: m.chat.id, message_id: m.message_id }).execute();
  });
});

// === /peringatan

guardedCommand(alertHandlers, "peringatan", async (ctx) => {
  if (ctx.chat?.type !== "private") {
    await ctx.reply(ctx.t("alert.private_only"));
    return;
  }
  const { rows, total } = await unresolvedAlertsFor(ctx.db, ctx.user!, 20);
  if (total === 0) {
    await ctx.reply(ctx.t("alert.list_empty"));
    return;
  }
  const now = ctx.deps.now().getTime();
  const lines = rows.map((r) =>
    ctx.t(r.status === "open" ? "alert.list_item_open" : "alert.list_item_ack", {
      id: r.id,
      code: formatRefCode(r.ref_code),
      name: maskName(r.head_name),
      age: ageLabel(ctx.t, now - r.created_at.getTime()),
      by: r.acknowledged_by_name ?? "–",
    }),
  );
  const kb = new InlineKeyboard();
  rows.forEach((r, i) => {
    kb.text(`#${r.id} · ${formatRefCode(r.ref_code)}`, AL.encode("show", { id: r.id }));
    if (i % 2 === 1) kb.row();
  });
  const more = total > rows.length ? `\n${ctx.t("alert.list_more", { n: total - rows.length })}` : "";
  await ctx.reply(`${ctx.t("alert.list_title", { n: total })}\n\n${lines.join("\n")}${more}\n\n${ctx.t("alert.list_hint")}`, { reply_markup: kb });
});

// === Alert groups

function isGroup(ctx: BotContext): boolean {
  return ctx.chat?.type === "group" || ctx.chat?.type === "supergroup";
}

guardedCommand(alertHandlers, "hubungkan_grup", async (ctx) => {
  if (!isGroup(ctx)) {
    await ctx.reply(ctx.t("alert.group_only"));
    return;
  }
  const user = ctx.user!;
  const arg = typeof ctx.match === "string" ? ctx.match.trim() : "";
  let area = user.area_code;
  if (arg !== "") {
    const region = regionLevel(arg) !== null ? await getRegion(ctx.db, arg) : null;
    if (!region) {
      await ctx.reply(ctx.t("alert.group_bad_code", { code: arg.slice(0, 20) }));
      return;
    }
    if (!coversArea(user, region.code)) {
      await ctx.reply(ctx.t("alert.group_not_your_area"));
      return;
    }
    area = region.code;
  }
  if (!area) {
    await ctx.reply(ctx.t("alert.group_need_area"));
    return;
  }
  const chatId = ctx.chat!.id;
  await linkAlertGroup(ctx.db, { chatId, areaCode: area, userId: user.id, now: ctx.deps.now() });
  await audit(ctx.db, { actorId: user.id, action: "alert_group.linked", entity: "alert_group", entityId: chatId, details: { areaCode: area } });
  await ctx.reply(ctx.t("alert.group_linked", { area: (await regionLabel(ctx.db, area)) ?? area }));
});

guardedCommand(alertHandlers, "putuskan_grup", async (ctx) => {
  if (!isGroup(ctx)) {
    await ctx.reply(ctx.t("alert.group_only"));
    return;
  }
  const chatId = ctx.chat!.id;
  const link = await findAlertGroup(ctx.db, chatId);
  if (!link) {
    await ctx.reply(ctx.t("alert.group_not_linked"));
    return;
  }
  if (!coversArea(ctx.user!, link.area_code)) {
    await ctx.reply(ctx.t("alert.group_not_your_area"));
    return;
  }
  await unlinkAlertGroup(ctx.db, chatId);
  await audit(ctx.db, { actorId: ctx.user!.id, action: "alert_group.unlinked", entity: "alert_group", entityId: chatId, details: { areaCode: link.area_code } });
  await ctx.reply(ctx.t("alert.group_unlinked"));
});

/** The bot was removed from a group: its alert link goes too. */
alertHandlers.on("my_chat_member", async (ctx, next) => {
  const status = ctx.myChatMember.new_chat_member.status;
  if (isGroup(ctx) && (status === "left" || status === "kicked")) {
    const link = await findAlertGroup(ctx.db, ctx.chat!.id);
    if (link && (await unlinkAlertGroup(ctx.db, ctx.chat!.id))) {
      await audit(ctx.db, {
        actorId: ctx.user?.id ?? null,
        action: "alert_group.unlinked",
        entity: "alert_group",
        entityId: ctx.chat!.id,
        details: { areaCode: link.area_code, reason: "bot_removed" },
      });
    }
  }
  await next();
});

/** A group upgraded to a supergroup gets a new chat id; the link follows it. */
alertHandlers.on("message:migrate_to_chat_id", async (ctx, next) => {
  await moveAlertGroup(ctx.db, ctx.chat.id, ctx.message.migrate_to_chat_id);
  await next();
});
