import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import {
  CIBINONG_VILLAGE,
  GUNUNG_PUTRI_VILLAGE,
  seedHousehold,
  seedUser,
  shownCode,
} from "./visit-support.js";

// 03:00 WIB on 28 November 2026: before the morning messages of every zone, so that the
// worker runs below only carry what the tests are about.
const START = new Date("2026-11-27T20:00:00Z");

let t: TestApp;
let budi: User;
let sari: User;
let h1: { id: number; refCode: string };
let h2: { id: number; refCode: string };
let budiChat: TestUser;
let sariChat: TestUser;

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_VILLAGE });
  sari = await seedUser(t, { tg: 2002, role: "volunteer", name: "Sari Wulandari", area: GUNUNG_PUTRI_VILLAGE });
  h1 = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Siti Aminah");
  h2 = await seedHousehold(t, sari, GUNUNG_PUTRI_VILLAGE, "Yohana Purba");
  budiChat = t.driver.user({ id: 2001, firstName: "Budi" });
  sariChat = t.driver.user({ id: 2002, firstName: "Sari" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const db = () => t.app.deps.db;

describe("visit report (/kunjungan)", () => {
  it("records a full report, every field checked in the database", async () => {
    await budiChat.send("/kunjungan");
    expect(budiChat.lastText()).toContain("Keluarga mana yang Anda kunjungi?");
    // Only Budi's own household is offered.
    expect(budiChat.buttons()).toEqual([`${shownCode(h1.refCode)} · Siti Aminah`, "⬅️ Kembali"]);
    await budiChat.tap(`${shownCode(h1.refCode)} · Siti Aminah`);
    expect(budiChat.lastText()).toContain("Kapan Anda berkunjung");
    expect(budiChat.buttons()).toEqual(["Hari ini (28 November 2026)", "Kemarin (27 November 2026)", "⬅️ Kembali"]);

    // Dates in the future or more than 30 days back are refused with a clear reason.
    await budiChat.send("29-11-2026");
    expect(budiChat.lastText()).toContain("Tanggal itu belum lewat");
    await budiChat.send("20-10-2026");
    expect(budiChat.lastText()).toContain("30 hari terakhir (sejak 29 Oktober 2026)");
    await budiChat.send("besok lusa");
    expect(budiChat.lastText()).toContain("Tanggalnya belum terbaca");
    await budiChat.sendSticker();
    expect(budiChat.lastText()).toContain("Pilih tombol tanggal di atas");
    await budiChat.tap("Kemarin (27 November 2026)");

    expect(budiChat.lastText()).toContain("Apa tujuan kunjungan ini?");
    await budiChat.tap("Monitoring");
    expect(budiChat.lastText()).toContain("Jenis intervensi");
    // "Kembali" returns to the previous step, nothing lost.
    await budiChat.tap("⬅️ Kembali");
    expect(budiChat.lastText()).toContain("Apa tujuan kunjungan ini?");
    expect(budiChat.buttons()).toContain("✓ Monitoring");
    await budiChat.tap("✓ Monitoring");
    await budiChat.tap("Kuratif (penanganan)");

    expect(budiChat.lastText()).toContain("Keadaan apa yang Anda temukan?");
    await budiChat.tap("Lanjut ➡️");
    expect(budiChat.lastCallbackAnswer()?.["text"]).toContain("Pilih paling sedikit satu keadaan");
    await budiChat.tap("▫️ Ada anggota sakit");
    await budiChat.tap("▫️ Kekurangan makan");
    await budiChat.tap("▫️ Lainnya");
    expect(budiChat.buttons()).toContain("✅ Ada anggota sakit");
    await budiChat.tap("Lanjut ➡️");

    // "Lainnya" makes the description required (no skip button).
    expect(budiChat.lastText()).toContain("Anda memilih “Lainnya”");
    expect(budiChat.buttons()).toEqual(["⬅️ Kembali"]);
    await budiChat.send("Atap bocor, ibu demam tinggi sejak tiga hari");
    expect(budiChat.lastText()).toContain("Bantuan apa yang Anda berikan");
    await budiChat.send("Mengantar sembako dan obat penurun panas");
    expect(budiChat.lastText()).toContain("dirujuk ke pihak lain");
    await budiChat.tap("Lainnya");
    expect(budiChat.lastText()).toContain("Dirujuk ke mana?");
    await budiChat.send("Klinik Pratama Sehat Bersama");
    expect(budiChat.lastText()).toContain("Seberapa mendesak");
    await budiChat.tap("Perlu perhatian");
    expect(budiChat.lastText()).toContain("Perlu kunjungan lanjutan?");
    await budiChat.tap("Ya");
    // "Perlu perhatian": the suggested next visit is 7 days after the visit.
    expect(budiChat.buttons()[0]).toBe("4 Desember 2026 (7 hari setelah kunjungan) — disarankan");
    await budiChat.send("1-12-2026");
    expect(budiChat.lastText()).toContain("Lampiran");
    await budiChat.sendPhoto();
    expect(budiChat.lastText()).toContain("Sudah diterima: 1 foto.");
    await budiChat.sendPhoto();
    await budiChat.sendVoice();
    await budiChat.sendLocation(-6.4812, 106.8541);
    await budiChat.send("ini teks");
    expect(budiChat.lastText()).toContain("Kirim foto, pesan suara, atau lokasi");
    expect(budiChat.lastText()).not.toContain("Lampiran (boleh");
    await budiChat.tap("✅ Selesai");

    let review = budiChat.lastText() ?? "";
    expect(review).toContain("Periksa laporan kunjungan");
    expect(review).toContain(`Keluarga: ${shownCode(h1.refCode)} · Siti Aminah, Kel. Pondok Rajeg`);
    expect(review).toContain("Tanggal kunjungan: 27 November 2026");
    expect(review).toContain("Tujuan: Monitoring");
    expect(review).toContain("Keadaan: Ada anggota sakit, Kekurangan makan, Lainnya");
    expect(review).toContain("Rujukan: Lainnya — Klinik Pratama Sehat Bersama");
    expect(review).toContain("Kunjungan berikutnya: 1 Desember 2026");
    expect(review).toContain("Lampiran: 2 foto, 1 pesan suara, lokasi");

    // Edit one field from the review, then come back to it.
    await budiChat.tap("✏️ Tujuan");
    await budiChat.tap("Asesmen");
    review = budiChat.lastText() ?? "";
    expect(review).toContain("Tujuan: Asesmen");
    await budiChat.tap("💾 Simpan laporan");
    expect(budiChat.lastText()).toContain("sudah tersimpan");
    expect(budiChat.lastText()).toContain("Kunjungan berikutnya: 1 Desember 2026");
    expect(budiChat.lastText()).toContain("ringkasan harian koordinator");

    const visit = await db().selectFrom("visits").selectAll().where("household_id", "=", h1.id).executeTakeFirstOrThrow();
    expect(visit).toMatchObject({
      volunteer_id: budi.id,
      visited_on: "2026-11-27",
      purpose: "asesmen",
      intervention: "kuratif",
      conditions: ["sakit", "kurang_pangan", "lainnya"],
      condition_note: "Atap bocor, ibu demam tinggi sejak tiga hari",
      help_given: "Mengantar sembako dan obat penurun panas",
      referral: "lainnya",
      referral_note: "Klinik Pratama Sehat Bersama",
      follow_up: true,
      next_visit_date: "2026-12-01",
      urgency: "perhatian",
      latitude: -6.4812,
      longitude: 106.8541,
    });
    // The message that started the report was written at the test clock's time.
    expect(visit.written_at.toISOString()).toBe(START.toISOString());
    const media = await db().selectFrom("visit_media").select(["kind", "file_id"]).where("visit_id", "=", visit.id).orderBy("id").execute();
    expect(media.map((m) => m.kind)).toEqual(["photo", "photo", "voice"]);
    expect(media.every((m) => m.file_id.length > 0)).toBe(true);
    const household = await db().selectFrom("households").selectAll().where("id", "=", h1.id).executeTakeFirstOrThrow();
    expect(household.next_visit_date).toBe("2026-12-01");
    // An earlier day than the report: noon of that day, local time (12:00 WIB = 05:00 UTC).
    expect(household.last_visit_at?.toISOString()).toBe("2026-11-27T05:00:00.000Z");
    // No alert for "perlu perhatian"; the flow is finished; the audit holds no personal data.
    expect(await db().selectFrom("alerts").selectAll().execute()).toEqual([]);
    expect(await db().selectFrom("conversation_state").selectAll().execute()).toEqual([]);
    const entry = await db().selectFrom("audit_log").selectAll().where("action", "=", "visit.created").executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_id: budi.id, entity: "visit", entity_id: String(visit.id) });
    expect(JSON.stringify(entry.details)).not.toMatch(/Siti|Atap|Klinik|sembako/);
    expect(t.logs.join("\n")).not.toMatch(/Siti Aminah|Atap bocor|Klinik Pratama/);
  });

  it("keeps the time a late-delivered report was written, and 'today' is that day", async () => {
    const written = Math.floor(START.getTime() / 1000) - 3 * 24 * 3600; // 3 days before delivery
    await budiChat.send("/kunjungan", { date: written });
    await budiChat.tap(/Siti Aminah/);
    expect(budiChat.buttons()[0]).toBe("Hari ini (25 November 2026)");
    await budiChat.tap("Hari ini (25 November 2026)");
    await budiChat.tap("Monitoring");
    await budiChat.tap("Preventif (pencegahan)");
    await budiChat.tap("▫️ Keadaan baik / stabil");
    await budiChat.tap("Lanjut ➡️");
    await budiChat.tap("Lewati");
    await budiChat.tap("Tidak ada bantuan");
    await budiChat.tap("Tidak dirujuk");
    await budiChat.tap("Biasa");
    await budiChat.tap("Tidak");
    await budiChat.tap("Lewati");
    expect(budiChat.lastText()).toContain("Kunjungan berikutnya: tidak perlu kunjungan lanjutan");
    await budiChat.tap("💾 Simpan laporan");
    expect(budiChat.lastText()).toContain("sudah tersimpan");

    const visit = await db()
      .selectFrom("visits")
      .selectAll()
      .where("household_id", "=", h1.id)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(visit.written_at.toISOString()).toBe(new Date(written * 1000).toISOString());
    expect(visit).toMatchObject({ visited_on: "2026-11-25", follow_up: false, next_visit_date: null, urgency: "biasa", conditions: ["stabil"] });
    expect(visit.created_at.toISOString()).toBe(START.toISOString());
    // An older visit does not overwrite what the newer one decided.
    const household = await db().selectFrom("households").selectAll().where("id", "=", h1.id).executeTakeFirstOrThrow();
    expect(household.next_visit_date).toBe("2026-12-01");
    expect(household.last_visit_at?.toISOString()).toBe("2026-11-27T05:00:00.000Z");
  });

  it("changes answers from the review: the follow-up date, the referral, the attachments", async () => {
    await budiChat.send(`/kunjungan ${h1.refCode}`);
    await budiChat.tap(/^Hari ini/);
    await budiChat.tap("Rujukan");
    await budiChat.tap("Rehabilitatif (pemulihan)");
    await budiChat.tap("▫️ Tidak punya KTP/KK/akta");
    await budiChat.tap("Lanjut ➡️");
    await budiChat.tap("Lewati");
    await budiChat.send("Membantu mengisi formulir Dukcapil");
    await budiChat.tap("Lainnya");
    await budiChat.send("Kantor desa");
    await budiChat.tap("Biasa");
    await budiChat.tap("Ya");
    expect(budiChat.buttons()[0]).toBe("28 Desember 2026 (30 hari setelah kunjungan) — disarankan");
    await budiChat.tap(/disarankan$/);
    await budiChat.sendPhoto();
    await budiChat.tap("✅ Selesai");
    expect(budiChat.lastText()).toContain("Kunjungan berikutnya: 28 Desember 2026");

    await budiChat.tap("✏️ Tindak lanjut");
    await budiChat.tap("✓ Ya");
    await budiChat.send("15 Des 2026");
    expect(budiChat.lastText()).toContain("Kunjungan berikutnya: 15 Desember 2026");
    await budiChat.tap("✏️ Rujukan");
    await budiChat.tap("Dukcapil");
    expect(budiChat.lastText()).toContain("Rujukan: Dukcapil");
    await budiChat.tap("✏️ Lampiran");
    await budiChat.sendVoice();
    await budiChat.tap("✅ Selesai");
    expect(budiChat.lastText()).toContain("Lampiran: 1 foto, 1 pesan suara");
    // "Kembali" inside an edit returns to the review unchanged.
    await budiChat.tap("✏️ Urgensi");
    await budiChat.tap("⬅️ Kembali");
    expect(budiChat.lastText()).toContain("Urgensi: Biasa");
    await budiChat.tap("💾 Simpan laporan");
    const visit = await db().selectFrom("visits").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(visit).toMatchObject({
      visited_on: "2026-11-28",
      purpose: "rujukan",
      intervention: "rehabilitatif",
      conditions: ["tanpa_dokumen"],
      condition_note: null,
      help_given: "Membantu mengisi formulir Dukcapil",
      referral: "dukcapil",
      referral_note: null,
      follow_up: true,
      next_visit_date: "2026-12-15",
    });
    // Visited today: the last visit is the time the report was written; the newest visit sets the next date.
    const household = await db().selectFrom("households").selectAll().where("id", "=", h1.id).executeTakeFirstOrThrow();
    expect(household.last_visit_at?.toISOString()).toBe(START.toISOString());
    expect(household.next_visit_date).toBe("2026-12-15");
    // Put the household back as the first test left it.
    await db().updateTable("households").set({ next_visit_date: "2026-12-01", last_visit_at: "2026-11-27T05:00:00Z" }).where("id", "=", h1.id).execute();
    await db().deleteFrom("visits").where("id", "=", visit.id).execute();
  });

  it("searches households by name, and /batal leaves without saving", async () => {
    const before = await db().selectFrom("visits").select("id").execute();
    await budiChat.send("/kunjungan");
    await budiChat.send("yohana");
    expect(budiChat.lastText()).toContain("Tidak ada keluarga dampingan yang cocok dengan “yohana”");
    await budiChat.send("aminah");
    expect(budiChat.lastText()).toContain("Hasil pencarian “aminah”: 1 keluarga");
    await budiChat.tap(/Siti Aminah/);
    await budiChat.send("/batal");
    // The report has an answer: /batal asks first.
    expect(budiChat.lastText()).toContain("Hentikan pengisian laporan kunjungan?");
    await budiChat.tap("🗑️ Ya, hentikan dan hapus");
    expect(budiChat.lastText()).toContain("dibatalkan");
    expect(await db().selectFrom("visits").select("id").execute()).toEqual(before);
    expect(await db().selectFrom("conversation_state").selectAll().execute()).toEqual([]);
  });
});

