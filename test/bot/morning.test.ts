import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { triggerMorning } from "../../src/bot/visits/index.js";
import { CIBINONG_VILLAGE, CIBINONG_VILLAGE_2, MAKASSAR_VILLAGE, seedHousehold, seedUser, shownCode } from "./visit-support.js";

// 29 November 2026, 05:30 WIB = 06:30 WITA = 07:30 WIT.
const START = new Date("2026-11-28T22:30:00Z");
const MINUTE = 60_000;

let t: TestApp;
let budi: User;
let mira: User;
let rina: User;
let budiChat: TestUser;
let miraChat: TestUser;
let rinaChat: TestUser;
let dueToday: { id: number; refCode: string };

const morningTexts = (chat: { texts(): string[] }) => chat.texts().filter((x) => x.startsWith("☀️"));
const digestTexts = (chat: { texts(): string[] }) => chat.texts().filter((x) => x.startsWith("📊"));

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_VILLAGE });
  mira = await seedUser(t, { tg: 2003, role: "volunteer", name: "Mira Daeng", area: MAKASSAR_VILLAGE });
  rina = await seedUser(t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: "32.01.01" });
  dueToday = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Siti Aminah", { nextVisitDate: "2026-11-29" });
  await seedHousehold(t, budi, CIBINONG_VILLAGE, "Nur Halimah", { nextVisitDate: "2026-11-26" }); // 3 days late
  await seedHousehold(t, budi, CIBINONG_VILLAGE_2, "Wati Susanti", { nextVisitDate: "2026-11-09" }); // 20 days late
  await seedHousehold(t, budi, CIBINONG_VILLAGE_2, "Ratna Dewi", { nextVisitDate: "2026-11-30" }); // not due yet
  await seedHousehold(t, budi, CIBINONG_VILLAGE_2, "Tanpa Jadwal"); // no date
  await seedHousehold(t, mira, MAKASSAR_VILLAGE, "Andi Baso", { nextVisitDate: "2026-11-29" });
  // A "perlu perhatian" report yesterday and an open alert, for Rina's digest.
  const [a, b] = await t.app.deps.db.selectFrom("households").select("id").orderBy("id").limit(2).execute();
  const visit = await t.app.deps.db
    .insertInto("visits")
    .values({
      household_id: a!.id,
      volunteer_id: budi.id,
      visited_on: "2026-11-28",
      written_at: "2026-11-28T04:00:00Z",
      purpose: "monitoring",
      intervention: "kuratif",
      conditions: ["sakit"],
      follow_up: true,
      next_visit_date: "2026-12-05",
      urgency: "perhatian",
      created_at: "2026-11-28T04:00:00Z",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const darurat = await t.app.deps.db
    .insertInto("visits")
    .values({
      household_id: b!.id,
      volunteer_id: budi.id,
      visited_on: "2026-11-28",
      written_at: "2026-11-28T20:30:00Z",
      purpose: "monitoring",
      intervention: "kuratif",
      conditions: ["kekerasan"],
      follow_up: false,
      urgency: "darurat",
      created_at: "2026-11-28T20:30:00Z",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await t.app.deps.db
    .insertInto("alerts")
    .values({ visit_id: darurat.id, household_id: b!.id, area_code: CIBINONG_VILLAGE, created_at: "2026-11-28T20:30:00Z" })
    .execute();
  expect(visit.id).toBeGreaterThan(0);
  budiChat = t.driver.user({ id: 2001, firstName: "Budi" });
  miraChat = t.driver.user({ id: 2003, firstName: "Mira" });
  rinaChat = t.driver.user({ id: 3001, firstName: "Rina" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

async function runJobs(app = t.app): Promise<void> {
  for (let i = 0; i < 10 && (await app.worker.runDue()) > 0; i++);
}

describe("morning reminders", () => {
  it("go out at 07:00 local time of each household's zone", async () => {
    await runJobs(); // 05:30 WIB, 06:30 WITA
    expect(morningTexts(budiChat)).toEqual([]);
    expect(morningTexts(miraChat)).toEqual([]);

    t.clock.now = START.getTime() + 35 * MINUTE; // 07:05 WITA, 06:05 WIB
    await runJobs();
    expect(morningTexts(miraChat)).toHaveLength(1);
    expect(morningTexts(miraChat)[0]).toContain("Andi Baso");
    expect(morningTexts(budiChat)).toEqual([]);

    t.clock.now = START.getTime() + 100 * MINUTE; // 07:10 WIB
    await runJobs();
    const [msg] = morningTexts(budiChat);
    expect(morningTexts(budiChat)).toHaveLength(1);
    expect(msg).toContain("Selamat pagi, Budi Santoso! Ada 3 keluarga yang perlu dikunjungi (per 29 November 2026)");
    const items = msg!.split("\n").filter((l) => /^\d\. /.test(l));
    // Most overdue first; the household not yet due and the one without a date are not listed.
    expect(items).toEqual([
      expect.stringMatching(/^1\. .* · Wati Susanti — Kel\. Karadenan · terlambat 20 hari$/),
      expect.stringMatching(/^2\. .* · Nur Halimah — Kel\. Pondok Rajeg · terlambat 3 hari$/),
      expect.stringMatching(/^3\. .* · Siti Aminah — Kel\. Pondok Rajeg · jadwal hari ini$/),
    ]);
    expect(budiChat.buttons()).toHaveLength(3);
    expect(budiChat.buttons()[2]).toBe(`📝 ${shownCode(dueToday.refCode)} · Siti Aminah`);
  });

  it("gives the coordinator a digest of the area", async () => {
    const digests = digestTexts(rinaChat);
    expect(digests).toHaveLength(1);
    const d = digests[0]!;
    expect(d).toContain("Ringkasan harian · Kec. Cibinong");
    expect(d).toContain("Peringatan darurat terbuka: 1");
    expect(d).toMatch(/#\d+ .* · N\. H\. · 3 jam lalu · belum ditindaklanjuti/);
    expect(d).toContain("Laporan “perlu perhatian” sejak ringkasan terakhir: 1");
    expect(d).toMatch(/· S\. A\. · dikunjungi 28 November 2026 · oleh Budi Santoso/);
    // Overdue by more than OVERDUE_DAYS (14): only the 20-day one.
    expect(d).toContain("Keluarga terlambat dikunjungi lebih dari 14 hari: 1");
    expect(d).toMatch(/· W\. S\. · terlambat 20 hari · pendamping Budi Santoso/);
    expect(d).not.toMatch(/Siti Aminah|Wati Susanti/);
    expect(rinaChat.buttons()).toEqual([`📄 ${shownCode(dueToday.refCode)}`]);
  });

  it("run twice for the same day (again, on demand, after a restart) sends each person one message", async () => {
    await runJobs();
    const results = await triggerMorning(t.app.deps, t.app.bot.api);
    expect(results.map((r) => [r.zone, r.date, r.volunteers, r.digests])).toEqual([
      ["WIB", "2026-11-29", 0, 0],
      ["WITA", "2026-11-29", 0, 0],
      ["WIT", "2026-11-29", 0, 0],
    ]);
    const restarted = await t.restart();
    await runJobs(restarted.app);
    expect(morningTexts(budiChat)).toHaveLength(1);
    expect(morningTexts(miraChat)).toHaveLength(1);
    expect(digestTexts(rinaChat)).toHaveLength(1);
    const log = await t.app.deps.db.selectFrom("reminder_log").select(["kind", "user_id", "local_date"]).orderBy("id").execute();
    expect(log).toEqual([
      { kind: "volunteer", user_id: mira.id, local_date: "2026-11-29" },
      { kind: "volunteer", user_id: budi.id, local_date: "2026-11-29" },
      { kind: "digest", user_id: rina.id, local_date: "2026-11-29" },
    ]);
    await restarted.app.worker.stop();
  });

  it("a failed send is retried later without repeating what was already sent", async () => {
    // Next morning; Telegram fails once for Budi.
    t.clock.now = new Date("2026-11-30T00:10:00Z").getTime();
    let failures = 0;
    const stop = t.fake.respond("sendMessage", (payload) => {
      if (payload["chat_id"] === 2001 && failures === 0) {
        failures++;
        // Rate-limited for longer than auto-retry waits: the job fails and is retried later.
        return { ok: false, error_code: 429, description: "Too Many Requests: retry after 60", parameters: { retry_after: 60 } };
      }
      return undefined;
    });
    try {
      await runJobs();
    } finally {
      stop();
    }
    expect(failures).toBe(1);
    expect(morningTexts(budiChat)).toHaveLength(1); // yesterday's only
    t.clock.now += 10 * MINUTE;
    await runJobs();
    expect(morningTexts(budiChat)).toHaveLength(2);
    expect(morningTexts(budiChat)[1]).toContain("per 30 November 2026");
    expect(digestTexts(rinaChat)).toHaveLength(2);
    expect(morningTexts(miraChat)).toHaveLength(2);
    t.clock.now += 60 * MINUTE;
    await runJobs();
    expect(morningTexts(budiChat)).toHaveLength(2);
    expect(digestTexts(rinaChat)).toHaveLength(2);
  });

  it("a person who blocked the bot is skipped without holding up the others", async () => {
    const blocked = await seedUser(t, { tg: 2010, role: "volunteer", name: "Eko", area: CIBINONG_VILLAGE });
    await seedHousehold(t, blocked, CIBINONG_VILLAGE, "Keluarga Eko", { nextVisitDate: "2026-11-30" });
    const ekoChat = t.driver.user({ id: 2010, firstName: "Eko" });
    t.fake.block(2010, true);
    const [wib] = await triggerMorning(t.app.deps, t.app.bot.api, { date: "2026-11-30" });
    expect(wib?.volunteers).toBe(0);
    const row = await t.app.deps.db.selectFrom("reminder_log").selectAll().where("user_id", "=", blocked.id).executeTakeFirstOrThrow();
    expect(row.delivered).toBe(false);
    const user = await t.app.deps.db.selectFrom("users").select("unreachable_at").where("id", "=", blocked.id).executeTakeFirstOrThrow();
    expect(user.unreachable_at).not.toBeNull();
    expect(morningTexts(ekoChat)).toEqual([]);
    t.fake.block(2010, false);
    await t.app.deps.db.updateTable("households").set({ next_visit_date: null }).where("volunteer_id", "=", blocked.id).execute();
  });

  it("two runs at the same time (two processes) still send one message each", async () => {
    t.clock.now = new Date("2026-11-30T23:30:00Z").getTime(); // 06:30 WIB on 1 December: before the ticker
    const before = morningTexts(budiChat).length;
    const [a, b] = await Promise.all([triggerMorning(t.app.deps, t.app.bot.api), triggerMorning(t.app.deps, t.app.bot.api)]);
    const sent = (r: typeof a) => r.find((x) => x.zone === "WIB")!.volunteers;
    expect(sent(a) + sent(b)).toBe(1);
    expect(morningTexts(budiChat)).toHaveLength(before + 1);
    expect(morningTexts(budiChat).at(-1)).toContain("per 1 Desember 2026");
  });

  it("'Laporkan' on a reminder starts that household's report", async () => {
    await budiChat.tap(`📝 ${shownCode(dueToday.refCode)} · Siti Aminah`);
    expect(budiChat.lastText()).toContain(`Kapan Anda berkunjung ke ${shownCode(dueToday.refCode)} · Siti Aminah?`);
    await budiChat.send("/batal");
  });

  it("lists at most 10 buttons and points to /kunjungan for the rest", async () => {
    const many = await seedUser(t, { tg: 2009, role: "volunteer", name: "Joko", area: CIBINONG_VILLAGE });
    for (let i = 0; i < 12; i++) await seedHousehold(t, many, CIBINONG_VILLAGE, `Keluarga ${i + 1}`, { nextVisitDate: "2026-11-30" });
    const jokoChat = t.driver.user({ id: 2009, firstName: "Joko" });
    const [wib] = await triggerMorning(t.app.deps, t.app.bot.api, { date: "2026-11-30" });
    expect(wib?.volunteers).toBe(1);
    const msg = morningTexts(jokoChat)[0] ?? "";
    expect(msg).toContain("Ada 12 keluarga");
    expect(msg).toContain("… dan 2 lainnya, ketik /kunjungan");
    expect(jokoChat.buttons()).toHaveLength(10);
  });
});
