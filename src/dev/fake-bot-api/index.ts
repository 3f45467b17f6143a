/**
 * An in-process fake of the Telegram Bot API, plugged into grammY through the `client.fetch`
 * option. ONE fake serves the tests (test/support/fake-telegram.ts adds the Bot API
 * description checks) and the local simulator (src/dev/simulator/, which renders what the
 * fake records in the terminal):
 *
 *   const fake = createFakeBotApi({ botInfo });
 *   const bot = new Bot("123:TEST", { botInfo, client: { fetch: fake.fetch } });
 *
 * `client.fetch` reaches every `Api` instance, including the ones that @grammyjs/conversations
 * rebuilds on each replay (a transformer on `bot.api` would miss those). Every call is
 * recorded and checked, and the fake keeps a small model of the chats (messages with per-chat
 * ids, edits, deletions, the reply keyboard last shown, files, callback queries, command
 * menus) so that a test or the terminal can show what the user actually saw.
 *
 * @module
 */
import type { Chat, ChatMember, Message, ReplyKeyboardMarkup, ResponseParameters, UserFromGetMe } from "grammy/types";
import { basicChecks } from "./checks.js";
import { parseHtml } from "./html.js";
import { decodeFormValue, findAttachments, guessMime, headerValue, parseMultipart, readBody, type MultipartPart } from "./request.js";

export { parseMultipart, type MultipartPart } from "./request.js";
export { decodeHtmlEntities, parseHtml, parseTelegramHtml, type HtmlEntity, type ParsedHtml } from "./html.js";

// === Public types

/** What the fake answers to a call (the JSON body of a Bot API response). */
export type ApiResponse =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: ResponseParameters };

/** A file received in a multipart (InputFile) upload. */
export interface UploadedFile {
  /** Method that uploaded the file. */
  method: string;
  /** Where the attach:// reference appeared in the payload, e.g. "document" or "media[1].media". */
  field: string;
  /** Random id grammY used in the attach:// reference. */
  attachId: string;
  /** File name sent by grammY (InputFile filename, or "<field>.<ext>"). */
  filename: string;
  /** Size in bytes. */
  size: number;
  /** Raw file content. */
  content: Buffer;
  /** file_id the fake assigned to the file (usable with getFile / downloads). */
  fileId?: string;
}

/** One recorded Bot API call. */
export interface FakeCall {
  method: string;
  /** Parameters (decoded from JSON, or from multipart form fields). */
  payload: Record<string, unknown>;
  /** `Date.now()`-style timestamp (the fake's clock) of the call. */
  at: number;
  /** Files uploaded with this call (multipart only). */
  files: UploadedFile[];
  /** Validation problems found for this call. */
  violations: string[];
  /** What the fake answered (set once the call has been handled). */
  response?: ApiResponse;
}

export interface Violation {
  method: string;
  payload: Record<string, unknown>;
  problems: string[];
}

/**
 * Overrides the fake's answer for a method. Return `undefined` to fall
 * through to the default behaviour (and the next registered responder).
 */
export type Responder = (
  payload: Record<string, unknown>,
  call: FakeCall,
) => ApiResponse | undefined | Promise<ApiResponse | undefined>;

/** Something the bot did to a chat, in order; used for `newTexts()` and the simulator's screen. */
export interface ChatEvent {
  seq: number;
  kind: "sent" | "edited" | "deleted";
  chatId: number;
  messageId: number;
  /** Visible text or caption at the time of the event (undefined for media without caption). */
  text?: string;
  /** Snapshot of the message (not for deletions). */
  message?: Message;
  /** The call's reply_markup when it is not an inline keyboard (reply keyboard, remove, force reply). */
  otherMarkup?: Record<string, unknown>;
  /** Deletions: the message as it was. */
  previous?: Message;
  /** The message was sent before the fake started (its content is unknown: an earlier run). */
  earlier?: boolean;
}

/** A refusal, as the Bot API words it. */
export interface ApiRefusal {
  error_code: number;
  description: string;
}

/** The Bot API description, when available: what a call may contain. */
export interface BotApiChecks {
  /** Problems with a call (empty when Telegram would accept it). */
  validate(method: string, payload: Record<string, unknown>): string[];
  /** Whether the method exists (an unknown one gets 404). */
  hasMethod(method: string): boolean;
  /** The Bot API types of a parameter (to decode multipart form fields), when known. */
  fieldTypes(method: string, field: string): readonly string[] | undefined;
}

export interface FakeBotApiOptions {
  /** getMe result and `from` of bot messages. */
  botInfo: UserFromGetMe;
  /** Clock in milliseconds. Default: `Date.now`. Message dates are derived from it. */
  now?: () => number;
  /** How long an empty `getUpdates` waits before answering `[]` (ms). Default: 50. */
  getUpdatesDelayMs?: number;
  /**
   * What to do with invalid calls. "record" (default): record the violation
   * and answer as if the call succeeded. "reject": also answer 400 like
   * Telegram would.
   */
  onViolation?: "record" | "reject";
  /**
   * Sending to a chat the fake has never seen. "create" (default): create a
   * private chat (positive id) or group (negative id) on the fly. "error":
   * answer 400 "Bad Request: chat not found".
   */
  unknownChats?: "create" | "error";
  /** Checks against the Bot API description; default: the essential limits only (checks.ts). */
  checks?: BotApiChecks;
  /**
   * Whether the bot may write to a chat now (e.g. a person who never started the bot: 403).
   * Return a refusal to answer with it; undefined allows. Blocked chats (`block()`) are
   * refused before this is asked.
   */
  mayWrite?: (chat: Chat) => ApiRefusal | undefined;
  /** getChatMember / getChatAdministrators answers; default: everyone is a member, no admins. */
  members?: {
    member(chat: Chat, userId: number): ChatMember | undefined;
    administrators(chat: Chat): ChatMember[];
  };
  /** Called for every chat event, as it happens (the simulator draws it). */
  onEvent?: (event: ChatEvent) => void;
  /** Called after every call, with its response (the simulator shows toasts and errors). */
  onCall?: (call: FakeCall) => void;
  /**
   * Keep every call, upload and event in `calls` / `uploads` / `events` (default true; the
   * simulator, which runs for hours, only listens through `onEvent` / `onCall`).
   */
  keepHistory?: boolean;
}

