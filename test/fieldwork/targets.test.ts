import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { monthProgress } from "../../src/db/queries/fieldwork.js";
import { BONTORANNU, KARADENAN, PONDOK_RAJEG, WANAHERANG, runJobs, seedHousehold, seedUser, seedVisit } from "./support.js";

// Tuesday 1 December 2026, 08:00 WIB (09:00 WITA).
const START = new Date("2026-12-01T01:00:00Z");

let t: TestApp;
let budi: User;
let dewi: User;
let agus: User;
let eko: User;
let mira: User;
let budiChat: TestUser;
let dewiChat: TestUser;
let sariChat: TestUser;
let rinaChat: TestUser;
let andiChat: TestUser;

const db = () => t.app.deps.db;

async function visits(v: User, village: string, days: string[]): Promise<void> {
  const h = await seedHousehold(t, v, { village, name: `Keluarga ${v.name} ${days[0]}`, createdAt: new Date("2026-10-01T02:00:00Z") });
  for (const on of days) await seedVisit(t, { householdId: h.id, volunteerId: v.id, on });
}

async function registrations(v: User, village: string, at: Date[]): Promise<void> {
  for (const [i, createdAt] of at.entries()) await seedHousehold(t, v, { village, name: `Baru ${v.name} ${i}`, createdAt });
}

