/**
 * What a simulated person does: write, tap buttons, share a contact, a location, a photo…
 * Each action becomes the Update Telegram would send, handled by the real bot.
 *
 * @module
 */
import type { Message, Update } from "grammy/types";
import type { FakeBotApi } from "../fake-bot-api/index.js";
import { inlineLabel, inlineRows, replyLabel } from "./render.js";
import type { Terminal } from "./terminal.js";
import { DEFAULT_LOCATION, GROUP_CHAT, fullName, tgUser, type World } from "./world.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const COMMAND_RE = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)/;

/** Hands an update to the bot (errors are shown, not thrown). */
export type Dispatch = (update: Json) => Promise<void>;

export class SimActions {
  constructor(
    private readonly world: World,
    private readonly fake: FakeBotApi,
    private readonly terminal: Terminal,
    private readonly dispatch: Dispatch,
  ) {}

  private update(body: Json): Promise<void> {
    return this.dispatch({ update_id: this.world.nextUpdateId++, ...body });
  }

  /** Sends a message (text, photo, …) from the current person into the current chat. */
  async sendMessage(content: Json): Promise<void> {
    const w = this.world;
    if (w.inGroup && !w.groupJoined) await this.joinGroup();
    const chatId = w.currentChatId();
    const chat = this.fake.chat(chatId);
    const msg: Json = { message_id: this.fake.allocateMessageId(chatId), from: tgUser(w.current), chat, date: w.unixNow(), ...content };
    const replyTo = w.forceReplyTo.get(chatId);
    if (!w.inGroup && replyTo !== undefined && typeof content["text"] === "string") {
      const target = this.fake.message(chatId, replyTo);
      if (target !== undefined) msg["reply_to_message"] = target;
      w.forceReplyTo.delete(chatId);
    }
    this.fake.storeUserMessage(msg as unknown as Message);
    w.lastUserMessage.set(`${chatId}:${w.current.id}`, msg["message_id"] as number);
    if (!w.inGroup) w.startedChats.add(w.current.id);
    if (w.inGroup) {
      // Privacy mode: in groups the bot only receives commands and replies to its messages.
      const text = typeof content["text"] === "string" ? content["text"] : "";
      const reply = msg["reply_to_message"];
      const isReplyToBot = isObject(reply) && isObject(reply["from"]) && reply["from"]["id"] === this.fake.botInfo.id;
      if (!text.startsWith("/") && !isReplyToBot) {
        this.terminal.note("(mode privasi grup: bot tidak menerima pesan biasa, hanya perintah)");
        return;
      }
    }
    await this.update({ message: msg });
  }

  async sendText(text: string): Promise<void> {
    const content: Json = { text };
    const cmd = COMMAND_RE.exec(text);
    if (cmd !== null) content["entities"] = [{ type: "bot_command", offset: 0, length: cmd[0].length }];
    await this.sendMessage(content);
  }

  /** The bot is added to the group by the current person (on the first message there). */
  async joinGroup(): Promise<void> {
    const w = this.world;
    const chat = this.fake.chat(GROUP_CHAT.id);
    const bot = { id: this.fake.botInfo.id, is_bot: true, first_name: this.fake.botInfo.first_name, username: this.fake.botInfo.username };
    w.groupJoined = true;
    w.groupCreator ??= w.current.id;
    this.terminal.note(`(${fullName(w.current)} menambahkan @${this.fake.botInfo.username} ke ${GROUP_CHAT.title})`);
    await this.update({
      my_chat_member: {
        chat,
        from: tgUser(w.current),
        date: w.unixNow(),
        old_chat_member: { status: "left", user: bot },
        new_chat_member: { status: "member", user: bot },
      },
    });
    const service: Json = { message_id: this.fake.allocateMessageId(GROUP_CHAT.id), from: tgUser(w.current), chat, date: w.unixNow(), new_chat_members: [bot] };
    this.fake.storeUserMessage(service as unknown as Message);
    await this.update({ message: service });
  }

  /** `#N`: taps button N of the newest message with buttons in the current chat. */
  async tap(n: number): Promise<void> {
    const chatId = this.world.currentChatId();
    const withButtons = this.fake.messages(chatId).filter((m) => inlineRows(m as unknown as Json).length > 0);
    const inlineMsg = withButtons[withButtons.length - 1] as unknown as Json | undefined;
    const kb = this.fake.replyKeyboard(chatId);
    const kbId = this.fake.replyKeyboardMessageId(chatId) ?? -1;
    const inlineId = (inlineMsg?.["message_id"] as number | undefined) ?? -1;
    if (kb !== undefined && kbId > inlineId) {
      const buttons = kb.keyboard.flat() as unknown[];
      const button = buttons[n - 1];
      if (button === undefined) {
        this.terminal.note(`(tidak ada tombol #${n}; keyboard terakhir punya ${buttons.length} tombol)`);
        return;
      }
      this.terminal.note(`→ ${replyLabel(button)}`);
      if (isObject(button) && button["request_contact"] === true) return this.sendContact(undefined);
      if (isObject(button) && button["request_location"] === true) return this.sendMessage({ location: { ...DEFAULT_LOCATION } });
      if (isObject(button) && ["request_users", "request_chat", "request_poll", "web_app"].some((k) => button[k] !== undefined)) {
        this.terminal.note("(jenis tombol ini tidak disimulasikan)");
        return;
      }
      return this.sendText(typeof button === "string" ? button : String((button as Json)["text"] ?? ""));
    }
    if (inlineMsg === undefined) {
      this.terminal.note("(tidak ada pesan dengan tombol di chat ini)");
      return;
    }
    const buttons = inlineRows(inlineMsg).flat();
    const button = buttons[n - 1];
    if (button === undefined) {
      this.terminal.note(`(tidak ada tombol #${n}; pesan terakhir punya ${buttons.length} tombol)`);
      return;
    }
    this.terminal.note(`→ ${inlineLabel(button)}`);
    if (typeof button["callback_data"] !== "string") {
      if (typeof button["url"] === "string") this.terminal.note(`(tombol tautan: di Telegram ini membuka ${button["url"]})`);
      else if (button["copy_text"] !== undefined) this.terminal.note("(teks disalin ke papan klip)");
      else this.terminal.note("(jenis tombol ini tidak disimulasikan)");
      return;
    }
    const id = `${BigInt(this.world.current.id) * 4096n + BigInt(this.world.nextUpdateId)}`;
    this.fake.registerCallbackQuery(id);
    await this.update({
      callback_query: {
        id,
        from: tgUser(this.world.current),
        message: inlineMsg,
        chat_instance: String(4000000000000000000n + BigInt(Math.abs(chatId))),
        data: button["callback_data"],
      },
    });
    if (!this.fake.isCallbackAnswered(id)) this.terminal.note("(bot tidak menjawab callback_query ini — di Telegram tombolnya akan terus berputar)");
  }

