import type { FlowDefinition } from "./index.js";
import { truncate } from "../lib/text.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, BACK, choiceKeyboard, textOf, withDb, type Answer, type Parsed } from "./kit/ask.js";
import { attachmentsLabel, visitFieldLines, formatDate } from "./visit-text.js";
import { parseIndonesianDate } from "../domain/dates.js";
import { formatRefCode } from "../domain/refcode.js";
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

type Step =
  | "household"
  | "date"
  | "purpose"
  | "intervention"
  | "conditions"
  | "condition_note"
  | "help"
  | "referral"
  | "referral_note"
  | "urgency"
  | "follow_up"
  | "next_date"
  | "media"
  | "review";

/** Steps that the review offers to change, in display order. */
const EDITABLE: Step[] = [
  "household",
  "date",
  "purpose",
  "intervention",
  "conditions",
  "condition_note",
  "help",
  "referral",
  "urgency",
  "follow_up",
  "media",
];

interface HouseholdInfo {
  id: number;
  refCode: string;
  headName: string;
  village: string;
  zone: ZoneLabel;
  tz: string;
}

interface FileRef {
  fileId: string;
  fileUniqueId: string | null;
}

/** What the flow holds while the volunteer answers (plain JSON: it is replayed). */
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
  location: { latitude: number; longitude: number } | null;
}

type StepOutcome = { go: "next" | "back"; ctx: FlowContext } | { go: "exit"; ctx: FlowContext };

// === Small question helpers (buttons are bound to their own message: stale taps are refused)

interface Option<T> {
  value: T;
  label: string;
}

function boundData(c: FlowContext, messageId: number | undefined): string | undefined {
  const data = c.callbackQuery?.data;
  if (data === undefined || data === BACK) return undefined;
  return c.callbackQuery?.message?.message_id === messageId ? data : undefined;
}

/** One choice from buttons (typing a button's label works too). */
async function askOne<T>(
  conversation: Convo,
  c: FlowContext,
  opts: { text: string; options: Option<T>[]; columns?: number; current?: T | null },
): Promise<Answer<T>> {
  let qid: number | undefined;
  const kb = choiceKeyboard(
    opts.options.map((o, i) => ({ label: `${o.value === opts.current ? "✓ " : ""}${o.label}`, data: `f:o:${i}` })),
    { back: c.t("common.back"), columns: opts.columns },
  );
  return ask<T>(conversation, {
    question: async () => {
      qid = (await c.reply(opts.text, { reply_markup: kb })).message_id;
    },
    parse: (x) => {
      const data = boundData(x, qid);
      const m = data === undefined ? null : /^f:o:(\d+)$/.exec(data);
      if (m) {
        const o = opts.options[Number(m[1])];
        return o ? { ok: true, value: o.value } : undefined;
      }
      const text = textOf(x)?.toLowerCase();
      const typed = text ? opts.options.find((o) => o.label.toLowerCase() === text) : undefined;
      return typed ? { ok: true, value: typed.value } : undefined;
    },
    hintKey: "flow.use_buttons",
  });
}

