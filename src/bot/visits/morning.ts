import { z } from "zod";
import { GrammyError, InlineKeyboard, type Api, type RawApi } from "grammy";
import { sql } from "kysely";
import type { AppDeps } from "../context.js";
import type { Db, User } from "../../db/schema.js";
import { isLocale, type TFunction } from "../../i18n.js";
import type { Logger } from "../../logger.js";
import { defineJob, type Ticker } from "../jobs.js";
import { markUnreachableOn403 } from "../notices.js";
import { describeError } from "../errors.js";
import { unresolvedAlertsFor } from "../../db/queries/alerts.js";
import { listOpenRequests, type OpenRequestRow } from "../../db/queries/beneficiary/index.js";
import { DSR_DEADLINE_MS } from "../../domain/data-requests.js";
import { pendingApplicationsIn } from "../../db/queries/onboarding.js";
import { scopeOf, staffAreaOf } from "../../domain/scope.js";
import { regionLabel } from "../../db/queries/regions.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import { formatRefCode } from "../../domain/refcode.js";
import { TIME_ZONES, addDays, daysBetween, elapsed, isZoneLabel, localDate, localHour, maskName, zoneTz, type ZoneLabel } from "../../domain/visit.js";
import { formatDate } from "../../ui/visit-text.js";
import { ageLabel } from "./alerts.js";
import { planReminderLine, reviewSection } from "../fieldwork/index.js";
import { VR, VV } from "../../ui/visits/callback-data.js";

/** Local hour at which the morning messages go out. */
export const MORNING_HOUR = 7;
export const MORNING_JOB = "morning";
/** "Laporkan" buttons in one reminder; the rest are counted. */
const MAX_REMINDER_BUTTONS = 10;
/** Lines per section of a coordinator's digest. */
const MAX_DIGEST_LINES = 10;
/** Applications and data requests younger than this were just sent on their own; the digest leaves them out. */
const DIGEST_FRESH_MS = 60 * 60 * 1000;
/** Open data requests read to count the fresh ones out (more than a digest shows). */
const MAX_OPEN_REQUESTS_READ = 200;

const VISITING_ROLES = ["volunteer", "coordinator", "admin"] as const;

/** Admins cover the whole country; their digest follows the capital's morning. */
const ADMIN_DIGEST_ZONE: ZoneLabel = "WIB";

function tOf(deps: AppDeps, user: User): { t: TFunction; locale: string } {
  const locale = isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale;
  return { t: deps.i18n.t(locale), locale };
}

/**
 * Sends one morning message at most once per person, kind and local date. The log row and the
 * send share a transaction: a second run, a retry or another process finds the row (or waits
 * for it on the unique key) and sends nothing; a crash before the commit leaves no row, so
 * the message is sent on the retry. Returns true when this call sent it.
 */
async function sendOnce(
  deps: AppDeps,
  api: Api<RawApi>,
  log: Logger,
  entry: { kind: "volunteer" | "digest"; user: User; date: string },
  message: { text: string; reply_markup?: InlineKeyboard },
): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("reminder_log")
      .values({ kind: entry.kind, user_id: entry.user.id, local_date: entry.date, sent_at: deps.now() })
      .onConflict((oc) => oc.columns(["kind", "user_id", "local_date"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!row) return false;
    try {
      await api.sendMessage(entry.user.telegram_id, message.text, {
        parse_mode: "HTML",
        ...(message.reply_markup ? { reply_markup: message.reply_markup } : {}),
      });
      return true;
    } catch (err) {
      // Blocked (403) or refused for good (400, e.g. the account is gone): recorded as not
      // delivered, and the run goes on. Anything else (network, 5xx) fails the job, which is
      // retried later; people already served are not served twice.
      const permanent = err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403);
      log.warn({ kind: entry.kind, userId: entry.user.id, err: describeError(err) }, "morning message not sent");
      if (!permanent) throw err;
      await markUnreachableOn403(trx, entry.user, err, deps.now());
      await trx.updateTable("reminder_log").set({ delivered: false }).where("id", "=", row.id).execute();
      return false;
    }
  });
}

interface DueRow {
  id: number;
  ref_code: string;
  head_name: string;
  next_visit_date: string;
  village_code: string;
}

/** Households that need a visit by `date` (today or overdue), not closed or erased. */
function dueHouseholds(db: Db) {
  return db
    .selectFrom("households")
    .where("households.next_visit_date", "is not", null)
    .where("households.anonymized_at", "is", null)
    .where("households.status", "!=", "selesai");
}

