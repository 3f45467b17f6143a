/**
 * The form runner: one engine for every multi-step flow (household registration and edit,
 * the visit report, volunteer registration).
 *
 * A form is an ordered list of steps (see `nav.ts` for where "next", "Kembali" and the
 * review lead), a review screen that jumps to any field and comes back, and a save.
 * Each step asks one {@link Question} (see `questions.ts`): a tap counts only on the
 * message(s) that question sent, and an older message's button is answered "from an
 * earlier question".
 *
 * Stored conversation size stays bounded: the runner keeps the form's state (the draft,
 * the place, the open question's own state) outside the replay log and rewinds the log to
 * the top of its loop after every accepted answer. The log then holds the flow's prologue,
 * the state once, and the open question: it grows with the draft only, not with the number
 * of steps answered, and 50 times "Kembali" and forward leave it as it was. How: the new state is handed to the outside context
 * (`external`), the log is rewound, and the replay that follows reads it back through
 * `external` — which records it as the first entry after the checkpoint.
 *
 *   await runForm(conversation, ctx, {
 *     id: "visit-report", flow: "form.flow_visit",
 *     steps: [field("purpose", { label: "form.step_purpose",
 *       question: (d, c) => choice(c, { text: c.t("visit.ask_purpose"), options, current: d.purpose }),
 *       set: (d, purpose) => ({ ...d, purpose }) }), …],
 *     review: (d, c) => ({ text, edits, save: c.t("visit.save"), hint: … }),
 *     save: async (io, d) => { …; return { kind: "done" }; },
 *   }, draft);
 *
 * @module
 */
import { GrammyError, InlineKeyboard } from "grammy";
import type { Convo, FlowContext } from "./types.js";
import type { TFunction } from "../../i18n.js";
import { BACK, dropButtons, markForm, receive, textOf, type Parsed } from "./ask.js";
import { applicableSteps, backward, editPlace, forward, startPlace, toReview, type BackFromFirst, type Place, type StepMeta } from "./nav.js";

type ReplyOther = NonNullable<Parameters<FlowContext["reply"]>[1]>;
/** Any keyboard a message may carry. */
export type Markup = ReplyOther["reply_markup"];

/** One message to send. */
export interface Out {
  text: string;
  markup?: Markup;
}

/** What a question makes of one update. */
export type Reaction<T, S> =
  /** The answer. */
  | { kind: "answer"; value: T }
  /** "Kembali". */
  | { kind: "back" }
  /** "Pakai yang tersimpan": the stored answer stays. */
  | { kind: "keep" }
  /**
   * Still the same question, in a new state (a choice toggled, a photo received): the
   * question message is edited in place (`edit`) and/or new messages are sent (`send`, their
   * buttons count too); `toast` answers the tap.
   */
  | { kind: "local"; local: S; edit?: { text?: string; markup: InlineKeyboard }; send?: Out[]; toast?: string };

/** The context a step's check or the save works in. */
export interface FormIO {
  conversation: Convo;
  /** The update being answered: reply with it. */
  ctx: FlowContext;
}

/**
 * One question: what it shows, and how it reads an update. `S` is the question's own state
 * while it is open (selected options, photos so far), plain JSON.
 */
export interface Question<T, S = null> {
  /** State when the question opens. */
  local: S;
  /** The messages that ask it (the first one carries the main buttons). */
  show(local: S): Out[];
  /** Reads an update: a reaction, an error to show (the question stays open), or undefined. */
  read(c: FlowContext, local: S): Parsed<Reaction<T, S>> | undefined;
  /** Reminder for an update of the wrong kind (a sticker where a name is asked). */
  hint: string;
  /** The stored answer, for "Pakai yang tersimpan" (`keep`). */
  current?: { value: T };
  /**
   * Checks an answer beyond its form, with the database if needed (an NIK already
   * registered), and says what it found. `ok: false` keeps the question open; the check
   * has told the person why.
   */
  check?(io: FormIO, value: T): Promise<{ ok: true; value: T } | { ok: false }>;
  /** Said after the answer (e.g. "📍 Lokasi rumah tersimpan." removing a reply keyboard). */
  afterAnswer?(value: T): Out | null;
  /** Said after "Kembali" (e.g. removing a reply keyboard). */
  afterBack?: Out;
}