/** Free text (with an optional Skip button that answers null). */
async function askText(
  conversation: Convo,
  c: FlowContext,
  opts: { text: string; skipLabel?: string },
): Promise<Answer<string | null>> {
  let qid: number | undefined;
  const kb = choiceKeyboard(opts.skipLabel ? [{ label: opts.skipLabel, data: "f:skip" }] : [], { back: c.t("common.back") });
  return ask<string | null>(conversation, {
    question: async () => {
      qid = (await c.reply(opts.text, { reply_markup: kb })).message_id;
    },
    parse: (x) => {
      if (opts.skipLabel && boundData(x, qid) === "f:skip") return { ok: true, value: null };
      const text = textOf(x);
      if (text === undefined) return undefined;
      if (opts.skipLabel && /^(-|lewati|skip|tidak ada)$/i.test(text)) return { ok: true, value: null };
      if (text.length < 2) return { ok: false, error: x.t("visit.text_too_short") };
      if (text.length > MAX_NOTE_LENGTH) return { ok: false, error: x.t("visit.text_too_long", { max: MAX_NOTE_LENGTH, n: text.length }) };
      return { ok: true, value: text };
    },
    hintKey: "flow.send_text",
  });
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

// === Steps

async function stepHousehold(conversation: Convo, c: FlowContext, d: Draft): Promise<StepOutcome> {
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
      return { go: "exit", ctx: c };
    }
    if (list.total === 0 && query === null && page === 0) {
      await c.reply(c.t("visit.no_households"));
      return { go: "exit", ctx: c };
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
    let text: string;
    if (query === null) text = c.t("visit.ask_household", { page: page + 1, pages });
    else if (list.total === 0) text = c.t("visit.search_none", { query });
    else text = c.t("visit.search_results", { query, n: list.total, page: page + 1, pages });
    const ids = new Set(list.rows.map((r) => r.id));
    let qid: number | undefined;
    const a: Answer<{ pick: number } | { page: number } | { query: string | null }> = await ask(conversation, {
      question: async () => {
        if (prev?.callbackQuery?.message) {
          await prev.editMessageText(text, { reply_markup: kb });
          qid = prev.callbackQuery.message.message_id;
        } else {
          qid = (await c.reply(text, { reply_markup: kb })).message_id;
        }
      },
      parse: (x): Parsed<{ pick: number } | { page: number } | { query: string | null }> | undefined => {
        const data = boundData(x, qid);
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
        return { ok: true, value: { query: truncate(typed, 60) } };
      },
      hintKey: "visit.household_hint",
    });
    if (a.kind === "back") return { go: "back", ctx: a.ctx };
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
    d.household = info;
    d.today = localDate(new Date(d.writtenAt), info.tz);
    if (d.visitedOn !== null && !checkVisitDate(parseIso(d.visitedOn), d.today).ok) d.visitedOn = null;
    return { go: "next", ctx: c };
  }
}

function parseIso(iso: string) {
  const [year, month, day] = iso.split("-").map(Number) as [number, number, number];
  return { year, month, day };
}

async function stepDate(conversation: Convo, c: FlowContext, d: Draft): Promise<StepOutcome> {
  const today = d.today as string;
  const yesterday = addDays(today, -1);
  const short = (iso: string) => formatDate(iso, c.locale);
  let qid: number | undefined;
  const kb = choiceKeyboard(
    [
      { label: c.t("visit.today", { date: short(today) }), data: "f:d:0" },
      { label: c.t("visit.yesterday", { date: short(yesterday) }), data: "f:d:1" },
    ],
    { back: c.t("common.back"), columns: 1 },
  );
  const a = await ask<string>(conversation, {
    question: async () => {
      qid = (
        await c.reply(
          c.t("visit.ask_date", { code: formatRefCode(d.household!.refCode), name: d.household!.headName, days: MAX_VISIT_AGE_DAYS }),
          { reply_markup: kb },
        )
      ).message_id;
    },
    parse: (x) => {
      const data = boundData(x, qid);
      if (data === "f:d:0") return { ok: true, value: today };
      if (data === "f:d:1") return { ok: true, value: yesterday };
      if (data !== undefined) return undefined;
      const text = textOf(x);
      if (text === undefined) return undefined;
      if (/^(hari ini|today)$/i.test(text)) return { ok: true, value: today };
      if (/^(kemarin|yesterday)$/i.test(text)) return { ok: true, value: yesterday };
      const parts = parseIndonesianDate(text);
      if (!parts) return { ok: false, error: x.t("visit.date_unreadable") };
      const check = checkVisitDate(parts, today);
      if (check.ok) return { ok: true, value: check.value };
      return {
        ok: false,
        error:
          check.problem === "future"
            ? x.t("visit.date_future", { today: short(today) })
            : x.t("visit.date_too_old", { days: MAX_VISIT_AGE_DAYS, from: short(addDays(today, -MAX_VISIT_AGE_DAYS)) }),
      };
    },
    hintKey: "visit.date_hint",
  });
  if (a.kind === "back") return { go: "back", ctx: a.ctx };
  d.visitedOn = a.value;
  return { go: "next", ctx: a.ctx };
}

