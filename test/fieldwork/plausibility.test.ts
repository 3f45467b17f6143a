import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { insertVisit } from "../../src/db/queries/visits.js";
import { PONDOK_RAJEG, WANAHERANG, pointAt, runJobs, seedHousehold, seedUser, shown, type SeededHousehold } from "./support.js";

// Monday 30 November 2026, 10:00 WIB.
const START = new Date("2026-11-30T03:00:00Z");
const HOME = pointAt(0, 0);

let t: TestApp;
let budi: User;
let budiChat: TestUser;
let sariChat: TestUser;
let rinaChat: TestUser;
let near: SeededHousehold;
let far: SeededHousehold;
let noPoint: SeededHousehold;
let unlocated: SeededHousehold;
let late: SeededHousehold;

const db = () => t.app.deps.db;
const lastVisit = (householdId: number) =>
  db().selectFrom("visits").selectAll().where("household_id", "=", householdId).orderBy("id", "desc").executeTakeFirstOrThrow();

/** A short visit report through the real /kunjungan flow, with or without a location. */
async function report(chat: TestUser, h: SeededHousehold, opts: { location?: { latitude: number; longitude: number }; date?: number } = {}) {
  await chat.send(`/kunjungan ${h.refCode}`, opts.date !== undefined ? { date: opts.date } : undefined);
  await chat.tap(/^Hari ini/);
  await chat.tap("Monitoring");
  await chat.tap("Preventif (pencegahan)");
  await chat.tap("▫️ Keadaan baik / stabil");
  await chat.tap("Lanjut ➡️");
  await chat.tap("Lewati");
  await chat.tap("Tidak ada bantuan");
  await chat.tap("Tidak dirujuk");
  await chat.tap("Biasa");
  await chat.tap("Tidak");
  if (opts.location) {
    await chat.sendLocation(opts.location.latitude, opts.location.longitude);
    await chat.tap("✅ Selesai");
  } else {
    await chat.tap("Lewati");
  }
  await chat.tap("💾 Simpan laporan");
  expect(chat.lastText()).toContain("sudah tersimpan");
}

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 6001, role: "volunteer", name: "Budi Santoso", area: PONDOK_RAJEG });
  await seedUser(t, { tg: 6002, role: "volunteer", name: "Sari Wulandari", area: WANAHERANG });
  await seedUser(t, { tg: 6003, role: "coordinator", name: "Rina Marlina", area: "32.01.01" });
  near = await seedHousehold(t, budi, { village: PONDOK_RAJEG, name: "Siti Aminah", point: HOME, next: "2026-11-30" });
  far = await seedHousehold(t, budi, { village: PONDOK_RAJEG, name: "Nur Halimah", point: pointAt(0, 300), next: "2026-11-30" });
  noPoint = await seedHousehold(t, budi, { village: PONDOK_RAJEG, name: "Wati Susanti", point: null, next: "2026-11-30" });
  unlocated = await seedHousehold(t, budi, { village: PONDOK_RAJEG, name: "Ratna Dewi", point: pointAt(500, 500), next: "2026-11-30" });
  late = await seedHousehold(t, budi, { village: PONDOK_RAJEG, name: "Lina Marlina", point: null, next: "2026-11-30" });
  budiChat = t.driver.user({ id: 6001, firstName: "Budi" });
  sariChat = t.driver.user({ id: 6002, firstName: "Sari" });
  rinaChat = t.driver.user({ id: 6003, firstName: "Rina" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("visit plausibility", () => {
  it("a report 20 m from the house is fine: distance stored, nothing asked, nothing flagged", async () => {
    await report(budiChat, near, { location: pointAt(20, 0) });
    budiChat.markSeen();
    await runJobs(t);
    const v = await lastVisit(near.id);
    expect(v.distance_m).toBe(20);
    expect(v.review_reason).toBeNull();
    expect(budiChat.newTexts().filter((x) => x.startsWith("📍"))).toEqual([]);
  });

  it("a report 2 km away asks kindly, is flagged, and the volunteer may move the house's point (audited)", async () => {
    const there = pointAt(0, 2300); // 2 km from the house at 300 m east
    await report(budiChat, far, { location: there });
    let v = await lastVisit(far.id);
    expect(Math.abs(v.distance_m! - 2000)).toBeLessThan(10);
    budiChat.markSeen();
    await runJobs(t);
    v = await lastVisit(far.id);
    expect(v.review_reason).toBe("far");
    const [question] = budiChat.newTexts();
    expect(question).toContain(`laporan kunjungan ke ${shown(far.refCode)} sudah tersimpan`);
    expect(question).toContain("berjarak sekitar 2,0 km dari titik rumah keluarga");
    expect(question).toContain("Apakah tadi Anda berada di rumah keluarga ini?");
    expect(budiChat.buttons()).toEqual(["✅ Ya, saya di sana — perbarui titik rumah", "Tidak, saya tidak di rumah keluarga"]);

    // Someone else forging the answer changes nothing.
    await sariChat.send("/bantuan");
    await sariChat.tapData(`fw:loc:${v.id}:u`);
    expect(sariChat.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: "Tombol ini bukan untuk Anda." });
    let h = await db().selectFrom("households").select(["latitude", "longitude"]).where("id", "=", far.id).executeTakeFirstOrThrow();
    expect(h.longitude).toBeCloseTo(pointAt(0, 300).longitude, 9);

    await budiChat.tap("✅ Ya, saya di sana — perbarui titik rumah");
    expect(budiChat.lastText()).toContain(`Titik rumah keluarga ${shown(far.refCode)} sudah diperbarui`);
    h = await db().selectFrom("households").select(["latitude", "longitude"]).where("id", "=", far.id).executeTakeFirstOrThrow();
    expect(h).toEqual({ latitude: there.latitude, longitude: there.longitude });
    v = await lastVisit(far.id);
    expect(v.location_answer).toBe("updated");
    const entry = await db().selectFrom("audit_log").selectAll().where("action", "=", "household.location_updated").executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_id: budi.id, entity: "household", entity_id: String(far.id) });
    expect(entry.details).toMatchObject({ source: "visit_report", visitId: v.id, distanceM: v.distance_m });
    expect(JSON.stringify(entry.details)).not.toContain(String(there.latitude).slice(0, 6));
    // Answered once.
    await budiChat.tapData(`fw:loc:${v.id}:n`);
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ text: "Pertanyaan ini sudah dijawab." });
  });

  it("a household without a point may take the report's location as its point", async () => {
    await report(budiChat, noPoint, { location: pointAt(-40, 10) });
    budiChat.markSeen();
    await runJobs(t);
    expect(budiChat.newTexts()[0]).toContain("Keluarga ini belum punya titik lokasi rumah");
    await budiChat.tap("Tidak usah");
    expect(budiChat.lastText()).toContain("tidak diubah");
    const h = await db().selectFrom("households").select(["latitude"]).where("id", "=", noPoint.id).executeTakeFirstOrThrow();
    expect(h.latitude).toBeNull();
    expect((await lastVisit(noPoint.id)).location_answer).toBe("declined");
  });

  it("a report without a location for a household that has a point is flagged, never blocked", async () => {
    await report(budiChat, unlocated);
    const v = await lastVisit(unlocated.id);
    expect(v.review_reason).toBe("no_location");
    expect(v.distance_m).toBeNull();
  });

  it("the coordinator's morning digest lists the flagged and late reports", async () => {
    // A report written three days ago and delivered now (offline phone).
    const written = Math.floor(START.getTime() / 1000) - 3 * 24 * 3600;
    await report(budiChat, late, { date: written });
    // The insert path itself (what any flow calls) flags a far report once the job runs.
    await insertVisit(
      db(),
      {
        householdId: unlocated.id,
        writtenAt: START.toISOString(),
        visitedOn: "2026-11-30",
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
        location: pointAt(500, 1500),
      },
      { userId: budi.id, now: new Date(t.clock.now), visitedAt: START },
    );
    await runJobs(t);
    t.clock.now = new Date("2026-12-01T00:10:00Z").getTime(); // 07:10 WIB next day
    await runJobs(t);
    const digest = rinaChat.texts().find((x) => x.startsWith("📊"));
    expect(digest).toBeDefined();
    expect(digest).toContain("Laporan yang perlu diperiksa (lokasi atau waktu kirim) sejak ringkasan terakhir: 4");
    const lines = digest!.split("\n").filter((l) => l.startsWith("• ") && l.includes(" — "));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^• ${shown(far.refCode)} · N\\. H\\. · dikunjungi 30 November 2026 · oleh Budi Santoso — 2,0 km dari titik rumah; relawan lalu memperbarui titik rumah$`)),
        expect.stringMatching(new RegExp(`^• ${shown(unlocated.refCode)} · R\\. D\\. .* — tanpa lokasi, padahal rumah punya titik$`)),
        expect.stringMatching(new RegExp(`^• ${shown(unlocated.refCode)} · R\\. D\\. .* — 1,0 km dari titik rumah$`)),
        expect.stringMatching(new RegExp(`^• ${shown(late.refCode)} · L\\. M\\. · dikunjungi 27 November 2026 .* — terkirim 3 hari setelah ditulis$`)),
      ]),
    );
    expect(digest).not.toContain(shown(near.refCode));
    // Names are masked in the digest.
    expect(digest).not.toMatch(/Nur Halimah|Ratna Dewi|Lina Marlina/);
  });
});
