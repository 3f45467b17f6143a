import type { FlowDefinition } from "./index.js";
import { truncate } from "../lib/text.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, BACK, choiceKeyboard, textOf, withDb, type Answer, type Parsed } from "./kit/ask.js";
import { custom, field, runForm, type FormIO, type ReviewScreen, type SaveOutcome, type Step } from "./kit/form.js";
import { choice, date, media, multi, text, type FileRef, type LatLng, type MediaLocal, type MediaValue } from "./kit/questions.js";
import { attachmentsLabel, visitFieldLines, formatDate } from "../ui/visit-text.js";
import { parseTypedDate } from "../domain/answers.js";
import { formatRefCode } from "../domain/refcode.js";
import { TEXT_LIMITS } from "../domain/limits.js";
import { INTERVENTION_TYPES, URGENCY_LEVELS, VISIT_PURPOSES, type InterventionType, type Urgency, type VisitPurpose } from "../domain/ppks.js";
import {
  MAX_NOTE_LENGTH,
  MAX_PHOTOS,
  MAX_VISIT_AGE_DAYS,
  MAX_VOICES,
  REFERRAL_TARGETS,
  VISIT_CONDITIONS,
  addDays,
  checkNextVisitDate,
  checkVisitDate,
  daysBetween,
  defaultNextVisitDate,
  isZoneLabel,
  localDate,
  localNoon,
  visitDraftSchema,
  type ReferralTarget,
  type VisitCondition,
  type ZoneLabel,
} from "../domain/visit.js";
import { findVisibleHousehold } from "../db/queries/households.js";
import { insertVisit, listReportableHouseholds } from "../db/queries/visits.js";
import { createAlert, enqueueAlertJobs } from "../db/queries/alerts.js";
import { regionLabel, regionTimezone } from "../db/queries/regions.js";
import { audit } from "../db/queries/audit.js";
import type { Db, User } from "../db/schema.js";

/** Persisted conversation id: never rename without bumping FLOWS_VERSION. */
export const VISIT_REPORT = "visit-report";

const PAGE_SIZE = 8;

interface HouseholdInfo {
  id: number;
  refCode: string;
  headName: string;
  village: string;
  zone: ZoneLabel;
  tz: string;
}

/** What the flow holds while the volunteer answers (plain JSON). */
interface Draft {
  writtenAt: string;
  household: HouseholdInfo | null;
  /** The local day the report was written, in the household's zone. */
  today: string | null;
  visitedOn: string | null;
  purpose: VisitPurpose | null;
  intervention: InterventionType | null;
  conditions: VisitCondition[];
  conditionNote: string | null;
  helpGiven: string | null;
  /** "none" once answered with "no referral". */
  referral: ReferralTarget | "none" | null;
  referralNote: string | null;
  urgency: Urgency | null;
  followUp: boolean | null;
  nextVisitDate: string | null;
  photos: FileRef[];
  voices: FileRef[];
  location: LatLng | null;
}

// === Loading

async function loadHousehold(conversation: Convo, id: number): Promise<HouseholdInfo | null> {
  return withDb(conversation, async (db, _deps, octx) => {
    const user = octx.user;
    if (!user) return null;
    const h = await findVisibleHousehold(db, user, id);
    if (!h || h.anonymized_at) return null;
    const zone = await regionTimezone(db, h.village_code);
    const label = zone && isZoneLabel(zone.label) ? zone.label : "WIB";
    return {
      id: h.id,
      refCode: h.ref_code,
      headName: h.head_name,
      village: (await regionLabel(db, h.village_code, { full: false })) ?? h.village_code,
      zone: label,
      tz: zone?.tz ?? "Asia/Jakarta",
    };
  });
}

async function userToday(db: Db, user: User, now: Date): Promise<string> {
  const zone = user.area_code ? await regionTimezone(db, user.area_code) : null;
  return localDate(now, zone?.tz ?? "Asia/Jakarta");
}

/** The draft with this household: "today" in its zone, and a visit date that is still valid there. */
function withHousehold(d: Draft, info: HouseholdInfo): Draft {
  const today = localDate(new Date(d.writtenAt), info.tz);
  const visitedOn = d.visitedOn !== null && checkVisitDate(parseIso(d.visitedOn), today).ok ? d.visitedOn : null;
  return { ...d, household: info, today, visitedOn };
}

