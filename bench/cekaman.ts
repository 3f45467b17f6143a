/**
 * Benchmark of a disaster check-in ("Cek Aman") at district scale:
 *
 *   npx tsx bench/cekaman.ts                                   # embedded PGlite in a temp folder
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/test npx tsx bench/cekaman.ts   # PostgreSQL
 *
 * With DATABASE_URL, a scratch database `pendamping_bench_ck_<random>` is created next to it
 * and dropped at the end; nothing else is touched. BENCH_HOUSEHOLDS (default 20000),
 * BENCH_VOLUNTEERS (400), BENCH_FAMILIES (300) and BROADCAST_RATE (25) scale the run;
 * BENCH_KEEP=1 keeps the scratch database (to look at query plans).
 *
 * What runs, in this process, against a fake Bot API that enforces Telegram's limits
 * (more than 30 messages in any second, or more than one per second to one chat, is answered
 * 429 with retry_after) and answers after 20–60 ms:
 * 1. seeds 10 districts of Kab. Bogor, 4 villages each, 10 volunteers per village with their
 *    households, and family chats with a proven subscription;
 * 2. the preview and the start of an event over the 10 districts — the same queries and the
 *    same single transaction as the "🚀 Mulai" tap (households, every checklist and family
 *    message queued set-based, the tally rendered);
 * 3. the real broadcast sender delivers: messages per second (overall and the busiest
 *    second), 429 answers, time until every volunteer has their checklist;
 * 4. the first escalation stage over the unanswered households (one transaction), the tally
 *    render, closing and writing the final XLSX;
 * and the peak RSS of the process throughout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { sql } from "kysely";
import type { UserFromGetMe } from "grammy/types";
import { parseConfig } from "../src/config.js";
import { createApp, type App } from "../src/app.js";
import { createDb, createPgDb, type DbHandle } from "../src/db/client.js";
import { createLogger } from "../src/logger.js";
import { closeEvent, escalate, previewEvent, saveTallyMessage, startEvent } from "../src/db/queries/cekaman.js";
import { renderChecklist, renderFamily, renderTally } from "../src/ui/cekaman/render.js";
import { writeReport } from "../src/bot/cekaman/report.js";
import { REF_CODE_ALPHABET, REF_CODE_LENGTH } from "../src/domain/refcode.js";

const HOUSEHOLDS = Number(process.env.BENCH_HOUSEHOLDS ?? 20_000);
const VOLUNTEERS = Number(process.env.BENCH_VOLUNTEERS ?? 400);
const FAMILIES = Number(process.env.BENCH_FAMILIES ?? 300);
const RATE = Number(process.env.BROADCAST_RATE ?? 25);
const DISTRICTS = 10;
const VILLAGES_PER_DISTRICT = 4;

const BOT_INFO: UserFromGetMe = {
  id: 7000000098,
  is_bot: true,
  first_name: "Pendamping",
  username: "pendamping_bench_ck_bot",
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const secs = (ms: number) => (ms / 1000).toFixed(2);

/** A Bot API stand-in that enforces Telegram's broadcast limits and takes a little time to answer. */
class LimitedTelegram {
  readonly sends: { at: number; chatId: number; text: string }[] = [];
  tooMany = 0;
  private readonly window: number[] = [];
  private readonly lastPerChat = new Map<number, number>();
  private nextId = 1;

