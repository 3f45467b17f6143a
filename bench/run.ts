/**
 * Throughput and latency benchmark of the whole bot against PostgreSQL (`npm run bench`).
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/test npm run bench
 *
 * DATABASE_URL names an existing database used only to create (and at the end drop) a
 * scratch database `pendamping_bench_<random>`; nothing else in it is touched.
 *
 * What runs, all in this process against a light fake of the Bot API (no network):
 * 1. Throughput: 1,000 chats at once — half register a household (/daftar, 21 updates), half
 *    report a visit (/kunjungan, ~14 updates) — through the full bot (`bot.handleUpdate`),
 *    at most 100 updates in flight (the long-polling runner's limit), each chat one update at
 *    a time. Updates/second, latency per update, database round trips per update.
 * 2. The floor: the same updates (same chats, same order, same concurrency) through a
 *    minimal grammY bot that does one session read and one upsert in PostgreSQL per update
 *    and replies once. Our throughput as a ratio of it.
 * 3. Latency at a realistic load: the same mix, open loop at half the measured throughput.
 * 4. Step 20 versus step 1 of a flow (chats one after another, no contention).
 * 5. Memory with 10,000 conversations open (a separate process, so the figure is the bot's).
 * BENCH_CHATS (default 1000) and BENCH_OPEN (default 10000) scale the runs.
 */
import { spawn } from "node:child_process";
import { Session } from "node:inspector/promises";
import { randomBytes } from "node:crypto";
import { cpus, freemem, totalmem } from "node:os";
import { Writable } from "node:stream";
import { Bot, session, type Context, type SessionFlavor } from "grammy";
import type { Update } from "grammy/types";
import { sql } from "kysely";
import pg from "pg";
import { parseConfig } from "../src/config.js";
import { createApp, type App } from "../src/app.js";
import { createPgDb } from "../src/db/client.js";
import { createLogger } from "../src/logger.js";
import { insertHousehold } from "../src/db/queries/households.js";
import { BenchTelegram, BENCH_BOT_INFO, SimChat } from "./telegram.js";

const CHATS = Number(process.env.BENCH_CHATS ?? 1000);
const OPEN_CONVERSATIONS = Number(process.env.BENCH_OPEN ?? 10_000);
const IN_FLIGHT = 100;
const VILLAGE = "32.01.01.1002";
const FIRST = ["Siti", "Budi", "Rahmat", "Yohana", "Wayan", "Agus", "Dewi", "Ratna", "Made", "Nyoman", "Ketut", "Fitri", "Intan", "Joko", "Slamet", "Sri", "Tuti", "Yusuf", "Zainal", "Hendra", "Lukas", "Maria", "Petrus", "Rina", "Sinta", "Teguh", "Umar", "Vina", "Wulan", "Yanti", "Asep", "Cecep", "Dadang", "Euis", "Iwan", "Nining", "Oman", "Popon", "Ujang", "Entin"];
const LAST = ["Aminah", "Santoso", "Hidayat", "Mariani", "Sudarma", "Salim", "Lestari", "Sari", "Wijaya", "Saputra", "Kusuma", "Pratama", "Nugroho", "Wibowo", "Setiawan", "Gunawan", "Hakim", "Rahman", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Tambunan", "Manurung", "Pane", "Lubis", "Daulay", "Sembiring", "Ginting", "Tarigan", "Purba", "Sinaga", "Damanik", "Saragih", "Munthe", "Sitompul", "Hutapea", "Panjaitan", "Silalahi", "Marpaung"];

// === Small helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function stats(latencies: number[]) {
  const s = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
}

/** A counting semaphore: at most `n` updates in flight, like the runner's sink. */
function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}

function die(message: string): never {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(2);
}

// === The bot under test

interface Harness {
  app: App;
  tg: BenchTelegram;
  roundTrips: { n: number };
  errors: string[];
}

