import { z } from "zod";
import { GrammyError, InlineKeyboard } from "grammy";
import { defineJob, type JobContext } from "../jobs.js";
import { sendNotices, updateNotices } from "../notices.js";
import { isLocale, type TFunction } from "../../i18n.js";
import type { Locale } from "../../config.js";
import { BENEFICIARY_JOBS, dsrTopic, isSubscribed } from "../../db/queries/beneficiary/index.js";
import { findStaffCovering } from "../../db/queries/users.js";
import { formatDateId } from "../../domain/dates.js";
import { formatRefCode } from "../../domain/refcode.js";
import { localIsoDate, statusLines } from "../../ui/beneficiary/status-card.js";
import { BS } from "../../ui/beneficiary/callback-data.js";
import { loadDsrNotice, renderDsrNotice } from "./dsr-notice.js";

/** The language of a chat: its user's choice when it has an account, else the default. */
async function chatLocale(job: JobContext, chatId: number): Promise<{ locale: Locale; t: TFunction }> {
  const row = await job.deps.db.selectFrom("users").select("locale").where("telegram_id", "=", chatId).executeTakeFirst();
  const locale = row && isLocale(row.locale) ? row.locale : job.deps.i18n.defaultLocale;
  return { locale, t: job.deps.i18n.t(locale) };
}

const isForbidden = (err: unknown) => err instanceof GrammyError && err.error_code === 403;

/**
 * One subscriber, one status change: the new status in plain words, with a button to stop.
 * Nothing is sent when the chat unsubscribed meanwhile or the household's data was erased; a
 * chat that blocked the bot loses its subscription.
 */
export const statusNotifyJob = defineJob(BENEFICIARY_JOBS.statusNotify, z.object({ historyId: z.number().int(), chatId: z.number().int() }), async (job, payload) => {
  const historyId = Number(payload["historyId"]);
  const chatId = Number(payload["chatId"]);
  const { db } = job.deps;
  const row = await db
    .selectFrom("household_status_history")
    .innerJoin("households", "households.id", "household_status_history.household_id")
    .select(["household_status_history.household_id", "household_status_history.to_status", "household_status_history.reason"])
    .select(["household_status_history.changed_at", "households.ref_code", "households.village_code", "households.anonymized_at"])
    .where("household_status_history.id", "=", historyId)
    .executeTakeFirst();
  if (!row || row.anonymized_at || !(await isSubscribed(db, row.household_id, chatId))) return;
  const tz = await db.selectFrom("regions").select("tz").where("code", "=", row.village_code.slice(0, 2)).where("level", "=", 1).executeTakeFirst();
  const { locale, t } = await chatLocale(job, chatId);
  const text = [
    t("beneficiary.notify_title", { code: formatRefCode(row.ref_code) }),
    "",
    ...statusLines(t, row.to_status, row.to_status === "ditolak" ? row.reason : null),
    "",
    t("beneficiary.card_updated", { date: formatDateId(localIsoDate(row.changed_at.toISOString(), tz?.tz ?? "Asia/Jakarta"), locale) }),
    t("beneficiary.notify_footer"),
  ].join("\n");
  try {
    await job.api.sendMessage(chatId, text, {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text(t("beneficiary.btn_unsubscribe"), BS.encode("stop", { id: row.household_id })),
    });
  } catch (err) {
    if (!isForbidden(err)) throw err;
    await db.deleteFrom("status_subscriptions").where("household_id", "=", row.household_id).where("chat_id", "=", chatId).execute();
    job.log.info({ historyId }, "subscriber blocked the bot; subscription removed");
  }
});

/**
 * A new data-subject request reaches the coordinators of the household's area (admins when
 * the area has none), each in their language, with the buttons to act on it.
 */
export const dsrNotifyJob = defineJob(BENEFICIARY_JOBS.dsrNotify, z.object({ requestId: z.number().int() }), async (job, payload) => {
  const requestId = Number(payload["requestId"]);
  const { deps, api } = job;
  const data = await loadDsrNotice(deps.db, deps.pii, requestId);
  if (!data) return;
  let recipients = await findStaffCovering(deps.db, data.villageCode, { roles: ["coordinator"] });
  if (recipients.length === 0) recipients = await findStaffCovering(deps.db, data.villageCode, { roles: ["admin"], includeAdmins: true });
  const sent = await sendNotices({ api, db: deps.db, i18n: deps.i18n, logger: job.log, now: deps.now }, dsrTopic(requestId), recipients, (t, user) =>
    renderDsrNotice(t, user.locale, data),
  );
  job.log.info({ requestId, kind: data.request.kind, recipients: recipients.length, sent }, "data request notice sent");
});

/** A request was closed: the coordinators' messages are updated and the requester is told. */
export const dsrOutcomeJob = defineJob(BENEFICIARY_JOBS.dsrOutcome, z.object({ requestId: z.number().int() }), async (job, payload) => {
  const requestId = Number(payload["requestId"]);
  const { deps, api } = job;
  const data = await loadDsrNotice(deps.db, deps.pii, requestId);
  if (!data) return;
  await updateNotices({ api, db: deps.db, i18n: deps.i18n, logger: job.log, now: deps.now }, dsrTopic(requestId), (t, user) =>
    renderDsrNotice(t, user?.locale, data),
  );
  const r = data.request;
  if (r.status === "open") return;
  const { t } = await chatLocale(job, r.chat_id);
  const code = formatRefCode(data.refCode);
  const text =
    r.status === "rejected"
      ? t("dsr.outcome_rejected", { id: r.id, kind: t(`dsr.kind_${r.kind}`), code, reason: r.resolution_note ?? "–" })
      : t(r.kind === "deletion" ? "dsr.outcome_erased" : "dsr.outcome_corrected", { id: r.id, code });
  try {
    await api.sendMessage(r.chat_id, text, { parse_mode: "HTML" });
  } catch (err) {
    if (!isForbidden(err)) throw err;
    job.log.info({ requestId }, "requester blocked the bot; outcome not delivered");
  }
});

/** The coordinators' messages about a request are redrawn (the family's data was erased). */
export const dsrRefreshJob = defineJob(BENEFICIARY_JOBS.dsrRefresh, z.object({ requestId: z.number().int() }), async (job, payload) => {
  const requestId = Number(payload["requestId"]);
  const { deps, api } = job;
  const data = await loadDsrNotice(deps.db, deps.pii, requestId);
  if (!data) return;
  await updateNotices({ api, db: deps.db, i18n: deps.i18n, logger: job.log, now: deps.now }, dsrTopic(requestId), (t, user) =>
    renderDsrNotice(t, user?.locale, data),
  );
});

/** The copy of a family's data (identity numbers in full) is removed from the chat after a while. */
export const deleteMessageJob = defineJob(BENEFICIARY_JOBS.deleteMessage, z.object({ chatId: z.number().int(), messageId: z.number().int() }), async (job, payload) => {
  const chatId = Number(payload["chatId"]);
  const messageId = Number(payload["messageId"]);
  try {
    await job.api.deleteMessage(chatId, messageId);
  } catch (err) {
    // Already deleted by the person, too old to delete, or the bot was blocked: nothing to do.
    if (!(err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403))) throw err;
  }
});
