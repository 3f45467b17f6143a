import { z } from "zod";
import { InlineKeyboard, InputFile } from "grammy";
import type { BotContext } from "../context.js";
import type { Db, User } from "../../db/schema.js";
import type { PiiCrypto } from "../../pii.js";
import type { TFunction } from "../../i18n.js";
import { defineJob } from "../jobs.js";
import { describeError } from "../errors.js";
import { audit } from "../../db/queries/audit.js";
import { findUserById } from "../../db/queries/users.js";
import { findAreaVolunteer, listAreaVolunteers } from "../../db/queries/coordinator.js";
import { getRegionPath, regionLabel, regionTimezone } from "../../db/queries/regions.js";
import { coordinatorsCovering, reportRegistrations, reportVisits, type ReportScope } from "../../db/queries/fieldwork.js";
import { scopeOf, staffAreaOf } from "../../domain/scope.js";
import { formatLocalDateTime } from "../../domain/onboarding.js";
import { localDate } from "../../domain/visit.js";
import { regionLevel } from "../../domain/region-names.js";
import { addMonths, compactMonth, formatMonth, isMonth, monthOf, parseMonthInput, type Month } from "../../domain/fieldwork/targets.js";
import { fileSlug } from "../../domain/fieldwork/report.js";
import { truncate } from "../../lib/text.js";
import { encodeFw, type ReportSubject } from "../../ui/fieldwork/callback-data.js";
import { showInPlace } from "./plan.js";
import { WIB, tFor, userZone, type Zone } from "./common.js";
import { renderReportPdf, renderReportXlsx, type ReportData, type ReportMeta } from "./report-render.js";

export const REPORT_JOB = "fieldwork-report";

/** Months offered (the current one and earlier). */
const MONTHS_BACK = 6;
/** Oldest month a report may be asked for. */
const MAX_MONTHS_BACK = 24;
const VOLUNTEERS_PER_PAGE = 8;

/** Whose activity, as the requester may see it now. */
export type ResolvedSubject =
  /** One reporter's visits and registrations (within `area` when staff ask: their area only). */
  | { kind: "volunteer"; volunteer: User; area: string | null }
  /** Everything on the area's households (null: the whole country, admins). */
  | { kind: "area"; area: string | null };

/**
 * Decides, from the requester's scope alone (never from the button), what a subject means:
 * volunteers get only their own report; coordinators their own, their area's, or one of
 * their area's volunteers'; admins anyone's. Null when refused.
 */
export async function resolveSubject(db: Db, requester: User | undefined, subject: ReportSubject): Promise<ResolvedSubject | null> {
  const scope = scopeOf(requester);
  if (!requester || scope.kind === "none") return null;
  if (subject.kind === "self" || (subject.kind === "volunteer" && subject.id === requester.id)) {
    return { kind: "volunteer", volunteer: requester, area: null };
  }
  const area = staffAreaOf(scope);
  if (area === undefined) return null;
  if (subject.kind === "area") return { kind: "area", area };
  if (!(await findAreaVolunteer(db, area, subject.id))) return null;
  const volunteer = await findUserById(db, subject.id);
  return volunteer ? { kind: "volunteer", volunteer, area } : null;
}

function allowedMonth(month: Month, thisMonth: Month): boolean {
  return month <= thisMonth && month >= addMonths(thisMonth, -MAX_MONTHS_BACK);
}

function toScope(r: ResolvedSubject): ReportScope {
  return r.kind === "volunteer" ? { kind: "volunteer", volunteerId: r.volunteer.id, area: r.area } : { kind: "area", area: r.area };
}

