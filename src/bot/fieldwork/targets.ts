import { z } from "zod";
import { GrammyError, InlineKeyboard, type Api, type RawApi } from "grammy";
import { sql } from "kysely";
import type { AppDeps, BotContext } from "../context.js";
import type { Db, User } from "../../db/schema.js";
import type { Logger } from "../../logger.js";
import { defineJob, type Ticker } from "../jobs.js";
import { markUnreachableOn403 } from "../notices.js";
import { describeError } from "../errors.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import { regionLabel } from "../../db/queries/regions.js";
import { activeVolunteersIn, monthProgress, progressBetween, targetRows, type FieldVolunteer, type Progress, type TargetRecord } from "../../db/queries/fieldwork.js";
import { scopeOf, staffAreaOf } from "../../domain/scope.js";
import { formatDateId } from "../../domain/dates.js";
import { TIME_ZONES, addDays, localDate, localHour, zoneTz, type ZoneLabel } from "../../domain/visit.js";
import { isWithinArea } from "../../domain/region-names.js";
import {
  BEHIND_PERCENT,
  addMonths,
  effectiveTarget,
  formatMonth,
  isBehind,
  isoWeekday,
  mondayOf,
  monthOf,
  percentOf,
  weeklyShare,
  type EffectiveTarget,
  type Month,
} from "../../domain/fieldwork/targets.js";
import { truncate } from "../../lib/text.js";
import { enterFlowFromButton } from "../flow-entry.js";
import { SET_TARGET } from "../../flows/fieldwork/target.js";
import { encodeFw } from "../../ui/fieldwork/callback-data.js";
import { showInPlace } from "./plan.js";
import { tFor, userZone } from "./common.js";

/** The weekly progress message goes out on Saturdays at 16:00 local time. */
export const WEEKLY_WEEKDAY = 6;
export const WEEKLY_HOUR = 16;
/** The coordinators' list of volunteers behind target: the 25th, 08:00 local time. */
export const BEHIND_DAY = 25;
export const BEHIND_HOUR = 8;

export const WEEKLY_JOB = "fieldwork-weekly";
export const BEHIND_JOB = "fieldwork-behind";

/** Lines in the overview and in the 25th-day list. */
const MAX_LINES = 30;

export interface VolunteerProgress {
  volunteer: FieldVolunteer;
  target: EffectiveTarget | null;
  done: Progress;
}

/** Every active volunteer of an area with their target (if any) and progress in a month. */
export async function areaProgress(db: Db, area: string | null, month: Month): Promise<{ rows: VolunteerProgress[]; targets: TargetRecord[] }> {
  const volunteers = await activeVolunteersIn(db, area);
  const ids = volunteers.map((v) => v.id);
  const targets = await targetRows(db, month, ids);
  const done = await monthProgress(db, ids, month);
  return {
    rows: volunteers.map((v) => ({ volunteer: v, target: effectiveTarget(targets, v.id, v.area_code), done: done.get(v.id)! })),
    targets,
  };
}

/** Behind when a visits or a registrations target is set and under 60% of it is reached. */
export function behind(p: VolunteerProgress): boolean {
  return p.target !== null && (isBehind(p.done.visits, p.target.visits) || isBehind(p.done.registrations, p.target.registrations));
}

function pct(done: number, target: number): string {
  const p = percentOf(done, target);
  return p === null ? "–" : String(p);
}

// === /target