const JUMP = Symbol("pendamping.form-jump");

/** Where an answer leads instead of the next step (make one with {@link jump}). */
export interface Jump<D> {
  [JUMP]: true;
  draft: D;
  go?: "save" | "review" | "end" | { step: string };
  /** i18n key of what to say before going on. */
  say?: string;
}

/**
 * An answer that leads somewhere else than the next step: straight to the save, to the
 * review, out of the form ("end"), or to a step; `say` (an i18n key) is replied first.
 */
export function jump<D>(draft: D, go?: Jump<D>["go"], say?: string): Jump<D> {
  return { [JUMP]: true, draft, go, say };
}

/** A step's name in reminders: an i18n key, or a function of `t` (for names with numbers). */
export type StepLabel = string | ((t: TFunction) => string);

/** How a step is reached: the first pass, or an edit from the review; first: nothing before it. */
export interface StepView {
  mode: "fill" | "edit";
  first: boolean;
}

/** One step of a form. */
export interface Step<D> extends StepMeta<D> {
  /** Names the step in reminders ("… — langkah: NIK Kepala Keluarga"). */
  label: StepLabel;
  /** The step's question for this draft. */
  question?: (draft: D, ctx: FlowContext, view: StepView) => Question<unknown, unknown>;
  /** A step that holds its own conversation (the region picker). */
  run?: (io: FormIO, draft: D) => Promise<{ kind: "value"; value: unknown } | { kind: "back" } | { kind: "end" }>;
  /** Writes the answer into the draft. */
  set: (draft: D, value: unknown) => D | Jump<D>;
}

/** A step asking one question (`S`, the question's own state, is inferred or left open). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function field<D, T, S = any>(
  id: string,
  def: Omit<StepMeta<D>, "id"> & {
    label: StepLabel;
    question: (draft: D, ctx: FlowContext, view: StepView) => Question<T, S>;
    set: (draft: D, value: T) => D | Jump<D>;
  },
): Step<D> {
  return {
    id,
    applies: def.applies,
    missing: def.missing,
    with: def.with,
    label: def.label,
    question: def.question as (draft: D, ctx: FlowContext, view: StepView) => Question<unknown, unknown>,
    set: def.set as (draft: D, value: unknown) => D | Jump<D>,
  };
}

/** A step that runs its own conversation code and returns a value or "back". */
export function custom<D, T>(
  id: string,
  def: Omit<StepMeta<D>, "id"> & {
    label: StepLabel;
    /** "end": the step has said why the form cannot go on (no household to report on…). */
    run: (io: FormIO, draft: D) => Promise<{ kind: "value"; value: T } | { kind: "back" } | { kind: "end" }>;
    set: (draft: D, value: T) => D | Jump<D>;
  },
): Step<D> {
  return {
    id,
    applies: def.applies,
    missing: def.missing,
    with: def.with,
    label: def.label,
    run: def.run,
    set: def.set as (draft: D, value: unknown) => D | Jump<D>,
  };
}

/** The review screen: the summary and a button per field that may be changed. */
export interface ReviewScreen {
  text: string;
  edits: { id: string; label: string }[];
  /** Label of the save button. */
  save: string;
  /** The save button above the edit buttons (default: below). */
  saveFirst?: boolean;
  /** Edit buttons per row (default 2). */
  columns?: number;
  /** A "Kembali" button (back to the last step). */
  back?: boolean;
  /** Reminder when something else than a button arrives. */
  hint: string;
}

/** What a save did. */
export type SaveOutcome<D> =
  /** Saved (or stopped for good): the form ends; the save has said so. */
  | { kind: "done" }
  /** Not saved: back to the review (the save has said why). */
  | { kind: "review"; draft?: D }
  /** Not saved: this step must be answered again. */
  | { kind: "step"; step: string; draft?: D };