const december = (n: number, from = 2) => Array.from({ length: n }, (_, i) => `2026-12-${String(from + i).padStart(2, "0")}`);

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 8001, role: "volunteer", name: "Budi Santoso", area: PONDOK_RAJEG });
  dewi = await seedUser(t, { tg: 8002, role: "volunteer", name: "Dewi Lestari", area: KARADENAN });
  agus = await seedUser(t, { tg: 8003, role: "volunteer", name: "Agus Wibowo", area: PONDOK_RAJEG });
  eko = await seedUser(t, { tg: 8004, role: "volunteer", name: "Eko Prasetyo", area: KARADENAN });
  await seedUser(t, { tg: 8005, role: "volunteer", name: "Sari Wulandari", area: WANAHERANG });
  mira = await seedUser(t, { tg: 8006, role: "volunteer", name: "Mira Daeng", area: BONTORANNU });
  await seedUser(t, { tg: 8101, role: "coordinator", name: "Rina Marlina", area: "32.01.01" });
  const andi = await seedUser(t, { tg: 8102, role: "coordinator", name: "Andi Mappa", area: "73.71" });

  // Budi: 3 visits on 1 December and one on 30 November; one household registered at 00:30 WIB
  // on 1 December (counts) and one at 23:30 WIB on 30 November (does not).
  await visits(budi, PONDOK_RAJEG, ["2026-11-30", "2026-12-01", "2026-12-01", "2026-12-01"]);
  await registrations(budi, PONDOK_RAJEG, [new Date("2026-11-30T17:30:00Z"), new Date("2026-11-30T16:30:00Z")]);
  // Mira (WITA): 16:30 UTC on 30 November is 00:30 WITA on 1 December: it counts for December.
  await registrations(mira, BONTORANNU, [new Date("2026-11-30T16:30:00Z")]);
  await visits(mira, BONTORANNU, ["2026-12-02"]);
  // By the 25th: Dewi 7/10 visits and 2/2 registrations; Agus 6/10 and 1/2; Eko 10/10 and 2/2.
  await visits(dewi, KARADENAN, december(7));
  await registrations(dewi, KARADENAN, [new Date("2026-12-03T02:00:00Z"), new Date("2026-12-04T02:00:00Z")]);
  await visits(agus, PONDOK_RAJEG, december(6));
  await registrations(agus, PONDOK_RAJEG, [new Date("2026-12-05T02:00:00Z")]);
  await visits(eko, KARADENAN, december(10));
  await registrations(eko, KARADENAN, [new Date("2026-12-03T02:00:00Z"), new Date("2026-12-06T02:00:00Z")]);
  // Andi's target for Mira, set directly (the flow is shown with Rina).
  await db()
    .insertInto("monthly_target")
    .values({ month: "2026-12", volunteer_id: mira.id, area_code: null, visits: 5, registrations: 1, set_by: andi.id, set_at: START })
    .execute();

  budiChat = t.driver.user({ id: 8001, firstName: "Budi" });
  dewiChat = t.driver.user({ id: 8002, firstName: "Dewi" });
  sariChat = t.driver.user({ id: 8005, firstName: "Sari" });
  rinaChat = t.driver.user({ id: 8101, firstName: "Rina" });
  andiChat = t.driver.user({ id: 8102, firstName: "Andi" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("monthly targets", () => {
  it("a coordinator sets an area target and a volunteer's own with /target", async () => {
    await rinaChat.send("/target");
    expect(rinaChat.lastText()).toContain("Target Desember 2026 · Kec. Cibinong");
    expect(rinaChat.lastText()).toContain("Target wilayah belum diatur.");
    await rinaChat.tap("🎯 Atur target");
    expect(rinaChat.lastText()).toContain("Target Desember 2026 untuk siapa?");
    await rinaChat.tap("👥 Setiap relawan di satu wilayah");
    await rinaChat.tap(/^📍 Pakai Kec\. Cibinong/);
    expect(rinaChat.lastText()).toContain("Berapa kunjungan pada Desember 2026 untuk setiap relawan di Kec. Cibinong");
    await rinaChat.send("1500");
    expect(rinaChat.lastText()).toContain("Ketik angka bulat dari 0 sampai 999");
    await rinaChat.tap("10");
    await rinaChat.tap("2");
    expect(rinaChat.lastText()).toContain("Kunjungan: 10\nKeluarga baru: 2");
    await rinaChat.tap("💾 Simpan");
    expect(rinaChat.lastText()).toContain("Target Desember 2026 untuk setiap relawan di Kec. Cibinong");

    await rinaChat.tap("🎯 Lihat target");
    await rinaChat.tap("🎯 Atur target");
    await rinaChat.tap("👤 Satu relawan");
    expect(rinaChat.buttons()).toEqual(expect.arrayContaining(["Agus Wibowo", "Budi Santoso", "Dewi Lestari", "Eko Prasetyo"]));
    expect(rinaChat.buttons()).not.toContain("Sari Wulandari");
    await rinaChat.send("bud");
    expect(rinaChat.buttons()[0]).toBe("Budi Santoso");
    await rinaChat.tap("Budi Santoso");
    await rinaChat.send("20");
    await rinaChat.send("3");
    await rinaChat.tap("💾 Simpan");
    expect(rinaChat.lastText()).toContain("Target Desember 2026 untuk Budi Santoso tersimpan: 20 kunjungan · 3 keluarga baru");

    const rows = await db().selectFrom("monthly_target").selectAll().where("month", "=", "2026-12").orderBy("id").execute();
    expect(rows.map((r) => [r.volunteer_id, r.area_code, r.visits, r.registrations])).toEqual([
      [mira.id, null, 5, 1],
      [null, "32.01.01", 10, 2],
      [budi.id, null, 20, 3],
    ]);
    expect(await db().selectFrom("audit_log").select("action").where("action", "=", "target.set").execute()).toHaveLength(2);
  });

  it("only staff may see or set targets, forged buttons included", async () => {
    await budiChat.send("/target");
    expect(budiChat.lastText()).toContain("koordinator");
    await budiChat.tapData("fw:ts:202612");
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    await budiChat.tapData("fw:tg:202612");
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(budiChat.lastText()).not.toContain("Dewi");
  });

  it("counts visits and registrations in the households' local time (WIB, WITA)", async () => {
    const dec = await monthProgress(db(), [budi.id, mira.id], "2026-12");
    expect(dec.get(budi.id)).toEqual({ visits: 3, registrations: 1 });
    expect(dec.get(mira.id)).toEqual({ visits: 1, registrations: 1 });
    const nov = await monthProgress(db(), [budi.id, mira.id], "2026-11");
    expect(nov.get(budi.id)).toEqual({ visits: 1, registrations: 1 });
    expect(nov.get(mira.id)).toEqual({ visits: 0, registrations: 0 });

    await budiChat.send("/rencana");
    expect(budiChat.lastText()).toContain("🎯 Target Desember 2026: 3/20 kunjungan (15%) · 1/3 keluarga baru");
    await rinaChat.send("/target");
    const overview = rinaChat.lastText()!;
    expect(overview).toContain("• Budi Santoso — 3/20 kunjungan (15%) · 1/3 keluarga baru · target pribadi · ⚠️ di bawah 60%");
    expect(overview).toContain("• Eko Prasetyo — 10/10 kunjungan (100%) · 2/2 keluarga baru");
    expect(overview).not.toContain("Sari");
  });

  it("volunteers get a short weekly message on Saturday afternoon", async () => {
    t.clock.now = new Date("2026-12-05T09:05:00Z").getTime(); // Saturday 16:05 WIB
    await runJobs(t);
    const weekly = budiChat.texts().filter((x) => x.startsWith("📈"));
    expect(weekly).toHaveLength(1);
    // Monday 30 November – Sunday 6 December: 4 visits; 6 December days of a 20-visit month ≈ 4.
    expect(weekly[0]).toContain("Minggu ini 4 dari 4 kunjungan.");
    expect(weekly[0]).toContain("Desember 2026: 3 dari 20 kunjungan · 1 dari 3 keluarga baru.");
    expect(dewiChat.texts().filter((x) => x.startsWith("📈"))).toHaveLength(1);
    // No target, no message.
    expect(sariChat.texts().filter((x) => x.startsWith("📈"))).toEqual([]);
    await runJobs(t);
    expect(budiChat.texts().filter((x) => x.startsWith("📈"))).toHaveLength(1);
  });

  it("on the 25th coordinators get exactly the volunteers below 60% of target", async () => {
    t.clock.now = new Date("2026-12-24T23:30:00Z").getTime(); // 25th, 06:30 WIB, 07:30 WITA
    await runJobs(t);
    expect(rinaChat.texts().filter((x) => x.startsWith("📉"))).toEqual([]);
    t.clock.now = new Date("2026-12-25T01:05:00Z").getTime(); // 08:05 WIB, 09:05 WITA
    await runJobs(t);
    const [list] = rinaChat.texts().filter((x) => x.startsWith("📉"));
    expect(list).toContain("Relawan di bawah 60% target Desember 2026 · Kec. Cibinong — Kab. Bogor (per 25 Desember 2026): 2");
    const items = list!.split("\n").filter((l) => l.startsWith("• "));
    expect(items).toEqual([
      "• Agus Wibowo — kunjungan 6/10 (60%) · keluarga baru 1/2 (50%)",
      "• Budi Santoso — kunjungan 3/20 (15%) · keluarga baru 1/3 (33%)",
    ]);
    const [makassar] = andiChat.texts().filter((x) => x.startsWith("📉"));
    expect(makassar!.split("\n").filter((l) => l.startsWith("• "))).toEqual(["• Mira Daeng — kunjungan 1/5 (20%) · keluarga baru 1/1 (100%)"]);
    await runJobs(t);
    expect(rinaChat.texts().filter((x) => x.startsWith("📉"))).toHaveLength(1);
    expect(budiChat.texts().filter((x) => x.startsWith("📉"))).toEqual([]);
  });
});
