/**
 * Background work of Cek Aman. Every job is keyed where it must happen once (escalation
 * stages, the first tallies, help alerts, the report) and idempotent where it may run again
 * (a tally edit, a notice refresh); none runs inside an update.
 *
 * @module
 */
import { z } from "zod";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GrammyError, InlineKeyboard, InputFile } from "grammy";
import { defineJob, type JobContext } from "../jobs.js";
import { sendNotices, updateNotices, markUnreachableOn403 } from "../notices.js";
import { describeError } from "../errors.js";
import { isLocale, type TFunction } from "../../i18n.js";
import type { AppDeps } from "../context.js";
import type { User } from "../../db/schema.js";
import {
  CEKAMAN_JOBS,
  claimTallyEdit,
  escalate,
  findEvent,
  helpTopic,
  loadHelpView,
  saveReportFile,
  saveTallyMessage,
  tallyList,
  tallyMessages,
  type CekamanEvent,
} from "../../db/queries/cekaman.js";
import { activeAdmins } from "../../db/queries/alerts.js";
import { findStaffCovering, findUserById } from "../../db/queries/users.js";
import { enqueueJob, extendJobLease } from "../../db/queries/jobs.js";
import { audit } from "../../db/queries/audit.js";
import { TALLY_EVERY_MS, rtRwLabel } from "../../domain/cekaman.js";
import { formatRefCode } from "../../domain/refcode.js";
import { localDate, maskName } from "../../domain/visit.js";
import { formatCount } from "../../domain/broadcast.js";
import { eventZone, renderHelp, renderTally, villageOf } from "../../ui/cekaman/render.js";
import { writeReport } from "./report.js";
import { mayManageEvent } from "../../domain/cekaman-access.js";
import { encodeCa } from "../../ui/cekaman/callback-data.js";

function tFor(deps: AppDeps, locale: string | null | undefined): { t: TFunction; locale: string } {
  const l = locale && isLocale(locale) ? locale : deps.i18n.defaultLocale;
  return { t: deps.i18n.t(l), locale: l };
}

/** Active coordinators whose area contains any region of the event (they all get the tally). */
async function eventCoordinators(deps: AppDeps, event: CekamanEvent): Promise<User[]> {
  const byId = new Map<number, User>();
  for (const r of event.regions) for (const u of await findStaffCovering(deps.db, r, { roles: ["coordinator"] })) byId.set(u.id, u);
  return [...byId.values()].filter((u) => mayManageEvent(u, event));
}

// === Escalation

export const escalateJob = defineJob(
  CEKAMAN_JOBS.escalate,
  z.object({ eventId: z.number().int(), stage: z.union([z.literal(1), z.literal(2)]) }),
  async ({ deps, log }, p) => {
    // One transaction: the stage is marked done together with what it queued.
    const r = await deps.db.transaction().execute((trx) => escalate(trx, p.eventId, p.stage, deps.now()));
    if (r) log.info({ eventId: p.eventId, stage: p.stage, households: r.households, messages: r.messages }, "cekaman escalated");
  },
);

/** After the second period: the households still without news, listed for the event's coordinators. */
export const offeredJob = defineJob(CEKAMAN_JOBS.offered, z.object({ eventId: z.number().int() }), async ({ deps, api, log }, p) => {
  const event = await findEvent(deps.db, p.eventId);
  if (!event || event.status !== "running") return;
  const list = await tallyList(deps.db, event.id, "pending", 30);
  if (list.total === 0) return;
  const recipients = await tallyRecipients(deps, event);
  for (const u of recipients) {
    const { t } = tFor(deps, u.locale);
    const lines = list.rows.map(
      (r) =>
        `• ${t("cekaman.tally_household", {
          code: formatRefCode(r.ref_code),
          name: maskName(r.head_name),
          village: villageOf(r),
          rtrw: rtRwLabel(t, r.rt, r.rw),
        })} — ${r.volunteer_name ? t("cekaman.tally_volunteer", { name: r.volunteer_name }) : t("cekaman.tally_no_volunteer")}`,
    );
    if (list.total > list.rows.length) lines.push(t("cekaman.tally_more", { n: list.total - list.rows.length }));
    const text = `${t("cekaman.offered_notice", { id: event.id, description: event.description, n: list.total, minutes: event.remind_minutes * 2 })}\n\n${lines.join("\n")}`;
    const kb = new InlineKeyboard().text(t("cekaman.btn_staff_list"), encodeCa({ a: "list", eventId: event.id, mode: "s", page: 0 }));
    try {
      await api.sendMessage(u.telegram_id, text.slice(0, 4096), { parse_mode: "HTML", reply_markup: kb });
    } catch (err) {
      if (!(await markUnreachableOn403(deps.db, u, err, deps.now()))) log.warn({ eventId: event.id, userId: u.id, err: describeError(err) }, "offer notice not delivered");
    }
  }
});

