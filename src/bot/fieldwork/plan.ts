import { GrammyError, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import type { Db, User } from "../../db/schema.js";
import { canViewHousehold } from "../access.js";
import { enterFlowFromButton } from "../flow-entry.js";
import { findHousehold } from "../../db/queries/households.js";
import { listPlanRows, monthProgress, nextPlannedDate, targetRows } from "../../db/queries/fieldwork.js";
import { formatRefCode } from "../../domain/refcode.js";
import { formatDateId } from "../../domain/dates.js";
import { TIME_ZONES, daysBetween, localDate } from "../../domain/visit.js";
import { asPoint } from "../../domain/fieldwork/distance.js";
import { buildPlan, routeLegs, type PlanGroup, type PlanHousehold, type PlanItem } from "../../domain/fieldwork/route.js";
import { effectiveTarget, formatMonth, monthOf, percentOf } from "../../domain/fieldwork/targets.js";
import { truncate } from "../../lib/text.js";
import { encodeFw } from "../../ui/fieldwork/callback-data.js";
import { userZone } from "./common.js";
import { PLAN_POSTPONE } from "../../flows/fieldwork/postpone.js";
import { VR } from "../../ui/visits/callback-data.js";

/** Households listed in the plan overview; the rest are counted (every group keeps its button). */
const MAX_OVERVIEW_LINES = 40;
/** Group buttons on the overview. */
const MAX_GROUP_BUTTONS = 24;
/** Households with buttons in one group view (two buttons each; Telegram allows 100). */
const MAX_GROUP_ITEMS = 30;

export interface UserPlan {
  groups: PlanGroup[];
  /** Households taken out of today's plan ("Tunda ke besok"). */
  postponed: number;
  /** Today in the user's own zone (their area's). */
  today: string;
  /** Why a household was put off to today, by id (shown as "ditunda kemarin"). */
  postponedNotes: Map<number, { code: string; text: string | null }>;
}

/** The day plan of the households assigned to `user`, each judged by its own zone's today. */
export async function loadUserPlan(db: Db, user: User, now: Date): Promise<UserPlan> {
  const upTo = TIME_ZONES.map((z) => localDate(now, z.tz)).sort().at(-1)!;
  const rows = await listPlanRows(db, user.id, upTo);
  const households: PlanHousehold[] = [];
  const postponedNotes = new Map<number, { code: string; text: string | null }>();
  let postponed = 0;
  for (const r of rows) {
    const today = localDate(now, r.tz ?? "Asia/Jakarta");
    if (r.next_visit_date > today) continue;
    if (r.postponed_until !== null && r.postponed_until > today) {
      postponed++;
      continue;
    }
    if (r.postponed_until === today && r.postponed_reason) postponedNotes.set(r.id, { code: r.postponed_reason, text: r.postponed_text });
    households.push({
      id: r.id,
      refCode: r.ref_code,
      headName: r.head_name,
      villageCode: r.village_code,
      villageName: r.village_name ?? r.village_code,
      rt: r.rt,
      rw: r.rw,
      address: r.address,
      point: asPoint(r.latitude, r.longitude),
      nextVisitDate: r.next_visit_date,
      today,
      attention: r.last_urgency === "perhatian" || r.last_urgency === "darurat",
    });
  }
  const zone = await userZone(db, user);
  return { groups: buildPlan(households), postponed, today: localDate(now, zone.tz), postponedNotes };
}

export function rtRwText(ctx: BotContext, g: { rt: string | null; rw: string | null }): string {
  if (g.rt === null && g.rw === null) return ctx.t("fieldwork.rtrw_none");
  return ctx.t("fieldwork.rtrw", { rt: g.rt ?? "–", rw: g.rw ?? "–" });
}

function whenText(ctx: BotContext, item: PlanItem): string {
  const late = daysBetween(item.nextVisitDate, item.today);
  return late === 0 ? ctx.t("fieldwork.plan_due_today") : ctx.t("fieldwork.plan_overdue", { n: late });
}

function flagsText(ctx: BotContext, item: PlanItem, plan: UserPlan, withPoint: boolean): string {
  let flags = "";
  if (item.attention) flags += ctx.t("fieldwork.plan_flag_attention");
  if (withPoint && item.point === null) flags += ctx.t("fieldwork.plan_flag_no_point");
  const note = plan.postponedNotes.get(item.id);
  if (note) flags += ctx.t("fieldwork.plan_flag_postponed", { reason: reasonLabel(ctx, note.code, note.text) });
  return flags;
}

/** A postponement reason as shown: the chosen label, or what the volunteer typed. */
export function reasonLabel(ctx: { t: BotContext["t"] }, code: string, text: string | null): string {
  return code === "lainnya" && text ? text : ctx.t(`fieldwork.postpone_reason.${code}`);
}

/** "🎯 Target Desember 2026: 6/10 kunjungan (60%) · 1/2 keluarga baru", or null without a target. */
export async function progressLine(ctx: BotContext, user: User, today: string): Promise<string | null> {
  const month = monthOf(today);
  const target = effectiveTarget(await targetRows(ctx.db, month, [user.id]), user.id, user.area_code);
  if (!target) return null;
  const done = (await monthProgress(ctx.db, [user.id], month)).get(user.id)!;
  return ctx.t("fieldwork.plan_target", {
    month: formatMonth(month, ctx.locale),
    visits: done.visits,
    visitsTarget: target.visits,
    pct: percentOf(done.visits, target.visits) ?? "–",
    regs: done.registrations,
    regsTarget: target.registrations,
  });
}

/** The overview: every group with its households, a button per group. */
export async function renderPlanOverview(ctx: BotContext): Promise<{ text: string; reply_markup?: InlineKeyboard }> {
  const user = ctx.user!;
  const plan = await loadUserPlan(ctx.db, user, ctx.deps.now());
  const lines = [ctx.t("fieldwork.plan_title", { date: formatDateId(plan.today, ctx.locale) })];
  const progress = await progressLine(ctx, user, plan.today);
  if (progress) lines.push(progress);
  const total = plan.groups.reduce((n, g) => n + g.items.length, 0);
  if (total === 0) {
    lines.push("", ctx.t("fieldwork.plan_empty"));
    const next = await nextPlannedDate(ctx.db, user.id, plan.today);
    if (next) lines.push(ctx.t("fieldwork.plan_next", { n: next.n, date: formatDateId(next.date, ctx.locale) }));
    if (plan.postponed > 0) lines.push(ctx.t("fieldwork.plan_postponed_today", { n: plan.postponed }));
    return { text: lines.join("\n") };
  }
  lines.push(ctx.t("fieldwork.plan_summary", { n: total, groups: plan.groups.length }));
  let shown = 0;
  let n = 0;
  for (const g of plan.groups) {
    lines.push("", ctx.t("fieldwork.plan_group", { village: g.villageName, rtrw: rtRwText(ctx, g), n: g.items.length }));
    for (const item of g.items) {
      n++;
      if (shown >= MAX_OVERVIEW_LINES) continue;
      shown++;
      lines.push(
        ctx.t("fieldwork.plan_item", {
          n,
          code: formatRefCode(item.refCode),
          name: truncate(item.headName, 40),
          when: whenText(ctx, item),
          flags: flagsText(ctx, item, plan, false),
        }),
      );
    }
  }
  if (total > shown) lines.push("", ctx.t("fieldwork.plan_more", { n: total - shown }));
  if (plan.postponed > 0) lines.push("", ctx.t("fieldwork.plan_postponed_today", { n: plan.postponed }));
  lines.push("", ctx.t("fieldwork.plan_hint"));
  const kb = new InlineKeyboard();
  for (const g of plan.groups.slice(0, MAX_GROUP_BUTTONS)) {
    kb.text(
      truncate(ctx.t("fieldwork.plan_btn_group", { village: g.villageName, rtrw: rtRwText(ctx, g), n: g.items.length }), 60),
      encodeFw({ k: "group", village: g.villageCode, rw: g.rw, rt: g.rt }),
    ).row();
  }
  return { text: truncate(lines.join("\n"), 4000), reply_markup: kb };
}

/** One group: its households in walking order, Laporkan and Tunda for each, the route links. */
export async function renderPlanGroup(
  ctx: BotContext,
  key: { village: string; rw: string | null; rt: string | null },
): Promise<{ text: string; reply_markup: InlineKeyboard }> {
  const plan = await loadUserPlan(ctx.db, ctx.user!, ctx.deps.now());
  const g = plan.groups.find((x) => x.villageCode === key.village && x.rw === key.rw && x.rt === key.rt);
  const kb = new InlineKeyboard();
  if (!g) {
    kb.text(ctx.t("fieldwork.btn_back_plan"), encodeFw({ k: "plan" }));
    return { text: ctx.t("fieldwork.group_gone"), reply_markup: kb };
  }
  const lines = [ctx.t("fieldwork.group_title", { village: g.villageName, rtrw: rtRwText(ctx, g), n: g.items.length }), ctx.t("fieldwork.group_order_hint"), ""];
  g.items.forEach((item, i) => {
    lines.push(
      ctx.t("fieldwork.group_item", {
        n: i + 1,
        code: formatRefCode(item.refCode),
        name: truncate(item.headName, 40),
        address: truncate(item.address ?? "–", 60),
        when: whenText(ctx, item),
        flags: flagsText(ctx, item, plan, true),
      }),
    );
  });
  if (g.route.length === 0) lines.push("", ctx.t("fieldwork.group_no_points"));
  for (const [i, item] of g.items.slice(0, MAX_GROUP_ITEMS).entries()) {
    // "vr:<id>" is the visit report's own button (the household card's): it checks ownership again.
    kb.text(ctx.t("fieldwork.btn_report", { n: i + 1, code: formatRefCode(item.refCode) }), VR.encode("_report", { id: item.id }));
    kb.text(ctx.t("fieldwork.btn_postpone"), encodeFw({ k: "postpone", householdId: item.id })).row();
  }
  const legs = routeLegs(g.route);
  for (const leg of legs) {
    kb.url(g.route.length === 1 ? ctx.t("fieldwork.btn_map") : ctx.t("fieldwork.btn_route", { from: leg.from, to: leg.to }), leg.url).row();
  }
  kb.text(ctx.t("fieldwork.btn_back_plan"), encodeFw({ k: "plan" }));
  return { text: truncate(lines.join("\n"), 4000), reply_markup: kb };
}

/** Shows a rendering in the tapped message (or a new one when it cannot be edited). */
export async function showInPlace(ctx: BotContext, view: { text: string; reply_markup?: InlineKeyboard }): Promise<void> {
  const extra = view.reply_markup ? { reply_markup: view.reply_markup } : {};
  if (ctx.callbackQuery?.message) {
    try {
      await ctx.editMessageText(view.text, extra);
      return;
    } catch (err) {
      if (err instanceof GrammyError && /not modified/i.test(err.description)) return;
      if (!(err instanceof GrammyError)) throw err;
    }
  }
  await ctx.reply(view.text, extra);
}

/** /rencana and "🗓️ Rencana hari ini". */
export async function showPlan(ctx: BotContext): Promise<void> {
  await showInPlace(ctx, await renderPlanOverview(ctx));
}

/** "Tunda": only the assigned volunteer, for a household that is on today's plan. */
export async function startPostpone(ctx: BotContext, householdId: number): Promise<void> {
  const h = await findHousehold(ctx.db, householdId);
  const user = ctx.user!;
  if (!h || h.volunteer_id !== user.id || !canViewHousehold(user, h) || h.anonymized_at !== null) {
    await ctx.answerCallbackQuery({ text: ctx.t("fieldwork.postpone_not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await enterFlowFromButton(ctx, PLAN_POSTPONE, h.id);
}
