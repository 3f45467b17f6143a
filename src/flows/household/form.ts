/**
 * The questions about a household, shared by registration (/daftar) and editing ("Ubah
 * data" on the card), as one list of form steps, in the order the volunteer answers them:
 *
 *   name → NIK → (sex and birth date read from the NIK, confirmed; or typed) → No. KK →
 *   village → RT/RW → address → location → members (how many; then name, relationship and
 *   NIK of each, "Selesai, sisanya nanti" to stop) → PPKS → housing → programmes (→ other)
 *   → needs (→ other) → desil → photos → review.
 *
 * NIK and KK are checked for duplicates right after they are typed (and again at save).
 *
 * @module
 */
import { InlineKeyboard } from "grammy";
import type { FlowContext } from "../kit/types.js";
import { custom, field, jump, type Jump, type ReviewScreen, type Step } from "../kit/form.js";
import { choice, date, lengthLimit, location, media, multi, number, text, type FileRef, type LatLng } from "../kit/questions.js";
import { explainNikDate, kkQuestion, nikQuestion } from "../kit/identity.js";
import { pickRegion } from "../kit/region-picker.js";
import { cleanDisplayName } from "../../domain/names.js";
import { formatDateId, localDateOf, toIsoDate } from "../../domain/dates.js";
import { parseTypedDate } from "../../domain/answers.js";
import { checkNik, MIN_HEAD_AGE, type Sex } from "../../domain/nik.js";
import { ageInYears } from "../../domain/dates.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { TEXT_LIMITS } from "../../domain/limits.js";
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
import { formatRefCode } from "../../domain/refcode.js";
import { householdDraftSchema, type HouseholdDraft, type MemberDraft } from "../../domain/household.js";
import { duplicateAtEntry } from "./duplicates.js";

/** Typed instead of a member's name: no more members now. */
const MEMBERS_STOP = /^(selesai|sudah|cukup|stop|lewati|skip|-)$/i;

/** Household members besides the head whose details can be entered (member count ≤ 50). */
export const MAX_MEMBERS = 49;

export interface MemberForm {
  name: string;
  relationship: Relationship | null;
  nik: string | null;
  sex: Sex | null;
  birthDate: string | null;
}

/** What the form holds while the volunteer answers (plain JSON); a HouseholdDraft on save. */
export interface HouseholdForm {
  consentAt: string;
  /** What the steps need besides the answers (the steps themselves are built once, for every form). */
  env: HouseholdEnv;
  /** The household being edited (null: a new one). */
  householdId: number | null;
  headName: string | null;
  headNik: string | null;
  /** How sex and birth date were confirmed, and for which NIK. */
  identity: "yes" | "alt" | "manual" | null;
  identityFor: string | null;
  headSex: Sex | null;
  headBirthDate: string | null;
  kk: string | null;
  villageCode: string | null;
  villageLabel: string | null;
  rt: string | null;
  rw: string | null;
  address: string | null;
  location: LatLng | null;
  memberCount: number | null;
  memberDetails: "now" | "skip" | null;
  /** "Selesai, sisanya nanti" at this member: no more member questions. */
  membersStoppedAt: number | null;
  members: MemberForm[];
  ppks: PpksCode[];
  housing: HousingCondition | null;
  programmes: ProgrammeCode[];
  programmeOther: string | null;
  needs: MainNeed[];
  needsOther: string | null;
  desil: number | null;
  photos: FileRef[];
  /** Codes of households with a similar head name, found at save (null: none pending). */
  similar: string[] | null;
  similarConfirmed: boolean;
  /** Fields changed (editing: audited and saved by name). */
  changed: string[];
}

/** A form for a new household. */
export function newHouseholdForm(consentAt: string, homeVillage: string | null): HouseholdForm {
  return {
    consentAt,
    env: { now: consentAt, homeVillage },
    householdId: null,
    headName: null,
    headNik: null,
    identity: null,
    identityFor: null,
    headSex: null,
    headBirthDate: null,
    kk: null,
    villageCode: null,
    villageLabel: null,
    rt: null,
    rw: null,
    address: null,
    location: null,
    memberCount: null,
    memberDetails: null,
    membersStoppedAt: null,
    members: [],
    ppks: [],
    housing: null,
    programmes: [],
    programmeOther: null,
    needs: [],
    needsOther: null,
    desil: null,
    photos: [],
    similar: null,
    similarConfirmed: false,
    changed: [],
  };
}