async function renderTargets(ctx: BotContext, month: Month): Promise<{ text: string; reply_markup: InlineKeyboard }> {
  const user = ctx.user!;
  const area = staffAreaOf(scopeOf(user))!;
  const zone = await userZone(ctx.db, user);
  const thisMonth = monthOf(localDate(ctx.deps.now(), zone.tz));
  const { rows, targets } = await areaProgress(ctx.db, area, month);
  const areaName = area ? ((await regionLabel(ctx.db, area, { full: false })) ?? area) : ctx.t("koordinator.whole_country");
  const lines = [ctx.t("fieldwork.targets_title", { month: formatMonth(month, ctx.locale), area: areaName })];
  // Area targets that apply here: the area's own or an enclosing one, and those inside it.
  const areaTargets = targets.filter((t) => t.areaCode !== null && (area === null || isWithinArea(t.areaCode, area) || isWithinArea(area, t.areaCode)));
  if (areaTargets.length === 0) lines.push(ctx.t("fieldwork.targets_area_none"));
  for (const t of areaTargets.slice(0, 10)) {
    lines.push(
      ctx.t("fieldwork.targets_area_line", {
        area: (await regionLabel(ctx.db, t.areaCode!, { full: false })) ?? t.areaCode!,
        visits: t.visits,
        regs: t.registrations,
      }),
    );
  }
  lines.push("");
  if (rows.length === 0) lines.push(ctx.t("fieldwork.targets_no_volunteers"));
  for (const p of rows.slice(0, MAX_LINES)) {
    const name = truncate(p.volunteer.name ?? `#${p.volunteer.id}`, 40);
    if (!p.target) {
      lines.push(ctx.t("fieldwork.targets_item_none", { name, visits: p.done.visits, regs: p.done.registrations }));
      continue;
    }
    lines.push(
      ctx.t("fieldwork.targets_item", {
        name,
        visits: p.done.visits,
        visitsTarget: p.target.visits,
        pct: pct(p.done.visits, p.target.visits),
        regs: p.done.registrations,
        regsTarget: p.target.registrations,
        own: p.target.source === "volunteer" ? ctx.t("fieldwork.targets_own_marker") : "",
        behind: behind(p) ? ctx.t("fieldwork.targets_behind_marker", { pct: BEHIND_PERCENT }) : "",
      }),
    );
  }
  if (rows.length > MAX_LINES) lines.push(ctx.t("fieldwork.targets_more", { n: rows.length - MAX_LINES }));
  lines.push("", ctx.t("fieldwork.targets_note"));
  const kb = new InlineKeyboard();
  if (month >= thisMonth) kb.text(ctx.t("fieldwork.targets_btn_set"), encodeFw({ k: "setTarget", month })).row();
  const prev = addMonths(month, -1);
  const next = addMonths(month, 1);
  if (prev >= addMonths(thisMonth, -12)) kb.text(ctx.t("fieldwork.btn_prev_month", { month: formatMonth(prev, ctx.locale) }), encodeFw({ k: "targets", month: prev }));
  if (next <= addMonths(thisMonth, 12)) kb.text(ctx.t("fieldwork.btn_next_month", { month: formatMonth(next, ctx.locale) }), encodeFw({ k: "targets", month: next }));
  return { text: truncate(lines.join("\n"), 4000), reply_markup: kb };
}

/** Staff with a scope (coordinators with an area, admins); everyone else is told no. */
function staffScope(ctx: BotContext): boolean {
  return staffAreaOf(scopeOf(ctx.user)) !== undefined;
}

export async function showTargets(ctx: BotContext, month: Month | null): Promise<void> {
  if (!staffScope(ctx)) {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("fieldwork.target_denied").slice(0, 200), show_alert: true });
    else await ctx.reply(ctx.t("fieldwork.target_denied"));
    return;
  }
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  const zone = await userZone(ctx.db, ctx.user!);
  await showInPlace(ctx, await renderTargets(ctx, month ?? monthOf(localDate(ctx.deps.now(), zone.tz))));
}

export async function startSetTarget(ctx: BotContext, month: Month): Promise<void> {
  if (!staffScope(ctx)) {
    await ctx.answerCallbackQuery({ text: ctx.t("fieldwork.target_denied").slice(0, 200), show_alert: true });
    return;
  }
  await enterFlowFromButton(ctx, SET_TARGET, month);
}

// === Sending once per person and period

