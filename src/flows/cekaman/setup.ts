/**
 * /cekaman → "Mulai cek aman baru" (coordinators, admins): the affected area (one or more
 * districts or villages inside one's own area, through the region picker), a short
 * description, all households or only the priority groups, a preview with counts, then start.
 * Starting is one transaction: the households, every volunteer's checklist and every family's
 * message are queued set-based, and the confirmation message becomes the live tally.
 *
 * @module
 */
import { InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { BACK, ask, flowData, textOf, withDb } from "../kit/ask.js";
import { pickRegion } from "../kit/region-picker.js";
import { MAX_DESCRIPTION, MAX_REGIONS, MIN_DESCRIPTION } from "../../domain/cekaman.js";
import { isWithinArea } from "../../domain/region-names.js";
import { formatCount } from "../../domain/broadcast.js";
import { previewEvent, saveTallyMessage, startEvent, type Preview } from "../../db/queries/cekaman.js";
import { regionLabel } from "../../db/queries/regions.js";
import { mayTarget, staffArea } from "../../domain/cekaman-access.js";
import { renderTally } from "../../ui/cekaman/render.js";

/** Persisted conversation id: never rename without bumping FLOWS_VERSION. */
export const CEKAMAN_SETUP = "cekaman-setup";

interface Picked {
  code: string;
  label: string;
}

type Step = "regions" | "more" | "description" | "selection" | "preview";

async function cekamanSetup(conversation: Convo, ctx: FlowContext): Promise<void> {
  const t = ctx.t;
  const me = await withDb(conversation, async (db, _deps, octx) => {
    const area = staffArea(octx.user);
    if (area === undefined || octx.chat?.type !== "private") return null;
    return { area, areaLabel: area ? ((await regionLabel(db, area, { full: false })) ?? area) : null };
  });
  if (!me) {
    await ctx.reply(t("cekaman.staff_only"));
    return;
  }
  const areaText = me.areaLabel ?? t("koordinator.whole_country");

  let step: Step = "regions";
  const regions: Picked[] = [];
  let description = "";
  let selection: "all" | "priority" = "all";
  let cur: FlowContext = ctx;
  let preview: Preview | null = null;

  for (;;) {
    if (step === "regions") {
      const picked = await pickRegion(conversation, cur, {
        level: "coordinator-area",
        scope: "user",
        within: me.area,
        prompt: regions.length === 0 ? t("cekaman.ask_region", { area: areaText }) : t("cekaman.ask_region_more"),
      });
      cur = picked.ctx;
      if (picked.kind === "back") {
        if (regions.length === 0) {
          await cur.reply(t("cekaman.setup_cancelled"));
          return;
        }
        step = "more";
        continue;
      }
      const code = picked.value;
      if (regions.some((r) => isWithinArea(code, r.code))) {
        await cur.reply(t("cekaman.region_already", { label: picked.label }));
      } else {
        // A district replaces the villages already chosen inside it.
        for (let i = regions.length - 1; i >= 0; i--) if (isWithinArea(regions[i]!.code, code)) regions.splice(i, 1);
        regions.push({ code, label: picked.label });
      }
      step = "more";
      continue;
    }

    if (step === "more") {
      const kb = new InlineKeyboard();
      if (regions.length < MAX_REGIONS) kb.text(t("cekaman.btn_add_region"), "f:ck:add").row();
      kb.text(t("cekaman.btn_regions_done"), "f:ck:next").row();
      if (regions.length > 1) kb.text(t("cekaman.btn_remove_last"), "f:ck:pop").row();
      kb.text(t("cekaman.btn_cancel"), BACK);
      const a = await ask<"add" | "next" | "pop">(conversation, {
        question: () =>
          cur.reply(t("cekaman.regions_chosen", { list: regions.map((r, i) => `${i + 1}. ${r.label}`).join("\n"), max: MAX_REGIONS }), { reply_markup: kb }),
        parse: (c) => {
          const data = flowData(c);
          if (data === "f:ck:add" && regions.length < MAX_REGIONS) return { ok: true, value: "add" };
          if (data === "f:ck:next") return { ok: true, value: "next" };
          if (data === "f:ck:pop" && regions.length > 1) return { ok: true, value: "pop" };
          return undefined;
        },
        hintKey: "flow.use_buttons",
      });
      cur = a.ctx;
      if (a.kind === "back") {
        await cur.reply(t("cekaman.setup_cancelled"));
        return;
      }
      if (a.value === "add") step = "regions";
      else if (a.value === "pop") regions.pop();
      else step = description ? "selection" : "description";
      continue;
    }

    if (step === "description") {
      const a = await ask<string>(conversation, {
        question: () => cur.reply(t("cekaman.ask_description", { max: MAX_DESCRIPTION }), { reply_markup: new InlineKeyboard().text(t("common.back"), BACK) }),
        parse: (c) => {
          if (c.callbackQuery) return undefined;
          const text = textOf(c);
          if (text === undefined) return undefined;
          if (text.length < MIN_DESCRIPTION) return { ok: false, error: c.t("cekaman.description_short") };
          if (text.length > MAX_DESCRIPTION) return { ok: false, error: c.t("cekaman.too_long", { max: MAX_DESCRIPTION, n: text.length }) };
          return { ok: true, value: text.replace(/\s+/g, " ") };
        },
        hintKey: "cekaman.hint_description",
      });
      cur = a.ctx;
      if (a.kind === "back") {
        step = "more";
        continue;
      }
      description = a.value;
      step = "selection";
      continue;
    }

    if (step === "selection") {
      const codes = regions.map((r) => r.code);
      preview = await withDb(conversation, (db) => previewEvent(db, codes));
      const p = preview;
      const f = (n: number) => formatCount(n, cur.locale);
      const kb = new InlineKeyboard()
        .text(t("cekaman.btn_sel_all", { count: f(p.total) }), "f:cs2:all")
        .row()
        .text(t("cekaman.btn_sel_priority", { count: f(p.priority) }), "f:cs2:priority")
        .row()
        .text(t("common.back"), BACK);
      const a = await ask<"all" | "priority">(conversation, {
        question: () =>
          cur.reply(
            t("cekaman.ask_selection", {
              lansia: f(p.groups.lansia),
              disabilitas: f(p.groups.disabilitas),
              balita: f(p.groups.balita),
              bencana: f(p.groups.bencana),
            }),
            { reply_markup: kb },
          ),
        parse: (c) => {
          const data = flowData(c);
          if (data === "f:cs2:all") return { ok: true, value: "all" };
          if (data === "f:cs2:priority") return { ok: true, value: "priority" };
          return undefined;
        },
        hintKey: "flow.use_buttons",
      });
      cur = a.ctx;
      if (a.kind === "back") {
        step = "description";
        continue;
      }
      selection = a.value;
      step = "preview";
      continue;
    }

    // Preview: what starting would do, then start.
    const p = preview!;
    const f = (n: number) => formatCount(n, cur.locale);
    const part = selection === "all" ? p.all : p.prioritized;
    const households = selection === "all" ? p.total : p.priority;
    const kb = new InlineKeyboard();
    if (households > 0) kb.text(t("cekaman.btn_start", { count: f(households) }), "f:cp:go").row();
    kb.text(t("cekaman.btn_edit_regions"), "f:cp:regions").text(t("cekaman.btn_edit_selection"), "f:cp:sel").row();
    kb.text(t("cekaman.btn_edit_description"), "f:cp:desc").row();
    kb.text(t("cekaman.btn_cancel"), BACK);
    const summaryText = t(households > 0 ? "cekaman.preview" : "cekaman.preview_empty", {
      description,
      regions: regions.map((r) => r.label).join("; "),
      selection: t(`cekaman.selection_${selection}`),
      households: f(households),
      villages: f(p.villages),
      volunteers: f(part.volunteers),
      families: f(part.families),
      unassigned: f(part.unassigned),
    });
    const minutesLine = await withDb(conversation, async (_db, deps) => deps.config.CEKAMAN_REMIND_MINUTES);
    const summary: Message.TextMessage = await cur.reply(`${summaryText}\n\n${t("cekaman.preview_escalation", { minutes: minutesLine, twice: minutesLine * 2 })}`, {
      reply_markup: kb,
    });
    const a = await ask<"go" | "regions" | "sel" | "desc">(conversation, {
      question: async () => summary,
      parse: (c) => {
        const data = flowData(c);
        if (data === "f:cp:go" && households > 0) return { ok: true, value: "go" };
        if (data === "f:cp:regions") return { ok: true, value: "regions" };
        if (data === "f:cp:sel") return { ok: true, value: "sel" };
        if (data === "f:cp:desc") return { ok: true, value: "desc" };
        return undefined;
      },
      hintKey: "flow.use_buttons",
    });
    cur = a.ctx;
    if (a.kind === "back") {
      await cur.editMessageReplyMarkup().catch(() => undefined);
      await cur.reply(t("cekaman.setup_cancelled"));
      return;
    }
    if (a.value === "regions") {
      step = "more";
      continue;
    }
    if (a.value === "sel") {
      step = "selection";
      continue;
    }
    if (a.value === "desc") {
      step = "description";
      continue;
    }

    const chatId = summary.chat.id;
    const messageId = summary.message_id;
    const codes = regions.map((r) => r.code);
    const started = await withDb(conversation, async (db, deps, octx) => {
      const user = octx.user;
      const area = staffArea(user);
      if (!user || area === undefined || !codes.every((c) => mayTarget(user, c))) return null;
      const now = deps.now();
      const r = await startEvent(db, {
        actor: user,
        areaCode: area,
        regions: codes,
        description,
        selection,
        remindMinutes: deps.config.CEKAMAN_REMIND_MINUTES,
        now,
      });
      await saveTallyMessage(db, { eventId: r.eventId, chatId, userId: user.id, messageId });
      const event = await db.selectFrom("cekaman_events").selectAll().where("id", "=", r.eventId).executeTakeFirstOrThrow();
      const tally = await renderTally(db, deps.i18n.t(octx.locale), octx.locale, event, now, { manage: true });
      // Plain JSON (the result is stored in the conversation log).
      return { ...r, text: tally.text, markup: tally.reply_markup ? { inline_keyboard: tally.reply_markup.inline_keyboard } : null };
    });
    if (!started) {
      await cur.reply(t("cekaman.staff_only"));
      return;
    }
    await cur.editMessageText(started.text, started.markup ? { reply_markup: started.markup } : {});
    const startedText = t("cekaman.started", { id: started.eventId, households: f(started.total), volunteers: f(started.volunteers), families: f(started.families) });
    await cur.reply(started.unassigned > 0 ? `${startedText}\n${t("cekaman.started_unassigned", { unassigned: f(started.unassigned) })}` : startedText);
    return;
  }
}

export const cekamanSetupFlow: FlowDefinition = { id: CEKAMAN_SETUP, builder: cekamanSetup };
