import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import type { InlineKeyboardButton, Message } from "grammy/types";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestGroup, TestUser } from "../support/chat.js";
import { COMMANDS } from "../../src/bot/commands/registry.js";

/**
 * Fuzzing the whole bot: tens of thousands of random and malformed updates from users of
 * every role and status, through the real middleware, flows and database (PGlite by default,
 * PostgreSQL with TEST_DATABASE_URL), against the fake Bot API (which checks every call
 * against the Bot API spec and Telegram's limits).
 *
 * What must hold:
 * - no update fails (no "update failed"/error log line), no unhandled rejection or exception;
 * - every call to Telegram is valid and within limits, every button tap is answered;
 * - **nobody changes what they may not change.** Updates come in segments. In a segment of
 *   actors *without rights* (beneficiaries, pending/rejected/suspended volunteers, unknown
 *   people, groups and channels), every table must be byte-for-byte unchanged, except:
 *   growing logs (processed_update, audit_log, job, staff_notice), conversation state, and
 *   rows that belong to one of the segment's own actors (their users row — which must not
 *   gain any privilege —, their volunteer application, their status checks, sessions,
 *   subscriptions and data requests, keyed by their own chat). Mixed segments let active
 *   volunteers, coordinators and admins act too; who holds rights is re-read before each
 *   segment (a coordinator may approve a pending volunteer during the run).
 *
 * The 20,000 updates run in shards (test/fuzz/shard-N.test.ts), each its own test file with
 * its own database and seed, so that the suite's workers run them side by side.
 * FUZZ_UPDATES (all shards together) and FUZZ_SEED (shard N uses FUZZ_SEED + N − 1) override
 * the defaults; to reproduce a failure, run its shard with the seed it printed as FUZZ_SEED
 * and FUZZ_UPDATES = its updates × the number of shards, or run `fuzzShard(1, 1)`.
 */
