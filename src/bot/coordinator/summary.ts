import { Composer, InputFile } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCommand } from "../commands/registry.js";
import { areaSummary, type AreaSummary } from "../../db/queries/coordinator.js";
import { audit } from "../../db/queries/audit.js";
import { formatCount } from "../../domain/broadcast.js";
import { formatDateId } from "../../domain/dates.js";
import { HOUSEHOLD_STATUSES } from "../../domain/ppks.js";
import { renderBarChartPng } from "../../lib/chart.js";
import type { TFunction } from "../../i18n.js";
import { areaName, staffArea, zoneOf } from "./common.js";

export const summaryHandlers = new Composer<BotContext>();

const SHORT_MONTHS: Record<string, string[]> = {
  id: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
  en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
};

/** "7 Sep": the Monday a week starts on. */
export function shortDate(iso: string, locale: string): string {
  const [, m, d] = iso.split("-").map(Number) as [number, number, number];
  return `${d} ${(SHORT_MONTHS[locale] ?? SHORT_MONTHS.id!)[m - 1]}`;
}

const TOP_PPKS = 6;

/** The /rekap message: every figure of the area in one compact text. */
export function summaryText(t: TFunction, locale: string, s: AreaSummary, area: string, zoneLabel: string, overdueDays: number): string {
  const f = (n: number) => formatCount(n, locale);
  const statuses = HOUSEHOLD_STATUSES.filter((st) => (s.byStatus[st] ?? 0) > 0)
    .map((st) => `${t(`vocab.status.${st}`)} ${f(s.byStatus[st] ?? 0)}`)
    .join(" · ");
  const ppks = s.byPpks
    .slice(0, TOP_PPKS)
    .map((p) => `${t(`vocab.ppks.${p.code}`, { defaultValue: p.code })} ${f(p.n)}`)
    .join(" · ");
  const more = s.byPpks.length > TOP_PPKS ? ` ${t("rekap.ppks_more", { count: s.byPpks.length - TOP_PPKS })}` : "";
  const lines = [
    t("rekap.title", { area, date: formatDateId(s.today, locale === "en" ? "en" : "id"), zone: zoneLabel }),
    "",
    t("rekap.households", { total: f(s.households) }),
    s.households > 0 ? `   ${statuses}` : null,
    t("rekap.ppks", { list: ppks === "" ? "–" : ppks + more }),
    t("rekap.registrations", { week: f(s.registrations.week), month: f(s.registrations.month) }),
    t("rekap.visits", { week: f(s.visits.week), month: f(s.visits.month) }),
    t("rekap.overdue", { n: f(s.overdue), days: overdueDays }),
    t("rekap.volunteers", { active: f(s.volunteers.active), active30: f(s.volunteers.active30), pending: f(s.volunteers.pending) }),
    t("rekap.alerts", { open: f(s.alerts.open), unresolved: f(s.alerts.unresolved) }),
  ];
  return lines.filter((l): l is string => l !== null).join("\n");
}

guardedCommand(summaryHandlers, "rekap", async (ctx) => {
  const user = ctx.user!;
  const area = staffArea(user);
  if (user.role === "coordinator" && !area) {
    await ctx.reply(ctx.t("koordinator.no_area"));
    return;
  }
  const zone = await zoneOf(ctx.db, area);
  const s = await areaSummary(ctx.db, area, {
    now: ctx.deps.now(),
    tz: zone.tz,
    zoneLabel: zone.label,
    overdueDays: ctx.deps.config.OVERDUE_DAYS,
  });
  const label = await areaName(ctx, area);
  await audit(ctx.db, { actorId: user.id, action: "summary.viewed", entity: "area", entityId: area ?? "ID", details: {} });
  await ctx.reply(summaryText(ctx.t, ctx.locale, s, label, zone.label, ctx.deps.config.OVERDUE_DAYS));
  const png = await renderBarChartPng({
    title: ctx.t("rekap.chart_title", { weeks: s.weekly.length }),
    labels: s.weekly.map((w) => shortDate(w.weekStart, ctx.locale)),
    values: s.weekly.map((w) => w.count),
    xName: ctx.t("rekap.chart_x"),
  });
  await ctx.replyWithPhoto(new InputFile(png, "kunjungan-per-minggu.png"), {
    caption: ctx.t("rekap.chart_caption", { area: label, weeks: s.weekly.length }),
  });
});
