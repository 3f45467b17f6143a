/**
 * The question primitives every form is made of: choice, multi-choice, text with limits,
 * number, date, contact, location, and media (photos, voice notes, a location).
 *
 * Each returns a {@link Question} for the form runner (`form.ts`), which binds taps to the
 * messages the question sent: a button of an older message is answered "from an earlier
 * question" and changes nothing. Every question that has a stored answer shows it
 * ("Tersimpan sekarang: …") and offers to keep it; choices mark it with ✓.
 *
 * Typed answers are read the way people type them (see `domain/answers.ts`): a button's
 * label typed by name ("darurat", "fakir miskin"), numbers as words ("empat"), relative
 * dates ("besok", "minggu depan") and short years ("5-8-68").
 *
 * @module
 */
import { InlineKeyboard, Keyboard } from "grammy";
import type { FlowContext } from "./types.js";
import { BACK, textOf, type Parsed } from "./ask.js";
import type { Out, Question, Reaction } from "./form.js";
import { matchOption, parseCount } from "../../domain/answers.js";

export interface Option<T> {
  value: T;
  label: string;
  /** Other names a person may type for it. */
  aliases?: readonly string[];
}

const KEEP = "f:keep";
const SKIP = "f:skip";

/** Words that mean "skip this question". */
export const SKIP_WORDS = /^(-|lewati|skip|tidak ada|ga ada|gak ada)$/i;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function ok<T, S>(r: Reaction<T, S>): Parsed<Reaction<T, S>> {
  return { ok: true, value: r };
}

/** "Tersimpan sekarang: …" under a question, when there is a stored answer to show. */
export function withCurrent(c: FlowContext, text: string, current: string | null | undefined): string {
  return current ? `${text}\n\n${c.t("form.current_value", { value: current })}` : text;
}

function addBack(c: FlowContext, kb: InlineKeyboard, back: boolean | undefined): InlineKeyboard {
  if (back !== false) kb.row().text(c.t("common.back"), BACK);
  return kb;
}

function isBack(c: FlowContext, back: boolean | undefined): boolean {
  return back !== false && c.callbackQuery?.data === BACK;
}

// === Choice

export interface ChoiceOptions<T> {
  text: string;
  options: Option<T>[];
  /** The stored answer: its button is marked ✓. */
  current?: T | null;
  columns?: number;
  /** A "Kembali" button (default true). */
  back?: boolean;
  hint?: string;
}

/** One answer from buttons; the label may also be typed (or its number, for short lists). */
export function choice<T>(c: FlowContext, o: ChoiceOptions<T>): Question<T> {
  const hasCurrent = o.current !== undefined && o.current !== null;
  const kb = () => {
    const k = new InlineKeyboard();
    const columns = o.columns ?? 1;
    o.options.forEach((opt, i) => {
      k.text(`${hasCurrent && same(opt.value, o.current) ? "✓ " : ""}${opt.label}`, `f:o:${i}`);
      if ((i + 1) % columns === 0 && i < o.options.length - 1) k.row();
    });
    return addBack(c, k, o.back);
  };
  const numericLabels = o.options.some((opt) => /^\d+$/.test(opt.label));
  return {
    local: null,
    show: () => [{ text: o.text, markup: kb() }],
    read: (x) => {
      if (isBack(x, o.back)) return ok({ kind: "back" });
      const data = x.callbackQuery?.data;
      const m = data === undefined ? null : /^f:o:(\d{1,3})$/.exec(data);
      if (m) {
        const opt = o.options[Number(m[1])];
        return opt ? ok({ kind: "answer", value: opt.value }) : undefined;
      }
      const typed = textOf(x);
      if (typed === undefined) return undefined;
      const byName = matchOption(typed, o.options);
      if (byName !== undefined) return ok({ kind: "answer", value: byName });
      const n = numericLabels ? null : parseCount(typed);
      const byNumber = n !== null && n >= 1 ? o.options[n - 1] : undefined;
      return byNumber ? ok({ kind: "answer", value: byNumber.value }) : undefined;
    },
    hint: o.hint ?? c.t("flow.use_buttons_or_text"),
    current: hasCurrent ? { value: o.current as T } : undefined,
  };
}

