import { GrammyError } from "grammy";
import { checkKk, type KkProblem } from "../../domain/kk.js";
import { checkNik, describeNikDay, type NikProblem, type NikValid, type Sex } from "../../domain/nik.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { formatDateId } from "../../domain/dates.js";
import { existingPrefixes } from "../../db/queries/regions.js";
import type { TFunction } from "../../i18n.js";
import { withDb } from "./ask.js";
import type { FormIO, Question } from "./form.js";
import { text } from "./questions.js";
import type { FlowContext } from "./types.js";

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
  if (!c.message) return false;
  try {
    await c.deleteMessage();
    return true;
  } catch (err) {
    if (err instanceof GrammyError) return false;
    throw err;
  }
}

/**
 * Why a valid number is still refused (already registered, the same as another member's):
 * the whole message to send, or null when it is fine.
 */
export type IdentityRefusal<T> = (io: FormIO, value: T) => Promise<string | null> | string | null;

export interface NikQuestionOptions {
  prompt: string;
  /** The app clock at the start of the flow (ISO): birth dates must not be after it. */
  now: string;
  /** The stored NIK (shown masked, and kept with "Pakai yang tersimpan"). */
  current?: string | null;
  /** A "Lewati" button (answers null). */
  skip?: boolean;
  refuse?: IdentityRefusal<NikValid>;
}

/**
 * Asks for an NIK. The message with the number is deleted from the chat at once (it stays
 * out of chat history); each problem is explained; a refused number (a duplicate) is
 * explained in one message and asked again, and nothing decoded from it is kept; an
 * unknown region prefix is only a warning. The answer is the NIK's 16 digits.
 */
export function nikQuestion(c: FlowContext, o: NikQuestionOptions): Question<string | null> {
  const base = text<string>(c, {
    prompt: o.prompt,
    current: o.current ? { shown: maskNik(o.current), value: o.current } : null,
    skip: o.skip ? c.t("common.skip") : false,
    validate: (s) => ({ ok: true, value: s }),
    hint: c.t("identity.send_nik"),
  });
  return {
    ...base,
    async check(io, value) {
      if (value === null) return { ok: true, value };
      const x = io.ctx;
      const now = new Date(o.now);
      const check = checkNik(value, { now });
      const deleted = await deleteIdentityMessage(x);
      if (!check.ok) {
        const lines = check.problems.map((p) => `• ${explainNikProblem(x.t, p)}`);
        await x.reply(`${x.t("identity.nik_invalid")}\n${lines.join("\n")}\n\n${x.t("identity.try_again_nik")}`);
        return { ok: false };
      }
      const refused = o.refuse ? await o.refuse(io, check) : null;
      if (refused) {
        await x.reply(refused);
        return { ok: false };
      }
      const known = await withDb(io.conversation, (db) => existingPrefixes(db, check.regionPrefix));
      const notes = [x.t(deleted ? "identity.nik_received_deleted" : "identity.nik_received", { masked: maskNik(check.nik) })];
      if (!known.district) notes.push(x.t("identity.prefix_unknown", { code: check.nik.slice(0, 6) }));
      await x.reply(notes.join("\n\n"));
      return { ok: true, value: check.nik };
    },
  };
}

export interface KkQuestionOptions {
  prompt: string;
  /** The head's NIK: the No. KK must differ from it. */
  nik: string;
  current?: string | null;
  refuse?: IdentityRefusal<string>;
}

/** Asks for a No. KK, with the same care as the NIK. The answer is its 16 digits. */
export function kkQuestion(c: FlowContext, o: KkQuestionOptions): Question<string> {
  const base = text<string>(c, {
    prompt: o.prompt,
    current: o.current ? { shown: maskKk(o.current), value: o.current } : null,
    validate: (s) => ({ ok: true, value: s }),
    hint: c.t("identity.send_kk"),
  });
  return {
    ...(base as Question<string>),
    async check(io, value) {
      const x = io.ctx;
      const check = checkKk(value, { nik: o.nik });
      const deleted = await deleteIdentityMessage(x);
      if (!check.ok) {
        const lines = check.problems.map((p) => `• ${explainKkProblem(x.t, p)}`);
        await x.reply(`${x.t("identity.kk_invalid")}\n${lines.join("\n")}\n\n${x.t("identity.try_again_kk")}`);
        return { ok: false };
      }
      const refused = o.refuse ? await o.refuse(io, check.kk) : null;
      if (refused) {
        await x.reply(refused);
        return { ok: false };
      }
      const known = await withDb(io.conversation, (db) => existingPrefixes(db, check.regionPrefix));
      const notes = [x.t(deleted ? "identity.kk_received_deleted" : "identity.kk_received", { masked: maskKk(check.kk) })];
      if (!known.district) notes.push(x.t("identity.prefix_unknown", { code: check.kk.slice(0, 6) }));
      if (check.warnings.some((w) => w.code === "date_unusual")) notes.push(x.t("identity.kk_date_unusual"));
      await x.reply(notes.join("\n\n"));
      return { ok: true, value: check.kk };
    },
  };
}

export type { Sex };