function parseIso(iso: string) {
  const [year, month, day] = iso.split("-").map(Number) as [number, number, number];
  return { year, month, day };
}

// === The household list (its own small conversation: pages and search)

/**
 * The volunteer's households as buttons (⏰ = visit due), 8 per page, with a search by name
 * or code. Only the list's own message counts; a forged household id is refused.
 */
async function pickHousehold(conversation: Convo, first: FlowContext): Promise<{ kind: "value"; value: HouseholdInfo } | { kind: "back" } | { kind: "end" }> {
  let c = first;
  let page = 0;
  let query: string | null = null;
  let prev: FlowContext | null = null;
  for (;;) {
    const list = await withDb(conversation, async (db, deps, octx) => {
      const user = octx.user;
      if (!user) return null;
      const today = await userToday(db, user, deps.now());
      const res = await listReportableHouseholds(db, user, { today, query: query ?? undefined, limit: PAGE_SIZE, offset: page * PAGE_SIZE });
      return { today, ...res };
    });
    if (list === null) {
      await c.reply(c.t("visit.no_access"));
      return { kind: "end" };
    }
    if (list.total === 0 && query === null && page === 0) {
      await c.reply(c.t("visit.no_households"));
      return { kind: "end" };
    }
    const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
    const buttons = list.rows.map((h) => ({
      label: truncate(`${h.next_visit_date !== null && h.next_visit_date <= list.today ? "⏰ " : ""}${formatRefCode(h.ref_code)} · ${h.head_name}`, 60),
      data: `f:hh:${h.id}`,
    }));
    const kb = choiceKeyboard(buttons);
    if (pages > 1) {
      kb.row();
      if (page > 0) kb.text(c.t("common.prev_page"), `f:hh:p:${page - 1}`);
      if (page < pages - 1) kb.text(c.t("common.next_page"), `f:hh:p:${page + 1}`);
    }
    if (query !== null) kb.row().text(c.t("visit.all_households"), "f:hh:all");
    kb.row().text(c.t("common.back"), BACK);
    let shown: string;
    if (query === null) shown = c.t("visit.ask_household", { page: page + 1, pages });
    else if (list.total === 0) shown = c.t("visit.search_none", { query });
    else shown = c.t("visit.search_results", { query, n: list.total, page: page + 1, pages });
    const ids = new Set(list.rows.map((r) => r.id));
    const via: FlowContext | null = prev;
    const a: Answer<{ pick: number } | { page: number } | { query: string | null }> = await ask(conversation, {
      question: async (): Promise<{ message_id: number }> => {
        if (via?.callbackQuery?.message) {
          await via.editMessageText(shown, { reply_markup: kb });
          return { message_id: via.callbackQuery.message.message_id };
        }
        return c.reply(shown, { reply_markup: kb });
      },
      parse: (x): Parsed<{ pick: number } | { page: number } | { query: string | null }> | undefined => {
        const data = x.callbackQuery?.data;
        if (data !== undefined) {
          if (data === "f:hh:all") return { ok: true, value: { query: null } };
          const p = /^f:hh:p:(\d+)$/.exec(data);
          if (p) return { ok: true, value: { page: Number(p[1]) } };
          const m = /^f:hh:(\d+)$/.exec(data);
          if (m && ids.has(Number(m[1]))) return { ok: true, value: { pick: Number(m[1]) } };
          return undefined;
        }
        const typed = textOf(x);
        if (typed === undefined) return undefined;
        if (typed.length < 2) return { ok: false, error: x.t("visit.search_too_short") };
        return { ok: true, value: { query: truncate(typed, TEXT_LIMITS.householdSearch) } };
      },
      hintKey: "visit.household_hint",
    });
    if (a.kind === "back") return { kind: "back" };
    c = a.ctx;
    const v = a.value;
    if ("page" in v) {
      page = v.page;
      prev = a.ctx;
      continue;
    }
    if ("query" in v) {
      query = v.query;
      page = 0;
      prev = v.query === null ? a.ctx : null;
      continue;
    }
    const info = await loadHousehold(conversation, v.pick);
    if (info === null) {
      await c.reply(c.t("visit.not_yours"));
      prev = null;
      continue;
    }
    return { kind: "value", value: info };
  }
}

// === The steps, in the order of the chat