export interface FormDef<D> {
  /** Key of the form's state (the flow id). */
  id: string;
  /** i18n key naming the form in reminders ("data keluarga baru"). */
  flow: string;
  steps: readonly Step<D>[];
  /** The first step, or "review" (default: the first applicable step). */
  start?: string;
  /** "Kembali" at the first step: ask it again ("stay", default) or leave ("exit"). */
  backFromFirst?: BackFromFirst;
  /** Said when "Kembali" leaves the form. */
  onExit?: (io: FormIO, draft: D) => Promise<void>;
  review: (draft: D, ctx: FlowContext) => ReviewScreen;
  save: (io: FormIO, draft: D) => Promise<SaveOutcome<D>>;
}

/** The form's state between updates (plain JSON). */
export interface FormState<D> {
  draft: D;
  place: Place;
  /** The open question: its messages and own state; null until it is shown. */
  ui: { ids: number[]; local: unknown } | null;
  /** Answers accepted so far. */
  answered: number;
}

// === Handing the state over a rewind

const STASH = Symbol("pendamping.form-state");

function stashOf(octx: object): Record<string, unknown> {
  const holder = octx as Record<symbol, Record<string, unknown> | undefined>;
  return (holder[STASH] ??= {});
}

// === Running

function isJump<D>(value: D | Jump<D>): value is Jump<D> {
  return typeof value === "object" && value !== null && JUMP in value;
}

async function sendAll(ctx: FlowContext, outs: Out[]): Promise<number[]> {
  const ids: number[] = [];
  for (const o of outs) ids.push((await ctx.reply(o.text, o.markup ? { reply_markup: o.markup } : {})).message_id);
  return ids;
}

async function editQuestion(c: FlowContext, messageId: number | undefined, edit: { text?: string; markup: InlineKeyboard }): Promise<void> {
  const chatId = c.chat?.id;
  if (messageId === undefined || chatId === undefined) return;
  try {
    if (edit.text !== undefined) await c.api.editMessageText(chatId, messageId, edit.text, { reply_markup: edit.markup });
    else await c.api.editMessageReplyMarkup(chatId, messageId, { reply_markup: edit.markup });
  } catch (err) {
    // "message is not modified", or too old to edit: the new state counts all the same.
    if (!(err instanceof GrammyError)) throw err;
  }
}

function reviewKeyboard(screen: ReviewScreen, back: string): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (screen.saveFirst) kb.text(screen.save, "f:save").row();
  const columns = screen.columns ?? 2;
  screen.edits.forEach((e, i) => {
    kb.text(e.label, `f:e:${e.id}`);
    if ((i + 1) % columns === 0) kb.row();
  });
  if (!screen.saveFirst) kb.row().text(screen.save, "f:save");
  if (screen.back) kb.row().text(back, BACK);
  return kb;
}

type Next<D> = FormState<D> | "end";

class Runner<D> {
  constructor(
    readonly conversation: Convo,
    readonly ctx: FlowContext,
    readonly def: FormDef<D>,
  ) {}

  step(id: string): Step<D> {
    const s = this.def.steps.find((x) => x.id === id);
    if (!s) throw new Error(`form ${this.def.id}: unknown step ${id}`);
    return s;
  }

  mark(st: FormState<D>, label: StepLabel): void {
    const step = typeof label === "function" ? label(this.ctx.t) : this.ctx.t(label);
    markForm(this.conversation, { flow: this.ctx.t(this.def.flow), step, answered: st.answered });
  }

  async go(st: FormState<D>, draft: D, place: Place | "save", io: FormIO, answered = st.answered): Promise<Next<D>> {
    if (place === "save") return this.save(io, { ...st, draft, answered });
    return { draft, place, ui: null, answered };
  }

  /** Applies an answer of `step` and says where it leads. */
  async apply(st: FormState<D>, step: Step<D>, value: unknown, io: FormIO, counts: boolean): Promise<Next<D>> {
    const res = step.set(st.draft, value);
    const jump: Jump<D> = isJump(res) ? res : { [JUMP]: true, draft: res };
    const answered = st.answered + (counts ? 1 : 0);
    if (jump.say) await io.ctx.reply(io.ctx.t(jump.say));
    if (jump.go === "end") return "end";
    if (jump.go === "save") return this.go(st, jump.draft, "save", io, answered);
    if (jump.go === "review") return this.go(st, jump.draft, toReview(this.def.steps, jump.draft), io, answered);
    if (jump.go !== undefined) return this.go(st, jump.draft, editPlace(this.def.steps, jump.go.step, jump.draft), io, answered);
    return this.go(st, jump.draft, forward(this.def.steps, st.place, jump.draft), io, answered);
  }