async function stepConditions(conversation: Convo, c: FlowContext, d: Draft): Promise<StepOutcome> {
  const selected = new Set<VisitCondition>(d.conditions);
  let qid: number | undefined;
  let toggled: FlowContext | null = null;
  for (;;) {
    const kb = choiceKeyboard(
      VISIT_CONDITIONS.map((code, i) => ({ label: `${selected.has(code) ? "✅" : "▫️"} ${c.t(`visit.condition.${code}`)}`, data: `f:c:${i}` })),
      { columns: 2 },
    );
    kb.row().text(c.t("visit.conditions_done"), "f:c:done").row().text(c.t("common.back"), BACK);
    const a = await ask<VisitCondition | "done">(conversation, {
      question: async () => {
        if (toggled?.callbackQuery?.message) await toggled.editMessageReplyMarkup({ reply_markup: kb });
        else qid = (await c.reply(c.t("visit.ask_conditions"), { reply_markup: kb })).message_id;
      },
      parse: (x) => {
        const data = boundData(x, qid);
        if (data === "f:c:done") {
          return selected.size > 0 ? { ok: true, value: "done" } : { ok: false, error: x.t("visit.conditions_empty") };
        }
        const m = data === undefined ? null : /^f:c:(\d+)$/.exec(data);
        const code = m ? VISIT_CONDITIONS[Number(m[1])] : undefined;
        return code ? { ok: true, value: code } : undefined;
      },
      hintKey: "visit.conditions_hint",
    });
    if (a.kind === "back") return { go: "back", ctx: a.ctx };
    if (a.value === "done") {
      d.conditions = VISIT_CONDITIONS.filter((code) => selected.has(code));
      return { go: "next", ctx: a.ctx };
    }
    if (selected.has(a.value)) selected.delete(a.value);
    else selected.add(a.value);
    // "Keadaan baik" excludes the problems and the other way round.
    if (a.value === "stabil" && selected.has("stabil")) for (const code of [...selected]) if (code !== "stabil") selected.delete(code);
    if (a.value !== "stabil" && selected.has(a.value)) selected.delete("stabil");
    toggled = a.ctx;
  }
}

async function stepMedia(conversation: Convo, c: FlowContext, d: Draft): Promise<StepOutcome> {
  let first = true;
  let notice: string | null = null;
  for (;;) {
    const attached = d.photos.length + d.voices.length + (d.location ? 1 : 0);
    let qid: number | undefined;
    const kb = choiceKeyboard([{ label: attached > 0 ? c.t("visit.media_done") : c.t("common.skip"), data: "f:m:done" }], {
      back: c.t("common.back"),
    });
    let text: string;
    if (first) text = c.t("visit.ask_media", { photos: MAX_PHOTOS });
    else text = `${notice ? `${notice}\n` : ""}${c.t("visit.media_more", { list: attachmentsLabel(c.t, { photos: d.photos.length, voices: d.voices.length, hasLocation: d.location !== null }) })}`;
    type Media =
      | { kind: "done" }
      | { kind: "photo" | "voice"; file: FileRef }
      | { kind: "location"; latitude: number; longitude: number };
    const a = await ask<Media>(conversation, {
      question: async () => {
        qid = (await c.reply(text, { reply_markup: kb })).message_id;
      },
      parse: (x) => {
        if (boundData(x, qid) === "f:m:done") return { ok: true, value: { kind: "done" } };
        const msg = x.message;
        if (!msg) return undefined;
        if (msg.photo && msg.photo.length > 0) {
          const best = msg.photo[msg.photo.length - 1]!;
          return { ok: true, value: { kind: "photo", file: { fileId: best.file_id, fileUniqueId: best.file_unique_id ?? null } } };
        }
        if (msg.voice) return { ok: true, value: { kind: "voice", file: { fileId: msg.voice.file_id, fileUniqueId: msg.voice.file_unique_id ?? null } } };
        if (msg.location) return { ok: true, value: { kind: "location", latitude: msg.location.latitude, longitude: msg.location.longitude } };
        const text = textOf(x);
        if (text !== undefined && /^(selesai|lewati|skip|done|-)$/i.test(text)) return { ok: true, value: { kind: "done" } };
        return undefined;
      },
      hintKey: "visit.media_hint",
    });
    if (a.kind === "back") return { go: "back", ctx: a.ctx };
    c = a.ctx;
    first = false;
    notice = null;
    const v = a.value;
    if (v.kind === "done") return { go: "next", ctx: c };
    if (v.kind === "photo" && "file" in v) {
      if (d.photos.length >= MAX_PHOTOS) notice = c.t("visit.too_many_photos", { max: MAX_PHOTOS });
      else if (!d.photos.some((p) => p.fileUniqueId !== null && p.fileUniqueId === v.file.fileUniqueId)) d.photos.push(v.file);
    } else if (v.kind === "voice" && "file" in v) {
      if (d.voices.length >= MAX_VOICES) notice = c.t("visit.too_many_voices", { max: MAX_VOICES });
      else d.voices.push(v.file);
    } else if (v.kind === "location") {
      d.location = { latitude: v.latitude, longitude: v.longitude };
    }
  }
}

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

