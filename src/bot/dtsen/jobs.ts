import { z } from "zod";
import { GrammyError, InlineKeyboard, InputFile } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { AppDeps } from "../context.js";
import { defineJob, type JobContext, type Ticker } from "../jobs.js";
import { hasAccess } from "../access.js";
import { markUnreachableOn403 } from "../notices.js";
import { describeError } from "../errors.js";
import { BS } from "../../ui/beneficiary/callback-data.js";
import { isLocale, type TFunction } from "../../i18n.js";
import type { Locale } from "../../config.js";
import type { User } from "../../db/schema.js";
import { audit } from "../../db/queries/audit.js";
import { enqueueJob, extendJobLease } from "../../db/queries/jobs.js";
import { findStaffCovering, findUserById } from "../../db/queries/users.js";
import { regionTimezone } from "../../db/queries/regions.js";
import {
  DTSEN_JOBS,
  areaCounts,
  completenessOf,
  findPackage,
  kindOf,
  packageProposals,
  purgeErasedEvidence,
  volunteerUnsubmitted,
} from "../../db/queries/dtsen.js";
import { reminderDue, windowAt, windowById, windowLabel, type DtsenWindow } from "../../domain/dtsen.js";
import { regionInStaffScope, scopeOf } from "../../domain/scope.js";
import { TIME_ZONES, isZoneLabel, localDate, localHour, maskName, zoneTz } from "../../domain/visit.js";
import { formatDateId } from "../../domain/dates.js";
import { formatRefCode } from "../../domain/refcode.js";
import { encodeDtsen } from "../../ui/dtsen/callback.js";
import { itemLabel, kindLabel, villageName } from "../../ui/dtsen/render.js";
import { buildPackageFiles } from "./package.js";

/** Local hour from which the update-window reminders go out. */
export const REMINDER_HOUR = 8;
/** How long a KK photo shown to someone stays in their chat. */
export const KK_VIEW_MINUTES = 10;
/** Proposals listed (with a button each) in a volunteer's reminder. */
const MAX_REMINDER_ITEMS = 10;

function tOf(deps: AppDeps, user: Pick<User, "locale"> | undefined): { t: TFunction; locale: Locale } {
  const locale = user && isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale;
  return { t: deps.i18n.t(locale), locale };
}

/**
 * Sends a message to a user. A blocked bot (403) marks them unreachable and counts as done; a
 * refusal for good (400) is logged; anything else is thrown so that the job is retried.
 */
async function tell(job: JobContext, user: User, text: string, reply_markup?: InlineKeyboardMarkup): Promise<boolean> {
  try {
    await job.api.sendMessage(user.telegram_id, text, { parse_mode: "HTML", ...(reply_markup ? { reply_markup } : {}) });
    return true;
  } catch (err) {
    if (await markUnreachableOn403(job.deps.db, user, err, job.deps.now())) return false;
    if (err instanceof GrammyError && err.error_code === 400) {
      job.log.warn({ userId: user.id, err: describeError(err) }, "dtsen message refused");
      return false;
    }
    throw err;
  }
}

const openButton = (t: TFunction, proposalId: number) =>
  new InlineKeyboard().text(t("dtsen.btn_open"), encodeDtsen({ a: "open", proposalId }));

/**
 * A proposal changed status: coordinators of the area learn of a proposal waiting for them
 * (admins when the area has none); the volunteer learns that it was returned, verified,
 * accepted, rejected or cancelled by someone else; subscribed families learn the outcome.
 * Nobody is told about their own action.
 */
