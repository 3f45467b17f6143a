import { InlineKeyboard } from "grammy";
import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { withDb } from "../kit/ask.js";
import { askQuestion } from "../kit/form.js";
import { text } from "../kit/questions.js";
import { canViewHousehold } from "../../domain/access.js";
import { findHousehold } from "../../db/queries/households.js";
import { householdZone, postponeHousehold } from "../../db/queries/fieldwork.js";
import { audit } from "../../db/queries/audit.js";
import { formatRefCode } from "../../domain/refcode.js";
import { formatDateId } from "../../domain/dates.js";
import { addDays, localDate } from "../../domain/visit.js";
import { encodeFw } from "../../ui/fieldwork/callback-data.js";

/** Persisted conversation id: never rename without bumping FLOWS_VERSION. */
export const PLAN_POSTPONE = "fw-postpone";

/** Reasons offered as buttons ("lainnya" asks for a short text). Stable codes: stored. */
export const POSTPONE_REASONS = ["tidak_di_rumah", "cuaca", "waktu", "akses", "berhalangan", "lainnya"] as const;
export type PostponeReason = (typeof POSTPONE_REASONS)[number];

const MAX_REASON = 200;

interface Target {
  id: number;
  code: string;
  name: string;
  today: string;
  tomorrow: string;
  due: boolean;
}

interface Reason {
  code: PostponeReason;
  text: string | null;
}

function reasonText(c: FlowContext, typed: string): { ok: true; value: Reason } | { ok: false; error: string } {
  const n = [...typed].length;
  if (n < 3) return { ok: false, error: c.t("fieldwork.postpone_text_short") };
  if (n > MAX_REASON) return { ok: false, error: c.t("fieldwork.postpone_text_long", { max: MAX_REASON, n }) };
  return { ok: true, value: { code: "lainnya", text: typed } };
}

/**
 * "Tunda ke besok": takes one household of the volunteer's plan out of today's plan and puts
 * it on tomorrow's, with a reason (a button, or typed). The planned visit date is not changed,
 * so an overdue visit stays overdue for the coordinator's digest.
 */
async function postpone(conversation: Convo, ctx: FlowContext, householdArg?: unknown): Promise<void> {
  const target = await withDb(conversation, async (db, deps, octx): Promise<Target | null> => {
    const user = octx.user;
    const h = typeof householdArg === "number" ? await findHousehold(db, householdArg) : undefined;
    if (!user || !h || h.volunteer_id !== user.id || h.anonymized_at !== null || !canViewHousehold(user, h)) return null;
    const zone = await householdZone(db, h.village_code);
    const today = localDate(deps.now(), zone.tz);
    return {
      id: h.id,
      code: h.ref_code,
      name: h.head_name,
      today,
      tomorrow: addDays(today, 1),
      due: h.next_visit_date !== null && h.next_visit_date <= today && h.status !== "selesai",
    };
  });
  if (!target) {
    await ctx.reply(ctx.t("fieldwork.postpone_not_yours"));
    return;
  }
  if (!target.due) {
    await ctx.reply(ctx.t("fieldwork.postpone_not_due"));
    return;
  }
  const tomorrow = formatDateId(target.tomorrow, ctx.locale);
  const first = await askQuestion(
    conversation,
    ctx,
    text<Reason>(ctx, {
      prompt: ctx.t("fieldwork.postpone_ask", { code: formatRefCode(target.code), name: target.name, date: tomorrow }),
      extra: POSTPONE_REASONS.map((code) => ({
        label: ctx.t(`fieldwork.postpone_reason_btn.${code}`),
        data: `f:r:${code}`,
        value: { code, text: null },
      })),
      validate: (typed) => reasonText(ctx, typed),
      hint: ctx.t("fieldwork.postpone_hint"),
    }),
  );
  let c = first.ctx;
  if (first.kind === "back" || first.value === null) {
    await c.reply(c.t("fieldwork.postpone_cancelled"));
    return;
  }
  let reason = first.value;
  if (reason.code === "lainnya" && reason.text === null) {
    const typed = await askQuestion(
      conversation,
      c,
      text<Reason>(c, { prompt: c.t("fieldwork.postpone_ask_text", { max: MAX_REASON }), validate: (s) => reasonText(c, s) }),
    );
    c = typed.ctx;
    if (typed.kind === "back" || typed.value === null) {
      await c.reply(c.t("fieldwork.postpone_cancelled"));
      return;
    }
    reason = typed.value;
  }
  const saved = await withDb(conversation, async (db, deps, octx) => {
    const user = octx.user;
    const h = await findHousehold(db, target.id);
    if (!user || !h || h.volunteer_id !== user.id || !canViewHousehold(user, h)) return false;
    await postponeHousehold(db, {
      householdId: h.id,
      volunteerId: user.id,
      on: target.today,
      until: target.tomorrow,
      reasonCode: reason.code,
      reasonText: reason.text,
      now: deps.now(),
    });
    // The typed reason may name people: it stays out of the audit log.
    await audit(db, { actorId: user.id, action: "plan.postponed", entity: "household", entityId: h.id, details: { reason: reason.code, until: target.tomorrow } });
    return true;
  });
  if (!saved) {
    await c.reply(c.t("fieldwork.postpone_not_yours"));
    return;
  }
  await c.reply(
    c.t("fieldwork.postpone_done", {
      code: formatRefCode(target.code),
      date: tomorrow,
      reason: reason.code === "lainnya" && reason.text ? reason.text : c.t(`fieldwork.postpone_reason.${reason.code}`),
    }),
    { reply_markup: new InlineKeyboard().text(c.t("fieldwork.btn_open_plan"), encodeFw({ k: "plan" })) },
  );
}

export const postponeFlow: FlowDefinition = { id: PLAN_POSTPONE, builder: postpone };
