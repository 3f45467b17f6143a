import { InlineKeyboard } from "grammy";
import type { Convo, FlowContext } from "./types.js";
import { ask, backKeyboard, choiceKeyboard, textOf, withDb, type Answer } from "./ask.js";
import { askChoice, askMulti } from "./choice.js";
import { askKk, askNik, explainNikDate } from "./identity.js";
import { pickRegion } from "./region-picker.js";
import { cleanDisplayName } from "../../domain/names.js";
import { formatDateId, parseIndonesianDate, toIsoDate, ageInYears } from "../../domain/dates.js";
import { MIN_HEAD_AGE, type Sex } from "../../domain/nik.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import {
  HOUSING_CONDITIONS,
  MAIN_NEEDS,
  PPKS,
  PROGRAMMES,
  RELATIONSHIPS,
  type HousingCondition,
  type MainNeed,
  type PpksCode,
  type ProgrammeCode,
  type Relationship,
} from "../../domain/ppks.js";
import { householdDraftSchema, type HouseholdDraft, type MemberDraft } from "../../domain/household.js";
import { regionLabel } from "../../db/queries/regions.js";

/**
 * The questions about a household, shared by registration (/daftar) and editing: each step
 * asks one thing (with "Kembali"), validates it kindly and writes it into the draft.
 */
export type StepId =
  | "name"
  | "nik"
  | "kk"
  | "village"
  | "rtrw"
  | "address"
  | "location"
  | "members"
  | "ppks"
  | "housing"
  | "programmes"
  | "needs"
  | "desil"
  | "photos";

export const STEPS: StepId[] = ["name", "nik", "kk", "village", "rtrw", "address", "location", "members", "ppks", "housing", "programmes", "needs", "desil", "photos"];

/** What the flow holds while the volunteer types; becomes a HouseholdDraft on save. */
export interface Draft {
  consentAt: string;
  headName?: string;
  headNik?: string;
  headSex?: Sex;
  headBirthDate?: string;
  kk?: string;
  villageCode?: string;
  rt: string | null;
  rw: string | null;
  address: string | null;
  location: { latitude: number; longitude: number } | null;
  memberCount?: number;
  members: MemberDraft[];
  ppks: PpksCode[];
  housing?: HousingCondition;
  programmes: ProgrammeCode[];
  programmeOther: string | null;
  needs: MainNeed[];
  needsOther: string | null;
  desil: number | null;
  photos: { fileId: string; fileUniqueId: string | null }[];
}

export type StepResult = "next" | "back";

function fromAnswer<T>(a: Answer<T>, apply: (value: T) => void): StepResult {
  if (a.kind === "back") return "back";
  apply(a.value);
  return "next";
}

/** A text question with Back (and optionally Skip → null). */
export async function askText(
  conversation: Convo,
  ctx: FlowContext,
  opts: { prompt: string; skip?: boolean; validate: (text: string) => { ok: true; value: string } | { ok: false; error: string } },
): Promise<Answer<string | null>> {
  const kb = opts.skip
    ? choiceKeyboard([{ label: ctx.t("common.skip"), data: "f:skip" }], { back: ctx.t("common.back") })
    : backKeyboard(ctx.t("common.back"));
  return ask<string | null>(conversation, {
    question: () => ctx.reply(opts.prompt, { reply_markup: kb }),
    parse: (c) => {
      if (c.callbackQuery?.data === "f:skip" && opts.skip) return { ok: true, value: null };
      const text = textOf(c);
      if (text === undefined) return undefined;
      if (opts.skip && /^(-|lewati|skip)$/i.test(text)) return { ok: true, value: null };
      return opts.validate(text);
    },
    hintKey: "flow.send_text",
  });
}

function nameValidator(ctx: FlowContext) {
  return (text: string) => {
    const r = cleanDisplayName(text);
    return r.ok ? { ok: true as const, value: r.value } : { ok: false as const, error: ctx.t(`daftar.name_${r.problem}`) };
  };
}

