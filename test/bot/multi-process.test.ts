import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import { sql } from "kysely";
import { createFakeTelegram, type FakeTelegram } from "../support/fake-telegram.js";
import { startFakeBotApiServer } from "../support/fake-server.js";
import { createChatDriver, type TestUser } from "../support/chat.js";
import { startMain, waitFor, type RunningProcess } from "../support/process.js";
import { freePort, PG_URL, scratchDatabase } from "../support/pg.js";
import { createPgDb, type DbHandle } from "../../src/db/client.js";
import { PPKS } from "../../src/domain/ppks.js";

/**
 * Two bot processes (the real `src/main.ts`, webhook mode) on one PostgreSQL database, fed
 * the way Telegram feeds a webhook behind a load balancer: every update goes to a random
 * process; a chat's next update is sent only after the previous one was answered 200; some
 * updates are delivered to both processes at once or again later (redeliveries). One chat is
 * also hammered with concurrent taps. Nothing may be lost, duplicated or reordered.
 */
const TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghij";
const SECRET = "multi-process-secret-0123456789";
const PII_KEY = "7d1f0c2e9a4b3c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5";
const VILLAGE = "32.01.01.1002";
const NAMES = ["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Yohana Mariani", "Wayan Sudarma", "Agus Salim"];
const HAMMER_TOGGLES = 6;