async function sendOnce(
  deps: AppDeps,
  api: Api<RawApi>,
  log: Logger,
  entry: { kind: "weekly" | "behind"; user: User; period: string },
  text: string,
  replyMarkup?: InlineKeyboard,
): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("fieldwork_message_log")
      .values({ kind: entry.kind, user_id: entry.user.id, period: entry.period, sent_at: deps.now(), delivered: true })
      .onConflict((oc) => oc.columns(["kind", "user_id", "period"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!row) return false;
    try {
      await api.sendMessage(entry.user.telegram_id, text, { parse_mode: "HTML", ...(replyMarkup ? { reply_markup: replyMarkup } : {}) });
      return true;
    } catch (err) {
      const permanent = err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403);
      log.warn({ kind: entry.kind, userId: entry.user.id, err: describeError(err) }, "field-work message not sent");
      if (!permanent) throw err;
      await markUnreachableOn403(trx, entry.user, err, deps.now());
      await trx.updateTable("fieldwork_message_log").set({ delivered: false }).where("id", "=", row.id).execute();
      return false;
    }
  });
}

/** Users whose working area lies in a zone (no area: WIB, the default zone). */
function inZone(zone: ZoneLabel) {
  return sql<boolean>`(substr(coalesce(users.area_code, ''), 1, 2) in (select code from regions where level = 1 and tz_label = ${zone})${
    zone === "WIB" ? sql` or users.area_code is null` : sql``
  })`;
}

// === Weekly progress (volunteers)

/** The weekly message for one volunteer, or null when no target applies this week. */
export async function weeklyMessage(deps: AppDeps, user: User, monday: string, today: string): Promise<string | null> {
  const months = [...new Set([monthOf(monday), monthOf(addDays(monday, 6))])];
  const targets = new Map<Month, EffectiveTarget | null>();
  for (const m of months) targets.set(m, effectiveTarget(await targetRows(deps.db, m, [user.id]), user.id, user.area_code));
  const share = weeklyShare(monday, (m) => targets.get(m)?.visits ?? null);
  if (share === null) return null;
  const week = (await progressBetween(deps.db, [user.id], monday, addDays(monday, 6))).get(user.id)!;
  const month = monthOf(today);
  const target = targets.get(month) ?? effectiveTarget(await targetRows(deps.db, month, [user.id]), user.id, user.area_code);
  const done = (await monthProgress(deps.db, [user.id], month)).get(user.id)!;
  const { t, locale } = tFor(deps, user);
  const lines = [t("fieldwork.weekly_title", { done: week.visits, target: share })];
  if (target) {
    lines.push(
      t("fieldwork.weekly_month", {
        month: formatMonth(month, locale),
        visits: done.visits,
        visitsTarget: target.visits,
        regs: done.registrations,
        regsTarget: target.registrations,
      }),
    );
    const left = Math.max(0, target.visits - done.visits);
    lines.push(left === 0 ? t("fieldwork.weekly_cheer_done") : t("fieldwork.weekly_cheer_left", { n: left }));
  }
  lines.push(t("fieldwork.weekly_hint"));
  return lines.join("\n");
}

export async function runWeekly(deps: AppDeps, api: Api<RawApi>, log: Logger, zone: ZoneLabel, monday: string): Promise<number> {
  const today = localDate(deps.now(), zoneTz(zone));
  const volunteers = await deps.db
    .selectFrom("users")
    .selectAll()
    .where("role", "=", "volunteer")
    .where("status", "=", "active")
    .where(inZone(zone))
    .orderBy("id")
    .execute();
  let sent = 0;
  for (const user of volunteers) {
    const text = await weeklyMessage(deps, user, monday, today);
    if (text && (await sendOnce(deps, api, log, { kind: "weekly", user, period: monday }, text))) sent++;
  }
  log.info({ zone, monday, sent }, "weekly progress sent");
  return sent;
}

export const weeklyJob = defineJob(WEEKLY_JOB, z.object({ zone: z.enum(["WIB", "WITA", "WIT"]), monday: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }), async ({ deps, api, log }, p) => {
  await runWeekly(deps, api, log, p.zone, p.monday);
});

