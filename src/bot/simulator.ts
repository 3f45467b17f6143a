/**
 * The local simulator: `npm start` without BOT_TOKEN. It runs the REAL bot (every handler,
 * flow, job and the embedded database) against an in-process fake of the Telegram Bot API,
 * and lets a developer play several Telegram users from the terminal. No message ever
 * leaves the machine.
 *
 *   printf '/start\n#1\n' | npm start      (piped: one line = one message, exits at the end)
 *   npm start                              (interactive: a prompt per simulated user)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { BotError, type ApiClientOptions } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { App, createApp } from "../app.js";
import type { Config } from "../config.js";
import { createLogger } from "../logger.js";
import { registerDefaultCommands } from "./commands/menu.js";
import { triggerMorning } from "./visits/index.js";

// === Public types

/** Starts the app with the given options (main.ts wraps createApp with friendly start-up errors). */
export type StartApp = (opts: Parameters<typeof createApp>[1]) => Promise<App>;

/** Where the simulator writes: process.stdout or anything with `write` (tests). */
export interface SimulatorOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface SimulatorOptions {
  startApp: StartApp;
  /** One message per line. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: SimulatorOutput;
  /** The app's configuration. The first simulated coordinator is added to ADMIN_TELEGRAM_IDS. */
  config: Config;
  /** Application log file (default ./data/simulator.log). */
  logFile?: string;
  /** Where documents the bot sends are saved (default ./data/simulator-files). */
  filesDir?: string;
  /** Keeps message-id counters and added users across runs (the database persists too). */
  stateFile?: string;
  /** ANSI styling; default: when the output is a TTY. */
  color?: boolean;
  /** Prompt and line editing; default: when the input is a TTY. Otherwise input lines are echoed. */
  interactive?: boolean;
}

export interface SimulatorHandle {
  /** Resolves when the input has ended (or :quit) and the app is closed. */
  done: Promise<void>;
  /** Stops reading input; `done` resolves once the current line is handled and the app closed. */
  stop(): void;
  /** The running app (undefined before start-up and after close); tests call its Bot API. */
  app(): App | undefined;
}

/** A complete getMe result for the simulated bot (the id matches SIMULATOR_TOKEN). */
export const SIMULATOR_BOT_INFO: UserFromGetMe = {
  id: 1000000001,
  is_bot: true,
  first_name: "Pendamping",
  username: "PendampingSimBot",
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

// === Small helpers

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** JSON with sorted keys, for "message is not modified" comparisons. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return `${Math.round(bytes / 1024)} KB`;
}

/** A failed Bot API call, answered like Telegram does. */
class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
  ) {
    super(description);
  }
}

function fail(code: number, description: string): never {
  throw new ApiFailure(code, description);
}

// === Telegram HTML → text + entities

interface Entity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

const TAG_ENTITY: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

function decodeEntity(raw: string): string | undefined {
  if (raw === "lt") return "<";
  if (raw === "gt") return ">";
  if (raw === "amp") return "&";
  if (raw === "quot") return '"';
  const code = raw.startsWith("#x") || raw.startsWith("#X") ? parseInt(raw.slice(2), 16) : raw.startsWith("#") ? parseInt(raw.slice(1), 10) : NaN;
  if (!Number.isFinite(code) || code < 0 || code > 0x10ffff) return undefined;
  return String.fromCodePoint(code);
}

/** Decodes the entities Telegram's HTML mode knows (&lt; &gt; &amp; &quot; and numeric ones). */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);/g, (m, raw: string) => decodeEntity(raw) ?? m);
}

