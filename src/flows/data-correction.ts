import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, backKeyboard, textOf, withDb } from "./kit/ask.js";
import { createDataRequest } from "../db/queries/beneficiary/index.js";
import { formatDateTime } from "../ui/beneficiary/status-card.js";

export const DATA_CORRECTION = "data-correction";

const MIN_LENGTH = 5;
const MAX_LENGTH = 1000;

type Saved = { kind: "saved"; id: number; due: string; tz: string } | { kind: "gone" };

/**
 * A verified person asks to correct their household's data (UU PDP): what is wrong and what
 * is right, in their own words. Entered only from the status card's "Perbaiki data" button
 * after the session was checked; the household id comes from that server-side check. The
 * request goes to the area's coordinators with its 3×24-hour deadline.
 */
async function dataCorrection(conversation: Convo, ctx: FlowContext, householdId: number): Promise<void> {
  const chatId = ctx.chatId;
  if (chatId === undefined || !Number.isInteger(householdId)) return;
  const answer = await ask<string>(conversation, {
    question: () => ctx.reply(ctx.t("dsr.ask_correction"), { reply_markup: backKeyboard(ctx.t("dsr.btn_cancel")) }),
    parse: (x) => {
      const text = textOf(x);
      if (text === undefined) return undefined;
      if (text.length < MIN_LENGTH) return { ok: false, error: x.t("dsr.correction_too_short") };
      if (text.length > MAX_LENGTH) return { ok: false, error: x.t("dsr.correction_too_long", { max: MAX_LENGTH, length: text.length }) };
      return { ok: true, value: text };
    },
    hintKey: "dsr.correction_hint",
  });
  const c = answer.ctx;
  if (answer.kind === "back") {
    await c.reply(c.t("dsr.correction_cancelled"));
    return;
  }
  const details = answer.value;
  const saved = await withDb(conversation, async (db, deps, octx): Promise<Saved> => {
    const household = await db
      .selectFrom("households")
      .select(["id", "village_code"])
      .where("id", "=", householdId)
      .where("anonymized_at", "is", null)
      .executeTakeFirst();
    if (!household) return { kind: "gone" };
    const tz = await db.selectFrom("regions").select("tz").where("code", "=", household.village_code.slice(0, 2)).where("level", "=", 1).executeTakeFirst();
    // A second correction while one is open is a request of its own: the person may add something.
    const request = await createDataRequest(db, deps.pii, {
      householdId,
      chatId,
      requesterId: octx.user?.id ?? null,
      kind: "correction",
      details,
      now: deps.now(),
    });
    return { kind: "saved", id: request.id, due: request.due_at.toISOString(), tz: tz?.tz ?? "Asia/Jakarta" };
  });
  if (saved.kind === "gone") {
    await c.reply(c.t("beneficiary.session_expired"));
    return;
  }
  await c.reply(c.t("dsr.correction_recorded", { id: saved.id, due: formatDateTime(saved.due, saved.tz, c.locale) }));
}

export const dataCorrectionFlow: FlowDefinition = { id: DATA_CORRECTION, builder: dataCorrection };