/** Deterministic PRNG (mulberry32), so that a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!PG_URL)("two bot processes on one PostgreSQL (webhook behind a load balancer)", () => {
  let fake: FakeTelegram;
  let api: Awaited<ReturnType<typeof startFakeBotApiServer>>;
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let handle: DbHandle;
  const procs: { p: RunningProcess; port: number }[] = [];

  beforeAll(async () => {
    fake = createFakeTelegram();
    api = await startFakeBotApiServer(fake);
    db = await scratchDatabase();
    handle = createPgDb({ url: db.url, max: 2 });
    for (let i = 0; i < NAMES.length; i++) {
      await handle.db
        .insertInto("users")
        .values({ telegram_id: 8100 + i, role: "volunteer", status: "active", name: `Relawan ${i}`, locale: "id", area_code: VILLAGE, phone: "+6281200000000", created_at: new Date(), updated_at: new Date() })
        .execute();
    }
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const p = startMain({
        BOT_TOKEN: TOKEN,
        BOT_MODE: "webhook",
        WEBHOOK_SECRET: SECRET,
        PORT: String(port),
        TELEGRAM_API_ROOT: api.url,
        DATABASE_URL: db.url,
        PII_KEY,
        LOG_LEVEL: "warn",
      });
      procs.push({ p, port });
    }
    for (const { p, port } of procs) {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
        90_000,
        `process on port ${port} to be ready`,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${p.stderr().slice(-3000)}`);
      });
    }
  }, 150_000);

  afterAll(async () => {
    for (const { p } of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await handle?.close();
    await db?.drop();
    await api?.close();
  });

  it("processes every step once and in order, with updates spread over both processes and redelivered", async () => {
    const rnd = prng(20261128);
    const posted = new Set<number>();
    const late: Promise<unknown>[] = [];
    let duplicates = 0;

    const postTo = async (port: number, update: Update): Promise<number> => {
      const res = await fetch(`http://127.0.0.1:${port}/telegram`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: JSON.stringify(update),
      });
      await res.arrayBuffer();
      return res.status;
    };
    // Telegram's delivery to a webhook behind a load balancer.
    const deliver = async (update: Update): Promise<void> => {
      posted.add(update.update_id);
      const [a, b] = rnd() < 0.5 ? [procs[0]!.port, procs[1]!.port] : [procs[1]!.port, procs[0]!.port];
      const r = rnd();
      if (r < 0.2) {
        // Redelivered while the first delivery is still running (e.g. it looked timed out).
        duplicates += 1;
        expect(await Promise.all([postTo(a, update), postTo(b, update)])).toEqual([200, 200]);
        return;
      }
      expect(await postTo(a, update)).toBe(200);
      if (r > 0.85) {
        // Redelivered later, racing the chat's next update.
        duplicates += 1;
        late.push(postTo(b, update).then((s) => expect(s).toBe(200)));
      }
    };
    const router = { handleUpdate: deliver, errorHandler: async () => undefined } as unknown as Bot;
    const driver = createChatDriver({ bot: router, fake, firstUpdateId: 500_000 });

    const register = async (u: TestUser, i: number, hammer: boolean) => {
      await u.send("/daftar");
      await u.tap("✅ Keluarga setuju");
      await u.send(NAMES[i]!);
      await u.send(`3201014508680${String(101 + i).padStart(3, "0")}`);
      await u.tap("✅ Benar");
      await u.send(`3201012001150${String(201 + i).padStart(3, "0")}`);
      await u.tap(/^📍/);
      await u.tap("Lewati");
      await u.tap("Lewati");
      await u.tap("Lewati lokasi");
      await u.tap("1");
      if (hammer) {
        // Six taps at once on the multi-select, spread over both processes: each toggle must
        // land exactly once (a lost update would drop one, a duplicate would undo one; the
        // saved PPKS below show it). Telegram itself sends a chat's updates one at a time;
        // these arrive together, so the two processes' keyboard edits may reach Telegram in
        // either order and the label on screen may count one toggle less (see the README).
        await Promise.all(Array.from({ length: HAMMER_TOGGLES }, (_, k) => u.tapData(`f:m:${k}`)));
        await u.tap(/^✅ Selesai \(\d dipilih\)$/);
      } else {
        await u.tap("▫️ Anak terlantar");
        await u.tap("✅ Selesai (1 dipilih)");
      }
      await u.tap("Layak huni");
      await u.tap("▫️ Belum menerima bantuan");
      await u.tap("✅ Selesai (1 dipilih)");
      await u.tap("✅ Selesai (0 dipilih)");
      await u.tap("Lewati");
      await u.tap("Tidak tahu");
      await u.tap("✅ Selesai");
      await u.tap("💾 Simpan data keluarga");
    };

    const users = NAMES.map((_, i) => driver.user({ id: 8100 + i, firstName: `Relawan${i}` }));
    await Promise.all(users.map((u, i) => register(u, i, i === 0)));
    await Promise.all(late);

    // Every chat reached the end, with no error and no repeated step.
    const sentCounts = new Set<number>();
    for (const [i, u] of users.entries()) {
      const texts = u.texts().join("\n");
      expect(texts, `chat ${i}`).toContain(`Data keluarga <b>${NAMES[i]}</b>`.replace(/<\/?b>/g, ""));
      expect(texts).not.toMatch(/Layanan sedang gangguan|terjadi kesalahan|sudah tidak berlaku|Pesan yang diedit/);
      const events = fake.events.filter((e) => e.chatId === u.id);
      sentCounts.add(events.filter((e) => e.kind === "sent").length);
    }
    // The same script gives the same number of messages in every chat.
    expect([...sentCounts]).toHaveLength(1);
    // One edit of the PPKS question's keyboard per toggle (the answer then takes the buttons away).
    const hasButtons = (m: unknown) => ((m as { reply_markup?: { inline_keyboard?: unknown[] } } | undefined)?.reply_markup?.inline_keyboard?.length ?? 0) > 0;
    const edits = fake.events.filter((e) => e.chatId === users[0]!.id && e.kind === "edited");
    const question = edits.find((e) => e.text?.includes("kategori PPKS"))?.messageId;
    const hammerEdits = edits.filter((e) => e.messageId === question && hasButtons(e.message)).length;
    expect(hammerEdits).toBe(HAMMER_TOGGLES);

    // The database: one household per volunteer, with exactly what was typed, in order.
    const rows = await handle.db.selectFrom("households").select(["head_name", "ppks", "member_count", "volunteer_id"]).orderBy("head_name").execute();
    expect(rows.map((r) => r.head_name).sort()).toEqual([...NAMES].sort());
    const hammered = rows.find((r) => r.head_name === NAMES[0])!;
    expect([...hammered.ppks].sort()).toEqual(PPKS.slice(0, HAMMER_TOGGLES).map((p) => p.code).sort());
    for (const r of rows.filter((x) => x.head_name !== NAMES[0])) expect(r.ppks).toEqual(["anak_terlantar"]);
    // Each update id is stored once; redeliveries were skipped.
    const stored = await handle.db.selectFrom("processed_update").select("update_id").where("update_id", ">", 500_000).execute();
    expect(stored.map((r) => r.update_id).sort()).toEqual([...posted].sort());
    expect(duplicates).toBeGreaterThan(10);
    const states = await handle.db.selectFrom("conversation_state").select("key").execute();
    expect(states).toEqual([]);
  }, 240_000);

  it("both processes stop cleanly on SIGTERM", async () => {
    const { count } = (await sql<{ count: number }>`select count(*)::int as count from pg_stat_activity where application_name = 'pendamping' and datname = ${db.name}`.execute(handle.db)).rows[0]!;
    expect(count).toBeGreaterThanOrEqual(2);
    for (const { p } of procs) p.child.kill("SIGTERM");
    for (const { p } of procs) expect(await p.exited).toBe(0);
    for (const { p } of procs) expect(p.stderr()).not.toMatch(/unhandled|"level":50/);
  }, 60_000);
});
