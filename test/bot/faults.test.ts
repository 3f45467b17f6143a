import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createTestApp, type TestApp } from "../support/app.js";
import { PG_URL, scratchDatabase } from "../support/pg.js";
import { createPgDb } from "../../src/db/client.js";
import { z } from "zod";
import { defineJob } from "../../src/bot/jobs.js";
import { FEATURES } from "../../src/bot/features.js";

const VILLAGE = "32.01.01.1002";
const DOWN = "Layanan sedang gangguan, silakan coba lagi sebentar lagi. Pesan Anda belum tersimpan.";

/**
 * A TCP proxy between the bot's pool and PostgreSQL that the test can cut and restore: the
 * database "goes away" for this app only (other test files keep using the server).
 */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    /** Refuses new connections and breaks the open ones (the server is gone). */
    async cut() {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
    },
    restore: listen,
    close() {
      return this.cut();
    },
  };
}

describe("Telegram errors are retried (auto-retry)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: "9301" } });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => t.fake.assertNoViolations());

  it("retries a reply after 429 Too Many Requests and after a 502, and the user sees it once", async () => {
    const u = t.driver.user({ id: 9301, firstName: "Rina" });
    t.fake.respond("sendMessage", () => ({ ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } }), { once: true });
    await u.send("/bantuan");
    expect(u.newTexts()).toHaveLength(1);
    expect(u.lastText()).toContain("/batal");
    t.fake.respond("sendMessage", () => ({ ok: false, error_code: 502, description: "Bad Gateway" }), { once: true });
    await u.send("/bantuan");
    expect(u.newTexts()).toHaveLength(1);
    expect(t.fake.callsOf("sendMessage").filter((c) => c.response?.ok === false)).toHaveLength(2);
    expect(t.driver.errors).toEqual([]);
  }, 30_000);
});

describe.skipIf(!PG_URL)("the database goes away during a flow and comes back (PostgreSQL)", () => {
  let t: TestApp;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let db: Awaited<ReturnType<typeof scratchDatabase>>;

  beforeAll(async () => {
    db = await scratchDatabase();
    const direct = new URL(db.url);
    proxy = await startProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const dbHandle = createPgDb({ url: viaProxy.toString(), max: 3 });
    t = await createTestApp({ dbHandle });
    await t.app.deps.db
      .insertInto("users")
      .values({ telegram_id: 9401, role: "volunteer", status: "active", name: "Siti Rahma", locale: "id", area_code: VILLAGE, phone: "+6281200000000" })
      .execute();
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });
  afterEach(() => t.fake.assertNoViolations());

  const snapshot = async () => {
    const state = await t.app.deps.db.selectFrom("conversation_state").select(["key", "state"]).execute();
    const households = await t.app.deps.db.selectFrom("households").select("id").execute();
    const audit = await t.app.deps.db.selectFrom("audit_log").select("id").execute();
    const updates = await t.app.deps.db.selectFrom("processed_update").select("update_id").execute();
    return { state: JSON.stringify(state), households: households.length, audit: audit.length, updates: updates.length };
  };

  it("tells the user, writes nothing partial, and continues at the same step once the database is back — no restart", async () => {
    const u = t.driver.user({ id: 9401, firstName: "Siti" });
    await u.send("/daftar");
    await u.tap("✅ Keluarga setuju");
    await u.send("Siti Aminah");
    expect(u.lastText()).toContain("Ketik NIK Siti Aminah");
    const before = await snapshot();

    // 1. The database is down when the update arrives.
    await proxy.cut();
    const refused = await u.send("3201014508680001");
    expect(u.newTexts()).toEqual([DOWN]);

    // 2. The database dies in the middle of an update: the flow has run (the NIK is being
    //    sealed into the conversation state, just before COMMIT), then the connection breaks.
    //    Nothing of a failed update reaches the chat: its replies are sent only after COMMIT.
    await proxy.restore();
    const pii = t.app.deps.pii;
    const encrypt = pii.encrypt.bind(pii);
    let cutOnce = false;
    pii.encrypt = (value) => {
      if (!cutOnce) {
        cutOnce = true;
        void proxy.cut();
      }
      return encrypt(value);
    };
    const broken = await u.send("3201014508680001");
    pii.encrypt = encrypt;
    expect(cutOnce).toBe(true);
    expect(u.newTexts()).toEqual([DOWN]);
    expect(t.logs.filter((l) => l.includes('"update failed"') && l.includes('"dbDown":true')).length).toBeGreaterThanOrEqual(2);

    // Back up: nothing of the two failed updates was stored.
    await proxy.restore();
    const after = await snapshot();
    expect(after).toEqual(before);
    const ids = (await t.app.deps.db.selectFrom("processed_update").select("update_id").execute()).map((r) => r.update_id);
    expect(ids).not.toContain(refused.update_id);
    expect(ids).not.toContain(broken.update_id);

    // The same app, without a restart: the chat is still at the NIK question.
    await u.send("3201014508680001");
    expect(u.newTexts().join("\n")).toContain("NIK diterima: 3201••••••••0001");
    await u.tap("✅ Benar");
    await u.send("3201012001150003");
    expect(u.newTexts().join("\n"), t.logs.slice(-6).join("\n")).toContain("Nomor KK diterima");
    await u.tap(/^📍/);
    expect(u.lastText()).toContain("RT/RW");
    const logs = t.logs.filter((l) => l.includes('"update failed"'));
    expect(logs.some((l) => l.includes('"dbDown":true'))).toBe(true);
    expect(logs.join("\n")).not.toContain("3201014508680001");
    await u.send("/batal");
  }, 60_000);
});

describe.skipIf(!PG_URL)("jobs run once across processes (PostgreSQL)", () => {
  it("two workers on one database never run the same job twice", async () => {
    const db = await scratchDatabase();
    const runs = new Map<number, number>();
    const name = "test-run-once";
    const testJob = defineJob(name, z.object({ i: z.number() }), async ({ job }) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
    });
    const features = [...FEATURES, { name: "test", jobs: [testJob] }];
    const a = await createTestApp({ dbHandle: createPgDb({ url: db.url, max: 4 }), features });
    const b = await createTestApp({ dbHandle: createPgDb({ url: db.url, max: 4 }), features });
    try {
      for (let i = 0; i < 60; i++) await a.app.deps.jobs.enqueue(a.app.deps.db, name, { i });
      for (let round = 0; round < 40; round++) {
        const [x, y] = await Promise.all([a.app.worker.runDue(), b.app.worker.runDue()]);
        if (x + y === 0 && runs.size === 60) break;
      }
      expect(runs.size).toBe(60);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      const left = await sql<{ n: number }>`select count(*)::int as n from job where name = ${name} and done_at is null`.execute(a.app.deps.db);
      expect(left.rows[0]!.n).toBe(0);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  }, 60_000);
});