function noteCheck(c: FlowContext) {
  return (s: string): Parsed<string> => {
    if ([...s].length < 2) return { ok: false, error: c.t("visit.text_too_short") };
    if (s.length > MAX_NOTE_LENGTH) return { ok: false, error: c.t("visit.text_too_long", { max: MAX_NOTE_LENGTH, n: s.length }) };
    return { ok: true, value: s };
  };
}

const steps: Step<Draft>[] = [
  custom<Draft, HouseholdInfo>("household", {
    label: "form.step_household",
    missing: (d) => d.household === null,
    run: (io) => pickHousehold(io.conversation, io.ctx),
    set: (d, info) => withHousehold(d, info),
  }),
  field<Draft, string>("date", {
    label: "form.step_visit_date",
    missing: (d) => d.visitedOn === null,
    question: (d, c) => {
      const today = d.today as string;
      const yesterday = addDays(today, -1);
      const short = (iso: string) => formatDate(iso, c.locale);
      return date(c, {
        prompt: c.t("visit.ask_date", { code: formatRefCode(d.household!.refCode), name: d.household!.headName, days: MAX_VISIT_AGE_DAYS }),
        options: [
          { label: c.t("visit.today", { date: short(today) }), value: today },
          { label: c.t("visit.yesterday", { date: short(yesterday) }), value: yesterday },
        ],
        current: d.visitedOn ? { shown: short(d.visitedOn), value: d.visitedOn } : null,
        parse: (s) => {
          const parts = parseTypedDate(s, { today, years: "past" });
          if (!parts) return { ok: false, error: c.t("visit.date_unreadable") };
          const check = checkVisitDate(parts, today);
          if (check.ok) return { ok: true, value: check.value };
          return {
            ok: false,
            error:
              check.problem === "future"
                ? c.t("visit.date_future", { today: short(today) })
                : c.t("visit.date_too_old", { days: MAX_VISIT_AGE_DAYS, from: short(addDays(today, -MAX_VISIT_AGE_DAYS)) }),
          };
        },
        hint: c.t("visit.date_hint"),
      });
    },
    set: (d, visitedOn) => ({ ...d, visitedOn }),
  }),
  field<Draft, VisitPurpose>("purpose", {
    label: "form.step_purpose",
    missing: (d) => d.purpose === null,
    question: (d, c) =>
      choice(c, {
        text: c.t("visit.ask_purpose"),
        options: VISIT_PURPOSES.map((p) => ({ value: p, label: c.t(`vocab.purpose.${p}`) })),
        current: d.purpose,
      }),
    set: (d, purpose) => ({ ...d, purpose }),
  }),
  field<Draft, InterventionType>("intervention", {
    label: "form.step_intervention",
    missing: (d) => d.intervention === null,
    question: (d, c) =>
      choice(c, {
        text: c.t("visit.ask_intervention"),
        options: INTERVENTION_TYPES.map((p) => ({ value: p, label: c.t(`vocab.intervention.${p}`) })),
        current: d.intervention,
      }),
    set: (d, intervention) => ({ ...d, intervention }),
  }),
  field<Draft, VisitCondition[]>("conditions", {
    label: "form.step_conditions",
    missing: (d) => d.conditions.length === 0,
    question: (d, c) =>
      multi(c, {
        text: c.t("visit.ask_conditions"),
        options: VISIT_CONDITIONS.map((code) => ({ value: code, label: c.t(`visit.condition.${code}`) })),
        current: d.conditions,
        min: 1,
        minMessage: c.t("visit.conditions_empty"),
        minAs: "toast",
        // "Keadaan baik" excludes the problems, and the other way round.
        exclusive: ["stabil"],
        columns: 2,
        pageSize: VISIT_CONDITIONS.length,
        done: () => c.t("visit.conditions_done"),
        hintLine: false,
        hint: c.t("visit.conditions_hint"),
      }),
    set: (d, conditions) => ({ ...d, conditions }),
  }),
  field<Draft, string | null>("condition_note", {
    label: "form.step_condition_note",
    missing: (d) => d.conditions.includes("lainnya") && !d.conditionNote,
    question: (d, c) => {
      const required = d.conditions.includes("lainnya");
      return text(c, {
        prompt: c.t(required ? "visit.ask_condition_note_required" : "visit.ask_condition_note"),
        skip: required ? false : c.t("common.skip"),
        current: d.conditionNote ? { shown: truncate(d.conditionNote, 200), value: d.conditionNote } : null,
        validate: noteCheck(c),
      });
    },
    set: (d, conditionNote) => ({ ...d, conditionNote }),
  }),
  field<Draft, string | null>("help", {
    label: "form.step_help",
    question: (d, c) =>
      text(c, {
        prompt: c.t("visit.ask_help"),
        skip: c.t("visit.help_none"),
        current: d.helpGiven ? { shown: truncate(d.helpGiven, 200), value: d.helpGiven } : null,
        validate: noteCheck(c),
      }),
    set: (d, helpGiven) => ({ ...d, helpGiven }),
  }),
  field<Draft, ReferralTarget | "none">("referral", {
    label: "form.step_referral",
    missing: (d) => d.referral === null,
    question: (d, c) =>
      choice<ReferralTarget | "none">(c, {
        text: c.t("visit.ask_referral"),
        options: [
          { value: "none", label: c.t("visit.referral_none") },
          ...REFERRAL_TARGETS.map((r) => ({ value: r, label: c.t(`visit.referral.${r}`) })),
        ],
        columns: 2,
        current: d.referral,
      }),
    set: (d, referral) => ({ ...d, referral, referralNote: referral === d.referral ? d.referralNote : null }),
  }),
  field<Draft, string | null>("referral_note", {
    label: "form.step_referral_note",
    with: "referral",
    applies: (d) => d.referral === "lainnya",
    missing: (d) => !d.referralNote,
    question: (d, c) =>
      text(c, {
        prompt: c.t("visit.ask_referral_note"),
        current: d.referralNote ? { shown: d.referralNote, value: d.referralNote } : null,
        validate: noteCheck(c),
      }),
    set: (d, referralNote) => ({ ...d, referralNote }),
  }),
  field<Draft, Urgency>("urgency", {
    label: "form.step_urgency",
    missing: (d) => d.urgency === null,
    question: (d, c) =>
      choice(c, {
        text: c.t("visit.ask_urgency"),
        options: URGENCY_LEVELS.map((u) => ({ value: u, label: c.t(`vocab.urgency.${u}`), aliases: u === "darurat" ? ["gawat", "mendesak", "urgent"] : [] })),
        current: d.urgency,
      }),
    set: (d, urgency) => ({ ...d, urgency }),
  }),
  field<Draft, boolean>("follow_up", {
    label: "form.step_follow_up",
    missing: (d) => d.followUp === null,
    question: (d, c) =>
      choice(c, {
        text: c.t("visit.ask_follow_up"),
        options: [
          { value: true, label: c.t("common.yes") },
          { value: false, label: c.t("common.no") },
        ],
        columns: 2,
        current: d.followUp,
      }),
    set: (d, followUp) => ({ ...d, followUp, nextVisitDate: followUp ? d.nextVisitDate : null }),
  }),
  field<Draft, string>("next_date", {
    label: "form.step_next_date",
    with: "follow_up",
    applies: (d) => d.followUp === true,
    missing: (d) => !d.nextVisitDate,
    question: (d, c) => {
      const today = d.today as string;
      const visitedOn = d.visitedOn as string;
      const suggested = defaultNextVisitDate(visitedOn, today, d.urgency ?? "biasa");
      const options: string[] = [];
      for (const iso of [suggested, addDays(visitedOn, 7), addDays(visitedOn, 14), addDays(visitedOn, 30)]) {
        if (daysBetween(today, iso) >= 1 && !options.includes(iso)) options.push(iso);
      }
      return date(c, {
        prompt: c.t("visit.ask_next_date"),
        options: options.map((iso, i) => ({
          label: c.t(i === 0 ? "visit.next_suggested" : "visit.next_option", { date: formatDate(iso, c.locale), days: daysBetween(visitedOn, iso) }),
          value: iso,
        })),
        current: d.nextVisitDate ? { shown: formatDate(d.nextVisitDate, c.locale), value: d.nextVisitDate } : null,
        parse: (s) => {
          const parts = parseTypedDate(s, { today, years: "future" });
          if (!parts) return { ok: false, error: c.t("visit.date_unreadable") };
          const check = checkNextVisitDate(parts, today);
          if (check.ok) return { ok: true, value: check.value };
          return { ok: false, error: c.t(check.problem === "too_far" ? "visit.next_too_far" : "visit.next_not_after_today") };
        },
        hint: c.t("visit.date_hint"),
      });
    },
    set: (d, nextVisitDate) => ({ ...d, nextVisitDate }),
  }),
  field<Draft, MediaValue, MediaLocal>("media", {
    label: "form.step_media",
    question: (d, c) => {
      const label = (m: MediaValue) => attachmentsLabel(c.t, { photos: m.photos.length, voices: m.voices.length, hasLocation: m.location !== null });
      const done = (m: MediaValue) => (m.photos.length + m.voices.length + (m.location ? 1 : 0) > 0 ? c.t("visit.media_done") : c.t("common.skip"));
      return media(c, {
        prompt: c.t("visit.ask_media", { photos: MAX_PHOTOS }),
        current: { photos: d.photos, voices: d.voices, location: d.location },
        maxPhotos: MAX_PHOTOS,
        maxVoices: MAX_VOICES,
        location: true,
        done,
        progress: (m, notice) => ({
          text: `${notice ? `${notice}\n` : ""}${c.t("visit.media_more", { list: label(m) })}`,
          markup: choiceKeyboard([{ label: done(m), data: "f:m:done" }], { back: c.t("common.back") }),
        }),
        tooMany: { photos: c.t("visit.too_many_photos", { max: MAX_PHOTOS }), voices: c.t("visit.too_many_voices", { max: MAX_VOICES }) },
        hint: c.t("visit.media_hint"),
      });
    },
    set: (d, m) => ({ ...d, photos: m.photos, voices: m.voices, location: m.location }),
  }),
];

