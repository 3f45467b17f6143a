import type { Update, UserFromGetMe } from "grammy/types";

/**
 * A light in-process stand-in for the Bot API, for the benchmark: answers every call (at once,
 * or after a set latency, with a share of sends refused with 429) with a plausible result and remembers, per chat, only what a simulated user needs to
 * press buttons (the newest messages with inline keyboards, the reply keyboard). Unlike the
 * test fake it validates nothing, so that the benchmark measures the bot, not the harness.
 */

export const BENCH_BOT_INFO: UserFromGetMe = {
  id: 7000000099,
  is_bot: true,
  first_name: "Pendamping",
  username: "pendamping_bench_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

interface Button {
  text: string;
  data: string;
}

interface ChatState {
  nextMessageId: number;
  /** Newest messages with an inline keyboard (at most 4), newest last. */
  keyboards: { messageId: number; buttons: Button[] }[];
  replyKeyboard: string[];
  lastText: string;
}

type Json = Record<string, unknown>;

function inlineButtons(markup: unknown): Button[] | undefined {
  const rows = (markup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined)?.inline_keyboard;
  if (!rows) return undefined;
  return rows.flat().flatMap((b) => (b.callback_data ? [{ text: b.text, data: b.callback_data }] : []));
}

export interface BenchTelegramOptions {
  /** Every call is answered after this many milliseconds (default 0: at once). */
  latencyMs?: number;
  /** Share of sends (send…, not sendChatAction) answered 429 with retry_after 1 (default 0). */
  rate429?: number;
  /** Random source (seeded by the benchmark for repeatable runs). */
  random?: () => number;
}

export class BenchTelegram {
  readonly chats = new Map<number, ChatState>();
  calls = 0;
  /** 429 answers given. */
  tooManyRequests = 0;
  /** Texts containing "gangguan" (the database-down apology) sent to users. */
  gangguan = 0;
  /** Calls being answered right now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly opts: BenchTelegramOptions = {}) {}

  chat(id: number): ChatState {
    let c = this.chats.get(id);
    if (!c) {
      c = { nextMessageId: 1, keyboards: [], replyKeyboard: [], lastText: "" };
      this.chats.set(id, c);
    }
    return c;
  }

  private remember(c: ChatState, messageId: number, markup: unknown): void {
    const buttons = inlineButtons(markup);
    const existing = c.keyboards.findIndex((k) => k.messageId === messageId);
    if (buttons === undefined) {
      if (existing !== -1 && markup !== undefined) c.keyboards.splice(existing, 1);
    } else if (existing !== -1) {
      c.keyboards[existing]!.buttons = buttons;
    } else {
      c.keyboards.push({ messageId, buttons });
      if (c.keyboards.length > 4) c.keyboards.shift();
    }
    const keyboard = (markup as { keyboard?: ({ text: string } | string)[][] } | undefined)?.keyboard;
    if (keyboard) c.replyKeyboard = keyboard.flat().map((b) => (typeof b === "string" ? b : b.text));
    if ((markup as { remove_keyboard?: boolean } | undefined)?.remove_keyboard) c.replyKeyboard = [];
  }

  private answer(method: string, p: Json): unknown {
    const chatId = Number(p["chat_id"]);
    const now = Math.floor(Date.now() / 1000);
    if (method.startsWith("send") && method !== "sendChatAction" && method !== "sendMediaGroup") {
      const c = this.chat(chatId);
      const messageId = c.nextMessageId++;
      this.remember(c, messageId, p["reply_markup"]);
      if (typeof p["text"] === "string") c.lastText = p["text"];
      return {
        message_id: messageId,
        date: now,
        chat: { id: chatId, type: chatId > 0 ? "private" : "group", ...(chatId > 0 ? { first_name: "U" } : { title: "G" }) },
        from: { id: BENCH_BOT_INFO.id, is_bot: true, first_name: BENCH_BOT_INFO.first_name, username: BENCH_BOT_INFO.username },
        ...(typeof p["text"] === "string" ? { text: p["text"] } : {}),
        ...(p["reply_markup"] ? { reply_markup: p["reply_markup"] } : {}),
      };
    }
    if (method === "editMessageText" || method === "editMessageReplyMarkup" || method === "editMessageCaption") {
      const c = this.chat(chatId);
      const messageId = Number(p["message_id"]);
      this.remember(c, messageId, p["reply_markup"] ?? { inline_keyboard: [] });
      if (typeof p["text"] === "string") c.lastText = p["text"];
      return { message_id: messageId, date: now, edit_date: now, chat: { id: chatId, type: "private", first_name: "U" }, text: p["text"] ?? "" };
    }
    if (method === "sendMediaGroup") return [];
    if (method === "getMe") return BENCH_BOT_INFO;
    if (method === "getUpdates") return [];
    return true;
  }

  /** grammY's `client.fetch`. */
  fetch = async (url: string | URL, init?: { body?: unknown }): Promise<Response> => {
    this.calls += 1;
    const href = String(url);
    const method = href.slice(href.lastIndexOf("/") + 1);
    const payload = typeof init?.body === "string" ? (JSON.parse(init.body) as Json) : {};
    const latency = this.opts.latencyMs ?? 0;
    if (latency > 0) {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((r) => setTimeout(r, latency));
      this.inFlight -= 1;
    }
    const random = this.opts.random ?? Math.random;
    if (method.startsWith("send") && method !== "sendChatAction" && random() < (this.opts.rate429 ?? 0)) {
      this.tooManyRequests += 1;
      const body = JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
      return new Response(body, { status: 429, headers: { "content-type": "application/json" } });
    }
    if (typeof payload["text"] === "string" && payload["text"].includes("gangguan")) this.gangguan += 1;
    const body = JSON.stringify({ ok: true, result: this.answer(method, payload) });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  };
}

/** Update ids are unique per process run (a second process on the same database must not reuse them). */
let updateId = (Date.now() % 1_000_000_000) * 1000;

/** A user in a private chat, making updates as Telegram would. */
export class SimChat {
  private messageId = 1_000_000;

  constructor(
    readonly id: number,
    private readonly tg: BenchTelegram,
    private readonly firstName = "Relawan",
  ) {}

  private base() {
    return {
      chat: { id: this.id, type: "private" as const, first_name: this.firstName },
      from: { id: this.id, is_bot: false, first_name: this.firstName, language_code: "id" },
    };
  }

  text(text: string): Update {
    const m = /^\/[A-Za-z0-9_]+/.exec(text);
    return {
      update_id: updateId++,
      message: {
        message_id: this.messageId++,
        date: Math.floor(Date.now() / 1000),
        ...this.base(),
        text,
        ...(m ? { entities: [{ type: "bot_command", offset: 0, length: m[0].length }] } : {}),
      },
    } as Update;
  }

  /** Presses the newest inline button whose label matches, else a reply-keyboard button. */
  tap(label: string | RegExp): Update {
    const c = this.tg.chat(this.id);
    const match = (t: string) => (typeof label === "string" ? t === label : label.test(t));
    for (let i = c.keyboards.length - 1; i >= 0; i--) {
      const k = c.keyboards[i]!;
      const b = k.buttons.find((x) => match(x.text));
      if (b) {
        return {
          update_id: updateId++,
          callback_query: {
            id: `cq${updateId}`,
            from: this.base().from,
            chat_instance: `ci${this.id}`,
            data: b.data,
            message: { message_id: k.messageId, date: Math.floor(Date.now() / 1000), chat: this.base().chat, text: "…" },
          },
        } as Update;
      }
    }
    const reply = c.replyKeyboard.find(match);
    if (reply) return this.text(reply);
    const labels = c.keyboards.flatMap((k) => k.buttons.map((b) => b.text));
    throw new Error(`chat ${this.id}: no button ${String(label)} (last text: ${c.lastText.slice(0, 120)}; buttons: ${labels.join(" | ")})`);
  }

  /** The first inline button of the newest keyboard that is not "back". */
  tapFirst(): Update {
    const k = this.tg.chat(this.id).keyboards.at(-1);
    const b = k?.buttons.find((x) => !/Kembali/.test(x.text));
    if (!b) throw new Error(`chat ${this.id}: no button to press`);
    return this.tap(b.text);
  }

  lastText(): string {
    return this.tg.chat(this.id).lastText;
  }
}
