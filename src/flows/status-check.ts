import { InlineKeyboard } from "grammy";
import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, backKeyboard, textOf, withDb } from "./kit/ask.js";
import { normalizeRefCode } from "../domain/refcode.js";
import { parseVerification, type Verification } from "../domain/status-verify.js";
import { checkLock, loadStatusView, runStatusCheck, type Lock, type StatusView } from "../db/queries/beneficiary.js";
import { BS, lockText, renderStatusCard } from "./status-card.js";

export const STATUS_CHECK = "status-check";

type Outcome =
  | { kind: "ok"; view: StatusView }
  | { kind: "mismatch"; lock: Lock | null; now: string }
  | { kind: "locked"; lock: Lock; now: string };

/**
 * The private status check (/status): the household's reference code, then the head of
 * household's date of birth or the last four digits of their NIK. A wrong code and a wrong
 * verification get the very same answer; five failures in an hour lock the chat, or the
 * code, until the hour is over. On success the chat gets a short-lived session and the status
 * card; its buttons are handled outside the flow (src/bot/beneficiary), so the typed answers
 * leave the conversation state as soon as the check is done.
 */
async function statusCheck(conversation: Convo, ctx: FlowContext): Promise<void> {
  const chatId = ctx.chatId;
  if (chatId === undefined) return;
  const start = await withDb(conversation, async (db, deps, octx) => {
    const now = deps.now();
    const lock = await checkLock(db, deps.pii, { chatId, now, actorId: octx.user?.id ?? null });
    return { lock, now: now.toISOString() };
  });
  if (start.lock) {
    await ctx.reply(lockText(ctx.t, start.lock, start.now, ctx.locale));
    return;
  }

  let c: FlowContext = ctx;
  let code: string | null = null;
  for (;;) {
    if (code === null) {
      const answer = await ask<string>(conversation, {
        question: () => c.reply(c.t("beneficiary.ask_code")),
        parse: (x) => {
          const text = textOf(x);
          if (text === undefined) return undefined;
          const normalized = normalizeRefCode(text);
          return normalized ? { ok: true, value: normalized } : { ok: false, error: x.t("beneficiary.bad_code") };
        },
        hintKey: "beneficiary.code_hint",
      });
      c = answer.ctx;
      if (answer.kind === "back") continue;
      const typed = answer.value;
      const codeLock = await withDb(conversation, async (db, deps, octx) => {
        const now = deps.now();
        const lock = await checkLock(db, deps.pii, { chatId, code: typed, now, actorId: octx.user?.id ?? null });
        return { lock, now: now.toISOString() };
      });
      if (codeLock.lock) {
        await c.reply(lockText(c.t, codeLock.lock, codeLock.now, c.locale));
        return;
      }
      code = typed;
    }

    const answer = await ask<Verification>(conversation, {
      question: () => c.reply(c.t("beneficiary.ask_verify"), { reply_markup: backKeyboard(c.t("beneficiary.btn_other_code")) }),
      parse: (x) => {
        const text = textOf(x);
        if (text === undefined) return undefined;
        const v = parseVerification(text);
        return v ? { ok: true, value: v } : { ok: false, error: x.t("beneficiary.bad_verify") };
      },
      hintKey: "beneficiary.verify_hint",
    });
    c = answer.ctx;
    if (answer.kind === "back") {
      code = null;
      continue;
    }

    const checked = code;
    const verification = answer.value;
    const outcome = await withDb(conversation, async (db, deps, octx): Promise<Outcome> => {
      const now = deps.now();
      const result = await runStatusCheck(db, deps.pii, { chatId, code: checked, verification, now, actorId: octx.user?.id ?? null });
      if (result.kind === "ok") {
        const view = await loadStatusView(db, result.householdId, chatId);
        if (view) return { kind: "ok", view };
        return { kind: "mismatch", lock: null, now: now.toISOString() };
      }
      return { ...result, now: now.toISOString() };
    });

    if (outcome.kind === "ok") {
      const card = renderStatusCard(c.t, c.locale, outcome.view);
      await c.reply(card.text, { reply_markup: card.reply_markup });
      return;
    }
    if (outcome.kind === "locked") {
      await c.reply(lockText(c.t, outcome.lock, outcome.now, c.locale));
      return;
    }
    if (outcome.lock) {
      await c.reply(`${c.t("beneficiary.no_match")}\n\n${lockText(c.t, outcome.lock, outcome.now, c.locale)}`);
      return;
    }
    await c.reply(c.t("beneficiary.no_match"), { reply_markup: new InlineKeyboard().text(c.t("beneficiary.btn_retry"), BS.retry) });
    return;
  }
}

export const statusCheckFlow: FlowDefinition = { id: STATUS_CHECK, builder: statusCheck };