async function volunteerReminder(deps: AppDeps, user: User, date: string): Promise<{ text: string; reply_markup: InlineKeyboard } | null> {
  const rows = (await dueHouseholds(deps.db)
    .select(["id", "ref_code", "head_name", "next_visit_date", "village_code"])
    .where("volunteer_id", "=", user.id)
    .where("next_visit_date", "<=", date)
    .orderBy("next_visit_date")
    .orderBy("id")
    .execute()) as DueRow[];
  if (rows.length === 0) return null;
  const { t, locale } = tOf(deps, user);
  const lines = [];
  for (const [i, r] of rows.slice(0, MAX_REMINDER_BUTTONS * 3).entries()) {
    const late = daysBetween(r.next_visit_date, date);
    lines.push(
      t("morning.item", {
        n: i + 1,
        code: formatRefCode(r.ref_code),
        name: r.head_name,
        village: (await regionLabel(deps.db, r.village_code, { full: false }))?.split(" — ")[0] ?? r.village_code,
        when: late === 0 ? t("morning.due_today") : t("morning.overdue", { n: late }),
      }),
    );
  }
  const kb = new InlineKeyboard();
  for (const r of rows.slice(0, MAX_REMINDER_BUTTONS)) {
    kb.text(t("morning.btn_report", { code: formatRefCode(r.ref_code), name: r.head_name }).slice(0, 60), VR.encode("_report", { id: r.id })).row();
  }
  const parts = [t("morning.title", { name: user.name ?? "", date: formatDate(date, locale), n: rows.length }), "", ...lines.slice(0, MAX_REMINDER_BUTTONS)];
  if (rows.length > MAX_REMINDER_BUTTONS) parts.push(t("morning.more", { n: rows.length - MAX_REMINDER_BUTTONS }));
  parts.push("", t("morning.hint"), planReminderLine(t));
  return { text: parts.join("\n"), reply_markup: kb };
}

/** Data requests open since before `before` (the most urgent first), at most MAX_DIGEST_LINES shown. */
async function openRequestsBefore(deps: AppDeps, user: User, before: Date): Promise<{ rows: OpenRequestRow[]; total: number }> {
  const all = await listOpenRequests(deps.db, user, MAX_OPEN_REQUESTS_READ);
  const older = all.rows.filter((r) => r.dueAt.getTime() - DSR_DEADLINE_MS < before.getTime());
  const fresh = all.rows.length - older.length;
  return { rows: older.slice(0, MAX_DIGEST_LINES), total: all.total - fresh };
}

/** "3 hari", "5 jam", "20 menit": how long, without "ago". */
function durationLabel(t: TFunction, ms: number): string {
  const e = elapsed(Math.abs(ms));
  return t(`field.duration_${e.unit === "now" ? "minutes" : e.unit}`, { n: Math.max(1, e.n) });
}

/** Households in the area (null: everywhere, for admins). */
function inArea(area: string | null) {
  return area === null ? sql<boolean>`true` : sql<boolean>`(households.village_code = ${area} or households.village_code like ${`${area}.%`})`;
}

/**
 * The morning digest of a staff member (a coordinator: their area; an admin: the whole
 * country): open alerts, "perlu perhatian" reports since the last digest, households overdue,
 * volunteer applications waiting for a decision and data requests of families still open.
 * Nothing to report: no message.
 */
