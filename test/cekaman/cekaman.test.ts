import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { maskNik } from "../../src/domain/mask.js";
import {
  CIBINONG,
  GUNUNG_PUTRI,
  KAB_BOGOR,
  KARADENAN,
  PONDOK_RAJEG,
  SUKABUMI,
  WANAHERANG,
  advance,
  chatsReached,
  eventRows,
  runJobs,
  seedFamily,
  seedHousehold,
  seedUser,
  sentTo,
  snapshot,
} from "./support.js";

/**
 * One disaster check-in, end to end, through the real bot: a flood over two villages of
 * Kec. Cibinong with 40 households, 3 volunteers (and a fourth in Karadenan who keeps none)
 * and 5 families with a proven subscription. Tests run in order and share the event.
 */
const MIN = 60_000;
const code = (ref: string) => `${ref.slice(0, 2)}-${ref.slice(2)}`;

let t: TestApp;
let coord: User; // Kec. Cibinong
let coordKab: User; // Kab. Bogor (covers it too)
let otherCoord: User; // Kec. Gunung Putri
let sukabumiCoord: User;
let v1: User;
let v2: User;
let v3: User;
let v4: User; // Karadenan, no households of their own
let vOther: User; // Wanaherang
const households: { id: number; refCode: string; volunteer: User; village: string; priority: boolean }[] = [];
const families: { user: User; householdId: number }[] = [];
let unverified: User;
let stranger: User;
let eventId: number;
let start: number;

const chat = (u: User, firstName = u.name ?? "x"): TestUser => t.driver.user({ id: u.telegram_id, firstName });
const ehOf = async (householdId: number) =>
  (await t.app.deps.db.selectFrom("cekaman_households").selectAll().where("event_id", "=", eventId).where("household_id", "=", householdId).executeTakeFirstOrThrow());

beforeAll(async () => {
  t = await createTestApp({ env: { BROADCAST_RATE: "30", CEKAMAN_REMIND_MINUTES: "60" } });
  coord = await seedUser(t, { tg: 9100, role: "coordinator", name: "Bu Koordinator Cibinong", area: CIBINONG });
  coordKab = await seedUser(t, { tg: 9101, role: "coordinator", name: "Pak Dinsos Bogor", area: KAB_BOGOR });
  otherCoord = await seedUser(t, { tg: 9200, role: "coordinator", name: "Koordinator Gunung Putri", area: GUNUNG_PUTRI });
  sukabumiCoord = await seedUser(t, { tg: 9300, role: "coordinator", name: "Koordinator Sukabumi", area: SUKABUMI });
  v1 = await seedUser(t, { tg: 8101, role: "volunteer", name: "Ani Relawan", area: PONDOK_RAJEG });
  v2 = await seedUser(t, { tg: 8102, role: "volunteer", name: "Budi Relawan", area: PONDOK_RAJEG });
  v3 = await seedUser(t, { tg: 8103, role: "volunteer", name: "Citra Relawan", area: KARADENAN });
  v4 = await seedUser(t, { tg: 8104, role: "volunteer", name: "Dodi Relawan", area: KARADENAN });
  vOther = await seedUser(t, { tg: 8105, role: "volunteer", name: "Eka Relawan", area: WANAHERANG });
  const plan: [User, string, number][] = [
    [v1, PONDOK_RAJEG, 15],
    [v2, PONDOK_RAJEG, 10],
    [v3, KARADENAN, 15],
  ];
  const priorityPpks = [["lanjut_usia_terlantar"], ["penyandang_disabilitas"], ["anak_balita_terlantar"]];
  for (const [vol, village, n] of plan) {
    for (let i = 0; i < n; i++) {
      const ppks = i < 3 ? priorityPpks[i]! : ["fakir_miskin"];
      const h = await seedHousehold(t, vol, village, `Keluarga ${vol.name!.split(" ")[0]} ${i + 1}`, { ppks, rt: String(1 + (i % 3)).padStart(3, "0"), rw: "005" });
      households.push({ id: h.id, refCode: h.refCode, volunteer: vol, village, priority: i < 3 });
    }
  }
  // Outside the affected area: must never be part of the event.
  await seedHousehold(t, vOther, WANAHERANG, "Keluarga Wanaherang");
  // Five families with a proven subscription (2 of v1, 1 of v2, 2 of v3); one with an old one; one with none.
  const famIdx = [5, 6, 16, 26, 27];
  for (const [i, idx] of famIdx.entries()) families.push({ user: await seedFamily(t, households[idx]!.id, 7001 + i, true), householdId: households[idx]!.id });
  unverified = await seedFamily(t, households[7]!.id, 7006, false);
  stranger = await seedUser(t, { tg: 7007, role: "beneficiary", name: "Orang Lain", area: null });
});