/** Head of household: NIK, then sex and birth date derived from it and confirmed. */
async function stepNik(conversation: Convo, ctx: FlowContext, d: Draft): Promise<StepResult> {
  for (;;) {
    const a = await askNik(conversation, ctx, { prompt: ctx.t("daftar.ask_nik", { name: d.headName ?? "" }) });
    if (a.kind !== "value") return "back";
    const nik = a.value;
    const c = a.ctx;
    const now = new Date(await conversation.now());
    const options: { value: string; label: string }[] = [
      { value: "yes", label: c.t("daftar.identity_yes") },
    ];
    if (nik.alternativeBirthDate) {
      options.push({ value: "alt", label: c.t("daftar.identity_alt_year", { year: nik.alternativeBirthDate.slice(0, 4) }) });
    }
    options.push({ value: "manual", label: c.t("daftar.identity_manual") });
    const sexLabel = c.t(`vocab.sex.${nik.sex}`);
    let text = c.t("daftar.confirm_identity", {
      explanation: explainNikDate(c.t, nik, c.locale),
      sex: sexLabel,
      date: formatDateId(nik.birthDate, c.locale),
    });
    if (ageInYears(nik.birthDate, now) < MIN_HEAD_AGE) text += `\n\n${c.t("daftar.too_young_warning", { age: ageInYears(nik.birthDate, now) })}`;
    const choice = await askChoice(conversation, c, { text, options });
    if (choice.kind === "back") continue;
    d.headNik = nik.nik;
    if (choice.value === "yes" || choice.value === "alt") {
      d.headSex = nik.sex;
      d.headBirthDate = choice.value === "alt" && nik.alternativeBirthDate ? nik.alternativeBirthDate : nik.birthDate;
      return "next";
    }
    // Typed by hand: the NIK cannot be changed, so a mismatch is only a warning.
    const sex = await askChoice<Sex>(conversation, choice.ctx, {
      text: c.t("daftar.ask_sex"),
      options: [
        { value: "L", label: c.t("vocab.sex.L") },
        { value: "P", label: c.t("vocab.sex.P") },
      ],
    });
    if (sex.kind === "back") continue;
    const date = await askText(conversation, sex.ctx, {
      prompt: c.t("daftar.ask_birth_date"),
      validate: (s) => {
        const parts = parseIndonesianDate(s);
        if (!parts) return { ok: false, error: c.t("daftar.birth_date_invalid") };
        const iso = toIsoDate(parts);
        if (iso > now.toISOString().slice(0, 10)) return { ok: false, error: c.t("daftar.birth_date_future") };
        return { ok: true, value: iso };
      },
    });
    if (date.kind === "back" || date.value === null) continue;
    d.headSex = sex.value;
    d.headBirthDate = date.value;
    if (sex.value !== nik.sex || (date.value !== nik.birthDate && date.value !== nik.alternativeBirthDate)) {
      await date.ctx.reply(c.t("daftar.identity_mismatch_warning"));
    }
    return "next";
  }
}

function parseRtRw(text: string): { rt: string; rw: string } | null {
  const m = /^\D*(\d{1,3})\D+(\d{1,3})\D*$/.exec(text.trim());
  if (!m) return null;
  return { rt: m[1]!.padStart(3, "0"), rw: m[2]!.padStart(3, "0") };
}

async function stepRtRw(conversation: Convo, ctx: FlowContext, d: Draft): Promise<StepResult> {
  const a = await askText(conversation, ctx, {
    prompt: ctx.t("daftar.ask_rtrw"),
    skip: true,
    validate: (s) => (parseRtRw(s) ? { ok: true, value: s } : { ok: false, error: ctx.t("daftar.rtrw_invalid") }),
  });
  return fromAnswer(a, (v) => {
    const parsed = v === null ? null : parseRtRw(v);
    d.rt = parsed?.rt ?? null;
    d.rw = parsed?.rw ?? null;
  });
}

