/**
 * The two Cek Aman answers that need a few words more, for volunteers, staff and families:
 * - "🆘 Butuh bantuan": what is needed (evakuasi, pangan, kesehatan, tempat tinggal, lainnya),
 *   a short note (optional; asked when "lainnya" is chosen), a photo and the location (both
 *   optional), then the answer is saved and the area's coordinators are alerted at once;
 * - "🏠 Mengungsi": where to (a quick choice or typed), then saved.
 * Who may answer is checked when the flow opens and again when it saves (in the same
 * transaction as the write); nothing is saved before the last step.
 *
 * @module
 */
import { InlineKeyboard, Keyboard } from "grammy";
import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { BACK, ask, flowData, textOf, withDb } from "../kit/ask.js";
import { HELP_NEEDS, MAX_NOTE, MAX_SHELTER, type HelpNeed } from "../../domain/cekaman.js";
import { formatRefCode } from "../../domain/refcode.js";
import { familyHousehold, findEvent, findEventHousehold, recordAnswer } from "../../db/queries/cekaman.js";
import { findHousehold } from "../../db/queries/households.js";
import { answerRole } from "../../domain/cekaman-access.js";
import { encodeCa, type ListMode } from "../../ui/cekaman/callback-data.js";
import type { BotContext } from "../kit/types.js";
import type { CekamanVia, Db } from "../../db/schema.js";

/** Persisted conversation id: never rename without bumping FLOWS_VERSION. */
export const CEKAMAN_ANSWER = "cekaman-answer";

export interface CekamanAnswerArgs {
  ehId: number;
  answer: "butuh_bantuan" | "mengungsi";
  /** A family answering through its subscription, or a volunteer/staff from a checklist. */
  family: boolean;
  mode: ListMode;
  page: number;
}

