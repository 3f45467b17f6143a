import { Composer, InlineKeyboard, InputMediaBuilder } from "grammy";
import type { BotContext } from "../context.js";
import { canViewHousehold } from "../access.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import type { CardActionProvider } from "../card-actions.js";
import { findHousehold, findHouseholdByRefCode } from "../../db/queries/households.js";
import { findVisit, listHouseholdVisits, listVisitMedia } from "../../db/queries/visits.js";
import { regionTimezone } from "../../db/queries/regions.js";
import { formatRefCode, normalizeRefCode } from "../../domain/refcode.js";
import type { Household } from "../../db/schema.js";
import { VISIT_REPORT } from "../../flows/visit-report.js";
import { formatDate, visitFieldLines } from "../../ui/visit-text.js";
import { whenLabel } from "./alerts.js";
import { VH, VM, VR, VV } from "../../ui/visits/callback-data.js";

export const visitHandlers = new Composer<BotContext>();

const HISTORY_PAGE_SIZE = 5;

/** Who may report a visit on a household: whoever may see it, while it is not erased. */
function canReport(ctx: BotContext, h: Household): boolean {
  return canViewHousehold(ctx.user, h) && h.anonymized_at === null;
}

/** The card's "report a visit" and "history" buttons. */
export const visitCardActions: CardActionProvider = (ctx, h) => {
  if (!canViewHousehold(ctx.user, h)) return [];
  const actions = [];
  if (canReport(ctx, h)) actions.push({ label: ctx.t("visit.action_report"), data: VR.encode("_report", { id: h.id }) });
  actions.push({ label: ctx.t("visit.action_history"), data: VH.encode("_open", { id: h.id, page: 1 }) });
  return actions;
};

function busy(ctx: BotContext): boolean {
  return Object.keys(ctx.conversation.active()).length > 0;
}

// === Starting a report

guardedCommand(visitHandlers, "kunjungan", async (ctx) => {
  if (ctx.chat?.type !== "private") {
    await ctx.reply(ctx.t("visit.private_only"));
    return;
  }
  const arg = typeof ctx.match === "string" ? ctx.match.trim() : "";
  if (arg !== "") {
    const code = normalizeRefCode(arg);
    const h = code ? await findHouseholdByRefCode(ctx.db, code) : undefined;
    if (h && canReport(ctx, h)) {
      await ctx.conversation.enter(VISIT_REPORT, h.id);
      return;
    }
    if (code) {
      await ctx.reply(ctx.t("visit.code_not_found", { code: arg.slice(0, 20) }));
      return;
    }
  }
  await ctx.conversation.enter(VISIT_REPORT);
});

