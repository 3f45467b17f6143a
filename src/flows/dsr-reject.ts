import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, backKeyboard, textOf, withDb } from "./kit/ask.js";
import { closeDataRequest, getDataRequest } from "../db/queries/beneficiary/index.js";
import { findHousehold } from "../db/queries/households.js";
import { statusActorRole } from "../db/queries/status-change.js";

export const DSR_REJECT = "dsr-reject";

const MIN_REASON = 5;
const MAX_REASON = 500;

type Closed = { kind: "done"; id: number } | { kind: "not_yours" } | { kind: "closed" };

/**
 * A coordinator turns down a correction or deletion request: the reason is required and is
 * sent to the person who asked. Access (staff of the household's area) and the request's
 * state are checked again when saving.
 */
async function dsrReject(conversation: Convo, ctx: FlowContext, requestId: number): Promise<void> {
  if (!Number.isInteger(requestId)) return;
  const answer = await ask<string>(conversation, {
    question: () => ctx.reply(ctx.t("dsr.ask_reject_reason", { id: requestId }), { reply_markup: backKeyboard(ctx.t("dsr.btn_cancel")) }),
    parse: (x) => {
      const text = textOf(x);
      if (text === undefined) return undefined;
      if (text.length < MIN_REASON) return { ok: false, error: x.t("dsr.reason_too_short") };
      if (text.length > MAX_REASON) return { ok: false, error: x.t("dsr.reason_too_long", { max: MAX_REASON, length: text.length }) };
      return { ok: true, value: text };
    },
    hintKey: "dsr.reason_hint",
  });
  const c = answer.ctx;
  if (answer.kind === "back") {
    await c.reply(c.t("dsr.reject_cancelled"));
    return;
  }
  const note = answer.value;
  const closed = await withDb(conversation, async (db, deps, octx): Promise<Closed> => {
    const request = await getDataRequest(db, requestId);
    const household = request ? await findHousehold(db, request.household_id) : undefined;
    const role = household ? statusActorRole(octx.user, household) : null;
    if (!request || !household || !octx.user || (role !== "coordinator" && role !== "admin")) return { kind: "not_yours" };
    const row = await closeDataRequest(db, { requestId, outcome: "rejected", by: octx.user.id, note, now: deps.now() });
    return row ? { kind: "done", id: row.id } : { kind: "closed" };
  });
  if (closed.kind === "not_yours") await c.reply(c.t("access.not_yours"));
  else if (closed.kind === "closed") await c.reply(c.t("dsr.already_closed", { id: requestId }));
  else await c.reply(c.t("dsr.rejected_done", { id: closed.id }));
}

export const dsrRejectFlow: FlowDefinition = { id: DSR_REJECT, builder: dsrReject };