async function stepLocation(conversation: Convo, ctx: FlowContext, d: Draft): Promise<StepResult> {
  const a = await ask<{ latitude: number; longitude: number } | null>(conversation, {
    question: async () => {
      await ctx.reply(ctx.t("daftar.ask_location"), {
        reply_markup: {
          keyboard: [[{ text: ctx.t("daftar.share_location"), request_location: true }], [{ text: ctx.t("daftar.skip_location") }]],
          resize_keyboard: true,
          one_time_keyboard: true,
        },
      });
      await ctx.reply(ctx.t("daftar.location_back_hint"), { reply_markup: backKeyboard(ctx.t("common.back")) });
    },
    parse: (c) => {
      const loc = c.message?.location;
      if (loc) return { ok: true, value: { latitude: loc.latitude, longitude: loc.longitude } };
      const text = textOf(c);
      if (text !== undefined && (text === c.t("daftar.skip_location") || /^(-|lewati|skip)$/i.test(text))) return { ok: true, value: null };
      return undefined;
    },
    hintKey: "daftar.location_hint",
  });
  if (a.kind === "back") {
    await a.ctx.reply(a.ctx.t("daftar.location_cleared"), { reply_markup: { remove_keyboard: true } });
    return "back";
  }
  d.location = a.value;
  await a.ctx.reply(a.ctx.t(a.value ? "daftar.location_saved" : "daftar.location_skipped"), { reply_markup: { remove_keyboard: true } });
  return "next";
}

async function stepMembers(conversation: Convo, ctx: FlowContext, d: Draft): Promise<StepResult> {
  const count = await ask<number>(conversation, {
    question: () =>
      ctx.reply(ctx.t("daftar.ask_member_count"), {
        reply_markup: choiceKeyboard(
          [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ label: String(n), data: `f:n:${n}` })),
          { back: ctx.t("common.back"), columns: 4 },
        ),
      }),
    parse: (c) => {
      const data = c.callbackQuery?.data;
      if (data?.startsWith("f:n:")) return { ok: true, value: Number(data.slice(4)) };
      const text = textOf(c);
      if (text === undefined) return undefined;
      const n = Number(text.replace(/\s*(orang|jiwa)$/i, ""));
      return Number.isInteger(n) && n >= 1 && n <= 50 ? { ok: true, value: n } : { ok: false, error: c.t("daftar.member_count_invalid") };
    },
    hintKey: "daftar.member_count_invalid",
  });
  if (count.kind === "back") return "back";
  d.memberCount = count.value;
  if (count.value <= 1) {
    d.members = [];
    return "next";
  }
  const detail = await askChoice(conversation, count.ctx, {
    text: count.ctx.t("daftar.ask_member_details", { count: count.value - 1 }),
    options: [
      { value: "now", label: count.ctx.t("daftar.member_details_now") },
      { value: "skip", label: count.ctx.t("daftar.member_details_skip") },
    ],
  });
  if (detail.kind === "back") return stepMembers(conversation, detail.ctx, d);
  if (detail.value === "skip") {
    d.members = [];
    return "next";
  }
  const members: MemberDraft[] = [];
  for (let i = 0; i < count.value - 1; i++) {
    const c = detail.ctx;
    const name = await askText(conversation, c, {
      prompt: c.t("daftar.ask_member_name", { n: i + 1, total: count.value - 1 }),
      validate: nameValidator(c),
    });
    if (name.kind === "back" || name.value === null) return stepMembers(conversation, name.ctx, d);
    const relation = await askChoice<Relationship>(conversation, name.ctx, {
      text: c.t("daftar.ask_member_relationship", { name: name.value }),
      options: RELATIONSHIPS.map((r) => ({ value: r, label: c.t(`vocab.relationship.${r}`) })),
      columns: 3,
    });
    if (relation.kind === "back") return stepMembers(conversation, relation.ctx, d);
    const nik = await askNik(conversation, relation.ctx, { prompt: c.t("daftar.ask_member_nik", { name: name.value }), allowSkip: true });
    if (nik.kind === "back") return stepMembers(conversation, nik.ctx, d);
    const valid = nik.kind === "value" ? nik.value : null;
    if (valid && (valid.nik === d.headNik || members.some((m) => m.nik === valid.nik))) {
      await nik.ctx.reply(c.t("daftar.member_nik_repeated"));
    }
    members.push({
      name: name.value,
      relationship: relation.value,
      nik: valid && valid.nik !== d.headNik && !members.some((m) => m.nik === valid.nik) ? valid.nik : null,
      sex: valid?.sex ?? null,
      birthDate: valid?.birthDate ?? null,
    });
  }
  d.members = members;
  return "next";
}