  async back(st: FormState<D>, io: FormIO): Promise<Next<D>> {
    const target = backward(this.def.steps, st.place, st.draft, this.def.backFromFirst);
    if (target.at === "exit") {
      await this.def.onExit?.(io, st.draft);
      return "end";
    }
    return { ...st, place: target, ui: null };
  }

  async save(io: FormIO, st: FormState<D>): Promise<Next<D>> {
    const outcome = await this.def.save(io, st.draft);
    if (outcome.kind === "done") return "end";
    const draft = outcome.draft ?? st.draft;
    const place = outcome.kind === "review" ? toReview(this.def.steps, draft) : editPlace(this.def.steps, outcome.step, draft);
    return { ...st, draft, place, ui: null };
  }

  /** One pass: show (or keep showing) what is open, take one answer, return the new state. */
  async pass(st: FormState<D>): Promise<Next<D>> {
    if (st.place.at === "review") return this.review(st);
    const step = this.step(st.place.id);
    if (step.applies && !step.applies(st.draft)) return { ...st, place: forward(this.def.steps, st.place, st.draft), ui: null };
    this.mark(st, step.label);
    if (step.run) {
      // Replies after it go to the same chat (any context of the chat replies there).
      const io = { conversation: this.conversation, ctx: this.ctx };
      const r = await step.run(io, st.draft);
      if (r.kind === "end") return "end";
      return r.kind === "back" ? this.back(st, io) : this.apply(st, step, r.value, io, true);
    }
    const place = st.place;
    const first = applicableSteps(this.def.steps, st.draft)[0] === step.id;
    const q = step.question!(st.draft, this.ctx, { mode: place.mode, first });
    const local = st.ui ? st.ui.local : q.local;
    const ids = st.ui ? st.ui.ids : await sendAll(this.ctx, q.show(local));
    const got = await receive(this.conversation, {
      bound: ids,
      read: (c) => q.read(c, local),
      hint: () => q.hint,
      keepCallbackOpen: true,
    });
    const c = got.ctx;
    const r = got.value;
    const io: FormIO = { conversation: this.conversation, ctx: c };
    if (r.kind === "local") {
      if (c.callbackQuery) await c.answerCallbackQuery(r.toast ? { text: r.toast.slice(0, 200) } : undefined);
      if (r.edit) await editQuestion(c, ids[0], r.edit);
      const sent = r.send ? await sendAll(c, r.send) : [];
      return { ...st, ui: { ids: [...ids, ...sent], local: r.local } };
    }
    if (c.callbackQuery) await c.answerCallbackQuery();
    if (r.kind === "back") {
      if (q.afterBack) await sendAll(c, [q.afterBack]);
      return this.back(st, io);
    }
    if (r.kind === "keep") {
      // The draft already holds the stored answer: nothing to write, on to the next step.
      const after = q.current ? q.afterAnswer?.(q.current.value) : null;
      if (after) await sendAll(c, [after]);
      return { ...st, place: forward(this.def.steps, st.place, st.draft), ui: null };
    }
    let value = r.value;
    if (q.check) {
      const checked = await q.check(io, value);
      // Refused (and explained): the question stays open, the update leaves no trace.
      if (!checked.ok) return this.conversation.skip();
      value = checked.value;
    }
    const after = q.afterAnswer?.(value);
    if (after) await sendAll(c, [after]);
    return this.apply(st, step, value, io, true);
  }

