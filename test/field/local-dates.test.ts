import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import { insertVisit } from "../../src/db/queries/visits.js";
import type { User } from "../../src/db/schema.js";
import { CIBINONG_VILLAGE, MAKASSAR_VILLAGE, seedHousehold, seedUser, shownCode } from "../bot/visit-support.js";

// Issue 18, bug 2: every calendar date shown is the local date of the household's zone. Between
// 00:00 and 07:00 WIB (08:00 WITA, 09:00 WIT) the UTC date is the day before: a visit at
// 04:11 WIB on 2 December showed "1 Desember".

const JAYAPURA_VILLAGE = "91.71.01.1001"; // Gurabesi, Kota Jayapura (WIT)

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ start: new Date("2026-12-01T12:00:00Z") });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

/** At `local` (an instant), a volunteer of `village` registers a family and reports a visit; returns their chat. */
async function visitAt(instant: string, tg: number, village: string, visitedOn: string): Promise<{ chat: TestUser; code: string }> {
  t.clock.now = new Date(instant).getTime();
  const volunteer: User = await seedUser(t, { tg, role: "volunteer", name: `Relawan ${tg}`, area: village });
  const h = await seedHousehold(t, volunteer, village, `Keluarga ${tg}`);
  await t.app.deps.db.transaction().execute((trx) =>
    insertVisit(
      trx,
      {
        householdId: h.id,
        writtenAt: instant,
        visitedOn,
        purpose: "monitoring",
        intervention: "preventif",
        conditions: ["stabil"],
        conditionNote: null,
        helpGiven: null,
        referral: null,
        referralNote: null,
        urgency: "biasa",
        followUp: false,
        nextVisitDate: null,
        photos: [],
        voices: [],
        location: null,
      },
      { userId: volunteer.id, now: new Date(instant), visitedAt: new Date(instant) },
    ),
  );
  return { chat: t.driver.user({ id: tg, firstName: `Relawan${tg}` }), code: shownCode(h.refCode) };
}

describe("calendar dates in the household's zone", () => {
  it.each([
    ["04:11 WIB", "2026-12-01T21:11:00Z", CIBINONG_VILLAGE],
    ["00:30 WIB", "2026-12-01T17:30:00Z", CIBINONG_VILLAGE],
    ["06:59 WIB", "2026-12-01T23:59:00Z", CIBINONG_VILLAGE],
    ["00:30 WITA", "2026-12-01T16:30:00Z", MAKASSAR_VILLAGE],
    ["06:59 WITA", "2026-12-01T22:59:00Z", MAKASSAR_VILLAGE],
    ["00:30 WIT", "2026-12-01T15:30:00Z", JAYAPURA_VILLAGE],
    ["06:59 WIT", "2026-12-01T21:59:00Z", JAYAPURA_VILLAGE],
  ])("a family registered and visited at %s on 2 December shows 2 December on /keluarga and its card", async (_label, instant, village) => {
    const tg = 40000 + Math.floor(new Date(instant).getTime() / 60_000) % 10_000;
    const { chat, code } = await visitAt(instant, tg, village, "2026-12-02");
    await chat.send("/keluarga");
    const list = chat.lastText() ?? "";
    expect(list).toContain(code);
    expect(list).toContain("kunjungan terakhir: 2 Desember 2026");
    expect(list).not.toContain("1 Desember 2026");
    await chat.tap(`1. ${code}`);
    const card = chat.lastText() ?? "";
    expect(card).toContain("Didaftarkan 2 Desember 2026");
    expect(card).toContain("Kunjungan terakhir: 2 Desember 2026");
  });

  it("07:00 WIB is still the same day, and 23:59 WIB the day before, whatever UTC says", async () => {
    const { chat } = await visitAt("2026-12-02T16:59:00Z", 48001, CIBINONG_VILLAGE, "2026-12-02");
    await chat.send("/keluarga");
    expect(chat.lastText()).toContain("kunjungan terakhir: 2 Desember 2026");
  });
});

describe("the first visit date", () => {
  it("is a week after the local date of registration, also between 00:00 and 07:00 WIB", async () => {
    // 00:30 WIB on 2 December 2026 (still 1 December in UTC).
    t.clock.now = new Date("2026-12-01T17:30:00Z").getTime();
    await seedUser(t, { tg: 49001, role: "volunteer", name: "Siti Rahma", area: "32.01.01.1002" });
    const siti = t.driver.user({ id: 49001, firstName: "Siti" });
    await siti.send("/daftar");
    await siti.tap("✅ Keluarga setuju");
    await siti.send("Siti Aminah");
    // Numbers no household of this file uses (the seeded ones follow a pattern).
    await siti.send("3201015212700007");
    await siti.tap("✅ Benar");
    await siti.send("3201011107190042");
    await siti.tap(/^📍/);
    await siti.send("3/5");
    await siti.send("Jl. Melati No. 5");
    await siti.tap("Lewati lokasi");
    await siti.tap("1");
    await siti.tap("Berikutnya ➡️");
    await siti.tap("Berikutnya ➡️");
    await siti.tap("▫️ Fakir miskin");
    await siti.tap("✅ Selesai (1 dipilih)");
    await siti.tap("Tidak layak huni (RTLH)");
    await siti.tap("▫️ Belum menerima bantuan");
    await siti.tap(/^✅ Selesai/);
    await siti.tap("▫️ Pangan");
    await siti.tap(/^✅ Selesai/);
    await siti.tap("Lewati");
    await siti.tap("1");
    await siti.tap(/Selesai|Lewati/);
    await siti.tap("💾 Simpan data keluarga");
    const saved = siti.lastText() ?? "";
    const code = /Kode keluarga: ([2-9A-Z]{2}-[2-9A-Z]{5})/.exec(saved)?.[1];
    expect(code, saved).toBeDefined();
    const h = await t.app.deps.db.selectFrom("households").select(["next_visit_date"]).where("ref_code", "=", code!.replace("-", "")).executeTakeFirstOrThrow();
    expect(h.next_visit_date).toBe("2026-12-09");
  });
});