export function fuzzShard(shard: number, shards: number): void {
  const TOTAL = Number(process.env.FUZZ_UPDATES ?? 20_000);
  const BASE_SEED = Number(process.env.FUZZ_SEED ?? 20261128);
  // Each shard: its share of the updates, its own seed (the first shard keeps the base seed).
  const UPDATES = Math.ceil(TOTAL / shards);
  const SEED = BASE_SEED + shard - 1;
  const VILLAGE_A = "32.01.01.1002";
  const VILLAGE_B = "32.01.01.1001";
  const ADMIN = 7004;

  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const rnd = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const int = (max: number) => Math.floor(rnd() * max);

  // === Inputs

  const EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇮🇩", "❤️", "🙏", "🤲🏾", "🧕"];
  const RTL = ["مرحبا بك في البوت", "שלום עולם", "السلام عليكم ورحمة الله", "\u202Eterbalik\u202C", "ناصر ‎123‎"];
  const SQLISH = [
    "'; drop table users; --",
    "1 OR 1=1",
    "\" OR \"\"=\"",
    "Robert'); DELETE FROM households;--",
    "$1 $2 ${x} %s %n",
    "admin'--",
    "select * from users where telegram_id = 7004",
    "\\x00\\' E'\\\\'",
  ];
  const HTMLISH = ["<b>tebal</b>", "<script>alert(1)</script>", "a < b & c > d", "&amp; &lt; &#x27;", "<a href=\"tg://user?id=1\">x</a>", "</code></pre>", "<<<>>>"];
  const WORDS = ["ya", "tidak", "1", "2", "3", "8", "99", "0", "-1", "Siti Aminah", "Budi", "x", "lewati", "Lewati", "✅ Benar", "Kembali", "batal", "3/5", "Jl. Melati No. 5", "05-08-1968", "1968", "+6281234567890", "081234567890", "RT 3 RW 5"];
  const NIKS = ["3201014508680001", "3201 0145 0868 0001", "320101450868000", "3201019908680001", "0000000000000000", "32010145086800011", "3201012001150003", "9999999999999999"];
  const CALLBACK_PREFIXES = [
    "hh:open:", "hh:edit:", "hh:list:", "hh:search", "appr:ok:", "appr:no:", "vr:", "vh:", "vv:", "vm:", "al:ack:", "al:res:", "al:show:",
    "st:", "bs:sub:", "bs:unsub:", "bs:stop:", "bs:data:", "bs:fix:", "bs:del:", "bs:delok:", "bs:delno:", "dsr:view:", "dsr:ok:", "dsr:no:",
    "dsr:del:", "dsr:delok:", "dsr:delno:", "inv:new:", "inv:ls:", "inv:rv:", "inv:rvy:", "prof:", "lang:", "start:", "onb:edit", "f:c:", "f:m:",
    "f:mp:", "f:md", "f:back", "f:", "co:", "bc:", "ex:", "rk:", "rl:",
  ];

  /** At most `n` UTF-16 units, never cutting a character in half (Telegram sends valid Unicode). */
  function clip(text: string, n: number): string {
    let out = "";
    for (const ch of text) {
      if (out.length + ch.length > n) break;
      out += ch;
    }
    return out;
  }

  function longText(n: number): string {
    const pieces = ["a", "Ä", "é", "ب", "ש", "ๆ", "字", " ", "\n", "😀", "<", "&", "'", "\u200b", "\u0301"];
    let s = "";
    while (s.length < n + 2) s += pick(pieces);
    return clip(s, n);
  }

  function randomText(): string {
    const r = rnd();
    if (r < 0.04) return chance(0.5) ? "" : "   \n\t ";
    if (r < 0.08) return longText(4096);
    if (r < 0.11) return longText(1 + int(300));
    if (r < 0.16) return pick(EMOJI).repeat(1 + int(5));
    if (r < 0.21) return pick(RTL);
    if (r < 0.27) return pick(SQLISH);
    if (r < 0.31) return pick(HTMLISH);
    if (r < 0.38) return pick(NIKS);
    if (r < 0.62) {
      const spec = pick(COMMANDS);
      const name = chance(0.7) ? spec.command : pick(spec.aliases ?? [spec.command]);
      const suffix = chance(0.1) ? "@pendamping_test_bot" : chance(0.05) ? "@other_bot" : "";
      const arg = chance(0.25) ? ` ${pick([...WORDS, ...SQLISH, "inv_AAAAAAAA", "x".repeat(64), pick(EMOJI)])}` : "";
      return `/${chance(0.05) ? name.toUpperCase() : name}${suffix}${arg}`;
    }
    if (r < 0.66) return `/${pick(["foo", "admin", "sql", "drop", "x".repeat(32), "start_", "hapus_semua"])}`;
    return pick(WORDS);
  }

  function forgedCallbackData(): string {
    const r = rnd();
    if (r < 0.65) {
      const prefix = pick(CALLBACK_PREFIXES);
      const tail = pick(["1", "2", "3", "0", "-1", "999999999", "99999999999999999999", "abc", "1:aktif", "1:2", "1:2:n", "v", "c", "name", "en", "id", "volunteer", "coordinator", String(int(50)), ""]);
      return clip(prefix + tail, 64);
    }
    if (r < 0.75) return clip(longText(1 + int(32)), 64);
    if (r < 0.85) return clip(pick(SQLISH), 64);
    if (r < 0.9) return "";
    return pick(EMOJI) + pick(CALLBACK_PREFIXES);
  }

  /** Ids of the newest bot messages per chat, kept from the fake's event log as it grows. */
  const recent = new Map<number, number[]>();
  let eventCursor = 0;
  function trackRecent(): void {
    const events = t.fake.events;
    for (; eventCursor < events.length; eventCursor++) {
      const e = events[eventCursor]!;
      if (e.kind !== "sent" || !t.fake.isBotMessage(e.chatId, e.messageId)) continue;
      const ids = recent.get(e.chatId) ?? [];
      ids.push(e.messageId);
      if (ids.length > 4) ids.shift();
      recent.set(e.chatId, ids);
    }
  }

  /**
   * A recent bot message in the chat. Telegram only sends callback queries for the bot's own
   * messages, so forged data always comes with one (undefined: the chat has none yet).
   */
  function recentMessageId(u: TestUser | TestGroup): number | undefined {
    trackRecent();
    const ids = recent.get(u.chatId) ?? [];
    return ids.length > 0 ? pick(ids) : undefined;
  }

  /** Callback data of the buttons in a chat's recent bot messages (real, possibly stale). */
  function realButtons(u: TestUser | TestGroup): { data: string; messageId: number }[] {
    trackRecent();
    const out: { data: string; messageId: number }[] = [];
    const messages = (recent.get(u.chatId) ?? []).map((id) => t.fake.message(u.chatId, id)).filter((m): m is Message => m !== undefined);
    for (const m of messages) {
      const rows = (m.reply_markup?.inline_keyboard ?? []) as InlineKeyboardButton[][];
      for (const b of rows.flat()) if ("callback_data" in b && b.callback_data) out.push({ data: b.callback_data, messageId: m.message_id });
    }
    return out;
  }

  // === The run

  let t: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  interface Actor {
    id: number;
    kind: "private" | "group";
    user: TestUser;
  }

  async function seedUser(v: { id: number; role: string; status: string; area: string | null; name?: string }) {
    await t.app.deps.db
      .insertInto("users")
      .values({
        telegram_id: v.id,
        role: v.role as never,
        status: v.status as never,
        name: v.name ?? `Pengguna ${v.id}`,
        locale: "id",
        area_code: v.area,
        phone: "+6281200000000",
      })
      .execute();
  }

  async function registerHousehold(u: TestUser, name: string, nikSeq: string) {
    await u.send("/daftar");
    await u.tap("✅ Keluarga setuju");
    await u.send(name);
    await u.send(`3201014508680${nikSeq}`);
    await u.tap("✅ Benar");
    await u.send(`3201012001150${nikSeq}`);
    await u.tap(/^📍/);
    await u.tap("Lewati");
    await u.tap("Lewati");
    await u.tap("Lewati lokasi");
    await u.tap("1");
    await u.tap("▫️ Anak terlantar");
    await u.tap("✅ Selesai (1 dipilih)");
    await u.tap("Layak huni");
    await u.tap("▫️ Belum menerima bantuan");
    await u.tap("✅ Selesai (1 dipilih)");
    await u.tap("✅ Selesai (0 dipilih)");
    await u.tap("Lewati");
    await u.tap("Tidak tahu");
    await u.tap("✅ Selesai");
    await u.tap("💾 Simpan data keluarga");
    expect(u.lastText()).toContain("sudah tersimpan");
  }

  /** Who may change data right now: active volunteers, coordinators and admins. */
  async function privilegedIds(): Promise<Set<number>> {
    const rows = await t.app.deps.db
      .selectFrom("users")
      .select("telegram_id")
      .where("status", "=", "active")
      .where("role", "in", ["volunteer", "coordinator", "admin"])
      .execute();
    return new Set(rows.map((r) => r.telegram_id));
  }

  const GROWING = new Set(["processed_update", "audit_log", "job", "staff_notice", "conversation_state", "regions", "kysely_migration", "kysely_migration_lock"]);
  /** Tables whose rows belong to a chat (column chat_id) or a user (column user_id → users.id). */
  /**
   * Tables that Telegram's own reports may shrink: when the bot is removed from a group
   * (my_chat_member), that group's alert link is dropped — a fact, not anyone's privilege.
   */
  const SHRINK_ONLY = new Set(["alert_groups"]);
  const OWNED_BY_CHAT = new Set(["status_attempts", "status_sessions", "status_subscriptions", "data_requests"]);
  const OWNED_BY_USER = new Set(["volunteer_applications"]);
  const USER_COLUMNS = "id, telegram_id, role, status, name, phone, locale, area_code, username, status_reason, decided_by, decided_at";

  /** A digest of every table, leaving out what the given actors may change. */
  async function digest(actors: number[]): Promise<Record<string, string>> {
    const db = t.app.deps.db;
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'
      order by table_name`.execute(db);
    const ids = actors.length > 0 ? actors.join(",") : "0";
    const userIds = actors.length > 0 ? `(select id from users where telegram_id in (${ids}))` : "(select -1)";
    const out: Record<string, string> = {};
    for (const { table_name: name } of tables.rows) {
      if (GROWING.has(name)) continue;
      let rows: string;
      if (name === "users") rows = `select (${USER_COLUMNS})::text as x from users where telegram_id not in (${ids})`;
      else if (OWNED_BY_CHAT.has(name)) rows = `select t::text as x from ${name} t where chat_id not in (${ids})`;
      else if (OWNED_BY_USER.has(name)) rows = `select t::text as x from ${name} t where user_id not in ${userIds}`;
      else rows = `select t::text as x from ${name} t`;
      if (SHRINK_ONLY.has(name)) {
        // Kept as the list of rows: such a table may lose rows, never gain or change one.
        const res = await sql<{ x: string }>`select x from (${sql.raw(rows)}) s order by x`.execute(db);
        out[name] = JSON.stringify(res.rows.map((r) => r.x));
        continue;
      }
      const res = await sql<{ d: string }>`select md5(coalesce(string_agg(x, E'\n' order by x), '')) as d from (${sql.raw(rows)}) s`.execute(db);
      out[name] = res.rows[0]!.d;
    }
    return out;
  }

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    process.on("uncaughtException", onUnhandled);
    t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: String(ADMIN) } });
    // Users of every role and status.
    await seedUser({ id: 7001, role: "volunteer", status: "active", area: VILLAGE_A, name: "Siti Rahma" });
    await seedUser({ id: 7002, role: "volunteer", status: "active", area: VILLAGE_B, name: "Dewi Lestari" });
    await seedUser({ id: 7003, role: "coordinator", status: "active", area: "32.01", name: "Pak Koordinator" });
    await seedUser({ id: ADMIN, role: "admin", status: "active", area: null, name: "Bu Admin" });
    await seedUser({ id: 7011, role: "volunteer", status: "pending", area: VILLAGE_A });
    await seedUser({ id: 7012, role: "volunteer", status: "rejected", area: VILLAGE_A });
    await seedUser({ id: 7013, role: "volunteer", status: "suspended", area: VILLAGE_A });
    await seedUser({ id: 7014, role: "beneficiary", status: "active", area: null });
    await seedUser({ id: 7015, role: "coordinator", status: "suspended", area: "32.01" });
    // Some data to aim forged callbacks at.
    await registerHousehold(t.driver.user({ id: 7001, firstName: "Siti" }), "Siti Aminah", "001");
    await registerHousehold(t.driver.user({ id: 7002, firstName: "Dewi" }), "Ratna Sari", "002");
  }, 120_000);

  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    process.off("uncaughtException", onUnhandled);
    await t?.close();
  });

  describe(`fuzz shard ${shard}/${shards}: ${UPDATES} random and malformed updates (seed ${SEED})`, () => {
    it("never crashes, stays within Telegram's limits, and lets nobody change what they may not", async () => {
      const driver = t.driver;
      const privateIds = [7001, 7002, 7003, ADMIN, 7011, 7012, 7013, 7014, 7015, 7021, 7022, 7023, 7024, 7025];
      const privates: Actor[] = privateIds.map((id) => ({
        id,
        kind: "private",
        user: driver.user({ id, firstName: pick(["Ani", "Budi", "سارة", "Ñoño", "李"]), languageCode: pick(["id", "en", "ar", "", "zz"]) || undefined }),
      }));
      const groups = [driver.group({ id: -1001234567890, title: "Relawan Desa" }), driver.group({ id: -4242, title: "Grup Warga" })];
      const groupActors: Actor[] = groups.flatMap((g) => privateIds.slice(0, 8).map((id) => ({ id, kind: "group" as const, user: g.member({ id, firstName: `M${id}` }) })));
      const channel = { id: -1009999999999, type: "channel", title: "Kanal Dinsos" };
      const regionsBefore = (await sql<{ n: number }>`select count(*)::int as n from regions`.execute(t.app.deps.db)).rows[0]!.n;

      /** Sends one random update as `a`. */
      async function act(a: Actor): Promise<void> {
        const u = a.user;
        const r = rnd();
        if (r < 0.38) {
          await u.send(randomText(), chance(0.05) ? { date: 1 } : undefined);
        } else if (r < 0.58) {
          const real = realButtons(u);
          if (real.length > 0 && chance(0.75)) {
            const b = pick(real);
            await u.tapData(b.data, b.messageId);
          } else {
            const messageId = recentMessageId(u);
            if (messageId === undefined) await u.send(randomText());
            else await u.tapData(forgedCallbackData(), messageId);
          }
        } else if (r < 0.64) {
          const kb = u.replyKeyboard();
          if (kb.length > 0) await u.tap(pick(kb));
          else await u.sendLocation(-6.2 + rnd(), 106.8 + rnd());
        } else if (r < 0.67) await u.sendPhoto(chance(0.5) ? { caption: clip(randomText(), 1024) } : {});
        else if (r < 0.69) await u.sendSticker({ emoji: pick(EMOJI) });
        else if (r < 0.71) await u.sendVoice();
        else if (r < 0.73) await u.sendDocument({ fileName: pick(["data.xlsx", "x.pdf", "'; drop.csv", "ملف.txt"]), caption: chance(0.3) ? clip(randomText(), 1024) : undefined });
        else if (r < 0.75) await u.sendLocation(rnd() * 180 - 90, rnd() * 360 - 180);
        else if (r < 0.78) await u.sendContact(pick([{}, { userId: 12345, phone: "+6281111111111" }, { userId: null, phone: "08123" }, { phone: "not a phone" }]));
        else if (r < 0.82) {
          try {
            await u.editLastText(randomText() || "x");
          } catch {
            await u.send(randomText());
          }
        } else if (r < 0.97) await exotic(a);
        else {
          // Start a flow and leave it after a few steps: the next updates interrupt it.
          await u.send(pick(["/daftar", "/kunjungan", "/status", "/profil", "/undang", "/siaran", "/ekspor", "/bahasa", "/start", "/keluarga"]));
          for (let i = 0, n = int(4); i < n; i++) {
            const real = realButtons(u);
            if (real.length > 0 && chance(0.7)) {
              const b = pick(real);
              await u.tapData(b.data, b.messageId);
            } else await u.send(pick([...WORDS, ...NIKS]));
          }
        }
      }

      /** Update types outside the usual message/callback path, raw and sometimes malformed. */
      async function exotic(a: Actor): Promise<void> {
        const from = { id: a.id, is_bot: false, first_name: "X" };
        const chat = a.user.chat;
        const now = Math.floor(Date.now() / 1000);
        const bot = { id: 7000000001, is_bot: true, first_name: "Pendamping", username: "pendamping_test_bot" };
        const member = (status: string) => (status === "kicked" ? { status, user: bot, until_date: 0 } : { status, user: bot });
        const kinds: Array<() => Record<string, unknown>> = [
          () => ({ channel_post: { message_id: 1 + int(1000), date: now, chat: channel, sender_chat: channel, text: randomText() || "." } }),
          () => ({ edited_channel_post: { message_id: 1 + int(1000), date: now, edit_date: now, chat: channel, sender_chat: channel, text: "." } }),
          () => ({ my_chat_member: { chat, from, date: now, old_chat_member: member(pick(["member", "kicked", "left"])), new_chat_member: member(pick(["member", "kicked", "left", "administrator"])) } }),
          () => ({ chat_member: { chat, from, date: now, old_chat_member: { status: "left", user: from }, new_chat_member: { status: "member", user: from } } }),
          () => ({ inline_query: { id: `iq${int(1e6)}`, from, query: clip(randomText(), 256), offset: "" } }),
          () => ({ chosen_inline_result: { result_id: "r", from, query: "q" } }),
          () => ({ poll_answer: { poll_id: "p1", user: from, option_ids: [0] } }),
          () => ({ poll: { id: "p1", question: "?", options: [{ text: "a", voter_count: 1 }], total_voter_count: 1, is_closed: false, is_anonymous: true, type: "regular", allows_multiple_answers: false } }),
          () => ({ chat_join_request: { chat: { id: -4242, type: "group", title: "Grup Warga" }, from, user_chat_id: a.id, date: now } }),
          () => ({ message_reaction: { chat, message_id: 1, user: from, date: now, old_reaction: [], new_reaction: [{ type: "emoji", emoji: "👍" }] } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, dice: { emoji: "🎲", value: 1 + int(6) } } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, video_note: { file_id: "vn", file_unique_id: "vnu", length: 10, duration: 3 } } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, poll: { id: "p2", question: "?", options: [{ text: "a", voter_count: 0 }], total_voter_count: 0, is_closed: false, is_anonymous: false, type: "regular", allows_multiple_answers: false } } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, text: randomText() || ".", forward_origin: { type: "hidden_user", sender_user_name: "Someone", date: now } } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, text: "/start", entities: [{ type: "bot_command", offset: 0, length: 99 }] } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, text: "halo", entities: [{ type: "bold", offset: 3, length: 50 }] } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, sender_chat: chat.type === "private" ? channel : chat, from: { id: 1087968824, is_bot: true, first_name: "Group", username: "GroupAnonymousBot" }, text: randomText() || "." } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, new_chat_members: [bot, from] } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, left_chat_member: from } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, contact: { phone_number: "", first_name: "" } } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from, location: { latitude: 999, longitude: -999 } } }),
          () => ({ message: { message_id: 100000 + int(1e6), date: now, chat, from: { ...from, is_bot: true }, text: "/daftar", entities: [{ type: "bot_command", offset: 0, length: 7 }] } }),
          () => ({ edited_message: { message_id: 1 + int(50), date: now, edit_date: now, chat, from, text: randomText() || "." } }),
        ];
        await driver.dispatch(pick(kinds)());
      }

      let sent = 0;
      let segments = 0;
      let unprivilegedSegments = 0;
      while (sent < UPDATES) {
        const privileged = await privilegedIds();
        const restricted = chance(0.6);
        const pool = [...privates, ...groupActors].filter((a) => !restricted || !privileged.has(a.id));
        const length = Math.min(UPDATES - sent, 20 + int(60));
        const order = Array.from({ length }, () => pick(pool));
        const segmentActors = [...new Set(order.map((a) => a.id))];
        // Rows the segment's actors may change are left out of both digests.
        const before = restricted ? await digest(segmentActors) : undefined;
        for (const a of order) {
          try {
            await act(a);
          } catch (err) {
            throw new Error(`seed ${SEED}, update ${sent}: the driver failed: ${(err as Error).message}`);
          }
          sent += 1;
        }
        segments += 1;
        if (before) {
          unprivilegedSegments += 1;
          // Nobody in this segment had rights: nothing outside their own rows may have changed…
          const after = await digest(segmentActors);
          for (const [table, d] of Object.entries(after)) {
            const message = `seed ${SEED}: table ${table} changed in a segment of actors without rights (${segmentActors.join(",")})`;
            if (SHRINK_ONLY.has(table)) {
              const kept = new Set(JSON.parse(before[table] ?? "[]") as string[]);
              expect((JSON.parse(d) as string[]).filter((row) => !kept.has(row)), message).toEqual([]);
            } else {
              expect(d, message).toBe(before[table]);
            }
          }
          // …and nobody gained rights.
          expect([...(await privilegedIds())].sort(), `seed ${SEED}: privileges changed`).toEqual([...privileged].sort());
        }
        expect(driver.errors, `seed ${SEED}: errors escaped the error boundary`).toEqual([]);
        expect(unhandled, `seed ${SEED}: unhandled rejections`).toEqual([]);
      }

      // Every distinct failure, once (the message, without stack), to fix them all in one go.
      const failures = [
        ...new Set(
          t.logs
            .filter((l) => /"level":(50|60)/.test(l))
            .map((l) => {
              type Described = { message?: string; method?: string; description?: string; stack?: string };
              const j = JSON.parse(l) as { msg?: string; error?: Described; err?: Described };
              const e = j.error ?? j.err ?? {};
              const where = e.stack?.split("\n").find((s) => s.includes("/src/"))?.trim() ?? "";
              return `${j.msg}: ${e.message ?? `${e.method} ${e.description}`} ${where}`.slice(0, 400);
            }),
        ),
      ];
      expect(failures, `seed ${SEED}: updates failed`).toEqual([]);
      t.fake.assertNoViolations();
      expect((await sql<{ n: number }>`select count(*)::int as n from regions`.execute(t.app.deps.db)).rows[0]!.n).toBe(regionsBefore);
      const processed = (await sql<{ n: number }>`select count(*)::int as n from processed_update`.execute(t.app.deps.db)).rows[0]!.n;
      expect(processed).toBeGreaterThanOrEqual(UPDATES);
      expect(segments).toBeGreaterThan(10);
      expect(unprivilegedSegments).toBeGreaterThan(3);
    }, 900_000);
  });
}