// === Several choices

export interface MultiOptions<T> {
  text: string;
  options: Option<T>[];
  /** The stored answer: selected when the question opens. */
  current?: readonly T[];
  /** Fewest choices (default 0) and what to say when fewer are chosen. */
  min?: number;
  minMessage?: string;
  /** "toast": the tap is answered with `minMessage`; "reply" (default): it is sent as a message. */
  minAs?: "toast" | "reply";
  /** Choosing one of these clears the others, and choosing another clears these. */
  exclusive?: readonly T[];
  columns?: number;
  /** Options per page (default 8); longer lists get ⬅️/➡️. */
  pageSize?: number;
  /** Label of the "done" button for this many chosen (default "✅ Selesai (n dipilih)"). */
  done?: (count: number) => string;
  /** The "tap to choose, then Selesai" line under the text (default true). */
  hintLine?: boolean;
  back?: boolean;
  hint?: string;
}

/** What a multi-choice holds while it is open: chosen option indexes and the page shown. */
export interface MultiLocal {
  sel: number[];
  page: number;
}

/** Several answers from toggle buttons (edited in place), confirmed with "Selesai". */
export function multi<T>(c: FlowContext, o: MultiOptions<T>): Question<T[], MultiLocal> {
  const pageSize = o.pageSize ?? 8;
  const pages = Math.max(1, Math.ceil(o.options.length / pageSize));
  const columns = o.columns ?? 1;
  const doneLabel = o.done ?? ((n: number) => c.t("flow.multi_done", { count: n }));
  const keyboard = (s: MultiLocal) => {
    const kb = new InlineKeyboard();
    const start = s.page * pageSize;
    const shown = o.options.slice(start, start + pageSize);
    shown.forEach((opt, i) => {
      kb.text(`${s.sel.includes(start + i) ? "✅" : "▫️"} ${opt.label}`, `f:m:${start + i}`);
      if ((i + 1) % columns === 0 && i < shown.length - 1) kb.row();
    });
    if (pages > 1) {
      kb.row();
      if (s.page > 0) kb.text(c.t("common.prev_page"), `f:mp:${s.page - 1}`);
      kb.text(c.t("common.page", { page: s.page + 1, pages }), `f:mp:${s.page}`);
      if (s.page < pages - 1) kb.text(c.t("common.next_page"), `f:mp:${s.page + 1}`);
    }
    kb.row().text(doneLabel(s.sel.length), "f:md");
    return addBack(c, kb, o.back);
  };
  const toggle = (s: MultiLocal, index: number): MultiLocal => {
    const exclusive = (i: number) => o.exclusive?.some((e) => same(e, o.options[i]!.value)) ?? false;
    let sel = s.sel.includes(index) ? s.sel.filter((i) => i !== index) : [...s.sel, index];
    if (sel.includes(index)) sel = exclusive(index) ? [index] : sel.filter((i) => !exclusive(i));
    return { sel: sel.sort((a, b) => a - b), page: s.page };
  };
  const initial = (o.current ?? []).map((v) => o.options.findIndex((opt) => same(opt.value, v))).filter((i) => i >= 0);
  return {
    local: { sel: [...new Set(initial)].sort((a, b) => a - b), page: 0 },
    show: (s) => [{ text: o.hintLine === false ? o.text : `${o.text}\n\n${c.t("flow.multi_hint")}`, markup: keyboard(s) }],
    read: (x, s) => {
      if (isBack(x, o.back)) return ok({ kind: "back" });
      const data = x.callbackQuery?.data;
      if (data === "f:md") {
        if (s.sel.length < (o.min ?? 0)) {
          const message = o.minMessage ?? x.t("flow.multi_min", { count: o.min });
          if (o.minAs === "toast") return { ok: false, error: message };
          return ok({ kind: "local", local: s, send: [{ text: message }] });
        }
        return ok({ kind: "answer", value: s.sel.map((i) => o.options[i]!.value) });
      }
      const toggled = data === undefined ? null : /^f:m:(\d{1,3})$/.exec(data);
      if (toggled) {
        const index = Number(toggled[1]);
        if (!o.options[index]) return undefined;
        const next = toggle(s, index);
        return ok({ kind: "local", local: next, edit: { markup: keyboard(next) } });
      }
      const paged = data === undefined ? null : /^f:mp:(\d{1,3})$/.exec(data);
      if (paged) {
        const page = Number(paged[1]);
        if (page >= pages || page === s.page) return ok({ kind: "local", local: s });
        const next = { sel: s.sel, page };
        return ok({ kind: "local", local: next, edit: { markup: keyboard(next) } });
      }
      const typed = textOf(x);
      if (typed === undefined) return undefined;
      const value = matchOption(typed, o.options);
      if (value === undefined) return undefined;
      const index = o.options.findIndex((opt) => same(opt.value, value));
      const chosen = s.sel.includes(index) ? s : toggle(s, index);
      const next = { sel: chosen.sel, page: Math.floor(index / pageSize) };
      return ok({
        kind: "local",
        local: next,
        edit: { markup: keyboard(next) },
        send: [{ text: x.t("form.multi_typed", { label: o.options[index]!.label, done: doneLabel(next.sel.length) }) }],
      });
    },
    hint: o.hint ?? c.t("flow.use_buttons"),
    current: o.current ? { value: [...o.current] } : undefined,
  };
}

