import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, backKeyboard, textOf, withDb } from "./kit/ask.js";
import { findAlert, resolveAlert, enqueueAlertNotify } from "../db/queries/alerts.js";
import { findHousehold } from "../db/queries/households.js";
import { audit } from "../db/queries/audit.js";
import { isWithinArea } from "../domain/region-names.js";
import { formatRefCode } from "../domain/refcode.js";
import { MAX_NOTE_LENGTH } from "../domain/visit.js";
import type { User } from "../db/schema.js";

/** Persisted conversation id: never rename without bumping FLOWS_VERSION. */
export const ALERT_RESOLVE = "alert-resolve";

/** Active coordinators whose area contains the code, and active admins. */
function handlesArea(user: User | undefined, code: string): user is User {
  if (!user || user.status !== "active") return false;
  if (user.role === "admin") return true;
  return user.role === "coordinator" && user.area_code !== null && isWithinArea(code, user.area_code);
}

type Check = { ok: true; refCode: string } | { ok: false; reason: "not_found" | "not_yours" | "resolved"; by?: string | null };

/**
 * "Selesai" on an alert: asks what was done (the note is kept with the alert), then marks it
 * resolved — unless someone else resolved it meanwhile (the first one wins).
 */
async function alertResolve(conversation: Convo, ctx: FlowContext, alertArg?: unknown): Promise<void> {
  const alertId = typeof alertArg === "number" ? alertArg : -1;
  const check = await withDb(conversation, async (db, _deps, octx): Promise<Check> => {
    const alert = await findAlert(db, alertId);
    if (!alert) return { ok: false, reason: "not_found" };
    if (!handlesArea(octx.user, alert.area_code)) return { ok: false, reason: "not_yours" };
    if (alert.status === "resolved") return { ok: false, reason: "resolved" };
    const h = await findHousehold(db, alert.household_id);
    return { ok: true, refCode: h ? formatRefCode(h.ref_code) : "–" };
  });
  if (!check.ok) {
    await ctx.reply(ctx.t(check.reason === "resolved" ? "alert.already_resolved_plain" : "alert.not_yours"));
    return;
  }
  const a = await ask<string>(conversation, {
    question: () => ctx.reply(ctx.t("alert.ask_note", { id: alertId, code: check.refCode }), { reply_markup: backKeyboard(ctx.t("common.back")) }),
    parse: (x: FlowContext) => {
      if (x.callbackQuery) return undefined;
      const text = textOf(x);
      if (text === undefined) return undefined;
      if (text.length < 3) return { ok: false, error: x.t("alert.note_too_short") };
      if (text.length > MAX_NOTE_LENGTH) return { ok: false, error: x.t("visit.text_too_long", { max: MAX_NOTE_LENGTH, n: text.length }) };
      return { ok: true, value: text };
    },
    hintKey: "alert.note_hint",
  });
  if (a.kind === "back") {
    await a.ctx.reply(a.ctx.t("alert.resolve_left", { id: alertId }));
    return;
  }
  const result = await withDb(conversation, async (db, deps, octx) => {
    const alert = await findAlert(db, alertId);
    const user = octx.user;
    if (!alert || !handlesArea(user, alert.area_code)) return "not_yours" as const;
    const done = await resolveAlert(db, alertId, user.id, a.value, deps.now());
    if (!done) return "resolved" as const;
    await audit(db, {
      actorId: user.id,
      action: "alert.resolved",
      entity: "alert",
      entityId: alertId,
      details: { householdId: alert.household_id, areaCode: alert.area_code, minutesOpen: Math.round((deps.now().getTime() - alert.created_at.getTime()) / 60_000) },
    });
    await enqueueAlertNotify(db, alertId, "resolve", deps.now());
    return "ok" as const;
  });
  const key = result === "ok" ? "alert.resolved_done" : result === "resolved" ? "alert.already_resolved_plain" : "alert.not_yours";
  await a.ctx.reply(a.ctx.t(key, { id: alertId }));
}

export const alertResolveFlow: FlowDefinition = { id: ALERT_RESOLVE, builder: alertResolve };
