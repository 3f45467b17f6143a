import { InlineKeyboard, Keyboard } from "grammy";
import type { Convo, FlowContext, BotContext } from "./types.js";
import type { AppDeps } from "../../bot/context.js";
import type { Db } from "../../db/schema.js";

/** Callback data of flow buttons starts with this; any other button is passed on to the bot. */
export const FLOW_PREFIX = "f:";
export const BACK = "f:back";

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

/**
 * Waits for the answer to one question. Robust to whatever a person sends meanwhile:
 * - a tap on "Kembali" returns `{ kind: "back" }`;
 * - an invalid answer gets its error message and the question stays open;
 * - stickers, photos, voice notes where text is expected, and edited messages get a gentle
 *   reminder; commands other than /batal (handled before the flow) get a reminder too;
 * - taps on buttons that do not belong to a flow (e.g. a coordinator's approval buttons)
 *   are passed on to the rest of the bot, and the question stays open.
 * Rejected updates are dropped from the conversation log (`skip`), so the stored state
 * only grows with accepted answers.
 */
export async function ask<T>(conversation: Convo, opts: AskOptions<T>): Promise<Answer<T>> {
  await opts.question();
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
      if (data === BACK) {
        await c.answerCallbackQuery();
        return { kind: "back", ctx: c };
      }
      const parsed = opts.parse(c);
      if (parsed?.ok) {
        await c.answerCallbackQuery();
        return { kind: "value", value: parsed.value, ctx: c };
      }
      await c.answerCallbackQuery({ text: (parsed ? parsed.error : c.t("flow.button_expired")).slice(0, 200) });
      await conversation.skip();
    }
    if (c.editedMessage || c.editedChannelPost) {
      await c.reply(c.t("flow.edit_ignored"));
      await conversation.skip();
    }
    if (!c.message) await conversation.skip();
    const text = c.message?.text;
    if (text !== undefined && text.startsWith("/") && /^\/[A-Za-z0-9_]+(@\w+)?(\s|$)/.test(text)) {
      await c.reply(c.t("flow.command_in_flow"));
      await conversation.skip();
    }
    const parsed = opts.parse(c);
    if (parsed?.ok) return { kind: "value", value: parsed.value, ctx: c };
    await c.reply(parsed ? parsed.error : c.t(opts.hintKey, opts.hintParams));
    await conversation.skip();
  }
}

/** Runs a database task outside the replay, in the current update's transaction. */
export function withDb<T>(conversation: Convo, task: (db: Db, deps: AppDeps, octx: BotContext) => Promise<T>): Promise<T> {
  return conversation.external((octx) => task(octx.db, octx.deps, octx));
}

/** The current time, recorded so that replays see the same instant (ISO string). */
export async function nowIso(conversation: Convo): Promise<string> {
  return new Date(await conversation.now()).toISOString();
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