/** The kop and the signing place from the area's regions: "PEMERINTAH KABUPATEN BOGOR", "Cibinong". */
async function placeOf(db: Db, code: string | null): Promise<{ government: string | null; place: string; label: string | null }> {
  if (!code) return { government: null, place: "", label: null };
  const path = await getRegionPath(db, code);
  const regency = path.find((r) => regionLevel(r.code) === 2);
  const province = path.find((r) => regionLevel(r.code) === 1);
  const district = path.find((r) => regionLevel(r.code) === 3);
  const government = regency ? `PEMERINTAH ${regency.name.toUpperCase()}` : province ? `PEMERINTAH PROVINSI ${province.name.toUpperCase()}` : null;
  const place = district?.name ?? regency?.name.replace(/^(Kabupaten|Kota)\s+/i, "") ?? province?.name ?? "";
  return { government, place, label: await regionLabel(db, code, { full: true }) };
}

/** Everything the PDF and the XLSX show (the query results and the header facts). */
export async function buildReportData(
  deps: { db: Db; pii: PiiCrypto; now: () => Date },
  t: TFunction,
  requester: User,
  resolved: ResolvedSubject,
  month: Month,
): Promise<ReportData> {
  const scope = toScope(resolved);
  const [visits, registrations] = [await reportVisits(deps.db, scope, month), await reportRegistrations(deps.db, deps.pii, scope, month)];
  const areaCode = resolved.kind === "volunteer" ? (resolved.volunteer.area_code ?? resolved.area) : resolved.area;
  const where = await placeOf(deps.db, areaCode);
  const zone: Zone = (areaCode ? await regionTimezone(deps.db, areaCode) : null) ?? WIB;
  const now = deps.now();
  let coordinatorName: string | null = null;
  if (resolved.kind === "area" || resolved.volunteer.id !== requester.id) {
    // Staff asked: the requester signs as coordinator (an admin too, for the whole country).
    coordinatorName = requester.name;
  } else if (resolved.volunteer.area_code) {
    coordinatorName = (await coordinatorsCovering(deps.db, resolved.volunteer.area_code)).find((c) => c.id !== resolved.volunteer.id)?.name ?? null;
  }
  const plain = { interpolation: { escapeValue: false } };
  const meta: ReportMeta = {
    month,
    kind: resolved.kind,
    subjectName:
      resolved.kind === "volunteer"
        ? (resolved.volunteer.name ?? `#${resolved.volunteer.id}`)
        : (t("fieldwork.report_area_subject", { area: where.label ?? t("koordinator.whole_country"), ...plain }) as string),
    areaLabel: where.label ?? (t("koordinator.whole_country", plain) as string),
    government: where.government,
    place: where.place || "……………",
    signedOn: localDate(now, zone.tz),
    coordinatorName,
    volunteerName: resolved.kind === "volunteer" ? resolved.volunteer.name : null,
    generatedLabel: formatLocalDateTime(now, "id", zone),
  };
  return { meta, visits, registrations };
}

// === Choosing whose report and which month

function subjectLine(ctx: BotContext, subject: ReportSubject, name: string | null): string {
  if (subject.kind === "self") return ctx.t("fieldwork.report_for_self");
  if (subject.kind === "area") return ctx.t("fieldwork.report_for_area", { area: name ?? "" });
  return ctx.t("fieldwork.report_for_volunteer", { name: name ?? "" });
}

async function subjectName(ctx: BotContext, resolved: ResolvedSubject): Promise<string> {
  if (resolved.kind === "volunteer") return resolved.volunteer.name ?? `#${resolved.volunteer.id}`;
  return resolved.area ? ((await regionLabel(ctx.db, resolved.area, { full: false })) ?? resolved.area) : ctx.t("koordinator.whole_country");
}

async function thisMonthOf(ctx: BotContext): Promise<Month> {
  return monthOf(localDate(ctx.deps.now(), (await userZone(ctx.db, ctx.user!)).tz));
}