afterAll(async () => {
  await t?.close();
});

afterEach(() => {
  t.fake.assertNoViolations();
});

describe("the household card's “prioritas bencana” flag", () => {
  it("the household's volunteer sets it from the card; a volunteer of another village cannot", async () => {
    const h = households[10]!; // v1's, not a PPKS priority
    const ani = chat(v1);
    await ani.send("/keluarga");
    await ani.tapData(`hh:open:${h.id}`);
    expect(ani.buttons()).toContain("⭐ Tandai prioritas bencana");
    await ani.tap("⭐ Tandai prioritas bencana");
    expect(ani.lastCallbackAnswer()?.text).toContain("prioritas saat bencana");
    expect(ani.buttons()).toContain("⭐ Prioritas bencana: ya (ketuk untuk hapus)");
    const flag = await t.app.deps.db.selectFrom("cekaman_priority_flags").selectAll().where("household_id", "=", h.id).executeTakeFirst();
    expect(flag).toMatchObject({ set_by: v1.id });
    h.priority = true;

    const before = await snapshot(t);
    const eka = chat(vOther);
    await eka.tapData(`ca:p:${h.id}`);
    expect(eka.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(await snapshot(t)).toBe(before);
  });
});

describe("/cekaman: a coordinator starts a check-in over two villages", () => {
  it("chooses the villages, describes the event, sees the counts and starts it", async () => {
    const c = chat(coord);
    await c.send("/cekaman");
    expect(c.lastText()).toContain("Cek Aman");
    await c.tap("➕ Mulai cek aman baru");
    expect(c.lastText()).toContain("Wilayah terdampak");
    await c.send("Pondok Rajeg");
    await c.tap(/^Kel\. Pondok Rajeg/);
    expect(c.lastText()).toContain("1. Kel. Pondok Rajeg");
    await c.tap("➕ Tambah wilayah");
    await c.send("Karadenan");
    await c.tap(/^Kel\. Karadenan/);
    expect(c.lastText()).toContain("2. Kel. Karadenan");
    await c.tap("➡️ Lanjut");
    expect(c.lastText()).toContain("keterangan singkat");
    await c.sendSticker();
    expect(c.lastText()).toContain("Tulis keterangan kejadiannya");
    await c.send("Banjir Kali Cikeas, 3 Desember");
    expect(c.lastText()).toContain("lansia (3), penyandang disabilitas (3), balita (3)");
    expect(c.lastText()).toContain("prioritas bencana” pada kartu keluarga (1)");
    expect(c.buttons()).toEqual(["👥 Semua keluarga (40)", "⭐ Hanya kelompok prioritas (10)", "⬅️ Kembali"]);
    await c.tap("👥 Semua keluarga (40)");
    const preview = c.lastText()!;
    expect(preview).toContain("<b>40</b> keluarga di 2 desa/kelurahan".replace(/<\/?b>/g, ""));
    expect(preview).toContain("Daftar dikirim ke 3 relawan; 5 keluarga");
    expect(preview).toContain("setelah 60 menit");
    start = t.clock.now;
    await c.tap("🚀 Mulai cek aman (40 keluarga)");

    const event = await t.app.deps.db.selectFrom("cekaman_events").selectAll().executeTakeFirstOrThrow();
    eventId = event.id;
    expect(event).toMatchObject({ status: "running", created_by: coord.id, regions: [PONDOK_RAJEG, KARADENAN], selection: "all", total: 40, remind_minutes: 60 });
    expect(event.started_at.getTime()).toBe(start);
    const rows = await eventRows(t, eventId);
    expect(rows).toHaveLength(40);
    expect(rows.filter((r) => r.priority)).toHaveLength(10);
    expect(rows.every((r) => r.status === "pending")).toBe(true);
    const auditRow = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "cekaman.started").executeTakeFirstOrThrow();
    expect(auditRow.details).toMatchObject({ households: 40, volunteers: 3, families: 5 });
    expect(JSON.stringify(auditRow.details)).not.toContain("Banjir");
    // The preview became the live tally.
    expect(c.texts().some((x) => x.includes("Rekap Cek Aman #") && x.includes("⏳ 40"))).toBe(true);
    expect(c.lastText()).toContain(`Cek aman #${eventId} dimulai`);
  });

  it("every volunteer gets one checklist (priority first, by RT/RW), every proven family one message, nobody else anything", async () => {
    const from = t.fake.calls.length;
    await runJobs(t);
    for (const v of [v1, v2, v3]) {
      const got = sentTo(t, v.telegram_id).filter((c) => String(c.payload.text).includes("Cek Aman #"));
      expect(got).toHaveLength(1);
      const text = String(got[0]!.payload.text);
      const mine = households.filter((h) => h.volunteer.id === v.id);
      expect(text).toContain(`Keluarga dampingan Anda di wilayah terdampak: ${mine.length}`);
      expect(text.indexOf("⭐ <b>Prioritas</b>")).toBeLessThan(text.indexOf("Keluarga lainnya"));
      expect(text).toContain("<b>RT 001/RW 005</b>");
    }
    for (const f of families) {
      const got = sentTo(t, f.user.telegram_id);
      expect(got).toHaveLength(1);
      expect(String(got[0]!.payload.text)).toContain("Banjir Kali Cikeas");
      expect(JSON.stringify(got[0]!.payload.reply_markup)).toContain("✅ Kami aman");
    }
    const reached = chatsReached(t, from);
    for (const u of [unverified, stranger, otherCoord, sukabumiCoord, vOther, v4]) expect(reached.has(u.telegram_id)).toBe(false);
    // The Kab. Bogor coordinator covers the villages: the tally, live too.
    expect(sentTo(t, coordKab.telegram_id).some((c) => String(c.payload.text).includes("Rekap Cek Aman"))).toBe(true);
    const tallies = await t.app.deps.db.selectFrom("cekaman_tally_messages").select("chat_id").where("event_id", "=", eventId).execute();
    expect(tallies.map((r) => Number(r.chat_id)).sort()).toEqual([coord.telegram_id, coordKab.telegram_id].sort());
  });
});

