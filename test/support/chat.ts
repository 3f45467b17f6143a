/**
 * A chat-style driver for tests: users send messages and tap buttons, the
 * driver turns that into real `Update` objects for `bot.handleUpdate()`, and
 * reads what the user saw from the fake Bot API (see `fake-telegram.ts`).
 *
 *   const fake = createFakeTelegram();
 *   const bot = createBot({ ..., botConfig: { botInfo, client: { fetch: fake.fetch } } });
 *   const driver = createChatDriver({ bot, fake, botInfo });
 *   const ani = driver.user({ id: 1001, firstName: "Ani" });
 *   await ani.send("/start");
 *   await ani.tap("Daftar");
 *   expect(ani.lastText()).toContain("Nama");
 */
import type { Bot, BotError, Context } from "grammy";
import type { Chat, InlineKeyboardButton, KeyboardButton, Message, Update, User, UserFromGetMe } from "grammy/types";
import { botInfo as defaultBotInfo } from "./bot-info.js";
import type { FakeTelegram } from "./fake-telegram.js";

// === Public types

export interface TestUserSpec {
  id: number;
  firstName: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  /** Phone number used when the user shares their own contact. Default: "+62812" + id digits. */
  phone?: string;
}

export interface TestGroupSpec {
  id: number;
  title: string;
  /** Default: "supergroup" for ids <= -1000000000000, else "group". */
  type?: "group" | "supergroup";
}

export interface SendOptions {
  /** Unix time (seconds) of the message; default: now. Use it for late-delivery tests. */
  date?: number;
  /** message_id the message replies to. */
  replyTo?: number;
}

export interface ChatDriverOptions<C extends Context> {
  bot: Bot<C>;
  /** First update_id minus one (a restarted bot continues where the last one stopped). */
  firstUpdateId?: number;
  fake: FakeTelegram;
  botInfo?: UserFromGetMe;
  /**
   * Record a violation when the bot does not answer a callback query while
   * handling it (the user would see a spinner). Default: true.
   */
  requireCallbackAnswer?: boolean;
  /**
   * "throw" (default): a middleware error rejects the user action.
   * "catch": pass it to `bot.errorHandler` (what polling does) and continue.
   * Errors are collected in `driver.errors` either way.
   */
  errors?: "throw" | "catch";
}

type Json = Record<string, unknown>;

const DEFAULT_LOCATION = { latitude: -6.2, longitude: 106.816666 };

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function matches(label: string, pattern: string | RegExp): boolean {
  return typeof pattern === "string" ? label === pattern : pattern.test(label);
}

function visibleText(message: Message): string | undefined {
  const m = message as unknown as Json;
  if (typeof m["text"] === "string") return m["text"];
  if (typeof m["caption"] === "string") return m["caption"];
  return undefined;
}

function inlineRows(message: Message | undefined): InlineKeyboardButton[][] {
  const markup = (message as unknown as Json | undefined)?.["reply_markup"];
  if (!isObject(markup) || !Array.isArray(markup["inline_keyboard"])) return [];
  return markup["inline_keyboard"] as InlineKeyboardButton[][];
}

/** Entities for a command at the start of a text (Telegram only marks real commands). */
function commandEntities(text: string): { type: "bot_command"; offset: number; length: number }[] | undefined {
  const m = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)/.exec(text);
  return m === null ? undefined : [{ type: "bot_command", offset: 0, length: m[0].length }];
}

// === Driver

/**
 * Creates a driver that sends crafted updates into a real grammY bot and
 * reads the results from the fake Bot API.
 */