async function buildApp(url: string, opts: { pool?: number } = {}): Promise<Harness> {
  const errors: string[] = [];
  const logger = createLogger({
    level: "error",
    destination: new Writable({
      write(chunk, _enc, cb) {
        if (errors.length < 20) errors.push(String(chunk).slice(0, 500));
        else errors.length += 0;
        cb();
      },
    }),
  });
  const roundTrips = { n: 0 };
  const dbHandle = createPgDb({ url, max: opts.pool ?? 10, logger, onRoundTrip: () => (roundTrips.n += 1) });
  const tg = new BenchTelegram();
  const config = parseConfig({ DATABASE_URL: url, PII_KEY: process.env.BENCH_PII_KEY ?? randomBytes(32).toString("hex"), LOG_LEVEL: "error" });
  const app = await createApp(config, {
    logger,
    dbHandle,
    botConfig: { botInfo: BENCH_BOT_INFO, client: { fetch: tg.fetch as never } },
  });
  return { app, tg, roundTrips, errors };
}

/** A script: the next update, built after the previous one was handled (buttons change). */
type Step = (c: SimChat) => Update;

function registrationScript(i: number): Step[] {
  const seq = String(i + 1).padStart(4, "0");
  const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${["", "Putri", "Putra", "Dewi"][Math.floor(i / 1600) % 4]}`.trim();
  return [
    (c) => c.text("/daftar"),
    (c) => c.tap("✅ Keluarga setuju"),
    (c) => c.text(name),
    (c) => c.text(`3201014508${["68", "69", "70", "71", "72"][Math.floor(i / 9999) % 5]}${seq}`),
    (c) => c.tap("✅ Benar"),
    (c) => c.text(`320101200115${seq}`),
    (c) => c.tap(/^📍/),
    (c) => c.tap("Lewati"),
    (c) => c.tap("Lewati"),
    (c) => c.tap("Lewati lokasi"),
    (c) => c.tap("1"),
    (c) => c.tap("▫️ Anak terlantar"),
    (c) => c.tap("✅ Selesai (1 dipilih)"),
    (c) => c.tap("Layak huni"),
    (c) => c.tap("▫️ Belum menerima bantuan"),
    (c) => c.tap("✅ Selesai (1 dipilih)"),
    (c) => c.tap("✅ Selesai (0 dipilih)"),
    (c) => c.tap("Lewati"),
    (c) => c.tap("Tidak tahu"),
    (c) => c.tap("✅ Selesai"),
    (c) => c.tap("💾 Simpan data keluarga"),
  ];
}

function visitScript(): Step[] {
  const first = (c: SimChat) => c.tapFirst();
  return [
    (c) => c.text("/kunjungan"),
    (c) => c.tap(/·/),
    (c) => c.tap(/^Hari ini/),
    (c) => c.tap(/Monitoring/),
    first, // intervention
    (c) => c.tap(/^▫️/),
    (c) => c.tap(/^Lanjut/),
    (c) => c.text("Keluarga dalam keadaan baik, anak-anak sekolah."),
    (c) => c.tap(/Tidak ada bantuan/),
    (c) => c.tap(/Tidak dirujuk/),
    first, // urgency
    (c) => c.tap(/^Tidak/),
    (c) => c.tap(/Lewati|Selesai/),
    (c) => c.tap(/Simpan laporan/),
  ];
}

interface Scenario {
  chat: SimChat;
  steps: Step[];
  kind: "reg" | "visit";
}

async function seedVolunteers(h: Harness, ids: number[]): Promise<Map<number, number>> {
  const userIds = new Map<number, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await h.app.deps.db
      .insertInto("users")
      .values(ids.slice(i, i + 500).map((tg) => ({ telegram_id: tg, role: "volunteer" as const, status: "active" as const, name: `Relawan ${tg}`, locale: "id", area_code: VILLAGE, phone: "+6281200000000" })))
      .returning(["id", "telegram_id"])
      .execute();
    for (const r of rows) userIds.set(r.telegram_id, r.id);
  }
  return userIds;
}

async function seedHouseholds(h: Harness, owners: number[]): Promise<void> {
  let n = 0;
  for (const userId of owners) {
    n += 1;
    const seq = String(n).padStart(4, "0");
    await insertHousehold(
      h.app.deps.db,
      h.app.deps.pii,
      {
        consentAt: "2026-11-01T03:00:00.000Z",
        headName: `Keluarga Kunjungan ${n}`,
        headNik: `3201015203${"10"}${seq}`,
        kk: `320101150216${seq}`,
        headSex: "P",
        headBirthDate: "2010-03-12",
        villageCode: VILLAGE,
        rt: "003",
        rw: "005",
        address: "Jl. Melati No. 4",
        location: null,
        memberCount: 3,
        members: [],
        ppks: ["fakir_miskin"],
        housing: "tidak_layak",
        programmes: ["pkh"],
        programmeOther: null,
        needs: ["pangan"],
        needsOther: null,
        desil: 1,
        photos: [],
      } as never,
      { userId, locale: "id" },
    );
  }
}

interface RunResult {
  updates: number;
  seconds: number;
  latencies: number[];
  roundTrips: number;
  sent: { chatId: number; updates: Update[] }[];
  byStep: number[][];
}

/**
 * Runs scenarios: each chat sends its steps one at a time; at most IN_FLIGHT updates run at
 * once over all chats. `thinkMs` (mean, exponential) spaces a chat's steps for open-loop runs.
 */
async function runScenarios(h: Harness, scenarios: Scenario[], opts: { thinkMs?: number; limit?: number } = {}): Promise<RunResult> {
  const limit = limiter(opts.limit ?? IN_FLIGHT);
  const latencies: number[] = [];
  const byStep: number[][] = [];
  const rt0 = h.roundTrips.n;
  const sent: RunResult["sent"] = [];
  const t0 = performance.now();
  await Promise.all(
    scenarios.map(async (s) => {
      const mine: Update[] = [];
      sent.push({ chatId: s.chat.id, updates: mine });
      if (opts.thinkMs) await sleep(Math.random() * opts.thinkMs);
      for (const [k, step] of s.steps.entries()) {
        if (opts.thinkMs && k > 0) await sleep(-Math.log(1 - Math.random()) * opts.thinkMs);
        await limit(async () => {
          const update = step(s.chat);
          mine.push(update);
          const start = performance.now();
          await h.app.bot.handleUpdate(update);
          const ms = performance.now() - start;
          latencies.push(ms);
          (byStep[k] ??= []).push(ms);
        });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { updates: latencies.length, seconds, latencies, roundTrips: h.roundTrips.n - rt0, sent, byStep };
}

// === The floor: a minimal grammY bot with one session read and one upsert per update

interface FloorResult {
  updates: number;
  seconds: number;
  latencies: number[];
  roundTrips: number;
}

async function runFloor(url: string, recorded: RunResult["sent"]): Promise<FloorResult> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  let roundTrips = 0;
  const query = (text: string, values: unknown[]) => {
    roundTrips += 1;
    return pool.query(text, values);
  };
  await pool.query("create table if not exists floor_session (key text primary key, value jsonb not null, updated_at timestamptz not null default now())");
  type FloorContext = Context & SessionFlavor<{ steps: number }>;
  const tg = new BenchTelegram();
  const bot = new Bot<FloorContext>("1000000001:FLOOR-token-not-for-telegram", { botInfo: BENCH_BOT_INFO, client: { fetch: tg.fetch as never } });
  bot.use(
    session({
      initial: () => ({ steps: 0 }),
      storage: {
        read: async (key) => (await query("select value from floor_session where key = $1", [key])).rows[0]?.value as { steps: number } | undefined,
        write: async (key, value) => {
          await query(
            "insert into floor_session (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value, updated_at = now()",
            [key, JSON.stringify(value)],
          );
        },
        delete: async (key) => {
          await query("delete from floor_session where key = $1", [key]);
        },
      },
    }),
  );
  bot.use(async (ctx) => {
    ctx.session.steps += 1;
    if (ctx.callbackQuery) await ctx.answerCallbackQuery();
    await ctx.reply(`Langkah ${ctx.session.steps}`);
  });
  const limit = limiter(IN_FLIGHT);
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    recorded.map(async ({ updates }) => {
      for (const update of updates) {
        await limit(async () => {
          const start = performance.now();
          await bot.handleUpdate(structuredClone(update));
          latencies.push(performance.now() - start);
        });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pool.end();
  return { updates: latencies.length, seconds, latencies, roundTrips };
}

// === Memory with many open conversations (child process)

async function rssChild(url: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const h = await buildApp(url);
  const base = 50_000_000;
  const ids = Array.from({ length: OPEN_CONVERSATIONS }, (_, i) => base + i);
  await seedVolunteers(h, ids);
  gc?.();
  const before = process.memoryUsage().rss;
  const scenarios: Scenario[] = ids.map((id, i) => ({
    chat: new SimChat(id, h.tg),
    kind: "reg",
    steps: registrationScript(i).slice(0, 3),
  }));
  // Open them in two halves: memory that grows with the number of open conversations shows
  // as a difference between the halves; memory that stays (allocator pages kept after the
  // busiest moment) does not.
  const half = Math.floor(scenarios.length / 2);
  const fail = (err: Error) => {
    throw new Error(`${err.message}\n${h.errors.join("\n")}`);
  };
  const settle = async () => {
    // Let V8 give freed pages back (its memory reducer runs after a full collection).
    for (let i = 0; i < 4; i++) {
      gc?.();
      await sleep(500);
    }
  };
  const first = await runScenarios(h, scenarios.slice(0, half)).catch(fail);
  await settle();
  const mid = process.memoryUsage();
  const second = await runScenarios(h, scenarios.slice(half)).catch(fail);
  const run = { updates: first.updates + second.updates, seconds: first.seconds + second.seconds };
  first.sent.length = 0;
  second.sent.length = 0;
  // The harness's own per-chat memory (fake Telegram) is not the bot's: drop it before measuring.
  h.tg.chats.clear();
  scenarios.length = 0;
  await settle();
  const usage = process.memoryUsage();
  const after = usage.rss;
  const open = (await sql<{ n: number }>`select count(*)::int as n from conversation_state`.execute(h.app.deps.db)).rows[0]!.n;
  const peak = process.resourceUsage().maxRSS * 1024;
  await h.app.close();
  process.stdout.write(
    `${JSON.stringify({ open, before, mid: mid.rss, after, peak, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, updates: run.updates, seconds: run.seconds, errors: h.errors.length })}\n`,
  );
}

interface MemoryResult {
  open: number;
  before: number;
  mid: number;
  after: number;
  peak: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  updates: number;
  seconds: number;
  errors: number;
}

async function measureOpenConversations(url: string, piiKey: string): Promise<MemoryResult> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/run.ts", "--rss-child"], {
    env: { ...process.env, BENCH_CHILD_URL: url, BENCH_PII_KEY: piiKey },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`memory run failed (exit ${code})`);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

// === Where the time goes (BENCH_PROFILE=1): CPU profile of the throughput run, by package

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

async function startProfile(): Promise<() => Promise<string[]>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: { nodes: ProfileNode[] } };
    session.disconnect();
    const byPackage = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let total = 0;
    for (const n of profile.nodes) {
      const hits = n.hitCount ?? 0;
      if (hits === 0) continue;
      total += hits;
      const url = n.callFrame.url;
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes("/src/") ? `src/${url.split("/src/")[1]?.split("/")[0]}` : url.includes("/bench/") ? "bench harness" : url === "" ? `(${n.callFrame.functionName || "native"})` : "node internals");
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
      const fn = `${n.callFrame.functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^.*\/work\/main\//, "")}:${n.callFrame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    }
    const top = (m: Map<string, number>, k: number) =>
      [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, hits]) => `  ${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
    return ["CPU by package (self time, throughput run):", ...top(byPackage, 14), "Top functions (self time):", ...top(byFunction, 20)];
  };
}

// === Main

async function main(): Promise<void> {
  if (process.argv.includes("--rss-child")) {
    await rssChild(process.env.BENCH_CHILD_URL!);
    return;
  }
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl || !/^postgres(ql)?:\/\//.test(adminUrl)) {
    die(
      "The benchmark needs PostgreSQL: set DATABASE_URL to an existing database it may use to create a scratch\n" +
        "database (created and dropped by the run), e.g.\n\n  DATABASE_URL=postgres://root@127.0.0.1:5432/test npm run bench",
    );
  }
  const name = `pendamping_bench_${randomBytes(5).toString("hex")}`;
  const admin = createPgDb({ url: adminUrl, max: 1 });
  try {
    await sql.raw(`create database ${name}`).execute(admin.db);
  } catch (err) {
    await admin.close();
    die(`Cannot create a scratch database with DATABASE_URL (${(err as Error).message}).`);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const piiKey = randomBytes(32).toString("hex");
  process.env.BENCH_PII_KEY = piiKey;
  const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(admin.db)).rows[0]!.v;
  try {
    process.stderr.write(`scratch database ${name}; preparing ${CHATS} chats…\n`);
    const h = await buildApp(dbUrl);
    const regCount = Math.ceil(CHATS / 2);
    const visitCount = CHATS - regCount;
    const regIds = Array.from({ length: regCount }, (_, i) => 10_000_000 + i);
    const visitIds = Array.from({ length: visitCount }, (_, i) => 20_000_000 + i);
    const users = await seedVolunteers(h, [...regIds, ...visitIds, 30_000_000]);
    await seedHouseholds(h, visitIds.map((id) => users.get(id)!));
    const scenarios = (offset: number): Scenario[] => [
      ...regIds.map((id, i) => ({ chat: new SimChat(id, h.tg), kind: "reg" as const, steps: registrationScript(offset + i) })),
      ...visitIds.map((id) => ({ chat: new SimChat(id, h.tg), kind: "visit" as const, steps: visitScript() })),
    ];
    const count = async (table: "households" | "visits") =>
      (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(h.app.deps.db)).rows[0]!.n;

    // Warm-up (JIT, pool, caches): a few chats through both flows, not measured.
    const warm = await runScenarios(h, [
      { chat: new SimChat(30_000_000, h.tg), kind: "reg", steps: registrationScript(9000) },
      { chat: new SimChat(visitIds[0]!, h.tg), kind: "visit", steps: visitScript() },
    ]).catch((err: Error) => {
      throw new Error(`warm-up failed: ${err.message}\n${h.errors.join("\n")}`);
    });
    void warm;

    // 1. Throughput.
    process.stderr.write("1/5 throughput…\n");
    const households0 = await count("households");
    const visits0 = await count("visits");
    const rss0 = process.memoryUsage().rss;
    const failed = (phase: string) => (err: Error) => {
      throw new Error(`${phase} failed: ${err.message}\n${h.errors.join("\n")}`);
    };
    const stopProfile = process.env.BENCH_PROFILE ? await startProfile() : undefined;
    const a = await runScenarios(h, scenarios(0)).catch(failed("throughput run"));
    const profileLines = stopProfile ? await stopProfile() : [];
    const registered = (await count("households")) - households0;
    const reported = (await count("visits")) - visits0;
    const rssA = process.memoryUsage().rss;

    // 2. The floor, same updates.
    process.stderr.write("2/5 grammY floor…\n");
    const floor = await runFloor(dbUrl, a.sent);

    // 3. Latency at half the measured throughput (open loop).
    process.stderr.write("3/5 latency at half load…\n");
    const rate = (a.updates / a.seconds) * 0.5;
    const thinkMs = (CHATS / rate) * 1000;
    const b = await runScenarios(h, scenarios(CHATS), { thinkMs }).catch(failed("half-load run"));

    // 4. Step 20 versus step 1: chats one after another.
    process.stderr.write("4/5 step 20 vs step 1…\n");
    const seqIds = Array.from({ length: 40 }, (_, i) => 30_000_100 + i);
    await seedVolunteers(h, seqIds);
    const c = await runScenarios(
      h,
      seqIds.map((id, i) => ({ chat: new SimChat(id, h.tg), kind: "reg" as const, steps: registrationScript(5 * CHATS + i) })),
      { limit: 1 },
    ).catch(failed("step run"));
    const median = (xs: number[] | undefined) => stats(xs ?? []).p50;
    const step1 = median(c.byStep[0]);
    const step20 = median(c.byStep[19]);
    const perStep = c.byStep.map((xs) => Number(median(xs).toFixed(2)));

    const errors = [...h.errors];
    await h.app.close();

    // 5. Memory with many open conversations.
    process.stderr.write(`5/5 ${OPEN_CONVERSATIONS} open conversations (separate process)…\n`);
    const mem = await measureOpenConversations(dbUrl, piiKey);

    // === Report
    const sa = stats(a.latencies);
    const sb = stats(b.latencies);
    const sf = stats(floor.latencies);
    const tputA = a.updates / a.seconds;
    const tputF = floor.updates / floor.seconds;
    const rtA = a.roundTrips / a.updates;
    const rtF = floor.roundTrips / floor.updates;
    const f = (n: number, d = 1) => n.toFixed(d).padStart(8);
    const cpu = cpus();
    const lines = [
      "",
      `Pendamping benchmark, ${new Date().toISOString()}`,
      `Machine: ${cpu[0]?.model ?? "?"} × ${cpu.length} cores, ${mb(totalmem())} MB RAM (${mb(freemem())} MB free), Node ${process.version}, PostgreSQL ${version} on ${new URL(adminUrl).hostname}`,
      `Workload: ${CHATS} chats at once (${regCount} × /daftar of 21 updates, ${visitCount} × /kunjungan of 14 updates) = ${a.updates} updates, ≤ ${IN_FLIGHT} in flight, one update per chat at a time`,
      `Outcome: ${registered}/${regCount} households registered, ${reported}/${visitCount} visits reported${errors.length ? `, ${errors.length} ERRORS (first: ${errors[0]})` : ", no errors"}`,
      "",
      "                                   updates/s   p50 ms   p95 ms   p99 ms   max ms   DB round trips/update",
      `Pendamping, saturated              ${f(tputA)} ${f(sa.p50)} ${f(sa.p95)} ${f(sa.p99)} ${f(sa.max)}   ${rtA.toFixed(2)}`,
      `grammY floor (session + upsert)    ${f(tputF)} ${f(sf.p50)} ${f(sf.p95)} ${f(sf.p99)} ${f(sf.max)}   ${rtF.toFixed(2)}`,
      `Pendamping at half load (${rate.toFixed(0)}/s)  ${f(b.updates / b.seconds)} ${f(sb.p50)} ${f(sb.p95)} ${f(sb.p99)} ${f(sb.max)}   ${(b.roundTrips / b.updates).toFixed(2)}`,
      "",
      `Throughput vs the floor: ${((tputA / tputF) * 100).toFixed(0)}% (target ≥ 75%)`,
      `p99 at half load: ${sb.p99.toFixed(1)} ms (target < 50 ms); round trips per update: ${rtA.toFixed(2)} (target ≤ 3)`,
      `Step 20 vs step 1 of /daftar (median, no contention): ${step20.toFixed(2)} ms vs ${step1.toFixed(2)} ms = ${(step20 / step1).toFixed(2)} (target ≤ 1.5)`,
      `  median per step (ms): ${perStep.join(" ")}`,
      `RSS: ${mb(rss0)} MB before the throughput run, ${mb(rssA)} MB after, peak ${mb(process.resourceUsage().maxRSS * 1024)} MB`,
      `RSS with ${mem.open} conversations open (separate process, after GC): ${mb(mem.after)} MB (target < 300 MB)`,
      `  before opening them ${mb(mem.before)} MB, after half of them ${mb(mem.mid)} MB, peak ${mb(mem.peak)} MB; JS heap ${mb(mem.heapUsed)} of ${mb(mem.heapTotal)} MB, external ${mb(mem.external)} MB`,
      "",
      ...profileLines,
      "",
    ];
    process.stdout.write(lines.join("\n"));
    if (errors.length > 0 || mem.errors > 0 || registered !== regCount || reported !== visitCount) process.exitCode = 1;
  } finally {
    await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db).catch(() => undefined);
    await admin.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
