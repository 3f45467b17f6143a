import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { CIBINONG_VILLAGE, seedHousehold, seedUser, shownCode } from "../bot/visit-support.js";

/**
 * The visit report on the form kit: stale taps, typed answers ("kemarin", "darurat",
 * "minggu depan"), going back keeps answers, /batal asks first, the stored conversation
 * stays bounded.
 */
// 09:00 WIB on 28 November 2026.
const START = new Date("2026-11-28T02:00:00Z");

let t: TestApp;
let budi: User;
let h1: { id: number; refCode: string };
let chat: TestUser;

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 2201, role: "volunteer", name: "Budi Santoso", area: CIBINONG_VILLAGE });
  h1 = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Siti Aminah");
  chat = t.driver.user({ id: 2201, firstName: "Budi" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const db = () => t.app.deps.db;

async function stateSize(chatId: number): Promise<number> {
  const row = await db().selectFrom("conversation_state").select("state").where("key", "=", `conv:${chatId}`).executeTakeFirst();
  return row ? JSON.stringify(row.state).length : 0;
}

describe("visit report on the form kit", () => {
  it("answers a tap on an earlier question's button as such (stale tap), and reads typed answers", async () => {
    await chat.send(`/kunjungan ${h1.refCode}`);
    expect(chat.lastText()).toContain(`Kapan Anda berkunjung ke ${shownCode(h1.refCode)}`);
    await chat.send("kemarin");
    expect(chat.lastText()).toContain("Apa tujuan kunjungan ini?");
    // The date question's "Hari ini" button, while the purpose question is open.
    chat.markSeen();
    await chat.tap(/^Hari ini/);
    expect(chat.lastCallbackAnswer()?.["text"]).toContain("Tombol ini dari pertanyaan sebelumnya");
    expect(chat.newTexts()).toEqual([]);
    await chat.send("monitoring");
    await chat.send("kuratif");
    await chat.tap("▫️ Ada anggota sakit");
    await chat.tap("Lanjut ➡️");
    await chat.tap("Lewati");
    await chat.tap("Tidak ada bantuan");
    await chat.send("dinas sosial");
    expect(chat.lastText()).toContain("Seberapa mendesak");
    await chat.send("darurat");
    await chat.send("ya");
    await chat.send("minggu depan");
    expect(chat.lastText()).toContain("Lampiran");
    await chat.tap("Lewati");
    const review = chat.lastText() ?? "";
    expect(review).toContain("Tanggal kunjungan: 27 November 2026");
    expect(review).toContain("Tujuan: Monitoring");
    expect(review).toContain("Intervensi: Kuratif (penanganan)");
    expect(review).toContain("Rujukan: Dinas Sosial");
    expect(review).toContain("Urgensi: 🚨 Darurat");
    expect(review).toContain("Kunjungan berikutnya: 5 Desember 2026");
    // "Kembali" from the review goes to the last step; going back further shows the answers.
    await chat.tap("⬅️ Kembali");
    expect(chat.lastText()).toContain("Lampiran");
    await chat.tap("⬅️ Kembali");
    expect(chat.lastText()).toContain("Tersimpan sekarang: 5 Desember 2026");
    await chat.tap("✅ Pakai yang tersimpan");
    await chat.tap("Lewati");
    await chat.tap("💾 Simpan laporan");
    expect(chat.lastText()).toContain("sudah tersimpan");
    const visit = await db().selectFrom("visits").selectAll().where("household_id", "=", h1.id).executeTakeFirstOrThrow();
    expect(visit).toMatchObject({ visited_on: "2026-11-27", purpose: "monitoring", intervention: "kuratif", referral: "dinsos", urgency: "darurat", next_visit_date: "2026-12-05" });
    expect(await stateSize(chat.id)).toBe(0);
  });

  it("refuses a date typed as 'besok' for a visit (it has not happened yet)", async () => {
    await chat.send(`/kunjungan ${h1.refCode}`);
    await chat.send("besok");
    expect(chat.lastText()).toContain("Tanggal itu belum lewat");
    await chat.send("/batal");
    expect(chat.lastText()).toContain("Isian yang belum selesai sudah dihapus");
  });

  it("asks before /batal throws a report away, and keeps it when asked to", async () => {
    await chat.send(`/kunjungan ${h1.refCode}`);
    await chat.tap(/^Hari ini/);
    await chat.tap("Monitoring");
    await chat.send("/batal");
    expect(chat.lastText()).toContain("Hentikan pengisian laporan kunjungan?");
    await chat.tap("↩️ Tidak, lanjutkan mengisi");
    // Still at the intervention question.
    await chat.tap("Preventif (pencegahan)");
    expect(chat.lastText()).toContain("Keadaan apa yang Anda temukan?");
    // A confirmation left open while the person answered on no longer counts.
    await chat.send("/batal");
    await chat.tap("▫️ Ada anggota sakit");
    await chat.tap("Lanjut ➡️");
    expect(chat.lastText()).toContain("Ceritakan singkat keadaan keluarga");
    chat.markSeen();
    await chat.tap("🗑️ Ya, hentikan dan hapus");
    expect(chat.lastCallbackAnswer()?.["text"]).toContain("Tombol ini dari pertanyaan sebelumnya");
    expect(await stateSize(chat.id)).toBeGreaterThan(0);
    await chat.send("/kunjungan");
    expect(chat.lastText()).toContain("Anda sedang mengisi laporan kunjungan — langkah: cerita keadaan");
    await chat.send("/batal");
    await chat.tap("🗑️ Ya, hentikan dan hapus");
    expect(chat.lastText()).toContain("dibatalkan");
    expect(await stateSize(chat.id)).toBe(0);
  });

  it("keeps the stored report the same size after going back and forth", async () => {
    await chat.send(`/kunjungan ${h1.refCode}`);
    await chat.tap(/^Hari ini/);
    await chat.tap("Monitoring");
    const straight = await stateSize(chat.id);
    for (let i = 0; i < 25; i++) {
      await chat.tap("⬅️ Kembali");
      await chat.tap("✓ Monitoring");
    }
    expect(chat.lastText()).toContain("Jenis intervensi");
    expect(await stateSize(chat.id)).toBeLessThanOrEqual(2 * straight);
    await chat.send("/batal");
    await chat.tap("🗑️ Ya, hentikan dan hapus");
  });
});