export const notifyJob = defineJob(DTSEN_JOBS.notify, z.object({ historyId: z.number().int() }), async (job, payload) => {
  const { db } = job.deps;
  const row = await db
    .selectFrom("dtsen_proposal_history as hi")
    .innerJoin("dtsen_proposals as p", "p.id", "hi.proposal_id")
    .innerJoin("households as h", "h.id", "p.household_id")
    .select(["hi.from_status", "hi.to_status", "hi.reason", "hi.changed_by", "p.id", "p.kind", "p.household_id"])
    .select(["h.ref_code", "h.head_name", "h.village_code", "h.volunteer_id", "h.anonymized_at"])
    .where("hi.id", "=", payload.historyId)
    .executeTakeFirst();
  if (!row || row.anonymized_at) return;
  const code = formatRefCode(row.ref_code);
  if (row.to_status === "menunggu") {
    let recipients = await findStaffCovering(db, row.village_code, { roles: ["coordinator"] });
    if (recipients.length === 0) recipients = await findStaffCovering(db, row.village_code, { roles: ["admin"], includeAdmins: true });
    const village = await villageName(db, row.village_code);
    const volunteer = row.changed_by !== null ? await findUserById(db, row.changed_by) : undefined;
    let sent = 0;
    for (const user of recipients) {
      if (user.id === row.changed_by) continue;
      const { t } = tOf(job.deps, user);
      const text = t(row.from_status === "dikembalikan" ? "dtsen.notify_resubmitted" : "dtsen.notify_submitted", {
        id: row.id,
        code,
        name: maskName(row.head_name),
        kind: kindLabel(t, row.kind),
        village,
        volunteer: volunteer?.name ?? "–",
      });
      try {
        if (await tell(job, user, text, openButton(t, row.id))) sent++;
      } catch (err) {
        job.log.warn({ userId: user.id, err: describeError(err) }, "coordinator not told of a proposal");
      }
    }
    job.log.info({ proposalId: row.id, recipients: recipients.length, sent }, "proposal waiting: coordinators told");
    return;
  }
  if (["dikembalikan", "terverifikasi", "diterima", "ditolak", "dibatalkan"].includes(row.to_status) && row.volunteer_id !== null && row.volunteer_id !== row.changed_by) {
    const volunteer = await findUserById(db, row.volunteer_id);
    if (volunteer && volunteer.status === "active") {
      const { t } = tOf(job.deps, volunteer);
      const text = t(`dtsen.notify_${row.to_status}`, { id: row.id, code, name: row.head_name, kind: kindLabel(t, row.kind), reason: row.reason ?? "–" });
      await tell(job, volunteer, text, openButton(t, row.id));
    }
  }
  if (row.to_status === "diterima" || row.to_status === "ditolak") {
    const subscribers = await db.selectFrom("status_subscriptions").select("chat_id").where("household_id", "=", row.household_id).orderBy("id").execute();
    for (const s of subscribers) {
      await enqueueJob(db, DTSEN_JOBS.familyNotify, { historyId: payload.historyId, chatId: s.chat_id }, { key: `dtsen-family:${payload.historyId}:${s.chat_id}`, now: job.deps.now() });
    }
  }
});

/**
 * A subscribed family learns the outcome of the proposal in plain words, with who decided it
 * (the Dinas Sosial / Kemensos — Pendamping only helped prepare it). Nothing is sent when the
 * chat unsubscribed meanwhile or the family's data was erased.
 */
export const familyNotifyJob = defineJob(DTSEN_JOBS.familyNotify, z.object({ historyId: z.number().int(), chatId: z.number().int() }), async (job, payload) => {
  const { db } = job.deps;
  const row = await db
    .selectFrom("dtsen_proposal_history as hi")
    .innerJoin("dtsen_proposals as p", "p.id", "hi.proposal_id")
    .innerJoin("households as h", "h.id", "p.household_id")
    .select(["hi.to_status", "hi.reason", "p.kind", "p.household_id", "h.ref_code", "h.anonymized_at"])
    .where("hi.id", "=", payload.historyId)
    .executeTakeFirst();
  if (!row || row.anonymized_at || (row.to_status !== "diterima" && row.to_status !== "ditolak")) return;
  const subscribed = await db
    .selectFrom("status_subscriptions")
    .select("id")
    .where("household_id", "=", row.household_id)
    .where("chat_id", "=", payload.chatId)
    .executeTakeFirst();
  if (!subscribed) return;
  const account = await db.selectFrom("users").select("locale").where("telegram_id", "=", payload.chatId).executeTakeFirst();
  const { t } = tOf(job.deps, account);
  const kind = kindOf(row);
  const text = [
    t("dtsen.family_title", { code: formatRefCode(row.ref_code) }),
    "",
    row.to_status === "diterima" ? t(`dtsen.family_accepted.${kind}`) : t(`dtsen.family_rejected.${kind}`, { reason: row.reason ?? "–" }),
    "",
    t("dtsen.family_footer"),
  ].join("\n");
  try {
    await job.api.sendMessage(payload.chatId, text, {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text(t("dtsen.btn_unsubscribe"), BS.encode("stop", { id: row.household_id })),
    });
  } catch (err) {
    if (!(err instanceof GrammyError && err.error_code === 403)) throw err;
    await db.deleteFrom("status_subscriptions").where("household_id", "=", row.household_id).where("chat_id", "=", payload.chatId).execute();
    job.log.info({ historyId: payload.historyId }, "subscriber blocked the bot; subscription removed");
  }
});

