import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { CIBINONG_VILLAGE, seedHousehold, seedUser } from "../bot/visit-support.js";

/**
 * Volunteer registration on the form kit (stale taps, keeping a stored answer), and the
 * status change that asks before "Diverifikasi".
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const db = () => t.app.deps.db;

describe("volunteer registration on the form kit", () => {
  it("answers a tap on an earlier summary's button as such (stale tap), and keeps a stored phone with one tap", async () => {
    const u = t.driver.user({ id: 2301, firstName: "Tia", languageCode: "id" });
    await u.send("/start");
    await u.tap("🙋 Saya relawan (PSM)");
    await u.send("Tia Kurniasih");
    await u.tap("📱 Bagikan nomor HP saya");
    await u.send("warnajati");
    await u.tap("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    expect(u.lastText()).toContain("Periksa data Anda");
    const review = u.lastMessage()!.message_id;

    // The phone again, from the review: the stored number can be kept with one tap.
    await u.tap("✏️ Ubah nomor HP");
    expect(u.lastText()).toContain("Tersimpan sekarang: +628120002301");
    expect(u.replyKeyboard()).toContain("✅ Tetap: +628120002301");
    // The earlier summary's "Kirim pendaftaran" does not send anything meanwhile.
    u.markSeen();
    await u.tapData("f:save", review);
    expect(u.lastCallbackAnswer()?.["text"]).toContain("Tombol ini dari pertanyaan sebelumnya");
    expect(u.newTexts()).toEqual([]);
    expect((await db().selectFrom("users").selectAll().where("telegram_id", "=", 2301).executeTakeFirstOrThrow()).status).toBe("active");
    expect(await db().selectFrom("volunteer_applications").selectAll().execute()).toEqual([]);

    await u.tap("✅ Tetap: +628120002301");
    expect(u.replyKeyboard()).toEqual([]);
    expect(u.lastText()).toContain("Periksa data Anda");
    await u.tap("✅ Kirim pendaftaran");
    expect(u.lastText()).toContain("sudah kami kirim ke koordinator");
    const row = await db().selectFrom("users").selectAll().where("telegram_id", "=", 2301).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: "volunteer", status: "pending", name: "Tia Kurniasih", phone: "+628120002301" });
  });

  it("says which form and step a command interrupts", async () => {
    const u = t.driver.user({ id: 2302, firstName: "Eka", languageCode: "id" });
    await u.send("/start");
    await u.tap("🙋 Saya relawan (PSM)");
    await u.send("Eka Putri");
    await u.send("/bantuan");
    await u.send("/keluarga");
    expect(u.lastText()).toContain("Anda sedang mengisi pendaftaran relawan — langkah: nomor HP");
    await u.send("/batal");
    expect(u.lastText()).toContain("Hentikan pengisian pendaftaran relawan?");
    await u.tap("🗑️ Ya, hentikan dan hapus");
    expect(u.replyKeyboard()).toEqual([]);
    expect(await db().selectFrom("conversation_state").selectAll().where("key", "=", "conv:2302").execute()).toEqual([]);
  });
});

describe("status change: Diverifikasi asks first (bug 10)", () => {
  it("changes nothing on the first tap; one tap confirms, one goes back", async () => {
    const volunteer = await seedUser(t, { tg: 2310, role: "volunteer", name: "Nina Sari", area: CIBINONG_VILLAGE });
    await seedUser(t, { tg: 2311, role: "coordinator", name: "Bambang", area: "32.01.01" });
    const h = await seedHousehold(t, volunteer, CIBINONG_VILLAGE, "Maryam");
    const c = t.driver.user({ id: 2311, firstName: "Bambang" });
    await c.send("/start");
    await c.tapData(`hh:open:${h.id}`);
    await c.tap("🔄 Ubah status");
    await c.tap("Diverifikasi");
    expect(c.lastText()).toContain("sebagai Diverifikasi?");
    expect(c.buttons()).toEqual(["✅ Ya, tandai Diverifikasi", "⬅️ Batal"]);
    const status = async () => (await db().selectFrom("households").select("status").where("id", "=", h.id).executeTakeFirstOrThrow()).status;
    expect(await status()).toBe("terdaftar");
    await c.tap("⬅️ Batal");
    expect(c.lastText()).toContain("status tidak diubah");
    expect(await status()).toBe("terdaftar");

    await c.tap("Diverifikasi");
    await c.tap("✅ Ya, tandai Diverifikasi");
    expect(c.lastText()).toContain("Terdaftar → Diverifikasi");
    expect(await status()).toBe("diverifikasi");
    const history = await db().selectFrom("household_status_history").selectAll().where("household_id", "=", h.id).orderBy("id").execute();
    expect(history.map((r) => r.to_status)).toEqual(["terdaftar", "diverifikasi"]);
  });
});
