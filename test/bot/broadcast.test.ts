import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createTestApp, type TestApp } from "../support/app.js";
import type { FakeCall } from "../support/fake-telegram.js";
import type { User } from "../../src/db/schema.js";
import { createBroadcast } from "../../src/db/queries/broadcasts.js";
import { createBroadcastSender, type BroadcastSender } from "../../src/bot/coordinator/broadcast-sender.js";
import { entitiesToHtml } from "../../src/lib/entities-html.js";

const BOGOR = "32.01"; // Kab. Bogor
const CIBINONG = "32.01.01"; // Kec. Cibinong
const PONDOK_RAJEG = "32.01.01.1001"; // Kel. Pondok Rajeg, Kec. Cibinong
const WANAHERANG = "32.01.02.2001"; // Desa Wanaherang, Kec. Gunung Putri
const SUKABUMI_VILLAGE = "32.02.11.2006"; // Desa Warnajati, Kab. Sukabumi

let t: TestApp;
let coordinator: User;
let nextTg = 700_000;

async function seedUser(v: { role: User["role"]; status?: User["status"]; name: string; area: string | null; tg?: number }): Promise<User> {
  return t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: v.tg ?? nextTg++, role: v.role, status: v.status ?? "active", name: v.name, locale: "id", area_code: v.area })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Many volunteers at once (one statement). */
async function seedVolunteers(n: number, area: string): Promise<User[]> {
  const values = Array.from({ length: n }, (_, i) => ({
    telegram_id: nextTg++,
    role: "volunteer" as const,
    status: "active" as const,
    name: `Relawan ${i + 1}`,
    locale: "id",
    area_code: area,
  }));
  const rows: User[] = [];
  for (let i = 0; i < values.length; i += 500) {
    rows.push(...(await t.app.deps.db.insertInto("users").values(values.slice(i, i + 500)).returningAll().execute()));
  }
  return rows;
}

/** Ends every running broadcast and forgets recorded calls, so tests do not see each other. */
async function resetQueue(): Promise<void> {
  await t.app.deps.db.updateTable("broadcasts").set({ status: "cancelled" }).where("status", "=", "sending").execute();
  await sql`update users set status = 'suspended' where role = 'volunteer'`.execute(t.app.deps.db);
  await t.app.deps.db.updateTable("broadcast_sender_lease").set({ holder: null, lease_until: null }).execute();
  t.fake.clear();
}

function delivered(chatId: number, method = "sendMessage"): FakeCall[] {
  return t.fake.calls.filter((c) => c.method === method && c.payload.chat_id === chatId && c.response?.ok === true);
}

function received(chatId: number): FakeCall[] {
  return t.fake.calls.filter((c) => c.method === "sendMessage" && c.payload.chat_id === chatId);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(20);
  }
}