export async function showMonthPicker(ctx: BotContext, subject: ReportSubject): Promise<void> {
  const resolved = await resolveSubject(ctx.db, ctx.user, subject);
  if (!resolved) {
    await deny(ctx);
    return;
  }
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  const thisMonth = await thisMonthOf(ctx);
  const kb = new InlineKeyboard();
  for (let i = 0; i < MONTHS_BACK; i++) {
    const m = addMonths(thisMonth, -i);
    kb.text(formatMonth(m, ctx.locale), encodeFw({ k: "report", subject, month: m }));
    if (i % 2 === 1) kb.row();
  }
  if (staffAreaOf(scopeOf(ctx.user)) !== undefined) kb.row().text(ctx.t("common.back"), encodeFw({ k: "reportWho", page: 0 }));
  await showInPlace(ctx, {
    text: ctx.t("fieldwork.report_pick_month", { who: subjectLine(ctx, subject, await subjectName(ctx, resolved)) }),
    reply_markup: kb,
  });
}

export async function showWhoPicker(ctx: BotContext, page: number): Promise<void> {
  const area = staffAreaOf(scopeOf(ctx.user));
  if (area === undefined) {
    await deny(ctx);
    return;
  }
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  const { rows, total } = await listAreaVolunteers(ctx.db, area, { limit: VOLUNTEERS_PER_PAGE, offset: page * VOLUNTEERS_PER_PAGE });
  const pages = Math.max(1, Math.ceil(total / VOLUNTEERS_PER_PAGE));
  const areaName = area ? ((await regionLabel(ctx.db, area, { full: false })) ?? area) : ctx.t("koordinator.whole_country");
  const kb = new InlineKeyboard()
    .text(truncate(ctx.t("fieldwork.report_who_area", { area: areaName }), 60), encodeFw({ k: "reportMonth", subject: { kind: "area" } }))
    .row()
    .text(ctx.t("fieldwork.report_who_self"), encodeFw({ k: "reportMonth", subject: { kind: "self" } }))
    .row();
  rows.forEach((v, i) => {
    kb.text(truncate(v.name ?? `#${v.id}`, 30), encodeFw({ k: "reportMonth", subject: { kind: "volunteer", id: v.id } }));
    if (i % 2 === 1) kb.row();
  });
  kb.row();
  if (page > 0) kb.text(ctx.t("common.prev_page"), encodeFw({ k: "reportWho", page: page - 1 }));
  if (page < pages - 1) kb.text(ctx.t("common.next_page"), encodeFw({ k: "reportWho", page: page + 1 }));
  await showInPlace(ctx, {
    text: ctx.t("fieldwork.report_pick_who", { area: areaName, n: total, page: page + 1, pages }),
    reply_markup: kb,
  });
}

async function deny(ctx: BotContext): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("fieldwork.report_denied").slice(0, 200), show_alert: true });
  else await ctx.reply(ctx.t("fieldwork.report_denied"));
}

/** /laporan [bulan]: volunteers pick a month; staff first pick whose report. */
export async function reportCommand(ctx: BotContext, arg: string): Promise<void> {
  const isStaff = staffAreaOf(scopeOf(ctx.user)) !== undefined;
  if (arg !== "" && !isStaff) {
    const thisMonth = await thisMonthOf(ctx);
    const month = parseMonthInput(arg, thisMonth);
    if (!month || !allowedMonth(month, thisMonth)) {
      await ctx.reply(ctx.t("fieldwork.report_month_invalid"));
      return;
    }
    await requestReport(ctx, { kind: "self" }, month);
    return;
  }
  if (isStaff) await showWhoPicker(ctx, 0);
  else await showMonthPicker(ctx, { kind: "self" });
}

