import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { ask, backKeyboard, textOf, withDb } from "../kit/ask.js";
import { findHousehold } from "../../db/queries/households.js";
import { findProposal, moveProposal, statusOf, type MoveResult } from "../../db/queries/dtsen.js";
import { canMoveProposal, checkFreeText, proposalCapacities, type ProposalStatus } from "../../domain/dtsen.js";
import { formatRefCode } from "../../domain/refcode.js";
import { markup, renderProposal, type Rendered } from "../../ui/dtsen/render.js";
import { freeTextError } from "./start.js";

export const DTSEN_DECISION = "dtsen-decision";

/** What the coordinator decides with a reason: return a proposal for fixing, or record a rejection. */
export type Decision = "return" | "reject";

const TARGET: Record<Decision, ProposalStatus> = { return: "dikembalikan", reject: "ditolak" };

type Checked = { ok: true; code: string } | { ok: false };
type Applied = { ok: true; card: Rendered | null; code: string } | { ok: false; reason: Extract<MoveResult, { ok: false }>["reason"] | "denied" };

/**
 * A coordinator returns a proposal to the volunteer (what to fix) or records that it was
 * rejected (the reason is shown to the volunteer and, in plain words, to a subscribed
 * family). Entered after the access check; checked again when saving.
 */
async function dtsenDecision(conversation: Convo, ctx: FlowContext, proposalId: number, decision: string): Promise<void> {
  if (!Number.isSafeInteger(proposalId) || (decision !== "return" && decision !== "reject")) return;
  const to = TARGET[decision];
  const checked = await withDb<Checked>(conversation, async (db, _deps, octx) => {
    const p = await findProposal(db, proposalId);
    const h = p ? await findHousehold(db, p.household_id) : undefined;
    if (!p || !h) return { ok: false };
    const capacities = proposalCapacities(octx.user, h);
    const allowed = canMoveProposal(statusOf(p), to, capacities, { complete: true, hasReason: true });
    return allowed.ok ? { ok: true, code: formatRefCode(h.ref_code) } : { ok: false };
  });
  if (!checked.ok) {
    await ctx.reply(ctx.t("dtsen.action_not_possible"));
    return;
  }
  const answer = await ask<string>(conversation, {
    question: () =>
      ctx.reply(ctx.t(decision === "return" ? "dtsen.ask_return_reason" : "dtsen.ask_reject_reason", { code: checked.code }), {
        reply_markup: backKeyboard(ctx.t("dtsen.btn_cancel_decision")),
      }),
    parse: (x) => {
      const text = textOf(x);
      if (text === undefined) return undefined;
      const r = checkFreeText(text);
      return r.ok ? { ok: true, value: r.value } : { ok: false, error: freeTextError(x, r.problem, [...text].length) };
    },
    hintKey: "dtsen.reason_hint",
  });
  const c = answer.ctx;
  if (answer.kind === "back") {
    await c.reply(c.t("dtsen.decision_cancelled"));
    return;
  }
  const applied = await withDb<Applied>(conversation, async (db, deps, octx) => {
    const p = await findProposal(db, proposalId);
    const h = p ? await findHousehold(db, p.household_id) : undefined;
    if (!p || !h || !octx.user) return { ok: false, reason: "denied" };
    const r = await moveProposal(db, { proposal: p, to, reason: answer.value, actorId: octx.user.id, capacities: proposalCapacities(octx.user, h), now: deps.now() });
    if (!r.ok) return { ok: false, reason: r.reason };
    return { ok: true, code: formatRefCode(h.ref_code), card: await renderProposal(db, octx.t, octx.locale, octx.user, proposalId) };
  });
  if (!applied.ok) {
    await c.reply(c.t(applied.reason === "changed" ? "dtsen.changed_meanwhile" : "dtsen.action_not_possible"));
    return;
  }
  await c.reply(c.t(decision === "return" ? "dtsen.returned_done" : "dtsen.rejected_done", { code: applied.code }));
  if (applied.card) await c.reply(applied.card.text, markup(applied.card));
}

export const dtsenDecisionFlow: FlowDefinition = { id: DTSEN_DECISION, builder: dtsenDecision };
