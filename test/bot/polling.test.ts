import { afterEach, describe, expect, it } from "vitest";
import type { Message, Update } from "grammy/types";
import { createTestApp, type TestApp } from "../support/app.js";
import { waitFor } from "../support/process.js";
import { fetchBotInfo, startPolling, UpdateOffsets, type PollingHandle } from "../../src/bot/polling.js";

// Long polling in-process: the real bot on a fresh database, Telegram faked through client.fetch.
let t: TestApp | undefined;
let polling: PollingHandle | undefined;
let updateId = 700_000;

afterEach(async () => {
  await polling?.stop();
  polling = undefined;
  t?.fake.assertNoViolations();
  await t?.close();
  t = undefined;
});

function textUpdate(chatId: number, text: string): Update {
  const entities = text.startsWith("/") ? [{ type: "bot_command" as const, offset: 0, length: text.split(" ")[0]!.length }] : undefined;
  return {
    update_id: ++updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: "Ani" },
      from: { id: chatId, is_bot: false, first_name: "Ani", language_code: "id" },
      text,
      ...(entities ? { entities } : {}),
    },
  } as Update;
}

const texts = (app: TestApp, chatId: number) => (app.fake.messages(chatId) as Message[]).map((m) => m.text ?? "");
const logLines = (app: TestApp, msg: string) => app.logs.filter((l) => l.includes(msg));
const offsetsSent = (app: TestApp) => app.fake.callsOf("getUpdates").map((c) => Number(c.payload["offset"] ?? 0));

describe("UpdateOffsets", () => {
  it("never confirms an update that is still being handled, and skips ones seen before", () => {
    const o = new UpdateOffsets();
    expect(o.next()).toBe(0);
    const batch = [10, 11, 12].map((id) => ({ update_id: id }) as Update);
    expect(o.take(batch).map((u) => u.update_id)).toEqual([10, 11, 12]);
    expect(o.next()).toBe(10);
    o.done(11);
    expect(o.next()).toBe(10);
    // Telegram answers with 10–13 again (nothing confirmed): only 13 is new.
    expect(o.take([10, 11, 12, 13].map((id) => ({ update_id: id }) as Update)).map((u) => u.update_id)).toEqual([13]);
    o.done(10);
    expect(o.next()).toBe(12);
    o.done(12);
    o.done(13);
    expect(o.next()).toBe(14);
    expect(o.take([14].map((id) => ({ update_id: id }) as Update))).toHaveLength(1);
  });
});