/** A package was handed over: each volunteer gets one message listing their proposals in it. */
export const handoverNotifyJob = defineJob(DTSEN_JOBS.handoverNotify, z.object({ packageId: z.number().int() }), async (job, payload) => {
  const { db } = job.deps;
  const pkg = await findPackage(db, payload.packageId);
  if (!pkg || pkg.status !== "diserahkan") return;
  const byVolunteer = new Map<number, string[]>();
  for (const { proposal, household } of await packageProposals(db, pkg.id)) {
    if (proposal.status !== "diserahkan" || household.volunteer_id === null || household.volunteer_id === pkg.handed_over_by) continue;
    const list = byVolunteer.get(household.volunteer_id) ?? [];
    list.push(`• ${formatRefCode(household.ref_code)} · ${household.head_name}`);
    byVolunteer.set(household.volunteer_id, list);
  }
  const village = await villageName(db, pkg.village_code);
  const window = windowById(pkg.period, job.deps.config.DTSEN_WINDOWS);
  for (const [userId, lines] of byVolunteer) {
    const user = await findUserById(db, userId);
    if (!user || user.status !== "active") continue;
    const { t, locale } = tOf(job.deps, user);
    const text = [t("dtsen.notify_handed_over", { village, period: window ? windowLabel(window, locale) : pkg.period, count: lines.length }), ...lines, "", t("dtsen.notify_handed_over_next")].join("\n");
    try {
      await tell(job, user, text);
    } catch (err) {
      job.log.warn({ userId, err: describeError(err) }, "volunteer not told of a hand-over");
    }
  }
});

/**
 * Builds a village's hand-over package and sends its three files to the coordinator who asked
 * (access checked again with the account as it is now). Identity numbers in full only when
 * asked for after the warning (audited when asked, and again when sent).
 */
