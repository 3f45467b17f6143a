/**
 * Throughput and latency benchmark of the whole bot against PostgreSQL (`npm run bench`).
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/test npm run bench
 *
 * DATABASE_URL names an existing database used only to create (and at the end drop) a
 * scratch database `pendamping_bench_<random>`; nothing else in it is touched.
 *
 * What runs, all in this process against a light fake of the Bot API (no network). The bot is
 * set up as long polling runs it: replies are sent after COMMIT in the background
 * ("detached", src/bot/outbox.ts); a simulated user answers once the bot's replies have
 * reached it. Latency is measured per update to its COMMIT ("handled") and to its last reply
 * delivered ("answered").
 * 1. Throughput: 1,000 chats at once — half register a household (/daftar, 21 updates), half
 *    report a visit (/kunjungan, ~14 updates) — through the full bot (`bot.handleUpdate`),
 *    at most 100 updates in flight (the long-polling runner's limit), each chat one update at
 *    a time. Updates/second, latency per update, database round trips per update.
 * 2. The floor: the same updates (same chats, same order, same concurrency) through a
 *    minimal grammY bot that does one session read and one upsert in PostgreSQL per update
 *    and replies once. Our throughput as a ratio of it.
 * 3. Latency at a realistic load: the same mix, open loop at half the measured throughput.
 * 4. Telegram at realistic speed: every Bot API call answered after 150 ms, 2% of sends
 *    answered 429 (retry_after 1); 1,000 new chats with the same mix, ≤ 100 in flight. Failed
 *    updates and "gangguan" replies are counted (both must be zero).
 * 5. Step 20 versus step 1 of a flow (chats one after another, no contention), and the stored
 *    conversation size at step 1, at step 20 and after 50 moves back and forth.
 * 6. Round trips per update without the batching of src/db/batching.ts (a small run).
 * 7. Memory idle and with 10,000 conversations open (separate processes).
 * BENCH_CHATS (default 1000) and BENCH_OPEN (default 10000) scale the runs; BENCH_PROFILE=1
 * adds a CPU profile of the throughput run, by package and function; BENCH_ONLY=throughput
 * stops after runs 1 and 2.
 */
import { spawn } from "node:child_process";
import { createWriteStream, writeFileSync } from "node:fs";
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
import { BenchTelegram, BENCH_BOT_INFO, SimChat, type BenchTelegramOptions } from "./telegram.js";

const CHATS = Number(process.env.BENCH_CHATS ?? 1000);
const OPEN_CONVERSATIONS = Number(process.env.BENCH_OPEN ?? 10_000);
const IN_FLIGHT = 100;
/** Where each run's registrations start in `registrationScript` (unique households per run). */
const SCRIPT = { throughput: 0, halfLoad: 10_000, realistic: 20_000, steps: 30_000, naive: 31_000, batched: 32_000, warmUp: 33_000 };
if (CHATS > 20_000) throw new Error("BENCH_CHATS must be at most 20000");
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

/** A small seeded random generator (mulberry32), for repeatable 429s. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

async function buildApp(url: string, opts: { pool?: number; telegram?: BenchTelegramOptions; multiStatement?: boolean } = {}): Promise<Harness> {
  const errors: string[] = [];
  const trace = process.env.BENCH_TRACE ? createWriteStream(process.env.BENCH_TRACE, { flags: "a" }) : undefined;
  const logger = createLogger({
    level: trace ? "trace" : "warn",
    destination: new Writable({
      write(chunk, _enc, cb) {
        const line = String(chunk);
        trace?.write(line);
        // "update failed" and every other error; warnings only when a reply failed after COMMIT.
        if (line.includes('"level":50') || line.includes('"level":60') || line.includes("a reply failed") || line.includes("could not record")) {
          if (errors.length < 20) errors.push(line.slice(0, 500));
          else errors.length += 1;
        }
        cb();
      },
    }),
  });
  const roundTrips = { n: 0 };
  const dbHandle = createPgDb({ url, max: opts.pool ?? 10, logger, multiStatement: opts.multiStatement, onRoundTrip: () => (roundTrips.n += 1) });
  const tg = new BenchTelegram(opts.telegram);
  const config = parseConfig({ DATABASE_URL: url, PII_KEY: process.env.BENCH_PII_KEY ?? randomBytes(32).toString("hex"), LOG_LEVEL: "warn" });
  const app = await createApp(config, {
    logger,
    dbHandle,
    botConfig: { botInfo: BENCH_BOT_INFO, client: { fetch: tg.fetch as never } },
  });
  // As long polling runs the bot: replies go out after COMMIT, in the background.
  app.outbox.mode = "detached";
  return { app, tg, roundTrips, errors };
}

/** A script: the next update, built after the previous one was handled (buttons change). */
type Step = (c: SimChat) => Update;