/** Who gets the event's tally and lists: its coordinators, and whoever holds a tally message (the creator). */
async function tallyRecipients(deps: AppDeps, event: CekamanEvent): Promise<User[]> {
  const byId = new Map<number, User>();
  for (const u of await eventCoordinators(deps, event)) byId.set(u.id, u);
  for (const m of await tallyMessages(deps.db, event.id)) {
    if (m.user_id === null || byId.has(m.user_id)) continue;
    const u = await findUserById(deps.db, m.user_id);
    if (u && mayManageEvent(u, event)) byId.set(u.id, u);
  }
  return [...byId.values()];
}

// === The live tally

/** The first tally to the event's other coordinators (the creator got it in the flow). */
export const startedJob = defineJob(CEKAMAN_JOBS.started, z.object({ eventId: z.number().int() }), async ({ deps, api, log }, p) => {
  const event = await findEvent(deps.db, p.eventId);
  if (!event) return;
  const have = new Set((await tallyMessages(deps.db, event.id)).map((m) => m.chat_id));
  for (const u of await eventCoordinators(deps, event)) {
    if (have.has(u.telegram_id)) continue;
    const { t, locale } = tFor(deps, u.locale);
    const tally = await renderTally(deps.db, t, locale, event, deps.now(), { manage: true });
    try {
      const msg = await api.sendMessage(u.telegram_id, tally.text, { parse_mode: "HTML", ...(tally.reply_markup ? { reply_markup: tally.reply_markup } : {}) });
      await saveTallyMessage(deps.db, { eventId: event.id, chatId: u.telegram_id, userId: u.id, messageId: msg.message_id });
    } catch (err) {
      if (!(await markUnreachableOn403(deps.db, u, err, deps.now()))) log.warn({ eventId: event.id, userId: u.id, err: describeError(err) }, "tally not delivered");
    }
  }
});

/**
 * Edits every tally message of the event — at most every TALLY_EVERY_MS, across processes
 * (a conditional update claims the edit; a run that comes too early reschedules itself for
 * the next free slot, keyed, so several of them become one).
 */
export const tallyJob = defineJob(CEKAMAN_JOBS.tally, z.object({ eventId: z.number().int() }), async ({ deps, api, log }, p) => {
  const now = deps.now();
  const claim = await claimTallyEdit(deps.db, p.eventId, now, TALLY_EVERY_MS);
  if (!claim.ok) {
    const at = claim.nextAt ?? new Date(now.getTime() + TALLY_EVERY_MS);
    await enqueueJob(deps.db, CEKAMAN_JOBS.tally, { eventId: p.eventId }, { key: `cekaman-tally:${p.eventId}:${Math.ceil(at.getTime() / TALLY_EVERY_MS)}`, runAt: at });
    return;
  }
  const event = await findEvent(deps.db, p.eventId);
  if (!event) return;
  const cache = new Map<string, Awaited<ReturnType<typeof renderTally>>>();
  for (const m of await tallyMessages(deps.db, event.id)) {
    const { t, locale } = tFor(deps, m.locale);
    const user = m.user_id !== null ? await findUserById(deps.db, m.user_id) : undefined;
    const manage = mayManageEvent(user, event);
    if (!manage) continue;
    let tally = cache.get(locale);
    if (!tally) {
      tally = await renderTally(deps.db, t, locale, event, now, { manage: true });
      cache.set(locale, tally);
    }
    try {
      await api.editMessageText(m.chat_id, m.message_id, tally.text, { parse_mode: "HTML", ...(tally.reply_markup ? { reply_markup: tally.reply_markup } : {}) });
    } catch (err) {
      if (!(err instanceof GrammyError && err.error_code === 400)) log.warn({ eventId: event.id, err: describeError(err) }, "could not edit a tally");
    }
  }
});

// === Help requests

async function tellReporter(ctx: JobContext, helpId: number, event: "ack" | "resolve"): Promise<void> {
  const { deps, api, log } = ctx;
  const v = await loadHelpView(deps.db, helpId);
  if (!v) return;
  const last = await deps.db
    .selectFrom("cekaman_answers")
    .select(["answered_by", "chat_id", "via"])
    .where("event_household_id", "=", v.event_household_id)
    .where("status", "=", "butuh_bantuan")
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!last || last.chat_id === null) return;
  const user = last.answered_by !== null ? await findUserById(deps.db, last.answered_by) : undefined;
  const { t } = tFor(deps, user?.locale);
  const key = event === "ack" ? "cekaman.reporter_ack" : "cekaman.reporter_resolved";
  const name = event === "ack" ? v.acknowledged_by_name : v.resolved_by_name;
  try {
    await api.sendMessage(last.chat_id, t(key, { code: formatRefCode(v.ref_code), name: name ?? "–" }), { parse_mode: "HTML" });
  } catch (err) {
    if (!(user && (await markUnreachableOn403(deps.db, user, err, deps.now())))) log.warn({ helpId, err: describeError(err) }, "reporter not told");
  }
}