async function statusCounts(broadcastId: number): Promise<Record<string, number>> {
  const rows = await t.app.deps.db
    .selectFrom("broadcast_deliveries")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("broadcast_id", "=", broadcastId)
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

beforeAll(async () => {
  t = await createTestApp({ env: { BROADCAST_RATE: "25" } });
  coordinator = await seedUser({ role: "coordinator", name: "Koordinator Bogor", area: BOGOR, tg: 9100 });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await resetQueue();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("/siaran: compose, preview, confirm, deliver", () => {
  it("sends a coordinator's formatted text to the active volunteers of their area only, with progress and a final report", async () => {
    const inArea = await seedVolunteers(4, PONDOK_RAJEG);
    const other = await seedVolunteers(1, WANAHERANG);
    const outside = await seedVolunteers(2, SUKABUMI_VILLAGE);
    const pending = await seedUser({ role: "volunteer", status: "pending", name: "Calon", area: PONDOK_RAJEG });
    const recipients = [...inArea, ...other];

    const coord = t.driver.user({ id: 9100, firstName: "Koordinator" });
    await coord.send("/siaran");
    expect(coord.lastText()).toContain("Siaran");
    expect(coord.buttons()).toContain("✍️ Tulis siaran baru");
    await coord.tap("✍️ Tulis siaran baru");
    expect(coord.lastText()).toContain("Tulis pesan siaran");

    // A sticker is not a broadcast: friendly hint, nothing lost.
    await coord.sendSticker();
    expect(coord.lastText()).toContain("Stiker, suara, dan video tidak bisa disiarkan");

    // Bold text typed in Telegram keeps its formatting; "<" and "&" are escaped.
    const text = "Rapat besok jam 9 & bawa data < 10 KK";
    const update = await coord.send(text);
    void update;
    expect(coord.lastText()).toContain("Siapa yang akan menerima");
    expect(coord.buttons()).toContain("👥 Semua relawan aktif — Kab. Bogor — Jawa Barat (5)");
    expect(coord.buttons()).toContain("⏳ Relawan yang menunggu persetujuan (1)");
    await coord.tap("👥 Semua relawan aktif — Kab. Bogor — Jawa Barat (5)");

    const texts = coord.newTexts().join("\n");
    expect(texts).toContain("Begini pesan Anda akan terlihat");
    expect(texts).toContain("📢 Pesan dari Koordinator Bogor");
    expect(coord.lastText()).toContain("5 orang");
    await coord.tap("✅ Kirim ke 5 orang");
    expect(coord.lastText()).toContain("Terkirim 0 / 5");
    expect(coord.buttons()).toEqual(["⏹ Hentikan siaran"]);

    const b = await t.app.deps.db.selectFrom("broadcasts").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(b).toMatchObject({ status: "sending", total: 5, audience_kind: "area", created_by: coordinator.id });
    expect(b.text_html).toBe("Rapat besok jam 9 &amp; bawa data &lt; 10 KK");
    const auditRow = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "broadcast.created").executeTakeFirstOrThrow();
    expect(auditRow.details).toMatchObject({ audience: "area", recipients: 5 });
    expect(JSON.stringify(auditRow.details)).not.toContain("Rapat");

    // The job worker drives the sender when no background sender runs (simulator, tests).
    for (let i = 0; i < 10 && (await t.app.worker.runDue()) > 0; i++);
    for (const v of recipients) {
      const got = delivered(v.telegram_id);
      expect(got).toHaveLength(1);
      expect(got[0]!.payload.text).toBe(`📢 <b>Pesan dari Koordinator Bogor</b>\n\n${b.text_html}`);
      expect(t.fake.messages(v.telegram_id).at(-1)?.text).toContain("Rapat besok jam 9 & bawa data < 10 KK");
    }
    for (const v of [...outside, pending]) expect(received(v.telegram_id)).toHaveLength(0);

    const done = await t.app.deps.db.selectFrom("broadcasts").selectAll().where("id", "=", b.id).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: "done", sent_count: 5, failed_count: 0, unreachable_count: 0 });
    expect(done.finished_at).not.toBeNull();
    // The progress message became the report, and a new message tells the coordinator.
    const progress = t.fake.message(9100, b.progress_message_id!);
    expect(progress?.text).toContain("Siaran #" + b.id + " selesai");
    expect(progress?.text).toContain("Terkirim: 5 dari 5");
    expect(coord.lastText()).toContain("Terkirim: 5 dari 5");

    // /siaran lists it with its figures.
    await coord.send("/siaran");
    expect(coord.lastText()).toContain(`#${b.id}`);
    expect(coord.lastText()).toContain("terkirim 5/5");
  });

  it("broadcasts a photo with its caption to the volunteers of one village chosen inside the area", async () => {
    const village = await seedVolunteers(2, WANAHERANG);
    const elsewhere = await seedVolunteers(2, PONDOK_RAJEG);
    const coord = t.driver.user({ id: 9100, firstName: "Koordinator" });
    await coord.send("/siaran");
    await coord.tap("✍️ Tulis siaran baru");
    await coord.sendPhoto({ caption: "Foto jadwal posyandu" });
    await coord.tap("📍 Relawan di satu kecamatan/desa…");
    await coord.send("wanaherang");
    await coord.tap("Desa Wanaherang — Kec. Gunungputri, Kab. Bogor");
    expect(coord.lastText()).toContain("2 orang");
    expect(t.fake.last("sendPhoto")?.payload.caption).toContain("Foto jadwal posyandu");
    await coord.tap("✅ Kirim ke 2 orang");
    const sender = createBroadcastSender({ deps: t.app.deps, api: t.app.bot.api });
    await sender.drain();
    for (const v of village) {
      const got = delivered(v.telegram_id, "sendPhoto");
      expect(got).toHaveLength(1);
      expect(got[0]!.payload.caption).toBe("📢 <b>Pesan dari Koordinator Bogor</b>\n\nFoto jadwal posyandu");
    }
    for (const v of elsewhere) expect(t.fake.calls.filter((c) => c.payload.chat_id === v.telegram_id)).toHaveLength(0);
  });

  it("lets the coordinator cancel before sending, and stop a running broadcast", async () => {
    await seedVolunteers(3, PONDOK_RAJEG);
    const coord = t.driver.user({ id: 9100, firstName: "Koordinator" });
    await coord.send("/siaran");
    await coord.tap("✍️ Tulis siaran baru");
    await coord.send("Uji batal");
    await coord.tap("⏳ Relawan yang menunggu persetujuan (0)");
    expect(coord.lastText()).toContain("Belum ada penerima");
    await coord.tap("❌ Batal");
    expect(coord.lastText()).toContain("Siaran dibatalkan");
    expect(await t.app.deps.db.selectFrom("broadcasts").select("id").where("text_html", "=", "Uji batal").execute()).toHaveLength(0);

    await coord.send("/siaran");
    await coord.tap("✍️ Tulis siaran baru");
    await coord.send("Uji henti");
    await coord.tap("👥 Semua relawan aktif — Kab. Bogor — Jawa Barat (3)");
    await coord.tap("✅ Kirim ke 3 orang");
    await coord.tap("⏹ Hentikan siaran");
    expect(coord.lastText()).toContain("dihentikan");
    expect(coord.lastText()).toContain("Tidak jadi dikirim: 3");
    const sender = createBroadcastSender({ deps: t.app.deps, api: t.app.bot.api });
    await sender.drain();
    expect(t.fake.calls.filter((c) => c.method === "sendMessage" && c.payload.chat_id !== 9100 && String(c.payload.text).includes("Uji henti"))).toHaveLength(0);
  });
});