describe("ownership", () => {
  it("refuses a report on another volunteer's household, even with forged callbacks", async () => {
    const before = (await db().selectFrom("visits").select("id").execute()).length;
    // Forged "Laporkan" button for Budi's household, under a bot message in Sari's private chat.
    await sariChat.send("/bantuan");
    await sariChat.tapData(`vr:${h1.id}`);
    expect(sariChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(String(sariChat.lastCallbackAnswer()?.["text"])).toContain("bukan dampingan Anda");
    expect(await db().selectFrom("conversation_state").selectAll().execute()).toEqual([]);
    // Forged history, visit and attachment buttons.
    const visit = await db().selectFrom("visits").select("id").where("household_id", "=", h1.id).executeTakeFirstOrThrow();
    for (const data of [`vh:${h1.id}:1`, `vv:${visit.id}`, `vm:${visit.id}`]) {
      sariChat.markSeen();
      await sariChat.tapData(data);
      expect(String(sariChat.lastCallbackAnswer()?.["text"])).toContain("bukan dampingan Anda");
      expect(sariChat.newTexts()).toEqual([]);
    }
    // /kunjungan with Budi's household code.
    await sariChat.send(`/kunjungan ${h1.refCode}`);
    expect(sariChat.lastText()).toContain("tidak ada di daftar dampingan Anda");
    // Inside the flow: a forged pick of Budi's household on Sari's list is refused.
    await sariChat.send("/kunjungan");
    expect(sariChat.buttons()).toEqual([`${shownCode(h2.refCode)} · Yohana Purba`, "⬅️ Kembali"]);
    await sariChat.tapData(`f:hh:${h1.id}`);
    expect(String(sariChat.lastCallbackAnswer()?.["text"])).toContain("Tombol ini dari pertanyaan sebelumnya");
    expect(sariChat.lastText()).toContain("Keluarga mana yang Anda kunjungi?");
    await sariChat.send("/batal");
    expect((await db().selectFrom("visits").select("id").execute()).length).toBe(before);
  });

  it("checks ownership again when saving (household reassigned meanwhile)", async () => {
    const before = (await db().selectFrom("visits").select("id").execute()).length;
    await sariChat.send(`/kunjungan ${h2.refCode}`);
    await sariChat.tap(/^Hari ini/);
    await sariChat.tap("Monitoring");
    await sariChat.tap("Preventif (pencegahan)");
    await sariChat.tap("▫️ Keadaan baik / stabil");
    await sariChat.tap("Lanjut ➡️");
    await sariChat.tap("Lewati");
    await sariChat.tap("Tidak ada bantuan");
    await sariChat.tap("Tidak dirujuk");
    await sariChat.tap("Biasa");
    await sariChat.tap("Tidak");
    await sariChat.tap("Lewati");
    await db().updateTable("households").set({ volunteer_id: budi.id }).where("id", "=", h2.id).execute();
    try {
      await sariChat.tap("💾 Simpan laporan");
      expect(sariChat.lastText()).toContain("bukan dampingan Anda");
      expect((await db().selectFrom("visits").select("id").execute()).length).toBe(before);
      expect(await db().selectFrom("conversation_state").selectAll().execute()).toEqual([]);
    } finally {
      await db().updateTable("households").set({ volunteer_id: sari.id }).where("id", "=", h2.id).execute();
    }
  });
});

describe("history on the household card", () => {
  it("shows the visits newest first, paged, and opens one in full", async () => {
    // Five more visits, seeded directly, so that there are two pages.
    for (let i = 0; i < 5; i++) {
      await db()
        .insertInto("visits")
        .values({
          household_id: h1.id,
          volunteer_id: budi.id,
          visited_on: `2026-11-0${i + 1}`,
          written_at: `2026-11-0${i + 1}T03:00:00Z`,
          purpose: "monitoring",
          intervention: "preventif",
          conditions: ["stabil"],
          follow_up: false,
          urgency: "biasa",
        })
        .execute();
    }
    await budiChat.tapData(`hh:open:${h1.id}`);
    expect(budiChat.buttons()).toEqual(expect.arrayContaining(["📝 Laporkan kunjungan", "📋 Riwayat kunjungan"]));
    await budiChat.tap("📋 Riwayat kunjungan");
    const first = budiChat.lastText() ?? "";
    expect(first).toContain("Riwayat kunjungan");
    const lines = first.split("\n").filter((l) => /^\d+\. /.test(l));
    expect(lines[0]).toContain("1. 27 November 2026 · Asesmen · Perlu perhatian · oleh Budi Santoso");
    expect(lines[1]).toContain("2. 25 November 2026 · Monitoring · Biasa");
    expect(lines[2]).toContain("3. 5 November 2026");
    expect(lines).toHaveLength(5);
    expect(first).toContain("Hal. 1/2");
    const historyMessage = budiChat.lastMessage()!.message_id;
    await budiChat.tap("Berikutnya ➡️");
    // Paging edits the same message.
    expect(budiChat.lastMessage()!.message_id).toBe(historyMessage);
    expect(budiChat.lastText()).toContain("6. 2 November 2026");
    expect(budiChat.lastText()).toContain("7. 1 November 2026");
    await budiChat.tap("⬅️ Sebelumnya");
    await budiChat.tap("1. 27 November 2026");
    const full = budiChat.lastText() ?? "";
    expect(full).toContain("Laporan kunjungan");
    expect(full).toContain("Dilaporkan oleh Budi Santoso · ditulis 28 November 2026, 03.00 WIB");
    expect(full).toContain("Cerita keadaan: Atap bocor, ibu demam tinggi sejak tiga hari");
    expect(full).toContain("Bantuan diberikan: Mengantar sembako dan obat penurun panas");
    await budiChat.tap("📎 Lihat lampiran");
    expect(t.fake.callsOf("sendMediaGroup").at(-1)?.payload).toMatchObject({ chat_id: 2001 });
    expect(t.fake.callsOf("sendVoice").at(-1)?.payload).toMatchObject({ chat_id: 2001 });
    expect(t.fake.callsOf("sendLocation").at(-1)?.payload).toMatchObject({ chat_id: 2001, latitude: -6.4812 });
  });

  it("starts a report from the card's button, straight at the date", async () => {
    await budiChat.tapData(`hh:open:${h1.id}`);
    await budiChat.tap("📝 Laporkan kunjungan");
    expect(budiChat.lastText()).toContain(`Kapan Anda berkunjung ke ${shownCode(h1.refCode)} · Siti Aminah?`);
    // A second "Laporkan" tap while the report is open does not start another one.
    await budiChat.tapData(`vr:${h1.id}`);
    expect(String(budiChat.lastCallbackAnswer()?.["text"])).toContain("masih mengisi data lain");
    // Kembali on the first step goes to the household list.
    await budiChat.tap("⬅️ Kembali");
    expect(budiChat.lastText()).toContain("Keluarga mana yang Anda kunjungi?");
    await budiChat.tap("⬅️ Kembali");
    expect(budiChat.lastText()).toContain("tidak jadi dibuat");
  });
});