async function stepPhotos(conversation: Convo, ctx: FlowContext, d: Draft): Promise<StepResult> {
  const photos = [...d.photos];
  let question = async () => {
    await ctx.reply(ctx.t("daftar.ask_photos"), {
      reply_markup: choiceKeyboard([{ label: ctx.t("daftar.photos_done"), data: "f:done" }], { back: ctx.t("common.back") }),
    });
  };
  for (;;) {
    const a = await ask<{ fileId: string; fileUniqueId: string | null } | "done">(conversation, {
      question,
      parse: (c) => {
        if (c.callbackQuery?.data === "f:done") return { ok: true, value: "done" };
        const sizes = c.message?.photo;
        if (sizes && sizes.length > 0) {
          const best = sizes[sizes.length - 1]!;
          return { ok: true, value: { fileId: best.file_id, fileUniqueId: best.file_unique_id ?? null } };
        }
        const text = textOf(c);
        if (text !== undefined && /^(selesai|lewati|skip|done|-)$/i.test(text)) return { ok: true, value: "done" };
        return undefined;
      },
      hintKey: "daftar.photos_hint",
    });
    question = async () => undefined;
    if (a.kind === "back") return "back";
    if (a.value === "done") {
      d.photos = photos;
      return "next";
    }
    if (photos.length >= 10) {
      await a.ctx.reply(a.ctx.t("daftar.photos_max"));
      continue;
    }
    photos.push(a.value);
    await a.ctx.reply(a.ctx.t("daftar.photo_received", { count: photos.length }), {
      reply_markup: choiceKeyboard([{ label: a.ctx.t("daftar.photos_done"), data: "f:done" }]),
    });
  }
}