describe("answers", () => {
  it("a volunteer marks households safe and unreachable from the checklist (time and who recorded)", async () => {
    const ani = chat(v1);
    advance(t, 5 * MIN);
    const h = households.find((x) => x.volunteer.id === v1.id && !x.priority)!;
    const eh = await ehOf(h.id);
    await ani.tap(/^\d+ ⏳$/);
    await ani.tapData(`ca:h:${eh.id}:v:0`);
    expect(ani.lastText()).toContain(code(h.refCode));
    expect(ani.buttons()).toEqual(["✅ Aman", "🆘 Butuh bantuan", "🏠 Mengungsi", "❓ Tidak bisa dihubungi", "📋 Kembali ke daftar"]);
    await ani.tap("✅ Aman");
    expect(ani.lastCallbackAnswer()?.text).toContain("Tercatat: ✅ Aman");
    expect(ani.lastText()).toContain("Keluarga dampingan Anda");
    const after = await ehOf(h.id);
    expect(after).toMatchObject({ status: "aman", answered_by: v1.id, answered_via: "volunteer" });
    expect(after.answered_at!.getTime()).toBe(t.clock.now);

    const h2 = households.filter((x) => x.volunteer.id === v1.id && !x.priority)[1]!;
    await ani.tapData(`ca:a:${(await ehOf(h2.id)).id}:u:v:0`);
    expect((await ehOf(h2.id)).status).toBe("tidak_terhubung");
    const history = await t.app.deps.db.selectFrom("cekaman_answers").selectAll().where("event_id", "=", eventId).execute();
    expect(history.map((a) => a.status).sort()).toEqual(["aman", "tidak_terhubung"]);
  });

  it("🆘 Butuh bantuan: needs, note, photo and location, and only the area's coordinators are alerted at once", async () => {
    const ani = chat(v1);
    const h = households.find((x) => x.volunteer.id === v1.id && x.priority)!;
    const eh = await ehOf(h.id);
    await ani.tapData(`ca:h:${eh.id}:v:0`);
    await ani.tap("🆘 Butuh bantuan");
    expect(ani.lastText()).toContain("Bantuan apa yang dibutuhkan");
    await ani.tap("✅ Selesai (0 dipilih)");
    expect(ani.lastText()).toContain("Pilih minimal satu");
    await ani.tap("▫️ Evakuasi");
    await ani.tap("▫️ Kesehatan");
    await ani.tap("✅ Selesai (2 dipilih)");
    expect(ani.lastText()).toContain("keterangan singkat");
    await ani.send("Nenek tidak bisa berjalan, air setinggi pinggang");
    expect(ani.lastText()).toContain("Kirim satu foto");
    await ani.sendSticker();
    expect(ani.lastText()).toContain("Kirim fotonya");
    await ani.sendPhoto();
    expect(ani.lastText()).toContain("Bagikan lokasi");
    await ani.sendLocation(-6.4812, 106.8345);
    expect(ani.texts().join("\n")).toContain("Lokasi diterima");
    expect(ani.lastText()).toContain("butuh bantuan");
    const after = await ehOf(h.id);
    expect(after).toMatchObject({ status: "butuh_bantuan", needs: ["evakuasi", "kesehatan"], note: "Nenek tidak bisa berjalan, air setinggi pinggang", latitude: -6.4812, longitude: 106.8345, answered_by: v1.id });
    expect(after.photo_file_id).not.toBeNull();
    const help = await t.app.deps.db.selectFrom("cekaman_help").selectAll().where("event_household_id", "=", eh.id).executeTakeFirstOrThrow();
    expect(help.status).toBe("open");

    const from = t.fake.calls.length;
    await runJobs(t);
    const alerted = [...chatsReached(t, from)];
    expect(alerted.sort()).toEqual([coord.telegram_id, coordKab.telegram_id].sort());
    const msg = sentTo(t, coord.telegram_id).at(-1)!;
    expect(String(msg.payload.text)).toContain("BUTUH BANTUAN");
    expect(String(msg.payload.text)).toContain("Evakuasi, Kesehatan");
    expect(String(msg.payload.text)).not.toContain(`Keluarga Ani`); // name masked
    expect(JSON.stringify(msg.payload.reply_markup)).toContain("✋ Tindak lanjuti");
  });

  it("🏠 Mengungsi asks where (a quick choice or typed)", async () => {
    const citra = chat(v3);
    const h = households.find((x) => x.volunteer.id === v3.id && !x.priority)!;
    await citra.tapData(`ca:a:${(await ehOf(h.id)).id}:e:v:0`);
    expect(citra.lastText()).toContain("Mengungsi ke mana");
    await citra.tap("Posko/tenda pengungsian");
    expect(citra.lastText()).toContain("mengungsi");
    expect(await ehOf(h.id)).toMatchObject({ status: "mengungsi", shelter: "Posko/tenda pengungsian", answered_by: v3.id });
  });

  it("families answer for their own household; an unverified family or anyone else cannot", async () => {
    const f1 = families[0]!;
    const fam = chat(f1.user);
    await fam.tap("✅ Kami aman");
    expect(fam.lastCallbackAnswer()?.text).toContain("Terima kasih");
    expect(await ehOf(f1.householdId)).toMatchObject({ status: "aman", answered_via: "family", answered_by: f1.user.id });
    expect(fam.lastText()).toContain("Sudah dilaporkan: ✅ Aman");

    const f2 = families[3]!;
    const fam2 = chat(f2.user);
    await fam2.tap("🆘 Butuh bantuan");
    await fam2.tap("▫️ Pangan");
    await fam2.tap("✅ Selesai (1 dipilih)");
    await fam2.tap("Lewati");
    await fam2.send("tidak ada"); // typed instead of tapping "Lewati"
    await fam2.send("Lewati lokasi");
    expect(fam2.lastText()).toContain("sudah kami teruskan ke petugas");
    expect(await ehOf(f2.householdId)).toMatchObject({ status: "butuh_bantuan", needs: ["pangan"], answered_via: "family", latitude: null, photo_file_id: null });

    // Forged taps: the old subscription, a stranger, a family for another family's household.
    const before = await snapshot(t);
    const target = await ehOf(households[7]!.id);
    for (const [u, eh] of [
      [unverified, target],
      [stranger, target],
      [f1.user, await ehOf(families[1]!.householdId)],
    ] as const) {
      const c = chat(u);
      for (const a of ["s", "n", "e"]) {
        await c.tapData(`ca:f:${eh.id}:${a}`);
        expect(c.lastCallbackAnswer()).toMatchObject({ show_alert: true });
      }
    }
    expect(await snapshot(t)).toBe(before);
    expect(sentTo(t, unverified.telegram_id)).toHaveLength(0);
  });

  it("acknowledge and resolve: the first tap wins, the reporter is told, other areas are refused", async () => {
    await runJobs(t);
    const help = await t.app.deps.db.selectFrom("cekaman_help").selectAll().orderBy("id").executeTakeFirstOrThrow();
    const c = chat(coord);
    const k = chat(coordKab);
    await c.tapData(`ca:hk:${help.id}`);
    expect(c.lastCallbackAnswer()?.text).toContain("Anda menindaklanjuti");
    await k.tapData(`ca:hk:${help.id}`);
    expect(k.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(String(k.lastCallbackAnswer()?.text)).toContain("Bu Koordinator Cibinong");
    const before = await snapshot(t);
    for (const u of [otherCoord, sukabumiCoord, v1]) {
      await chat(u).tapData(`ca:hr:${help.id}`);
      expect(chat(u).lastCallbackAnswer()).toMatchObject({ show_alert: true });
    }
    expect(await snapshot(t)).toBe(before);
    await k.tapData(`ca:hr:${help.id}`);
    await c.tapData(`ca:hr:${help.id}`);
    expect(String(c.lastCallbackAnswer()?.text)).toContain("sudah diselesaikan oleh Pak Dinsos Bogor");
    const row = await t.app.deps.db.selectFrom("cekaman_help").selectAll().where("id", "=", help.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "resolved", acknowledged_by: coord.id, resolved_by: coordKab.id });
    await runJobs(t);
    const told = sentTo(t, v1.telegram_id).map((m) => String(m.payload.text));
    expect(told.some((x) => x.includes("sedang ditindaklanjuti oleh Bu Koordinator Cibinong"))).toBe(true);
    expect(told.some((x) => x.includes("sudah selesai ditangani oleh Pak Dinsos Bogor"))).toBe(true);
    // Every message of the request shows who solved it.
    const edits = t.fake.calls.filter((x) => x.method === "editMessageText" && x.payload.chat_id === coord.telegram_id && String(x.payload.text).includes(`permintaan #${help.id}`));
    expect(String(edits.at(-1)!.payload.text)).toContain("Selesai ditangani oleh <b>Pak Dinsos Bogor</b>");
  });
});