/** Steps the review offers to change, in display order. */
const EDITABLE = ["household", "date", "purpose", "intervention", "conditions", "condition_note", "help", "referral", "urgency", "follow_up", "media"];

function fieldsOf(d: Draft) {
  return {
    visitedOn: d.visitedOn,
    purpose: d.purpose,
    intervention: d.intervention,
    conditions: d.conditions,
    conditionNote: d.conditionNote,
    helpGiven: d.helpGiven,
    referral: d.referral === "none" ? null : d.referral,
    referralNote: d.referralNote,
    urgency: d.urgency,
    followUp: d.followUp,
    nextVisitDate: d.nextVisitDate,
    photos: d.photos.length,
    voices: d.voices.length,
    hasLocation: d.location !== null,
  };
}

function review(d: Draft, c: FlowContext): ReviewScreen {
  const h = d.household!;
  return {
    text: [
      c.t("visit.review_title"),
      c.t("visit.f_household", { code: formatRefCode(h.refCode), name: h.headName, village: h.village }),
      ...visitFieldLines(c.t, c.locale, fieldsOf(d)),
      "",
      d.urgency === "darurat" ? c.t("visit.review_hint_darurat") : c.t("visit.review_hint"),
    ].join("\n"),
    edits: EDITABLE.map((id) => ({ id, label: c.t(`visit.edit_${id}`) })),
    save: c.t("visit.save"),
    saveFirst: true,
    back: true,
    hint: c.t("visit.review_buttons"),
  };
}

