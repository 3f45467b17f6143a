import { GrammyError } from "grammy";
import { checkKk, type KkProblem } from "../../domain/kk.js";
import { checkNik, describeNikDay, type NikProblem, type NikValid, type Sex } from "../../domain/nik.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { formatDateId } from "../../domain/dates.js";
import { existingPrefixes } from "../../db/queries/regions.js";
import type { TFunction } from "../../i18n.js";
import { ask, backKeyboard, choiceKeyboard, textOf, withDb, type Parsed } from "./ask.js";
import type { Convo, FlowContext } from "./types.js";

/** Explains one NIK problem precisely, in the user's language. */
export function explainNikProblem(t: TFunction, p: NikProblem): string {
  switch (p.code) {
    case "length":
      return t("identity.nik_length", { count: p.params.length });
    case "not_digits":
      return t("identity.not_digits");
    case "day_invalid":
      return t("identity.nik_day_invalid", { day: String(p.params.day).padStart(2, "0") });
    case "month_invalid":
      return t("identity.nik_month_invalid", { month: String(p.params.month).padStart(2, "0") });
    case "date_invalid":
      return t("identity.nik_date_invalid", {
        day: p.params.day,
        month: p.params.month,
        year: p.params.year,
      });
    case "serial_zero":
      return t("identity.serial_zero");
  }
}

export function explainKkProblem(t: TFunction, p: KkProblem): string {
  switch (p.code) {
    case "length":
      return t("identity.kk_length", { count: p.params.length });
    case "not_digits":
      return t("identity.not_digits");
    case "serial_zero":
      return t("identity.serial_zero");
    case "same_as_nik":
      return t("identity.kk_same_as_nik");
  }
}

/** "digit ke-7–8 = 45: untuk perempuan tanggal ditambah 40, jadi 45 berarti tanggal 5". */
export function explainNikDate(t: TFunction, nik: NikValid, locale: "id" | "en"): string {
  const decoded = describeNikDay(nik.dayDigits);
  const digits = String(nik.dayDigits).padStart(2, "0");
  const date = formatDateId(nik.birthDate, locale);
  if (decoded?.sex === "P") {
    return t("identity.nik_female_rule", { digits, day: decoded.day, date });
  }
  return t("identity.nik_male_rule", { digits, date });
}

/** Deletes the user's message that held an identity number; quietly skips when it cannot. */
async function deleteIdentityMessage(c: FlowContext): Promise<boolean> {
  try {
    await c.deleteMessage();
    return true;
  } catch (err) {
    if (err instanceof GrammyError) return false;
    throw err;
  }
}

const anyText = (c: FlowContext): Parsed<string> | undefined => {
  const text = textOf(c);
  return text === undefined ? undefined : { ok: true, value: text };
};

export type IdentityAnswer<T> = { kind: "value"; value: T; ctx: FlowContext } | { kind: "back"; ctx: FlowContext } | { kind: "skip"; ctx: FlowContext };

/**
 * Asks for an NIK until a valid one arrives. Every message with a number is deleted from
 * the chat at once (it stays out of chat history) and confirmed with the masked value; each
 * problem is explained; an unknown region prefix is only a warning.
 */
export async function askNik(
  conversation: Convo,
  ctx: FlowContext,
  opts: { prompt: string; allowSkip?: boolean },
): Promise<IdentityAnswer<NikValid>> {
  let question = async () => {
    const kb = opts.allowSkip
      ? choiceKeyboard([{ label: ctx.t("common.skip"), data: "f:skip" }], { back: ctx.t("common.back") })
      : backKeyboard(ctx.t("common.back"));
    await ctx.reply(opts.prompt, { reply_markup: kb });
  };
  for (;;) {
    const answer = await ask(conversation, {
      question,
      parse: (c) => (c.callbackQuery?.data === "f:skip" && opts.allowSkip ? { ok: true, value: "" } : anyText(c)),
      hintKey: "identity.send_nik",
    });
    question = async () => undefined;
    if (answer.kind === "back") return answer;
    if (answer.value === "") return { kind: "skip", ctx: answer.ctx };
    const c = answer.ctx;
    const now = new Date(await conversation.now());
    const check = checkNik(answer.value, { now });
    const deleted = await deleteIdentityMessage(c);
    if (!check.ok) {
      const lines = check.problems.map((p) => `• ${explainNikProblem(c.t, p)}`);
      await c.reply(`${c.t("identity.nik_invalid")}\n${lines.join("\n")}\n\n${c.t("identity.try_again_nik")}`);
      continue;
    }
    const known = await withDb(conversation, (db) => existingPrefixes(db, check.regionPrefix));
    const notes = [c.t(deleted ? "identity.nik_received_deleted" : "identity.nik_received", { masked: maskNik(check.nik) })];
    if (!known.district) {
      notes.push(c.t("identity.prefix_unknown", { code: check.nik.slice(0, 6) }));
    }
    await c.reply(notes.join("\n\n"));
    return { kind: "value", value: check, ctx: c };
  }
}

/** Asks for a No. KK (same care as the NIK: deleted from the chat, masked confirmation). */
export async function askKk(
  conversation: Convo,
  ctx: FlowContext,
  opts: { prompt: string; nik: string },
): Promise<IdentityAnswer<string>> {
  let question = async () => {
    await ctx.reply(opts.prompt, { reply_markup: backKeyboard(ctx.t("common.back")) });
  };
  for (;;) {
    const answer = await ask(conversation, { question, parse: anyText, hintKey: "identity.send_kk" });
    question = async () => undefined;
    if (answer.kind === "back") return answer;
    const c = answer.ctx;
    const check = checkKk(answer.value, { nik: opts.nik });
    const deleted = await deleteIdentityMessage(c);
    if (!check.ok) {
      const lines = check.problems.map((p) => `• ${explainKkProblem(c.t, p)}`);
      await c.reply(`${c.t("identity.kk_invalid")}\n${lines.join("\n")}\n\n${c.t("identity.try_again_kk")}`);
      continue;
    }
    const known = await withDb(conversation, (db) => existingPrefixes(db, check.regionPrefix));
    const notes = [c.t(deleted ? "identity.kk_received_deleted" : "identity.kk_received", { masked: maskKk(check.kk) })];
    if (!known.district) notes.push(c.t("identity.prefix_unknown", { code: check.kk.slice(0, 6) }));
    if (check.warnings.some((w) => w.code === "date_unusual")) notes.push(c.t("identity.kk_date_unusual"));
    await c.reply(notes.join("\n\n"));
    return { kind: "value", value: check.kk, ctx: c };
  }
}

export type { Sex };