export function createChatDriver<C extends Context>(options: ChatDriverOptions<C>) {
  const { bot, fake } = options;
  const info = options.botInfo ?? fake.botInfo ?? defaultBotInfo;
  const requireCallbackAnswer = options.requireCallbackAnswer ?? true;
  const errorMode = options.errors ?? "throw";
  const errors: unknown[] = [];
  const cursors = new Map<number, number>();
  const users = new Map<string, TestUser>();
  let updateId = options.firstUpdateId ?? 100000;
  let callbackCounter = 0;

  const internals: DriverInternals = {
    fake,
    botInfo: info,
    unixNow: () => Math.floor(fake.now() / 1000),
    cursor: (chatId) => cursors.get(chatId) ?? 0,
    markSeen: (chatId) => {
      cursors.set(chatId, fake.eventSeq());
    },
    nextCallbackId: () => {
      callbackCounter += 1;
      return `cbq-${callbackCounter}`;
    },
    dispatch,
  };

  async function dispatch(update: Json, chatId?: number): Promise<Update> {
    updateId += 1;
    const full = { update_id: updateId, ...update } as unknown as Update;
    if (chatId !== undefined) internals.markSeen(chatId);
    const query = full.callback_query;
    if (query !== undefined) fake.registerCallbackQuery(query.id);
    try {
      await bot.handleUpdate(full);
    } catch (err) {
      errors.push(err);
      if (errorMode === "throw") throw err;
      await bot.errorHandler(err as BotError<C>);
    }
    if (query !== undefined && requireCallbackAnswer && !fake.isCallbackAnswered(query.id)) {
      fake.addViolation("answerCallbackQuery", [
        `callback query ${JSON.stringify(query.data)} (id ${query.id}) was not answered: the user sees a spinner`,
      ]);
    }
    return full;
  }

  return {
    bot,
    fake,
    botInfo: info,
    /** Errors thrown by middleware, in order. */
    errors,

    /** A user in a private chat with the bot (chat.id === from.id). Same id → same object. */
    user(spec: TestUserSpec): TestUser {
      const key = `private:${spec.id}`;
      const existing = users.get(key);
      if (existing !== undefined) return existing;
      const user = toUser(spec);
      const chat: Chat = { id: spec.id, type: "private", first_name: spec.firstName };
      if (spec.lastName !== undefined) Object.assign(chat, { last_name: spec.lastName });
      if (spec.username !== undefined) Object.assign(chat, { username: spec.username });
      fake.registerChat(chat);
      const testUser = new TestUser(internals, chat, user, spec);
      users.set(key, testUser);
      return testUser;
    },

    /** A group chat; `group.member(spec)` gives a user who writes in it. */
    group(spec: TestGroupSpec): TestGroup {
      const type = spec.type ?? (spec.id <= -1000000000000 ? "supergroup" : "group");
      const chat = { id: spec.id, type, title: spec.title } as Chat;
      fake.registerChat(chat);
      return new TestGroup(internals, chat, (memberSpec) => {
        const key = `${spec.id}:${memberSpec.id}`;
        const existing = users.get(key);
        if (existing !== undefined) return existing;
        const member = new TestUser(internals, chat, toUser(memberSpec), memberSpec);
        users.set(key, member);
        return member;
      });
    },

    /** Sends a raw update (update_id is added). */
    dispatch(update: Omit<Update, "update_id"> | Json): Promise<Update> {
      return dispatch(update as Json);
    },

    /** The update_id the next update will get. */
    nextUpdateId(): number {
      return updateId + 1;
    },
  };
}

export type ChatDriver<C extends Context = Context> = ReturnType<typeof createChatDriver<C>>;

function toUser(spec: TestUserSpec): User {
  const user: User = { id: spec.id, is_bot: false, first_name: spec.firstName };
  if (spec.lastName !== undefined) user.last_name = spec.lastName;
  if (spec.username !== undefined) user.username = spec.username;
  if (spec.languageCode !== undefined) user.language_code = spec.languageCode;
  return user;
}

interface DriverInternals {
  fake: FakeTelegram;
  botInfo: UserFromGetMe;
  unixNow(): number;
  cursor(chatId: number): number;
  markSeen(chatId: number): void;
  nextCallbackId(): string;
  dispatch(update: Json, chatId?: number): Promise<Update>;
}

// === Reading a chat

/** What a chat looks like from the user's side. */
export class ChatView {
  constructor(
    protected readonly d: DriverInternals,
    readonly chat: Chat,
  ) {}

  get chatId(): number {
    return this.chat.id;
  }

  /** All current bot messages in the chat, in order (after edits and deletions). */
  messages(): Message[] {
    return this.d.fake.messages(this.chat.id);
  }

