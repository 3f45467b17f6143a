import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";

/**
 * The region picker (src/flows/kit/region-picker.ts), driven through the flows that use it:
 * the volunteer registration (a village) and /undang (a coordinator's area). Real region data.
 */
let t: TestApp;
let nextId = 3000;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.deps.db
    .insertInto("users")
    .values([
      { telegram_id: 8101, role: "coordinator", status: "active", name: "Sari Sukabumi", area_code: "32.02", locale: "id" },
      { telegram_id: 8102, role: "coordinator", status: "active", name: "Budi Cibadak", area_code: "32.02.11", locale: "id" },
    ])
    .execute();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

/** A new user at the village step of the registration. */
async function atVillageStep(): Promise<TestUser> {
  nextId += 1;
  const u = t.driver.user({ id: nextId, firstName: "Uji", languageCode: "id" });
  await u.send("/start");
  await u.tap("🙋 Saya relawan (PSM)");
  await u.send("Uji Coba");
  await u.tap("📱 Bagikan nomor HP saya");
  expect(u.lastText()).toContain("desa/kelurahan mana");
  return u;
}

/** Taps "Berikutnya ➡️" until a button matching `label` is on the newest message. */
async function pageTo(u: TestUser, label: string | RegExp): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (u.buttons().some((b) => (typeof label === "string" ? b === label : label.test(b)))) return;
    await u.tap("Berikutnya ➡️");
  }
  throw new Error(`no button ${String(label)} after paging`);
}

async function review(u: TestUser): Promise<string> {
  return u.lastText() ?? "";
}

