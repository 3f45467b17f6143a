import { GrammyError, InlineKeyboard } from "grammy";
import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { BACK, FLOW_PREFIX, backKeyboard, textOf, withDb, type Parsed } from "./kit/ask.js";
import { formatRefCode, normalizeRefCode } from "../domain/refcode.js";
import { parseFamilyPin } from "../domain/family-pin.js";
import { checkLock, loadStatusView, runStatusCheck, type Lock, type StatusView } from "../db/queries/beneficiary/index.js";
import { lockText, renderStatusCard } from "../ui/beneficiary/status-card.js";
import { BS } from "../ui/beneficiary/callback-data.js";

export const STATUS_CHECK = "status-check";

type Outcome =
  | { kind: "ok"; view: StatusView }
  | { kind: "mismatch"; lock: Lock | null; now: string }
  | { kind: "locked"; lock: Lock; now: string };

type Step<T> = { kind: "value"; value: T; ctx: FlowContext } | { kind: "back"; ctx: FlowContext } | { kind: "restart"; ctx: FlowContext };

/** "/status", "/check" (also "/status@Bot" and with text after it). */
const RESTART = /^\/(status|check)(@\w+)?(\s|$)/i;
const ANY_COMMAND = /^\/[A-Za-z0-9_]+(@\w+)?(\s|$)/;

/**
 * One question of the check. Like the kit's `ask` (stickers, photos and edits get a reminder,
 * foreign buttons pass through, rejected updates are dropped from the log), except that
 * /status typed here starts the check over instead of being refused.
 */
async function askStep<T>(
  conversation: Convo,
  opts: { question: () => Promise<unknown>; parse: (c: FlowContext) => Parsed<T> | undefined; hintKey: string },
): Promise<Step<T>> {
  await opts.question();
  for (;;) {
    const c = await conversation.wait();
    const data = c.callbackQuery?.data;
    if (c.callbackQuery && data === undefined) {
      await c.answerCallbackQuery();
      await conversation.skip();
    }
    if (data !== undefined) {
      if (!data.startsWith(FLOW_PREFIX)) await conversation.skip({ next: true });
      if (data === BACK) {
        await c.answerCallbackQuery();
        return { kind: "back", ctx: c };
      }
      await c.answerCallbackQuery({ text: c.t("flow.button_expired").slice(0, 200) });
      await conversation.skip();
    }
    if (c.editedMessage) {
      await c.reply(c.t("flow.edit_ignored"));
      await conversation.skip();
    }
    if (!c.message) await conversation.skip();
    const text = c.message?.text;
    if (text !== undefined && RESTART.test(text)) return { kind: "restart", ctx: c };
    if (text !== undefined && ANY_COMMAND.test(text)) {
      await c.reply(c.t("trust.command_in_check"));
      await conversation.skip();
    }
    const parsed = opts.parse(c);
    if (parsed?.ok) return { kind: "value", value: parsed.value, ctx: c };
    await c.reply(parsed ? parsed.error : c.t(opts.hintKey));
    await conversation.skip();
  }
}

/** What the person typed at the PIN question: the PIN, or another household code. */
type PinAnswer = { pin: string } | { code: string };

/** Removes the message that carried the PIN from the chat (a shared phone keeps no trace of it). */
async function deleteTyped(c: FlowContext): Promise<void> {
  try {
    await c.deleteMessage();
  } catch (err) {
    if (!(err instanceof GrammyError)) throw err;
  }
}

/**
 * The private status check (/status): the household's reference code, then the family PIN
 * from the slip the volunteer gave the family (src/domain/family-pin.ts) — nothing that can
 * be read off an NIK, a KK or any other document. A wrong code and a wrong PIN get the very
 * same answer; five failures in an hour lock the chat, or the code, until the hour is over.
 * A code typed at the PIN question replaces the code; /status starts over. On success the
 * chat gets a short-lived session and the status card; its buttons are handled outside the
 * flow (src/bot/beneficiary), so the typed answers leave the conversation state as soon as
 * the check is done.
 *
 * @param prefilled a code the person already typed outside the flow (it starts the check)
 */
async function statusCheck(conversation: Convo, ctx: FlowContext, prefilled?: unknown): Promise<void> {
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

  /** Checks the code's lock; a locked code ends the check with the lockout message. */
  const codeLocked = async (c: FlowContext, code: string): Promise<boolean> => {
    const codeLock = await withDb(conversation, async (db, deps, octx) => {
      const now = deps.now();
      const lock = await checkLock(db, deps.pii, { chatId, code, now, actorId: octx.user?.id ?? null });
      return { lock, now: now.toISOString() };
    });
    if (!codeLock.lock) return false;
    await c.reply(lockText(c.t, codeLock.lock, codeLock.now, c.locale));
    return true;
  };

  let c: FlowContext = ctx;
  let code: string | null = typeof prefilled === "string" ? normalizeRefCode(prefilled) : null;
  let pinQuestion = "beneficiary.ask_pin";
  if (code !== null && (await codeLocked(c, code))) return;
  for (;;) {
    if (code === null) {
      const answer = await askStep<string>(conversation, {
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
      if (answer.kind !== "value") continue;
      if (await codeLocked(c, answer.value)) return;
      code = answer.value;
      pinQuestion = "beneficiary.ask_pin";
    }

    const current: string = code;
    const answer = await askStep<PinAnswer>(conversation, {
      question: () =>
        c.reply(c.t(pinQuestion, { code: formatRefCode(current) }), { reply_markup: backKeyboard(c.t("beneficiary.btn_other_code")) }),
      parse: (x) => {
        const text = textOf(x);
        if (text === undefined) return undefined;
        const pin = parseFamilyPin(text);
        if (pin) return { ok: true, value: { pin } };
        const other = normalizeRefCode(text);
        if (other) return { ok: true, value: { code: other } };
        return { ok: false, error: x.t("beneficiary.bad_pin") };
      },
      hintKey: "beneficiary.pin_hint",
    });
    c = answer.ctx;
    if (answer.kind !== "value") {
      code = null;
      continue;
    }
    if ("code" in answer.value) {
      // Another household code, typed where the PIN was asked: it replaces the code.
      if (await codeLocked(c, answer.value.code)) return;
      code = answer.value.code;
      pinQuestion = "beneficiary.ask_pin_new_code";
      continue;
    }
    await deleteTyped(c);

    const pin = answer.value.pin;
    const outcome = await withDb(conversation, async (db, deps, octx): Promise<Outcome> => {
      const now = deps.now();
      const result = await runStatusCheck(db, deps.pii, { chatId, code: current, pin, now, actorId: octx.user?.id ?? null });
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
    await c.reply(c.t("beneficiary.no_match"), { reply_markup: new InlineKeyboard().text(c.t("beneficiary.btn_retry"), BS.encode("retry", {})) });
    return;
  }
}

export const statusCheckFlow: FlowDefinition = { id: STATUS_CHECK, builder: statusCheck };
