import { z } from "zod";
import { InlineKeyboard } from "grammy";
import type { AppDeps, BotContext } from "../context.js";
import type { User } from "../../db/schema.js";
import type { TFunction } from "../../i18n.js";
import { defineJob } from "../jobs.js";
import { canViewHousehold } from "../access.js";
import { findUserById } from "../../db/queries/users.js";
import { audit } from "../../db/queries/audit.js";
import {
  LOCATION_CHECK_JOB,
  findLocationCheck,
  markVisitFar,
  recordLocationAnswer,
  reviewVisitsFor,
  setHouseholdPoint,
} from "../../db/queries/fieldwork.js";
import { formatRefCode } from "../../domain/refcode.js";
import { maskName } from "../../domain/visit.js";
import { formatDateId } from "../../domain/dates.js";
import { asPoint, formatDistance } from "../../domain/fieldwork/distance.js";
import { deliveryDelayDays, isLateDelivery } from "../../domain/fieldwork/plausibility.js";
import { encodeFw } from "../../ui/fieldwork/callback-data.js";
import { sendToUser, tFor } from "./common.js";
import { showInPlace } from "./plan.js";

/**
 * After a located visit report is saved (the job is enqueued in the save's transaction): when
 * it is farther than VISIT_DISTANCE_WARN_M from the household's point, the report is marked
 * for review and the reporter is asked, kindly, whether they were at the family's house (and
 * may move the house's point there); when the household has no point yet, the reporter may
 * save the report's location as its point. Nothing is ever refused.
 */
export const locationCheckJob = defineJob(LOCATION_CHECK_JOB, z.object({ visitId: z.number().int().positive() }), async ({ deps, api, log }, p) => {
  const v = await findLocationCheck(deps.db, p.visitId);
  if (!v || v.reporter_id === null || v.anonymized_at !== null || v.location_answer !== null) return;
  const visitPoint = asPoint(v.visit_lat, v.visit_lon);
  if (!visitPoint) return;
  const reporter = await findUserById(deps.db, v.reporter_id);
  if (!reporter || reporter.status !== "active") return;
  const { t, locale } = tFor(deps, reporter);
  const homePoint = asPoint(v.home_lat, v.home_lon);
  const code = formatRefCode(v.ref_code);
  if (v.distance_m !== null && homePoint) {
    if (v.distance_m <= deps.config.VISIT_DISTANCE_WARN_M) return;
    await markVisitFar(deps.db, v.visit_id);
    const kb = new InlineKeyboard()
      .text(t("fieldwork.loc_btn_update"), encodeFw({ k: "location", visitId: v.visit_id, update: true }))
      .row()
      .text(t("fieldwork.loc_btn_not_there"), encodeFw({ k: "location", visitId: v.visit_id, update: false }));
    await sendToUser(deps, api, log, reporter, t("fieldwork.loc_far", { code, distance: formatDistance(v.distance_m, locale) }), kb);
    return;
  }
  if (!homePoint && v.distance_m === null) {
    const kb = new InlineKeyboard()
      .text(t("fieldwork.loc_btn_save"), encodeFw({ k: "location", visitId: v.visit_id, update: true }))
      .row()
      .text(t("fieldwork.loc_btn_no"), encodeFw({ k: "location", visitId: v.visit_id, update: false }));
    await sendToUser(deps, api, log, reporter, t("fieldwork.loc_no_point", { code }), kb);
  }
});

/**
 * The answer: only the reporter of the visit, who must still see the household, once. The
 * household's point moves to the report's location (audited, without coordinates).
 */
export async function answerLocation(ctx: BotContext, visitId: number, update: boolean): Promise<void> {
  const user = ctx.user!;
  const v = await findLocationCheck(ctx.db, visitId);
  const household = v ? { volunteer_id: v.volunteer_id, village_code: v.village_code } : null;
  if (!v || v.reporter_id !== user.id || !household || !canViewHousehold(user, household) || v.anonymized_at !== null) {
    await ctx.answerCallbackQuery({ text: ctx.t("fieldwork.loc_not_yours").slice(0, 200), show_alert: true });
    return;
  }
  const point = asPoint(v.visit_lat, v.visit_lon);
  const far = v.distance_m !== null;
  const answer = update ? "updated" : far ? "not_there" : "declined";
  if (!point || !(await recordLocationAnswer(ctx.db, visitId, answer))) {
    await ctx.answerCallbackQuery({ text: ctx.t("fieldwork.loc_already").slice(0, 200) });
    return;
  }
  await ctx.answerCallbackQuery();
  const code = formatRefCode(v.ref_code);
  if (update) {
    await setHouseholdPoint(ctx.db, v.household_id, point, ctx.deps.now());
    await audit(ctx.db, {
      actorId: user.id,
      action: "household.location_updated",
      entity: "household",
      entityId: v.household_id,
      details: { source: "visit_report", visitId, previous: far ? "far" : "none", distanceM: v.distance_m },
    });
    await showInPlace(ctx, { text: ctx.t(far ? "fieldwork.loc_updated" : "fieldwork.loc_saved", { code }) });
    return;
  }
  await showInPlace(ctx, { text: ctx.t(far ? "fieldwork.loc_not_there" : "fieldwork.loc_declined", { code }) });
}

/** Lines of the plausibility part of a coordinator's morning digest. */
export interface ReviewSection {
  total: number;
  lines: string[];
  /** Visit ids listed (for "open report" buttons). */
  visitIds: number[];
}

/**
 * The visits of the coordinator's area received since the last digest that deserve a look:
 * far from the house, without a location although the house has a point, or delivered more
 * than a day after they were written. Empty (total 0) when there are none.
 */
export async function reviewSection(
  deps: AppDeps,
  user: User,
  opts: { since: Date; limit: number; t?: TFunction; locale?: string },
): Promise<ReviewSection> {
  const area = user.role === "admin" ? null : user.area_code;
  if (user.role !== "admin" && !area) return { total: 0, lines: [], visitIds: [] };
  const own = tFor(deps, user);
  const t = opts.t ?? own.t;
  const locale = opts.locale ?? own.locale;
  const { rows, total } = await reviewVisitsFor(deps.db, area, { since: opts.since, limit: opts.limit });
  if (total === 0) return { total: 0, lines: [], visitIds: [] };
  const lines = [t("fieldwork.digest_review", { n: total })];
  for (const r of rows) {
    const notes: string[] = [];
    if (r.review_reason === "far" && r.distance_m !== null) {
      const distance = formatDistance(r.distance_m, locale);
      notes.push(
        r.location_answer === "updated"
          ? t("fieldwork.review_far_updated", { distance })
          : r.location_answer === "not_there"
            ? t("fieldwork.review_far_not_there", { distance })
            : t("fieldwork.review_far", { distance }),
      );
    } else if (r.review_reason === "no_location") {
      notes.push(t("fieldwork.review_no_location"));
    }
    if (isLateDelivery(r.written_at, r.created_at)) notes.push(t("fieldwork.review_late", { n: deliveryDelayDays(r.written_at, r.created_at) }));
    lines.push(
      t("fieldwork.digest_review_item", {
        code: formatRefCode(r.ref_code),
        name: maskName(r.head_name),
        date: formatDateId(r.visited_on, locale === "en" ? "en" : "id"),
        volunteer: r.volunteer_name ?? "–",
        notes: notes.join("; "),
      }),
    );
  }
  if (total > rows.length) lines.push(t("morning.digest_more", { n: total - rows.length }));
  return { total, lines, visitIds: rows.map((r) => r.id) };
}