describe("the live tally", () => {
  it("is edited at most every 10 s and its numbers equal the database's", async () => {
    const tallyMsg = await t.app.deps.db.selectFrom("cekaman_tally_messages").selectAll().where("chat_id", "=", coord.telegram_id).executeTakeFirstOrThrow();
    const editsOf = () => t.fake.calls.filter((x) => x.method === "editMessageText" && x.payload.chat_id === coord.telegram_id && x.payload.message_id === tallyMsg.message_id);
    advance(t, 10_000);
    await runJobs(t);
    const n0 = editsOf().length;
    // Two answers within the same 10 s: one edit, at the next slot, not before.
    const budi = chat(v2);
    const mine = households.filter((h) => h.volunteer.id === v2.id);
    await budi.tapData(`ca:a:${(await ehOf(mine[3]!.id)).id}:s:v:0`);
    advance(t, 3_000);
    await budi.tapData(`ca:a:${(await ehOf(mine[4]!.id)).id}:s:v:0`);
    await runJobs(t);
    expect(editsOf().length).toBe(n0);
    advance(t, 10_000);
    await runJobs(t);
    expect(editsOf().length).toBe(n0 + 1);
    await runJobs(t);
    expect(editsOf().length).toBe(n0 + 1);

    const text = String(editsOf().at(-1)!.payload.text);
    const db = await t.app.deps.db
      .selectFrom("cekaman_households")
      .select(["village_code", "status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("event_id", "=", eventId)
      .groupBy(["village_code", "status"])
      .execute();
    const count = (village: string | null, status: string) => db.filter((r) => (village === null || r.village_code === village) && r.status === status).reduce((s, r) => s + Number(r.n), 0);
    const line = (v: string | null) =>
      `✅ ${count(v, "aman")} · 🆘 ${count(v, "butuh_bantuan")} · 🏠 ${count(v, "mengungsi")} · ❓ ${count(v, "tidak_terhubung")} · ⏳ ${count(v, "pending")}`;
    expect(text).toContain(`Kel. Pondok Rajeg: ${line(PONDOK_RAJEG)}`);
    expect(text).toContain(`Kel. Karadenan: ${line(KARADENAN)}`);
    expect(text).toContain(`<b>Jumlah</b>: ${line(null)}`);
    expect(text).toContain(`Butuh bantuan (${count(null, "butuh_bantuan")})`);
    expect(text).toContain(`Belum ada kabar (${count(null, "pending")})`);
  });
});

describe("escalation", () => {
  it("re-sends unanswered households to their volunteer after 60 minutes, not before, and only once", async () => {
    const reminders = (u: User) => sentTo(t, u.telegram_id).filter((c) => String(c.payload.text).includes("Pengingat"));
    t.clock.now = start + 59 * MIN;
    await runJobs(t);
    for (const v of [v1, v2, v3]) expect(reminders(v)).toHaveLength(0);
    t.clock.now = start + 60 * MIN;
    await runJobs(t);
    for (const v of [v1, v2, v3]) expect(reminders(v)).toHaveLength(1);
    const pendingV1 = (await eventRows(t, eventId)).filter((r) => r.volunteer_id === v1.id && r.status === "pending").length;
    expect(String(reminders(v1)[0]!.payload.text)).toContain(`${pendingV1} keluarga dampingan Anda belum dilaporkan setelah 60 menit`);
    t.clock.now = start + 90 * MIN;
    await runJobs(t);
    for (const v of [v1, v2, v3]) expect(reminders(v)).toHaveLength(1);
    const rows = await eventRows(t, eventId);
    expect(rows.filter((r) => r.reminded_at !== null).length).toBe(rows.filter((r) => r.status === "pending").length + 0);
  });

  it("after a second period offers them to the village's other volunteers and lists them for the coordinators", async () => {
    const offers = (u: User) => sentTo(t, u.telegram_id).filter((c) => String(c.payload.text).includes("Mohon bantuan"));
    t.clock.now = start + 119 * MIN;
    await runJobs(t);
    for (const v of [v1, v2, v3, v4]) expect(offers(v)).toHaveLength(0);
    t.clock.now = start + 120 * MIN;
    const from = t.fake.calls.length;
    await runJobs(t);
    // Pondok Rajeg: Ani and Budi see each other's; Karadenan: Dodi sees Citra's; Citra has no one to see.
    for (const v of [v1, v2, v4]) expect(offers(v)).toHaveLength(1);
    expect(offers(v3)).toHaveLength(0);
    expect(chatsReached(t, from).has(vOther.telegram_id)).toBe(false);
    const offerText = String(offers(v4)[0]!.payload.text);
    const citraPending = households.filter((h) => h.volunteer.id === v3.id);
    expect(offerText).toContain("Kel. Karadenan");
    for (const c of [coord, coordKab]) expect(sentTo(t, c.telegram_id).some((m) => String(m.payload.text).includes("sudah ditawarkan ke relawan lain"))).toBe(true);
    for (const c of [otherCoord, sukabumiCoord]) expect(chatsReached(t, from).has(c.telegram_id)).toBe(false);

    // Dodi answers one of Citra's households; Eka (another village) cannot.
    const pending = (await eventRows(t, eventId)).find((r) => r.volunteer_id === v3.id && r.status === "pending")!;
    expect(citraPending.some((h) => h.id === pending.household_id)).toBe(true);
    const before = await snapshot(t);
    const eka = chat(vOther);
    await eka.tapData(`ca:a:${pending.id}:s:o:0`);
    expect(eka.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    await eka.tapData(`ca:h:${pending.id}:o:0`);
    expect(eka.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(await snapshot(t)).toBe(before);
    const dodi = chat(v4);
    await dodi.tapData(`ca:h:${pending.id}:o:0`);
    expect(dodi.lastText()).toContain("Pendamping: Citra Relawan");
    await dodi.tap("✅ Aman");
    expect(await t.app.deps.db.selectFrom("cekaman_households").selectAll().where("id", "=", pending.id).executeTakeFirstOrThrow()).toMatchObject({ status: "aman", answered_by: v4.id, answered_via: "volunteer" });
  });
});

describe("who is refused", () => {
  it("volunteers, beneficiaries and coordinators of other areas get no command and no button of the feature", async () => {
    const help = await t.app.deps.db.selectFrom("cekaman_help").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
    const eh = (await eventRows(t, eventId)).find((r) => r.volunteer_id === v1.id)!;
    const h = households[0]!;
    const before = await snapshot(t);
    for (const u of [v1, v4, vOther, families[0]!.user, stranger, otherCoord, sukabumiCoord]) {
      const c = chat(u);
      await c.send("/cekaman");
      const isStaff = u.role === "coordinator";
      if (!isStaff) expect(c.lastText()).not.toContain("Mulai cek aman baru");
      const staffButtons = [`ca:t:${eventId}`, `ca:x:${eventId}`, `ca:xy:${eventId}`, `ca:r:${eventId}`, `ca:hk:${help.id}`, `ca:hr:${help.id}`, `ca:hp:${help.id}`, `ca:hl:${help.id}`];
      const fieldButtons = u.id === v1.id ? [] : [`ca:h:${eh.id}:v:0`, `ca:a:${eh.id}:s:v:0`, `ca:a:${eh.id}:n:s:0`, `ca:p:${h.id}`];
      for (const data of [...staffButtons, ...fieldButtons]) {
        await c.tapData(data);
        expect(c.lastCallbackAnswer(), `${u.name} ${data}`).toMatchObject({ show_alert: true });
      }
      if (isStaff) {
        // Their own /cekaman shows nothing of this event.
        await c.send("/cekaman");
        expect(c.lastText()).not.toContain(`#${eventId}`);
      }
    }
    expect(await snapshot(t)).toBe(before);
  });
});

describe("closing", () => {
  it("sends the final report as XLSX (one row per household, NIK masked) and keeps it in the history", async () => {
    const c = chat(coord);
    await c.send("/cekaman");
    expect(c.lastText()).toContain(`#${eventId}`);
    await c.tap(`⏹ Tutup #${eventId}`);
    expect(c.lastText()).toContain("Tutup cek aman");
    await c.tap("✅ Ya, tutup");
    expect(c.lastText()).toContain("ditutup");
    await runJobs(t);
    const docs = t.fake.uploads.filter((u) => u.method === "sendDocument");
    expect(docs).toHaveLength(1);
    expect(docs[0]!.filename).toMatch(new RegExp(`^pendamping_cekaman-${eventId}_2026-11-28\\.xlsx$`));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(docs[0]!.content as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet("Cek Aman")!;
    const rows: string[][] = [];
    sheet.eachRow((r) => rows.push(Array.from({ length: sheet.columnCount }, (_, i) => r.getCell(i + 1).value).map((v) => (v === null || v === undefined ? "" : String(v)))));
    const header = rows[0]!;
    expect(rows).toHaveLength(41);
    const col = (name: string) => header.indexOf(name);
    const db = await t.app.deps.db
      .selectFrom("cekaman_households as eh")
      .innerJoin("households as h", "h.id", "eh.household_id")
      .leftJoin("users as u", "u.id", "eh.answered_by")
      .select(["h.ref_code", "h.head_nik_enc", "eh.status", "eh.answered_via", "u.name", "eh.needs", "eh.shelter"])
      .where("eh.event_id", "=", eventId)
      .execute();
    const labels: Record<string, string> = { pending: "Belum ada kabar", aman: "Aman", butuh_bantuan: "Butuh bantuan", mengungsi: "Mengungsi", tidak_terhubung: "Tidak bisa dihubungi" };
    for (const d of db) {
      const r = rows.find((x) => x[col("Kode keluarga")] === code(d.ref_code))!;
      expect(r, d.ref_code).toBeDefined();
      expect(r[col("Kondisi")]).toBe(labels[d.status]);
      expect(r[col("NIK (disamarkan)")]).toBe(maskNik(t.app.deps.pii.decrypt(d.head_nik_enc!)));
      expect(r[col("NIK (disamarkan)")]).toMatch(/^\d{4}•{8}\d{4}$/);
      expect(r[col("Dilaporkan oleh")]).toBe(d.answered_via === "family" ? "Keluarga sendiri" : (d.name ?? ""));
      expect(r[col("Tempat mengungsi")]).toBe(d.shelter ?? "");
    }
    const event = await t.app.deps.db.selectFrom("cekaman_events").selectAll().where("id", "=", eventId).executeTakeFirstOrThrow();
    expect(event.status).toBe("closed");
    expect(event.report_file_id).not.toBeNull();

    // Closed: answers are refused and nothing more is sent.
    const eh = (await eventRows(t, eventId)).find((r) => r.status === "pending")!;
    await chat(v1).tapData(`ca:a:${eh.id}:s:v:0`);
    expect(chat(v1).lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect((await t.app.deps.db.selectFrom("cekaman_households").select("status").where("id", "=", eh.id).executeTakeFirstOrThrow()).status).toBe("pending");

    // History: the report again, from Telegram's copy.
    await c.send("/cekaman");
    expect(c.lastText()).toContain("Riwayat");
    expect(c.lastText()).toContain(`#${eventId}`);
    await c.tap(`📄 Laporan #${eventId}`);
    expect(t.fake.last("sendDocument")?.payload.document).toBe(event.report_file_id);
  });
});
