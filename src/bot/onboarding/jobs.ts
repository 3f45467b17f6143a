import { z } from "zod";
import { GrammyError } from "grammy";
import {
  applicationsWithoutCoordinator,
  findInviteById,
  getApplication,
  notifiedStaffIds,
  ONBOARDING_JOBS,
  approvalTopic,
  type ApplicationEvent,
} from "../../db/queries/onboarding.js";
import { activeAdmins } from "../../db/queries/alerts.js";
import { audit } from "../../db/queries/audit.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import { regionLabel } from "../../db/queries/regions.js";
import { findStaffCovering, findUserById } from "../../db/queries/users.js";
import type { User } from "../../db/schema.js";
import { isLocale, type TFunction } from "../../i18n.js";
import { syncUserCommands } from "../commands/menu.js";
import type { AppDeps } from "../context.js";
import { defineJob, type JobContext, type Ticker } from "../jobs.js";
import { markUnreachableOn403, sendNotices, updateNotices } from "../notices.js";
import { loadApplicationNotice, renderApplicationNotice } from "./render.js";

function tFor(deps: AppDeps, user: User): TFunction {
  return deps.i18n.t(isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale);
}

/** Sends a message to a user; a user who blocked the bot is marked, other failures logged. */
async function tell(ctx: JobContext, user: User, text: string, extra: Record<string, unknown> = {}): Promise<void> {
  try {
    await ctx.api.sendMessage(user.telegram_id, text, { parse_mode: "HTML", ...extra });
  } catch (err) {
    if (!(await markUnreachableOn403(ctx.deps.db, user, err, ctx.deps.now()))) {
      if (!(err instanceof GrammyError)) throw err;
      ctx.log.warn({ userId: user.id, code: err.error_code }, "onboarding message not delivered");
    }
  }
}

async function syncMenu(ctx: JobContext, user: User): Promise<void> {
  try {
    await syncUserCommands(ctx.api, ctx.deps, user);
  } catch (err) {
    ctx.log.warn({ userId: user.id, err: (err as Error).message }, "could not update the command menu");
  }
}

/**
 * Staff messages about an application: asks the coordinators of the village and the admins
 * to decide ("requested"), shows everyone who decided and tells the volunteer ("decided"), or
 * marks the messages as no longer needed ("closed").
 */
export const applicationNotifyJob = defineJob(ONBOARDING_JOBS.notify, z.object({ applicationId: z.number().int(), event: z.string() }), async (ctx, payload) => {
  const applicationId = Number(payload["applicationId"]);
  const event = payload["event"] as ApplicationEvent;
  const { deps, api, log } = ctx;
  const notice = await loadApplicationNotice(deps.db, applicationId);
  if (!notice) return;
  const nd = { api, db: deps.db, i18n: deps.i18n, logger: log, now: deps.now };
  const topic = approvalTopic(applicationId);
  const { application: app, applicant } = notice.details;

  if (event === "requested") {
    if (app.status !== "pending") return;
    const already = new Set(
      (await deps.db.selectFrom("staff_notice").select("user_id").where("topic", "=", topic).execute()).map((r) => r.user_id),
    );
    const staff = (await findStaffCovering(deps.db, app.area_code, { roles: ["coordinator"], includeAdmins: true })).filter(
      (u) => u.id !== applicant.id && !already.has(u.id),
    );
    const sent = await sendNotices(nd, topic, staff, (t, user) => renderApplicationNotice(t, user.locale, notice));
    if (sent === 0 && already.size === 0) log.warn({ applicationId, area: app.area_code }, "nobody could be asked to decide an application");
    return;
  }

  await updateNotices(nd, topic, (t, user) => renderApplicationNotice(t, user?.locale, notice));
  if (event !== "decided" || (app.status !== "approved" && app.status !== "rejected")) return;

  const t = tFor(deps, applicant);
  const by = notice.details.deciderName ?? "-";
  const key =
    app.kind === "registration"
      ? app.status === "approved"
        ? "approval.volunteer_approved"
        : "approval.volunteer_rejected"
      : app.status === "approved"
        ? "approval.volunteer_move_approved"
        : "approval.volunteer_move_rejected";
  await tell(ctx, applicant, t(key, { name: by, area: notice.area, reason: app.reason ?? "-" }), {
    ...(app.kind === "registration" ? { reply_markup: { remove_keyboard: true } } : {}),
  });
  const fresh = await findUserById(deps.db, applicant.id);
  if (fresh) await syncMenu(ctx, fresh);
});