  fetch = async (url: string | URL, init?: { body?: unknown }): Promise<Response> => {
    const href = String(url);
    const method = href.slice(href.lastIndexOf("/") + 1);
    const p = typeof init?.body === "string" ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    const chatId = Number(p["chat_id"]);
    const now = performance.now();
    let result: unknown = true;
    if (method === "sendMessage" || method === "sendDocument" || method === "sendPhoto") {
      while (this.window.length > 0 && this.window[0]! <= now - 1000) this.window.shift();
      const last = this.lastPerChat.get(chatId);
      if (this.window.length >= 30 || (last !== undefined && now - last < 1000)) {
        this.tooMany++;
        return json({ ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
      }
      this.window.push(now);
      this.lastPerChat.set(chatId, now);
      this.sends.push({ at: now, chatId, text: String(p["text"] ?? "") });
      result = { message_id: this.nextId++, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: "private", first_name: "U" }, text: String(p["text"] ?? "") };
    } else if (method.startsWith("edit")) {
      result = { message_id: Number(p["message_id"]), date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: "private", first_name: "U" }, text: "" };
    } else if (method === "getMe") {
      result = BOT_INFO;
    }
    await sleep(20 + Math.random() * 40);
    return json({ ok: true, result });
  };
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

async function openDb(): Promise<{ handle: DbHandle; label: string; cleanup: () => Promise<void>; url?: string }> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), "pendamping-bench-ck-"));
    const handle = await createDb({ pgliteDir: join(dir, "pglite") });
    return { handle, label: "PGlite (embedded)", cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `pendamping_bench_ck_${randomBytes(5).toString("hex")}`;
  const admin = createPgDb({ url: base, max: 1 });
  await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = createPgDb({ url: url.toString(), max: 10 });
  return {
    handle,
    url: url.toString(),
    label: `PostgreSQL (scratch database ${name})`,
    cleanup: async () => {
      if (process.env.BENCH_KEEP) {
        process.stdout.write(`kept the scratch database ${name} (BENCH_KEEP)\n`);
        await admin.close();
        return;
      }
      await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db).catch(() => undefined);
      await admin.close();
    },
  };
}

/** The n-th reference code (valid alphabet, distinct). */
function refCode(n: number): string {
  let code = "";
  for (let i = 0, x = n; i < REF_CODE_LENGTH; i++, x = Math.floor(x / REF_CODE_ALPHABET.length)) code = REF_CODE_ALPHABET[x % REF_CODE_ALPHABET.length] + code;
  return code;
}

async function seed(app: App): Promise<{ coordinatorId: number; districts: string[]; volunteerChats: Set<number> }> {
  const db = app.deps.db;
  const pii = app.deps.pii;
  const districts = (
    await db.selectFrom("regions").select("code").where("level", "=", 3).where("code", "like", "32.01.%").orderBy("code").limit(DISTRICTS).execute()
  ).map((r) => r.code);
  const villages: string[] = [];
  for (const d of districts) {
    const rows = await db.selectFrom("regions").select("code").where("parent_code", "=", d).orderBy("code").limit(VILLAGES_PER_DISTRICT).execute();
    villages.push(...rows.map((r) => r.code));
  }
  const coordinator = await db
    .insertInto("users")
    .values({ telegram_id: 9_000_000_001, role: "coordinator", status: "active", name: "Dinas Sosial Kab. Bogor", locale: "id", area_code: "32.01" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const volunteers: { id: number; tg: number; village: string }[] = [];
  for (let i = 0; i < VOLUNTEERS; i += 500) {
    const batch = Array.from({ length: Math.min(500, VOLUNTEERS - i) }, (_, k) => ({
      telegram_id: 8_000_000_000 + i + k,
      role: "volunteer" as const,
      status: "active" as const,
      name: `Relawan ${i + k + 1}`,
      locale: "id",
      area_code: villages[(i + k) % villages.length]!,
    }));
    const rows = await db.insertInto("users").values(batch).returning(["id", "telegram_id", "area_code"]).execute();
    volunteers.push(...rows.map((r) => ({ id: r.id, tg: Number(r.telegram_id), village: r.area_code! })));
  }
  const ppksFor = (i: number) => (i % 10 === 0 ? ["lanjut_usia_terlantar"] : i % 10 === 1 ? ["penyandang_disabilitas"] : i % 10 === 2 ? ["anak_balita_terlantar"] : ["fakir_miskin"]);
  const householdIds: number[] = [];
  for (let i = 0; i < HOUSEHOLDS; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, HOUSEHOLDS - i) }, (_, k) => {
      const n = i + k;
      const v = volunteers[n % volunteers.length]!;
      const nik = `3201${String(n).padStart(12, "0")}`;
      return {
        ref_code: refCode(n),
        volunteer_id: v.id,
        registered_by: v.id,
        head_name: `Kepala Keluarga ${n + 1}`,
        head_name_norm: `kepala keluarga ${n + 1}`,
        head_nik_enc: pii.encrypt(nik),
        head_nik_hash: pii.hash(nik),
        village_code: v.village,
        rt: String(1 + (n % 9)).padStart(3, "0"),
        rw: String(1 + (n % 5)).padStart(3, "0"),
        address: `Jl. Mawar No. ${n % 200}`,
        member_count: 3,
        ppks: ppksFor(n),
      };
    });
    const rows = await db.insertInto("households").values(batch).returning("id").execute();
    householdIds.push(...rows.map((r) => r.id));
  }
  const issued = new Date(Date.now() - 7 * 86_400_000);
  for (let i = 0; i < FAMILIES; i++) {
    const hid = householdIds[(i * 37) % householdIds.length]!;
    const tg = 7_000_000_000 + i;
    await db.insertInto("users").values({ telegram_id: tg, role: "beneficiary", status: "active", name: null, locale: "id", area_code: null }).execute();
    await db.insertInto("household_pins").values({ household_id: hid, pin_hash: "00", salt: "bench", issued_by: null, issued_at: issued }).onConflict((oc) => oc.column("household_id").doNothing()).execute();
    await db.insertInto("status_subscriptions").values({ household_id: hid, chat_id: tg, created_at: new Date(issued.getTime() + 3_600_000) }).execute();
  }
  return { coordinatorId: coordinator.id, districts, volunteerChats: new Set(volunteers.map((v) => v.tg)) };
}