function parseArgs(raw: unknown): CekamanAnswerArgs | null {
  if (typeof raw !== "object" || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const ehId = r["ehId"];
  const answer = r["answer"];
  const mode = r["mode"];
  const page = r["page"];
  if (typeof ehId !== "number" || !Number.isSafeInteger(ehId)) return null;
  if (answer !== "butuh_bantuan" && answer !== "mengungsi") return null;
  if (mode !== "v" && mode !== "o" && mode !== "s") return null;
  return { ehId, answer, family: r["family"] === true, mode, page: typeof page === "number" && Number.isSafeInteger(page) ? page : 0 };
}

type Who = { ok: true; via: CekamanVia; eventId: number; code: string; description: string } | { ok: false };

/** Who may answer for the household now (the same rules as the buttons). */
async function whoAnswers(db: Db, octx: BotContext, args: CekamanAnswerArgs): Promise<Who> {
  const chatId = octx.chat?.id;
  if (octx.chat?.type !== "private" || chatId === undefined) return { ok: false };
  const eh = args.family ? await familyHousehold(db, args.ehId, chatId) : await findEventHousehold(db, args.ehId);
  if (!eh) return { ok: false };
  const event = await findEvent(db, eh.event_id);
  const household = await findHousehold(db, eh.household_id);
  if (!event || event.status !== "running" || !household) return { ok: false };
  const via: CekamanVia | null = args.family ? "family" : answerRole(octx.user, eh, household);
  if (!via) return { ok: false };
  return { ok: true, via, eventId: event.id, code: formatRefCode(household.ref_code), description: event.description };
}

/** Typed instead of tapping "Lewati". */
const SKIP_WORDS = /^(-|lewati|skip|tidak ada|ga ada|gak ada|nggak ada|tidak)$/i;

const NEED = "f:cn:";
const DONE = "f:cd";
const SKIP = "f:cs";

function needsKeyboard(c: FlowContext, selected: ReadonlySet<HelpNeed>): InlineKeyboard {
  const kb = new InlineKeyboard();
  HELP_NEEDS.forEach((n, i) => {
    kb.text(`${selected.has(n) ? "✅" : "▫️"} ${c.t(`cekaman.need_${n}`)}`, `${NEED}${i}`);
    if (i % 2 === 1) kb.row();
  });
  kb.row().text(c.t("cekaman.needs_done", { count: selected.size }), DONE).row().text(c.t("common.back"), BACK);
  return kb;
}

/** Asks what is needed (several); undefined when the person went back. */
async function askNeeds(conversation: Convo, ctx: FlowContext, code: string): Promise<{ needs: HelpNeed[]; ctx: FlowContext } | undefined> {
  const selected = new Set<HelpNeed>();
  let cur = ctx;
  let question: () => Promise<unknown> = () => ctx.reply(ctx.t("cekaman.ask_needs", { code }), { reply_markup: needsKeyboard(ctx, selected) });
  for (;;) {
    const a = await ask<{ kind: "toggle"; need: HelpNeed } | { kind: "done" }>(conversation, {
      question,
      parse: (c) => {
        const data = flowData(c);
        if (data === DONE) return { ok: true, value: { kind: "done" } };
        if (data?.startsWith(NEED)) {
          const need = HELP_NEEDS[Number(data.slice(NEED.length))];
          return need ? { ok: true, value: { kind: "toggle", need } } : undefined;
        }
        return undefined;
      },
      hintKey: "cekaman.hint_needs",
    });
    question = async () => undefined;
    if (a.kind === "back") return undefined;
    cur = a.ctx;
    if (a.value.kind === "done") {
      if (selected.size === 0) {
        await cur.reply(cur.t("cekaman.needs_min"));
        continue;
      }
      return { needs: HELP_NEEDS.filter((n) => selected.has(n)), ctx: cur };
    }
    const need = a.value.need;
    if (selected.has(need)) selected.delete(need);
    else selected.add(need);
    try {
      await cur.editMessageReplyMarkup({ reply_markup: needsKeyboard(cur, selected) });
    } catch {
      // Not modified, or too old to edit: the choice still counts.
    }
  }
}

function skipKeyboard(c: FlowContext): InlineKeyboard {
  return new InlineKeyboard().text(c.t("common.skip"), SKIP).row().text(c.t("common.back"), BACK);
}

async function cekamanAnswer(conversation: Convo, ctx: FlowContext, rawArgs?: unknown): Promise<void> {
  const args = parseArgs(rawArgs);
  const who = args ? await withDb(conversation, (db, _deps, octx) => whoAnswers(db, octx, args)) : ({ ok: false } as const);
  if (!args || !who.ok) {
    await ctx.reply(ctx.t("cekaman.not_yours"));
    return;
  }
  let cur = ctx;
  let needs: HelpNeed[] = [];
  let note: string | null = null;
  let photo: string | null = null;
  let location: { latitude: number; longitude: number } | null = null;
  let shelter: string | null = null;

  if (args.answer === "butuh_bantuan") {
    const picked = await askNeeds(conversation, cur, who.code);
    if (!picked) {
      await ctx.reply(ctx.t("cekaman.answer_left"));
      return;
    }
    needs = picked.needs;
    cur = picked.ctx;

    const n = await ask<string | null>(conversation, {
      question: () => cur.reply(cur.t(needs.includes("lainnya") ? "cekaman.ask_note_other" : "cekaman.ask_note", { max: MAX_NOTE }), { reply_markup: skipKeyboard(cur) }),
      parse: (c) => {
        if (flowData(c) === SKIP) return { ok: true, value: null };
        const text = textOf(c);
        if (text === undefined || c.callbackQuery) return undefined;
        if (SKIP_WORDS.test(text)) return { ok: true, value: null };
        if (text.length > MAX_NOTE) return { ok: false, error: c.t("cekaman.too_long", { max: MAX_NOTE, n: text.length }) };
        return text.length === 0 ? undefined : { ok: true, value: text };
      },
      hintKey: "cekaman.hint_note",
    });
    if (n.kind === "back") {
      await n.ctx.reply(n.ctx.t("cekaman.answer_left"));
      return;
    }
    note = n.value;
    cur = n.ctx;

    const p = await ask<string | null>(conversation, {
      question: () => cur.reply(cur.t("cekaman.ask_photo"), { reply_markup: skipKeyboard(cur) }),
      parse: (c) => {
        if (flowData(c) === SKIP) return { ok: true, value: null };
        const photos = c.message?.photo;
        if (photos && photos.length > 0) return { ok: true, value: photos[photos.length - 1]!.file_id };
        const text = textOf(c);
        if (text !== undefined && SKIP_WORDS.test(text)) return { ok: true, value: null };
        return undefined;
      },
      hintKey: "cekaman.hint_photo",
    });
    if (p.kind === "back") {
      await p.ctx.reply(p.ctx.t("cekaman.answer_left"));
      return;
    }
    photo = p.value;
    cur = p.ctx;

    const skipWord = cur.t("cekaman.btn_skip_location");
    const l = await ask<{ latitude: number; longitude: number } | null>(conversation, {
      question: () =>
        cur.reply(cur.t("cekaman.ask_location"), {
          reply_markup: new Keyboard().requestLocation(cur.t("cekaman.btn_send_location")).row().text(skipWord).resized().oneTime(),
        }),
      parse: (c) => {
        const loc = c.message?.location;
        if (loc) return { ok: true, value: { latitude: loc.latitude, longitude: loc.longitude } };
        const text = textOf(c);
        if (text !== undefined && (text === skipWord || SKIP_WORDS.test(text))) return { ok: true, value: null };
        return undefined;
      },
      hintKey: "cekaman.hint_location",
    });
    if (l.kind === "back") {
      await l.ctx.reply(l.ctx.t("cekaman.answer_left"), { reply_markup: { remove_keyboard: true } });
      return;
    }
    location = l.value;
    cur = l.ctx;
    await cur.reply(cur.t(location ? "cekaman.location_received" : "cekaman.location_skipped"), { reply_markup: { remove_keyboard: true } });
  } else {
    const quick = ["keluarga", "posko", "umum"] as const;
    const kb = new InlineKeyboard();
    quick.forEach((q, i) => kb.text(cur.t(`cekaman.shelter_${q}`), `f:ce:${i}`).row());
    kb.text(cur.t("common.back"), BACK);
    const s = await ask<string>(conversation, {
      question: () => cur.reply(cur.t("cekaman.ask_shelter", { code: who.code, max: MAX_SHELTER }), { reply_markup: kb }),
      parse: (c) => {
        const data = flowData(c);
        if (data?.startsWith("f:ce:")) {
          const q = quick[Number(data.slice(5))];
          return q ? { ok: true, value: c.t(`cekaman.shelter_${q}`) } : undefined;
        }
        const text = textOf(c);
        if (text === undefined || c.callbackQuery) return undefined;
        if (text.length > MAX_SHELTER) return { ok: false, error: c.t("cekaman.too_long", { max: MAX_SHELTER, n: text.length }) };
        if (text.length < 2) return { ok: false, error: c.t("cekaman.shelter_short") };
        return { ok: true, value: text };
      },
      hintKey: "cekaman.hint_shelter",
    });
    if (s.kind === "back") {
      await s.ctx.reply(s.ctx.t("cekaman.answer_left"));
      return;
    }
    shelter = s.value;
    cur = s.ctx;
  }

  const saved = await withDb(conversation, async (db, deps, octx) => {
    const again = await whoAnswers(db, octx, args);
    if (!again.ok) return null;
    const r = await recordAnswer(db, {
      ehId: args.ehId,
      status: args.answer,
      by: octx.user?.id ?? null,
      via: again.via,
      chatId: octx.chat?.id ?? null,
      needs,
      note,
      shelter,
      photoFileId: photo,
      latitude: location?.latitude ?? null,
      longitude: location?.longitude ?? null,
      now: deps.now(),
    });
    return r ? { eventId: r.eventId } : null;
  });
  if (!saved) {
    await cur.reply(cur.t("cekaman.not_yours"));
    return;
  }
  const done = cur.t(args.answer === "butuh_bantuan" ? (args.family ? "cekaman.saved_help_family" : "cekaman.saved_help") : "cekaman.saved_evac", { code: who.code });
  if (args.family) {
    await cur.reply(done);
    return;
  }
  await cur.reply(done, {
    reply_markup: new InlineKeyboard().text(cur.t("cekaman.btn_back_list"), encodeCa({ a: "list", eventId: saved.eventId, mode: args.mode, page: args.page })),
  });
}

export const cekamanAnswerFlow: FlowDefinition = { id: CEKAMAN_ANSWER, builder: cekamanAnswer };