/** What the steps need besides the draft. */
export interface HouseholdEnv {
  /** The app clock at the start of the flow (ISO). */
  now: string;
  /** The user's own village, offered first (volunteers). */
  homeVillage: string | null;
}

/** The field a step changes, as the review names it (and the edit audit records it). */
function fieldOf(stepId: string): string {
  if (stepId === "identity" || stepId === "sex" || stepId === "birth_date") return "nik";
  if (stepId === "member_details" || stepId.startsWith("member_")) return "members";
  if (stepId === "programme_other") return "programmes";
  if (stepId === "needs_other") return "needs";
  return stepId;
}

/** Records that a field changed (for the edit's audit), then returns the draft. */
function changed(d: HouseholdForm, stepId: string): HouseholdForm {
  const f = fieldOf(stepId);
  return d.changed.includes(f) ? d : { ...d, changed: [...d.changed, f] };
}

function nameCheck(c: FlowContext) {
  return (s: string) => {
    const r = cleanDisplayName(s);
    return r.ok ? { ok: true as const, value: r.value } : { ok: false as const, error: c.t(`daftar.name_${r.problem}`) };
  };
}

/** "3/5", "RT 3 RW 5", "003 005" → RT "003", RW "005". */
export function parseRtRw(s: string): { rt: string; rw: string } | null {
  const m = /^\D*(\d{1,3})\D+(\d{1,3})\D*$/.exec(s.trim());
  if (!m) return null;
  return { rt: m[1]!.padStart(3, "0"), rw: m[2]!.padStart(3, "0") };
}

const localToday = (d: HouseholdForm) => localDateOf(d.env.now, null);

/** The identity read from the head's NIK (the NIK in the draft is always a valid one). */
function decoded(d: HouseholdForm) {
  const check = d.headNik ? checkNik(d.headNik, { now: new Date(d.env.now) }) : null;
  return check && check.ok ? check : null;
}

function memberApplies(d: HouseholdForm, i: number): boolean {
  return d.memberDetails === "now" && d.memberCount !== null && i < d.memberCount - 1 && (d.membersStoppedAt === null || i < d.membersStoppedAt);
}

function setMember(d: HouseholdForm, i: number, patch: Partial<MemberForm>): HouseholdForm {
  const members = d.members.slice(0, Math.max(d.members.length, i + 1)).map((m) => ({ ...m }));
  const base: MemberForm = members[i] ?? { name: "", relationship: null, nik: null, sex: null, birthDate: null };
  members[i] = { ...base, ...patch };
  return { ...d, members };
}