async function staffDigest(deps: AppDeps, user: User, date: string): Promise<{ text: string; reply_markup?: InlineKeyboard } | null> {
  const area = staffAreaOf(scopeOf(user));
  if (area === undefined) return null;
  const { t, locale } = tOf(deps, user);
  const overdueBefore = addDays(date, -deps.config.OVERDUE_DAYS);
  const overdueQ = dueHouseholds(deps.db).where(inArea(area)).where("next_visit_date", "<", overdueBefore);
  const overdue = await overdueQ
    .leftJoin("users", "users.id", "households.volunteer_id")
    .select(["households.id", "households.ref_code", "households.head_name", "households.next_visit_date", "users.name as volunteer_name"])
    .orderBy("households.next_visit_date")
    .orderBy("households.id")
    .limit(MAX_DIGEST_LINES)
    .execute();
  const overdueTotal = Number((await overdueQ.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

  const last = await deps.db
    .selectFrom("reminder_log")
    .select((eb) => eb.fn.max("sent_at").as("at"))
    .where("kind", "=", "digest")
    .where("user_id", "=", user.id)
    .executeTakeFirst();
  const since = last?.at ? new Date(last.at) : new Date(deps.now().getTime() - 24 * 3600 * 1000);
  const attentionQ = deps.db
    .selectFrom("visits")
    .innerJoin("households", "households.id", "visits.household_id")
    .where("visits.urgency", "=", "perhatian")
    .where("visits.created_at", ">", since)
    .where(inArea(area));
  const attention = await attentionQ
    .leftJoin("users", "users.id", "visits.volunteer_id")
    .select(["visits.id", "visits.visited_on", "households.ref_code", "households.head_name", "users.name as volunteer_name"])
    .orderBy("visits.created_at")
    .limit(MAX_DIGEST_LINES)
    .execute();
  const attentionTotal = Number((await attentionQ.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

  const alerts = await unresolvedAlertsFor(deps.db, user, MAX_DIGEST_LINES);
  // What arrived in the last hour was just sent as its own message (with its buttons).
  const freshSince = new Date(deps.now().getTime() - DIGEST_FRESH_MS);
  const applications = await pendingApplicationsIn(deps.db, { area, excludeUserId: user.id, limit: MAX_DIGEST_LINES, sentBefore: freshSince });
  const requests = await openRequestsBefore(deps, user, freshSince);
  const review = await reviewSection(deps, user, { since, limit: MAX_DIGEST_LINES, t, locale });
  if (overdueTotal === 0 && attentionTotal === 0 && alerts.total === 0 && applications.total === 0 && requests.total === 0 && review.total === 0) return null;

  const now = deps.now().getTime();
  const areaLabel = area === null ? t("field.digest_whole_country") : ((await regionLabel(deps.db, area)) ?? area);
  const out = [t("morning.digest_title", { area: areaLabel, date: formatDate(date, locale) })];
  out.push("", t("morning.digest_alerts", { n: alerts.total }));
  for (const a of alerts.rows) {
    out.push(
      t(a.status === "open" ? "morning.digest_alert_open" : "morning.digest_alert_ack", {
        id: a.id,
        code: formatRefCode(a.ref_code),
        name: maskName(a.head_name),
        age: ageLabel(t, now - a.created_at.getTime()),
        by: a.acknowledged_by_name ?? "–",
      }),
    );
  }
  if (alerts.total > alerts.rows.length) out.push(t("morning.digest_more", { n: alerts.total - alerts.rows.length }));
  out.push("", t("morning.digest_attention", { n: attentionTotal }));
  for (const v of attention) {
    out.push(
      t("morning.digest_attention_item", {
        code: formatRefCode(v.ref_code),
        name: maskName(v.head_name),
        date: formatDate(v.visited_on, locale),
        volunteer: v.volunteer_name ?? "–",
      }),
    );
  }
  if (attentionTotal > attention.length) out.push(t("morning.digest_more", { n: attentionTotal - attention.length }));
  if (review.total > 0) out.push("", ...review.lines);
  out.push("", t("morning.digest_overdue", { n: overdueTotal, days: deps.config.OVERDUE_DAYS }));
  for (const h of overdue) {
    out.push(
      t("morning.digest_overdue_item", {
        code: formatRefCode(h.ref_code),
        name: maskName(h.head_name),
        days: daysBetween(h.next_visit_date as string, date),
        volunteer: h.volunteer_name ?? "–",
      }),
    );
  }
  if (overdueTotal > overdue.length) out.push(t("morning.digest_more", { n: overdueTotal - overdue.length }));
  if (applications.total > 0) {
    out.push("", t("field.digest_applications", { n: applications.total }));
    for (const a of applications.rows) {
      out.push(
        t(a.reached_coordinator ? "field.digest_application_item" : "field.digest_application_unreached", {
          id: a.id,
          name: a.applicant_name ?? "–",
          village: ((await regionLabel(deps.db, a.area_code, { full: false })) ?? a.area_code).split(" — ")[0],
          age: ageLabel(t, now - a.created_at.getTime()),
        }),
      );
    }
    if (applications.total > applications.rows.length) out.push(t("morning.digest_more", { n: applications.total - applications.rows.length }));
    out.push(t("field.digest_hint_applications"));
  }
  if (requests.total > 0) {
    out.push("", t("field.digest_requests", { n: requests.total }));
    for (const r of requests.rows) {
      const overdueRequest = r.dueAt.getTime() <= now;
      out.push(
        t(overdueRequest ? "field.digest_request_overdue" : "field.digest_request_item", {
          id: r.id,
          kind: t(`dsr.kind_${r.kind}`),
          code: formatRefCode(r.refCode),
          left: durationLabel(t, r.dueAt.getTime() - now),
        }),
      );
    }
    if (requests.total > requests.rows.length) out.push(t("morning.digest_more", { n: requests.total - requests.rows.length }));
    out.push(t("field.digest_hint_requests"));
  }
  const kb = new InlineKeyboard();
  attention.slice(0, 8).forEach((v, i) => {
    kb.text(t("morning.btn_open_report", { code: formatRefCode(v.ref_code) }), VV.encode("_view", { id: v.id }));
    if (i % 2 === 1) kb.row();
  });
  if (alerts.total > 0) out.push("", t("morning.digest_hint_alerts"));
  const hasButtons = kb.inline_keyboard.some((r) => r.length > 0);
  return { text: out.join("\n"), ...(hasButtons ? { reply_markup: kb } : {}) };
}

export interface MorningResult {
  zone: ZoneLabel;
  date: string;
  volunteers: number;
  digests: number;
}

/**
 * The morning run of one zone for one local date: a reminder to every volunteer with
 * households of that zone due today or overdue (listing all their due households), and a
 * digest to every coordinator whose area lies in that zone (and, in the WIB run, to every
 * admin). Safe to run any number of times.
 */
export async function runMorning(deps: AppDeps, api: Api<RawApi>, log: Logger, zone: ZoneLabel, date: string): Promise<MorningResult> {
  const volunteers = await deps.db
    .selectFrom("users")
    .selectAll()
    .where("status", "=", "active")
    .where("role", "in", [...VISITING_ROLES])
    .where("id", "in", (eb) =>
      eb
        .selectFrom("households")
        .select("households.volunteer_id")
        .where("households.volunteer_id", "is not", null)
        .where("households.anonymized_at", "is", null)
        .where("households.status", "!=", "selesai")
        .where("households.next_visit_date", "<=", date)
        .where(sql<string>`substr(households.village_code, 1, 2)`, "in", (eb2) =>
          eb2.selectFrom("regions").select("regions.code").where("regions.level", "=", 1).where("regions.tz_label", "=", zone),
        )
        .$narrowType<{ volunteer_id: number }>(),
    )
    .orderBy("id")
    .execute();
  let sentVolunteers = 0;
  for (const user of volunteers) {
    const msg = await volunteerReminder(deps, user, date);
    if (msg && (await sendOnce(deps, api, log, { kind: "volunteer", user, date }, msg))) sentVolunteers++;
  }
  // Coordinators at 07:00 of their area's zone; admins (the whole country) at 07:00 WIB.
  const staff = await deps.db
    .selectFrom("users")
    .selectAll()
    .where("status", "=", "active")
    .where((eb) =>
      eb.or([
        eb.and([
          eb("role", "=", "coordinator"),
          eb("area_code", "is not", null),
          eb(sql<string>`substr(area_code, 1, 2)`, "in", (eb2) =>
            eb2.selectFrom("regions").select("regions.code").where("regions.level", "=", 1).where("regions.tz_label", "=", zone),
          ),
        ]),
        ...(zone === ADMIN_DIGEST_ZONE ? [eb("role", "=", "admin")] : []),
      ]),
    )
    .orderBy("id")
    .execute();
  let digests = 0;
  for (const user of staff) {
    const already = await deps.db
      .selectFrom("reminder_log")
      .select("id")
      .where("kind", "=", "digest")
      .where("user_id", "=", user.id)
      .where("local_date", "=", date)
      .executeTakeFirst();
    if (already) continue;
    const msg = await staffDigest(deps, user, date);
    if (msg && (await sendOnce(deps, api, log, { kind: "digest", user, date }, msg))) digests++;
  }
  log.info({ zone, date, volunteers: sentVolunteers, digests }, "morning messages sent");
  return { zone, date, volunteers: sentVolunteers, digests };
}

export const morningJob = defineJob(MORNING_JOB, z.object({ zone: z.string(), date: z.string() }), async ({ deps, api, log }, payload) => {
  const zone = payload["zone"];
  const date = payload["date"];
  if (!isZoneLabel(zone) || typeof date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error("bad morning job payload");
  await runMorning(deps, api, log, zone, date);
});

/**
 * Ticker: once the local time of a zone reaches 07:00, the zone's morning job for that local
 * date is enqueued under the key `morning:<date>:<zone>` (once ever, whatever the number of
 * polls, restarts or processes).
 */
export const morningTicker: Ticker = async (deps, seen) => {
  const now = deps.now();
  for (const z of TIME_ZONES) {
    if (localHour(now, z.tz) < MORNING_HOUR) continue;
    const date = localDate(now, z.tz);
    const key = `morning:${date}:${z.label}`;
    if (seen.has(key)) continue;
    await enqueueJob(deps.db, MORNING_JOB, { zone: z.label, date }, { key, now });
    seen.add(key);
  }
};

/**
 * Runs the morning messages now, for every zone (the simulator's ":pagi", and operators).
 * `date` defaults to each zone's current local date. Messages already sent for that date
 * are not sent again.
 */
export async function triggerMorning(deps: AppDeps, api: Api<RawApi>, opts: { date?: string } = {}): Promise<MorningResult[]> {
  const log = deps.logger.child({ job: "morning-manual" });
  const out: MorningResult[] = [];
  for (const z of TIME_ZONES) {
    out.push(await runMorning(deps, api, log, z.label, opts.date ?? localDate(deps.now(), zoneTz(z.label))));
  }
  return out;
}