// === Text

export interface TextOptions<T> {
  prompt: string;
  /** The stored answer as shown ("Tersimpan sekarang: …"), and the value "keep" keeps. */
  current?: { shown: string; value: T } | null;
  /** A "Lewati" button (answers null); typed "lewati", "-" and "tidak ada" skip too. */
  skip?: string | false;
  /** Checks and cleans the text (length limits, names…). */
  validate: (text: string) => Parsed<T>;
  /** More buttons above "Kembali" (callback data must start with "f:"), with their answers. */
  extra?: { label: string; data: string; value: T }[];
  back?: boolean;
  hint?: string;
}

/** A typed answer, with an optional skip, a keep for the stored answer, and limits. */
export function text<T>(c: FlowContext, o: TextOptions<T>): Question<T | null> {
  const kb = new InlineKeyboard();
  for (const e of o.extra ?? []) kb.text(e.label, e.data).row();
  if (o.skip) kb.text(o.skip, SKIP).row();
  if (o.current) kb.text(c.t("form.keep"), KEEP).row();
  addBack(c, kb, o.back);
  return {
    local: null,
    show: () => [{ text: withCurrent(c, o.prompt, o.current?.shown), markup: kb }],
    read: (x) => {
      if (isBack(x, o.back)) return ok({ kind: "back" });
      const data = x.callbackQuery?.data;
      if (data === SKIP && o.skip) return ok({ kind: "answer", value: null });
      if (data === KEEP && o.current) return ok({ kind: "keep" });
      const extra = o.extra?.find((e) => e.data === data);
      if (extra) return ok({ kind: "answer", value: extra.value });
      const typed = textOf(x);
      if (typed === undefined) return undefined;
      if (o.skip && SKIP_WORDS.test(typed)) return ok({ kind: "answer", value: null });
      const v = o.validate(typed);
      return v.ok ? ok({ kind: "answer", value: v.value }) : v;
    },
    hint: o.hint ?? c.t("flow.send_text"),
    current: o.current ? { value: o.current.value } : undefined,
  };
}