describe("searching by name", () => {
  it("finds Cibinong: the kelurahan to choose, the district to open", async () => {
    const u = await atVillageStep();
    await u.send("cibinong");
    const buttons = u.buttons();
    expect(buttons).toContain("📂 Kec. Cibinong — Kab. Bogor");
    expect(buttons).toContain("Kel. Cibinong — Kec. Cibinong, Kab. Bogor");
    // Two more villages named Cibinong, told apart by their district and regency.
    expect(buttons).toContain("Desa Cibinong — Kec. Gunungsindur, Kab. Bogor");
    expect(buttons).toContain("Desa Cibinong — Kec. Jatiluhur, Kab. Purwakarta");
    expect(u.lastText()).toContain("Hasil untuk “cibinong”: 5 tempat");

    // Opening the district lists its villages.
    await u.tap("📂 Kec. Cibinong — Kab. Bogor");
    expect(u.lastText()).toContain("Kec. Cibinong — Kab. Bogor");
    expect(u.lastText()).toContain("Pilih desa/kelurahan");
    await pageTo(u, "Kel. Cibinong");
    await u.tap("Kel. Cibinong");
    expect(u.texts()).toContain("📍 Dipilih: Kel. Cibinong — Kec. Cibinong, Kab. Bogor");
    expect(await review(u)).toContain("Desa/kelurahan: Kel. Cibinong — Kec. Cibinong, Kab. Bogor");
    await u.send("/batal");
  });

  it("puts Kota Bandung first for 'kota bandung' and browses into it", async () => {
    const u = await atVillageStep();
    await u.send("kota bandung");
    expect(u.buttons()[0]).toBe("📂 Kota Bandung — Jawa Barat");
    await u.tap("📂 Kota Bandung — Jawa Barat");
    expect(u.lastText()).toContain("Pilih kecamatan");
    expect(u.buttons()).toContain("📂 Kec. Andir");
    await u.tap("📂 Kec. Andir");
    expect(u.lastText()).toContain("Kec. Andir — Kota Bandung");
    await u.tap("⬆️ Naik satu tingkat");
    expect(u.lastText()).toContain("Pilih kecamatan");
    expect(u.buttons()).toContain("📂 Kec. Andir");
    await u.send("/batal");
  });

  it("tells the many Sukamaju apart by their parents and pages through them", async () => {
    const u = await atVillageStep();
    await u.send("sukamaju");
    const text = u.lastText() ?? "";
    const total = Number(/: (\d+) tempat/.exec(text)?.[1]);
    expect(total).toBeGreaterThan(50);
    const first = u.buttons().filter((b) => /Sukamaju — /.test(b));
    expect(first).toHaveLength(8);
    expect(new Set(first).size).toBe(8);
    expect(u.buttons()).toContain("Berikutnya ➡️");
    expect(u.buttons()).not.toContain("⬅️ Sebelumnya");

    await u.tap("Berikutnya ➡️");
    expect(u.lastText()).toContain("hal. 2/");
    const second = u.buttons().filter((b) => /Sukamaju — /.test(b));
    expect(second).toHaveLength(8);
    for (const b of second) expect(first).not.toContain(b);
    expect(u.buttons()).toContain("⬅️ Sebelumnya");

    // Back to the first page, where the one in Kec. Tigapanah, Kab. Karo is, and choose it.
    await u.tap("⬅️ Sebelumnya");
    expect(u.lastText()).toContain("hal. 1/");
    await u.tap("Desa Sukamaju — Kec. Tigapanah, Kab. Karo");
    expect(await review(u)).toContain("Desa Sukamaju — Kec. Tigapanah, Kab. Karo");
    await u.send("/batal");
  });

  it("matches curly and straight apostrophes both ways (Kel. Tapa'an, Desa Regapu’u)", async () => {
    const u = await atVillageStep();
    await u.send("Tapa\u2019an");
    expect(u.buttons()).toContain("Kel. Tapa'an — Kec. Bugul Kidul, Kota Pasuruan");
    await u.send("regapu'u");
    expect(u.buttons()[0]).toBe("Desa Regapu\u2019u — Kec. Paga, Kab. Sikka");
    await u.send("KEL. TAPAAN");
    expect(u.buttons()[0]).toBe("Kel. Tapa'an — Kec. Bugul Kidul, Kota Pasuruan");
    await u.tap("Kel. Tapa'an — Kec. Bugul Kidul, Kota Pasuruan");
    expect(await review(u)).toContain("Kel. Tapa'an — Kec. Bugul Kidul, Kota Pasuruan");
    await u.send("/batal");
  });

  it("answers a query without results, one that is too short, and a sticker", async () => {
    const u = await atVillageStep();
    await u.send("xyzzy plugh");
    expect(u.lastText()).toContain("Tidak ada tempat yang cocok dengan “xyzzy plugh”");
    expect(u.buttons()).toEqual(["🔎 Cari lagi", "📋 Pilih dari daftar", "⬅️ Kembali"]);
    await u.send("a");
    expect(u.lastText()).toBe("Ketik minimal 2 huruf dari nama tempatnya.");
    await u.sendSticker();
    expect(u.lastText()).toContain("Ketik nama tempatnya");
    await u.tap("🔎 Cari lagi");
    expect(u.newTexts().join("\n")).toContain("Di desa/kelurahan mana Anda bertugas?");
    await u.send("warnajati");
    expect(u.buttons()).toContain("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    await u.send("/batal");
  });

  it("refuses forged and stale region buttons", async () => {
    const u = await atVillageStep();
    await u.send("warnajati");
    const staleId = u.lastMessage()?.message_id;
    await u.tapData("f:rg:31.71.01.1001");
    expect(u.lastCallbackAnswer()).toMatchObject({ text: expect.stringContaining("pertanyaan sebelumnya") });
    await u.send("sekarwangi");
    // A button of the earlier result list no longer counts.
    await u.tapData("f:rg:32.02.11.2006", staleId);
    expect(u.lastCallbackAnswer()).toMatchObject({ text: expect.stringContaining("pertanyaan sebelumnya") });
    await u.tap(/^Desa Sekarwangi — Kec\. Cibadak/);
    expect(await review(u)).toContain("Desa Sekarwangi — Kec. Cibadak, Kab. Sukabumi");
    await u.send("/batal");
  });

  it("counts a tap only on the list shown now, even when an older list has the same button", async () => {
    const u = await atVillageStep();
    await u.send("sekarwangi");
    const older = u.lastMessage()!.message_id;
    const data = u.lastMessage()!.reply_markup!.inline_keyboard.flat().find((b) => /Kec\. Cibadak/.test(b.text)) as { callback_data: string };
    // The same search again: a new list with the same buttons.
    await u.send("sekarwangi");
    expect(u.lastMessage()!.message_id).not.toBe(older);
    await u.tapData(data.callback_data, older);
    expect(u.lastCallbackAnswer()).toMatchObject({ text: expect.stringContaining("pertanyaan sebelumnya") });
    expect(u.lastText()).toContain("Hasil untuk “sekarwangi”");
    // The list shown now still works, also after moving through it (the message is edited).
    await u.tap(/^Desa Sekarwangi — Kec\. Cibadak/);
    expect(await review(u)).toContain("Desa Sekarwangi — Kec. Cibadak, Kab. Sukabumi");
    await u.send("/batal");
  });
});

describe("browsing", () => {
  it("goes province → regency → district → village with paged lists, and back up", async () => {
    const u = await atVillageStep();
    await u.tap("📋 Pilih dari daftar");
    expect(u.lastText()).toContain("Pilih provinsi");
    expect(u.lastText()).toContain("(hal. 1/5)");
    const page1 = u.buttons().filter((b) => b.startsWith("📂"));
    expect(page1).toHaveLength(8);
    await pageTo(u, "📂 Jawa Barat");
    await u.tap("📂 Jawa Barat");
    expect(u.lastText()).toContain("Pilih kabupaten/kota");
    await pageTo(u, "📂 Kab. Sukabumi");
    await u.tap("📂 Kab. Sukabumi");
    await pageTo(u, "📂 Kec. Cibadak");
    await u.tap("📂 Kec. Cibadak");
    expect(u.lastText()).toContain("Kec. Cibadak — Kab. Sukabumi");
    await u.tap("⬆️ Naik satu tingkat");
    expect(u.lastText()).toContain("Kab. Sukabumi");
    expect(u.lastText()).toContain("Pilih kecamatan");
    await pageTo(u, "📂 Kec. Cibadak");
    await u.tap("📂 Kec. Cibadak");
    await pageTo(u, "Desa Warnajati");
    await u.tap("Desa Warnajati");
    expect(await review(u)).toContain("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    // Every inline keyboard stayed within Telegram's limits (checked by the fake Bot API).
    await u.send("/batal");
  });
});

describe("a coordinator's area (/undang)", () => {
  it("offers the inviter's own area first and only areas inside it", async () => {
    const sari = t.driver.user({ id: 8101, firstName: "Sari" });
    await sari.send("/undang");
    await sari.tap("🙋 Undang relawan");
    expect(sari.buttons()[0]).toBe("📍 Pakai Kab. Sukabumi — Jawa Barat");
    await sari.send("cibinong");
    // Cibinong lies in Kab. Bogor, outside Sari's area.
    expect(sari.lastText()).toContain("Tidak ada tempat yang cocok");
    await sari.send("cibadak");
    expect(sari.buttons()).toContain("Kec. Cibadak — Kab. Sukabumi");
    expect(sari.buttons().every((b) => !b.includes("Kab. Lebak"))).toBe(true);
    await sari.tap("Kec. Cibadak — Kab. Sukabumi");
    expect(sari.lastText()).toContain("berapa orang");
    await sari.send("/batal");
  });

  it("for coordinator invites, chooses a district by browsing but never the inviter's own area", async () => {
    const sari = t.driver.user({ id: 8101, firstName: "Sari" });
    await sari.send("/undang");
    await sari.tap("🏢 Undang koordinator");
    expect(sari.buttons().some((b) => b.startsWith("📍 Pakai"))).toBe(false);
    await sari.tap("📋 Pilih dari daftar");
    expect(sari.lastText()).toContain("Kab. Sukabumi — Jawa Barat");
    expect(sari.buttons().some((b) => b.startsWith("✅ Pilih seluruh"))).toBe(false);
    expect(sari.buttons()).not.toContain("⬆️ Naik satu tingkat");
    await pageTo(sari, "📂 Kec. Cibadak");
    await sari.tap("📂 Kec. Cibadak");
    expect(sari.buttons()[0]).toBe("✅ Pilih seluruh Kec. Cibadak");
    await sari.tapData("f:rg:32.02");
    expect(sari.lastCallbackAnswer()).toMatchObject({ text: expect.stringContaining("pertanyaan sebelumnya") });
    await sari.tap("✅ Pilih seluruh Kec. Cibadak");
    expect(sari.texts()).toContain("📍 Dipilih: Kec. Cibadak — Kab. Sukabumi");
    expect(sari.lastText()).toContain("berapa orang");
    await sari.send("/batal");
  });
});

describe("replay safety", () => {
  it("continues where it was after the bot restarts (state is plain JSON in the database)", async () => {
    const u = await atVillageStep();
    await u.send("sukamaju");
    await u.tap("Berikutnya ➡️");
    const labels = u.buttons().filter((b) => / — /.test(b));
    t = await t.restart();
    const again = t.driver.user({ id: u.id, firstName: "Uji", languageCode: "id" });
    await again.tap(labels[2] ?? "");
    expect(again.lastText()).toContain("Periksa data Anda");
    expect(again.lastText()).toContain(labels[2]);
    await again.tap("✅ Kirim pendaftaran");
    const row = await t.app.deps.db.selectFrom("users").selectAll().where("telegram_id", "=", u.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: "volunteer", status: "pending", name: "Uji Coba" });
  });
});