function parseAttributes(raw: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of raw.matchAll(/([a-zA-Z_][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attrs[(m[1] ?? "").toLowerCase()] = decodeHtmlEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return attrs;
}

/**
 * Parses Telegram's HTML parse mode into plain text and entities (UTF-16 offsets), failing
 * like Telegram on unsupported or unbalanced tags.
 */
export function parseTelegramHtml(html: string): { text: string; entities: Entity[] } {
  const bad = (what: string, at: number): never =>
    fail(400, `Bad Request: can't parse entities: ${what} at byte offset ${Buffer.byteLength(html.slice(0, at))}`);
  let text = "";
  const entities: Entity[] = [];
  const stack: { tag: string; start: number; entity: Entity | undefined }[] = [];
  let i = 0;
  while (i < html.length) {
    const ch = html[i];
    if (ch === "<") {
      const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)\s*>/.exec(html.slice(i));
      if (m === null) bad('unexpected "<" (escape it as &lt;)', i);
      const [whole, slash, rawTag, rawAttrs] = m as RegExpExecArray;
      const tag = (rawTag ?? "").toLowerCase();
      if (slash === "/") {
        const open = stack.pop();
        if (open === undefined) bad(`unmatched end tag "</${tag}>"`, i);
        if (open!.tag !== tag) bad(`unmatched end tag: expected "</${open!.tag}>", found "</${tag}>"`, i);
        const entity = open!.entity;
        if (entity !== undefined) {
          entity.length = text.length - open!.start;
          if (entity.length > 0) entities.push(entity);
        }
      } else {
        const type = TAG_ENTITY[tag];
        if (type === undefined) bad(`unsupported start tag "${tag}"`, i);
        const attrs = parseAttributes(rawAttrs ?? "");
        let entity: Entity | undefined = { type: type as string, offset: text.length, length: 0 };
        if (tag === "span" && attrs["class"] !== "tg-spoiler") bad('tag "span" must have class "tg-spoiler"', i);
        if (tag === "a") {
          const href = attrs["href"] ?? "";
          if (href === "") bad('tag "a" needs an href', i);
          entity.url = href;
        }
        if (tag === "blockquote" && "expandable" in attrs) entity.type = "expandable_blockquote";
        if (tag === "tg-emoji") entity.custom_emoji_id = attrs["emoji-id"] ?? "";
        if (tag === "code" && stack[stack.length - 1]?.tag === "pre") {
          // <pre><code class="language-x"> is one pre entity with a language.
          const pre = stack[stack.length - 1]?.entity;
          const lang = /^language-(.+)$/.exec(attrs["class"] ?? "");
          if (pre !== undefined && lang?.[1] !== undefined) pre.language = lang[1];
          entity = undefined;
        }
        stack.push({ tag, start: text.length, entity });
      }
      i += (whole ?? "").length;
      continue;
    }
    if (ch === "&") {
      const m = /^&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot);/.exec(html.slice(i));
      const decoded = m?.[1] !== undefined ? decodeEntity(m[1]) : undefined;
      if (m !== null && decoded !== undefined) {
        text += decoded;
        i += m[0].length;
        continue;
      }
    }
    text += ch;
    i += 1;
  }
  const unclosed = stack.pop();
  if (unclosed !== undefined) fail(400, `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${unclosed.tag}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

// === Terminal rendering of text with entities

const STYLE_CODES: Record<string, string> = {
  bold: "1",
  italic: "3",
  underline: "4",
  strikethrough: "9",
  spoiler: "2",
  code: "36",
  pre: "36",
  blockquote: "3",
  expandable_blockquote: "3",
  text_link: "4",
};

/** Text with entities as terminal text: ANSI styles when `color`, link targets in brackets. */
export function renderEntities(text: string, entities: Entity[] | undefined, color: boolean): string {
  const list = entities ?? [];
  if (list.length === 0) return text;
  const opens = new Map<number, Entity[]>();
  const closes = new Map<number, Entity[]>();
  for (const e of list) {
    opens.set(e.offset, [...(opens.get(e.offset) ?? []), e]);
    closes.set(e.offset + e.length, [...(closes.get(e.offset + e.length) ?? []), e]);
  }
  const active: Entity[] = [];
  let out = "";
  const style = () => (color ? `\x1b[0m${active.map((e) => STYLE_CODES[e.type]).filter(Boolean).map((c) => `\x1b[${c}m`).join("")}` : "");
  for (let i = 0; i <= text.length; i++) {
    const closing = closes.get(i);
    const opening = opens.get(i);
    if (closing !== undefined) {
      for (const e of closing) active.splice(active.indexOf(e), 1);
      if (color) out += style();
      for (const e of closing) {
        const shown = text.slice(e.offset, e.offset + e.length);
        if (e.type === "text_link" && e.url !== undefined && e.url !== shown) out += ` (${e.url})`;
      }
    }
    if (opening !== undefined) {
      active.push(...opening);
      if (color) out += style();
    }
    if (i < text.length) out += text[i];
  }
  return color ? `${out}\x1b[0m` : out;
}

// === Simulated people and chats

const ROLES = ["relawan", "koordinator", "warga"] as const;
type SimRole = (typeof ROLES)[number];

interface SimUser {
  n: number;
  id: number;
  firstName: string;
  lastName?: string;
  username?: string;
  role: SimRole;
  phone: string;
  admin: boolean;
}

const BASE_USER_ID = 700000000;
const GROUP_CHAT = { id: -1001700000001, type: "supergroup" as const, title: "Grup Koordinator" };
/** A point in Kab. Bogor (Cibinong). */
const DEFAULT_LOCATION = { latitude: -6.481517, longitude: 106.854136 };
const NEW_USER_NAMES: Record<SimRole, string[]> = {
  relawan: ["Dewi Lestari", "Agus Wibowo", "Rina Marlina", "Joko Susilo"],
  koordinator: ["Hendra Gunawan", "Yuni Kartika", "Bambang Prasetyo"],
  warga: ["Pak Darto", "Ibu Sumiati", "Pak Slamet", "Ibu Wati"],
};

function makeUser(n: number, role: SimRole, fullName: string, admin = false, username?: string): SimUser {
  const [first, ...rest] = fullName.trim().split(/\s+/);
  const user: SimUser = {
    n,
    id: BASE_USER_ID + n,
    firstName: first ?? fullName,
    role,
    phone: `+62812000000${n}`,
    admin,
  };
  if (rest.length > 0) user.lastName = rest.join(" ");
  if (username !== undefined) user.username = username;
  return user;
}

function fullName(u: SimUser): string {
  return [u.firstName, u.lastName].filter(Boolean).join(" ");
}

function tgUser(u: SimUser): Json {
  const user: Json = { id: u.id, is_bot: false, first_name: u.firstName, language_code: "id" };
  if (u.lastName !== undefined) user["last_name"] = u.lastName;
  if (u.username !== undefined) user["username"] = u.username;
  return user;
}

function privateChat(u: SimUser): Json {
  const chat: Json = { id: u.id, type: "private", first_name: u.firstName };
  if (u.lastName !== undefined) chat["last_name"] = u.lastName;
  if (u.username !== undefined) chat["username"] = u.username;
  return chat;
}

interface StoredMessage {
  message: Json;
  fromBot: boolean;
}

interface ChatState {
  chat: Json;
  nextMessageId: number;
  /** Ids below this were allocated in an earlier run (their content is unknown now). */
  sessionFirstId: number;
  messages: Map<number, StoredMessage>;
  /** The reply keyboard currently shown, and the message that showed it. */
  replyKeyboard?: { markup: Json; messageId: number };
  /** A bot message with force_reply: the next text message answers it. */
  forceReplyTo?: number;
  /** Last message each user sent here (for :edit). */
  lastUserMessage: Map<number, number>;
  /** Rendered messages for this chat not yet seen. */
  unread: string[];
}

interface PersistedState {
  nextMessageIds?: Record<string, number>;
  users?: { n: number; role: SimRole; name: string }[];
  groupJoined?: boolean;
}

// === The simulator

export function createSimulator(opts: SimulatorOptions): SimulatorHandle {
  const { config, output } = opts;
  const color = opts.color ?? output.isTTY === true;
  const interactive = opts.interactive ?? opts.input.isTTY === true;
  const logFile = resolve(opts.logFile ?? "./data/simulator.log");
  const filesDir = resolve(opts.filesDir ?? "./data/simulator-files");
  const botInfo = SIMULATOR_BOT_INFO;
  const botFrom = { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username };

  // --- output
  const out = (line = ""): void => {
    output.write(`${line}\n`);
  };
  const paint = (code: string, s: string): string => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const dim = (s: string) => paint("2", s);
  const bold = (s: string) => paint("1", s);
  const note = (s: string) => out(dim(s));

  // --- simulated world
  const persisted = loadState(opts.stateFile);
  const users: SimUser[] = [
    makeUser(1, "relawan", "Siti Rahma", false, "siti_rahma"),
    makeUser(2, "koordinator", "Budi Santoso", true, "budi_dinsos"),
    makeUser(3, "warga", "Ibu Aminah"),
  ];
  for (const u of persisted.users ?? []) {
    if (!users.some((x) => x.n === u.n) && ROLES.includes(u.role)) users.push(makeUser(u.n, u.role, u.name));
  }
  users.sort((a, b) => a.n - b.n);
  let current: SimUser = users[0] as SimUser;
  let inGroup = false;
  let groupJoined = persisted.groupJoined === true;
  let groupCreator: number | undefined;
  /** Private chats the bot may write to (the person has started the bot). */
  const startedChats = new Set<number>();
  const chats = new Map<number, ChatState>();
  const files = new Map<string, { size: number; path: string; savedAs?: string; name?: string }>();
  const callbackAnswers = new Map<string, Json | null>();
  const commandMenus = new Map<string, unknown[]>();
  let fileCounter = 0;
  let clockOffsetMs = 0;
  let nextUpdateId = 1;
  let app: App | undefined;

  const now = (): Date => new Date(Date.now() + clockOffsetMs);
  const unixNow = (): number => Math.floor(now().getTime() / 1000);

  const roleLabel = (u: SimUser): string => (u.admin ? `${u.role}, admin` : u.role);
  const currentChatId = (): number => (inGroup ? GROUP_CHAT.id : current.id);

  function chatState(chatId: number): ChatState | undefined {
    let state = chats.get(chatId);
    if (state !== undefined) return state;
    let chat: Json | undefined;
    if (chatId === GROUP_CHAT.id) chat = { ...GROUP_CHAT };
    const user = users.find((u) => u.id === chatId);
    if (user !== undefined) chat = privateChat(user);
    if (chat === undefined) return undefined;
    const first = persisted.nextMessageIds?.[String(chatId)] ?? 1;
    state = { chat, nextMessageId: first, sessionFirstId: first, messages: new Map(), lastUserMessage: new Map(), unread: [] };
    chats.set(chatId, state);
    return state;
  }

  function chatLabel(chatId: number): string {
    if (chatId === GROUP_CHAT.id) return GROUP_CHAT.title;
    const u = users.find((x) => x.id === chatId);
    return u === undefined ? `chat ${chatId}` : `${fullName(u)} (${u.role})`;
  }

  function switchHint(chatId: number): string {
    if (chatId === GROUP_CHAT.id) return ":group";
    const u = users.find((x) => x.id === chatId);
    if (u === undefined) return "";
    return u.id === current.id ? ":private" : `:user ${u.n}`;
  }

  // --- rendering bot messages

  /** The inline keyboard rows of a message (none: empty). */
  function inlineRows(message: Json): Json[][] {
    const markup = message["reply_markup"];
    return isObject(markup) && Array.isArray(markup["inline_keyboard"]) ? (markup["inline_keyboard"] as Json[][]) : [];
  }

  function inlineLabel(b: Json): string {
    const text = String(b["text"] ?? "");
    if (typeof b["url"] === "string") return `${text} (🔗 ${b["url"]})`;
    if (b["web_app"] !== undefined) return `${text} (web app)`;
    if (b["login_url"] !== undefined) return `${text} (login)`;
    if (b["switch_inline_query"] !== undefined || b["switch_inline_query_current_chat"] !== undefined) return `${text} (inline)`;
    if (b["copy_text"] !== undefined) return `${text} (salin)`;
    return text;
  }

  function replyLabel(b: unknown): string {
    if (typeof b === "string") return b;
    if (!isObject(b)) return String(b);
    const text = String(b["text"] ?? "");
    if (b["request_contact"] === true) return `${text} (📱 kirim kontak)`;
    if (b["request_location"] === true) return `${text} (📍 kirim lokasi)`;
    if (b["request_users"] !== undefined || b["request_user"] !== undefined) return `${text} (pilih pengguna)`;
    if (b["request_chat"] !== undefined) return `${text} (pilih chat)`;
    if (b["request_poll"] !== undefined) return `${text} (buat polling)`;
    if (b["web_app"] !== undefined) return `${text} (web app)`;
    return text;
  }

  function numbered<T>(rows: T[][], label: (b: T) => string): string[] {
    let n = 0;
    return rows.map((row) => row.map((b) => `${bold(`[${++n}]`)} ${label(b)}`).join("   "));
  }

  function contentLines(message: Json): string[] {
    const lines: string[] = [];
    const caption = typeof message["caption"] === "string" ? renderEntities(message["caption"], message["caption_entities"] as Entity[], color) : undefined;
    const media = (label: string) => lines.push(dim(`[${label}]`) + (caption !== undefined ? ` ${caption}` : ""));
    if (typeof message["text"] === "string") lines.push(renderEntities(message["text"], message["entities"] as Entity[], color));
    else if (message["photo"] !== undefined) media("foto");
    else if (isObject(message["document"])) {
      const doc = message["document"];
      const stored = files.get(String(doc["file_id"]));
      const where = stored?.savedAs !== undefined ? ` → ${relative(process.cwd(), stored.savedAs) || stored.savedAs}` : "";
      media(`dokumen: ${String(doc["file_name"] ?? "file")}, ${formatSize(Number(doc["file_size"] ?? 0))}${where}`);
    } else if (message["voice"] !== undefined) media("pesan suara");
    else if (message["audio"] !== undefined) media("audio");
    else if (message["video"] !== undefined) media("video");
    else if (message["video_note"] !== undefined) media("video bulat");
    else if (message["animation"] !== undefined) media("animasi");
    else if (isObject(message["sticker"])) media(`stiker ${String(message["sticker"]["emoji"] ?? "")}`.trim());
    else if (isObject(message["venue"])) media(`tempat: ${String(message["venue"]["title"])}, ${String(message["venue"]["address"])}`);
    else if (isObject(message["location"])) media(`lokasi: ${String(message["location"]["latitude"])}, ${String(message["location"]["longitude"])}`);
    else if (isObject(message["contact"])) media(`kontak: ${String(message["contact"]["first_name"])} ${String(message["contact"]["phone_number"])}`);
    else if (isObject(message["poll"])) media(`polling: ${String(message["poll"]["question"])}`);
    else if (isObject(message["dice"])) media(`dadu ${String(message["dice"]["emoji"])}`);
    else media("pesan");
    return lines;
  }

  /** A bot message (with its keyboards) as terminal lines. */
  function renderMessage(stored: StoredMessage, prefix: string, replyMarkup?: unknown): string[] {
    const message = stored.message;
    const lines = contentLines(message).join("\n").split("\n");
    const inline = inlineRows(message);
    if (inline.length > 0) lines.push(...numbered(inline, inlineLabel));
    if (isObject(replyMarkup)) {
      if (Array.isArray(replyMarkup["keyboard"])) {
        lines.push(dim("keyboard:"), ...numbered(replyMarkup["keyboard"] as unknown[][], replyLabel));
        if (typeof replyMarkup["input_field_placeholder"] === "string") lines.push(dim(`(kolom ketik: "${replyMarkup["input_field_placeholder"]}")`));
      } else if (replyMarkup["remove_keyboard"] === true) lines.push(dim("(keyboard ditutup)"));
      else if (replyMarkup["force_reply"] === true) lines.push(dim("(bot meminta Anda membalas pesan ini)"));
    }
    return lines.map((l, i) => (i === 0 ? `🤖 ${prefix}${l}` : l === "" ? "" : `   ${l}`));
  }

  /** Shows a bot event: in full for the current chat, as a one-line notice (and queued) for others. */
  function show(chatId: number, lines: string[]): void {
    if (chatId === currentChatId()) {
      for (const l of lines) out(l);
      return;
    }
    const state = chatState(chatId);
    state?.unread.push(lines.join("\n"));
    const first = (lines[0] ?? "").replace(/^🤖 /, "").replace(/\x1b\[[0-9;]*m/g, "");
    const hint = switchHint(chatId);
    out(`📨 untuk ${bold(chatLabel(chatId))}: ${truncate(first, 70)}${hint !== "" ? dim(` — ${hint} untuk membaca`) : ""}`);
  }

  function showUnread(chatId: number): void {
    const state = chatState(chatId);
    if (state === undefined || state.unread.length === 0) return;
    note(`── ${state.unread.length} pesan belum dibaca ──`);
    for (const block of state.unread) out(block);
    state.unread = [];
  }

  // --- the fake Bot API

  function targetChat(payload: Json): ChatState {
    const raw = payload["chat_id"];
    const chatId = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    const state = Number.isFinite(chatId) ? chatState(chatId) : undefined;
    if (state === undefined) {
      note(`(bot mencoba menulis ke chat ${String(raw)} yang tidak disimulasikan → 400 chat not found)`);
      fail(400, "Bad Request: chat not found");
    }
    if (state.chat["type"] === "private" && !startedChats.has(chatId)) {
      note(`(bot mencoba menulis ke ${chatLabel(chatId)}, yang belum pernah memulai bot → 403)`);
      fail(403, "Forbidden: bot can't initiate conversation with a user");
    }
    if (chatId === GROUP_CHAT.id && !groupJoined) fail(403, "Forbidden: bot is not a member of the supergroup chat");
    return state;
  }

  function formatted(text: unknown, parseMode: unknown, entities: unknown, what: "text" | "caption"): { text: string; entities?: Entity[] } {
    const raw = typeof text === "string" ? text : "";
    let result: { text: string; entities?: Entity[] };
    if (Array.isArray(entities)) result = { text: raw, entities: clone(entities) as Entity[] };
    else if (parseMode === "HTML") result = parseTelegramHtml(raw);
    else if (parseMode !== undefined) fail(400, `Bad Request: simulator only understands parse_mode HTML, got ${String(parseMode)}`);
    else result = { text: raw };
    if (result.entities?.length === 0) delete result.entities;
    if (what === "text" && result.text.trim() === "") fail(400, "Bad Request: message text is empty");
    if (what === "text" && result.text.length > 4096) fail(400, "Bad Request: message is too long");
    if (what === "caption" && result.text.length > 1024) fail(400, "Bad Request: message caption is too long");
    return result;
  }

  function checkMarkup(markup: unknown): void {
    if (markup === undefined) return;
    if (!isObject(markup)) fail(400, "Bad Request: can't parse reply keyboard markup JSON object");
    if (Array.isArray(markup["inline_keyboard"])) {
      for (const row of markup["inline_keyboard"] as unknown[]) {
        if (!Array.isArray(row)) fail(400, "Bad Request: can't parse inline keyboard button: rows must be arrays");
        for (const b of row) {
          if (!isObject(b) || typeof b["text"] !== "string" || b["text"] === "") fail(400, "Bad Request: can't parse inline keyboard button: Text must be non-empty");
          const actions = ["callback_data", "url", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay"];
          if (!actions.some((k) => b[k] !== undefined)) fail(400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
          if (typeof b["callback_data"] === "string" && (Buffer.byteLength(b["callback_data"]) > 64 || b["callback_data"] === "")) {
            fail(400, "Bad Request: BUTTON_DATA_INVALID");
          }
        }
      }
    }
  }

  function allocateId(state: ChatState): number {
    const id = state.nextMessageId;
    state.nextMessageId += 1;
    return id;
  }

  function baseMessage(state: ChatState, payload: Json): Json {
    const replyParams = payload["reply_parameters"];
    const replyTo = isObject(replyParams) ? replyParams["message_id"] : payload["reply_to_message_id"];
    let replyMessage: Json | undefined;
    if (typeof replyTo === "number") {
      const target = state.messages.get(replyTo);
      if (target !== undefined) {
        replyMessage = clone(target.message);
        delete replyMessage["reply_to_message"];
      } else if (!(isObject(replyParams) && replyParams["allow_sending_without_reply"] === true) && replyTo >= state.sessionFirstId) {
        fail(400, "Bad Request: message to be replied not found");
      }
    }
    const msg: Json = { message_id: allocateId(state), from: clone(botFrom), date: unixNow(), chat: clone(state.chat) };
    if (replyMessage !== undefined) msg["reply_to_message"] = replyMessage;
    const markup = payload["reply_markup"];
    if (isObject(markup) && Array.isArray(markup["inline_keyboard"])) msg["reply_markup"] = clone(markup);
    return msg;
  }

  const KINDS: Record<string, string> = {
    sendPhoto: "photo",
    sendDocument: "document",
    sendAudio: "audio",
    sendVideo: "video",
    sendAnimation: "animation",
    sendVoice: "voice",
    sendVideoNote: "video_note",
    sendSticker: "sticker",
  };

  function newFileId(kind: string): { file_id: string; file_unique_id: string } {
    fileCounter += 1;
    return { file_id: `SIM-${kind.toUpperCase()}-${Date.now().toString(36)}-${fileCounter}`, file_unique_id: `SIMU${fileCounter}${Date.now().toString(36)}` };
  }

  /** The media object for an InputFile-or-String value (attach://, a file_id or a URL). */
  function mediaFor(kind: string, value: unknown, uploads: Map<string, { filename: string; data: Buffer }>, extra: Json): Json {
    let size = 0;
    let name: string | undefined;
    let savedAs: string | undefined;
    let ids: { file_id: string; file_unique_id: string };
    if (typeof value === "string" && value.startsWith("attach://")) {
      const upload = uploads.get(value.slice("attach://".length));
      ids = newFileId(kind);
      size = upload?.data.length ?? 0;
      name = upload?.filename;
      if (upload !== undefined) {
        mkdirSync(filesDir, { recursive: true });
        savedAs = join(filesDir, upload.filename.replace(/[\\/]/g, "_"));
        writeFileSync(savedAs, upload.data);
      }
    } else if (typeof value === "string" && files.has(value)) {
      const known = files.get(value)!;
      ids = { file_id: value, file_unique_id: `U-${value}` };
      size = known.size;
      name = known.name;
      savedAs = known.savedAs;
    } else {
      ids = newFileId(kind);
      if (typeof value === "string" && /^https?:\/\//.test(value)) name = value.split("/").pop();
      size = 1024;
    }
    const file = { path: `${kind}s/file_${fileCounter}`, size, ...(name !== undefined ? { name } : {}), ...(savedAs !== undefined ? { savedAs } : {}) };
    files.set(ids.file_id, file);
    const base = { ...ids, file_size: size };
    switch (kind) {
      case "photo":
        return { photo: [{ ...base, width: 1280, height: 960 }] };
      case "document":
        return { document: { ...base, file_name: name ?? "document", mime_type: guessMime(name) } };
      case "voice":
        return { voice: { ...base, duration: Number(extra["duration"] ?? 1), mime_type: "audio/ogg" } };
      case "audio":
        return { audio: { ...base, duration: Number(extra["duration"] ?? 1) } };
      case "video":
        return { video: { ...base, width: 640, height: 360, duration: Number(extra["duration"] ?? 1) } };
      case "video_note":
        return { video_note: { ...base, length: 240, duration: 1 } };
      case "animation":
        return { animation: { ...base, width: 320, height: 240, duration: 1 } };
      case "sticker":
        return { sticker: { ...base, type: "regular", width: 512, height: 512, is_animated: false, is_video: false } };
      default:
        return { document: { ...base, file_name: name ?? "file" } };
    }
  }

  function storeBotMessage(state: ChatState, msg: Json, replyMarkup: unknown): Json {
    const stored: StoredMessage = { message: msg, fromBot: true };
    state.messages.set(msg["message_id"] as number, stored);
    if (isObject(replyMarkup)) {
      if (Array.isArray(replyMarkup["keyboard"])) state.replyKeyboard = { markup: clone(replyMarkup), messageId: msg["message_id"] as number };
      else if (replyMarkup["remove_keyboard"] === true) delete state.replyKeyboard;
      if (replyMarkup["force_reply"] === true) state.forceReplyTo = msg["message_id"] as number;
    }
    show(state.chat["id"] as number, renderMessage(stored, "", replyMarkup));
    return clone(msg);
  }

  function sendLike(method: string, payload: Json, uploads: Map<string, { filename: string; data: Buffer }>): Json {
    const state = targetChat(payload);
    checkMarkup(payload["reply_markup"]);
    const kind = KINDS[method];
    let content: Json = {};
    if (method === "sendMessage") {
      const f = formatted(payload["text"], payload["parse_mode"], payload["entities"], "text");
      content = { text: f.text, ...(f.entities ? { entities: f.entities } : {}) };
    } else if (kind !== undefined) {
      content = mediaFor(kind, payload[kind], uploads, payload);
    } else if (method === "sendLocation") {
      content = { location: { latitude: payload["latitude"], longitude: payload["longitude"] } };
    } else if (method === "sendVenue") {
      const location = { latitude: payload["latitude"], longitude: payload["longitude"] };
      content = { location, venue: { location, title: payload["title"], address: payload["address"] } };
    } else if (method === "sendContact") {
      content = { contact: { phone_number: payload["phone_number"], first_name: payload["first_name"] } };
    } else if (method === "sendPoll") {
      const options = Array.isArray(payload["options"]) ? payload["options"] : [];
      content = {
        poll: {
          id: `SIM-POLL-${fileCounter++}`,
          question: payload["question"],
          options: options.map((o) => ({ text: isObject(o) ? o["text"] : String(o), voter_count: 0 })),
          total_voter_count: 0,
          is_closed: false,
          is_anonymous: payload["is_anonymous"] ?? true,
          type: payload["type"] ?? "regular",
          allows_multiple_answers: payload["allows_multiple_answers"] ?? false,
        },
      };
    } else if (method === "sendDice") {
      content = { dice: { emoji: payload["emoji"] ?? "🎲", value: 1 + Math.floor(Math.random() * 6) } };
    }
    if (typeof payload["caption"] === "string" && method !== "sendMessage") {
      const f = formatted(payload["caption"], payload["parse_mode"], payload["caption_entities"], "caption");
      if (f.text !== "") content = { ...content, caption: f.text, ...(f.entities ? { caption_entities: f.entities } : {}) };
    }
    const msg = { ...baseMessage(state, payload), ...content };
    return storeBotMessage(state, msg, payload["reply_markup"]);
  }

  function sendMediaGroup(payload: Json, uploads: Map<string, { filename: string; data: Buffer }>): Json[] {
    const state = targetChat(payload);
    const media = Array.isArray(payload["media"]) ? (payload["media"] as unknown[]) : [];
    if (media.length < 2 || media.length > 10) fail(400, "Bad Request: wrong number of media in the album (2–10)");
    const groupId = `SIM-ALBUM-${fileCounter++}`;
    return media.map((item) => {
      const entry = isObject(item) ? item : {};
      const kind = typeof entry["type"] === "string" ? entry["type"] : "document";
      let content = mediaFor(kind, entry["media"], uploads, entry);
      if (typeof entry["caption"] === "string") {
        const f = formatted(entry["caption"], entry["parse_mode"], entry["caption_entities"], "caption");
        if (f.text !== "") content = { ...content, caption: f.text, ...(f.entities ? { caption_entities: f.entities } : {}) };
      }
      return storeBotMessage(state, { ...baseMessage(state, {}), media_group_id: groupId, ...content }, undefined);
    });
  }

  const COPIED_KEYS = ["text", "entities", "caption", "caption_entities", "photo", "document", "audio", "video", "animation", "voice", "video_note", "sticker", "location", "venue", "contact", "dice", "poll"];

  function copyOrForward(payload: Json, forward: boolean): Json {
    const source = chatState(Number(payload["from_chat_id"]));
    const original = source?.messages.get(Number(payload["message_id"]));
    if (original === undefined) fail(400, forward ? "Bad Request: message to forward not found" : "Bad Request: message to copy not found");
    const state = targetChat(payload);
    checkMarkup(payload["reply_markup"]);
    const msg = baseMessage(state, payload);
    for (const key of COPIED_KEYS) if (original.message[key] !== undefined) msg[key] = clone(original.message[key]);
    if (forward) {
      msg["forward_origin"] = { type: "user", date: original.message["date"], sender_user: clone(original.message["from"]) };
    } else if (typeof payload["caption"] === "string") {
      const f = formatted(payload["caption"], payload["parse_mode"], payload["caption_entities"], "caption");
      msg["caption"] = f.text;
      if (f.entities) msg["caption_entities"] = f.entities;
      else delete msg["caption_entities"];
    }
    const stored = storeBotMessage(state, msg, payload["reply_markup"]);
    return forward ? stored : { message_id: stored["message_id"] };
  }

  /** The message an edit targets; edits of messages from an earlier run are accepted as they come. */
  function editTarget(payload: Json): { state: ChatState; stored: StoredMessage; known: boolean } | undefined {
    if (payload["inline_message_id"] !== undefined) return undefined;
    const state = targetChat(payload);
    const id = Number(payload["message_id"]);
    const stored = state.messages.get(id);
    if (stored !== undefined) {
      if (!stored.fromBot) fail(400, "Bad Request: message can't be edited");
      return { state, stored, known: true };
    }
    if (Number.isInteger(id) && id > 0 && id < state.sessionFirstId) {
      const blank: StoredMessage = { message: { message_id: id, from: clone(botFrom), date: unixNow(), chat: clone(state.chat), text: "" }, fromBot: true };
      state.messages.set(id, blank);
      return { state, stored: blank, known: false };
    }
    fail(400, "Bad Request: message to edit not found");
  }

  function commitEdit(target: { state: ChatState; stored: StoredMessage; known: boolean }, next: Json): Json {
    const before = target.stored.message;
    const keys = ["text", "entities", "caption", "caption_entities", "reply_markup", "photo", "document", "video", "animation", "audio"];
    if (target.known && keys.every((k) => canonical(before[k]) === canonical(next[k]))) {
      fail(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
    }
    next["edit_date"] = unixNow();
    target.stored.message = next;
    show(target.state.chat["id"] as number, renderMessage(target.stored, dim(target.known ? "(diubah) " : "(pesan lama diubah) ")));
    return clone(next);
  }

  function withInlineMarkup(next: Json, payload: Json): void {
    checkMarkup(payload["reply_markup"]);
    const markup = payload["reply_markup"];
    // Editing without reply_markup removes the inline keyboard, as on Telegram.
    if (isObject(markup) && Array.isArray(markup["inline_keyboard"])) next["reply_markup"] = clone(markup);
    else delete next["reply_markup"];
  }

  function editMessage(method: string, payload: Json, uploads: Map<string, { filename: string; data: Buffer }>): Json | true {
    const target = editTarget(payload);
    if (target === undefined) return true;
    const next = clone(target.stored.message);
    if (method === "editMessageText") {
      if (target.known && typeof next["text"] !== "string") fail(400, "Bad Request: there is no text in the message to edit");
      const f = formatted(payload["text"], payload["parse_mode"], payload["entities"], "text");
      next["text"] = f.text;
      if (f.entities) next["entities"] = f.entities;
      else delete next["entities"];
    } else if (method === "editMessageCaption") {
      if (target.known && typeof next["text"] === "string") fail(400, "Bad Request: there is no caption in the message to edit");
      delete next["caption"];
      delete next["caption_entities"];
      if (typeof payload["caption"] === "string") {
        const f = formatted(payload["caption"], payload["parse_mode"], payload["caption_entities"], "caption");
        if (f.text !== "") Object.assign(next, { caption: f.text, ...(f.entities ? { caption_entities: f.entities } : {}) });
      }
    } else if (method === "editMessageMedia") {
      for (const k of ["photo", "document", "audio", "video", "animation", "caption", "caption_entities", "text", "entities"]) delete next[k];
      const media = isObject(payload["media"]) ? payload["media"] : {};
      Object.assign(next, mediaFor(typeof media["type"] === "string" ? media["type"] : "document", media["media"], uploads, media));
      if (typeof media["caption"] === "string") {
        const f = formatted(media["caption"], media["parse_mode"], media["caption_entities"], "caption");
        if (f.text !== "") Object.assign(next, { caption: f.text, ...(f.entities ? { caption_entities: f.entities } : {}) });
      }
    }
    withInlineMarkup(next, payload);
    return commitEdit(target, next);
  }

  function deleteMessage(state: ChatState, id: number): boolean {
    const stored = state.messages.get(id);
    if (stored === undefined) {
      if (id > 0 && id < state.sessionFirstId) {
        show(state.chat["id"] as number, [`🤖 ${dim("(pesan lama dihapus)")}`]);
        return true;
      }
      return false;
    }
    state.messages.delete(id);
    if (state.replyKeyboard?.messageId === id) delete state.replyKeyboard;
    const first = contentLines(stored.message)[0]?.split("\n")[0] ?? "";
    show(state.chat["id"] as number, [`🤖 ${dim(`(pesan dihapus: "${truncate(first.replace(/\x1b\[[0-9;]*m/g, ""), 50)}")`)}`]);
    return true;
  }

  function scopeKey(payload: Json): string {
    return `${canonical(payload["scope"] ?? { type: "default" })}|${String(payload["language_code"] ?? "")}`;
  }

  function answer(method: string, payload: Json, uploads: Map<string, { filename: string; data: Buffer }>): unknown {
    switch (method) {
      case "getMe":
        return clone(botInfo);
      case "sendMessage":
      case "sendPhoto":
      case "sendDocument":
      case "sendAudio":
      case "sendVideo":
      case "sendAnimation":
      case "sendVoice":
      case "sendVideoNote":
      case "sendSticker":
      case "sendLocation":
      case "sendVenue":
      case "sendContact":
      case "sendPoll":
      case "sendDice":
        return sendLike(method, payload, uploads);
      case "sendMediaGroup":
        return sendMediaGroup(payload, uploads);
      case "copyMessage":
        return copyOrForward(payload, false);
      case "forwardMessage":
        return copyOrForward(payload, true);
      case "editMessageText":
      case "editMessageCaption":
      case "editMessageMedia":
      case "editMessageReplyMarkup":
        return editMessage(method, payload, uploads);
      case "deleteMessage": {
        if (!deleteMessage(targetChat(payload), Number(payload["message_id"]))) fail(400, "Bad Request: message to delete not found");
        return true;
      }
      case "deleteMessages": {
        const state = targetChat(payload);
        const ids = Array.isArray(payload["message_ids"]) ? (payload["message_ids"] as unknown[]) : [];
        const results = ids.map((id) => deleteMessage(state, Number(id)));
        if (!results.some(Boolean)) fail(400, "Bad Request: message to delete not found");
        return true;
      }
      case "answerCallbackQuery": {
        const id = String(payload["callback_query_id"]);
        if (!callbackAnswers.has(id) || callbackAnswers.get(id) !== null) {
          fail(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
        }
        callbackAnswers.set(id, clone(payload));
        if (typeof payload["text"] === "string" && payload["text"] !== "") {
          if (Buffer.byteLength(payload["text"]) > 200 * 4 || [...payload["text"]].length > 200) fail(400, "Bad Request: MESSAGE_TOO_LONG");
          out(payload["show_alert"] === true ? `⚠️  ${bold("(peringatan)")} ${payload["text"]}` : dim(`(notifikasi) ${payload["text"]}`));
        }
        if (typeof payload["url"] === "string") note(`(membuka ${payload["url"]})`);
        return true;
      }
      case "setMyCommands":
        commandMenus.set(scopeKey(payload), clone(Array.isArray(payload["commands"]) ? payload["commands"] : []));
        return true;
      case "deleteMyCommands":
        commandMenus.delete(scopeKey(payload));
        return true;
      case "getMyCommands":
        return clone(commandMenus.get(scopeKey(payload)) ?? []);
      case "sendChatAction":
        targetChat(payload);
        return true;
      case "setMessageReaction": {
        const state = targetChat(payload);
        const reactions = Array.isArray(payload["reaction"]) ? (payload["reaction"] as Json[]) : [];
        const emoji = reactions.map((r) => String(r["emoji"] ?? "")).join("");
        show(state.chat["id"] as number, [`🤖 ${dim(emoji === "" ? "(reaksi dihapus)" : `(reaksi ${emoji})`)}`]);
        return true;
      }
      case "pinChatMessage":
        show(targetChat(payload).chat["id"] as number, [`🤖 ${dim("(pesan disematkan)")}`]);
        return true;
      case "getChat": {
        const state = targetChat(payload);
        return { ...clone(state.chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false, gifts_from_channels: false } };
      }
      case "getChatMember": {
        const state = targetChat(payload);
        const userId = Number(payload["user_id"]);
        if (userId === botInfo.id) return { status: "member", user: clone(botFrom) };
        const u = users.find((x) => x.id === userId);
        const user = u !== undefined ? tgUser(u) : { id: userId, is_bot: false, first_name: `User ${userId}` };
        if (state.chat["type"] !== "private" && userId === groupCreator) return { status: "creator", user, is_anonymous: false };
        return { status: "member", user };
      }
      case "getChatAdministrators": {
        const state = targetChat(payload);
        if (state.chat["type"] === "private") fail(400, "Bad Request: there are no administrators in the private chat");
        const creator = users.find((u) => u.id === groupCreator);
        return creator === undefined ? [] : [{ status: "creator", user: tgUser(creator), is_anonymous: false }];
      }
      case "getFile": {
        const id = String(payload["file_id"]);
        const file = files.get(id);
        if (file === undefined) fail(400, "Bad Request: invalid file_id");
        return { file_id: id, file_unique_id: `U-${id}`, file_size: file.size, file_path: file.path };
      }
      case "getUpdates":
        return [];
      case "leaveChat":
        if (Number(payload["chat_id"]) === GROUP_CHAT.id) {
          groupJoined = false;
          note(`(bot keluar dari ${GROUP_CHAT.title})`);
        }
        return true;
      default:
        return true;
    }
  }

  async function simulatedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = url.pathname.split("/").filter(Boolean).pop() ?? "";
    const contentType = headerValue(init?.headers, "content-type") ?? "";
    const body = await readBody(init?.body);
    let payload: Json = {};
    const uploads = new Map<string, { filename: string; data: Buffer }>();
    if (contentType.startsWith("multipart/form-data")) {
      const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
      for (const part of parseMultipart(body, boundary?.[1] ?? boundary?.[2] ?? "")) {
        if (part.filename !== undefined) uploads.set(part.name, { filename: part.filename, data: part.data });
        else payload[part.name] = decodeFormValue(part.name, part.data.toString("utf8"));
      }
    } else if (body.length > 0) {
      const parsed = JSON.parse(body.toString("utf8")) as unknown;
      payload = isObject(parsed) ? parsed : {};
    }
    let response: Json;
    try {
      response = { ok: true, result: answer(method, payload, uploads) };
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      response = { ok: false, error_code: err.code, description: err.description };
      if (err.code === 400 && !err.description.includes("not modified") && !err.description.includes("query is too old")) {
        note(`(Bot API ${method} → ${err.code} ${err.description})`);
      }
    }
    return new Response(JSON.stringify(response), {
      status: response["ok"] === true ? 200 : Number(response["error_code"]),
      headers: { "content-type": "application/json" },
    });
  }

  // --- updates from the simulated users

  async function dispatch(update: Json): Promise<void> {
    if (app === undefined) return;
    try {
      await app.bot.handleUpdate(update as unknown as Update);
    } catch (err) {
      const inner = err instanceof BotError ? err.error : err;
      out(`⚠️  ${bold("Kesalahan saat memproses pesan ini:")} ${inner instanceof Error ? inner.message : String(inner)}`);
      app.deps.logger.error({ update_id: update["update_id"], err: inner instanceof Error ? { message: inner.message, stack: inner.stack } : String(inner) }, "simulator: update failed");
    }
  }

  /** Sends a message (content: text, photo, …) from the current user into the current chat. */
  async function sendUserMessage(content: Json): Promise<void> {
    const chatId = currentChatId();
    const state = chatState(chatId) as ChatState;
    if (inGroup && !groupJoined) await joinGroup();
    const msg: Json = { message_id: allocateId(state), from: tgUser(current), chat: clone(state.chat), date: unixNow(), ...content };
    if (!inGroup && state.forceReplyTo !== undefined && typeof content["text"] === "string") {
      const target = state.messages.get(state.forceReplyTo);
      if (target !== undefined) msg["reply_to_message"] = clone(target.message);
      delete state.forceReplyTo;
    }
    state.messages.set(msg["message_id"] as number, { message: msg, fromBot: false });
    state.lastUserMessage.set(current.id, msg["message_id"] as number);
    if (!inGroup) startedChats.add(current.id);
    if (inGroup) {
      // Privacy mode: in groups the bot only receives commands and replies to its messages.
      const text = typeof content["text"] === "string" ? content["text"] : "";
      const isReplyToBot = isObject(msg["reply_to_message"]) && isObject(msg["reply_to_message"]["from"]) && msg["reply_to_message"]["from"]["id"] === botInfo.id;
      if (!text.startsWith("/") && !isReplyToBot) {
        note("(mode privasi grup: bot tidak menerima pesan biasa, hanya perintah)");
        return;
      }
    }
    await dispatch({ update_id: nextUpdateId++, message: msg });
  }

  async function sendText(text: string): Promise<void> {
    const content: Json = { text };
    const cmd = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)/.exec(text);
    if (cmd !== null) content["entities"] = [{ type: "bot_command", offset: 0, length: cmd[0].length }];
    await sendUserMessage(content);
  }

  async function joinGroup(): Promise<void> {
    const state = chatState(GROUP_CHAT.id) as ChatState;
    groupJoined = true;
    groupCreator ??= current.id;
    note(`(${fullName(current)} menambahkan @${botInfo.username} ke ${GROUP_CHAT.title})`);
    await dispatch({
      update_id: nextUpdateId++,
      my_chat_member: {
        chat: clone(state.chat),
        from: tgUser(current),
        date: unixNow(),
        old_chat_member: { status: "left", user: clone(botFrom) },
        new_chat_member: { status: "member", user: clone(botFrom) },
      },
    });
    const service: Json = { message_id: allocateId(state), from: tgUser(current), chat: clone(state.chat), date: unixNow(), new_chat_members: [clone(botFrom)] };
    state.messages.set(service["message_id"] as number, { message: service, fromBot: false });
    await dispatch({ update_id: nextUpdateId++, message: service });
  }

  /** `#N`: taps button N of the newest message with buttons in the current chat. */
  async function tap(n: number): Promise<void> {
    const state = chatState(currentChatId()) as ChatState;
    let inlineMsg: StoredMessage | undefined;
    for (const stored of state.messages.values()) {
      if (!stored.fromBot || inlineRows(stored.message).length === 0) continue;
      if (inlineMsg === undefined || (stored.message["message_id"] as number) > (inlineMsg.message["message_id"] as number)) inlineMsg = stored;
    }
    const kb = state.replyKeyboard;
    const inlineId = (inlineMsg?.message["message_id"] as number | undefined) ?? -1;
    if (kb !== undefined && kb.messageId > inlineId) {
      const buttons = (kb.markup["keyboard"] as unknown[][]).flat();
      const button = buttons[n - 1];
      if (button === undefined) {
        note(`(tidak ada tombol #${n}; keyboard terakhir punya ${buttons.length} tombol)`);
        return;
      }
      note(`→ ${replyLabel(button)}`);
      const text = typeof button === "string" ? button : String((button as Json)["text"] ?? "");
      if (isObject(button) && button["request_contact"] === true) return sendContact(undefined);
      if (isObject(button) && button["request_location"] === true) return sendUserMessage({ location: { ...DEFAULT_LOCATION } });
      if (isObject(button) && (button["request_users"] !== undefined || button["request_chat"] !== undefined || button["request_poll"] !== undefined || button["web_app"] !== undefined)) {
        note("(jenis tombol ini tidak disimulasikan)");
        return;
      }
      return sendText(text);
    }
    if (inlineMsg === undefined) {
      note("(tidak ada pesan dengan tombol di chat ini)");
      return;
    }
    const buttons = inlineRows(inlineMsg.message).flat();
    const button = buttons[n - 1];
    if (button === undefined) {
      note(`(tidak ada tombol #${n}; pesan terakhir punya ${buttons.length} tombol)`);
      return;
    }
    note(`→ ${inlineLabel(button)}`);
    if (typeof button["callback_data"] !== "string") {
      if (typeof button["url"] === "string") note(`(tombol tautan: di Telegram ini membuka ${button["url"]})`);
      else if (button["copy_text"] !== undefined) note("(teks disalin ke papan klip)");
      else note("(jenis tombol ini tidak disimulasikan)");
      return;
    }
    const id = `${BigInt(current.id) * 4096n + BigInt(nextUpdateId)}`;
    callbackAnswers.set(id, null);
    await dispatch({
      update_id: nextUpdateId++,
      callback_query: {
        id,
        from: tgUser(current),
        message: clone(inlineMsg.message),
        chat_instance: String(4000000000000000000n + BigInt(Math.abs(currentChatId()))),
        data: button["callback_data"],
      },
    });
    if (callbackAnswers.get(id) === null) note("(bot tidak menjawab callback_query ini — di Telegram tombolnya akan terus berputar)");
  }

  async function sendContact(phone: string | undefined): Promise<void> {
    if (phone === undefined) {
      const contact: Json = { phone_number: current.phone, first_name: current.firstName, user_id: current.id };
      if (current.lastName !== undefined) contact["last_name"] = current.lastName;
      return sendUserMessage({ contact });
    }
    const owner = users.find((u) => u.phone === phone);
    const contact: Json = owner !== undefined ? { phone_number: phone, first_name: owner.firstName, user_id: owner.id } : { phone_number: phone, first_name: "Kontak" };
    if (owner?.lastName !== undefined) contact["last_name"] = owner.lastName;
    return sendUserMessage({ contact });
  }

  // --- meta-commands

  const HELP = [
    "Tulis pesan biasa atau /perintah untuk mengirimnya ke bot sebagai pengguna saat ini.",
    "  #N                    tekan tombol N dari pesan terbaru yang punya tombol (inline atau keyboard)",
    "  :users                daftar pengguna simulasi",
    "  :user N | relawan | koordinator | warga    ganti pengguna (chat pribadinya)",
    "  :new relawan|koordinator|warga [nama]      tambah pengguna simulasi",
    "  :contact [+62…]       kirim kontak sendiri (atau nomor orang lain)",
    "  :location [LAT LON]   kirim lokasi (bawaan: Cibinong, Kab. Bogor)",
    "  :photo [keterangan]   kirim foto      :sticker   :voice   :doc [nama-file]",
    "  :edit TEKS            ubah pesan terakhir Anda (edited_message)",
    "  :say TEKS             kirim TEKS apa adanya (mis. teks yang diawali # atau :)",
    "  :group / :private     menulis di \"Grup Koordinator\" / kembali ke chat pribadi",
    "  :menu                 menu perintah Telegram untuk chat ini",
    "  :jobs                 jalankan tugas latar yang sudah jatuh tempo",
    "  :pagi                 jalankan pengingat pagi (07.00) dan ringkasan koordinator sekarang",
    "  :time +Nd|+Nh|+Nm|reset   geser jam simulasi (saat ini: {time})",
    "  :help                 bantuan ini      :quit   keluar (juga Ctrl-C / Ctrl-D)",
  ];

  function userLine(u: SimUser): string {
    const me = u.id === current.id ? bold("  ← Anda") : "";
    return `  ${u.n}. ${fullName(u).padEnd(16)} ${roleLabel(u).padEnd(19)} id ${u.id}  ${u.phone}${me}`;
  }

  async function listUsers(): Promise<void> {
    const ids = users.map((u) => u.id);
    const rows = app === undefined ? [] : await app.deps.db.selectFrom("users").select(["telegram_id", "role", "status"]).where("telegram_id", "in", ids).execute();
    for (const u of users) {
      const row = rows.find((r) => Number(r.telegram_id) === u.id);
      out(`${userLine(u)}${dim(row === undefined ? "  (belum terdaftar di bot)" : `  (bot: ${row.role}/${row.status})`)}`);
    }
  }

  function findUser(arg: string): SimUser | undefined {
    if (/^\d+$/.test(arg)) return users.find((u) => u.n === Number(arg));
    const lower = arg.toLowerCase();
    return users.find((u) => u.role === lower) ?? users.find((u) => fullName(u).toLowerCase().includes(lower));
  }

  function switchTo(u: SimUser): void {
    current = u;
    inGroup = false;
    note(`(sekarang Anda ${fullName(u)}, ${roleLabel(u)})`);
    showUnread(u.id);
  }

  function parseShift(arg: string): number | undefined {
    const m = /^([+-]?\d+(?:\.\d+)?)([dhm])$/.exec(arg);
    if (m === null) return undefined;
    const unit = m[2] === "d" ? 86_400_000 : m[2] === "h" ? 3_600_000 : 60_000;
    return Number(m[1]) * unit;
  }

  function formatClock(): string {
    const shifted = clockOffsetMs === 0 ? "" : ` (${clockOffsetMs > 0 ? "+" : "-"}${Math.round(Math.abs(clockOffsetMs) / 3_600_000)} jam)`;
    return `${now().toISOString().replace("T", " ").slice(0, 16)} UTC${shifted}`;
  }

  async function runJobs(verbose: boolean): Promise<void> {
    if (app === undefined) return;
    let total = 0;
    for (let round = 0; round < 20; round++) {
      let ran = 0;
      try {
        ran = await app.worker.runDue();
      } catch (err) {
        out(`⚠️  Tugas latar gagal: ${(err as Error).message}`);
        break;
      }
      total += ran;
      if (ran === 0) break;
    }
    if (verbose) note(total === 0 ? "(tidak ada tugas latar yang jatuh tempo)" : `(${total} tugas latar dijalankan)`);
  }

  function showMenu(): void {
    const keys = [
      `${canonical({ type: "chat", chat_id: currentChatId() })}|`,
      `${canonical({ type: inGroup ? "all_group_chats" : "all_private_chats" })}|`,
      `${canonical({ type: "default" })}|`,
    ];
    const found = keys.map((k) => commandMenus.get(k)).find((c) => c !== undefined) as Json[] | undefined;
    if (found === undefined || found.length === 0) {
      note("(bot belum mengatur menu perintah untuk chat ini)");
      return;
    }
    for (const c of found) out(`  /${String(c["command"])} — ${String(c["description"])}`);
  }

  async function meta(line: string): Promise<boolean> {
    const [rawCmd = "", ...rest] = line.slice(1).trim().split(/\s+/);
    const cmd = rawCmd.toLowerCase();
    const arg = line.slice(1).trim().slice(rawCmd.length).trim();
    switch (cmd) {
      case "help":
      case "bantuan":
        for (const l of HELP) out(l.replace("{time}", formatClock()));
        return true;
      case "users":
        await listUsers();
        return true;
      case "user": {
        const u = findUser(arg);
        if (u === undefined) note(`(pengguna "${arg}" tidak ada; lihat :users)`);
        else switchTo(u);
        return true;
      }
      case "new": {
        const role = rest[0]?.toLowerCase() as SimRole | undefined;
        if (role === undefined || !ROLES.includes(role)) {
          note("(pakai: :new relawan|koordinator|warga [nama])");
          return true;
        }
        const n = Math.max(...users.map((u) => u.n)) + 1;
        const taken = new Set(users.map(fullName));
        const name = rest.slice(1).join(" ") || NEW_USER_NAMES[role].find((x) => !taken.has(x)) || `${role[0]!.toUpperCase()}${role.slice(1)} ${n}`;
        const u = makeUser(n, role, name);
        users.push(u);
        note(`(pengguna baru ${n}: ${fullName(u)}, ${role}, id ${u.id})`);
        switchTo(u);
        return true;
      }
      case "contact":
      case "kontak":
        if (arg !== "" && !/^\+?\d[\d\s-]{5,}$/.test(arg)) note("(pakai: :contact atau :contact +62812…)");
        else await sendContact(arg === "" ? undefined : arg.replace(/[\s-]/g, ""));
        return true;
      case "location":
      case "lokasi": {
        if (arg === "") {
          await sendUserMessage({ location: { ...DEFAULT_LOCATION } });
          return true;
        }
        const [lat, lon] = rest.map(Number);
        if (lat === undefined || lon === undefined || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
          note("(pakai: :location -6.48 106.85)");
          return true;
        }
        await sendUserMessage({ location: { latitude: lat, longitude: lon } });
        return true;
      }
      case "photo":
      case "foto": {
        const ids = newFileId("photo");
        const sizes = [
          { file_id: `${ids.file_id}-s`, file_unique_id: `${ids.file_unique_id}s`, width: 90, height: 68, file_size: 1_800 },
          { file_id: ids.file_id, file_unique_id: ids.file_unique_id, width: 1280, height: 960, file_size: 154_000 },
        ];
        files.set(ids.file_id, { size: 154_000, path: `photos/${ids.file_id}.jpg` });
        files.set(`${ids.file_id}-s`, { size: 1_800, path: `photos/${ids.file_id}-s.jpg` });
        await sendUserMessage({ photo: sizes, ...(arg !== "" ? { caption: arg } : {}) });
        return true;
      }
      case "sticker":
      case "stiker": {
        const ids = newFileId("sticker");
        files.set(ids.file_id, { size: 24_000, path: `stickers/${ids.file_id}.webp` });
        await sendUserMessage({ sticker: { ...ids, type: "regular", width: 512, height: 512, is_animated: false, is_video: false, emoji: "👍", file_size: 24_000 } });
        return true;
      }
      case "voice":
      case "suara": {
        const ids = newFileId("voice");
        files.set(ids.file_id, { size: 9_000, path: `voice/${ids.file_id}.oga` });
        await sendUserMessage({ voice: { ...ids, duration: 3, mime_type: "audio/ogg", file_size: 9_000 } });
        return true;
      }
      case "doc":
      case "dokumen": {
        const ids = newFileId("document");
        const name = arg || "dokumen.pdf";
        files.set(ids.file_id, { size: 48_000, path: `documents/${ids.file_id}`, name });
        await sendUserMessage({ document: { ...ids, file_name: name, mime_type: guessMime(name), file_size: 48_000 } });
        return true;
      }
      case "edit": {
        const state = chatState(currentChatId()) as ChatState;
        const id = state.lastUserMessage.get(current.id);
        const stored = id === undefined ? undefined : state.messages.get(id);
        if (stored === undefined || arg === "") {
          note(stored === undefined ? "(belum ada pesan Anda di chat ini untuk diubah)" : "(pakai: :edit TEKS BARU)");
          return true;
        }
        const edited: Json = { ...clone(stored.message), edit_date: unixNow() };
        if (typeof edited["text"] === "string") {
          edited["text"] = arg;
          const cmdMatch = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)/.exec(arg);
          if (cmdMatch !== null) edited["entities"] = [{ type: "bot_command", offset: 0, length: cmdMatch[0].length }];
          else delete edited["entities"];
        } else if (edited["caption"] !== undefined || edited["photo"] !== undefined || edited["document"] !== undefined) {
          edited["caption"] = arg;
        } else {
          note("(pesan terakhir Anda tidak bisa diubah teksnya)");
          return true;
        }
        stored.message = edited;
        note(`(pesan #${String(edited["message_id"])} diubah)`);
        await dispatch({ update_id: nextUpdateId++, edited_message: edited });
        return true;
      }
      case "say":
      case "kirim":
        if (arg === "") note("(pakai: :say TEKS)");
        else await sendText(arg);
        return true;
      case "group":
      case "grup":
        inGroup = true;
        note(`(Anda, ${fullName(current)}, sekarang menulis di ${GROUP_CHAT.title}${groupJoined ? "" : " — bot akan ditambahkan ke grup saat Anda menulis"})`);
        showUnread(GROUP_CHAT.id);
        return true;
      case "private":
      case "pribadi":
        switchTo(current);
        return true;
      case "menu":
        showMenu();
        return true;
      case "jobs":
        await runJobs(true);
        return true;
      case "pagi":
      case "morning": {
        if (!app) return true;
        // The 07:00 run (reminders and digests) for every time zone, now; people already
        // served today get nothing again, as in production.
        const results = await triggerMorning(app.deps, app.bot.api);
        note(results.map((r) => `(pagi ${r.zone} ${r.date}: ${r.volunteers} relawan, ${r.digests} ringkasan koordinator)`).join("\n"));
        await runJobs(false);
        return true;
      }
      case "time":
      case "waktu": {
        if (arg === "reset") clockOffsetMs = 0;
        else if (arg !== "") {
          const shift = parseShift(arg);
          if (shift === undefined) {
            note("(pakai: :time +2d, :time +3h, :time +30m, :time reset)");
            return true;
          }
          clockOffsetMs += shift;
        }
        note(`(jam simulasi: ${formatClock()}; jadwal tugas latar di basis data tetap memakai jam asli)`);
        return true;
      }
      case "quit":
      case "exit":
      case "keluar":
        return false;
      default:
        note(`(perintah simulator ":${cmd}" tidak dikenal; ketik :help)`);
        return true;
    }
  }

  /** Handles one input line; returns false to quit. */
  async function handleLine(raw: string): Promise<boolean> {
    const line = raw.trim();
    if (line === "") return true;
    if (line.startsWith(":")) return meta(line);
    const tapMatch = /^#(\d+)$/.exec(line);
    if (tapMatch !== null) await tap(Number(tapMatch[1]));
    else await sendText(line);
    return true;
  }

  function promptText(): string {
    const who = `${current.firstName} (${current.role})`;
    const where = inGroup ? ` @ ${GROUP_CHAT.title}` : "";
    const clock = clockOffsetMs === 0 ? "" : ` [${formatClock().slice(5, 16)}]`;
    return `${who}${where}${clock}> `;
  }

  function banner(): void {
    const rule = "═".repeat(72);
    const db = config.DATABASE_URL ? "PostgreSQL dari DATABASE_URL" : `basis data lokal PGlite di ${config.PGLITE_DIR}`;
    out(rule);
    out(bold("  PENDAMPING — MODE SIMULASI (SIMULATION)"));
    out("  Ini simulasi lokal: TIDAK ADA pesan yang dikirim ke Telegram.");
    out(`  Bot yang sebenarnya berjalan di sini, dengan ${db}.`);
    out(rule);
    out(`Anda sekarang: ${bold(`${fullName(current)} (${current.role})`)}. Pengguna simulasi:`);
    for (const u of users) out(userLine(u));
    out("Perintah penting:");
    out("  #N  tekan tombol N      :user N  ganti pengguna      :users  daftar pengguna");
    out("  :contact  :location  :photo  :doc      :group  tulis di Grup Koordinator");
    out("  :jobs  jalankan tugas latar      :time +1d  majukan jam      :help  semua      :quit  keluar");
    out("Menghubungkan ke Telegram sungguhan: buat bot lewat @BotFather, tulis BOT_TOKEN=… di .env,");
    out("lalu jalankan npm start. Untuk produksi set juga DATABASE_URL (PostgreSQL) dan PII_KEY.");
    out(dim(`Log aplikasi: ${relative(process.cwd(), logFile) || logFile}`));
  }

  // --- main loop

  let rl: ReturnType<typeof createInterface> | undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    rl?.close();
  };

  async function run(): Promise<void> {
    banner();
    const admins = users.filter((u) => u.admin).map((u) => u.id);
    for (const id of admins) if (!config.ADMIN_TELEGRAM_IDS.includes(id)) config.ADMIN_TELEGRAM_IDS.push(id);

    mkdirSync(dirname(logFile), { recursive: true });
    const file = pino.destination({ dest: logFile, mkdir: true, sync: true });
    const destination = {
      write(chunk: string): void {
        file.write(chunk);
        try {
          const entry = JSON.parse(chunk) as { level?: number; msg?: string; err?: { message?: string } };
          if ((entry.level ?? 0) >= 50) note(`(log ${entry.msg ?? "error"}${entry.err?.message ? `: ${entry.err.message}` : ""} — lihat ${relative(process.cwd(), logFile) || logFile})`);
        } catch {
          // not JSON: nothing to show
        }
      },
    };
    const logger = createLogger({ level: config.LOG_LEVEL, destination });

    const started = Date.now();
    note("⏳ Menyiapkan basis data dan bot…");
    app = await opts.startApp({
      logger,
      now,
      botConfig: { botInfo, client: { fetch: simulatedFetch as unknown as NonNullable<ApiClientOptions["fetch"]> } },
    });
    try {
      const row = await app.deps.db
        .selectFrom("processed_update")
        .select((eb) => eb.fn.max("update_id").as("max"))
        .executeTakeFirst();
      nextUpdateId = Number(row?.max ?? 0) + 1;
      const known = await app.deps.db.selectFrom("users").select("telegram_id").where("telegram_id", "in", users.map((u) => u.id)).execute();
      for (const r of known) startedChats.add(Number(r.telegram_id));
      await registerDefaultCommands(app.bot.api, app.deps.i18n).catch((err) => logger.warn({ err: (err as Error).message }, "could not register the command menu"));
      note(`✅ Siap dalam ${((Date.now() - started) / 1000).toFixed(1)} dtk. Ketik /start untuk mulai (sebagai ${fullName(current)}), :help untuk bantuan.`);

      rl = createInterface({
        input: opts.input,
        ...(interactive ? { output: output as NodeJS.WritableStream, terminal: true } : { terminal: false }),
        crlfDelay: Infinity,
      });
      if (interactive) {
        rl.on("SIGINT", () => {
          out("");
          stop();
        });
        rl.setPrompt(promptText());
        rl.prompt();
      }
      if (!stopped) {
        for await (const line of rl) {
          if (!interactive && line.trim() !== "") out(`${bold(promptText())}${line}`);
          let keepGoing = true;
          try {
            keepGoing = await handleLine(line);
            await runJobs(false);
          } catch (err) {
            out(`⚠️  ${(err as Error).message}`);
          }
          if (!keepGoing || stopped) break;
          if (interactive) {
            rl.setPrompt(promptText());
            rl.prompt();
          }
        }
      }
      rl.close();
    } finally {
      saveState(opts.stateFile, { chats, users, groupJoined });
      await app.close();
      file.flushSync();
      file.end();
      note("(simulasi selesai; basis data disimpan)");
    }
  }

  const done = run().finally(() => {
    app = undefined;
  });
  return { done, stop, app: () => app };
}

/** `npm start` without BOT_TOKEN: the simulator on stdin/stdout, exiting 0 when done. */
export async function runSimulator(config: Config, startApp: StartApp): Promise<void> {
  // The simulated world (message-id counters, added users) lives beside the database it belongs to.
  const stateFile = config.DATABASE_URL ? "./data/simulator-state.json" : join(dirname(resolve(config.PGLITE_DIR)), "simulator-state.json");
  const sim = createSimulator({ startApp, input: process.stdin, output: process.stdout, config, stateFile });
  const onSignal = () => sim.stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await sim.done;
  } catch (err) {
    process.stderr.write(`\nThe simulator stopped: ${(err as Error).message}\n\n`);
    process.exit(1);
  }
  process.exit(0);
}

// === Persistence of the simulated world between runs

function loadState(file: string | undefined): PersistedState {
  if (file === undefined || !existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return isObject(parsed) ? (parsed as PersistedState) : {};
  } catch {
    return {};
  }
}

function saveState(file: string | undefined, world: { chats: Map<number, ChatState>; users: SimUser[]; groupJoined: boolean }): void {
  if (file === undefined) return;
  const previous = loadState(file);
  const nextMessageIds: Record<string, number> = { ...(previous.nextMessageIds ?? {}) };
  for (const [id, state] of world.chats) nextMessageIds[String(id)] = state.nextMessageId;
  const state: PersistedState = {
    nextMessageIds,
    users: world.users.filter((u) => u.n > 3).map((u) => ({ n: u.n, role: u.role, name: fullName(u) })),
    groupJoined: world.groupJoined,
  };
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  } catch {
    // Losing the counters only means message ids restart; not worth failing the exit for.
  }
}

