/**
 * Questions shared by the onboarding flows (registration, joining by invite, /profil):
 * the person's name and their phone number, as form-kit questions (and as one-off asks for
 * /profil).
 */
import { cleanDisplayName } from "../../domain/names.js";
import { normalizePhone } from "../../domain/phone.js";
import type { Answer } from "../kit/ask.js";
import { askQuestion, type Question } from "../kit/form.js";
import { contact, text } from "../kit/questions.js";
import type { Convo, FlowContext } from "../kit/types.js";

/**
 * The full name (as on the KTP). With `current`, the question says what is stored and offers
 * to keep it; with `back`, a "Kembali" button is shown.
 */
export function nameQuestion(ctx: FlowContext, opts: { current?: string | null; back?: boolean } = {}): Question<string | null> {
  return text<string>(ctx, {
    prompt: ctx.t("onboarding.ask_name"),
    current: opts.current ? { shown: opts.current, value: opts.current } : null,
    validate: (s) => {
      const cleaned = cleanDisplayName(s);
      return cleaned.ok ? { ok: true, value: cleaned.value } : { ok: false, error: ctx.t(`onboarding.name_${cleaned.problem}`) };
    },
    back: opts.back === true,
    hint: ctx.t("onboarding.name_hint"),
  });
}

/**
 * The person's own mobile number: the "share contact" button (only their own contact is
 * accepted) or a typed number, normalised to +62… (E.164). A reply keyboard cannot hold
 * inline buttons, so "Kembali" (with `back`) and "Tetap: …" are reply buttons; the answer's
 * confirmation removes the keyboard.
 */
export function phoneQuestion(ctx: FlowContext, opts: { current?: string | null; back?: boolean } = {}): Question<string> {
  const noKeyboard = { remove_keyboard: true as const };
  return contact(ctx, {
    prompt: ctx.t("onboarding.ask_phone"),
    share: ctx.t("onboarding.share_phone"),
    backLabel: opts.back ? ctx.t("onboarding.phone_back") : undefined,
    current: opts.current ?? null,
    fromContact: (shared, senderId) => {
      if (shared.userId === undefined || shared.userId !== senderId) return { ok: false, error: ctx.t("onboarding.phone_not_own") };
      const phone = normalizePhone(shared.phone);
      return phone.ok ? { ok: true, value: phone.e164 } : { ok: false, error: ctx.t("onboarding.phone_contact_unusable") };
    },
    fromText: (s) => {
      const phone = normalizePhone(s);
      return phone.ok ? { ok: true, value: phone.e164 } : { ok: false, error: ctx.t(`onboarding.phone_${phone.problem}`) };
    },
    saved: (phone) => ({ text: ctx.t("onboarding.phone_saved", { phone }), markup: noKeyboard }),
    left: { text: ctx.t("onboarding.phone_back_done"), markup: noKeyboard },
    hint: ctx.t("onboarding.phone_hint"),
  });
}

/** Asks for the full name on its own (/profil). */
export async function askName(
  conversation: Convo,
  ctx: FlowContext,
  opts: { current?: string | null; back?: boolean } = {},
): Promise<Answer<string>> {
  const a = await askQuestion(conversation, ctx, nameQuestion(ctx, opts));
  if (a.kind === "back") return a;
  return { kind: "value", value: a.value ?? opts.current ?? "", ctx: a.ctx };
}

/** Asks for the phone number on its own (/profil). Returns E.164. */
export async function askPhone(
  conversation: Convo,
  ctx: FlowContext,
  opts: { current?: string | null; back?: boolean } = {},
): Promise<Answer<string>> {
  return askQuestion(conversation, ctx, phoneQuestion(ctx, opts));
}
