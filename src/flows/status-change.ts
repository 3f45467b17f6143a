import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import type { TFunction } from "../i18n.js";
import { ask, backKeyboard, textOf, withDb } from "./kit/ask.js";
import { askQuestion } from "./kit/form.js";
import { choice } from "./kit/questions.js";
import { nextStatuses, requiresReason } from "../domain/household-status.js";
import { isHouseholdStatus } from "../domain/ppks.js";
import { formatRefCode } from "../domain/refcode.js";
import { findHousehold } from "../db/queries/households.js";
import { changeHouseholdStatus, statusActorRole, type StatusChangeResult } from "../db/queries/status-change.js";

export const STATUS_CHANGE = "status-change";

const MIN_REASON = 3;
const MAX_REASON = 500;

/** Why a status change was refused, in words (shared with the card buttons' handler). */
export type Refusal = Extract<StatusChangeResult, { ok: false }>["reason"] | "not_yours" | "needs_visit";

export function explainRefusal(t: TFunction, reason: Refusal, from: string, to: string): string {
  const name = (s: string) => (isHouseholdStatus(s) ? t(`vocab.status.${s}`) : s);
  switch (reason) {
    case "same":
      return t("status_change.refused_same", { status: name(from) });
    case "invalid_transition": {
      const options = isHouseholdStatus(from) ? nextStatuses(from, "admin").map(name) : [];
      return t("status_change.refused_invalid", { from: name(from), to: name(to), list: options.length > 0 ? options.join(", ") : "–" });
    }
    case "not_allowed_for_role":
      return t("status_change.refused_role");
    case "needs_visit":
      return t("status_change.refused_needs_visit");
    case "changed":
      return t("status_change.refused_changed");
    case "not_yours":
      return t("access.not_yours");
    default:
      return t("status_change.refused_unknown");
  }
}

/** The confirmation after a change. */
export function changedText(t: TFunction, refCode: string, from: string, to: string, notified: number): string {
  const lines = [t("status_change.done", { code: formatRefCode(refCode), from: t(`vocab.status.${from}`), to: t(`vocab.status.${to}`) })];
  if (notified > 0) lines.push(t("status_change.subscribers_told", { count: notified }));
  return lines.join("\n");
}

type Applied = { ok: true; refCode: string; from: string; to: string; notified: number } | { ok: false; reason: Refusal; from: string };

/** Asks for the reason (rejecting, closing): the text, or null when the person went back. */
async function askReason(conversation: Convo, ctx: FlowContext, to: string): Promise<{ reason: string; ctx: FlowContext } | { reason: null; ctx: FlowContext }> {
  const answer = await ask<string>(conversation, {
    question: () =>
      ctx.reply(ctx.t(to === "ditolak" ? "status_change.ask_reason_rejected" : "status_change.ask_reason_closed"), {
        reply_markup: backKeyboard(ctx.t("status_change.btn_cancel")),
      }),
    parse: (x) => {
      const text = textOf(x);
      if (text === undefined) return undefined;
      if (text.length < MIN_REASON) return { ok: false, error: x.t("status_change.reason_too_short") };
      if (text.length > MAX_REASON) return { ok: false, error: x.t("status_change.reason_too_long", { max: MAX_REASON, length: text.length }) };
      return { ok: true, value: text };
    },
    hintKey: "status_change.reason_hint",
  });
  return answer.kind === "back" ? { reason: null, ctx: answer.ctx } : { reason: answer.value, ctx: answer.ctx };
}

/** Asks before a change that needs no reason ("Diverifikasi"): true when confirmed. */
async function confirmChange(conversation: Convo, ctx: FlowContext, householdId: number, to: string): Promise<{ ok: boolean; ctx: FlowContext }> {
  const shown = await withDb(conversation, async (db) => (await findHousehold(db, householdId))?.ref_code ?? null);
  const status = ctx.t(`vocab.status.${to}`);
  const answer = await askQuestion(
    conversation,
    ctx,
    choice(ctx, {
      text: ctx.t("form.verify_confirm", { code: shown ? formatRefCode(shown) : "–", status, meaning: ctx.t(`vocab.status_meaning.${to}`) }),
      options: [
        { value: true, label: ctx.t("form.verify_yes", { status }) },
        { value: false, label: ctx.t("form.verify_no") },
      ],
      back: false,
    }),
  );
  return { ok: answer.kind === "value" && answer.value === true, ctx: answer.ctx };
}

/**
 * A status change from the card's status buttons, after the access check: rejecting a
 * household or closing its case needs a reason (shown to the family when rejected); any
 * other change ("Diverifikasi") is confirmed with one more tap. Access and the transition
 * are checked again when saving, against the household as it is then.
 */
async function statusChange(conversation: Convo, ctx: FlowContext, householdId: number, to: string): Promise<void> {
  if (!Number.isInteger(householdId) || typeof to !== "string" || !isHouseholdStatus(to)) return;
  let c: FlowContext;
  let reason: string | null = null;
  if (requiresReason(to)) {
    const answer = await askReason(conversation, ctx, to);
    c = answer.ctx;
    if (answer.reason === null) {
      await c.reply(c.t("status_change.cancelled"));
      return;
    }
    reason = answer.reason;
  } else {
    const confirmed = await confirmChange(conversation, ctx, householdId, to);
    c = confirmed.ctx;
    if (!confirmed.ok) {
      await c.reply(c.t("status_change.cancelled"));
      return;
    }
  }
  const applied = await withDb(conversation, async (db, deps, octx): Promise<Applied> => {
    const household = await findHousehold(db, householdId);
    const role = household ? statusActorRole(octx.user, household) : null;
    if (!household || !role || !octx.user) return { ok: false, reason: "not_yours", from: household?.status ?? "" };
    const result = await changeHouseholdStatus(db, { household, to, reason, actorId: octx.user.id, role, now: deps.now() });
    if (!result.ok) return { ok: false, reason: result.reason, from: household.status };
    return { ok: true, refCode: household.ref_code, from: result.from, to: result.to, notified: result.notified };
  });
  if (!applied.ok) {
    await c.reply(explainRefusal(c.t, applied.reason, applied.from, to));
    return;
  }
  await c.reply(changedText(c.t, applied.refCode, applied.from, applied.to, applied.notified));
}

export const statusChangeFlow: FlowDefinition = { id: STATUS_CHANGE, builder: statusChange };
