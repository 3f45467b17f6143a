/**
 * The simulator's Telegram: the shared fake Bot API (src/dev/fake-bot-api/) with the rules of
 * the simulated world (only simulated chats exist, a person who never started the bot cannot
 * be written to, the bot must be in the group), refusing invalid calls as Telegram would, and
 * drawing on the terminal whatever the bot does: messages, edits, deletions, toasts,
 * reactions. Files the bot sends (exports, charts) are saved to disk.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatMember, UserFromGetMe } from "grammy/types";
import { createFakeBotApi, type ChatEvent, type FakeBotApi, type FakeCall } from "../fake-bot-api/index.js";
import { contentLines, renderMessage, stripAnsi, truncate } from "./render.js";
import type { Terminal } from "./terminal.js";
import { GROUP_CHAT, tgUser, type World } from "./world.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Errors that are part of normal work (retried edits, late taps) and not worth a line. */
const QUIET_ERRORS = ["not modified", "query is too old"];

export function createSimulatedTelegram(opts: { botInfo: UserFromGetMe; world: World; terminal: Terminal; filesDir: string }): FakeBotApi {
  const { botInfo, world, terminal } = opts;
  const painter = terminal.painter;
  const savedPath = (fileId: string) => world.savedFiles.get(fileId);

  /** Saves a file the bot uploaded (a document or a photo) and remembers where. */
  function saveUpload(fileId: unknown, fallbackName: string): void {
    if (typeof fileId !== "string" || world.savedFiles.has(fileId)) return;
    const file = fake.file(fileId);
    if (file?.content === undefined) return;
    mkdirSync(opts.filesDir, { recursive: true });
    const path = join(opts.filesDir, (file.filename ?? fallbackName).replace(/[\\/]/g, "_"));
    writeFileSync(path, file.content);
    world.savedFiles.set(fileId, path);
  }

  function onEvent(e: ChatEvent): void {
    if (e.kind === "deleted") {
      const first = e.previous ? stripAnsi(contentLines(e.previous as unknown as Json, painter, savedPath)[0]?.split("\n")[0] ?? "") : "";
      terminal.show(e.chatId, [`🤖 ${painter.dim(e.previous ? `(pesan dihapus: "${truncate(first, 50)}")` : "(pesan lama dihapus)")}`]);
      return;
    }
    const message = (e.message ?? {}) as unknown as Json;
    if (e.kind === "sent") {
      if (isObject(message["document"])) saveUpload(message["document"]["file_id"], "dokumen");
      if (Array.isArray(message["photo"])) {
        const largest = (message["photo"] as Json[])[message["photo"].length - 1];
        saveUpload(largest?.["file_id"], `foto-${e.messageId}.jpg`);
      }
      if (isObject(e.otherMarkup) && e.otherMarkup["force_reply"] === true) world.forceReplyTo.set(e.chatId, e.messageId);
    }
    const prefix = e.kind === "edited" ? painter.dim(e.earlier ? "(pesan lama diubah) " : "(diubah) ") : "";
    terminal.show(e.chatId, renderMessage(message, { painter, prefix, otherMarkup: e.otherMarkup, savedPath }));
  }

  function onCall(call: FakeCall): void {
    const r = call.response;
    const p = call.payload;
    if (r === undefined) return;
    if (!r.ok) {
      if (r.description.includes("chat not found")) terminal.note(`(bot mencoba menulis ke chat ${String(p["chat_id"])} yang tidak disimulasikan → 400 chat not found)`);
      else if (r.error_code === 403 && r.description.includes("can't initiate")) {
        terminal.note(`(bot mencoba menulis ke ${world.chatLabel(Number(p["chat_id"]))}, yang belum pernah memulai bot → 403)`);
      } else if (r.error_code === 400 && !QUIET_ERRORS.some((q) => r.description.includes(q))) {
        terminal.note(`(Bot API ${call.method} → ${r.error_code} ${r.description})`);
      }
      return;
    }
    const chatId = Number(p["chat_id"]);
    switch (call.method) {
      case "answerCallbackQuery":
        if (typeof p["text"] === "string" && p["text"] !== "") {
          terminal.out(p["show_alert"] === true ? `⚠️  ${terminal.bold("(peringatan)")} ${p["text"]}` : terminal.dim(`(notifikasi) ${p["text"]}`));
        }
        if (typeof p["url"] === "string") terminal.note(`(membuka ${p["url"]})`);
        break;
      case "setMessageReaction": {
        const reactions = Array.isArray(p["reaction"]) ? (p["reaction"] as Json[]) : [];
        const emoji = reactions.map((x) => String(x["emoji"] ?? "")).join("");
        terminal.show(chatId, [`🤖 ${painter.dim(emoji === "" ? "(reaksi dihapus)" : `(reaksi ${emoji})`)}`]);
        break;
      }
      case "pinChatMessage":
        terminal.show(chatId, [`🤖 ${painter.dim("(pesan disematkan)")}`]);
        break;
      case "leaveChat":
        if (chatId === GROUP_CHAT.id) {
          world.groupJoined = false;
          terminal.note(`(bot keluar dari ${GROUP_CHAT.title})`);
        }
        break;
    }
  }

  const fake = createFakeBotApi({
    botInfo,
    now: () => world.now().getTime(),
    onViolation: "reject",
    unknownChats: "error",
    keepHistory: false,
    mayWrite(chat) {
      if (chat.type === "private" && !world.startedChats.has(chat.id)) {
        return { error_code: 403, description: "Forbidden: bot can't initiate conversation with a user" };
      }
      if (chat.id === GROUP_CHAT.id && !world.groupJoined) return { error_code: 403, description: "Forbidden: bot is not a member of the supergroup chat" };
      return undefined;
    },
    members: {
      member(chat, userId): ChatMember | undefined {
        const u = world.userById(userId);
        if (u === undefined) return undefined;
        if (chat.type !== "private" && userId === world.groupCreator) return { status: "creator", user: tgUser(u), is_anonymous: false };
        return { status: "member", user: tgUser(u) };
      },
      administrators(): ChatMember[] {
        const creator = world.groupCreator === undefined ? undefined : world.userById(world.groupCreator);
        return creator === undefined ? [] : [{ status: "creator", user: tgUser(creator), is_anonymous: false }];
      },
    },
    onEvent,
    onCall,
  });
  for (const chat of world.chats()) fake.registerChat(chat, { firstMessageId: world.firstMessageId(chat.id) });
  return fake;
}