  /** Shares the current person's own contact, or someone else's number. */
  async sendContact(phone: string | undefined): Promise<void> {
    const me = this.world.current;
    if (phone === undefined) {
      const contact: Json = { phone_number: me.phone, first_name: me.firstName, user_id: me.id };
      if (me.lastName !== undefined) contact["last_name"] = me.lastName;
      return this.sendMessage({ contact });
    }
    const owner = this.world.users.find((u) => u.phone === phone);
    const contact: Json = owner !== undefined ? { phone_number: phone, first_name: owner.firstName, user_id: owner.id } : { phone_number: phone, first_name: "Kontak" };
    if (owner?.lastName !== undefined) contact["last_name"] = owner.lastName;
    return this.sendMessage({ contact });
  }

  async sendLocation(latitude = DEFAULT_LOCATION.latitude, longitude = DEFAULT_LOCATION.longitude): Promise<void> {
    await this.sendMessage({ location: { latitude, longitude } });
  }

  async sendPhoto(caption: string): Promise<void> {
    const big = this.fake.registerFile({ kind: "photo", size: 154_000, filename: "foto.jpg" });
    const small = this.fake.registerFile({ kind: "photo", size: 1_800, filename: "foto-kecil.jpg" });
    const photo = [
      { file_id: small.fileId, file_unique_id: small.fileUniqueId, width: 90, height: 68, file_size: small.size },
      { file_id: big.fileId, file_unique_id: big.fileUniqueId, width: 1280, height: 960, file_size: big.size },
    ];
    await this.sendMessage({ photo, ...(caption !== "" ? { caption } : {}) });
  }

  async sendSticker(): Promise<void> {
    const f = this.fake.registerFile({ kind: "sticker", size: 24_000 });
    await this.sendMessage({
      sticker: { file_id: f.fileId, file_unique_id: f.fileUniqueId, type: "regular", width: 512, height: 512, is_animated: false, is_video: false, emoji: "👍", file_size: f.size },
    });
  }

  async sendVoice(): Promise<void> {
    const f = this.fake.registerFile({ kind: "voice", size: 9_000 });
    await this.sendMessage({ voice: { file_id: f.fileId, file_unique_id: f.fileUniqueId, duration: 3, mime_type: "audio/ogg", file_size: f.size } });
  }

  async sendDocument(name: string): Promise<void> {
    const f = this.fake.registerFile({ kind: "document", size: 48_000, filename: name });
    const mime = name.endsWith(".pdf") ? "application/pdf" : "application/octet-stream";
    await this.sendMessage({ document: { file_id: f.fileId, file_unique_id: f.fileUniqueId, file_name: name, mime_type: mime, file_size: f.size } });
  }

  /** `:edit TEKS`: edits the current person's last message in this chat (edited_message). */
  async editLast(text: string): Promise<void> {
    const chatId = this.world.currentChatId();
    const id = this.world.lastUserMessage.get(`${chatId}:${this.world.current.id}`);
    const stored = id === undefined ? undefined : (this.fake.message(chatId, id) as unknown as Json | undefined);
    if (stored === undefined || text === "") {
      this.terminal.note(stored === undefined ? "(belum ada pesan Anda di chat ini untuk diubah)" : "(pakai: :edit TEKS BARU)");
      return;
    }
    const edited: Json = { ...stored, edit_date: this.world.unixNow() };
    if (typeof edited["text"] === "string") {
      edited["text"] = text;
      const cmd = COMMAND_RE.exec(text);
      if (cmd !== null) edited["entities"] = [{ type: "bot_command", offset: 0, length: cmd[0].length }];
      else delete edited["entities"];
    } else if (edited["caption"] !== undefined || edited["photo"] !== undefined || edited["document"] !== undefined) {
      edited["caption"] = text;
    } else {
      this.terminal.note("(pesan terakhir Anda tidak bisa diubah teksnya)");
      return;
    }
    this.fake.updateUserMessage(edited as unknown as Message);
    this.terminal.note(`(pesan #${String(edited["message_id"])} diubah)`);
    await this.update({ edited_message: edited as unknown as Update["edited_message"] });
  }
}