/** A length check for free text, with the limits in the message. */
export function lengthLimit(c: FlowContext, limits: { min?: number; max: number }, keys: { short?: string; long: string }): (s: string) => Parsed<string> {
  return (s) => {
    const n = [...s].length;
    if (limits.min !== undefined && n < limits.min) return { ok: false, error: c.t(keys.short ?? "form.text_too_short", { min: limits.min, n }) };
    if (n > limits.max) return { ok: false, error: c.t(keys.long, { max: limits.max, n }) };
    return { ok: true, value: s };
  };
}

// === Number

export interface NumberOptions {
  prompt: string;
  min: number;
  max: number;
  /** Numbers offered as buttons. */
  buttons: number[];
  columns?: number;
  /** A "don't know" answer (null): its button label and the words that mean it. */
  unknown?: { label: string; words: RegExp };
  current?: number | null;
  /** Said when the typed answer is not a number in range. */
  error: string;
  back?: boolean;
}

/** A whole number: a button, or typed as digits or words ("empat", "4 orang"). */
export function number(c: FlowContext, o: NumberOptions): Question<number | null> {
  const current = o.current ?? null;
  const kb = new InlineKeyboard();
  const columns = o.columns ?? 4;
  o.buttons.forEach((n, i) => {
    kb.text(`${n === current ? "✓ " : ""}${n}`, `f:n:${n}`);
    if ((i + 1) % columns === 0 && i < o.buttons.length - 1) kb.row();
  });
  if (o.unknown) kb.row().text(o.unknown.label, "f:n:x");
  const keepable = current !== null && !o.buttons.includes(current);
  if (keepable) kb.row().text(c.t("form.keep"), KEEP);
  addBack(c, kb, o.back);
  return {
    local: null,
    show: () => [{ text: withCurrent(c, o.prompt, keepable ? String(current) : null), markup: kb }],
    read: (x) => {
      if (isBack(x, o.back)) return ok({ kind: "back" });
      const data = x.callbackQuery?.data;
      if (data === KEEP && keepable) return ok({ kind: "keep" });
      if (data === "f:n:x" && o.unknown) return ok({ kind: "answer", value: null });
      const m = data === undefined ? null : /^f:n:(\d{1,3})$/.exec(data);
      if (m) return o.buttons.includes(Number(m[1])) ? ok({ kind: "answer", value: Number(m[1]) }) : undefined;
      const typed = textOf(x);
      if (typed === undefined) return undefined;
      if (o.unknown?.words.test(typed)) return ok({ kind: "answer", value: null });
      const n = parseCount(typed);
      return n !== null && n >= o.min && n <= o.max ? ok({ kind: "answer", value: n }) : { ok: false, error: o.error };
    },
    hint: o.error,
    current: current !== null ? { value: current } : undefined,
  };
}

// === Date

export interface DateOptions {
  prompt: string;
  /** Dates offered as buttons ("Hari ini (28 November 2026)"). */
  options: { label: string; value: string }[];
  /** The stored date (ISO) and how it reads. */
  current?: { shown: string; value: string } | null;
  /** Reads a typed date into an ISO date, or says what is wrong. */
  parse: (text: string) => Parsed<string>;
  hint: string;
  back?: boolean;
}

/** A date: a button, or typed ("25-11-2026", "kemarin", "besok", "5-8-68"). */
export function date(c: FlowContext, o: DateOptions): Question<string> {
  const kb = new InlineKeyboard();
  o.options.forEach((d, i) => kb.text(`${o.current?.value === d.value ? "✓ " : ""}${d.label}`, `f:d:${i}`).row());
  const keepable = !!o.current && !o.options.some((d) => d.value === o.current!.value);
  if (keepable) kb.text(c.t("form.keep"), KEEP).row();
  addBack(c, kb, o.back);
  return {
    local: null,
    show: () => [{ text: withCurrent(c, o.prompt, keepable ? o.current!.shown : null), markup: kb }],
    read: (x) => {
      if (isBack(x, o.back)) return ok({ kind: "back" });
      const data = x.callbackQuery?.data;
      if (data === KEEP && keepable) return ok({ kind: "keep" });
      const m = data === undefined ? null : /^f:d:(\d{1,2})$/.exec(data);
      if (m) {
        const d = o.options[Number(m[1])];
        return d ? ok({ kind: "answer", value: d.value }) : undefined;
      }
      const typed = textOf(x);
      if (typed === undefined) return undefined;
      const v = o.parse(typed);
      return v.ok ? ok({ kind: "answer", value: v.value }) : v;
    },
    hint: o.hint,
    current: o.current ? { value: o.current.value } : undefined,
  };
}

