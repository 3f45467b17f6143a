import { InlineKeyboard } from "grammy";
import { ask, BACK, type Answer } from "./ask.js";
import type { Convo, FlowContext } from "./types.js";

export interface ChoiceOption<T extends string> {
  value: T;
  label: string;
}

/**
 * One choice from buttons (callback "f:c:<index>"). Typing the label (or its number)
 * works too, for people who prefer the keyboard. Returns the value or "back".
 */
export async function askChoice<T extends string>(
  conversation: Convo,
  ctx: FlowContext,
  opts: { text: string; options: ChoiceOption<T>[]; back?: boolean; columns?: number },
): Promise<Answer<T>> {
  const kb = new InlineKeyboard();
  const columns = opts.columns ?? 1;
  opts.options.forEach((o, i) => {
    kb.text(o.label, `f:c:${i}`);
    if ((i + 1) % columns === 0) kb.row();
  });
  if (opts.back !== false) kb.row().text(ctx.t("common.back"), BACK);
  return ask(conversation, {
    question: () => ctx.reply(opts.text, { reply_markup: kb }),
    parse: (c) => {
      const data = c.callbackQuery?.data;
      if (data?.startsWith("f:c:")) {
        const option = opts.options[Number(data.slice(4))];
        return option ? { ok: true, value: option.value } : undefined;
      }
      const text = c.message?.text?.trim().toLowerCase();
      if (text === undefined) return undefined;
      const byLabel = opts.options.find((o) => o.label.toLowerCase() === text || o.value === text);
      const byNumber = /^\d+$/.test(text) ? opts.options[Number(text) - 1] : undefined;
      const option = byLabel ?? byNumber;
      return option ? { ok: true, value: option.value } : { ok: false, error: c.t("flow.use_buttons") };
    },
    hintKey: "flow.use_buttons",
  });
}

const PAGE_SIZE = 8;

function multiKeyboard<T extends string>(
  ctx: FlowContext,
  options: ChoiceOption<T>[],
  selected: ReadonlySet<T>,
  page: number,
  doneLabel: string,
): InlineKeyboard {
  const kb = new InlineKeyboard();
  const pages = Math.max(1, Math.ceil(options.length / PAGE_SIZE));
  const start = page * PAGE_SIZE;
  options.slice(start, start + PAGE_SIZE).forEach((o, i) => {
    kb.text(`${selected.has(o.value) ? "✅" : "▫️"} ${o.label}`, `f:m:${start + i}`).row();
  });
  if (pages > 1) {
    if (page > 0) kb.text(ctx.t("common.prev_page"), `f:mp:${page - 1}`);
    kb.text(ctx.t("common.page", { page: page + 1, pages }), `f:mp:${page}`);
    if (page < pages - 1) kb.text(ctx.t("common.next_page"), `f:mp:${page + 1}`);
    kb.row();
  }
  kb.text(doneLabel, "f:md").row().text(ctx.t("common.back"), BACK);
  return kb;
}

/**
 * Several choices from toggle buttons (paged when long), confirmed with a "done" button.
 * `exclusive` values clear every other choice (e.g. "none"). `min` is enforced with a
 * friendly message. The question message is edited in place as choices are toggled.
 */
export async function askMulti<T extends string>(
  conversation: Convo,
  ctx: FlowContext,
  opts: {
    text: string;
    options: ChoiceOption<T>[];
    initial?: T[];
    min?: number;
    exclusive?: T[];
    minMessage?: string;
  },
): Promise<Answer<T[]>> {
  const selected = new Set<T>(opts.initial ?? []);
  let page = 0;
  const doneLabel = () => ctx.t("flow.multi_done", { count: selected.size });
  let questionMessageId: number | undefined;
  let question = async () => {
    const msg = await ctx.reply(`${opts.text}\n\n${ctx.t("flow.multi_hint")}`, {
      reply_markup: multiKeyboard(ctx, opts.options, selected, page, doneLabel()),
    });
    questionMessageId = msg.message_id;
  };
  for (;;) {
    const answer = await ask<{ kind: "toggle"; index: number } | { kind: "page"; page: number } | { kind: "done" }>(conversation, {
      question,
      parse: (c) => {
        const data = c.callbackQuery?.data;
        if (data === "f:md") return { ok: true, value: { kind: "done" } };
        if (data?.startsWith("f:m:")) return { ok: true, value: { kind: "toggle", index: Number(data.slice(4)) } };
        if (data?.startsWith("f:mp:")) return { ok: true, value: { kind: "page", page: Number(data.slice(5)) } };
        return undefined;
      },
      hintKey: "flow.use_buttons",
    });
    question = async () => undefined;
    if (answer.kind === "back") return answer;
    const c = answer.ctx;
    const action = answer.value;
    if (action.kind === "done") {
      if (selected.size < (opts.min ?? 0)) {
        await c.reply(opts.minMessage ?? c.t("flow.multi_min", { count: opts.min }));
        continue;
      }
      return { kind: "value", value: opts.options.filter((o) => selected.has(o.value)).map((o) => o.value), ctx: c };
    }
    if (action.kind === "toggle") {
      const option = opts.options[action.index];
      if (!option) continue;
      if (selected.has(option.value)) {
        selected.delete(option.value);
      } else {
        if (opts.exclusive?.includes(option.value)) selected.clear();
        else for (const ex of opts.exclusive ?? []) selected.delete(ex);
        selected.add(option.value);
      }
    } else {
      const pages = Math.max(1, Math.ceil(opts.options.length / PAGE_SIZE));
      if (action.page < 0 || action.page >= pages || action.page === page) continue;
      page = action.page;
    }
    const messageId = c.callbackQuery?.message?.message_id ?? questionMessageId;
    if (messageId !== undefined) {
      try {
        await c.api.editMessageReplyMarkup(c.chat!.id, messageId, {
          reply_markup: multiKeyboard(c, opts.options, selected, page, doneLabel()),
        });
      } catch {
        // "message is not modified" or a message too old to edit: the choice still counts.
      }
    }
  }
}