export async function runStep(conversation: Convo, ctx: FlowContext, d: Draft, step: StepId, volunteerArea: string | null): Promise<StepResult> {
  const t = ctx.t;
  switch (step) {
    case "name": {
      const a = await askText(conversation, ctx, { prompt: t("daftar.ask_head_name"), validate: nameValidator(ctx) });
      return fromAnswer(a, (v) => (d.headName = v ?? undefined));
    }
    case "nik":
      return stepNik(conversation, ctx, d);
    case "kk": {
      const a = await askKk(conversation, ctx, { prompt: t("daftar.ask_kk"), nik: d.headNik ?? "" });
      return a.kind === "value" ? ((d.kk = a.value), "next") : "back";
    }
    case "village": {
      const picked = await pickRegion(conversation, ctx, {
        prompt: t("daftar.ask_village"),
        level: 4,
        within: null,
        defaultCode: d.villageCode ?? (volunteerArea && volunteerArea.split(".").length === 4 ? volunteerArea : undefined),
      });
      if (picked.kind === "back") return "back";
      d.villageCode = picked.value;
      return "next";
    }
    case "rtrw":
      return stepRtRw(conversation, ctx, d);
    case "address": {
      const a = await askText(conversation, ctx, {
        prompt: t("daftar.ask_address"),
        skip: true,
        validate: (s) => (s.length <= 200 ? { ok: true, value: s } : { ok: false, error: t("daftar.address_too_long") }),
      });
      return fromAnswer(a, (v) => (d.address = v));
    }
    case "location":
      return stepLocation(conversation, ctx, d);
    case "members":
      return stepMembers(conversation, ctx, d);
    case "ppks": {
      const a = await askMulti<PpksCode>(conversation, ctx, {
        text: t("daftar.ask_ppks"),
        options: PPKS.map((p) => ({ value: p.code, label: t(`vocab.ppks.${p.code}`) })),
        initial: d.ppks,
        min: 1,
        minMessage: t("daftar.ppks_min"),
      });
      return fromAnswer(a, (v) => (d.ppks = v));
    }
    case "housing": {
      const a = await askChoice<HousingCondition>(conversation, ctx, {
        text: t("daftar.ask_housing"),
        options: HOUSING_CONDITIONS.map((h) => ({ value: h, label: t(`vocab.housing.${h}`) })),
      });
      return fromAnswer(a, (v) => (d.housing = v));
    }
    case "programmes": {
      const a = await askMulti<ProgrammeCode | "none">(conversation, ctx, {
        text: t("daftar.ask_programmes"),
        options: [
          ...PROGRAMMES.map((p) => ({ value: p as ProgrammeCode | "none", label: t(`vocab.programme.${p}`) })),
          { value: "none", label: t("vocab.programme.none") },
        ],
        initial: d.programmes.length === 0 ? [] : d.programmes,
        min: 1,
        exclusive: ["none"],
        minMessage: t("daftar.programmes_min"),
      });
      if (a.kind === "back") return "back";
      d.programmes = a.value.filter((v): v is ProgrammeCode => v !== "none");
      if (d.programmes.includes("lainnya")) {
        const other = await askText(conversation, a.ctx, {
          prompt: t("daftar.ask_programme_other"),
          skip: true,
          validate: (s) => (s.length <= 100 ? { ok: true, value: s } : { ok: false, error: t("daftar.text_too_long", { max: 100 }) }),
        });
        if (other.kind === "back") return runStep(conversation, other.ctx, d, "programmes", volunteerArea);
        d.programmeOther = other.value;
      } else {
        d.programmeOther = null;
      }
      return "next";
    }
    case "needs": {
      const a = await askMulti<MainNeed>(conversation, ctx, {
        text: t("daftar.ask_needs"),
        options: MAIN_NEEDS.map((n) => ({ value: n, label: t(`vocab.need.${n}`) })),
        initial: d.needs,
        min: 0,
      });
      if (a.kind === "back") return "back";
      d.needs = a.value;
      const other = await askText(conversation, a.ctx, {
        prompt: t("daftar.ask_needs_other"),
        skip: true,
        validate: (s) => (s.length <= 200 ? { ok: true, value: s } : { ok: false, error: t("daftar.text_too_long", { max: 200 }) }),
      });
      if (other.kind === "back") return runStep(conversation, other.ctx, d, "needs", volunteerArea);
      d.needsOther = other.value;
      return "next";
    }
    case "desil": {
      const a = await ask<number | null>(conversation, {
        question: () =>
          ctx.reply(t("daftar.ask_desil"), {
            reply_markup: choiceKeyboard(
              [
                ...Array.from({ length: 10 }, (_, i) => ({ label: String(i + 1), data: `f:d:${i + 1}` })),
                { label: t("daftar.desil_unknown"), data: "f:d:0" },
              ],
              { back: t("common.back"), columns: 5 },
            ),
          }),
        parse: (c) => {
          const data = c.callbackQuery?.data;
          if (data?.startsWith("f:d:")) {
            const n = Number(data.slice(4));
            return { ok: true, value: n === 0 ? null : n };
          }
          const text = textOf(c);
          if (text === undefined) return undefined;
          if (/^(tidak tahu|belum tahu|-|lewati|skip)$/i.test(text)) return { ok: true, value: null };
          const n = Number(text);
          return Number.isInteger(n) && n >= 1 && n <= 10 ? { ok: true, value: n } : { ok: false, error: c.t("daftar.desil_invalid") };
        },
        hintKey: "daftar.desil_invalid",
      });
      return fromAnswer(a, (v) => (d.desil = v));
    }
    case "photos":
      return stepPhotos(conversation, ctx, d);
  }
}