/** The three questions about member `i` (0-based; "anggota ke-i+1"). */
function memberSteps(i: number): Step<HouseholdForm>[] {
  const n = i + 1;
  const label = (t: (k: string, o?: Record<string, unknown>) => string) => t("form.step_member", { n });
  const others = (d: HouseholdForm) => Math.max(0, (d.memberCount ?? 1) - 1);
  return [
    field<HouseholdForm, { stop: true } | { name: string } | null>(`member_${i}_name`, {
      label,
      with: "members",
      applies: (d) => memberApplies(d, i),
      question: (d, c) => {
        const current = d.members[i]?.name;
        return text(c, {
          prompt: c.t("daftar.ask_member_name", { n, total: others(d) }),
          current: current ? { shown: current, value: { name: current } } : null,
          extra: [{ label: c.t("form.members_stop"), data: "f:mstop", value: { stop: true } }],
          validate: (s) => {
            // "Selesai", "lewati"… end the members here; the ones entered are kept.
            if (MEMBERS_STOP.test(s)) return { ok: true, value: { stop: true as const } };
            const name = nameCheck(c)(s);
            return name.ok ? { ok: true, value: { name: name.value } } : name;
          },
        });
      },
      set: (d, v) => {
        if (v === null) return d;
        if ("stop" in v) return changed({ ...d, membersStoppedAt: i, members: d.members.slice(0, i) }, "members");
        return changed(setMember(d, i, { name: v.name }), "members");
      },
    }),
    field<HouseholdForm, Relationship>(`member_${i}_rel`, {
      label,
      with: "members",
      applies: (d) => memberApplies(d, i) && !!d.members[i]?.name,
      missing: (d) => !!d.members[i]?.name && d.members[i]?.relationship === null,
      question: (d, c) =>
        choice(c, {
          text: c.t("daftar.ask_member_relationship", { name: d.members[i]?.name ?? "" }),
          options: RELATIONSHIPS.map((r) => ({ value: r, label: c.t(`vocab.relationship.${r}`) })),
          current: d.members[i]?.relationship ?? null,
          columns: 3,
        }),
      set: (d, relationship) => changed(setMember(d, i, { relationship }), "members"),
    }),
    field<HouseholdForm, string | null>(`member_${i}_nik`, {
      label,
      with: "members",
      applies: (d) => memberApplies(d, i) && !!d.members[i]?.name,
      question: (d, c) =>
        nikQuestion(c, {
          prompt: c.t("daftar.ask_member_nik", { name: d.members[i]?.name ?? "" }),
          now: d.env.now,
          current: d.members[i]?.nik ?? null,
          skip: true,
          // The same number as the head's or another member's: refused, nothing kept from it.
          refuse: (_io, nik) =>
            nik.nik === d.headNik || d.members.some((m, j) => j !== i && m.nik === nik.nik) ? c.t("daftar.member_nik_repeated") : null,
        }),
      set: (d, nik) => {
        const check = nik ? checkNik(nik, { now: new Date(d.env.now) }) : null;
        const valid = check && check.ok ? check : null;
        return changed(setMember(d, i, { nik: valid?.nik ?? null, sex: valid?.sex ?? null, birthDate: valid?.birthDate ?? null }), "members");
      },
    }),
  ];
}

/**
 * The household steps, in order: built once (they read the time and the home village from the
 * form), so a replay of the flow does not rebuild hundreds of closures on every update.
 */
export const HOUSEHOLD_STEPS: readonly Step<HouseholdForm>[] = Object.freeze(buildHouseholdSteps());