/** Someone joined through an invite: their command menu, and a word to the inviter. */
export const inviteJoinedJob = defineJob(ONBOARDING_JOBS.joined, z.object({ userId: z.number().int(), inviteId: z.number().int() }), async (ctx, payload) => {
  const { deps } = ctx;
  const user = await findUserById(deps.db, Number(payload["userId"]));
  if (!user) return;
  await syncMenu(ctx, user);
  const info = await findInviteById(deps.db, Number(payload["inviteId"]));
  if (!info || info.inviter.status !== "active") return;
  const t = tFor(deps, info.inviter);
  const area = user.area_code ? ((await regionLabel(deps.db, user.area_code, { full: false })) ?? user.area_code) : "-";
  await tell(
    ctx,
    info.inviter,
    t(user.role === "coordinator" ? "invite.joined_coordinator" : "invite.joined_volunteer", {
      name: user.name ?? "-",
      area,
      id: info.invite.id,
      uses: info.invite.uses,
      max: info.invite.max_uses,
    }),
  );
});

/** After this long with no coordinator reached, the volunteer and the admins are told. */
export const UNREACHED_AFTER_MS = 48 * 3600 * 1000;

/**
 * Applications that reached no coordinator are not left lying: once a minute this looks for
 * them and, when someone of the area can now be asked (a coordinator or an admin who started
 * the bot since, or who is reachable again), sends them the request; after
 * {@link UNREACHED_AFTER_MS} still without a coordinator, the volunteer and the admins are told
 * (once). Only keyed jobs are enqueued: several processes and restarts repeat nothing.
 */
export const approvalRetryTicker: Ticker = async (deps, memo) => {
  const now = deps.now();
  const minute = `approval-retry:${now.toISOString().slice(0, 16)}`;
  if (memo.has(minute)) return;
  memo.add(minute);
  for (const app of await applicationsWithoutCoordinator(deps.db)) {
    const notified = await notifiedStaffIds(deps.db, app.id);
    const candidates = (await findStaffCovering(deps.db, app.area_code, { roles: ["coordinator"], includeAdmins: true }))
      .filter((u) => u.id !== app.user_id && !notified.has(u.id) && u.unreachable_at === null)
      .map((u) => u.id);
    if (candidates.length > 0) {
      // Once per hour for the same people (a network failure is retried, a 403 marks them unreachable).
      const key = `approval-retry:${app.id}:${now.toISOString().slice(0, 13)}:${candidates.join(",")}`;
      await enqueueJob(deps.db, ONBOARDING_JOBS.notify, { applicationId: app.id, event: "requested" }, { key, now });
    }
    if (now.getTime() - app.created_at.getTime() >= UNREACHED_AFTER_MS) {
      await enqueueJob(deps.db, ONBOARDING_JOBS.unreached, { applicationId: app.id }, { key: `approval-unreached:${app.id}`, now });
    }
  }
};

/**
 * 48 hours and still no coordinator: the volunteer learns why nothing happens (and that the
 * application waits), the admins that a village has no coordinator on the bot.
 */
export const applicationUnreachedJob = defineJob(ONBOARDING_JOBS.unreached, z.object({ applicationId: z.number().int() }), async (ctx, payload) => {
  const { deps, log } = ctx;
  const app = await getApplication(deps.db, payload.applicationId);
  if (!app || app.status !== "pending") return;
  const notice = await loadApplicationNotice(deps.db, app.id);
  if (!notice) return;
  const notified = await notifiedStaffIds(deps.db, app.id);
  const admins = (await activeAdmins(deps.db)).filter((a) => a.id !== app.user_id);
  const { applicant } = notice.details;
  const hours = Math.round(UNREACHED_AFTER_MS / 3_600_000);
  const anyAdminReached = admins.some((a) => notified.has(a.id));
  await tell(ctx, applicant, tFor(deps, applicant)(anyAdminReached ? "field.unreached_volunteer" : "field.unreached_volunteer_nobody", { area: notice.area, hours }));
  for (const admin of admins) {
    await tell(ctx, admin, tFor(deps, admin)("field.unreached_admin", { id: app.id, name: applicant.name ?? "-", area: notice.area, hours }));
  }
  await audit(deps.db, {
    actorId: null,
    action: "application.unreached",
    entity: "user",
    entityId: app.user_id,
    details: { applicationId: app.id, area: app.area_code, admins: admins.length },
  });
  log.info({ applicationId: app.id, admins: admins.length }, "application reached no coordinator in 48 hours");
});