type ReviewChoice = { kind: "save" } | { kind: "edit"; step: Step };

async function stepReview(conversation: Convo, c: FlowContext, d: Draft): Promise<Answer<ReviewChoice>> {
  const h = d.household!;
  const text = [
    c.t("visit.review_title"),
    c.t("visit.f_household", { code: formatRefCode(h.refCode), name: h.headName, village: h.village }),
    ...visitFieldLines(c.t, c.locale, fieldsOf(d)),
    "",
    d.urgency === "darurat" ? c.t("visit.review_hint_darurat") : c.t("visit.review_hint"),
  ].join("\n");
  const kb = choiceKeyboard([{ label: c.t("visit.save"), data: "f:save" }]);
  kb.row();
  EDITABLE.forEach((step, i) => {
    kb.text(c.t(`visit.edit_${step}`), `f:e:${step}`);
    if (i % 2 === 1) kb.row();
  });
  kb.row().text(c.t("common.back"), BACK);
  let qid: number | undefined;
  return ask<ReviewChoice>(conversation, {
    question: async () => {
      qid = (await c.reply(text, { reply_markup: kb })).message_id;
    },
    parse: (x) => {
      const data = boundData(x, qid);
      if (data === "f:save") return { ok: true, value: { kind: "save" } };
      const m = data === undefined ? null : /^f:e:(\w+)$/.exec(data);
      if (m && EDITABLE.includes(m[1] as Step)) return { ok: true, value: { kind: "edit", step: m[1] as Step } };
      const typed = textOf(x);
      if (typed !== undefined && /^(simpan|save)$/i.test(typed)) return { ok: true, value: { kind: "save" } };
      return undefined;
    },
    hintKey: "visit.review_buttons",
  });
}

// === Navigation

/** The steps in order; some apply only after certain answers. */
const STEP_ORDER: readonly Step[] = [
  "household",
  "date",
  "purpose",
  "intervention",
  "conditions",
  "condition_note",
  "help",
  "referral",
  "referral_note",
  "urgency",
  "follow_up",
  "next_date",
  "media",
  "review",
];

function applies(step: Step, d: Draft): boolean {
  if (step === "referral_note") return d.referral === "lainnya";
  if (step === "next_date") return d.followUp === true;
  return true;
}

function nextStep(step: Step, d: Draft): Step {
  const after = STEP_ORDER.slice(STEP_ORDER.indexOf(step) + 1).find((s) => applies(s, d));
  return after ?? "review";
}

function prevStep(step: Step, d: Draft): Step | null {
  const before = STEP_ORDER.slice(0, STEP_ORDER.indexOf(step)).reverse().find((s) => applies(s, d));
  return before ?? null;
}

/** The first step whose answer is missing (e.g. after the household changed), or null. */
function firstMissing(d: Draft): Step | null {
  if (d.household === null) return "household";
  if (d.visitedOn === null) return "date";
  if (d.purpose === null) return "purpose";
  if (d.intervention === null) return "intervention";
  if (d.conditions.length === 0) return "conditions";
  if (d.conditions.includes("lainnya") && !d.conditionNote) return "condition_note";
  if (d.referral === null) return "referral";
  if (d.referral === "lainnya" && !d.referralNote) return "referral_note";
  if (d.urgency === null) return "urgency";
  if (d.followUp === null) return "follow_up";
  if (d.followUp && !d.nextVisitDate) return "next_date";
  return null;
}