// === Request decoding (grammY sends JSON, or multipart/form-data for uploads)

function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  if (isObject(headers)) {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return String(v);
  }
  return undefined;
}

async function readBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === "object" && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks);
  }
  throw new Error(`simulator: unsupported request body ${Object.prototype.toString.call(body)}`);
}

function parseMultipart(body: Buffer, boundary: string): { name: string; filename?: string; data: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (body.subarray(end - 2, end).toString() === "\r\n") end -= 2;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf("\r\n\r\n");
    const headers = headerEnd === -1 ? "" : part.subarray(0, headerEnd).toString("utf8");
    const data = Buffer.from(headerEnd === -1 ? part : part.subarray(headerEnd + 4));
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filenameMatch = /filename=(?:"([^"]*)"|([^\r\n;]*))/i.exec(headers);
    if (name !== undefined) {
      const entry: { name: string; filename?: string; data: Buffer } = { name, data };
      if (filenameMatch !== null) entry.filename = (filenameMatch[1] ?? filenameMatch[2] ?? "").trim();
      parts.push(entry);
    }
    pos = next;
  }
  return parts;
}

const NUMERIC_FIELDS = new Set(["chat_id", "message_id", "reply_to_message_id", "message_thread_id", "duration", "width", "height", "length", "latitude", "longitude", "from_chat_id"]);
const BOOLEAN_FIELDS = new Set(["disable_notification", "protect_content", "has_spoiler", "disable_content_type_detection", "show_caption_above_media", "allow_paid_broadcast"]);

/** A multipart text field back to the JSON value it stood for. */
function decodeFormValue(key: string, raw: string): unknown {
  if (/^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  if (NUMERIC_FIELDS.has(key) && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (BOOLEAN_FIELDS.has(key) && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

function guessMime(filename: string | undefined): string {
  const ext = filename?.split(".").pop()?.toLowerCase() ?? "";
  const types: Record<string, string> = {
    csv: "text/csv",
    txt: "text/plain",
    pdf: "application/pdf",
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    json: "application/json",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    zip: "application/zip",
  };
  return types[ext] ?? "application/octet-stream";
}

