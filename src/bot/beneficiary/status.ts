import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback } from "../commands/registry.js";
import type { CardAction } from "../card-actions.js";
import type { Household } from "../../db/schema.js";
import { findHousehold } from "../../db/queries/households.js";
import { changeHouseholdStatus, hasRecordedVisit, statusActorRole } from "../../db/queries/status-change.js";
import { canTransition, nextStatuses, requiresReason, type ActorRole } from "../../domain/household-status.js";
import { isHouseholdStatus } from "../../domain/ppks.js";
import { formatRefCode } from "../../domain/refcode.js";
import { STATUS_CHANGE, changedText, explainRefusal } from "../../flows/status-change.js";
import { enterFlow } from "./self-service.js";
import { ST } from "../../ui/beneficiary/callback-data.js";

/** Status changes from the household card: coordinators of the area, and the volunteer's "verified". */
export const statusHandlers = new Composer<BotContext>();

/**
 * The card's status buttons for this viewer: "Ubah status" for staff of the area; for the
 * assigned volunteer only "Tandai diverifikasi", once the household is registered and was
 * visited. The handlers check all of it again.
 */
export async function statusCardActions(ctx: Pick<BotContext, "user" | "t" | "db">, household: Household): Promise<CardAction[]> {
  const role = statusActorRole(ctx.user, household);
  if (role === "coordinator" || role === "admin") return [{ label: ctx.t("status_change.btn_change"), data: ST.encode("_pick", { id: household.id }) }];
  if (role === "volunteer" && household.status === "terdaftar" && household.anonymized_at === null && (await hasRecordedVisit(ctx.db, household.id))) {
    return [{ label: ctx.t("status_change.btn_verify"), data: ST.encode("_to", { id: household.id, status: "diverifikasi" }) }];
  }
  return [];
}

async function loadForStatus(ctx: BotContext, id: number | undefined): Promise<{ household: Household; role: ActorRole } | undefined> {
  const household = id !== undefined ? await findHousehold(ctx.db, id) : undefined;
  const role = household ? statusActorRole(ctx.user, household) : null;
  if (!household || !role) {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours").slice(0, 200), show_alert: true });
    return undefined;
  }
  return { household, role };
}

guardedCallback(statusHandlers, ST.match("_pick"), "volunteer", async (ctx) => {
  const found = await loadForStatus(ctx, ST.parse("_pick", ctx)?.id);
  if (!found) return;
  const { household, role } = found;
  if (role === "volunteer" || !isHouseholdStatus(household.status)) {
    await ctx.answerCallbackQuery({ text: ctx.t("status_change.refused_role").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const options = nextStatuses(household.status, role);
  const text = [
    ctx.t("status_change.pick", { code: formatRefCode(household.ref_code), status: ctx.t(`vocab.status.${household.status}`) }),
    ctx.t(`vocab.status_meaning.${household.status}`),
  ];
  if (options.length === 0) {
    await ctx.reply([...text, "", ctx.t("status_change.no_options")].join("\n"));
    return;
  }
  const kb = new InlineKeyboard();
  for (const to of options) {
    kb.text(`${ctx.t(`vocab.status.${to}`)}${requiresReason(to) ? " ✍️" : ""}`, ST.encode("_to", { id: household.id, status: to })).row();
  }
  await ctx.reply([...text, "", ctx.t("status_change.pick_hint")].join("\n"), { reply_markup: kb });
});

guardedCallback(statusHandlers, ST.match("_to"), "volunteer", async (ctx) => {
  const tap = ST.parse("_to", ctx);
  const found = await loadForStatus(ctx, tap?.id);
  if (!found) return;
  const { household, role } = found;
  const to = tap?.status ?? "";
  const from = household.status;
  await ctx.answerCallbackQuery();
  if (!isHouseholdStatus(to) || !isHouseholdStatus(from)) {
    await ctx.reply(explainRefusal(ctx.t, "unknown_status", from, to));
    return;
  }
  const check = canTransition(from, to, role);
  if (!check.ok) {
    await ctx.reply(explainRefusal(ctx.t, check.reason, from, to));
    return;
  }
  if (role === "volunteer" && !(await hasRecordedVisit(ctx.db, household.id))) {
    await ctx.reply(explainRefusal(ctx.t, "needs_visit", from, to));
    return;
  }
  // A reason to give, or "Diverifikasi" to confirm with a second tap (issue 18, bug 10).
  if (requiresReason(to) || to === "diverifikasi") {
    await enterFlow(ctx, STATUS_CHANGE, household.id, to);
    return;
  }
  const result = await changeHouseholdStatus(ctx.db, { household, to, reason: null, actorId: ctx.user!.id, role, now: ctx.deps.now() });
  if (!result.ok) {
    await ctx.reply(explainRefusal(ctx.t, result.reason, from, to));
    return;
  }
  await ctx.reply(changedText(ctx.t, household.ref_code, result.from, result.to, result.notified));
});