type SaveResult = { ok: true; visitId: number; alertId: number | null } | { ok: false; reason: "not_yours" | "invalid" };

/** Saves in the update's transaction, after checking once more that the household is the user's. */
async function saveVisit(conversation: Convo, d: Draft): Promise<SaveResult> {
  return withDb(conversation, async (db, deps, octx): Promise<SaveResult> => {
    const user = octx.user;
    const h = user && d.household ? await findVisibleHousehold(db, user, d.household.id) : undefined;
    if (!user || !h || h.anonymized_at) return { ok: false, reason: "not_yours" };
    const parsed = visitDraftSchema.safeParse({
      householdId: h.id,
      writtenAt: d.writtenAt,
      visitedOn: d.visitedOn,
      purpose: d.purpose,
      intervention: d.intervention,
      conditions: d.conditions,
      conditionNote: d.conditionNote,
      helpGiven: d.helpGiven,
      referral: d.referral === "none" ? null : d.referral,
      referralNote: d.referral === "lainnya" ? d.referralNote : null,
      urgency: d.urgency,
      followUp: d.followUp,
      nextVisitDate: d.followUp ? d.nextVisitDate : null,
      photos: d.photos,
      voices: d.voices,
      location: d.location,
    });
    if (!parsed.success) {
      octx.log.warn({ issues: parsed.error.issues.map((i) => i.path.join(".")) }, "visit draft rejected");
      return { ok: false, reason: "invalid" };
    }
    const draft = parsed.data;
    const zone = d.household!.zone;
    const writtenAt = new Date(draft.writtenAt);
    const visitedAt = draft.visitedOn === localDate(writtenAt, d.household!.tz) ? writtenAt : localNoon(draft.visitedOn, zone);
    const now = deps.now();
    const visitId = await insertVisit(db, draft, { userId: user.id, now, visitedAt });
    let alertId: number | null = null;
    if (draft.urgency === "darurat") {
      alertId = await createAlert(db, { visitId, householdId: h.id, areaCode: h.village_code, now });
      await enqueueAlertJobs(db, alertId, { now, escalateMinutes: deps.config.ALERT_ESCALATE_MINUTES });
    }
    await audit(db, {
      actorId: user.id,
      action: "visit.created",
      entity: "visit",
      entityId: visitId,
      details: {
        householdId: h.id,
        purpose: draft.purpose,
        urgency: draft.urgency,
        followUp: draft.followUp,
        photos: draft.photos.length,
        voices: draft.voices.length,
        lateMinutes: Math.max(0, Math.round((now.getTime() - writtenAt.getTime()) / 60_000)),
        ...(alertId !== null ? { alertId } : {}),
      },
    });
    return { ok: true, visitId, alertId };
  });
}