// === Contact

export interface ContactOptions {
  prompt: string;
  /** Label of the "share my number" reply button. */
  share: string;
  /** Label of a reply button that goes back (reply keyboards cannot hold inline buttons). */
  backLabel?: string;
  current?: string | null;
  /** Reads a shared contact (the sender's own id is passed along to compare). */
  fromContact: (contact: { phone: string; userId: number | undefined }, senderId: number | undefined) => Parsed<string>;
  /** Reads a typed number. */
  fromText: (text: string) => Parsed<string>;
  /** Said once the number is taken (it removes the reply keyboard). */
  saved: (value: string) => Out;
  /** Said after going back (it removes the reply keyboard). */
  left: Out;
  hint: string;
}

/** A phone number: the share-contact reply button, or typed. */
export function contact(c: FlowContext, o: ContactOptions): Question<string> {
  const keepLabel = o.current ? c.t("form.keep_value", { value: o.current }) : null;
  const kb = new Keyboard().requestContact(o.share).resized().oneTime();
  if (keepLabel) kb.row().text(keepLabel);
  if (o.backLabel) kb.row().text(o.backLabel);
  return {
    local: null,
    show: () => [{ text: withCurrent(c, o.prompt, o.current), markup: kb }],
    read: (x) => {
      const shared = x.message?.contact;
      if (shared) {
        const v = o.fromContact({ phone: shared.phone_number, userId: shared.user_id }, x.from?.id);
        return v.ok ? ok({ kind: "answer", value: v.value }) : v;
      }
      const typed = textOf(x);
      if (typed === undefined) return undefined;
      if (o.backLabel && typed === o.backLabel) return ok({ kind: "back" });
      if (keepLabel && typed === keepLabel) return ok({ kind: "keep" });
      const v = o.fromText(typed);
      return v.ok ? ok({ kind: "answer", value: v.value }) : v;
    },
    hint: o.hint,
    current: o.current ? { value: o.current } : undefined,
    afterAnswer: o.saved,
    afterBack: o.left,
  };
}

// === Location

export interface LatLng {
  latitude: number;
  longitude: number;
}

export interface LocationOptions {
  prompt: string;
  share: string;
  /** Label of the reply button that skips (answers null). */
  skip: string;
  /** Second message, holding "Kembali" (and "keep"): reply keyboards cannot hold inline buttons. */
  backHint: string;
  current?: LatLng | null;
  saved: Out;
  skipped: Out;
  left: Out;
  hint: string;
}

/** A location from the share-location reply button, or skipped. */
export function location(c: FlowContext, o: LocationOptions): Question<LatLng | null> {
  const inline = new InlineKeyboard();
  if (o.current) inline.text(c.t("form.keep"), KEEP).row();
  inline.text(c.t("common.back"), BACK);
  const shown = o.current ? `${o.current.latitude.toFixed(5)}, ${o.current.longitude.toFixed(5)}` : null;
  return {
    local: null,
    show: () => [
      {
        text: withCurrent(c, o.prompt, shown),
        markup: { keyboard: [[{ text: o.share, request_location: true }], [{ text: o.skip }]], resize_keyboard: true, one_time_keyboard: true },
      },
      { text: o.backHint, markup: inline },
    ],
    read: (x) => {
      if (x.callbackQuery?.data === BACK) return ok({ kind: "back" });
      if (x.callbackQuery?.data === KEEP && o.current) return ok({ kind: "keep" });
      const loc = x.message?.location;
      if (loc) return ok({ kind: "answer", value: { latitude: loc.latitude, longitude: loc.longitude } });
      const typed = textOf(x);
      if (typed !== undefined && (typed === o.skip || SKIP_WORDS.test(typed))) return ok({ kind: "answer", value: null });
      return undefined;
    },
    hint: o.hint,
    current: o.current ? { value: o.current } : undefined,
    afterAnswer: (v) => (v ? o.saved : o.skipped),
    afterBack: o.left,
  };
}