function buildHouseholdSteps(): Step<HouseholdForm>[] {
  const members: Step<HouseholdForm>[] = [];
  for (let i = 0; i < MAX_MEMBERS; i++) members.push(...memberSteps(i));
  return [
    field<HouseholdForm, string | null>("name", {
      label: "form.step_head_name",
      missing: (d) => !d.headName,
      question: (d, c, view) =>
        text(c, {
          prompt: c.t("daftar.ask_head_name"),
          current: d.headName ? { shown: d.headName, value: d.headName } : null,
          validate: nameCheck(c),
          back: !(view.mode === "fill" && view.first),
        }),
      set: (d, headName) => changed({ ...d, headName: headName ?? d.headName }, "name"),
    }),
    field<HouseholdForm, string | null>("nik", {
      label: "form.step_head_nik",
      missing: (d) => !d.headNik,
      question: (d, c) =>
        nikQuestion(c, {
          prompt: c.t("daftar.ask_nik", { name: d.headName ?? "" }),
          now: d.env.now,
          current: d.headNik,
          refuse: async (io, nik) => {
            if (d.members.some((m) => m.nik === nik.nik)) return io.ctx.t("form.head_nik_repeated");
            return duplicateAtEntry(io, { nik: nik.nik, excludeId: d.householdId, villageCode: d.villageCode });
          },
        }),
      set: (d, nik) => changed({ ...d, headNik: nik ?? d.headNik }, "nik"),
    }),
    field<HouseholdForm, "yes" | "alt" | "manual">("identity", {
      label: "form.step_identity",
      with: "nik",
      applies: (d) => d.headNik !== null,
      missing: (d) => d.identityFor !== d.headNik,
      question: (d, c) => {
        const nik = decoded(d)!;
        const options: { value: "yes" | "alt" | "manual"; label: string }[] = [{ value: "yes", label: c.t("daftar.identity_yes") }];
        if (nik.alternativeBirthDate) options.push({ value: "alt", label: c.t("daftar.identity_alt_year", { year: nik.alternativeBirthDate.slice(0, 4) }) });
        options.push({ value: "manual", label: c.t("daftar.identity_manual") });
        let prompt = c.t("daftar.confirm_identity", {
          explanation: explainNikDate(c.t, nik, c.locale),
          sex: c.t(`vocab.sex.${nik.sex}`),
          date: formatDateId(nik.birthDate, c.locale),
        });
        const age = ageInYears(nik.birthDate, new Date(d.env.now));
        if (age < MIN_HEAD_AGE) prompt += `\n\n${c.t("daftar.too_young_warning", { age })}`;
        return choice(c, { text: prompt, options, current: d.identityFor === d.headNik ? d.identity : null });
      },
      set: (d, how) => {
        const nik = decoded(d)!;
        if (how === "manual") {
          const again = d.identity === "manual" && d.identityFor === d.headNik;
          return changed({ ...d, identity: how, identityFor: d.headNik, headSex: again ? d.headSex : null, headBirthDate: again ? d.headBirthDate : null }, "nik");
        }
        const birth = how === "alt" && nik.alternativeBirthDate ? nik.alternativeBirthDate : nik.birthDate;
        return changed({ ...d, identity: how, identityFor: d.headNik, headSex: nik.sex, headBirthDate: birth }, "nik");
      },
    }),
    field<HouseholdForm, Sex>("sex", {
      label: "form.step_head_sex",
      with: "identity",
      applies: (d) => d.identity === "manual" && d.identityFor === d.headNik,
      missing: (d) => d.headSex === null,
      question: (d, c) =>
        choice(c, {
          text: c.t("daftar.ask_sex"),
          options: [
            { value: "L" as Sex, label: c.t("vocab.sex.L") },
            { value: "P" as Sex, label: c.t("vocab.sex.P") },
          ],
          current: d.headSex,
        }),
      set: (d, headSex) => changed({ ...d, headSex }, "nik"),
    }),
    field<HouseholdForm, string>("birth_date", {
      label: "form.step_head_birth",
      with: "identity",
      applies: (d) => d.identity === "manual" && d.identityFor === d.headNik,
      missing: (d) => d.headBirthDate === null,
      question: (d, c) =>
        date(c, {
          prompt: c.t("daftar.ask_birth_date"),
          options: [],
          current: d.headBirthDate ? { shown: formatDateId(d.headBirthDate, c.locale), value: d.headBirthDate } : null,
          parse: (s) => {
            const parts = parseTypedDate(s, { today: localToday(d), years: "past" });
            if (!parts) return { ok: false, error: c.t("daftar.birth_date_invalid") };
            const iso = toIsoDate(parts);
            if (iso > localToday(d)) return { ok: false, error: c.t("daftar.birth_date_future") };
            return { ok: true, value: iso };
          },
          hint: c.t("daftar.birth_date_invalid"),
        }),
      set: (d, headBirthDate): HouseholdForm | Jump<HouseholdForm> => {
        const next = changed({ ...d, headBirthDate }, "nik");
        const nik = decoded(d);
        const mismatch = nik && (d.headSex !== nik.sex || (headBirthDate !== nik.birthDate && headBirthDate !== nik.alternativeBirthDate));
        return mismatch ? jump(next, undefined, "daftar.identity_mismatch_warning") : next;
      },
    }),
    field<HouseholdForm, string>("kk", {
      label: "form.step_kk",
      missing: (d) => !d.kk,
      question: (d, c) =>
        kkQuestion(c, {
          prompt: c.t("daftar.ask_kk"),
          nik: d.headNik ?? "",
          current: d.kk,
          refuse: (io, kk) => duplicateAtEntry(io, { kk, excludeId: d.householdId, villageCode: d.villageCode }),
        }),
      set: (d, kk) => changed({ ...d, kk }, "kk"),
    }),
    custom<HouseholdForm, { code: string; label: string }>("village", {
      label: "form.step_village",
      missing: (d) => !d.villageCode,
      run: async (io, d) => {
        const picked = await pickRegion(io.conversation, io.ctx, {
          prompt: io.ctx.t("daftar.ask_village"),
          level: 4,
          scope: "user",
          defaultCode: d.villageCode ?? d.env.homeVillage ?? undefined,
        });
        return picked.kind === "back" ? picked : { kind: "value", value: { code: picked.value, label: picked.label } };
      },
      set: (d, v) => changed({ ...d, villageCode: v.code, villageLabel: v.label, similar: null, similarConfirmed: false }, "village"),
    }),
    field<HouseholdForm, string | null>("rtrw", {
      label: "form.step_rtrw",
      question: (d, c) =>
        text(c, {
          prompt: c.t("daftar.ask_rtrw"),
          skip: c.t("common.skip"),
          current: d.rt !== null && d.rw !== null ? { shown: `${d.rt}/${d.rw}`, value: `${d.rt}/${d.rw}` } : null,
          validate: (s) => (parseRtRw(s) ? { ok: true, value: s } : { ok: false, error: c.t("daftar.rtrw_invalid") }),
        }),
      set: (d, v) => {
        const parsed = v === null ? null : parseRtRw(v);
        return changed({ ...d, rt: parsed?.rt ?? null, rw: parsed?.rw ?? null }, "rtrw");
      },
    }),
    field<HouseholdForm, string | null>("address", {
      label: "form.step_address",
      question: (d, c) =>
        text(c, {
          prompt: c.t("daftar.ask_address"),
          skip: c.t("common.skip"),
          current: d.address ? { shown: d.address, value: d.address } : null,
          validate: lengthLimit(c, { max: TEXT_LIMITS.address }, { long: "daftar.text_too_long" }),
        }),
      set: (d, address) => changed({ ...d, address }, "address"),
    }),
    field<HouseholdForm, LatLng | null>("location", {
      label: "form.step_location",
      question: (d, c) => {
        const remove = { remove_keyboard: true as const };
        return location(c, {
          prompt: c.t("daftar.ask_location"),
          share: c.t("daftar.share_location"),
          skip: c.t("daftar.skip_location"),
          backHint: c.t("daftar.location_back_hint"),
          current: d.location,
          saved: { text: c.t("daftar.location_saved"), markup: remove },
          skipped: { text: c.t("daftar.location_skipped"), markup: remove },
          left: { text: c.t("daftar.location_cleared"), markup: remove },
          hint: c.t("daftar.location_hint"),
        });
      },
      set: (d, loc) => changed({ ...d, location: loc }, "location"),
    }),
    field<HouseholdForm, number | null>("members", {
      label: "form.step_member_count",
      missing: (d) => d.memberCount === null,
      question: (d, c) =>
        number(c, {
          prompt: c.t("daftar.ask_member_count"),
          min: 1,
          max: 50,
          buttons: [1, 2, 3, 4, 5, 6, 7, 8],
          columns: 4,
          current: d.memberCount,
          error: c.t("daftar.member_count_invalid"),
        }),
      set: (d, count) => {
        const memberCount = count ?? d.memberCount ?? 1;
        const next = { ...d, memberCount, members: d.members.slice(0, Math.max(0, memberCount - 1)) };
        return changed(memberCount <= 1 ? { ...next, memberDetails: null, membersStoppedAt: null, members: [] } : next, "members");
      },
    }),
    field<HouseholdForm, "now" | "skip">("member_details", {
      label: "form.step_member_details",
      with: "members",
      applies: (d) => (d.memberCount ?? 0) > 1,
      missing: (d) => d.memberDetails === null,
      question: (d, c) =>
        choice(c, {
          text: c.t("daftar.ask_member_details", { count: (d.memberCount ?? 1) - 1 }),
          options: [
            { value: "now" as const, label: c.t("daftar.member_details_now") },
            { value: "skip" as const, label: c.t("daftar.member_details_skip") },
          ],
          current: d.memberDetails,
        }),
      set: (d, how) => changed(how === "skip" ? { ...d, memberDetails: how, members: [], membersStoppedAt: null } : { ...d, memberDetails: how, membersStoppedAt: null }, "members"),
    }),
    ...members,
    field<HouseholdForm, PpksCode[]>("ppks", {
      label: "form.step_ppks",
      missing: (d) => d.ppks.length === 0,
      question: (d, c) =>
        multi(c, {
          text: c.t("daftar.ask_ppks"),
          options: PPKS.map((p) => ({ value: p.code, label: c.t(`vocab.ppks.${p.code}`) })),
          current: d.ppks,
          min: 1,
          minMessage: c.t("daftar.ppks_min"),
        }),
      set: (d, ppks) => changed({ ...d, ppks }, "ppks"),
    }),
    field<HouseholdForm, HousingCondition>("housing", {
      label: "form.step_housing",
      missing: (d) => d.housing === null,
      question: (d, c) =>
        choice(c, {
          text: c.t("daftar.ask_housing"),
          options: HOUSING_CONDITIONS.map((h) => ({ value: h, label: c.t(`vocab.housing.${h}`) })),
          current: d.housing,
        }),
      set: (d, housing) => changed({ ...d, housing }, "housing"),
    }),
    field<HouseholdForm, (ProgrammeCode | "none")[]>("programmes", {
      label: "form.step_programmes",
      question: (d, c) =>
        multi<ProgrammeCode | "none">(c, {
          text: c.t("daftar.ask_programmes"),
          options: [
            ...PROGRAMMES.map((p) => ({ value: p as ProgrammeCode | "none", label: c.t(`vocab.programme.${p}`) })),
            { value: "none", label: c.t("vocab.programme.none") },
          ],
          current: d.programmes,
          min: 1,
          exclusive: ["none"],
          minMessage: c.t("daftar.programmes_min"),
        }),
      set: (d, chosen) => {
        const programmes = chosen.filter((v): v is ProgrammeCode => v !== "none");
        return changed({ ...d, programmes, programmeOther: programmes.includes("lainnya") ? d.programmeOther : null }, "programmes");
      },
    }),
    field<HouseholdForm, string | null>("programme_other", {
      label: "form.step_programme_other",
      with: "programmes",
      applies: (d) => d.programmes.includes("lainnya"),
      question: (d, c) =>
        text(c, {
          prompt: c.t("daftar.ask_programme_other"),
          skip: c.t("common.skip"),
          current: d.programmeOther ? { shown: d.programmeOther, value: d.programmeOther } : null,
          validate: lengthLimit(c, { max: 100 }, { long: "daftar.text_too_long" }),
        }),
      set: (d, programmeOther) => changed({ ...d, programmeOther }, "programmes"),
    }),
    field<HouseholdForm, MainNeed[]>("needs", {
      label: "form.step_needs",
      question: (d, c) =>
        multi(c, {
          text: c.t("daftar.ask_needs"),
          options: MAIN_NEEDS.map((n) => ({ value: n, label: c.t(`vocab.need.${n}`) })),
          current: d.needs,
          min: 0,
        }),
      set: (d, needs) => changed({ ...d, needs }, "needs"),
    }),
    field<HouseholdForm, string | null>("needs_other", {
      label: "form.step_needs_other",
      with: "needs",
      question: (d, c) =>
        text(c, {
          prompt: c.t("daftar.ask_needs_other"),
          skip: c.t("common.skip"),
          current: d.needsOther ? { shown: d.needsOther, value: d.needsOther } : null,
          validate: lengthLimit(c, { max: TEXT_LIMITS.short }, { long: "daftar.text_too_long" }),
        }),
      set: (d, needsOther) => changed({ ...d, needsOther }, "needs"),
    }),
    field<HouseholdForm, number | null>("desil", {
      label: "form.step_desil",
      question: (d, c) =>
        number(c, {
          prompt: c.t("daftar.ask_desil"),
          min: 1,
          max: 10,
          buttons: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          columns: 5,
          unknown: { label: c.t("daftar.desil_unknown"), words: /^(tidak tahu|belum tahu|ga tahu|gak tahu|-|lewati|skip)$/i },
          current: d.desil,
          error: c.t("daftar.desil_invalid"),
        }),
      set: (d, desil) => changed({ ...d, desil }, "desil"),
    }),
    field<HouseholdForm, { photos: FileRef[] }>("photos", {
      label: "form.step_photos",
      question: (d, c) =>
        media(c, {
          prompt: c.t("daftar.ask_photos"),
          current: { photos: d.photos, voices: [], location: null },
          maxPhotos: 10,
          done: () => c.t("daftar.photos_done"),
          progress: (m, notice) => ({
            text: notice ?? c.t("daftar.photo_received", { count: m.photos.length }),
            markup: new InlineKeyboard().text(c.t("daftar.photos_done"), "f:m:done"),
          }),
          tooMany: { photos: c.t("daftar.photos_max") },
          hint: c.t("daftar.photos_hint"),
        }),
      set: (d, m) => changed({ ...d, photos: m.photos }, "photos"),
    }),
    field<HouseholdForm, "different" | "same">("similar", {
      label: "form.step_similar",
      applies: (d) => d.similar !== null,
      question: (d, c) =>
        choice(c, {
          text:
            (d.similar ?? []).length > 0
              ? c.t("daftar.similar_found", { codes: (d.similar ?? []).map(formatRefCode).join(", "), name: d.headName ?? "" })
              : c.t("trust.similar_elsewhere", { name: d.headName ?? "" }),
          options: [
            { value: "different" as const, label: c.t("daftar.similar_different") },
            { value: "same" as const, label: c.t("daftar.similar_same") },
          ],
        }),
      set: (d, answer) =>
        answer === "same" ? jump(d, "end", "daftar.similar_cancelled") : jump({ ...d, similar: null, similarConfirmed: true }, "save"),
    }),
  ];
}