// === The 25th: volunteers behind target (coordinators)

export async function behindMessage(deps: AppDeps, coordinator: User, month: Month, today: string): Promise<string | null> {
  const area = coordinator.area_code;
  if (!area) return null;
  const { rows } = await areaProgress(deps.db, area, month);
  const withTarget = rows.filter((r) => r.target !== null);
  if (withTarget.length === 0) return null;
  const { t, locale } = tFor(deps, coordinator);
  const areaName = (await regionLabel(deps.db, area, { full: false })) ?? area;
  const late = withTarget.filter(behind);
  if (late.length === 0) return t("fieldwork.behind_none", { month: formatMonth(month, locale), area: areaName, date: formatDateId(today, locale), pct: BEHIND_PERCENT });
  const lines = [t("fieldwork.behind_title", { month: formatMonth(month, locale), area: areaName, date: formatDateId(today, locale), pct: BEHIND_PERCENT, n: late.length })];
  for (const p of late.slice(0, MAX_LINES)) {
    lines.push(
      t("fieldwork.behind_item", {
        name: truncate(p.volunteer.name ?? `#${p.volunteer.id}`, 40),
        visits: p.done.visits,
        visitsTarget: p.target!.visits,
        vp: pct(p.done.visits, p.target!.visits),
        regs: p.done.registrations,
        regsTarget: p.target!.registrations,
        rp: pct(p.done.registrations, p.target!.registrations),
      }),
    );
  }
  if (late.length > MAX_LINES) lines.push(t("fieldwork.targets_more", { n: late.length - MAX_LINES }));
  lines.push("", t("fieldwork.behind_hint"));
  return lines.join("\n");
}

export async function runBehind(deps: AppDeps, api: Api<RawApi>, log: Logger, zone: ZoneLabel, month: Month): Promise<number> {
  const today = localDate(deps.now(), zoneTz(zone));
  const coordinators = await deps.db
    .selectFrom("users")
    .selectAll()
    .where("role", "=", "coordinator")
    .where("status", "=", "active")
    .where("area_code", "is not", null)
    .where(inZone(zone))
    .orderBy("id")
    .execute();
  let sent = 0;
  for (const user of coordinators) {
    const text = await behindMessage(deps, user, month, today);
    if (text && (await sendOnce(deps, api, log, { kind: "behind", user, period: month }, text))) sent++;
  }
  log.info({ zone, month, sent }, "behind-target lists sent");
  return sent;
}

export const behindJob = defineJob(BEHIND_JOB, z.object({ zone: z.enum(["WIB", "WITA", "WIT"]), month: z.string().regex(/^\d{4}-\d{2}$/) }), async ({ deps, api, log }, p) => {
  await runBehind(deps, api, log, p.zone, p.month);
});

/**
 * Ticker: on Saturdays from 16:00 local time the zone's weekly progress, on the 25th from
 * 08:00 the zone's behind-target lists; each enqueued once ever under its key.
 */
export const fieldworkTicker: Ticker = async (deps, seen) => {
  const now = deps.now();
  for (const z of TIME_ZONES) {
    const today = localDate(now, z.tz);
    const hour = localHour(now, z.tz);
    if (isoWeekday(today) === WEEKLY_WEEKDAY && hour >= WEEKLY_HOUR) {
      const monday = mondayOf(today);
      const key = `fw-weekly:${monday}:${z.label}`;
      if (!seen.has(key)) {
        await enqueueJob(deps.db, WEEKLY_JOB, { zone: z.label, monday }, { key, now });
        seen.add(key);
      }
    }
    if (Number(today.slice(8, 10)) === BEHIND_DAY && hour >= BEHIND_HOUR) {
      const month = monthOf(today);
      const key = `fw-behind:${month}:${z.label}`;
      if (!seen.has(key)) {
        await enqueueJob(deps.db, BEHIND_JOB, { zone: z.label, month }, { key, now });
        seen.add(key);
      }
    }
  }
};