/** "Laporkan kunjungan" on a card or a morning reminder: ownership is checked before the flow starts. */
guardedCallback(visitHandlers, VR.match("_report"), "volunteer", async (ctx) => {
  const tap = VR.parse("_report", ctx);
  const h = tap ? await findHousehold(ctx.db, tap.id) : undefined;
  if (!h || !canReport(ctx, h)) {
    await ctx.answerCallbackQuery({ text: ctx.t("visit.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  if (ctx.chat?.type !== "private") {
    await ctx.answerCallbackQuery({ text: ctx.t("visit.private_only").slice(0, 200), show_alert: true });
    return;
  }
  if (busy(ctx)) {
    await ctx.answerCallbackQuery({ text: ctx.t("visit.finish_current").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(VISIT_REPORT, h.id);
});

// === History

async function showHistory(ctx: BotContext, h: Household, page: number, edit: boolean): Promise<void> {
  const { total } = await listHouseholdVisits(ctx.db, h.id, { limit: 0, offset: 0 });
  const pages = Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE));
  const p = Math.min(Math.max(1, page), pages);
  const { rows } = await listHouseholdVisits(ctx.db, h.id, { limit: HISTORY_PAGE_SIZE, offset: (p - 1) * HISTORY_PAGE_SIZE });
  const title = ctx.t("visit.history_title", { code: formatRefCode(h.ref_code), name: h.head_name });
  const kb = new InlineKeyboard();
  let text: string;
  if (total === 0) {
    text = `${title}\n\n${ctx.t("visit.history_empty")}`;
  } else {
    const lines = rows.map((r, i) =>
      ctx.t("visit.history_item", {
        n: (p - 1) * HISTORY_PAGE_SIZE + i + 1,
        date: formatDate(r.visited_on, ctx.locale),
        purpose: ctx.t(`vocab.purpose.${r.purpose}`),
        urgency: ctx.t(`vocab.urgency.${r.urgency}`),
        volunteer: r.volunteer_name ?? "–",
      }),
    );
    text = `${title}\n\n${lines.join("\n")}\n\n${ctx.t("common.page", { page: p, pages })}`;
    rows.forEach((r, i) => {
      kb.text(`${(p - 1) * HISTORY_PAGE_SIZE + i + 1}. ${formatDate(r.visited_on, ctx.locale)}`, VV.encode("_view", { id: r.id })).row();
    });
    if (p > 1) kb.text(ctx.t("common.prev_page"), VH.encode("_turn", { id: h.id, page: p - 1, edit: "n" }));
    if (p < pages) kb.text(ctx.t("common.next_page"), VH.encode("_turn", { id: h.id, page: p + 1, edit: "n" }));
    kb.row();
  }
  if (canReport(ctx, h)) kb.text(ctx.t("visit.action_report"), VR.encode("_report", { id: h.id }));
  if (edit) await ctx.editMessageText(text, { reply_markup: kb });
  else await ctx.reply(text, { reply_markup: kb });
}

guardedCallback(visitHandlers, [VH.match("_open"), VH.match("_turn")], "volunteer", async (ctx) => {
  const turn = VH.parse("_turn", ctx);
  const tap = turn ?? VH.parse("_open", ctx);
  const h = tap ? await findHousehold(ctx.db, tap.id) : undefined;
  if (!tap || !h || !canViewHousehold(ctx.user, h) || ctx.chat?.type !== "private") {
    await ctx.answerCallbackQuery({ text: ctx.t("visit.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  await showHistory(ctx, h, tap.page, turn !== undefined && ctx.callbackQuery?.message !== undefined);
});

/** The visit and its household, when this user may see them (forged ids get nothing). */
async function visibleVisit(ctx: BotContext, visitId: number | undefined) {
  const visit = visitId !== undefined ? await findVisit(ctx.db, visitId) : undefined;
  const h = visit ? await findHousehold(ctx.db, visit.household_id) : undefined;
  if (!visit || !h || !canViewHousehold(ctx.user, h) || ctx.chat?.type !== "private") return undefined;
  return { visit, h };
}

guardedCallback(visitHandlers, VV.match("_view"), "volunteer", async (ctx) => {
  const found = await visibleVisit(ctx, VV.parse("_view", ctx)?.id);
  if (!found) {
    await ctx.answerCallbackQuery({ text: ctx.t("visit.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const { visit, h } = found;
  const media = await listVisitMedia(ctx.db, visit.id);
  const photos = media.filter((m) => m.kind === "photo").length;
  const voices = media.filter((m) => m.kind === "voice").length;
  const zone = await regionTimezone(ctx.db, h.village_code);
  const reporter = visit.volunteer_id
    ? await ctx.db.selectFrom("users").select("name").where("id", "=", visit.volunteer_id).executeTakeFirst()
    : undefined;
  const alert = await ctx.db.selectFrom("alerts").select(["id", "status"]).where("visit_id", "=", visit.id).executeTakeFirst();
  const lines = [
    ctx.t("visit.view_title", { code: formatRefCode(h.ref_code), name: h.head_name }),
    ctx.t("visit.view_reporter", {
      name: reporter?.name ?? "–",
      when: whenLabel(ctx.locale, visit.written_at, zone?.tz ?? "Asia/Jakarta", zone?.label ?? "WIB"),
    }),
    ...visitFieldLines(ctx.t, ctx.locale, {
      visitedOn: visit.visited_on,
      purpose: visit.purpose,
      intervention: visit.intervention,
      conditions: visit.conditions,
      conditionNote: visit.condition_note,
      helpGiven: visit.help_given,
      referral: visit.referral,
      referralNote: visit.referral_note,
      urgency: visit.urgency,
      followUp: visit.follow_up,
      nextVisitDate: visit.next_visit_date,
      photos,
      voices,
      hasLocation: visit.latitude !== null,
    }),
  ];
  if (alert) lines.push(ctx.t(`visit.view_alert_${alert.status}`, { id: alert.id }));
  const kb = new InlineKeyboard();
  if (photos + voices > 0 || visit.latitude !== null) kb.text(ctx.t("visit.btn_attachments"), VM.encode("_media", { id: visit.id })).row();
  kb.text(ctx.t("visit.btn_history"), VH.encode("_open", { id: h.id, page: 1 }));
  await ctx.reply(lines.join("\n"), { reply_markup: kb });
});

/** The photos, voice notes and location of a visit. */
guardedCallback(visitHandlers, VM.match("_media"), "volunteer", async (ctx) => {
  const found = await visibleVisit(ctx, VM.parse("_media", ctx)?.id);
  if (!found) {
    await ctx.answerCallbackQuery({ text: ctx.t("visit.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const { visit } = found;
  const media = await listVisitMedia(ctx.db, visit.id);
  const photos = media.filter((m) => m.kind === "photo");
  if (photos.length === 1) await ctx.replyWithPhoto(photos[0]!.file_id);
  else if (photos.length > 1) await ctx.replyWithMediaGroup(photos.map((p) => InputMediaBuilder.photo(p.file_id)));
  for (const v of media.filter((m) => m.kind === "voice")) await ctx.replyWithVoice(v.file_id);
  if (visit.latitude !== null && visit.longitude !== null) await ctx.replyWithLocation(visit.latitude, visit.longitude);
  if (media.length === 0 && visit.latitude === null) await ctx.reply(ctx.t("visit.no_attachments"));
});