/** The fields the review offers to change, in order (the step each one opens). */
const REVIEW_FIELDS = ["name", "nik", "kk", "village", "rtrw", "address", "location", "members", "ppks", "housing", "programmes", "needs", "desil", "photos"] as const;

/** The summary of everything entered, with an edit button per field. */
export function householdReview(d: HouseholdForm, c: FlowContext, saveKey = "daftar.save"): ReviewScreen {
  const t = c.t;
  const list = (codes: string[], ns: string) => (codes.length === 0 ? "–" : codes.map((x) => t(`vocab.${ns}.${x}`)).join(", "));
  const members = toMembers(d);
  const memberLines =
    members.length === 0
      ? ""
      : `\n${members
          .map((m, i) => t("daftar.summary_member", { n: i + 1, name: m.name, relationship: t(`vocab.relationship.${m.relationship}`), nik: m.nik ? maskNik(m.nik) : "–" }))
          .join("\n")}`;
  const text = [
    t("daftar.summary_title"),
    t("daftar.summary_head", { name: d.headName ?? "–" }),
    t("daftar.summary_nik", { nik: d.headNik ? maskNik(d.headNik) : "–" }),
    t("daftar.summary_identity", {
      sex: d.headSex ? t(`vocab.sex.${d.headSex}`) : "–",
      date: d.headBirthDate ? formatDateId(d.headBirthDate, c.locale) : "–",
    }),
    t("daftar.summary_kk", { kk: d.kk ? maskKk(d.kk) : "–" }),
    t("daftar.summary_village", { village: d.villageLabel ?? d.villageCode ?? "–" }),
    t("daftar.summary_rtrw", { rt: d.rt ?? "–", rw: d.rw ?? "–" }),
    t("daftar.summary_address", { address: d.address ?? "–" }),
    t("daftar.summary_location", { location: d.location ? `${d.location.latitude.toFixed(5)}, ${d.location.longitude.toFixed(5)}` : "–" }),
    t("daftar.summary_members", { count: d.memberCount ?? "–" }) + memberLines,
    t("daftar.summary_ppks", { list: list(d.ppks, "ppks") }),
    t("daftar.summary_housing", { housing: d.housing ? t(`vocab.housing.${d.housing}`) : "–" }),
    t("daftar.summary_programmes", {
      list: d.programmes.length === 0 ? t("vocab.programme.none") : list(d.programmes, "programme") + (d.programmeOther ? ` (${d.programmeOther})` : ""),
    }),
    t("daftar.summary_needs", { list: list(d.needs, "need") + (d.needsOther ? ` — ${d.needsOther}` : "") }),
    t("daftar.summary_desil", { desil: d.desil ?? t("daftar.desil_unknown") }),
    t("daftar.summary_photos", { count: d.photos.length }),
  ].join("\n");
  return {
    text,
    edits: REVIEW_FIELDS.map((id) => ({ id, label: t(`daftar.edit_${id}`) })),
    save: t(saveKey),
    hint: t("daftar.review_hint"),
  };
}

/** The members whose details were entered (name and relationship), for saving and the summary. */
export function toMembers(d: HouseholdForm): MemberDraft[] {
  const limit = d.memberDetails === "now" && d.memberCount !== null ? d.memberCount - 1 : 0;
  return d.members
    .slice(0, limit)
    .filter((m): m is MemberForm & { relationship: Relationship } => m.name.length > 0 && m.relationship !== null)
    .map((m) => ({ name: m.name, relationship: m.relationship, nik: m.nik, sex: m.sex, birthDate: m.birthDate }));
}

/** The draft as the repository takes it (validated once more). */
export function toHouseholdDraft(d: HouseholdForm): HouseholdDraft {
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
    members: toMembers(d),
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