/**
 * The 21 updates of one household registration. `i` (below 49,995) makes the head's name,
 * NIK and No. KK unique: the bot refuses a duplicate and asks about a similar name.
 */
function registrationScript(i: number): Step[] {
  const group = Math.floor(i / 9999);
  const seq = String((i % 9999) + 1).padStart(4, "0");
  const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${LAST[Math.floor(i / (FIRST.length * LAST.length)) % LAST.length]}`;
  const nik = `3201014508${["68", "69", "70", "71", "72"][group]}${seq}`;
  const kk = `3201012001${15 + group}${seq}`;
  return [
    (c) => c.text("/daftar"),
    (c) => c.tap("✅ Keluarga setuju"),
    (c) => c.text(name),
    (c) => c.text(nik),
    (c) => c.tap("✅ Benar"),
    (c) => c.text(kk),
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
  /** Per update: until its COMMIT (the runner's slot is free again). */
  latencies: number[];
  /** Per update: until its last reply was delivered. */
  answered: number[];
  roundTrips: number;
  sent: { chatId: number; updates: Update[] }[];
  byStep: number[][];
}

/**
 * Runs scenarios: each chat sends its steps one at a time, the next once the bot's replies to
 * the previous one have arrived; at most IN_FLIGHT updates run at once over all chats.
 * `thinkMs` (mean, exponential) spaces a chat's steps for open-loop runs.
 */
async function runScenarios(h: Harness, scenarios: Scenario[], opts: { thinkMs?: number; limit?: number } = {}): Promise<RunResult> {
  const limit = limiter(opts.limit ?? IN_FLIGHT);
  const latencies: number[] = [];
  const answered: number[] = [];
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
        const start = await limit(async () => {
          let update: Update;
          try {
            update = step(s.chat);
          } catch (err) {
            // Diagnostics: what the bot stored for this chat (message ids it binds taps to).
            const row = await sql<{ state: unknown }>`select state from conversation_state where key = ${`conv:${s.chat.id}`}`.execute(h.app.deps.db);
            const found: number[] = [];
            const walk = (v: unknown) => {
              if (typeof v === "number" && Math.abs(v) > 1e9) found.push(v);
              else if (v && typeof v === "object") Object.values(v).forEach(walk);
            };
            walk(row.rows[0]?.state);
            throw new Error(`${(err as Error).message}\n  step ${k}; big numbers in the stored state: ${found.join(", ")}; keyboards: ${JSON.stringify(h.tg.chat(s.chat.id).keyboards.map((kb) => kb.messageId))}`);
          }
          mine.push(update);
          const begin = performance.now();
          await h.app.bot.handleUpdate(update);
          const ms = performance.now() - begin;
          latencies.push(ms);
          (byStep[k] ??= []).push(ms);
          return begin;
        });
        // The person reads the replies before answering (they are sent after COMMIT).
        await h.app.outbox.idle(s.chat.id);
        answered.push(performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { updates: latencies.length, seconds, latencies, answered, roundTrips: h.roundTrips.n - rt0, sent, byStep };
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
    // BENCH_PROFILE=<file>.cpuprofile keeps the whole profile (open it in Chrome DevTools).
    if (process.env.BENCH_PROFILE?.endsWith(".cpuprofile")) writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
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

// === Memory idle (child process): the bot started, nothing handled yet

async function idleChild(url: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = performance.now();
  const h = await buildApp(url);
  const startMs = performance.now() - t0;
  for (let i = 0; i < 4; i++) {
    gc?.();
    await sleep(250);
  }
  const usage = process.memoryUsage();
  const { createRequire } = await import("node:module");
  const cache = createRequire(import.meta.url).cache;
  const heavy = ["echarts", "exceljs", "@resvg/resvg-js", "pdfkit", "@electric-sql/pglite"].filter((m) => Object.keys(cache).some((k) => k.includes(`/node_modules/${m}/`)));
  await h.app.close();
  process.stdout.write(`${JSON.stringify({ rss: usage.rss, heapUsed: usage.heapUsed, startMs, heavy })}\n`);
}

async function childJson<T>(url: string, piiKey: string, flag: string): Promise<T> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/run.ts", flag], {
    env: { ...process.env, BENCH_CHILD_URL: url, BENCH_PII_KEY: piiKey },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`child ${flag} failed (exit ${code})`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as T;
}

// === Steps: latency and stored conversation size along a flow

interface StepPoint {
  ms: number;
  bytes: number;
}

/** Runs `steps` for one chat, one after another, measuring each update and the stored state after it. */
async function stepByStep(h: Harness, chat: SimChat, steps: Step[]): Promise<StepPoint[]> {
  const points: StepPoint[] = [];
  for (const step of steps) {
    const update = step(chat);
    const t = performance.now();
    await h.app.bot.handleUpdate(update);
    const ms = performance.now() - t;
    await h.app.outbox.idle(chat.id);
    const row = await sql<{ n: number }>`select coalesce(octet_length(state::text), 0)::int as n from conversation_state where key = ${`conv:${chat.id}`}`.execute(h.app.deps.db);
    points.push({ ms, bytes: row.rows[0]?.n ?? 0 });
  }
  return points;
}

// === Main

async function main(): Promise<void> {
  if (process.argv.includes("dashboard")) return (await import("./dashboard.js")).runDashboardBench(); // npm run bench -- dashboard
  if (process.argv.includes("--rss-child")) {
    await rssChild(process.env.BENCH_CHILD_URL!);
    return;
  }
  if (process.argv.includes("--idle-child")) {
    await idleChild(process.env.BENCH_CHILD_URL!);
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
    const slowRegIds = Array.from({ length: regCount }, (_, i) => 11_000_000 + i);
    const slowVisitIds = Array.from({ length: visitCount }, (_, i) => 21_000_000 + i);
    const users = await seedVolunteers(h, [...regIds, ...visitIds, ...slowRegIds, ...slowVisitIds, 30_000_000]);
    await seedHouseholds(h, [...visitIds, ...slowVisitIds].map((id) => users.get(id)!));
    const mix = (target: Harness, reg: number[], visit: number[], offset: number): Scenario[] => [
      ...reg.map((id, i) => ({ chat: new SimChat(id, target.tg), kind: "reg" as const, steps: registrationScript(offset + i) })),
      ...visit.map((id) => ({ chat: new SimChat(id, target.tg), kind: "visit" as const, steps: visitScript() })),
    ];
    const count = async (table: "households" | "visits") =>
      (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(h.app.deps.db)).rows[0]!.n;
    const failed = (phase: string, harness: Harness = h) => (err: Error) => {
      throw new Error(`${phase} failed: ${err.message}\n${harness.errors.join("\n")}`);
    };

    // Warm-up (JIT, pool, caches): a few chats through both flows, not measured.
    await runScenarios(h, [
      { chat: new SimChat(30_000_000, h.tg), kind: "reg", steps: registrationScript(SCRIPT.warmUp) },
      { chat: new SimChat(visitIds[0]!, h.tg), kind: "visit", steps: visitScript() },
    ]).catch(failed("warm-up"));

    // 1. Throughput.
    process.stderr.write("1/7 throughput…\n");
    const households0 = await count("households");
    const visits0 = await count("visits");
    const rss0 = process.memoryUsage().rss;
    const stopProfile = process.env.BENCH_PROFILE ? await startProfile() : undefined;
    const a = await runScenarios(h, mix(h, regIds, visitIds, SCRIPT.throughput)).catch(failed("throughput run"));
    const profileLines = stopProfile ? await stopProfile() : [];
    const registered = (await count("households")) - households0;
    const reported = (await count("visits")) - visits0;
    const rssA = process.memoryUsage().rss;

    // 2. The floor, same updates.
    process.stderr.write("2/7 grammY floor…\n");
    const floor = await runFloor(dbUrl, a.sent);

    if (process.env.BENCH_ONLY === "throughput") {
      const sa = stats(a.latencies);
      const sf = stats(floor.latencies);
      process.stdout.write(
        [
          `throughput ${(a.updates / a.seconds).toFixed(1)}/s (p50 ${sa.p50.toFixed(1)} p99 ${sa.p99.toFixed(1)} ms, ${(a.roundTrips / a.updates).toFixed(2)} round trips), floor ${(floor.updates / floor.seconds).toFixed(1)}/s (p50 ${sf.p50.toFixed(1)} ms) = ${(((a.updates / a.seconds) / (floor.updates / floor.seconds)) * 100).toFixed(0)}%; ${registered}/${regCount} registered, ${reported}/${visitCount} reported, errors ${h.errors.length}`,
          ...profileLines,
          "",
        ].join("\n"),
      );
      await h.app.close();
      return;
    }

    // 3. Latency at half the measured throughput (open loop).
    process.stderr.write("3/7 latency at half load…\n");
    const rate = (a.updates / a.seconds) * 0.5;
    const thinkMs = (CHATS / rate) * 1000;
    const b = await runScenarios(h, mix(h, regIds, visitIds, SCRIPT.halfLoad), { thinkMs }).catch(failed("half-load run"));

    // 4. Telegram at realistic speed: 150 ms per call, 2% of sends 429 (retry_after 1).
    process.stderr.write("4/7 Bot API at 150 ms with 429s…\n");
    const slow = await buildApp(dbUrl, { telegram: { latencyMs: 150, rate429: 0.02, random: mulberry32(20261201) } });
    const slowHouseholds0 = await count("households");
    const slowVisits0 = await count("visits");
    const r = await runScenarios(slow, mix(slow, slowRegIds, slowVisitIds, SCRIPT.realistic)).catch(failed("realistic-latency run", slow));
    const slowRegistered = (await count("households")) - slowHouseholds0;
    const slowReported = (await count("visits")) - slowVisits0;
    const slowErrors = [...slow.errors];
    const slowTg = slow.tg;
    await slow.app.close();

    // 5. Step 20 versus step 1, and the stored size along the flow.
    process.stderr.write("5/7 steps…\n");
    const seqIds = Array.from({ length: 40 }, (_, i) => 30_000_100 + i);
    const backIds = [30_000_200, 30_000_201, 30_000_202];
    await seedVolunteers(h, [...seqIds, ...backIds]);
    const c = await runScenarios(
      h,
      seqIds.map((id, i) => ({ chat: new SimChat(id, h.tg), kind: "reg" as const, steps: registrationScript(SCRIPT.steps + i) })),
      { limit: 1 },
    ).catch(failed("step run"));
    const median = (xs: number[] | undefined) => stats(xs ?? []).p50;
    const step1 = median(c.byStep[0]);
    const step20 = median(c.byStep[19]);
    const perStep = c.byStep.map((xs) => Number(median(xs).toFixed(2)));
    // Sizes: a straight run, and one with 50 times "Kembali" and forward at the household-size step.
    const straight = await stepByStep(h, new SimChat(backIds[0]!, h.tg), registrationScript(SCRIPT.steps + 100));
    const backChat = new SimChat(backIds[1]!, h.tg);
    const script = registrationScript(SCRIPT.steps + 101);
    const MEMBERS_STEP = 10; // the household-size question is open after the location step
    const before = await stepByStep(h, backChat, script.slice(0, MEMBERS_STEP));
    const moves: Step[] = [];
    for (let k = 0; k < 25; k++) moves.push((ch) => ch.tap("⬅️ Kembali"), (ch) => ch.tap("Lewati lokasi"));
    const back = await stepByStep(h, backChat, moves);
    const after = await stepByStep(h, backChat, script.slice(MEMBERS_STEP));
    const savedAfterMoves = (await sql<{ n: number }>`select count(*)::int as n from households h join users u on u.id = h.volunteer_id where u.telegram_id = ${backIds[1]!}`.execute(h.app.deps.db)).rows[0]!.n;

    // 6. Round trips without batching (each statement its own message), a small run.
    process.stderr.write("6/7 round trips without batching…\n");
    const naive = await buildApp(dbUrl, { multiStatement: false });
    const naiveIds = Array.from({ length: 50 }, (_, i) => 30_001_000 + i);
    await seedVolunteers(naive, naiveIds);
    const nb = await runScenarios(naive, naiveIds.map((id, i) => ({ chat: new SimChat(id, naive.tg), kind: "reg" as const, steps: registrationScript(SCRIPT.naive + i) })));
    await naive.app.close();
    await seedVolunteers(h, naiveIds.map((id) => id + 500));
    const batchedRef = await runScenarios(
      h,
      naiveIds.map((id, i) => ({ chat: new SimChat(id + 500, h.tg), kind: "reg" as const, steps: registrationScript(SCRIPT.batched + i) })),
    ).catch(failed("batched reference run"));

    const errors = [...h.errors];
    await h.app.close();

    // 7. Memory: idle, and with many open conversations.
    process.stderr.write(`7/7 memory idle and with ${OPEN_CONVERSATIONS} open conversations (separate processes)…\n`);
    const idle = await childJson<{ rss: number; heapUsed: number; startMs: number; heavy: string[] }>(dbUrl, piiKey, "--idle-child");
    const mem = await childJson<MemoryResult>(dbUrl, piiKey, "--rss-child");

    // === Report
    const sa = stats(a.latencies);
    const saa = stats(a.answered);
    const sb = stats(b.latencies);
    const sf = stats(floor.latencies);
    const sr = stats(r.latencies);
    const sra = stats(r.answered);
    const tputA = a.updates / a.seconds;
    const tputF = floor.updates / floor.seconds;
    const tputR = r.updates / r.seconds;
    const rtA = a.roundTrips / a.updates;
    const rtF = floor.roundTrips / floor.updates;
    const f = (n: number, d = 1) => n.toFixed(d).padStart(8);
    const cpu = cpus();
    const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
    const medianMs = (ps: StepPoint[]) => stats(ps.map((p) => p.ms)).p50;
    const lines = [
      "",
      `Pendamping benchmark, ${new Date().toISOString()}`,
      `Machine: ${cpu[0]?.model ?? "?"} × ${cpu.length} cores, ${mb(totalmem())} MB RAM (${mb(freemem())} MB free), Node ${process.version}, PostgreSQL ${version} on ${new URL(adminUrl).hostname}`,
      `Workload: ${CHATS} chats at once (${regCount} × /daftar of 21 updates, ${visitCount} × /kunjungan of 14 updates) = ${a.updates} updates, ≤ ${IN_FLIGHT} in flight, one update per chat at a time`,
      `Outcome: ${registered}/${regCount} households registered, ${reported}/${visitCount} visits reported${errors.length ? `, ${errors.length} ERRORS (first: ${errors[0]})` : ", no errors"}`,
      "",
      "Latency: to COMMIT (the update's slot is free) / to the last reply delivered (what the person waits for)",
      "                                      updates/s   p50 ms   p95 ms   p99 ms   max ms   DB round trips/update",
      `Pendamping, saturated                 ${f(tputA)} ${f(sa.p50)} ${f(sa.p95)} ${f(sa.p99)} ${f(sa.max)}   ${rtA.toFixed(2)}`,
      `  to the last reply                             ${f(saa.p50)} ${f(saa.p95)} ${f(saa.p99)} ${f(saa.max)}`,
      `grammY floor (session + upsert)       ${f(tputF)} ${f(sf.p50)} ${f(sf.p95)} ${f(sf.p99)} ${f(sf.max)}   ${rtF.toFixed(2)}`,
      `Pendamping at half load (${rate.toFixed(0)}/s)     ${f(b.updates / b.seconds)} ${f(sb.p50)} ${f(sb.p95)} ${f(sb.p99)} ${f(sb.max)}   ${(b.roundTrips / b.updates).toFixed(2)}`,
      `Bot API at 150 ms, 2% 429 (new chats) ${f(tputR)} ${f(sr.p50)} ${f(sr.p95)} ${f(sr.p99)} ${f(sr.max)}   ${(r.roundTrips / r.updates).toFixed(2)}`,
      `  to the last reply                             ${f(sra.p50)} ${f(sra.p95)} ${f(sra.p99)} ${f(sra.max)}`,
      "",
      `Throughput vs the floor: ${((tputA / tputF) * 100).toFixed(0)}% (target ≥ 75%)`,
      `p99 at half load: ${sb.p99.toFixed(1)} ms (target < 50 ms); round trips per update: ${rtA.toFixed(2)} (target ≤ 3)`,
      `Bot API at 150 ms: ${tputR.toFixed(1)} updates/s = ${((tputR / tputA) * 100).toFixed(0)}% of the instant run (target ≥ 80%); ` +
        `${slowRegistered}/${regCount} registered, ${slowReported}/${visitCount} reported; failed updates or replies: ${slowErrors.length}; "gangguan" replies: ${slowTg.gangguan}; ` +
        `429 answers: ${slowTg.tooManyRequests}; Bot API calls at once: up to ${slowTg.maxInFlight}`,
      `Step 20 vs step 1 of /daftar (median, no contention): ${step20.toFixed(2)} ms vs ${step1.toFixed(2)} ms = ${(step20 / step1).toFixed(2)} (target ≤ 1.2)`,
      `  median per step (ms): ${perStep.join(" ")}`,
      `Stored conversation: ${kb(straight[0]!.bytes)} after step 1, ${kb(straight[19]!.bytes)} after step 20 (straight run); ` +
        `at the household-size step ${kb(before.at(-1)!.bytes)} before and ${kb(back.at(-1)!.bytes)} after 50 moves back and forth (${(back.at(-1)!.bytes / before.at(-1)!.bytes).toFixed(2)}×)`,
      `  per-update latency: step 1 ${straight[0]!.ms.toFixed(2)} ms, step 20 ${straight[19]!.ms.toFixed(2)} ms; moves 1–10 median ${medianMs(back.slice(0, 10)).toFixed(2)} ms, moves 41–50 median ${medianMs(back.slice(40)).toFixed(2)} ms; ` +
        `the rest of the form after the moves median ${medianMs(after).toFixed(2)} ms, saved: ${savedAfterMoves === 1 ? "yes" : "NO"}`,
      `Round trips per update of /daftar: ${(batchedRef.roundTrips / batchedRef.updates).toFixed(2)} with src/db/batching.ts, ${(nb.roundTrips / nb.updates).toFixed(2)} without (50 chats each)`,
      `RSS: ${mb(rss0)} MB before the throughput run, ${mb(rssA)} MB after, peak ${mb(process.resourceUsage().maxRSS * 1024)} MB`,
      `RSS idle (separate process, after start-up and GC): ${mb(idle.rss)} MB (target < 200 MB), start ${idle.startMs.toFixed(0)} ms; heavy modules loaded at start: ${idle.heavy.length ? idle.heavy.join(", ") : "none"}`,
      `RSS with ${mem.open} conversations open (separate process, after GC): ${mb(mem.after)} MB (target < 300 MB)`,
      `  before opening them ${mb(mem.before)} MB, after half of them ${mb(mem.mid)} MB, peak ${mb(mem.peak)} MB; JS heap ${mb(mem.heapUsed)} of ${mb(mem.heapTotal)} MB, external ${mb(mem.external)} MB`,
      "",
      ...profileLines,
      "",
    ];
    process.stdout.write(lines.join("\n"));
    const bad =
      errors.length > 0 ||
      slowErrors.length > 0 ||
      slowTg.gangguan > 0 ||
      mem.errors > 0 ||
      registered !== regCount ||
      reported !== visitCount ||
      slowRegistered !== regCount ||
      slowReported !== visitCount ||
      savedAfterMoves !== 1;
    if (bad) process.exitCode = 1;
  } finally {
    if (!process.env.BENCH_KEEP) await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db).catch(() => undefined);
    else process.stderr.write(`kept the scratch database ${name}\n`);
    await admin.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