  async review(st: FormState<D>): Promise<Next<D>> {
    this.mark(st, "form.step_review");
    const screen = this.def.review(st.draft, this.ctx);
    const ids = st.ui ? st.ui.ids : await sendAll(this.ctx, [{ text: screen.text, markup: reviewKeyboard(screen, this.ctx.t("common.back")) }]);
    const editable = new Set(screen.edits.map((e) => e.id));
    type Choice = { kind: "save" } | { kind: "edit"; id: string } | { kind: "back" };
    const got = await receive<Choice>(this.conversation, {
      bound: ids,
      read: (c) => {
        const data = c.callbackQuery?.data;
        if (data === "f:save") return { ok: true, value: { kind: "save" } };
        if (data === BACK && screen.back) return { ok: true, value: { kind: "back" } };
        if (data?.startsWith("f:e:") && editable.has(data.slice(4))) return { ok: true, value: { kind: "edit", id: data.slice(4) } };
        const typed = textOf(c);
        if (typed !== undefined && /^(simpan|kirim|save|submit)$/i.test(typed)) return { ok: true, value: { kind: "save" } };
        return undefined;
      },
      hint: () => screen.hint,
    });
    const c = got.ctx;
    const io: FormIO = { conversation: this.conversation, ctx: c };
    // The summary's buttons are spent: nothing on it can be tapped twice.
    await dropButtons(c);
    if (got.value.kind === "save") return this.save(io, st);
    if (got.value.kind === "back") return this.back(st, io);
    return { ...st, place: editPlace(this.def.steps, got.value.id, st.draft), ui: null };
  }
}

/**
 * Runs a form to its end (saved, or left with "Kembali" from the first step, or stopped by
 * a step). `draft` is the starting draft (deterministic: computed from the update and from
 * `external` results). The form's `save` (or a step) says how it ended.
 */
export async function runForm<D>(conversation: Convo, ctx: FlowContext, def: FormDef<D>, draft: D): Promise<void> {
  const runner = new Runner(conversation, ctx, def);
  const initial: FormState<D> = { draft, place: startPlace(def.steps, draft, def.start), ui: null, answered: 0 };
  for (;;) {
    const top = conversation.checkpoint();
    // Replayed from the log until the first rewind in this update; then read live from the
    // outside context, where the pass before the rewind left it.
    const stashed = await conversation.external((octx) => (stashOf(octx)[def.id] ?? null) as FormState<D> | null);
    const st = stashed ?? initial;
    const next = await runner.pass(st);
    markForm(conversation, undefined);
    if (next === "end") return;
    const json = JSON.parse(JSON.stringify(next)) as FormState<D>;
    await conversation.external((octx) => {
      stashOf(octx)[def.id] = json;
    });
    await conversation.rewind(top);
  }
}

/**
 * Asks one question outside a form (a yes/no before a form, a choice in a small flow), with
 * the same binding of taps to its messages.
 */
export async function askQuestion<T, S>(conversation: Convo, ctx: FlowContext, q: Question<T, S>): Promise<{ kind: "value"; value: T; ctx: FlowContext } | { kind: "back"; ctx: FlowContext }> {
  let local = q.local;
  let ids = await sendAll(ctx, q.show(local));
  for (;;) {
    const got = await receive(conversation, { bound: ids, read: (c) => q.read(c, local), hint: () => q.hint, keepCallbackOpen: true });
    const c = got.ctx;
    const r = got.value;
    if (r.kind === "local") {
      if (c.callbackQuery) await c.answerCallbackQuery(r.toast ? { text: r.toast.slice(0, 200) } : undefined);
      if (r.edit) await editQuestion(c, ids[0], r.edit);
      if (r.send) ids = [...ids, ...(await sendAll(c, r.send))];
      local = r.local;
      continue;
    }
    if (c.callbackQuery) await c.answerCallbackQuery();
    if (r.kind === "back") {
      if (q.afterBack) await sendAll(c, [q.afterBack]);
      return { kind: "back", ctx: c };
    }
    let value: T;
    if (r.kind === "keep") {
      if (!q.current) continue;
      value = q.current.value;
    } else {
      value = r.value;
      if (q.check) {
        const checked = await q.check({ conversation, ctx: c }, value);
        if (!checked.ok) return conversation.skip();
        value = checked.value;
      }
    }
    const after = q.afterAnswer?.(value);
    if (after) await sendAll(c, [after]);
    return { kind: "value", value, ctx: c };
  }
}