  /** The newest bot message. */
  lastMessage(): Message | undefined {
    return this.messages().at(-1);
  }

  /** Text (or caption) of the newest bot message. */
  lastText(): string | undefined {
    const last = this.lastMessage();
    return last === undefined ? undefined : visibleText(last);
  }

  /** Texts (or captions) of all current bot messages. */
  texts(): string[] {
    return this.messages().flatMap((m) => {
      const t = visibleText(m);
      return t === undefined ? [] : [t];
    });
  }

  /** Snapshots of messages sent or edited since the previous user action in this chat. */
  newMessages(): Message[] {
    return this.d.fake
      .eventsSince(this.d.cursor(this.chat.id), this.chat.id)
      .flatMap((e) => (e.kind !== "deleted" && e.message !== undefined ? [e.message] : []));
  }

  /** Texts (or captions) of messages sent or edited since the previous user action in this chat. */
  newTexts(): string[] {
    return this.d.fake
      .eventsSince(this.d.cursor(this.chat.id), this.chat.id)
      .flatMap((e) => (e.kind !== "deleted" && e.text !== undefined ? [e.text] : []));
  }

  /** Makes `newTexts()` start from now. */
  markSeen(): void {
    this.d.markSeen(this.chat.id);
  }

  /** Labels on the newest bot message's inline keyboard (empty if it has none). */
  buttons(): string[] {
    return inlineRows(this.lastMessage()).flat().map((b) => b.text);
  }

  /** Labels of the reply keyboard currently shown in the chat (empty if none). */
  replyKeyboard(): string[] {
    const kb = this.d.fake.replyKeyboard(this.chat.id);
    return (kb?.keyboard ?? []).flat().map((b) => (typeof b === "string" ? b : b.text));
  }

  /** Ids of messages deleted in this chat, in order. */
  deletedMessageIds(): number[] {
    return this.d.fake.deletedMessageIds(this.chat.id);
  }
}

/** A group chat. */
export class TestGroup extends ChatView {
  constructor(
    d: DriverInternals,
    chat: Chat,
    private readonly makeMember: (spec: TestUserSpec) => TestUser,
  ) {
    super(d, chat);
  }

  /** A user writing in this group. */
  member(spec: TestUserSpec): TestUser {
    return this.makeMember(spec);
  }
}

// === Acting as a user

/** A user in a chat (private chat with the bot, or a group member). */
export class TestUser extends ChatView {
  private lastCallbackId: string | undefined;

  constructor(
    d: DriverInternals,
    chat: Chat,
    readonly user: User,
    private readonly spec: TestUserSpec,
  ) {
    super(d, chat);
  }

  get id(): number {
    return this.user.id;
  }

  private newMessage(fields: Json, opts: SendOptions = {}): Message {
    const message: Json = {
      message_id: this.d.fake.allocateMessageId(this.chat.id),
      date: opts.date ?? this.d.unixNow(),
      chat: structuredClone(this.chat),
      from: structuredClone(this.user),
      ...fields,
    };
    if (opts.replyTo !== undefined) {
      const target = this.d.fake.message(this.chat.id, opts.replyTo);
      if (target !== undefined) message["reply_to_message"] = target;
    }
    const result = message as unknown as Message;
    this.d.fake.storeUserMessage(result);
    return result;
  }

  private sendMessage(fields: Json, opts?: SendOptions): Promise<Update> {
    const message = this.newMessage(fields, opts);
    return this.d.dispatch({ message }, this.chat.id);
  }

  /** Sends a text; a leading "/command" gets a bot_command entity (also for "/start payload"). */
  send(text: string, opts?: SendOptions): Promise<Update> {
    const fields: Json = { text };
    const entities = commandEntities(text);
    if (entities !== undefined) fields["entities"] = entities;
    return this.sendMessage(fields, opts);
  }