export const buildPackageJob = defineJob(
  DTSEN_JOBS.buildPackage,
  z.object({ packageId: z.number().int(), userId: z.number().int(), chatId: z.number().int(), full: z.boolean() }),
  async (job, payload) => {
    const { deps, api, log } = job;
    const user = await findUserById(deps.db, payload.userId);
    const { t, locale } = tOf(deps, user);
    const pkg = await findPackage(deps.db, payload.packageId);
    if (!user || !hasAccess(user, "staff") || !pkg || !regionInStaffScope(scopeOf(user), pkg.village_code)) {
      await api.sendMessage(payload.chatId, t("access.not_yours"), { parse_mode: "HTML" }).catch(() => undefined);
      return;
    }
    let downloaded = 0;
    const files = await buildPackageFiles(
      {
        db: deps.db,
        pii: deps.pii,
        api,
        log,
        t: deps.i18n.t("id"),
        windows: deps.config.DTSEN_WINDOWS,
        // Downloads take time: keep the job's lease while they run.
        onPhoto: async () => {
          if (++downloaded % 10 === 0) await extendJobLease(deps.db, job.job.id, 300, deps.now());
        },
      },
      pkg,
      { full: payload.full, preparedBy: user.name ?? "", now: deps.now() },
    );
    const village = await villageName(deps.db, pkg.village_code);
    const window = windowById(pkg.period, deps.config.DTSEN_WINDOWS);
    const period = window ? windowLabel(window, locale) : pkg.period;
    const caption = (key: string) =>
      t(key, { village, period, rows: files.rows, photos: files.photos, missing: files.missing });
    await api.sendDocument(payload.chatId, new InputFile(files.xlsx.content, files.xlsx.name), {
      caption: caption(payload.full ? "dtsen.file_xlsx_full" : "dtsen.file_xlsx"),
      parse_mode: "HTML",
    });
    await api.sendDocument(payload.chatId, new InputFile(files.zip.content, files.zip.name), {
      caption: caption(files.missing > 0 ? "dtsen.file_zip_missing" : payload.full ? "dtsen.file_zip_full" : "dtsen.file_zip"),
      parse_mode: "HTML",
    });
    await api.sendDocument(payload.chatId, new InputFile(files.pdf.content, files.pdf.name), { caption: caption("dtsen.file_pdf"), parse_mode: "HTML" });
    await api.sendMessage(payload.chatId, t("dtsen.package_sent_next"), {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text(t("dtsen.btn_back_package"), encodeDtsen({ a: "village", villageCode: pkg.village_code })),
    });
    await deps.db.updateTable("dtsen_packages").set({ downloaded_at: deps.now() }).where("id", "=", pkg.id).execute();
    await audit(deps.db, {
      actorId: user.id,
      action: payload.full ? "dtsen.package_created_full_identity" : "dtsen.package_created",
      entity: "dtsen_package",
      entityId: pkg.id,
      details: { village: pkg.village_code, period: pkg.period, rows: files.rows, photos: files.photos, missing: files.missing, full: payload.full },
    });
    log.info({ packageId: pkg.id, rows: files.rows, photos: files.photos, missing: files.missing, full: payload.full }, "dtsen package sent");
  },
);

/** The KK photo shown to someone leaves their chat after a while. */
export const deleteMessageJob = defineJob(DTSEN_JOBS.deleteMessage, z.object({ chatId: z.number().int(), messageId: z.number().int() }), async (job, payload) => {
  try {
    await job.api.deleteMessage(payload.chatId, payload.messageId);
  } catch (err) {
    // Already deleted by the person, too old to delete, or the bot was blocked: nothing to do.
    if (!(err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403))) throw err;
  }
});

async function zoneOfArea(deps: AppDeps, code: string | null): Promise<string> {
  if (!code) return "Asia/Jakarta";
  return (await regionTimezone(deps.db, code))?.tz ?? "Asia/Jakarta";
}

/**
 * The reminders of one update window in one time zone: coordinators with proposals complete
 * but not handed over yet, volunteers with proposals still to complete or submit. Each person
 * gets a keyed job of their own (once per window, whatever retries or processes do).
 */
export const reminderZoneJob = defineJob(DTSEN_JOBS.reminderZone, z.object({ window: z.string(), zone: z.string() }), async (job, payload) => {
  const { deps } = job;
  if (!isZoneLabel(payload.zone) || !windowById(payload.window, deps.config.DTSEN_WINDOWS)) return;
  const tz = zoneTz(payload.zone);
  const candidates = await deps.db
    .selectFrom("users")
    .selectAll()
    .where("status", "=", "active")
    .where("role", "in", ["coordinator", "volunteer"])
    .where("area_code", "is not", null)
    .orderBy("id")
    .execute();
  let queued = 0;
  for (const user of candidates) {
    if ((await zoneOfArea(deps, user.area_code)) !== tz) continue;
    let due = false;
    if (user.role === "coordinator") {
      const counts = await areaCounts(deps.db, user.area_code);
      due = counts.menunggu + counts.terverifikasi > 0;
    } else {
      due = (await volunteerUnsubmitted(deps.db, user.id)).length > 0;
    }
    if (!due) continue;
    if (await enqueueJob(deps.db, DTSEN_JOBS.reminderUser, { window: payload.window, userId: user.id }, { key: `dtsen-reminder:${payload.window}:u${user.id}`, now: deps.now() })) queued++;
  }
  job.log.info({ window: payload.window, zone: payload.zone, queued }, "dtsen reminders queued");
});

function closing(w: DtsenWindow, locale: Locale): string {
  return formatDateId(w.end, locale);
}

