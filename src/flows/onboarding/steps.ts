/**
 * Questions shared by the onboarding flows (registration, joining by invite, /profil):
 * the person's name and their phone number.
 */
import { Keyboard } from "grammy";
import { cleanDisplayName } from "../../domain/names.js";
import { normalizePhone } from "../../domain/phone.js";
import { ask, backKeyboard, textOf, type Answer, type Parsed } from "../kit/ask.js";
import type { Convo, FlowContext } from "../kit/types.js";

/**
 * Asks for the full name (as on the KTP). With `current`, the question says what is stored;
 * with `back`, a "Kembali" button is shown.
 */
export async function askName(
  conversation: Convo,
  ctx: FlowContext,
  opts: { current?: string | null; back?: boolean } = {},
): Promise<Answer<string>> {
  const question = opts.current
    ? `${ctx.t("onboarding.ask_name")}\n\n${ctx.t("onboarding.current_value", { value: opts.current })}`
    : ctx.t("onboarding.ask_name");
  return ask(conversation, {
    question: () => ctx.reply(question, opts.back ? { reply_markup: backKeyboard(ctx.t("common.back")) } : {}),
    parse: (c): Parsed<string> | undefined => {
      const text = textOf(c);
      if (text === undefined) return undefined;
      const cleaned = cleanDisplayName(text);
      return cleaned.ok ? { ok: true, value: cleaned.value } : { ok: false, error: c.t(`onboarding.name_${cleaned.problem}`) };
    },
    hintKey: "onboarding.name_hint",
  });
}

/**
 * Asks for the person's own mobile number: the "share contact" button (only their own
 * contact is accepted) or a typed number, normalised to +62… . The reply keyboard is removed
 * by the confirmation that follows. Returns E.164.
 */
export async function askPhone(
  conversation: Convo,
  ctx: FlowContext,
  opts: { current?: string | null; back?: boolean } = {},
): Promise<Answer<string>> {
  const backLabel = ctx.t("onboarding.phone_back");
  const keyboard = new Keyboard().requestContact(ctx.t("onboarding.share_phone")).resized().oneTime();
  if (opts.back) keyboard.row().text(backLabel);
  const question = opts.current
    ? `${ctx.t("onboarding.ask_phone")}\n\n${ctx.t("onboarding.current_value", { value: opts.current })}`
    : ctx.t("onboarding.ask_phone");
  const answer = await ask<string | null>(conversation, {
    question: () => ctx.reply(question, { reply_markup: keyboard }),
    parse: (c): Parsed<string | null> | undefined => {
      const contact = c.message?.contact;
      if (contact) {
        if (contact.user_id === undefined || contact.user_id !== c.from?.id) return { ok: false, error: c.t("onboarding.phone_not_own") };
        const phone = normalizePhone(contact.phone_number);
        return phone.ok ? { ok: true, value: phone.e164 } : { ok: false, error: c.t("onboarding.phone_contact_unusable") };
      }
      const text = textOf(c);
      if (text === undefined) return undefined;
      if (opts.back && text === backLabel) return { ok: true, value: null };
      const phone = normalizePhone(text);
      return phone.ok ? { ok: true, value: phone.e164 } : { ok: false, error: c.t(`onboarding.phone_${phone.problem}`) };
    },
    hintKey: "onboarding.phone_hint",
  });
  if (answer.kind === "back") return answer;
  if (answer.value === null) {
    await answer.ctx.reply(ctx.t("onboarding.phone_back_done"), { reply_markup: { remove_keyboard: true } });
    return { kind: "back", ctx: answer.ctx };
  }
  await answer.ctx.reply(ctx.t("onboarding.phone_saved", { phone: answer.value }), { reply_markup: { remove_keyboard: true } });
  return { kind: "value", value: answer.value, ctx: answer.ctx };
}
