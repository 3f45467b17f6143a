/**
 * A coordinator rejects a volunteer's application: asks a short reason (shown to the
 * volunteer), then records the decision — unless someone else decided first.
 */
import { applicationDetails, decideApplication, mayDecide } from "../../db/queries/onboarding.js";
import { ask, backKeyboard, textOf, withDb, type Parsed } from "../kit/ask.js";
import type { Convo, FlowContext } from "../kit/types.js";

export const REJECT_FLOW = "onboarding-reject";

export interface RejectArgs {
  applicationId: number;
}

/** Length limits of a rejection reason, in characters. */
export const REASON_MIN = 3;
export const REASON_MAX = 300;

type Outcome = { kind: "done" } | { kind: "forbidden" } | { kind: "already"; by: string | null; status: string } | { kind: "not_found" };

export async function rejectFlow(conversation: Convo, ctx: FlowContext, args?: RejectArgs): Promise<void> {
  const applicationId = Number(args?.applicationId);
  const t = ctx.t;
  const info = await withDb(conversation, async (db, _deps, octx) => {
    const d = Number.isInteger(applicationId) ? await applicationDetails(db, applicationId) : undefined;
    if (!d) return { ok: false as const, message: "common.button_expired" };
    if (!mayDecide(octx.user, d.application)) return { ok: false as const, message: "access.not_yours" };
    if (d.application.status !== "pending") return { ok: false as const, message: "approval.already_closed" };
    return { ok: true as const, name: d.applicant.name ?? "-", kind: d.application.kind };
  });
  if (!info.ok) {
    await ctx.reply(t(info.message));
    return;
  }

  const answer = await ask(conversation, {
    question: () =>
      ctx.reply(t(info.kind === "area_change" ? "approval.ask_reason_move" : "approval.ask_reason", { name: info.name }), {
        reply_markup: backKeyboard(t("approval.cancel_reject")),
      }),
    parse: (c): Parsed<string> | undefined => {
      const text = textOf(c);
      if (text === undefined) return undefined;
      const length = [...text].length;
      if (length < REASON_MIN) return { ok: false, error: c.t("approval.reason_too_short", { min: REASON_MIN }) };
      if (length > REASON_MAX) return { ok: false, error: c.t("approval.reason_too_long", { max: REASON_MAX }) };
      return { ok: true, value: text.replace(/\s+/g, " ") };
    },
    hintKey: "approval.reason_hint",
  });
  if (answer.kind === "back") {
    await answer.ctx.reply(t("approval.reject_cancelled"));
    return;
  }

  const reason = answer.value;
  const outcome = await withDb(conversation, async (db, deps, octx): Promise<Outcome> => {
    if (!octx.user) return { kind: "forbidden" };
    const r = await decideApplication(db, { applicationId, decider: octx.user, decision: "rejected", reason, now: deps.now() });
    if (r.kind === "already") return { kind: "already", by: r.deciderName, status: r.application.status };
    return { kind: r.kind };
  });
  if (outcome.kind === "done") {
    await answer.ctx.reply(t("approval.rejected_saved", { name: info.name }));
  } else if (outcome.kind === "already") {
    await answer.ctx.reply(
      outcome.by ? t("approval.already_decided", { name: outcome.by }) : t("approval.already_closed"),
    );
  } else {
    await answer.ctx.reply(t(outcome.kind === "forbidden" ? "access.not_yours" : "common.button_expired"));
  }
}