async function main(): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const db = await openDb();
  const dir = mkdtempSync(join(tmpdir(), "pendamping-bench-ck-app-"));
  const tg = new LimitedTelegram();
  const logger = createLogger({ level: "warn", destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const config = parseConfig({
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    PII_KEY: randomBytes(32).toString("hex"),
    PII_KEY_FILE: join(dir, "pii.key"),
    LOG_LEVEL: "warn",
    BROADCAST_RATE: String(RATE),
  });
  const out: string[] = [];
  const line = (s: string) => {
    out.push(s);
    process.stdout.write(`${s}\n`);
  };
  let app: App | undefined;
  try {
    process.stdout.write(`Cek Aman benchmark on ${db.label}: ${HOUSEHOLDS} households, ${VOLUNTEERS} volunteers, ${FAMILIES} family chats, BROADCAST_RATE ${RATE}\n`);
    app = await createApp(config, { logger, dbHandle: db.handle, botConfig: { botInfo: BOT_INFO, client: { fetch: tg.fetch as never } } });
    const t0 = performance.now();
    const world = await seed(app);
    process.stdout.write(`seeded in ${secs(performance.now() - t0)} s\n`);
    const coordinator = await app.deps.db.selectFrom("users").selectAll().where("id", "=", world.coordinatorId).executeTakeFirstOrThrow();

    const p0 = performance.now();
    const preview = await previewEvent(app.deps.db, world.districts);
    const previewMs = performance.now() - p0;

    // The "🚀 Mulai" tap: one transaction, as in src/flows/cekaman/setup.ts.
    const s0 = performance.now();
    const started = await app.deps.db.transaction().execute(async (trx) => {
      const now = app!.deps.now();
      const r = await startEvent(trx, { actor: coordinator, areaCode: "32.01", regions: world.districts, description: "Banjir bandang, bench", selection: "all", remindMinutes: 60, now });
      await saveTallyMessage(trx, { eventId: r.eventId, chatId: coordinator.telegram_id, userId: coordinator.id, messageId: 1 });
      const event = await trx.selectFrom("cekaman_events").selectAll().where("id", "=", r.eventId).executeTakeFirstOrThrow();
      await renderTally(trx, app!.deps.i18n.t("id"), "id", event, now, { manage: true });
      return r;
    });
    const startMs = performance.now() - s0;
    line(`preview (counts for both selections): ${previewMs.toFixed(0)} ms`);
    line(`start (households + ${started.volunteers} checklists + ${started.families} family messages queued, tally rendered, one transaction): ${startMs.toFixed(0)} ms for ${started.total} households (priority ${started.priority}; preview said ${preview.total})`);

    // What the sender does per message: render it from the database.
    {
      const event = await app.deps.db.selectFrom("cekaman_events").selectAll().where("id", "=", started.eventId).executeTakeFirstOrThrow();
      const vols = await app.deps.db.selectFrom("users").select("id").where("role", "=", "volunteer").limit(30).execute();
      const fams = await app.deps.db.selectFrom("status_subscriptions").select("chat_id").limit(30).execute();
      const t = app.deps.i18n.t("id");
      const times = async (fn: () => Promise<unknown>) => {
        const all: number[] = [];
        for (let i = 0; i < 30; i++) {
          const x = performance.now();
          await fn();
          all.push(performance.now() - x);
        }
        all.sort((a, b) => a - b);
        return `p50 ${all[15]!.toFixed(1)} ms, max ${all.at(-1)!.toFixed(1)} ms`;
      };
      let i = 0;
      const checklist = await times(() => renderChecklist(app!.deps.db, t, { event, mode: { kind: "own", userId: vols[i++ % vols.length]!.id }, page: 0, intro: "list" }));
      let j = 0;
      const family = await times(() => renderFamily(app!.deps.db, t, { event, chatId: Number(fams[j++ % fams.length]!.chat_id), zone: { tz: "Asia/Jakarta", label: "WIB" } }));
      line(`rendering one message at send time: checklist ${checklist}; family ${family}`);
    }

    // Deliver with the real sender.
    const d0 = performance.now();
    const firstSend = tg.sends.length;
    app.broadcasts.start();
    let checklistsDoneAt = 0;
    const reached = new Set<number>();
    const expected = started.volunteers + started.families;
    for (;;) {
      for (const s of tg.sends.slice(firstSend)) if (s.text.includes("Cek Aman #")) reached.add(s.chatId);
      if (!checklistsDoneAt && [...world.volunteerChats].every((c) => reached.has(c))) checklistsDoneAt = performance.now();
      const open = await app.deps.db
        .selectFrom("broadcast_deliveries")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "in", ["pending", "sending"])
        .executeTakeFirstOrThrow();
      if (Number(open.n) === 0 && checklistsDoneAt) break;
      if (performance.now() - d0 > 30 * 60_000) throw new Error("delivery did not finish in 30 minutes");
      await sleep(250);
    }
    const deliverMs = performance.now() - d0;
    await app.broadcasts.stop();
    const sends = tg.sends.slice(firstSend);
    const span = (sends.at(-1)!.at - sends[0]!.at) / 1000;
    let busiest = 0;
    for (let i = 0, j = 0; i < sends.length; i++) {
      while (sends[i]!.at - sends[j]!.at >= 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    line(`delivery: ${sends.length} messages (${expected} queued) in ${secs(deliverMs)} s — ${(sends.length / span).toFixed(1)} messages/s overall, busiest second ${busiest} (configured rate ${RATE}/s, Telegram's limit 30/s); ${tg.tooMany} answers 429`);
    line(`every volunteer had their checklist after ${secs(checklistsDoneAt - d0)} s`);

    const event = await app.deps.db.selectFrom("cekaman_events").selectAll().where("id", "=", started.eventId).executeTakeFirstOrThrow();
    const e0 = performance.now();
    const stage = await app.deps.db.transaction().execute((trx) => escalate(trx, event.id, 1, app!.deps.now()));
    line(`escalation stage 1 (${stage?.households} unanswered households marked, ${stage?.messages} reminders queued, one transaction): ${(performance.now() - e0).toFixed(0)} ms`);
    await app.deps.db.updateTable("broadcasts").set({ status: "cancelled" }).where("status", "=", "sending").execute();

    const r0 = performance.now();
    await renderTally(app.deps.db, app.deps.i18n.t("id"), "id", event, app.deps.now(), { manage: true });
    line(`tally render (counts per village, lists): ${(performance.now() - r0).toFixed(0)} ms`);

    const c0 = performance.now();
    await app.deps.db.transaction().execute((trx) => closeEvent(trx, event.id, coordinator, coordinator.telegram_id, app!.deps.now()));
    const closed = await app.deps.db.selectFrom("cekaman_events").selectAll().where("id", "=", event.id).executeTakeFirstOrThrow();
    const reportDir = await mkdtemp(join(tmpdir(), "pendamping-bench-ck-report-"));
    const report = await writeReport(reportDir, {
      db: app.deps.db,
      pii: app.deps.pii,
      t: app.deps.i18n.t("id"),
      event: closed,
      zone: { tz: "Asia/Jakarta", label: "WIB" },
      base: "bench",
      splitBytes: config.EXPORT_SPLIT_BYTES,
    });
    await rm(reportDir, { recursive: true, force: true });
    line(`close + final XLSX (${report.rows} rows, ${report.parts.length} file, ${mb(report.parts.reduce((n, p) => n + p.bytes, 0)) || "<1"} MB): ${secs(performance.now() - c0)} s`);
    line(`peak RSS: ${mb(peakRss)} MB`);
  } finally {
    clearInterval(sampler);
    await app?.close().catch(() => undefined);
    if (!app) await db.handle.close().catch(() => undefined);
    await db.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
