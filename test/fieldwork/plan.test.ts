import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { KARADENAN, PONDOK_RAJEG, WANAHERANG, callbackButtons, callbackData, pointAt, runJobs, seedHousehold, seedUser, seedVisit, shown, urlButtons, type SeededHousehold } from "./support.js";

// Monday 30 November 2026, 06:30 WIB: before the 07:00 reminders.
const START = new Date("2026-11-29T23:30:00Z");
const DAY = 24 * 3600 * 1000;

let t: TestApp;
let budi: User;
let budiChat: TestUser;
let sariChat: TestUser;
const H: Record<string, SeededHousehold> = {};
const G2_BASE = pointAt(1000, 0);

const planItems = (text: string | undefined) => (text ?? "").split("\n").filter((l) => /^\d+\. /.test(l));
const names = (lines: string[]) => lines.map((l) => /· ([^—\n]+?)(?: —|$)/.exec(l)?.[1]?.trim());

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 5001, role: "volunteer", name: "Budi Santoso", area: PONDOK_RAJEG });
  const sari = await seedUser(t, { tg: 5002, role: "volunteer", name: "Sari Wulandari", area: WANAHERANG });
  const add = async (key: string, o: Parameters<typeof seedHousehold>[2], who = budi) => {
    H[key] = await seedHousehold(t, who, { ...o, name: o.name });
  };
  // G1: Kel. Pondok Rajeg RW 001 / RT 001 — mixed, with an attention case and two left out.
  await add("a1", { village: PONDOK_RAJEG, name: "Ani Lestari", rw: "001", rt: "001", next: "2026-11-25", point: pointAt(0, 0) });
  await add("a2", { village: PONDOK_RAJEG, name: "Bunga Citra", rw: "001", rt: "001", next: "2026-11-30", point: pointAt(300, 0) });
  await add("a3", { village: PONDOK_RAJEG, name: "Cahya Dewi", rw: "001", rt: "001", next: "2026-11-30", point: pointAt(100, 0) });
  await add("a4", { village: PONDOK_RAJEG, name: "Dian Sastro", rw: "001", rt: "001", next: "2026-11-28" });
  await add("a5", { village: PONDOK_RAJEG, name: "Eka Putri", rw: "001", rt: "001", next: "2026-11-30", point: pointAt(50, 0) });
  await add("a6", { village: PONDOK_RAJEG, name: "Fitri Handayani", rw: "001", rt: "001", next: "2026-11-30" });
  await add("a7", { village: PONDOK_RAJEG, name: "Gita Permata", rw: "001", rt: "001", next: "2026-12-05", point: pointAt(10, 0) });
  await add("a8", { village: PONDOK_RAJEG, name: "Hana Pertiwi", rw: "001", rt: "001", next: "2026-11-20", point: pointAt(400, 0) });
  await add("a9", { village: PONDOK_RAJEG, name: "Indah Sari", rw: "001", rt: "001", next: "2026-11-30", status: "selesai" });
  await seedVisit(t, { householdId: H["a5"]!.id, volunteerId: budi.id, on: "2026-11-23", urgency: "perhatian" });
  // G2: RW 001 / RT 002 — all with points, due today; two not due yet.
  const east = [0, 200, 50, 500, 120, 330];
  for (const [i, e] of east.entries()) {
    await add(`b${i + 1}`, { village: PONDOK_RAJEG, name: `Keluarga B${i + 1}`, rw: "001", rt: "002", next: "2026-11-30", point: pointAt(0, e, G2_BASE) });
  }
  await add("b7", { village: PONDOK_RAJEG, name: "Keluarga B7", rw: "001", rt: "002", next: "2026-12-01", point: pointAt(0, 40, G2_BASE) });
  await add("b8", { village: PONDOK_RAJEG, name: "Keluarga B8", rw: "001", rt: "002", next: null });
  // G3: RW 002 / RT 003 — no points at all.
  const g3: [string, string][] = [
    ["c1", "2026-11-30"],
    ["c2", "2026-11-29"],
    ["c3", "2026-11-27"],
    ["c4", "2026-11-30"],
    ["c5", "2026-11-30"],
    ["c6", "2026-11-23"],
    ["c7", "2026-11-30"],
  ];
  for (const [key, next] of g3) await add(key, { village: PONDOK_RAJEG, name: `Keluarga ${key.toUpperCase()}`, rw: "002", rt: "003", next });
  // G4: Kel. Karadenan RW 003 / RT 001.
  await add("d1", { village: KARADENAN, name: "Keluarga D1", rw: "003", rt: "001", next: "2026-11-30", point: pointAt(2000, 2000) });
  await add("d2", { village: KARADENAN, name: "Keluarga D2", rw: "003", rt: "001", next: "2026-11-26" });
  await add("d3", { village: KARADENAN, name: "Keluarga D3", rw: "003", rt: "001", next: "2026-11-30" });
  await add("d4", { village: KARADENAN, name: "Keluarga D4", rw: "003", rt: "001", next: "2026-11-30", point: pointAt(2000, 2100) });
  await add("d5", { village: KARADENAN, name: "Keluarga D5", rw: "003", rt: "001", next: "2026-11-30", point: pointAt(2000, 1850) });
  await add("d6", { village: KARADENAN, name: "Keluarga D6", rw: "003", rt: "001", next: null });
  // Someone else's household, due today: never in Budi's plan.
  await add("s1", { village: WANAHERANG, name: "Yohana Purba", rw: "001", rt: "001", next: "2026-11-30", point: pointAt(0, 5) }, sari);
  budiChat = t.driver.user({ id: 5001, firstName: "Budi" });
  sariChat = t.driver.user({ id: 5002, firstName: "Sari" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const G4 = ["Keluarga D2", "Keluarga D1", "Keluarga D4", "Keluarga D5", "Keluarga D3"];
const G1 = ["Hana Pertiwi", "Eka Putri", "Ani Lestari", "Dian Sastro", "Cahya Dewi", "Bunga Citra", "Fitri Handayani"];
const G2 = ["Keluarga B1", "Keluarga B3", "Keluarga B5", "Keluarga B2", "Keluarga B6", "Keluarga B4"];
const G3 = ["Keluarga C6", "Keluarga C3", "Keluarga C2", "Keluarga C1", "Keluarga C4", "Keluarga C5", "Keluarga C7"];

describe("/rencana", () => {
  it("groups 30 households by village and RW/RT, overdue and attention first, walking order by GPS", async () => {
    await budiChat.send("/rencana");
    const text = budiChat.lastText()!;
    expect(text).toContain("Rencana kunjungan");
    expect(text).toContain("30 November 2026");
    expect(text).toContain("Ada 25 keluarga yang perlu dikunjungi, di 4 RT");
    expect(names(planItems(text))).toEqual([...G4, ...G1, ...G2, ...G3]);
    // Group headers in order, with their counts.
    const headers = text.split("\n").filter((l) => l.startsWith("📍"));
    expect(headers).toEqual([
      "📍 Kel. Karadenan · RT 001/RW 003 (5)",
      "📍 Kel. Pondok Rajeg · RT 001/RW 001 (7)",
      "📍 Kel. Pondok Rajeg · RT 002/RW 001 (6)",
      "📍 Kel. Pondok Rajeg · RT 003/RW 002 (7)",
    ]);
    expect(text).toMatch(/Hana Pertiwi — terlambat 10 hari/);
    expect(text).toMatch(/Eka Putri — jadwal hari ini · ⚠️ perlu perhatian/);
    expect(text).not.toMatch(/Gita Permata|Indah Sari|Keluarga B7|Keluarga B8|Keluarga D6|Yohana/);
    expect(budiChat.buttons()).toEqual([
      "📍 Kel. Karadenan · RT 001/RW 003 (5)",
      "📍 Kel. Pondok Rajeg · RT 001/RW 001 (7)",
      "📍 Kel. Pondok Rajeg · RT 002/RW 001 (6)",
      "📍 Kel. Pondok Rajeg · RT 003/RW 002 (7)",
    ]);
  });

  it("opens one RT: Laporkan and Tunda for each household, and a route through its points", async () => {
    await budiChat.tap("📍 Kel. Pondok Rajeg · RT 001/RW 001 (7)");
    const text = budiChat.lastText()!;
    expect(text).toContain("📍 Kel. Pondok Rajeg · RT 001/RW 001 — 7 keluarga");
    expect(names(planItems(text))).toEqual(G1);
    expect(text).toMatch(/Dian Sastro\n.*belum ada titik lokasi/);
    const data = callbackData(budiChat);
    expect(data[`📝 Laporkan 1. ${shown(H["a8"]!.refCode)}`]).toBe(`vr:${H["a8"]!.id}`);
    expect(callbackButtons(budiChat).filter(([label, d]) => label === "⏭️ Tunda ke besok" && d.startsWith("fw:t:"))).toHaveLength(7);
    // Five points: one link with three waypoints and the 4th stop, one for the 5th.
    const routes = urlButtons(budiChat);
    expect(routes.map((r) => r.text)).toEqual(["🗺️ Buka rute (rumah 1–4)", "🗺️ Buka rute (rumah 5–5)"]);
    const first = new URL(routes[0]!.url);
    const c = (k: string) => `${pointAt(...(k === "a8" ? [400, 0] : k === "a5" ? [50, 0] : k === "a1" ? [0, 0] : [100, 0]) as [number, number]).latitude.toFixed(6)}`;
    expect(first.searchParams.get("waypoints")!.split("|").map((p) => p.split(",")[0])).toEqual([c("a8"), c("a5"), c("a1")]);
    expect(first.searchParams.get("destination")!.split(",")[0]).toBe(c("a3"));
    expect(first.hostname).toBe("www.google.com");
    expect(first.searchParams.has("key")).toBe(false);

    // A group without points says so and has no route.
    await budiChat.tap("⬅️ Semua RT");
    await budiChat.tap("📍 Kel. Pondok Rajeg · RT 003/RW 002 (7)");
    expect(names(planItems(budiChat.lastText()))).toEqual(G3);
    expect(budiChat.lastText()).toContain("Belum ada titik lokasi rumah di RT ini");
    expect(urlButtons(budiChat)).toEqual([]);
  });

  it("“Laporkan” starts the visit report for that household", async () => {
    await budiChat.tap("⬅️ Semua RT");
    await budiChat.tap("📍 Kel. Karadenan · RT 001/RW 003 (5)");
    await budiChat.tap(`📝 Laporkan 1. ${shown(H["d2"]!.refCode)}`);
    const state = await t.app.deps.db.selectFrom("conversation_state").select(["key", "state"]).execute();
    expect(JSON.stringify(state)).toContain("visit-report");
    // The report starts at the visit date, for that household (no household picker).
    expect(budiChat.buttons()[0]).toMatch(/^Hari ini/);
    expect(budiChat.newTexts().join("\n")).not.toMatch(/bukan|Keluarga mana/);
    await budiChat.send("/batal");
  });

  it("“Tunda ke besok” takes a household out of today's plan with a reason, and it is back tomorrow", async () => {
    await budiChat.send("/rencana");
    await budiChat.tap("📍 Kel. Pondok Rajeg · RT 003/RW 002 (7)");
    const tunda = callbackButtons(budiChat).filter(([, d]) => d.startsWith("fw:t:"));
    expect(tunda[0]![1]).toBe(`fw:t:${H["c6"]!.id}`);
    await budiChat.tapData(tunda[0]![1]);
    expect(budiChat.lastText()).toContain(`Tunda kunjungan ke ${shown(H["c6"]!.refCode)} · Keluarga C6 ke rencana besok (1 Desember 2026)`);
    await budiChat.sendSticker();
    expect(budiChat.lastText()).toContain("Pilih salah satu alasan");
    await budiChat.tap("🌧️ Hujan / cuaca buruk");
    expect(budiChat.lastText()).toContain("dipindahkan ke rencana besok (1 Desember 2026). Alasan: hujan atau cuaca buruk");

    // A typed reason works too.
    await budiChat.send("/rencana");
    await budiChat.tap("📍 Kel. Pondok Rajeg · RT 003/RW 002 (6)");
    await budiChat.tapData(`fw:t:${H["c3"]!.id}`);
    await budiChat.send("Ibu sedang ke pasar");
    expect(budiChat.lastText()).toContain("Alasan: Ibu sedang ke pasar");

    await budiChat.send("/rencana");
    const text = budiChat.lastText()!;
    expect(names(planItems(text))).toEqual([...G4, ...G1, ...G2, ...G3.filter((n) => n !== "Keluarga C6" && n !== "Keluarga C3")]);
    expect(text).toContain("Ditunda ke besok: 2 keluarga");
    const rows = await t.app.deps.db.selectFrom("plan_postponement").selectAll().orderBy("id").execute();
    expect(rows.map((r) => [r.household_id, r.postponed_on, r.postponed_until, r.reason_code, r.reason_text])).toEqual([
      [H["c6"]!.id, "2026-11-30", "2026-12-01", "cuaca", null],
      [H["c3"]!.id, "2026-11-30", "2026-12-01", "lainnya", "Ibu sedang ke pasar"],
    ]);
    // The planned date is untouched (an overdue visit stays overdue for the coordinator).
    const c6 = await t.app.deps.db.selectFrom("households").select("next_visit_date").where("id", "=", H["c6"]!.id).executeTakeFirstOrThrow();
    expect(c6.next_visit_date).toBe("2026-11-23");
    const audits = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "plan.postponed").execute();
    expect(audits).toHaveLength(2);
    expect(JSON.stringify(audits.map((a) => a.details))).not.toContain("pasar");

    // Tomorrow both are back, marked.
    t.clock.now = START.getTime() + DAY;
    await budiChat.send("/rencana");
    const tomorrow = budiChat.lastText()!;
    expect(tomorrow).toContain("1 Desember 2026");
    expect(tomorrow).toMatch(/Keluarga C6 — terlambat 8 hari · ditunda kemarin \(hujan atau cuaca buruk\)/);
    expect(tomorrow).toMatch(/Keluarga C3 — terlambat 4 hari · ditunda kemarin \(Ibu sedang ke pasar\)/);
    expect(tomorrow).not.toContain("Ditunda ke besok");
    t.clock.now = START.getTime();
  });

  it("refuses other volunteers' households, forged or not, and groups only ever show one's own", async () => {
    await sariChat.send("/rencana");
    expect(names(planItems(sariChat.lastText()))).toEqual(["Yohana Purba"]);
    await sariChat.tapData(`fw:t:${H["a1"]!.id}`);
    expect(sariChat.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: "Keluarga ini tidak ada di rencana kunjungan Anda." });
    await sariChat.tapData(`fw:g:${PONDOK_RAJEG}:001:001`);
    expect(sariChat.lastText()).toContain("Tidak ada lagi keluarga");
    expect(sariChat.texts().join("\n")).not.toMatch(/Hana|Ani Lestari/);
    // Malformed data gets a short answer, nothing else.
    await sariChat.tapData("fw:g:32.01';drop:1:1");
    expect(sariChat.lastCallbackAnswer()).toMatchObject({ text: "Tombol ini sudah tidak berlaku." });
  });

  it("works in private chats only", async () => {
    const group = t.driver.group({ id: -1005001, title: "Grup PSM" });
    const member = group.member({ id: 5001, firstName: "Budi" });
    await member.send("/rencana");
    expect(group.lastText()).toContain("/rencana hanya bisa dipakai di chat pribadi");
    expect(group.texts().join("\n")).not.toMatch(/Hana|Keluarga|Rencana kunjungan/);
    // A plan button tapped in a group (forwarded, say) shows nothing either.
    await member.tapData(`fw:g:${PONDOK_RAJEG}:001:001`);
    expect(member.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(group.texts().join("\n")).not.toMatch(/Hana/);
  });

  it("the 07:00 reminder links to /rencana", async () => {
    t.clock.now = START.getTime() + 40 * 60_000; // 07:10 WIB
    await runJobs(t);
    const reminder = budiChat.texts().find((x) => x.startsWith("☀️"));
    // The command in the text is a link in Telegram: tapping it sends /rencana.
    expect(reminder).toContain("🗓️ Urutan jalan per RT, rute di peta, dan tombol Tunda: /rencana");
    await budiChat.send("/rencana");
    // Two of the 25 were postponed to tomorrow above.
    expect(budiChat.lastText()).toContain("Ada 23 keluarga yang perlu dikunjungi");
  });
});