describe("delivery engine", () => {
  async function broadcastTo(n: number, text: string): Promise<{ id: number; volunteers: User[] }> {
    const volunteers = await seedVolunteers(n, PONDOK_RAJEG);
    const b = await createBroadcast(t.app.deps.db, {
      actor: coordinator,
      audience: { kind: "area", code: null },
      textHtml: text,
      media: null,
      progress: null,
      now: t.app.deps.now(),
    });
    expect(b.total).toBe(n);
    return { id: b.id, volunteers };
  }

  it(
    "delivers to 500 volunteers exactly once through a Bot API that answers 429 above 30 messages per second",
    async () => {
      const { id, volunteers } = await broadcastTo(500, "Siaran lima ratus");
      const arrivals: number[] = [];
      let tooMany = 0;
      const off = t.fake.respond("sendMessage", () => {
        const now = Date.now();
        while (arrivals.length > 0 && arrivals[0]! <= now - 1000) arrivals.shift();
        arrivals.push(now);
        if (arrivals.length > 30) {
          tooMany++;
          return { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } };
        }
        return undefined;
      });
      const started = Date.now();
      const sender = createBroadcastSender({ deps: t.app.deps, api: t.app.bot.api });
      const result = await sender.drain({ budgetMs: 85_000 });
      off();
      const seconds = (Date.now() - started) / 1000;
      expect(result.remaining).toBe(false);
      for (const v of volunteers) expect(delivered(v.telegram_id)).toHaveLength(1);
      expect(await statusCounts(id)).toEqual({ sent: 500 });
      // 25 per second: about 20 s for 500.
      expect(seconds).toBeGreaterThan(500 / 30);
      console.info(`broadcast of 500: ${seconds.toFixed(1)} s, ${tooMany} answers 429`);
    },
    90_000,
  );

  it("pauses the whole sender on 429 for retry_after and retries that message without counting an attempt", async () => {
    const { id, volunteers } = await broadcastTo(6, "Uji 429");
    const target = volunteers[2]!.telegram_id;
    let refused = 0;
    let refusedAt = 0;
    const after: number[] = [];
    const off = t.fake.respond("sendMessage", (p) => {
      if (p.chat_id === target && refused === 0) {
        refused++;
        refusedAt = Date.now();
        return { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } };
      }
      if (refusedAt > 0) after.push(Date.now() - refusedAt);
      return undefined;
    });
    const sender = createBroadcastSender({ deps: t.app.deps, api: t.app.bot.api, concurrency: 1 });
    await sender.drain();
    off();
    expect(refused).toBe(1);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(950);
    for (const v of volunteers) expect(delivered(v.telegram_id)).toHaveLength(1);
    const row = await t.app.deps.db.selectFrom("broadcast_deliveries").selectAll().where("broadcast_id", "=", id).where("chat_id", "=", target).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("marks a recipient who blocked the bot unreachable (403) without retrying, and retries 5xx with backoff", async () => {
    const { id, volunteers } = await broadcastTo(4, "Uji 403");
    const blocked = volunteers[0]!;
    const flaky = volunteers[1]!;
    t.fake.block(blocked.telegram_id);
    let failures = 0;
    const off = t.fake.respond("sendMessage", (p) => {
      if (p.chat_id === flaky.telegram_id && failures < 2) {
        failures++;
        return { ok: false, error_code: 502, description: "Bad Gateway" };
      }
      return undefined;
    });
    const sender = createBroadcastSender({ deps: t.app.deps, api: t.app.bot.api });
    let r = await sender.drain();
    expect(r.remaining).toBe(true);
    // Backoff follows the app clock: 2 s, then 6 s.
    t.clock.now += 3_000;
    r = await sender.drain();
    t.clock.now += 7_000;
    r = await sender.drain();
    off();
    expect(r.remaining).toBe(false);
    expect(received(blocked.telegram_id)).toHaveLength(1);
    expect(received(flaky.telegram_id)).toHaveLength(3);
    expect(delivered(flaky.telegram_id)).toHaveLength(1);
    expect(await statusCounts(id)).toEqual({ sent: 3, unreachable: 1 });
    const u = await t.app.deps.db.selectFrom("users").select("unreachable_at").where("id", "=", blocked.id).executeTakeFirstOrThrow();
    expect(u.unreachable_at).not.toBeNull();
    const b = await t.app.deps.db.selectFrom("broadcasts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(b).toMatchObject({ status: "done", sent_count: 3, unreachable_count: 1, failed_count: 0 });
    t.fake.block(blocked.telegram_id, false);
  });

  it("resumes after a graceful stop (SIGTERM) mid-broadcast with no duplicate and nobody skipped", async () => {
    const { id, volunteers } = await broadcastTo(60, "Uji berhenti");
    // Slow answers, so that calls are in flight when the stop comes.
    const off = t.fake.respond("sendMessage", async () => {
      await sleep(150);
      return undefined;
    });
    const first: BroadcastSender = createBroadcastSender({ deps: t.app.deps, api: t.app.bot.api });
    first.start();
    await until(() => t.fake.calls.filter((c) => c.method === "sendMessage").length >= 20);
    await first.stop();
    const afterStop = await statusCounts(id);
    expect(afterStop.sending ?? 0).toBe(0);
    expect(afterStop.sent).toBeGreaterThanOrEqual(20);
    expect(afterStop.sent).toBeLessThan(60);
    // Every call that reached Telegram was recorded as sent.
    expect(t.fake.calls.filter((c) => c.method === "sendMessage").length).toBe(afterStop.sent);

    const restarted = await t.restart();
    t = restarted;
    await t.app.broadcasts.drain();
    off();
    for (const v of volunteers) expect(received(v.telegram_id)).toHaveLength(1);
    expect(await statusCounts(id)).toEqual({ sent: 60 });
  });

  it("after a crash (kill -9) sends again at most the messages that were in flight, and skips nobody", async () => {
    const concurrency = 8;
    const { id, volunteers } = await broadcastTo(60, "Uji crash");
    // After 20 messages Telegram stops answering: the next calls hang (in flight when the process dies).
    const hung: Array<() => void> = [];
    let calls = 0;
    const off = t.fake.respond("sendMessage", () => {
      calls++;
      if (calls <= 20) return undefined;
      return new Promise((resolve) => hung.push(() => resolve(undefined)));
    });
    const crashed = createBroadcastSender({ deps: t.app.deps, api: t.app.bot.api, concurrency });
    crashed.start();
    await until(() => hung.length === concurrency);
    await sleep(200);
    expect(hung.length).toBe(concurrency);
    crashed.kill();
    off();
    const atCrash = await statusCounts(id);
    expect(atCrash.sending).toBe(concurrency);

    // A new process, once the leases ran out.
    const restarted = await t.restart();
    t = restarted;
    t.clock.now += 5 * 60_000;
    await t.app.broadcasts.drain();
    const perChat = volunteers.map((v) => received(v.telegram_id).length);
    expect(Math.min(...perChat)).toBe(1);
    expect(Math.max(...perChat)).toBeLessThanOrEqual(2);
    const twice = perChat.filter((n) => n === 2).length;
    expect(twice).toBeLessThanOrEqual(concurrency);
    expect(twice).toBe(concurrency);
    expect(await statusCounts(id)).toEqual({ sent: 60 });

    // The dead sender's calls finally return: it writes nothing any more.
    for (const release of hung) release();
    await sleep(100);
    expect(await statusCounts(id)).toEqual({ sent: 60 });
  });
});

describe("entitiesToHtml", () => {
  it("keeps formatting, escapes the text and handles nesting and overlaps", () => {
    expect(entitiesToHtml("a < b & c", [])).toBe("a &lt; b &amp; c");
    expect(
      entitiesToHtml("Rapat besok penting", [
        { type: "bold", offset: 0, length: 5 },
        { type: "italic", offset: 6, length: 13 },
        { type: "underline", offset: 12, length: 7 },
      ]),
    ).toBe("<b>Rapat</b> <i>besok <u>penting</u></i>");
    expect(entitiesToHtml("abcdef", [{ type: "bold", offset: 0, length: 4 }, { type: "italic", offset: 2, length: 4 }])).toBe(
      "<b>ab<i>cd</i></b><i>ef</i>",
    );
    expect(entitiesToHtml("lihat di sini", [{ type: "text_link", offset: 9, length: 4, url: "https://x.id/?a=1&b=\"2\"" }])).toBe(
      'lihat di <a href="https://x.id/?a=1&amp;b=&quot;2&quot;">sini</a>',
    );
    expect(entitiesToHtml("😀 tebal", [{ type: "bold", offset: 3, length: 5 }])).toBe("😀 <b>tebal</b>");
  });
});

describe("the real process: SIGTERM in the middle of a broadcast", () => {
  it(
    "finishes the messages in flight, exits, and the restarted process sends the rest: every volunteer exactly once",
    async () => {
      const { mkdtempSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const { createPgliteDb } = await import("../../src/db/client.js");
      const { migrateToLatest } = await import("../../src/db/migrate.js");
      const { createFakeTelegram } = await import("../support/fake-telegram.js");
      const { startFakeBotApiServer } = await import("../support/fake-server.js");
      const { startMain, waitFor } = await import("../support/process.js");

      const dir = mkdtempSync(join(tmpdir(), "pendamping-bc-proc-"));
      const N = 150;
      // Prepare the embedded database: a coordinator, N volunteers and a broadcast waiting to be sent.
      const seedHandle = await createPgliteDb({ dir: join(dir, "pglite") });
      await migrateToLatest(seedHandle.db);
      const coord = await seedHandle.db
        .insertInto("users")
        .values({ telegram_id: 77_000, role: "coordinator", status: "active", name: "Koordinator", locale: "id", area_code: BOGOR, created_at: new Date(), updated_at: new Date() })
        .returningAll()
        .executeTakeFirstOrThrow();
      await seedHandle.db
        .insertInto("users")
        .values(Array.from({ length: N }, (_, i) => ({ telegram_id: 77_001 + i, role: "volunteer" as const, status: "active" as const, name: `R${i}`, locale: "id", area_code: PONDOK_RAJEG, created_at: new Date(), updated_at: new Date() })))
        .execute();
      const b = await createBroadcast(seedHandle.db, { actor: coord, audience: { kind: "area", code: null }, textHtml: "Siaran proses", media: null, progress: null, now: new Date() });
      expect(b.total).toBe(N);
      await seedHandle.close();

      const fake = createFakeTelegram({ getUpdatesDelayMs: 200 });
      // Telegram answers a little slowly, so that messages are in flight when SIGTERM comes.
      fake.respond("sendMessage", async () => {
        await sleep(100);
        return undefined;
      });
      const server = await startFakeBotApiServer(fake);
      const env = {
        BOT_TOKEN: "123456789:AAHfakeTokenForTestsOnly_abcdefghij",
        TELEGRAM_API_ROOT: server.url,
        PGLITE_DIR: join(dir, "pglite"),
        PII_KEY_FILE: join(dir, "pii.key"),
      };
      const sentTo = () => fake.callsOf("sendMessage").filter((c) => Number(c.payload.chat_id) > 77_000);
      try {
        let p = startMain(env);
        await waitFor(() => sentTo().length >= 40, 90_000, "the first 40 messages");
        p.child.kill("SIGTERM");
        expect(await p.exited).toBe(0);
        const afterStop = sentTo().length;
        expect(afterStop).toBeLessThan(N);
        // Every call that reached Telegram was answered before the process exited.
        expect(sentTo().every((c) => c.response?.ok === true)).toBe(true);

        p = startMain(env);
        await waitFor(() => new Set(sentTo().map((c) => c.payload.chat_id)).size >= N, 90_000, "all messages");
        await sleep(1500);
        p.child.kill("SIGTERM");
        expect(await p.exited).toBe(0);
        const perChat = new Map<unknown, number>();
        for (const c of sentTo()) perChat.set(c.payload.chat_id, (perChat.get(c.payload.chat_id) ?? 0) + 1);
        expect(perChat.size).toBe(N);
        expect(Math.max(...perChat.values())).toBe(1);
      } finally {
        await server.close();
      }
    },
    200_000,
  );
});

describe("acknowledged broadcasts (“minta konfirmasi baca”)", () => {
  const runJobs = async () => {
    for (let i = 0; i < 20 && (await t.app.worker.runDue()) > 0; i++);
  };
  const reminders = (chatId: number) => delivered(chatId).filter((c) => String(c.payload.text).includes("Pengingat"));

  it("counts each confirmation once, reminds the others once after BROADCAST_ACK_HOURS and lists them for the coordinator", async () => {
    const vols = await seedVolunteers(3, PONDOK_RAJEG);
    const coord = t.driver.user({ id: 9100, firstName: "Koordinator" });
    await coord.send("/siaran");
    await coord.tap("✍️ Tulis siaran baru");
    await coord.send("Rapat darurat besok jam 8 di balai desa");
    await coord.tap(/^👥 Semua relawan aktif/);
    expect(coord.buttons()).toContain("☐ Minta konfirmasi baca");
    await coord.tap("☐ Minta konfirmasi baca");
    expect(coord.buttons()).toContain("☑️ Minta konfirmasi baca: ya");
    expect(coord.lastText()).toContain("diingatkan sekali");
    await coord.tap("✅ Kirim ke 3 orang");
    expect(coord.lastText()).toContain("Sudah dibaca: 0 dari 0");
    const b = await t.app.deps.db.selectFrom("broadcasts").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(b).toMatchObject({ ack_requested: true, kind: "message", total: 3 });
    const createdAt = t.clock.now;

    await runJobs();
    for (const v of vols) {
      const got = delivered(v.telegram_id);
      expect(got).toHaveLength(1);
      expect(JSON.stringify(got[0]!.payload.reply_markup)).toContain("👍 Sudah dibaca");
    }
    expect(t.fake.message(9100, b.progress_message_id!)?.text).toContain("Sudah dibaca: 0 dari 3");

    // Counted once, however often it is tapped.
    const r0 = t.driver.user({ id: vols[0]!.telegram_id, firstName: "Relawan" });
    await r0.tap("👍 Sudah dibaca");
    expect(r0.lastCallbackAnswer()?.text).toContain("Terima kasih");
    await r0.tapData(`bk:a:${b.id}`);
    expect(r0.lastCallbackAnswer()?.text).toContain("Sudah tercatat sebelumnya");
    const acked = await t.app.deps.db.selectFrom("broadcast_deliveries").select(["user_id", "acked_at"]).where("broadcast_id", "=", b.id).where("acked_at", "is not", null).execute();
    expect(acked.map((a) => a.user_id)).toEqual([vols[0]!.id]);
    expect(await t.app.deps.db.selectFrom("audit_log").select("id").where("action", "=", "broadcast.acknowledged").where("entity_id", "=", String(b.id)).execute()).toHaveLength(1);

    // A forged tap for a broadcast the volunteer never received changes nothing.
    const other = await createBroadcast(t.app.deps.db, {
      actor: coordinator,
      audience: { kind: "coordinators", code: null },
      textHtml: "Hanya untuk koordinator",
      media: null,
      progress: null,
      now: t.app.deps.now(),
      ackRequested: true,
    });
    const r1 = t.driver.user({ id: vols[1]!.telegram_id, firstName: "Relawan" });
    const before = JSON.stringify(await t.app.deps.db.selectFrom("broadcast_deliveries").selectAll().orderBy("id").execute());
    for (const data of [`bk:a:${other.id}`, `bk:a:999999`, `bk:r:${b.id}`]) {
      await r1.tapData(data);
      expect(r1.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    }
    expect(JSON.stringify(await t.app.deps.db.selectFrom("broadcast_deliveries").selectAll().orderBy("id").execute())).toBe(before);
    await t.app.deps.db.updateTable("broadcasts").set({ status: "cancelled" }).where("id", "=", other.id).execute();

    // The progress message shows the count (at most every 10 s).
    await r1.tap("👍 Sudah dibaca");
    t.clock.now += 10_000;
    await runJobs();
    expect(t.fake.message(9100, b.progress_message_id!)?.text).toContain("Sudah dibaca: 2 dari 3");

    // Reminded once, after 24 hours, only the one who did not confirm.
    t.clock.now = createdAt + 23 * 3_600_000;
    await runJobs();
    for (const v of vols) expect(reminders(v.telegram_id)).toHaveLength(0);
    t.clock.now = createdAt + 24 * 3_600_000;
    await runJobs();
    expect(reminders(vols[2]!.telegram_id)).toHaveLength(1);
    expect(String(reminders(vols[2]!.telegram_id)[0]!.payload.text)).toContain("Rapat darurat besok");
    for (const v of vols.slice(0, 2)) expect(reminders(v.telegram_id)).toHaveLength(0);
    const list = delivered(9100).filter((c) => String(c.payload.text).includes("Yang belum konfirmasi baca sudah diingatkan"));
    expect(list).toHaveLength(1);
    expect(String(list[0]!.payload.text)).toContain("Belum konfirmasi (1)");
    expect(String(list[0]!.payload.text)).toContain(vols[2]!.name!);
    t.clock.now = createdAt + 72 * 3_600_000;
    await runJobs();
    expect(reminders(vols[2]!.telegram_id)).toHaveLength(1);

    // The reminder's button confirms the original broadcast.
    const r2 = t.driver.user({ id: vols[2]!.telegram_id, firstName: "Relawan" });
    await r2.tap("👍 Sudah dibaca");
    expect(r2.lastCallbackAnswer()?.text).toContain("Terima kasih");
    await coord.tapData(`bk:r:${b.id}`);
    expect(coord.lastText()).toContain("Sudah membaca (3)");
    expect(coord.lastText()).toContain("Belum konfirmasi (0)");
    await coord.send("/siaran");
    expect(coord.lastText()).toContain("Sudah dibaca: 3 dari 3");
  });
});