export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  path: string;
  content?: Buffer;
  size: number;
  filename?: string;
}

export type FakeBotApi = ReturnType<typeof createFakeBotApi>;

// === Internal model

interface StoredMessage {
  message: Message;
  fromBot: boolean;
  /** A bot message from before the fake started: its content is unknown. */
  earlier?: boolean;
}

interface ChatState {
  chat: Chat;
  nextMessageId: number;
  /** Ids below this were given out before the fake started (an earlier simulator run). */
  firstMessageId: number;
  messages: Map<number, StoredMessage>;
  deleted: number[];
  replyKeyboard: ReplyKeyboardMarkup | undefined;
  /** The message that showed the reply keyboard. */
  replyKeyboardMessageId: number | undefined;
  blocked: boolean;
}

type Json = Record<string, unknown>;

const MESSAGE_NOT_MODIFIED =
  "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
const QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid";

class ApiFailure extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
  }
}

function fail(errorCode: number, description: string, parameters?: ResponseParameters): never {
  throw new ApiFailure(errorCode, description, parameters);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys, for "not modified" comparisons. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (isObject(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
    }
    return v;
  });
}

/** A message as a plain record, for generic field access. */
function asJson(message: Message): Json {
  return message as unknown as Json;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function jsonResponse(body: ApiResponse): Response {
  return new Response(JSON.stringify(body), {
    status: body.ok ? 200 : body.error_code,
    headers: { "content-type": "application/json" },
  });
}

function abortError(): Error {
  const err = new Error("The operation was aborted.");
  err.name = "AbortError";
  return err;
}

// === The fake

/**
 * Creates a fake Bot API. Pass `fake.fetch` as grammY's `client.fetch`.
 */
export function createFakeBotApi(opts: FakeBotApiOptions) {
  const botInfo = opts.botInfo;
  const now = opts.now ?? Date.now;
  const keepHistory = opts.keepHistory ?? true;
  const checks: BotApiChecks = opts.checks ?? { validate: basicChecks, hasMethod: () => true, fieldTypes: () => undefined };
  const getUpdatesDelayMs = opts.getUpdatesDelayMs ?? 50;
  const onViolation = opts.onViolation ?? "record";
  const unknownChats = opts.unknownChats ?? "create";
  const from = { id: botInfo.id, is_bot: true as const, first_name: botInfo.first_name, username: botInfo.username };

  const calls: FakeCall[] = [];
  const violations: Violation[] = [];
  const uploads: UploadedFile[] = [];
  const events: ChatEvent[] = [];
  const chats = new Map<number, ChatState>();
  const files = new Map<string, StoredFile>();
  const responders: { method: string; handler: Responder; once: boolean }[] = [];
  const callbackQueries = new Map<string, { answered: boolean; answer?: Json }>();
  const commands = new Map<string, unknown[]>();
  const menuButtons = new Map<string, unknown>();
  const updateQueue: unknown[] = [];
  const updateWaiters = new Set<() => void>();
  let webhookUrl = "";
  let fileCounter = 0;
  let eventSeq = 0;
  let mediaGroupCounter = 0;

  const unixNow = (): number => Math.floor(now() / 1000);

  // --- chats and messages

  function chatTypeFor(id: number): Chat {
    if (id > 0) return { id, type: "private", first_name: `User ${id}` };
    if (id <= -1000000000000) return { id, type: "supergroup", title: `Group ${id}` };
    return { id, type: "group", title: `Group ${id}` };
  }

  /**
   * Registers (or updates) a chat the user side knows about. `firstMessageId` > 1 says that
   * messages below it were exchanged before the fake started (the simulator keeps its
   * database across runs, not its chats): editing, deleting or replying to them is accepted.
   */
  function registerChat(chat: Chat, options: { firstMessageId?: number } = {}): void {
    const existing = chats.get(chat.id);
    if (existing !== undefined) {
      existing.chat = clone(chat);
      return;
    }
    const first = Math.max(1, Math.trunc(options.firstMessageId ?? 1));
    chats.set(chat.id, {
      chat: clone(chat),
      nextMessageId: first,
      firstMessageId: first,
      messages: new Map(),
      deleted: [],
      replyKeyboard: undefined,
      replyKeyboardMessageId: undefined,
      blocked: false,
    });
  }

  function resolveChatId(value: unknown): number {
    if (typeof value === "number") return value;
    if (typeof value === "string") {
      if (/^-?\d+$/.test(value)) return Number(value);
      for (const state of chats.values()) {
        if ("username" in state.chat && `@${String(state.chat.username)}` === value) return state.chat.id;
      }
    }
    fail(400, "Bad Request: chat not found");
  }

  function chatState(value: unknown): ChatState {
    const id = resolveChatId(value);
    let state = chats.get(id);
    if (state === undefined) {
      if (unknownChats === "error") fail(400, "Bad Request: chat not found");
      registerChat(chatTypeFor(id));
      state = chats.get(id) as ChatState;
    }
    if (state.blocked) {
      fail(403, state.chat.type === "private" ? "Forbidden: bot was blocked by the user" : "Forbidden: bot was kicked from the group chat");
    }
    const refusal = opts.mayWrite?.(state.chat);
    if (refusal !== undefined) fail(refusal.error_code, refusal.description);
    return state;
  }

  function allocateMessageId(chatId: number): number {
    if (!chats.has(chatId)) registerChat(chatTypeFor(chatId));
    const state = chats.get(chatId) as ChatState;
    const id = state.nextMessageId;
    state.nextMessageId += 1;
    return id;
  }

  function visible(message: Message): string | undefined {
    const m = asJson(message);
    if (typeof m["text"] === "string") return m["text"];
    if (typeof m["caption"] === "string") return m["caption"];
    return undefined;
  }

  function pushEvent(
    kind: ChatEvent["kind"],
    chatId: number,
    messageId: number,
    message?: Message,
    extra: Pick<ChatEvent, "otherMarkup" | "previous" | "earlier"> = {},
  ): void {
    eventSeq += 1;
    const event: ChatEvent = { seq: eventSeq, kind, chatId, messageId, ...extra };
    if (message !== undefined) {
      event.message = clone(message);
      const text = visible(message);
      if (text !== undefined) event.text = text;
    }
    if (keepHistory) events.push(event);
    opts.onEvent?.(clone(event));
  }

  /** A reply_markup that is not an inline keyboard, for the event (the screen shows it). */
  function otherMarkup(markup: unknown): Pick<ChatEvent, "otherMarkup"> {
    return isObject(markup) && !Array.isArray(markup["inline_keyboard"]) ? { otherMarkup: clone(markup) } : {};
  }

  /** Stores a message sent by a user (the driver calls this before dispatching the update). */
  function storeUserMessage(message: Message): void {
    if (!chats.has(message.chat.id)) registerChat(message.chat);
    const state = chats.get(message.chat.id) as ChatState;
    state.messages.set(message.message_id, { message: clone(message), fromBot: false });
    if (message.message_id >= state.nextMessageId) state.nextMessageId = message.message_id + 1;
  }

  function storeBotMessage(state: ChatState, message: Message, markup?: unknown): Message {
    state.messages.set(message.message_id, { message: clone(message), fromBot: true });
    pushEvent("sent", state.chat.id, message.message_id, message, otherMarkup(markup));
    return clone(message);
  }

  // --- files

  function newFile(opts2: { content?: Buffer; size?: number; filename?: string; kind: string }): StoredFile {
    fileCounter += 1;
    const ext = opts2.filename?.includes(".") === true ? opts2.filename.slice(opts2.filename.lastIndexOf(".")) : "";
    const file: StoredFile = {
      fileId: `FAKE-FILE-${fileCounter}-${opts2.kind}`,
      fileUniqueId: `FAKE-UNIQUE-${fileCounter}`,
      path: `${opts2.kind}s/file_${fileCounter}${ext}`,
      size: opts2.content?.length ?? opts2.size ?? 1024,
    };
    if (opts2.content !== undefined) file.content = opts2.content;
    if (opts2.filename !== undefined) file.filename = opts2.filename;
    files.set(file.fileId, file);
    return file;
  }

  /** Registers a file (e.g. a photo a test user sent) so getFile and downloads work. */
  function registerFile(input: { kind?: string; content?: Buffer; size?: number; filename?: string } = {}): StoredFile {
    const spec: { content?: Buffer; size?: number; filename?: string; kind: string } = { kind: input.kind ?? "document" };
    if (input.content !== undefined) spec.content = input.content;
    if (input.size !== undefined) spec.size = input.size;
    if (input.filename !== undefined) spec.filename = input.filename;
    return newFile(spec);
  }

  /** Resolves an InputFile-or-String payload value to a stored file. */
  function fileFor(value: unknown, call: FakeCall, kind: string): StoredFile {
    if (typeof value === "string" && value.startsWith("attach://")) {
      const upload = call.files.find((f) => f.attachId === value.slice("attach://".length));
      if (upload !== undefined) {
        if (upload.fileId !== undefined) return files.get(upload.fileId) as StoredFile;
        const file = newFile({ content: upload.content, filename: upload.filename, kind });
        upload.fileId = file.fileId;
        return file;
      }
    }
    if (typeof value === "string") {
      const known = files.get(value);
      if (known !== undefined) return known;
      // A URL or a file_id the fake does not know: make up a file.
      const name = /^https?:\/\//.test(value) ? value.split("/").pop() : undefined;
      return newFile(name !== undefined ? { kind, filename: name } : { kind });
    }
    return newFile({ kind });
  }

  // --- message construction

  function formatted(text: unknown, parseMode: unknown, entities: unknown): { text: string; entities?: unknown[] } {
    const raw = typeof text === "string" ? text : "";
    if (Array.isArray(entities) && entities.length > 0) return { text: raw, entities: clone(entities) };
    if (parseMode === "HTML") {
      const parsed = parseHtml(raw);
      return parsed.entities.length > 0 ? { text: parsed.text, entities: parsed.entities } : { text: parsed.text };
    }
    return { text: raw };
  }

  function inlineMarkup(markup: unknown): Json | undefined {
    return isObject(markup) && Array.isArray(markup["inline_keyboard"]) ? clone(markup) : undefined;
  }

  function applyReplyMarkup(state: ChatState, markup: unknown, messageId: number): void {
    if (!isObject(markup)) return;
    if (Array.isArray(markup["keyboard"])) {
      state.replyKeyboard = clone(markup) as unknown as ReplyKeyboardMarkup;
      state.replyKeyboardMessageId = messageId;
    } else if (markup["remove_keyboard"] === true) {
      state.replyKeyboard = undefined;
      state.replyKeyboardMessageId = undefined;
    }
  }

  function setCaption(msg: Json, payload: Json): void {
    if (typeof payload["caption"] !== "string") return;
    const f = formatted(payload["caption"], payload["parse_mode"], payload["caption_entities"]);
    if (f.text.length === 0) return;
    msg["caption"] = f.text;
    if (f.entities !== undefined) msg["caption_entities"] = f.entities;
  }

  function photoSizes(file: StoredFile): Json[] {
    return [
      { file_id: `${file.fileId}-s`, file_unique_id: `${file.fileUniqueId}-s`, width: 90, height: 90, file_size: Math.min(file.size, 2048) },
      { file_id: file.fileId, file_unique_id: file.fileUniqueId, width: 800, height: 800, file_size: file.size },
    ];
  }

  function mediaContent(kind: string, value: unknown, call: FakeCall, payload: Json): Json {
    const file = fileFor(value, call, kind);
    const base: Json = { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size };
    switch (kind) {
      case "photo":
        return { photo: photoSizes(file) };
      case "document":
        return { document: { ...base, file_name: file.filename ?? "document.dat", mime_type: guessMime(file.filename) } };
      case "audio":
        return { audio: { ...base, duration: Number(payload["duration"] ?? 1), file_name: file.filename } };
      case "video":
        return { video: { ...base, width: 640, height: 360, duration: Number(payload["duration"] ?? 1) } };
      case "animation":
        return {
          animation: { ...base, width: 320, height: 240, duration: 1 },
          document: { ...base, file_name: file.filename ?? "animation.mp4", mime_type: "video/mp4" },
        };
      case "voice":
        return { voice: { ...base, duration: Number(payload["duration"] ?? 1), mime_type: "audio/ogg" } };
      case "video_note":
        return { video_note: { ...base, length: 240, duration: 1 } };
      case "sticker":
        return { sticker: { ...base, type: "regular", width: 512, height: 512, is_animated: false, is_video: false } };
      default:
        return { document: { ...base, file_name: file.filename ?? "file.dat" } };
    }
  }

  function baseMessage(state: ChatState, payload: Json): Json {
    const msg: Json = {
      message_id: allocateMessageId(state.chat.id),
      date: unixNow(),
      chat: clone(state.chat),
      from: clone(from),
    };
    const replyParams = payload["reply_parameters"];
    const replyTo = isObject(replyParams) ? replyParams["message_id"] : payload["reply_to_message_id"];
    if (typeof replyTo === "number") {
      const target = state.messages.get(replyTo);
      if (target !== undefined) {
        const copy = asJson(clone(target.message));
        delete copy["reply_to_message"];
        msg["reply_to_message"] = copy;
      } else if (!(isObject(replyParams) && replyParams["allow_sending_without_reply"] === true) && replyTo >= state.firstMessageId) {
        fail(400, "Bad Request: message to be replied not found");
      }
    }
    const markup = inlineMarkup(payload["reply_markup"]);
    if (markup !== undefined) msg["reply_markup"] = markup;
    return msg;
  }

  const SEND_MEDIA: Record<string, string> = {
    sendPhoto: "photo",
    sendDocument: "document",
    sendAudio: "audio",
    sendVideo: "video",
    sendAnimation: "animation",
    sendVoice: "voice",
    sendVideoNote: "video_note",
    sendSticker: "sticker",
  };

  function sendLike(method: string, payload: Json, call: FakeCall): Message {
    const state = chatState(payload["chat_id"]);
    const msg = baseMessage(state, payload);
    const mediaKind = SEND_MEDIA[method];
    if (method === "sendMessage") {
      const f = formatted(payload["text"], payload["parse_mode"], payload["entities"]);
      msg["text"] = f.text;
      if (f.entities !== undefined) msg["entities"] = f.entities;
    } else if (mediaKind !== undefined) {
      Object.assign(msg, mediaContent(mediaKind, payload[mediaKind], call, payload));
      setCaption(msg, payload);
    } else if (method === "sendLocation") {
      msg["location"] = { latitude: payload["latitude"], longitude: payload["longitude"] };
    } else if (method === "sendVenue") {
      const location = { latitude: payload["latitude"], longitude: payload["longitude"] };
      msg["location"] = location;
      msg["venue"] = { location, title: payload["title"], address: payload["address"] };
    } else if (method === "sendContact") {
      const contact: Json = { phone_number: payload["phone_number"], first_name: payload["first_name"] };
      if (payload["last_name"] !== undefined) contact["last_name"] = payload["last_name"];
      msg["contact"] = contact;
    } else if (method === "sendDice") {
      msg["dice"] = { emoji: payload["emoji"] ?? "🎲", value: 1 };
    } else if (method === "sendPoll") {
      const options = Array.isArray(payload["options"]) ? payload["options"] : [];
      msg["poll"] = {
        id: `FAKE-POLL-${String(msg["message_id"])}`,
        question: payload["question"],
        options: options.map((o) => ({ text: isObject(o) ? o["text"] : String(o), voter_count: 0 })),
        total_voter_count: 0,
        is_closed: false,
        is_anonymous: payload["is_anonymous"] ?? true,
        type: payload["type"] ?? "regular",
        allows_multiple_answers: payload["allows_multiple_answers"] ?? false,
      };
    } else {
      setCaption(msg, payload);
    }
    applyReplyMarkup(state, payload["reply_markup"], msg["message_id"] as number);
    return storeBotMessage(state, msg as unknown as Message, payload["reply_markup"]);
  }

  function sendMediaGroup(payload: Json, call: FakeCall): Message[] {
    const state = chatState(payload["chat_id"]);
    const media = Array.isArray(payload["media"]) ? payload["media"] : [];
    mediaGroupCounter += 1;
    const groupId = `FAKE-MEDIA-GROUP-${mediaGroupCounter}`;
    return media.map((item) => {
      const entry = isObject(item) ? item : {};
      const msg = baseMessage(state, payload);
      msg["media_group_id"] = groupId;
      const kind = typeof entry["type"] === "string" ? entry["type"] : "document";
      Object.assign(msg, mediaContent(kind, entry["media"], call, entry));
      setCaption(msg, entry);
      return storeBotMessage(state, msg as unknown as Message);
    });
  }

  const CONTENT_KEYS = [
    "text", "entities", "caption", "caption_entities", "photo", "document", "audio", "video", "animation",
    "voice", "video_note", "sticker", "location", "venue", "contact", "dice", "poll",
  ];

  function copyOne(payload: Json, messageId: unknown, forward: boolean): Message {
    const source = chats.get(resolveChatId(payload["from_chat_id"]));
    const original = typeof messageId === "number" ? source?.messages.get(messageId) : undefined;
    if (source === undefined || original === undefined) {
      fail(400, forward ? "Bad Request: message to forward not found" : "Bad Request: message to copy not found");
    }
    const state = chatState(payload["chat_id"]);
    const msg = baseMessage(state, payload);
    const src = asJson(original.message);
    for (const key of CONTENT_KEYS) {
      if (src[key] !== undefined) msg[key] = clone(src[key]);
    }
    if (forward) {
      const origin = original.fromBot || src["from"] === undefined
        ? { type: "user", date: src["date"], sender_user: clone(from) }
        : { type: "user", date: src["date"], sender_user: clone(src["from"]) };
      msg["forward_origin"] = origin;
    } else if (payload["caption"] !== undefined) {
      delete msg["caption"];
      delete msg["caption_entities"];
      setCaption(msg, payload);
    }
    applyReplyMarkup(state, payload["reply_markup"], msg["message_id"] as number);
    return storeBotMessage(state, msg as unknown as Message, payload["reply_markup"]);
  }

  // --- edits and deletions

  function editTarget(payload: Json, verb: "edit" | "delete" = "edit"): { state: ChatState; stored: StoredMessage } | undefined {
    if (payload["inline_message_id"] !== undefined && payload["chat_id"] === undefined) return undefined;
    const state = chatState(payload["chat_id"]);
    const id = payload["message_id"];
    let stored = typeof id === "number" ? state.messages.get(id) : undefined;
    if (stored === undefined && typeof id === "number" && Number.isInteger(id) && id > 0 && id < state.firstMessageId) {
      // A message of an earlier run: accepted as it comes (its content is not known).
      const message = { message_id: id, date: unixNow(), chat: clone(state.chat), from: clone(from) } as unknown as Message;
      stored = { message, fromBot: true, earlier: true };
      state.messages.set(id, stored);
    }
    if (stored === undefined) fail(400, `Bad Request: message to ${verb} not found`);
    if (!stored.fromBot && verb === "edit") fail(400, "Bad Request: message can't be edited");
    return { state, stored };
  }

  function commitEdit(state: ChatState, stored: StoredMessage, next: Json): Message {
    const before = asJson(stored.message);
    const fields = ["text", "entities", "caption", "caption_entities", "reply_markup", "photo", "document", "audio", "video", "animation", "location"];
    const same = fields.every((k) => canonical(before[k]) === canonical(next[k]));
    if (same && stored.earlier !== true) fail(400, MESSAGE_NOT_MODIFIED);
    next["edit_date"] = unixNow();
    stored.message = next as unknown as Message;
    const earlier = stored.earlier === true;
    delete stored.earlier;
    pushEvent("edited", state.chat.id, stored.message.message_id, stored.message, earlier ? { earlier } : {});
    return clone(stored.message);
  }

  function withMarkup(next: Json, payload: Json): void {
    // Editing without reply_markup removes the inline keyboard, like Telegram does.
    const markup = inlineMarkup(payload["reply_markup"]);
    if (markup !== undefined) next["reply_markup"] = markup;
    else delete next["reply_markup"];
  }

  function editMessageText(payload: Json): Message | true {
    const target = editTarget(payload);
    if (target === undefined) return true;
    const before = asJson(target.stored.message);
    if (typeof before["text"] !== "string" && target.stored.earlier !== true) fail(400, "Bad Request: there is no text in the message to edit");
    const next = clone(before);
    const f = formatted(payload["text"], payload["parse_mode"], payload["entities"]);
    next["text"] = f.text;
    if (f.entities !== undefined) next["entities"] = f.entities;
    else delete next["entities"];
    withMarkup(next, payload);
    return commitEdit(target.state, target.stored, next);
  }

  function editMessageCaption(payload: Json): Message | true {
    const target = editTarget(payload);
    if (target === undefined) return true;
    const before = asJson(target.stored.message);
    if (typeof before["text"] === "string" && target.stored.earlier !== true) fail(400, "Bad Request: there is no caption in the message to edit");
    const next = clone(before);
    delete next["caption"];
    delete next["caption_entities"];
    setCaption(next, payload);
    withMarkup(next, payload);
    return commitEdit(target.state, target.stored, next);
  }

  function editMessageReplyMarkup(payload: Json): Message | true {
    const target = editTarget(payload);
    if (target === undefined) return true;
    const next = clone(asJson(target.stored.message));
    withMarkup(next, payload);
    return commitEdit(target.state, target.stored, next);
  }

  function editMessageMedia(payload: Json, call: FakeCall): Message | true {
    const target = editTarget(payload);
    if (target === undefined) return true;
    const next = clone(asJson(target.stored.message));
    for (const key of ["photo", "document", "audio", "video", "animation", "caption", "caption_entities"]) delete next[key];
    const media = isObject(payload["media"]) ? payload["media"] : {};
    const kind = typeof media["type"] === "string" ? media["type"] : "document";
    Object.assign(next, mediaContent(kind, media["media"], call, media));
    setCaption(next, media);
    withMarkup(next, payload);
    return commitEdit(target.state, target.stored, next);
  }

  function deleteOne(state: ChatState, id: unknown): boolean {
    if (typeof id !== "number") return false;
    const stored = state.messages.get(id);
    if (stored === undefined && !(Number.isInteger(id) && id > 0 && id < state.firstMessageId && !state.deleted.includes(id))) return false;
    state.messages.delete(id);
    state.deleted.push(id);
    pushEvent("deleted", state.chat.id, id, undefined, stored === undefined || stored.earlier === true ? { earlier: true } : { previous: clone(stored.message) });
    return true;
  }

  // --- other methods

  function waitForUpdates(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        updateWaiters.delete(done);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        updateWaiters.delete(done);
        reject(abortError());
      };
      const timer = setTimeout(done, ms);
      updateWaiters.add(done);
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  async function getUpdates(payload: Json, signal: AbortSignal | undefined): Promise<unknown[]> {
    const offset = typeof payload["offset"] === "number" ? payload["offset"] : 0;
    const limit = typeof payload["limit"] === "number" ? payload["limit"] : 100;
    const pending = (): unknown[] => {
      while (updateQueue.length > 0 && offset > 0 && (updateQueue[0] as { update_id: number }).update_id < offset) {
        updateQueue.shift();
      }
      return updateQueue.slice(0, limit);
    };
    if (pending().length === 0) await waitForUpdates(getUpdatesDelayMs, signal);
    return clone(pending());
  }

  function botCommandsKey(payload: Json): string {
    return `${canonical(payload["scope"] ?? { type: "default" })}|${String(payload["language_code"] ?? "")}`;
  }

  function chatFullInfo(state: ChatState): Json {
    return {
      ...clone(state.chat),
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: {
        unlimited_gifts: false,
        limited_gifts: false,
        unique_gifts: false,
        premium_subscription: false,
        gifts_from_channels: false,
      },
    };
  }

  async function defaultAnswer(method: string, payload: Json, call: FakeCall, signal: AbortSignal | undefined): Promise<unknown> {
    switch (method) {
      case "getMe":
        return clone(botInfo);
      case "getUpdates":
        return getUpdates(payload, signal);
      case "setWebhook":
        webhookUrl = String(payload["url"] ?? "");
        return true;
      case "deleteWebhook":
        webhookUrl = "";
        if (payload["drop_pending_updates"] === true) updateQueue.length = 0;
        return true;
      case "getWebhookInfo":
        return { url: webhookUrl, has_custom_certificate: false, pending_update_count: updateQueue.length };
      case "logOut":
      case "close":
        return true;
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
      case "sendDice":
      case "sendPoll":
        return sendLike(method, payload, call);
      case "sendMediaGroup":
        return sendMediaGroup(payload, call);
      case "copyMessage":
        return { message_id: copyOne(payload, payload["message_id"], false).message_id };
      case "copyMessages": {
        const ids = Array.isArray(payload["message_ids"]) ? payload["message_ids"] : [];
        return ids.map((id) => ({ message_id: copyOne(payload, id, false).message_id }));
      }
      case "forwardMessage":
        return copyOne(payload, payload["message_id"], true);
      case "forwardMessages": {
        const ids = Array.isArray(payload["message_ids"]) ? payload["message_ids"] : [];
        return ids.map((id) => ({ message_id: copyOne(payload, id, true).message_id }));
      }
      case "editMessageText":
        return editMessageText(payload);
      case "editMessageCaption":
        return editMessageCaption(payload);
      case "editMessageReplyMarkup":
        return editMessageReplyMarkup(payload);
      case "editMessageMedia":
        return editMessageMedia(payload, call);
      case "deleteMessage": {
        const state = chatState(payload["chat_id"]);
        if (!deleteOne(state, payload["message_id"])) fail(400, "Bad Request: message to delete not found");
        return true;
      }
      case "deleteMessages": {
        const state = chatState(payload["chat_id"]);
        const ids = Array.isArray(payload["message_ids"]) ? payload["message_ids"] : [];
        const deleted = ids.map((id) => deleteOne(state, id));
        if (!deleted.some(Boolean)) fail(400, "Bad Request: message to delete not found");
        return true;
      }
      case "answerCallbackQuery": {
        const id = String(payload["callback_query_id"]);
        const query = callbackQueries.get(id);
        if (query === undefined || query.answered) fail(400, QUERY_TOO_OLD);
        query.answered = true;
        query.answer = clone(payload);
        return true;
      }
      case "sendChatAction":
        chatState(payload["chat_id"]);
        return true;
      case "getChat":
        return chatFullInfo(chatState(payload["chat_id"]));
      case "getChatMember": {
        const state = chatState(payload["chat_id"]);
        const userId = Number(payload["user_id"]);
        if (userId === botInfo.id) return { status: "member", user: clone(from) };
        const known = opts.members?.member(state.chat, userId);
        return known !== undefined ? clone(known) : { status: "member", user: { id: userId, is_bot: false, first_name: `User ${userId}` } };
      }
      case "getChatAdministrators": {
        const state = chatState(payload["chat_id"]);
        if (state.chat.type === "private") fail(400, "Bad Request: there are no administrators in the private chat");
        return clone(opts.members?.administrators(state.chat) ?? []);
      }
      case "getFile": {
        const file = files.get(String(payload["file_id"]));
        if (file === undefined) fail(400, "Bad Request: invalid file_id");
        return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size, file_path: file.path };
      }
      case "setMyCommands":
        commands.set(botCommandsKey(payload), clone(payload["commands"] as unknown[]));
        return true;
      case "deleteMyCommands":
        commands.delete(botCommandsKey(payload));
        return true;
      case "getMyCommands":
        return clone(commands.get(botCommandsKey(payload)) ?? []);
      case "setChatMenuButton":
        menuButtons.set(String(payload["chat_id"] ?? "default"), clone(payload["menu_button"] ?? { type: "default" }));
        return true;
      case "getChatMenuButton":
        return clone(menuButtons.get(String(payload["chat_id"] ?? "default")) ?? { type: "commands" });
      default:
        if ("chat_id" in payload && payload["chat_id"] !== undefined && typeof payload["chat_id"] !== "object") {
          // Blocked chats fail for every chat-bound method.
          chatState(payload["chat_id"]);
        }
        return true;
    }
  }

  async function answer(call: FakeCall, signal: AbortSignal | undefined): Promise<ApiResponse> {
    const { method, payload } = call;
    if (!checks.hasMethod(method)) return { ok: false, error_code: 404, description: "Not Found" };
    if (call.violations.length > 0 && onViolation === "reject") {
      return { ok: false, error_code: 400, description: `Bad Request: ${call.violations[0] ?? "invalid request"}` };
    }
    for (const responder of [...responders].reverse()) {
      if (responder.method !== method && responder.method !== "*") continue;
      const result = await responder.handler(payload, call);
      if (result !== undefined) {
        if (responder.once) responders.splice(responders.indexOf(responder), 1);
        return result;
      }
    }
    try {
      return { ok: true, result: await defaultAnswer(method, payload, call, signal) };
    } catch (err) {
      if (err instanceof ApiFailure) {
        const response: ApiResponse = { ok: false, error_code: err.errorCode, description: err.description };
        if (err.parameters !== undefined) response.parameters = err.parameters;
        return response;
      }
      throw err;
    }
  }

  /** Serves file downloads (https://api.telegram.org/file/bot<token>/<path>). */
  function download(path: string): Response {
    for (const file of files.values()) {
      if (file.path === path) {
        return new Response(file.content ?? Buffer.alloc(file.size), { status: 200 });
      }
    }
    return new Response(JSON.stringify({ ok: false, error_code: 404, description: "Not Found" }), { status: 404 });
  }

  // --- fetch

  /** Drop-in replacement for `fetch`, to pass as grammY's `client.fetch`. */
  async function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const segments = url.pathname.split("/").filter((s) => s.length > 0);
    if (segments[0] === "file") return download(segments.slice(2).join("/"));
    const method = segments[segments.length - 1] ?? "";
    const signal = init?.signal ?? undefined;
    const contentType = headerValue(init?.headers, "content-type") ?? "";
    const body = await readBody(init?.body);
    const at = now();
    let payload: Json = {};
    const uploaded: UploadedFile[] = [];
    if (contentType.startsWith("multipart/form-data")) {
      const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
      const parts = parseMultipart(body, boundary?.[1] ?? boundary?.[2] ?? "");
      const fileParts = new Map<string, MultipartPart>();
      for (const part of parts) {
        if (part.name === undefined) continue;
        if (part.filename !== undefined) fileParts.set(part.name, part);
        else payload[part.name] = decodeFormValue(part.name, part.data.toString("utf8"), checks.fieldTypes(method, part.name));
      }
      const refs = new Map<string, string>();
      findAttachments(payload, "", refs);
      for (const [attachId, part] of fileParts) {
        uploaded.push({
          method,
          field: refs.get(attachId) ?? attachId,
          attachId,
          filename: part.filename ?? attachId,
          size: part.data.length,
          content: part.data,
        });
      }
    } else if (body.length > 0) {
      const parsed = JSON.parse(body.toString("utf8")) as unknown;
      payload = isObject(parsed) ? parsed : {};
    }
    const call: FakeCall = { method, payload, at, files: uploaded, violations: checks.validate(method, payload) };
    if (keepHistory) {
      calls.push(call);
      uploads.push(...uploaded);
    }
    if (call.violations.length > 0) violations.push({ method, payload, problems: call.violations });
    const response = await answer(call, signal);
    call.response = response;
    opts.onCall?.(call);
    return jsonResponse(response);
  }

  // --- public API

  const fake = {
    fetch,
    botInfo,
    /** The fake's clock in milliseconds. */
    now,
    /** Every call, in order. */
    calls,
    /** Every validation problem, in order. */
    violations,
    /** Every uploaded file, in order. */
    uploads,
    /** Everything the bot did to chats (sent, edited, deleted), in order. */
    events,

    /**
     * Overrides the answer for `method` ("*" for every method). The newest
     * responder wins; return `undefined` to fall through. Returns a function
     * that removes the responder.
     */
    respond(method: string, handler: Responder, options: { once?: boolean } = {}): () => void {
      const entry = { method, handler, once: options.once === true };
      responders.push(entry);
      return () => {
        const idx = responders.indexOf(entry);
        if (idx !== -1) responders.splice(idx, 1);
      };
    },

    /** Makes every chat-bound call to this chat fail with 403 (blocked / kicked), or lifts it. */
    block(chatId: number, blocked = true): void {
      if (!chats.has(chatId)) registerChat(chatTypeFor(chatId));
      (chats.get(chatId) as ChatState).blocked = blocked;
    },

    /** Throws an error listing every violation recorded so far. */
    assertNoViolations(): void {
      if (violations.length === 0) return;
      const lines = violations.map((v) => `- ${v.method} ${JSON.stringify(v.payload).slice(0, 300)}\n${v.problems.map((p) => `    * ${p}`).join("\n")}`);
      throw new Error(`Bot API violations (${violations.length}):\n${lines.join("\n")}`);
    },

    /** Records a violation found outside a call (e.g. an unanswered callback query). */
    addViolation(method: string, problems: string[], payload: Json = {}): void {
      violations.push({ method, payload, problems });
    },

    clearViolations(): void {
      violations.length = 0;
    },

    /** Forgets recorded calls, uploads and violations (chats are kept). */
    clear(): void {
      calls.length = 0;
      violations.length = 0;
      uploads.length = 0;
    },

    /** Calls of one method. */
    callsOf(method: string): FakeCall[] {
      return calls.filter((c) => c.method === method);
    },

    /** The newest call (of one method, if given). */
    last(method?: string): FakeCall | undefined {
      for (let i = calls.length - 1; i >= 0; i -= 1) {
        const call = calls[i];
        if (call !== undefined && (method === undefined || call.method === method)) return call;
      }
      return undefined;
    },

    // chats

    registerChat,
    storeUserMessage,
    allocateMessageId,

    /** Replaces a stored user message (for edited_message updates). */
    updateUserMessage(message: Message): void {
      storeUserMessage(message);
    },

    /** The chat object as the fake knows it. */
    chat(chatId: number): Chat | undefined {
      const state = chats.get(chatId);
      return state === undefined ? undefined : clone(state.chat);
    },

    /** Current messages in a chat, in order (bot messages only, unless `includeUser`). */
    messages(chatId: number, options: { includeUser?: boolean } = {}): Message[] {
      const state = chats.get(chatId);
      if (state === undefined) return [];
      return [...state.messages.values()]
        .filter((m) => m.fromBot || options.includeUser === true)
        .sort((a, b) => a.message.message_id - b.message.message_id)
        .map((m) => clone(m.message));
    },

    /** One stored message (bot or user). */
    message(chatId: number, messageId: number): Message | undefined {
      const stored = chats.get(chatId)?.messages.get(messageId);
      return stored === undefined ? undefined : clone(stored.message);
    },

    /** Whether a stored message was sent by the bot. */
    isBotMessage(chatId: number, messageId: number): boolean {
      return chats.get(chatId)?.messages.get(messageId)?.fromBot === true;
    },

    /** Ids of messages deleted in a chat, in order of deletion. */
    deletedMessageIds(chatId: number): number[] {
      return [...(chats.get(chatId)?.deleted ?? [])];
    },

    /** The reply keyboard currently shown in a chat (undefined after ReplyKeyboardRemove). */
    replyKeyboard(chatId: number): ReplyKeyboardMarkup | undefined {
      const kb = chats.get(chatId)?.replyKeyboard;
      return kb === undefined ? undefined : clone(kb);
    },

    /** The id the next message in a chat will get. */
    nextMessageId(chatId: number): number | undefined {
      return chats.get(chatId)?.nextMessageId;
    },

    /** The id of the message that showed the current reply keyboard. */
    replyKeyboardMessageId(chatId: number): number | undefined {
      return chats.get(chatId)?.replyKeyboardMessageId;
    },

    /** Sequence number of the newest chat event (a cursor for `eventsSince`). */
    eventSeq(): number {
      return eventSeq;
    },

    /** Chat events after a cursor, optionally for one chat. */
    eventsSince(seq: number, chatId?: number): ChatEvent[] {
      return events.filter((e) => e.seq > seq && (chatId === undefined || e.chatId === chatId));
    },

    // files

    registerFile,

    /** A stored file by file_id (uploads get one when the bot sends them). */
    file(fileId: string): StoredFile | undefined {
      return files.get(fileId);
    },

    // callback queries

    /** Registers a callback query id so that answerCallbackQuery accepts it. */
    registerCallbackQuery(id: string): void {
      callbackQueries.set(id, { answered: false });
    },

    /** The answerCallbackQuery payload for a query (undefined while unanswered). */
    callbackAnswer(id: string): Json | undefined {
      const answer = callbackQueries.get(id)?.answer;
      return answer === undefined ? undefined : clone(answer);
    },

    isCallbackAnswered(id: string): boolean {
      return callbackQueries.get(id)?.answered === true;
    },

    // commands and menu

    /** Commands set with setMyCommands for a scope / language (default scope when omitted). */
    myCommands(scope?: Json, languageCode?: string): unknown[] | undefined {
      const key: Json = {};
      if (scope !== undefined) key["scope"] = scope;
      if (languageCode !== undefined) key["language_code"] = languageCode;
      const found = commands.get(botCommandsKey(key));
      return found === undefined ? undefined : clone(found);
    },

    menuButton(chatId?: number): unknown {
      return clone(menuButtons.get(String(chatId ?? "default")));
    },

    // polling

    /** Queues an update for getUpdates (for tests that run `bot.start()`). */
    queueUpdate(update: { update_id: number } & Json): void {
      updateQueue.push(clone(update));
      for (const wake of [...updateWaiters]) wake();
    },

    webhookUrl(): string {
      return webhookUrl;
    },
  };
  return fake;
}