/** After changing one field from the review: whatever that change makes necessary, then review. */
function nextAfterEdit(step: Step, d: Draft): Step {
  if (step === "conditions" && d.conditions.includes("lainnya") && !d.conditionNote) return "condition_note";
  // Choosing "lainnya" or "Ya" again still lets the name or the date be changed.
  if (step === "referral" && d.referral === "lainnya") return "referral_note";
  if (step === "follow_up" && d.followUp) return "next_date";
  return "review";
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
  const d: Draft = {
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
  let c = ctx;
  let step: Step = "household";
  if (typeof householdArg === "number") {
    const info = await loadHousehold(conversation, householdArg);
    if (info === null) {
      await c.reply(c.t("visit.not_yours"));
      return;
    }
    d.household = info;
    d.today = localDate(new Date(d.writtenAt), info.tz);
    step = "date";
  }
  let editing = false;

  for (;;) {
    let out: StepOutcome;
    switch (step) {
      case "household":
        out = await stepHousehold(conversation, c, d);
        break;
      case "date":
        out = await stepDate(conversation, c, d);
        break;
      case "purpose": {
        const a = await askOne(conversation, c, {
          text: c.t("visit.ask_purpose"),
          options: VISIT_PURPOSES.map((p) => ({ value: p, label: c.t(`vocab.purpose.${p}`) })),
          current: d.purpose,
        });
        if (a.kind === "value") d.purpose = a.value;
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "intervention": {
        const a = await askOne(conversation, c, {
          text: c.t("visit.ask_intervention"),
          options: INTERVENTION_TYPES.map((p) => ({ value: p, label: c.t(`vocab.intervention.${p}`) })),
          current: d.intervention,
        });
        if (a.kind === "value") d.intervention = a.value;
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "conditions":
        out = await stepConditions(conversation, c, d);
        break;
      case "condition_note": {
        const required = d.conditions.includes("lainnya");
        const a = await askText(conversation, c, {
          text: c.t(required ? "visit.ask_condition_note_required" : "visit.ask_condition_note"),
          skipLabel: required ? undefined : c.t("common.skip"),
        });
        if (a.kind === "value") d.conditionNote = a.value;
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "help": {
        const a = await askText(conversation, c, { text: c.t("visit.ask_help"), skipLabel: c.t("visit.help_none") });
        if (a.kind === "value") d.helpGiven = a.value;
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "referral": {
        const a = await askOne<ReferralTarget | "none">(conversation, c, {
          text: c.t("visit.ask_referral"),
          options: [
            { value: "none", label: c.t("visit.referral_none") },
            ...REFERRAL_TARGETS.map((r) => ({ value: r, label: c.t(`visit.referral.${r}`) })),
          ],
          columns: 2,
          current: d.referral,
        });
        if (a.kind === "value") {
          if (a.value !== d.referral) d.referralNote = null;
          d.referral = a.value;
        }
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "referral_note": {
        const a = await askText(conversation, c, { text: c.t("visit.ask_referral_note") });
        if (a.kind === "value") d.referralNote = a.value;
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "urgency": {
        const a = await askOne(conversation, c, {
          text: c.t("visit.ask_urgency"),
          options: URGENCY_LEVELS.map((u) => ({ value: u, label: c.t(`vocab.urgency.${u}`) })),
          current: d.urgency,
        });
        if (a.kind === "value") d.urgency = a.value;
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "follow_up": {
        const a = await askOne(conversation, c, {
          text: c.t("visit.ask_follow_up"),
          options: [
            { value: true, label: c.t("common.yes") },
            { value: false, label: c.t("common.no") },
          ],
          columns: 2,
          current: d.followUp,
        });
        if (a.kind === "value") {
          d.followUp = a.value;
          if (!a.value) d.nextVisitDate = null;
        }
        out = { go: a.kind === "back" ? "back" : "next", ctx: a.ctx };
        break;
      }
      case "next_date":
        out = await stepNextDate(conversation, c, d);
        break;
      case "media":
        out = await stepMedia(conversation, c, d);
        break;
      case "review": {
        const missing = firstMissing(d);
        if (missing !== null) {
          step = missing;
          editing = true;
          continue;
        }
        const a = await stepReview(conversation, c, d);
        c = a.ctx;
        if (a.kind === "back") {
          step = "media";
          editing = false;
          continue;
        }
        if (a.value.kind === "edit") {
          step = a.value.step;
          editing = true;
          continue;
        }
        const saved = await save(conversation, d);
        if (!saved.ok) {
          await c.reply(c.t(saved.reason === "not_yours" ? "visit.not_yours" : "visit.save_failed"));
          if (saved.reason === "not_yours") return;
          continue;
        }
        const lines = [c.t("visit.saved", { code: formatRefCode(d.household!.refCode) })];
        if (d.nextVisitDate) lines.push(c.t("visit.saved_next", { date: formatDate(d.nextVisitDate, c.locale) }));
        if (d.urgency === "darurat") lines.push(c.t("visit.saved_darurat"));
        else if (d.urgency === "perhatian") lines.push(c.t("visit.saved_perhatian"));
        await c.reply(lines.join("\n"));
        return;
      }
    }
    c = out.ctx;
    if (out.go === "exit") return;
    if (out.go === "back") {
      if (editing) {
        step = "review";
        continue;
      }
      const prev = prevStep(step, d);
      if (prev === null) {
        await c.reply(c.t("visit.left"));
        return;
      }
      step = prev;
      continue;
    }
    step = editing ? nextAfterEdit(step, d) : nextStep(step, d);
  }
}

async function stepNextDate(conversation: Convo, c: FlowContext, d: Draft): Promise<StepOutcome> {
  const today = d.today as string;
  const visitedOn = d.visitedOn as string;
  const urgency = d.urgency ?? "biasa";
  const suggested = defaultNextVisitDate(visitedOn, today, urgency);
  const candidates = [suggested, addDays(visitedOn, 7), addDays(visitedOn, 14), addDays(visitedOn, 30)];
  const options: string[] = [];
  for (const iso of candidates) if (daysBetween(today, iso) >= 1 && !options.includes(iso)) options.push(iso);
  let qid: number | undefined;
  const kb = choiceKeyboard(
    options.map((iso, i) => ({
      label: c.t(i === 0 ? "visit.next_suggested" : "visit.next_option", { date: formatDate(iso, c.locale), days: daysBetween(visitedOn, iso) }),
      data: `f:n:${i}`,
    })),
    { back: c.t("common.back") },
  );
  const a = await ask<string>(conversation, {
    question: async () => {
      qid = (await c.reply(c.t("visit.ask_next_date"), { reply_markup: kb })).message_id;
    },
    parse: (x) => {
      const data = boundData(x, qid);
      const m = data === undefined ? null : /^f:n:(\d+)$/.exec(data);
      if (m) {
        const iso = options[Number(m[1])];
        return iso ? { ok: true, value: iso } : undefined;
      }
      const text = textOf(x);
      if (text === undefined) return undefined;
      const parts = parseIndonesianDate(text);
      if (!parts) return { ok: false, error: x.t("visit.date_unreadable") };
      const check = checkNextVisitDate(parts, today);
      if (check.ok) return { ok: true, value: check.value };
      return { ok: false, error: x.t(check.problem === "too_far" ? "visit.next_too_far" : "visit.next_not_after_today") };
    },
    hintKey: "visit.date_hint",
  });
  if (a.kind === "back") return { go: "back", ctx: a.ctx };
  d.nextVisitDate = a.value;
  return { go: "next", ctx: a.ctx };
}

type SaveResult = { ok: true; visitId: number; alertId: number | null } | { ok: false; reason: "not_yours" | "invalid" };

/** Saves in the update's transaction, after checking once more that the household is the user's. */
async function save(conversation: Convo, d: Draft): Promise<SaveResult> {
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

export const visitReportFlow: FlowDefinition = { id: VISIT_REPORT, builder: visitReport };