/**
 * "new": the request to every active coordinator covering the household's village (the
 * admins when there is none), like a darurat alert; "update"/"ack"/"resolve": every message
 * of it is redrawn, and the one who reported it is told who took it on or solved it.
 */
export const helpJob = defineJob(
  CEKAMAN_JOBS.help,
  z.object({ helpId: z.number().int(), event: z.enum(["new", "update", "ack", "resolve"]) }),
  async (ctx, p) => {
    const { deps, api, log } = ctx;
    const v = await loadHelpView(deps.db, p.helpId);
    if (!v) return;
    const event = await findEvent(deps.db, v.event_id);
    const zone = event ? await eventZone(deps.db, event) : { tz: "Asia/Jakarta", label: "WIB" };
    const nd = { api, db: deps.db, i18n: deps.i18n, logger: log, now: deps.now };
    if (p.event === "new") {
      const coordinators = await findStaffCovering(deps.db, v.area_code, { roles: ["coordinator"] });
      const recipients = coordinators.length > 0 ? coordinators : await activeAdmins(deps.db);
      const sent = await sendNotices(nd, helpTopic(v.id), recipients, (t, user) => renderHelp(t, isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale, v, zone));
      log.info({ helpId: v.id, eventId: v.event_id, coordinators: coordinators.length, sent }, "cekaman help sent");
      return;
    }
    await updateNotices(nd, helpTopic(v.id), (t, user) => renderHelp(t, user && isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale, v, zone));
    if (p.event === "ack" || p.event === "resolve") await tellReporter(ctx, v.id, p.event);
  },
);

// === The final report

export const reportJob = defineJob(
  CEKAMAN_JOBS.report,
  z.object({ eventId: z.number().int(), userId: z.number().int(), chatId: z.number().int() }),
  async ({ deps, api, job, log }, p) => {
    const event = await findEvent(deps.db, p.eventId);
    const user = await findUserById(deps.db, p.userId);
    const { t, locale } = tFor(deps, user?.locale);
    if (!event || !user || !mayManageEvent(user, event)) {
      await api.sendMessage(p.chatId, t("cekaman.not_yours"), { parse_mode: "HTML" }).catch(() => undefined);
      return;
    }
    const zone = await eventZone(deps.db, event);
    const day = localDate(event.started_at, zone.tz);
    const base = `pendamping_cekaman-${event.id}_${day}`;
    const dir = await mkdtemp(join(tmpdir(), "pendamping-cekaman-"));
    try {
      await extendJobLease(deps.db, job.id, 300, deps.now());
      // Column titles and values in Indonesian, like /ekspor (the Dinas' working language).
      const result = await writeReport(dir, { db: deps.db, pii: deps.pii, t: deps.i18n.t("id"), event, zone, base, splitBytes: deps.config.EXPORT_SPLIT_BYTES });
      let fileId: string | null = null;
      for (const [i, part] of result.parts.entries()) {
        const msg = await api.sendDocument(p.chatId, new InputFile(createReadStream(part.path), part.name), {
          caption: t("cekaman.report_caption", {
            id: event.id,
            description: event.description,
            rows: formatCount(part.rows, locale),
            part: i + 1,
            parts: result.parts.length,
          }),
          parse_mode: "HTML",
        });
        if (result.parts.length === 1) fileId = msg.document?.file_id ?? null;
      }
      if (fileId && event.status === "closed") await saveReportFile(deps.db, event.id, fileId);
      await audit(deps.db, { actorId: user.id, action: "cekaman.report_sent", entity: "cekaman_event", entityId: event.id, details: { rows: result.rows, files: result.parts.length } });
      log.info({ eventId: event.id, rows: result.rows, files: result.parts.length }, "cekaman report sent");
    } catch (err) {
      log.warn({ eventId: event.id, err: describeError(err) }, "cekaman report failed");
      await api.sendMessage(p.chatId, t("cekaman.report_failed"), { parse_mode: "HTML" }).catch(() => undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

export const cekamanJobs = [escalateJob, offeredJob, startedJob, tallyJob, helpJob, reportJob];