  /** Shares a contact: the user's own by default (user_id = own id). `userId: null` omits user_id. */
  sendContact(contact: { phone?: string; userId?: number | null; firstName?: string; lastName?: string } = {}, opts?: SendOptions): Promise<Update> {
    const own = contact.userId === undefined || contact.userId === this.user.id;
    const value: Json = {
      phone_number: contact.phone ?? this.spec.phone ?? `+62812${String(this.user.id).padStart(7, "0")}`,
      first_name: contact.firstName ?? (own ? this.user.first_name : "Kontak"),
    };
    const lastName = contact.lastName ?? (own ? this.user.last_name : undefined);
    if (lastName !== undefined) value["last_name"] = lastName;
    if (contact.userId !== null) value["user_id"] = contact.userId ?? this.user.id;
    return this.sendMessage({ contact: value }, opts);
  }

  sendLocation(latitude: number, longitude: number, opts?: SendOptions): Promise<Update> {
    return this.sendMessage({ location: { latitude, longitude } }, opts);
  }

  sendPhoto(photo: { caption?: string; content?: Buffer } = {}, opts?: SendOptions): Promise<Update> {
    const file = this.d.fake.registerFile(photo.content !== undefined ? { kind: "photo", content: photo.content } : { kind: "photo", size: 54321 });
    const fields: Json = {
      photo: [
        { file_id: `${file.fileId}-s`, file_unique_id: `${file.fileUniqueId}-s`, width: 90, height: 120, file_size: 1500 },
        { file_id: file.fileId, file_unique_id: file.fileUniqueId, width: 960, height: 1280, file_size: file.size },
      ],
    };
    if (photo.caption !== undefined) fields["caption"] = photo.caption;
    return this.sendMessage(fields, opts);
  }

  sendSticker(sticker: { emoji?: string } = {}, opts?: SendOptions): Promise<Update> {
    const file = this.d.fake.registerFile({ kind: "sticker", size: 20000 });
    return this.sendMessage({
      sticker: {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        type: "regular",
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
        emoji: sticker.emoji ?? "👍",
        file_size: file.size,
      },
    }, opts);
  }

  sendVoice(voice: { duration?: number } = {}, opts?: SendOptions): Promise<Update> {
    const file = this.d.fake.registerFile({ kind: "voice", size: 8000 });
    return this.sendMessage({
      voice: { file_id: file.fileId, file_unique_id: file.fileUniqueId, duration: voice.duration ?? 3, mime_type: "audio/ogg", file_size: file.size },
    }, opts);
  }

  sendDocument(doc: { fileName?: string; mimeType?: string; content?: Buffer; caption?: string } = {}, opts?: SendOptions): Promise<Update> {
    const fileName = doc.fileName ?? "document.pdf";
    const file = this.d.fake.registerFile(
      doc.content !== undefined ? { kind: "document", content: doc.content, filename: fileName } : { kind: "document", size: 12345, filename: fileName },
    );
    const fields: Json = {
      document: {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        file_name: fileName,
        mime_type: doc.mimeType ?? "application/pdf",
        file_size: file.size,
      },
    };
    if (doc.caption !== undefined) fields["caption"] = doc.caption;
    return this.sendMessage(fields, opts);
  }

  /** Edits this user's last text message and sends an `edited_message` update. */
  async editLastText(newText: string): Promise<Update> {
    const own = this.d.fake
      .messages(this.chat.id, { includeUser: true })
      .filter((m) => m.from?.id === this.user.id && typeof (m as unknown as Json)["text"] === "string");
    const last = own.at(-1);
    if (last === undefined) throw new Error(`${this.user.first_name} has no text message to edit`);
    const edited: Json = { ...(last as unknown as Json), text: newText, edit_date: this.d.unixNow() };
    const entities = commandEntities(newText);
    if (entities !== undefined) edited["entities"] = entities;
    else delete edited["entities"];
    this.d.fake.storeUserMessage(edited as unknown as Message);
    return this.d.dispatch({ edited_message: edited }, this.chat.id);
  }