// === Media

export interface FileRef {
  fileId: string;
  fileUniqueId: string | null;
}

/** What a media question collects. */
export interface MediaValue {
  photos: FileRef[];
  voices: FileRef[];
  location: LatLng | null;
}

export interface MediaLocal extends MediaValue {
  /** Anything received since the question opened (the done button changes its label). */
  received: number;
}

export interface MediaOptions {
  prompt: string;
  current?: MediaValue;
  maxPhotos: number;
  /** Voice notes accepted, at most (0: none). */
  maxVoices?: number;
  /** Locations accepted. */
  location?: boolean;
  /** Label of the done button, for what has been collected. */
  done: (m: MediaLocal) => string;
  /** The message after each item (its done button counts too), with a notice when one was refused. */
  progress: (m: MediaLocal, notice: string | null) => Out;
  /** Notices for an item over the limit. */
  tooMany: { photos: string; voices?: string };
  hint: string;
  back?: boolean;
}

/** Photos (and voice notes, a location) sent one by one, finished with "Selesai". */
export function media(c: FlowContext, o: MediaOptions): Question<MediaValue, MediaLocal> {
  const start: MediaLocal = { photos: [...(o.current?.photos ?? [])], voices: [...(o.current?.voices ?? [])], location: o.current?.location ?? null, received: 0 };
  const answer = (m: MediaLocal): MediaValue => ({ photos: m.photos, voices: m.voices, location: m.location });
  return {
    local: start,
    show: (m) => [{ text: o.prompt, markup: addBack(c, new InlineKeyboard().text(o.done(m), "f:m:done"), o.back) }],
    read: (x, m) => {
      if (isBack(x, o.back)) return ok({ kind: "back" });
      if (x.callbackQuery?.data === "f:m:done") return ok({ kind: "answer", value: answer(m) });
      const msg = x.message;
      if (!msg) return undefined;
      let next: MediaLocal | null = null;
      let notice: string | null = null;
      if (msg.photo && msg.photo.length > 0) {
        const best = msg.photo[msg.photo.length - 1]!;
        const file = { fileId: best.file_id, fileUniqueId: best.file_unique_id ?? null };
        if (m.photos.length >= o.maxPhotos) notice = o.tooMany.photos;
        else if (m.photos.some((p) => p.fileUniqueId !== null && p.fileUniqueId === file.fileUniqueId)) next = { ...m, received: m.received + 1 };
        else next = { ...m, photos: [...m.photos, file], received: m.received + 1 };
      } else if (msg.voice && (o.maxVoices ?? 0) > 0) {
        const file = { fileId: msg.voice.file_id, fileUniqueId: msg.voice.file_unique_id ?? null };
        if (m.voices.length >= (o.maxVoices ?? 0)) notice = o.tooMany.voices ?? null;
        else next = { ...m, voices: [...m.voices, file], received: m.received + 1 };
      } else if (msg.location && o.location) {
        next = { ...m, location: { latitude: msg.location.latitude, longitude: msg.location.longitude }, received: m.received + 1 };
      } else {
        const typed = textOf(x);
        if (typed !== undefined && /^(selesai|lewati|skip|done|-)$/i.test(typed)) return ok({ kind: "answer", value: answer(m) });
        return undefined;
      }
      const local = next ?? m;
      return ok({ kind: "local", local, send: [o.progress(local, notice)] });
    },
    hint: o.hint,
    current: o.current ? { value: o.current } : undefined,
  };
}
