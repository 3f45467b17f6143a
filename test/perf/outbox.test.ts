import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Composer } from "grammy";
import { createTestApp, type TestApp } from "../support/app.js";
import { createChatDriver } from "../support/chat.js";
import { FEATURES, type Feature } from "../../src/bot/features.js";
import type { BotContext } from "../../src/bot/context.js";
import { whenDelivered } from "../../src/bot/outbox.js";
import { isProvisionalId } from "../../src/lib/provisional-ids.js";

// The outbox (src/bot/outbox.ts): an update's Bot API calls are recorded while it runs and
// sent after its COMMIT; provisional message ids are replaced by the real ones.

const VILLAGE = "32.01.01.1002";

/** Test-only handlers: one that fails after replying, one that stores a sent message's id. */
const probeHandlers = new Composer<BotContext>();
probeHandlers.command("gagal", async (ctx) => {
  await ctx.reply("balasan sebelum gagal");
  await ctx.db.insertInto("audit_log").values({ actor_id: null, action: "probe.before_failure", entity: "probe", entity_id: null, details: "{}" }).execute();
  throw new Error("handler failed after replying");
});
probeHandlers.command("catat", async (ctx) => {
  const msg = await ctx.reply("pesan yang dicatat");
  expect(isProvisionalId(msg.message_id)).toBe(true);
  // An edit of the message just sent reaches the real message.
  await ctx.api.editMessageText(ctx.chat!.id, msg.message_id, "pesan yang dicatat (diubah)");
  await whenDelivered(ctx, msg, async (db, sent) => {
    await db.insertInto("audit_log").values({ actor_id: null, action: "probe.delivered", entity: "message", entity_id: String(sent.message_id), details: "{}" }).execute();
  });
});
const probe: Feature = { name: "outbox-probe", composer: probeHandlers };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ features: [...FEATURES, probe] });
  await t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: 9901, role: "volunteer", status: "active", name: "Siti Rahma", locale: "id", area_code: VILLAGE, phone: "+6281200000000" })
    .execute();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.app.outbox.mode = "attached";
  t.app.outbox.carryMs = 250;
});

/** Provisional ids anywhere in a stored value. */
function provisionalIn(value: unknown): number[] {
  if (isProvisionalId(value)) return [value];
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(provisionalIn);
  return [];
}

const storedState = async (chatId: number) =>
  (await t.app.deps.db.selectFrom("conversation_state").select("state").where("key", "=", `conv:${chatId}`).executeTakeFirst())?.state as
    | { ids?: Record<string, number> }
    | undefined;

describe("replies after COMMIT", () => {
  it("sends nothing of an update that failed, and leaves none of its writes", async () => {
    const u = t.driver.user({ id: 9901, firstName: "Siti" });
    u.markSeen();
    await u.send("/gagal");
    const said = u.newTexts();
    expect(said).not.toContain("balasan sebelum gagal");
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("Maaf");
    expect(await t.app.deps.db.selectFrom("audit_log").select("id").where("action", "=", "probe.before_failure").execute()).toEqual([]);
  });

  it("hands out a provisional id, then edits and stores the real message", async () => {
    const u = t.driver.user({ id: 9901, firstName: "Siti" });
    u.markSeen();
    await u.send("/catat");
    const last = u.lastMessage()!;
    expect(last.text).toBe("pesan yang dicatat (diubah)");
    expect(isProvisionalId(last.message_id)).toBe(false);
    const row = await t.app.deps.db.selectFrom("audit_log").select("entity_id").where("action", "=", "probe.delivered").executeTakeFirstOrThrow();
    expect(row.entity_id).toBe(String(last.message_id));
  });

  it("keeps the update saved when a reply fails after COMMIT, and tells the person", async () => {
    const u = t.driver.user({ id: 9901, firstName: "Siti" });
    const undo = t.fake.respond("sendMessage", (payload) =>
      String(payload["text"]).includes("Persetujuan keluarga sudah dicatat") ? { ok: false, error_code: 400, description: "Bad Request: can't parse entities" } : undefined,
    );
    try {
      await u.send("/daftar");
      u.markSeen();
      await u.tap("✅ Keluarga setuju");
      undo();
      expect(u.newTexts().join("\n")).toContain("balasan kami tadi gagal terkirim");
      // The consent was saved: the flow goes on at the name.
      expect(JSON.stringify(await storedState(9901))).toContain("household-registration");
      expect(t.logs.some((l) => l.includes("a reply failed after the update was saved"))).toBe(true);
    } finally {
      undo();
      await u.send("/batal");
    }
  });

  it("stores the real ids of a flow's messages: a tap on the current question counts", async () => {
    const u = t.driver.user({ id: 9901, firstName: "Siti" });
    try {
      await u.send("/daftar");
      const state = await storedState(9901);
      // Attached delivery (webhook, tests): the map is stored before the update counts as handled.
      expect(Object.values(state?.ids ?? {})).toContain(u.lastMessage()!.message_id);
      await u.tap("✅ Keluarga setuju");
      expect(u.lastText()).toContain("Siapa nama lengkap Kepala Keluarga");
    } finally {
      await u.send("/batal");
    }
  });
});

/**
 * Siti's chat through a driver of its own (update ids from `offset` on), and `step`: an action
 * followed by waiting until the chat's replies are out. The driver checks callback answers
 * right after handleUpdate; detached, they follow, so it does not require them.
 */
function detachedChat(offset: number) {
  const driver = createChatDriver<BotContext>({ bot: t.app.bot, fake: t.fake, requireCallbackAnswer: false, firstUpdateId: t.driver.nextUpdateId() + offset });
  const u = driver.user({ id: 9901, firstName: "Siti" });
  const step = async (action: () => Promise<unknown>) => {
    await action();
    await t.app.outbox.idle(9901);
  };
  return { u, step };
}

describe("detached delivery (long polling)", () => {
  it("lets the chat's next update carry the real ids, and writes them when no update comes", async () => {
    t.app.outbox.mode = "detached";
    const { u, step } = detachedChat(1000);
    try {
    await step(() => u.send("/daftar"));
    // Not written yet: it waits for the chat's next update.
    expect((await storedState(9901))?.ids).toBeUndefined();
    expect(provisionalIn(await storedState(9901)).length).toBeGreaterThan(0);
    // The tap counts on the consent question although no id was written: the tap's update
    // took the real ids along and stored them with its state.
    await step(() => u.tap("✅ Keluarga setuju"));
    expect(u.lastText()).toContain("Siapa nama lengkap Kepala Keluarga");
    expect((await storedState(9901))?.ids).toBeUndefined();
    // Nothing comes next: drained (as at shutdown, or after a moment), the ids are written.
    await t.app.outbox.drain(5_000);
    const ids = (await storedState(9901))?.ids ?? {};
    expect(Object.values(ids)).toContain(u.lastMessage()!.message_id);
    } finally {
      await step(() => u.send("/batal"));
    }
  });

  it("a tap counts even when the ids are being written at that very moment", async () => {
    t.app.outbox.mode = "detached";
    // Written at once: every next update races the write of the previous update's ids.
    t.app.outbox.carryMs = 0;
    const { u, step } = detachedChat(2000);
    try {
      await step(() => u.send("/daftar"));
      await step(() => u.tap("✅ Keluarga setuju"));
      await step(() => u.send("Siti Aminah"));
      await step(() => u.send("3201014508680001"));
      await step(() => u.tap("✅ Benar"));
      expect(u.lastText()).toMatch(/Kartu Keluarga/);
    } finally {
      await step(() => u.send("/batal"));
    }
  });
});
