import { InlineKeyboard, Keyboard } from "grammy";
import type { Convo, FlowContext, BotContext } from "./types.js";
import type { AppDeps } from "../../bot/context.js";
import type { Db } from "../../db/schema.js";

/** Callback data of flow buttons starts with this; any other button is passed on to the bot. */
export const FLOW_PREFIX = "f:";
export const BACK = "f:back";
/** "Ya, hentikan" / "Lanjutkan mengisi" after /batal in a form with answers: `f:cx:y:<question>`. */
const CANCEL_PREFIX = "f:cx:";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export type Answer<T> = { kind: "value"; value: T; ctx: FlowContext } | { kind: "back"; ctx: FlowContext };

export interface AskOptions<T> {
  /** Sends the question (text and keyboard). Runs once per step; replays reuse its result. */
  question: () => Promise<unknown>;
  /**
   * Reads an answer from the update: a value, an error message to show (the step is then
   * asked again without losing anything), or undefined when this kind of update is not an
   * answer to the question (then `hintKey` is shown).
   */
  parse: (ctx: FlowContext) => Parsed<T> | undefined;
  /** i18n key of the reminder for an update of the wrong kind (sticker, photo…). */
  hintKey: string;
  /** Interpolation values for the hint. */
  hintParams?: Record<string, unknown>;
  /**
   * Only taps on buttons of the message the question sent count (the default); a tap on an
   * older message's flow button is answered "from an earlier question". `question` returns
   * the sent (or edited) message; `false` accepts taps from any message.
   */
  bind?: boolean;
}

/** Text of a message, trimmed; undefined for anything that is not a text message. */
export function textOf(ctx: FlowContext): string | undefined {
  const text = ctx.message?.text;
  return text === undefined ? undefined : text.trim();
}

/** Callback data of a flow button, when the update is a tap on one. */
export function flowData(ctx: FlowContext): string | undefined {
  const data = ctx.callbackQuery?.data;
  return data?.startsWith(FLOW_PREFIX) ? data : undefined;
}

// === The form a conversation is in (for /batal and the "you are filling in…" reminder)

const FORM = Symbol("pendamping.form");

/** What a running form tells the waits below it (set on the conversation object, per replay). */
export interface FormMarker {
  /** "data keluarga baru", already translated. */
  flow: string;
  /** The question open now, already translated ("NIK Kepala Keluarga"). */
  step: string;
  /** Answers given in this form so far: with any, /batal asks before throwing them away. */
  answered: number;
}

/** Marks the conversation as being inside a form (the form runner does this on every pass). */
export function markForm(conversation: Convo, marker: FormMarker | undefined): void {
  (conversation as unknown as Record<symbol, FormMarker | undefined>)[FORM] = marker;
}

function formOf(conversation: Convo): FormMarker | undefined {
  return (conversation as unknown as Record<symbol, FormMarker | undefined>)[FORM];
}

const COMMAND = /^\/([A-Za-z0-9_]+)(@\w+)?(\s|$)/;

async function answerQuietly(c: FlowContext, text?: string, alert = false): Promise<void> {
  await c.answerCallbackQuery(text === undefined ? undefined : { text: text.slice(0, 200), show_alert: alert });
}

/** Removes the buttons of the tapped message; an old or unchanged message is left as it is. */
export async function dropButtons(c: FlowContext): Promise<void> {
  if (!c.callbackQuery?.message) return;
  try {
    await c.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() });
  } catch {
    // Too old to edit, or already without buttons.
  }
}

export interface ReceiveOptions<T> {
  /**
   * Message ids of the open question. A tap on a flow button of any other message is from an
   * earlier question: it is answered so and changes nothing. Undefined: taps are not bound.
   */
  bound?: readonly number[];
  /** Reads the update: a value, an error to show (the question stays open), or undefined. */
  read: (ctx: FlowContext) => Parsed<T> | undefined;
  /** The reminder for an update that is no answer (a sticker where a name is asked…). */
  hint: (ctx: FlowContext) => string;
  /** Leave callback queries of accepted taps unanswered (the caller answers them). */
  keepCallbackOpen?: boolean;
}

/**
 * Waits for the next update that answers the open question. Robust to whatever a person
 * sends meanwhile:
 * - stickers, photos, voice notes where text is expected, and edited messages get a gentle
 *   reminder; commands get a reminder that names the form and the step (/batal leaves:
 *   at once, or — when the form already has answers — after "Ya, hentikan");
 * - taps on buttons that do not belong to a flow (e.g. a coordinator's approval buttons)
 *   are passed on to the rest of the bot, and the question stays open;
 * - taps on an older question's buttons are answered "from an earlier question".
 * Rejected updates are dropped from the conversation log (`skip`), so the stored state only
 * grows with accepted answers.
 */