export async function summary(conversation: Convo, ctx: FlowContext, d: Draft): Promise<string> {
  const t = ctx.t;
  const village = d.villageCode ? ((await withDb(conversation, (db) => regionLabel(db, d.villageCode!))) ?? d.villageCode) : "–";
  const list = (codes: string[], ns: string) => (codes.length === 0 ? "–" : codes.map((c) => t(`vocab.${ns}.${c}`)).join(", "));
  const members =
    d.members.length === 0
      ? ""
      : `\n${d.members
          .map((m, i) => t("daftar.summary_member", { n: i + 1, name: m.name, relationship: t(`vocab.relationship.${m.relationship}`), nik: m.nik ? maskNik(m.nik) : "–" }))
          .join("\n")}`;
  return [
    t("daftar.summary_title"),
    t("daftar.summary_head", { name: d.headName ?? "–" }),
    t("daftar.summary_nik", { nik: d.headNik ? maskNik(d.headNik) : "–" }),
    t("daftar.summary_identity", {
      sex: d.headSex ? t(`vocab.sex.${d.headSex}`) : "–",
      date: d.headBirthDate ? formatDateId(d.headBirthDate, ctx.locale) : "–",
    }),
    t("daftar.summary_kk", { kk: d.kk ? maskKk(d.kk) : "–" }),
    t("daftar.summary_village", { village }),
    t("daftar.summary_rtrw", { rt: d.rt ?? "–", rw: d.rw ?? "–" }),
    t("daftar.summary_address", { address: d.address ?? "–" }),
    t("daftar.summary_location", { location: d.location ? `${d.location.latitude.toFixed(5)}, ${d.location.longitude.toFixed(5)}` : "–" }),
    t("daftar.summary_members", { count: d.memberCount ?? "–" }) + members,
    t("daftar.summary_ppks", { list: list(d.ppks, "ppks") }),
    t("daftar.summary_housing", { housing: d.housing ? t(`vocab.housing.${d.housing}`) : "–" }),
    t("daftar.summary_programmes", {
      list: d.programmes.length === 0 ? t("vocab.programme.none") : list(d.programmes, "programme") + (d.programmeOther ? ` (${d.programmeOther})` : ""),
    }),
    t("daftar.summary_needs", { list: list(d.needs, "need") + (d.needsOther ? ` — ${d.needsOther}` : "") }),
    t("daftar.summary_desil", { desil: d.desil ?? t("daftar.desil_unknown") }),
    t("daftar.summary_photos", { count: d.photos.length }),
  ].join("\n");
}

export function reviewKeyboard(ctx: FlowContext, saveKey = "daftar.save"): InlineKeyboard {
  const kb = new InlineKeyboard();
  STEPS.forEach((s, i) => {
    kb.text(ctx.t(`daftar.edit_${s}`), `f:e:${s}`);
    if (i % 2 === 1) kb.row();
  });
  return kb.row().text(ctx.t(saveKey), "f:save");
}

export function toHouseholdDraft(d: Draft): HouseholdDraft {
  return householdDraftSchema.parse({
    consentAt: d.consentAt,
    headName: d.headName,
    headNik: d.headNik,
    kk: d.kk,
    headSex: d.headSex,
    headBirthDate: d.headBirthDate,
    villageCode: d.villageCode,
    rt: d.rt,
    rw: d.rw,
    address: d.address,
    location: d.location,
    memberCount: d.memberCount,
    members: d.members,
    ppks: d.ppks,
    housing: d.housing,
    programmes: d.programmes,
    programmeOther: d.programmeOther,
    needs: d.needs,
    needsOther: d.needsOther,
    desil: d.desil,
    photos: d.photos,
  });
}