describe("long polling", () => {
  it("handles many chats in parallel and each chat in order, confirming only finished updates", async () => {
    t = await createTestApp();
    polling = await startPolling(t.app.bot, t.app.deps.logger, { timeoutSeconds: 1, outbox: t.app.outbox });
    const chats = [6101, 6102, 6103, 6104];
    // Make one chat's replies slow: its updates stay in flight while others finish.
    const undo = t.fake.respond("sendMessage", async (payload) => {
      if (payload["chat_id"] === 6101) await new Promise((r) => setTimeout(r, 150));
      return undefined;
    });
    const sent: Record<number, number[]> = {};
    for (let round = 0; round < 3; round++) {
      for (const chat of chats) {
        const u = textUpdate(chat, round % 2 === 0 ? "/bantuan" : "apa kabar");
        (sent[chat] ??= []).push(u.update_id);
        t.fake.queueUpdate(u as never);
      }
    }
    try {
      await waitFor(async () => (await t!.app.deps.db.selectFrom("processed_update").select("update_id").execute()).length === 12, 20_000, "12 updates");
      // Replies are sent after COMMIT; the slow chat's may still be on their way.
      await waitFor(() => chats.every((chat) => texts(t!, chat).length === 3), 20_000, "3 replies in every chat");
      for (const chat of chats) {
        const seen = texts(t, chat);
        expect(seen).toHaveLength(3);
        expect(seen[0]).toContain("/batal");
        expect(seen[1]).not.toContain("/batal");
        expect(seen[2]).toContain("/batal");
      }
      // Every update was handled exactly once.
      expect(t.fake.callsOf("sendMessage")).toHaveLength(12);
    } finally {
      undo();
    }
  });

  it("does not confirm an update while it runs: a crash then means Telegram delivers it again", async () => {
    t = await createTestApp();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const undo = t.fake.respond("sendMessage", async (payload) => {
      if (payload["chat_id"] === 6201 && String(payload["text"]).includes("/batal")) await held;
      return undefined;
    });
    polling = await startPolling(t.app.bot, t.app.deps.logger, { timeoutSeconds: 1, outbox: t.app.outbox });
    // The chat's first update is committed, its reply hangs at Telegram; the chat's second
    // update is in flight meanwhile (it waits for that reply before it runs).
    const first = textUpdate(6201, "/bantuan");
    t.fake.queueUpdate(first as never);
    await waitFor(() => t!.fake.callsOf("sendMessage").some((c) => c.payload["chat_id"] === 6201), 10_000, "the slow reply to start");
    const slow = textUpdate(6201, "apa kabar");
    const other = textUpdate(6202, "/bantuan");
    t.fake.queueUpdate(slow as never);
    t.fake.queueUpdate(other as never);
    // The poller keeps fetching (the newer update is handled) but never confirms the waiting one.
    await waitFor(() => texts(t!, 6202).length === 1, 10_000, "the other chat's reply");
    const callsBefore = t.fake.callsOf("getUpdates").length;
    await waitFor(() => t!.fake.callsOf("getUpdates").length >= callsBefore + 3, 10_000, "more getUpdates calls");
    expect(offsetsSent(t).every((o) => o <= slow.update_id)).toBe(true);
    release();
    undo();
    await waitFor(() => texts(t!, 6201).length === 2, 10_000, "the waiting chat's replies");
    await waitFor(() => offsetsSent(t!).some((o) => o > other.update_id), 10_000, "the offset to move on");
    // Each update was handled once although Telegram returned it several times.
    expect(t.fake.callsOf("sendMessage").filter((c) => c.payload["chat_id"] === 6202)).toHaveLength(1);
  });

  it("sends replies after COMMIT: a slow Telegram holds no database connection, and a chat's next update waits for its replies", async () => {
    t = await createTestApp();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const undo = t.fake.respond("sendMessage", async (payload) => {
      if (payload["chat_id"] === 6601 && String(payload["text"]).includes("/batal")) await held;
      return undefined;
    });
    polling = await startPolling(t.app.bot, t.app.deps.logger, { timeoutSeconds: 1, outbox: t.app.outbox });
    const first = textUpdate(6601, "/bantuan");
    t.fake.queueUpdate(first as never);
    await waitFor(() => t!.fake.callsOf("sendMessage").some((c) => c.payload["chat_id"] === 6601), 10_000, "the reply to start");
    // The reply hangs at Telegram, yet the update is committed and the database is free: on
    // PGlite the app has one connection, so this query could not run if the update held it.
    const stored = await t.app.deps.db.selectFrom("processed_update").select("update_id").where("update_id", "=", first.update_id).execute();
    expect(stored).toHaveLength(1);
    // The chat's next update waits for the reply; another chat goes ahead meanwhile.
    const second = textUpdate(6601, "apa kabar");
    const elsewhere = textUpdate(6602, "/bantuan");
    t.fake.queueUpdate(second as never);
    t.fake.queueUpdate(elsewhere as never);
    await waitFor(() => texts(t!, 6602).length === 1, 10_000, "the other chat's reply");
    expect(texts(t, 6601)).toEqual([]);
    release();
    undo();
    await waitFor(() => texts(t!, 6601).length === 2, 10_000, "both replies, in order");
    expect(texts(t, 6601)[0]).toContain("/batal");
    expect(texts(t, 6601)[1]).not.toContain("/batal");
  });

  it("retries 409 Conflict with a clear log line instead of going silent", async () => {
    t = await createTestApp();
    let conflicts = 0;
    t.fake.respond("getUpdates", () => {
      if (conflicts >= 3) return undefined;
      conflicts += 1;
      return { ok: false, error_code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" };
    });
    polling = await startPolling(t.app.bot, t.app.deps.logger, { timeoutSeconds: 1, initialBackoffMs: 20, maxBackoffMs: 100, outbox: t.app.outbox });
    t.fake.queueUpdate(textUpdate(6301, "/bantuan") as never);
    await waitFor(() => texts(t!, 6301).length === 1, 20_000, "the reply after the conflict ended");
    expect(conflicts).toBe(3);
    const lines = logLines(t, "409 Conflict from getUpdates");
    expect(lines.length).toBe(3);
    expect(lines[0]).toContain("Run ONE polling process per bot");
    expect(logLines(t, "getUpdates works again after 409 Conflict")).toHaveLength(1);
  });

  it("restarts polling when getUpdates hangs (watchdog)", async () => {
    t = await createTestApp();
    let hung = false;
    t.fake.respond("getUpdates", async () => {
      if (hung) return undefined;
      hung = true;
      // A connection that never answers (and ignores the abort).
      await new Promise(() => undefined);
      return undefined;
    });
    polling = await startPolling(t.app.bot, t.app.deps.logger, { timeoutSeconds: 1, watchdogMs: 300, outbox: t.app.outbox });
    t.fake.queueUpdate(textUpdate(6401, "/bantuan") as never);
    await waitFor(() => texts(t!, 6401).length === 1, 20_000, "the reply after the restart");
    expect(polling.restarts()).toBe(1);
    expect(logLines(t, "getUpdates has not returned for too long")).toHaveLength(1);
  });

  it("retries getMe at start-up and refuses a bad token at once", async () => {
    t = await createTestApp();
    let failures = 0;
    const undo = t.fake.respond("getMe", () => {
      if (failures >= 1) return undefined;
      failures += 1;
      return { ok: false, error_code: 502, description: "Bad Gateway" };
    });
    const info = await fetchBotInfo(t.app.bot.api, t.app.deps.logger, { initialDelayMs: 10 });
    expect(info.username).toBe(t.fake.botInfo.username);
    expect(failures).toBe(1);
    undo();
    t.fake.respond("getMe", () => ({ ok: false, error_code: 401, description: "Unauthorized" }));
    await expect(fetchBotInfo(t.app.bot.api, t.app.deps.logger, { initialDelayMs: 10 })).rejects.toThrow(/refused BOT_TOKEN/);
  });

  it("on stop, lets the update in flight finish, sends its reply and confirms it", async () => {
    t = await createTestApp();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const undo = t.fake.respond("sendMessage", async () => {
      await held;
      return undefined;
    });
    polling = await startPolling(t.app.bot, t.app.deps.logger, { timeoutSeconds: 1, outbox: t.app.outbox });
    const u = textUpdate(6501, "/bantuan");
    t.fake.queueUpdate(u as never);
    await waitFor(() => t!.fake.callsOf("sendMessage").length === 1, 10_000, "the reply to start");
    const stopping = polling.stop();
    setTimeout(release, 100);
    await stopping;
    undo();
    expect(texts(t, 6501)).toHaveLength(1);
    expect(offsetsSent(t).at(-1)).toBe(u.update_id + 1);
  });
});