  /**
   * Taps a button. Looks for the newest bot message in this chat whose inline
   * keyboard has a matching button and sends its callback_data; otherwise
   * presses a matching reply-keyboard button (sent as text, or as a
   * contact/location when the button requests one).
   */
  async tap(label: string | RegExp): Promise<Update> {
    const messages = this.messages();
    for (let i = messages.length - 1; i >= 0; i -= 1) {
      const message = messages[i] as Message;
      const button = inlineRows(message).flat().find((b) => matches(b.text, label));
      if (button === undefined) continue;
      if ("callback_data" in button) return this.callback(button.callback_data, message);
      if ("url" in button) throw new Error(`"${button.text}" is a URL button (${button.url}), it sends nothing to the bot`);
      throw new Error(`"${button.text}" is not a callback button: ${JSON.stringify(button)}`);
    }
    const keyboard = this.d.fake.replyKeyboard(this.chat.id);
    const replyButton = (keyboard?.keyboard ?? []).flat().find((b) => matches(typeof b === "string" ? b : b.text, label));
    if (replyButton !== undefined) return this.pressReplyButton(replyButton);
    const inlineLabels = messages.flatMap((m) => inlineRows(m).flat().map((b) => b.text));
    const replyLabels = this.replyKeyboard();
    throw new Error(
      `No button ${String(label)} in chat ${this.chat.id}. Inline buttons: ${JSON.stringify(inlineLabels)}; reply keyboard: ${JSON.stringify(replyLabels)}`,
    );
  }

  private async pressReplyButton(button: KeyboardButton): Promise<Update> {
    if (typeof button === "string") return this.send(button);
    if ("request_contact" in button && button.request_contact === true) return this.sendContact();
    if ("request_location" in button && button.request_location === true) return this.sendLocation(DEFAULT_LOCATION.latitude, DEFAULT_LOCATION.longitude);
    const special = ["request_users", "request_chat", "request_poll", "web_app", "request_managed_bot"].find((k) => k in button);
    if (special !== undefined) throw new Error(`Reply button "${button.text}" uses ${special}, which the driver does not simulate`);
    return this.send(button.text);
  }

  /** Sends a (possibly forged) callback query with arbitrary data, for the given or newest bot message. */
  tapData(data: string, messageId?: number): Promise<Update> {
    let message: Message | Json | undefined;
    if (messageId === undefined) {
      message = this.lastMessage();
    } else {
      message = this.d.fake.message(this.chat.id, messageId) ?? { chat: structuredClone(this.chat), message_id: messageId, date: 0 };
    }
    return this.callback(data, message);
  }

  private callback(data: string, message: Message | Json | undefined): Promise<Update> {
    const id = this.d.nextCallbackId();
    this.lastCallbackId = id;
    const query: Json = {
      id,
      from: structuredClone(this.user),
      chat_instance: `ci${Math.abs(this.chat.id)}`,
      data,
    };
    if (message !== undefined) query["message"] = message;
    return this.d.dispatch({ callback_query: query }, this.chat.id);
  }

  /** The answerCallbackQuery payload for this user's last tap (undefined if unanswered). */
  lastCallbackAnswer(): Json | undefined {
    return this.lastCallbackId === undefined ? undefined : this.d.fake.callbackAnswer(this.lastCallbackId);
  }

  /** Blocks the bot: sends a my_chat_member update and makes calls to this chat fail with 403. */
  block(): Promise<Update> {
    this.d.fake.block(this.chat.id, true);
    return this.chatMemberUpdate("member", "kicked");
  }

  /** Unblocks the bot (sends a my_chat_member update). */
  unblock(): Promise<Update> {
    this.d.fake.block(this.chat.id, false);
    return this.chatMemberUpdate("kicked", "member");
  }

  private chatMemberUpdate(oldStatus: string, newStatus: string): Promise<Update> {
    const bot = { id: this.d.botInfo.id, is_bot: true, first_name: this.d.botInfo.first_name, username: this.d.botInfo.username };
    const member = (status: string): Json => (status === "kicked" ? { status, user: bot, until_date: 0 } : { status, user: bot });
    return this.d.dispatch({
      my_chat_member: {
        chat: structuredClone(this.chat),
        from: structuredClone(this.user),
        date: this.d.unixNow(),
        old_chat_member: member(oldStatus),
        new_chat_member: member(newStatus),
      },
    }, this.chat.id);
  }
}