/** Queues the report (one per tapped message and choice, even when the tap arrives twice). */
export async function requestReport(ctx: BotContext, subject: ReportSubject, month: Month): Promise<void> {
  const resolved = await resolveSubject(ctx.db, ctx.user, subject);
  const thisMonth = await thisMonthOf(ctx);
  if (!resolved) {
    await deny(ctx);
    return;
  }
  if (!allowedMonth(month, thisMonth)) {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("fieldwork.report_month_invalid").slice(0, 200), show_alert: true });
    else await ctx.reply(ctx.t("fieldwork.report_month_invalid"));
    return;
  }
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  const user = ctx.user!;
  const chatId = ctx.chat!.id;
  const code = subject.kind === "self" ? "s" : subject.kind === "area" ? "a" : `v${subject.id}`;
  const messageId = ctx.callbackQuery?.message?.message_id ?? ctx.msg?.message_id ?? 0;
  await ctx.deps.jobs.enqueue(ctx.db, REPORT_JOB, { userId: user.id, chatId, subject: code, month }, { key: `fw-report:${chatId}:${messageId}:${code}:${compactMonth(month)}` });
  await audit(ctx.db, {
    actorId: user.id,
    action: "report.requested",
    entity: resolved.kind === "volunteer" ? "user" : "area",
    entityId: resolved.kind === "volunteer" ? resolved.volunteer.id : (resolved.area ?? "ID"),
    details: { month },
  });
  await showInPlace(ctx, { text: ctx.t("fieldwork.report_preparing", { month: formatMonth(month, ctx.locale), who: await subjectName(ctx, resolved) }) });
}

function parseSubjectCode(code: string): ReportSubject | null {
  if (code === "s") return { kind: "self" };
  if (code === "a") return { kind: "area" };
  const m = /^v(\d{1,9})$/.exec(code);
  return m ? { kind: "volunteer", id: Number(m[1]) } : null;
}

/**
 * Builds the PDF and the XLSX and sends both. Access is decided again with the account as
 * it is now (a volunteer moved or suspended meanwhile gets nothing they may no longer see).
 */
export const reportJob = defineJob(
  REPORT_JOB,
  z.object({ userId: z.number().int(), chatId: z.number().int(), subject: z.string().max(12), month: z.string() }),
  async ({ deps, api, log }, p) => {
    const requester = await findUserById(deps.db, p.userId);
    const { t, locale } = requester ? tFor(deps, requester) : { t: deps.i18n.t(deps.i18n.defaultLocale), locale: deps.i18n.defaultLocale };
    const subject = parseSubjectCode(p.subject);
    // The report goes to the requester's private chat only (the chat id of a private chat is the user id).
    const resolved = requester && subject && isMonth(p.month) && p.chatId === requester.telegram_id ? await resolveSubject(deps.db, requester, subject) : null;
    if (!requester || !resolved) {
      await api.sendMessage(p.chatId, t("fieldwork.report_denied"), { parse_mode: "HTML" }).catch(() => undefined);
      return;
    }
    const month = p.month as Month;
    const started = Date.now();
    try {
      const docT = deps.i18n.t("id");
      const data = await buildReportData(deps, docT, requester, resolved, month);
      const pdf = await renderReportPdf(docT, data, deps.now());
      const xlsx = await renderReportXlsx(docT, data);
      const base = `laporan-kegiatan_${fileSlug(resolved.kind === "volunteer" ? (resolved.volunteer.name ?? "relawan") : (resolved.area ?? "indonesia"))}_${month}`;
      const who = data.meta.subjectName;
      await api.sendDocument(p.chatId, new InputFile(pdf, `${base}.pdf`), {
        caption: t("fieldwork.report_caption_pdf", { month: formatMonth(month, locale), who, visits: data.visits.length, regs: data.registrations.length }),
        parse_mode: "HTML",
      });
      await api.sendDocument(p.chatId, new InputFile(xlsx, `${base}.xlsx`), { caption: t("fieldwork.report_caption_xlsx"), parse_mode: "HTML" });
      await audit(deps.db, {
        actorId: requester.id,
        action: "report.created",
        entity: resolved.kind === "volunteer" ? "user" : "area",
        entityId: resolved.kind === "volunteer" ? resolved.volunteer.id : (resolved.area ?? "ID"),
        details: { month, visits: data.visits.length, registrations: data.registrations.length },
      });
      log.info({ kind: resolved.kind, month, visits: data.visits.length, registrations: data.registrations.length, ms: Date.now() - started }, "activity report sent");
    } catch (err) {
      log.warn({ err: describeError(err) }, "activity report failed");
      await api.sendMessage(p.chatId, t("fieldwork.report_failed"), { parse_mode: "HTML" }).catch(() => undefined);
    }
  },
);