/** One person's reminder before an update window closes. */
export const reminderUserJob = defineJob(DTSEN_JOBS.reminderUser, z.object({ window: z.string(), userId: z.number().int() }), async (job, payload) => {
  const { deps } = job;
  const w = windowById(payload.window, deps.config.DTSEN_WINDOWS);
  const user = await findUserById(deps.db, payload.userId);
  if (!w || !user || user.status !== "active" || !user.area_code) return;
  const { t, locale } = tOf(deps, user);
  const period = windowLabel(w, locale);
  if (user.role === "coordinator") {
    const counts = await areaCounts(deps.db, user.area_code);
    const complete = counts.menunggu + counts.terverifikasi;
    if (complete === 0) return;
    const text = t("dtsen.reminder_coordinator", { name: user.name ?? "", period, end: closing(w, locale), count: complete, waiting: counts.menunggu, verified: counts.terverifikasi });
    const kb = new InlineKeyboard().text(t("dtsen.btn_queue"), encodeDtsen({ a: "queue", page: 0 })).row().text(t("dtsen.btn_packages"), encodeDtsen({ a: "packages" }));
    await tell(job, user, text, kb);
    return;
  }
  const open = await volunteerUnsubmitted(deps.db, user.id);
  if (open.length === 0) return;
  const done = await completenessOf(deps.db, open.map((o) => o.proposal));
  const lines = open.slice(0, MAX_REMINDER_ITEMS).map((o) => {
    const c = done.get(o.proposal.id);
    const kind = kindOf(o.proposal);
    const state = c && c.complete ? t("dtsen.reminder_ready") : t("dtsen.reminder_missing", { list: (c?.missing ?? []).map((i) => itemLabel(t, i, kind, o.proposal.reason)).join(", ") });
    return `• ${formatRefCode(o.refCode)} · ${o.headName} (${kindLabel(t, kind)}) — ${state}`;
  });
  const text = [t("dtsen.reminder_volunteer", { name: user.name ?? "", period, end: closing(w, locale), count: open.length }), "", ...lines];
  if (open.length > MAX_REMINDER_ITEMS) text.push(t("dtsen.reminder_more", { count: open.length - MAX_REMINDER_ITEMS }));
  const kb = new InlineKeyboard();
  for (const o of open.slice(0, MAX_REMINDER_ITEMS)) kb.text(t("dtsen.btn_open_code", { code: formatRefCode(o.refCode) }), encodeDtsen({ a: "open", proposalId: o.proposal.id })).row();
  await tell(job, user, text.join("\n"), kb);
});

/** Hourly: evidence of households whose personal data was erased is deleted. */
export const purgeJob = defineJob(DTSEN_JOBS.purge, z.object({}), async (job) => {
  const result = await purgeErasedEvidence(job.deps.db, job.deps.now());
  if (result.evidence > 0 || result.cancelled > 0) job.log.info(result, "dtsen evidence of erased households removed");
});

/**
 * Enqueues the update-window reminders (per time zone, from REMINDER_HOUR local time on the day
 * two weeks before the window closes; keyed, so once per window and zone) and the hourly purge.
 */
export const dtsenTicker: Ticker = async (deps, memo) => {
  const now = deps.now();
  for (const zone of TIME_ZONES) {
    if (localHour(now, zone.tz) < REMINDER_HOUR) continue;
    const today = localDate(now, zone.tz);
    const w = windowAt(today, deps.config.DTSEN_WINDOWS);
    if (!reminderDue(w, today)) continue;
    const key = `dtsen-reminder:${w.id}:${zone.label}`;
    if (memo.has(key)) continue;
    await enqueueJob(deps.db, DTSEN_JOBS.reminderZone, { window: w.id, zone: zone.label }, { key, now });
    memo.add(key);
  }
  const purgeKey = `dtsen-purge:${now.toISOString().slice(0, 13)}`;
  if (!memo.has(purgeKey)) {
    await enqueueJob(deps.db, DTSEN_JOBS.purge, {}, { key: purgeKey, now });
    memo.add(purgeKey);
  }
};

export const dtsenJobs = [notifyJob, familyNotifyJob, handoverNotifyJob, buildPackageJob, deleteMessageJob, reminderZoneJob, reminderUserJob, purgeJob];