async function save(io: FormIO, d: Draft): Promise<SaveOutcome<Draft>> {
  const c = io.ctx;
  const saved = await saveVisit(io.conversation, d);
  if (!saved.ok) {
    await c.reply(c.t(saved.reason === "not_yours" ? "visit.not_yours" : "visit.save_failed"));
    return saved.reason === "not_yours" ? { kind: "done" } : { kind: "review" };
  }
  const lines = [c.t("visit.saved", { code: formatRefCode(d.household!.refCode) })];
  if (d.nextVisitDate) lines.push(c.t("visit.saved_next", { date: formatDate(d.nextVisitDate, c.locale) }));
  if (d.urgency === "darurat") lines.push(c.t("visit.saved_darurat"));
  else if (d.urgency === "perhatian") lines.push(c.t("visit.saved_perhatian"));
  await c.reply(lines.join("\n"));
  return { kind: "done" };
}

// === The flow

/**
 * /kunjungan and "Laporkan kunjungan": one visit report, step by step, with "Kembali" on
 * every step, a review where any field can be changed, and one transaction on save.
 * "Today" is the day the first report message was written (Telegram's message.date), so a
 * report typed offline and delivered late keeps its day and time.
 */
async function visitReport(conversation: Convo, ctx: FlowContext, householdArg?: unknown): Promise<void> {
  const nowIso = await withDb(conversation, async (_db, deps) => deps.now().toISOString());
  const now = new Date(nowIso).getTime();
  const sentAt = ctx.message?.date !== undefined ? ctx.message.date * 1000 : now;
  let draft: Draft = {
    writtenAt: new Date(Math.min(sentAt, now)).toISOString(),
    household: null,
    today: null,
    visitedOn: null,
    purpose: null,
    intervention: null,
    conditions: [],
    conditionNote: null,
    helpGiven: null,
    referral: null,
    referralNote: null,
    urgency: null,
    followUp: null,
    nextVisitDate: null,
    photos: [],
    voices: [],
    location: null,
  };
  let start = "household";
  if (typeof householdArg === "number") {
    const info = await loadHousehold(conversation, householdArg);
    if (info === null) {
      await ctx.reply(ctx.t("visit.not_yours"));
      return;
    }
    draft = withHousehold(draft, info);
    start = "date";
  }
  await runForm(
    conversation,
    ctx,
    {
      id: VISIT_REPORT,
      flow: "form.flow_visit",
      steps,
      start,
      backFromFirst: "exit",
      onExit: async (io) => {
        await io.ctx.reply(io.ctx.t("visit.left"));
      },
      review,
      save,
    },
    draft,
  );
}

export const visitReportFlow: FlowDefinition = { id: VISIT_REPORT, builder: visitReport };