export async function receive<T>(conversation: Convo, opts: ReceiveOptions<T>): Promise<{ value: T; ctx: FlowContext }> {
  for (;;) {
    const c = await conversation.wait();
    const data = c.callbackQuery?.data;
    if (c.callbackQuery && data === undefined) {
      // A game button or similar: nothing to read, but the spinner must stop.
      await c.answerCallbackQuery();
      await conversation.skip();
    }
    if (data !== undefined) {
      if (!data.startsWith(FLOW_PREFIX)) await conversation.skip({ next: true });
      if (data.startsWith(CANCEL_PREFIX)) await cancelTap(conversation, c, data, opts.bound);
      const messageId = c.callbackQuery?.message?.message_id;
      if (opts.bound !== undefined && (messageId === undefined || !opts.bound.includes(messageId))) {
        await answerQuietly(c, c.t("flow.button_expired"));
        await conversation.skip();
      }
      const parsed = opts.read(c);
      if (parsed?.ok) {
        if (!opts.keepCallbackOpen) await c.answerCallbackQuery();
        return { value: parsed.value, ctx: c };
      }
      await answerQuietly(c, parsed ? parsed.error : c.t("flow.button_expired"));
      await conversation.skip();
    }
    if (c.editedMessage || c.editedChannelPost) {
      await c.reply(c.t("flow.edit_ignored"));
      await conversation.skip();
    }
    if (!c.message) await conversation.skip();
    const text = c.message?.text;
    const command = text === undefined ? null : COMMAND.exec(text);
    if (command) {
      const name = command[1]!.toLowerCase();
      if (name === "batal" || name === "cancel") await cancelCommand(conversation, c, opts.bound);
      const form = formOf(conversation);
      await c.reply(form ? c.t("form.command_in_flow", { flow: form.flow, step: form.step }) : c.t("flow.command_in_flow"));
      await conversation.skip();
    }
    const parsed = opts.read(c);
    if (parsed?.ok) return { value: parsed.value, ctx: c };
    await c.reply(parsed ? parsed.error : opts.hint(c));
    await conversation.skip();
  }
}

/** The question a cancel confirmation belongs to (its first message), "0" when unbound. */
function cancelToken(bound: readonly number[] | undefined): string {
  return String(bound?.[0] ?? 0);
}

/** Leaves the flow: everything typed so far is thrown away. */
async function leave(conversation: Convo, c: FlowContext): Promise<never> {
  await c.reply(c.t("cancel.done"), { reply_markup: { remove_keyboard: true } });
  return conversation.halt();
}

/** /batal inside a form: leaves at once when nothing was answered, otherwise asks first. */
async function cancelCommand(conversation: Convo, c: FlowContext, bound: readonly number[] | undefined): Promise<never> {
  const form = formOf(conversation);
  if (!form || form.answered === 0) return leave(conversation, c);
  const token = cancelToken(bound);
  await c.reply(c.t("form.cancel_confirm", { flow: form.flow, count: form.answered }), {
    reply_markup: new InlineKeyboard()
      .text(c.t("form.cancel_yes"), `${CANCEL_PREFIX}y:${token}`)
      .row()
      .text(c.t("form.cancel_no"), `${CANCEL_PREFIX}n:${token}`),
  });
  return conversation.skip();
}

/** "Ya, hentikan" or "Lanjutkan mengisi", valid only while the same question is open. */
async function cancelTap(conversation: Convo, c: FlowContext, data: string, bound: readonly number[] | undefined): Promise<never> {
  const m = /^f:cx:([yn]):(\d{1,12})$/.exec(data);
  if (!m || m[2] !== cancelToken(bound)) {
    await answerQuietly(c, c.t("flow.button_expired"));
    return conversation.skip();
  }
  await c.answerCallbackQuery();
  await dropButtons(c);
  if (m[1] === "y") return leave(conversation, c);
  await c.reply(c.t("form.cancel_kept"));
  return conversation.skip();
}

/**
 * Sends a question and waits for its answer (see {@link receive}): a tap on "Kembali"
 * returns `{ kind: "back" }`. Only taps on the question's own message count (unless `bind: false`).
 */
export async function ask<T>(conversation: Convo, opts: AskOptions<T>): Promise<Answer<T>> {
  const sent = await opts.question();
  const id = (sent as { message_id?: unknown } | undefined)?.message_id;
  const bound = opts.bind !== false && typeof id === "number" ? [id] : undefined;
  const got = await receive<{ back: true } | { back: false; value: T }>(conversation, {
    bound,
    read: (c) => {
      if (c.callbackQuery?.data === BACK) return { ok: true, value: { back: true } };
      const parsed = opts.parse(c);
      return parsed?.ok ? { ok: true, value: { back: false, value: parsed.value } } : parsed;
    },
    hint: (c) => c.t(opts.hintKey, opts.hintParams),
  });
  return got.value.back ? { kind: "back", ctx: got.ctx } : { kind: "value", value: got.value.value, ctx: got.ctx };
}

/** Runs a database task outside the replay, in the current update's transaction. */
export function withDb<T>(conversation: Convo, task: (db: Db, deps: AppDeps, octx: BotContext) => Promise<T>): Promise<T> {
  return conversation.external((octx) => task(octx.db, octx.deps, octx));
}

/**
 * The app clock (`deps.now()`, which tests pin), recorded so that replays see the same
 * instant (ISO string). The one way a flow reads the time: never `conversation.now()`.
 */
export async function nowIso(conversation: Convo): Promise<string> {
  return conversation.external((octx) => octx.deps.now().toISOString());
}

/** A one-button-per-row inline keyboard of flow choices, plus an optional Back button. */
export function choiceKeyboard(
  options: { label: string; data: string }[],
  opts: { back?: string; columns?: number } = {},
): InlineKeyboard {
  const kb = new InlineKeyboard();
  const columns = opts.columns ?? 1;
  options.forEach((o, i) => {
    kb.text(o.label, o.data);
    if ((i + 1) % columns === 0 && i < options.length - 1) kb.row();
  });
  if (opts.back) kb.row().text(opts.back, BACK);
  return kb;
}

/** Just a Back button. */
export function backKeyboard(label: string): InlineKeyboard {
  return new InlineKeyboard().text(label, BACK);
}

/** A reply keyboard asking for the user's own phone number. */
export function contactKeyboard(label: string): Keyboard {
  return new Keyboard().requestContact(label).resized().oneTime();
}

/** A reply keyboard asking for a location, with a skip button. */
export function locationKeyboard(label: string, skipLabel: string): Keyboard {
  return new Keyboard().requestLocation(label).row().text(skipLabel).resized().oneTime();
}
