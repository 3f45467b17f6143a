import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";

const VILLAGE = "32.01.01.1002"; // Karadenan, Kec. Cibinong, Kab. Bogor
const NIK = "3201014508680001"; // female, born 05-08-1968
const KK = "3201012001150003";
const CHILD_NIK = "3201015203100002"; // female, born 12-03-2010

let t: TestApp;

async function seedVolunteer(id: number, name: string, area = VILLAGE): Promise<number> {
  const row = await t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: id, role: "volunteer", status: "active", name, locale: "id", area_code: area, phone: "+6281200000000" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  t = await createTestApp();
  await seedVolunteer(2001, "Siti Rahma");
  await seedVolunteer(2002, "Dewi Lestari");
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

/** Every text value in every table, to prove that no identity number is stored in plain text. */
async function dumpAllTables(): Promise<string> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(t.app.deps.db);
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    if (table_name === "regions") continue;
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t`.execute(t.app.deps.db);
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join("\n");
}

/** /batal in a form with answers asks first (issue 18, bug 10): confirm it. */
async function cancelFlow(u: TestUser) {
  await u.send("/batal");
  if (u.buttons().includes("🗑️ Ya, hentikan dan hapus")) await u.tap("🗑️ Ya, hentikan dan hapus");
}

async function answerUntilVillage(u: TestUser, opts: { name: string; nik: string; kk: string }) {
  await u.send("/daftar");
  await u.tap("✅ Keluarga setuju");
  await u.send(opts.name);
  await u.send(opts.nik);
  await u.tap("✅ Benar");
  await u.send(opts.kk);
}

describe("household registration (/daftar)", () => {
  it("registers a household end to end, checking every field in the database", async () => {
    const siti = t.driver.user({ id: 2001, firstName: "Siti" });
    await siti.send("/daftar");
    expect(siti.lastText()).toContain("bacakan ini kepada keluarga");
    await siti.tap("✅ Keluarga setuju");
    expect(siti.texts().join("\n")).toContain("Persetujuan keluarga sudah dicatat");
    expect(siti.lastText()).toContain("nama lengkap Kepala Keluarga");

    // A sticker, a photo and an edit where a name is expected: gentle reminders, nothing lost.
    await siti.sendSticker();
    expect(siti.lastText()).toContain("dalam bentuk teks");
    await siti.send("x");
    expect(siti.lastText()).toContain("terlalu pendek");
    await siti.send("siti aminah");
    expect(siti.lastText()).toContain("NIK");
    await siti.editLastText("siti aminah binti umar");
    expect(siti.lastText()).toContain("Pesan yang diedit tidak kami baca ulang");

    // NIK problems, each explained precisely.
    await siti.send("320101450868000");
    expect(siti.lastText()).toContain("NIK harus 16 angka, yang terkirim 15 angka");
    await siti.send("3201019908680001");
    expect(siti.lastText()).toContain("Digit ke-7–8 (tanggal lahir) = 99");
    await siti.send("3201014513680001");
    expect(siti.lastText()).toContain("Digit ke-9–10 (bulan lahir) = 13");
    await siti.send("3201017102690001");
    expect(siti.lastText()).toContain("tidak ada di kalender");
    await siti.send("3201014508680000");
    expect(siti.lastText()).toContain("tidak boleh 0000");

    const nikUpdate = await siti.send("3201 0145 0868 0001");
    const nikMessageId = nikUpdate.message!.message_id;
    expect(siti.deletedMessageIds()).toContain(nikMessageId);
    const texts = siti.newTexts().join("\n");
    expect(texts).toContain("NIK diterima: 3201••••••••0001");
    expect(texts).toContain("sudah kami hapus dari obrolan");
    expect(siti.lastText()).toContain("45: untuk perempuan tanggal ditambah 40, jadi 45 berarti tanggal 5");
    expect(siti.lastText()).toContain("Perempuan, lahir 5 Agustus 1968");
    await siti.tap("✅ Benar");

    // KK: equal to the NIK is refused, then a good one.
    await siti.send(NIK);
    expect(siti.lastText()).toContain("Nomor KK sama dengan NIK");
    await siti.send(KK);
    expect(siti.newTexts().join("\n")).toContain("Nomor KK diterima: 3201••••••••0003");

    // Village: the volunteer's own village is offered first.
    expect(siti.lastText()).toContain("desa/kelurahan");
    await siti.tap(/^📍/);
    expect(siti.lastText()).toContain("RT/RW");
    await siti.send("rt tiga");
    expect(siti.lastText()).toContain("Format RT/RW belum terbaca");
    await siti.send("3/5");
    await siti.send("Jl. Melati No. 5, dekat masjid");
    await siti.tap("📍 Kirim lokasi sekarang");
    expect(siti.newTexts().join("\n")).toContain("Lokasi rumah tersimpan");

    // Household members, with a member NIK.
    await siti.tap("3");
    await siti.tap("📝 Isi sekarang");
    await siti.send("Budi Santoso");
    await siti.tap("Suami");
    await siti.tap("Lewati");
    await siti.send("Ani");
    await siti.tap("Anak");
    await siti.send(CHILD_NIK);

    // PPKS: multi-select over pages.
    expect(siti.lastText()).toContain("kategori PPKS");
    await siti.tap(/Selesai \(0 dipilih\)/);
    expect(siti.lastText()).toContain("Pilih minimal satu kategori PPKS");
    await siti.tap("▫️ Lansia terlantar");
    await siti.tap("Berikutnya ➡️");
    await siti.tap("Berikutnya ➡️");
    await siti.tap("▫️ Fakir miskin");
    await siti.tap("✅ Selesai (2 dipilih)");

    await siti.tap("Tidak layak huni (RTLH)");
    await siti.tap("▫️ PKH");
    await siti.tap("▫️ PBI-JK (BPJS gratis)");
    await siti.tap("✅ Selesai (2 dipilih)");
    await siti.tap("▫️ Pangan");
    await siti.tap("▫️ Kesehatan / berobat");
    await siti.tap("✅ Selesai (2 dipilih)");
    await siti.send("Kursi roda untuk ibu");
    await siti.tap("2");
    await siti.sendPhoto();
    await siti.sendPhoto();
    expect(siti.lastText()).toContain("Foto ke-2 diterima");
    await siti.tap("✅ Selesai");

    // Review; back and edit one field, then save.
    let summary = siti.lastText() ?? "";
    expect(summary).toContain("Ringkasan data keluarga");
    expect(summary).toContain("3201••••••••0001");
    expect(summary).not.toContain(NIK);
    expect(summary).toContain("RT/RW: 003/005");
    await siti.tap("✏️ RT/RW");
    await siti.send("4/6");
    summary = siti.lastText() ?? "";
    expect(summary).toContain("RT/RW: 004/006");
    await siti.tap("💾 Simpan data keluarga");
    const saved = siti.lastText() ?? "";
    expect(saved).toContain("Data keluarga Siti Aminah sudah tersimpan");
    const code = /Kode keluarga: ([2-9A-Z]{2}-[2-9A-Z]{5})/.exec(saved)?.[1];
    expect(code).toBeDefined();

    const db = t.app.deps.db;
    const h = await db.selectFrom("households").selectAll().where("ref_code", "=", code!.replace("-", "")).executeTakeFirstOrThrow();
    const volunteer = await db.selectFrom("users").select("id").where("telegram_id", "=", 2001).executeTakeFirstOrThrow();
    expect(h).toMatchObject({
      status: "terdaftar",
      volunteer_id: volunteer.id,
      registered_by: volunteer.id,
      head_name: "Siti Aminah",
      head_sex: "P",
      head_birth_date: "1968-08-05",
      village_code: VILLAGE,
      rt: "004",
      rw: "006",
      address: "Jl. Melati No. 5, dekat masjid",
      member_count: 3,
      ppks: ["lanjut_usia_terlantar", "fakir_miskin"],
      housing: "tidak_layak",
      programmes: ["pkh", "pbi_jk"],
      programme_other: null,
      needs: ["pangan", "kesehatan"],
      needs_other: "Kursi roda untuk ibu",
      desil: 2,
      // First visit due a week after registration (the test clock starts 2026-11-28).
      next_visit_date: "2026-12-05",
    });
    expect(h.latitude).toBeCloseTo(-6.2, 3);
    expect(t.app.deps.pii.decrypt(h.head_nik_enc!)).toBe(NIK);
    expect(t.app.deps.pii.decrypt(h.kk_enc!)).toBe(KK);
    expect(h.head_nik_hash).toBe(t.app.deps.pii.hash(NIK));
    const members = await db.selectFrom("household_members").selectAll().where("household_id", "=", h.id).orderBy("id").execute();
    expect(members.map((m) => [m.name, m.relationship, m.sex, m.birth_date])).toEqual([
      ["Budi Santoso", "suami", null, null],
      ["Ani", "anak", "P", "2010-03-12"],
    ]);
    expect(t.app.deps.pii.decrypt(members[1]!.nik_enc!)).toBe(CHILD_NIK);
    expect(await db.selectFrom("household_photos").select("file_id").where("household_id", "=", h.id).execute()).toHaveLength(2);
    const consent = await db.selectFrom("household_consents").selectAll().where("household_id", "=", h.id).executeTakeFirstOrThrow();
    expect(consent).toMatchObject({ volunteer_id: volunteer.id, locale: "id" });
    const history = await db.selectFrom("household_status_history").selectAll().where("household_id", "=", h.id).execute();
    expect(history).toMatchObject([{ from_status: null, to_status: "terdaftar" }]);
    const auditRow = await db.selectFrom("audit_log").selectAll().where("action", "=", "household.created").executeTakeFirstOrThrow();
    expect(auditRow.entity_id).toBe(String(h.id));
    expect(await db.selectFrom("conversation_state").selectAll().execute()).toHaveLength(0);
  });

  it("keeps NIK and KK out of every table (conversation state included) and out of the logs", async () => {
    const dewi = t.driver.user({ id: 2002, firstName: "Dewi" });
    await answerUntilVillage(dewi, { name: "Rahmawati", nik: "3201016002750004", kk: "3201011502160005" });
    // Mid-flow: the typed numbers are in the conversation state, sealed.
    const state = await t.app.deps.db.selectFrom("conversation_state").select("state").executeTakeFirstOrThrow();
    expect(JSON.stringify(state)).toContain("\u27eapii:");
    const all = await dumpAllTables();
    for (const secret of [NIK, KK, CHILD_NIK, "3201016002750004", "3201011502160005"]) {
      expect(all).not.toContain(secret);
      expect(t.logs.join("\n")).not.toContain(secret);
    }
    expect(all).not.toContain("3201 0145 0868 0001");
    await dewi.send("/batal");
    expect(dewi.lastText()).toContain("Hentikan pengisian data keluarga baru?");
    await dewi.tap("🗑️ Ya, hentikan dan hapus");
    expect(dewi.lastText()).toContain("Isian yang belum selesai sudah dihapus");
    expect(await t.app.deps.db.selectFrom("conversation_state").selectAll().execute()).toHaveLength(0);
  });

  it("warns about an unknown region prefix but lets the volunteer continue", async () => {
    const dewi = t.driver.user({ id: 2002, firstName: "Dewi" });
    await dewi.send("/daftar");
    await dewi.tap("✅ Keluarga setuju");
    await dewi.send("Yohana Wenda");
    await dewi.send("9901014508680001");
    const texts = dewi.newTexts().join("\n");
    expect(texts).toContain("Kode wilayah di depan nomor (990101) tidak ada di daftar wilayah terbaru");
    expect(dewi.lastText()).toContain("Perempuan, lahir 5 Agustus 1968");
    await dewi.tap("✅ Benar");
    expect(dewi.lastText()).toContain("nomor Kartu Keluarga");
    await cancelFlow(dewi);
  });

  it("goes back one step with Kembali, and resumes at the same step after a restart", async () => {
    const dewi = t.driver.user({ id: 2002, firstName: "Dewi" });
    await dewi.send("/daftar");
    await dewi.tap("✅ Keluarga setuju");
    await dewi.send("Rahmawati");
    expect(dewi.lastText()).toContain("NIK");
    await dewi.tap("⬅️ Kembali");
    expect(dewi.lastText()).toContain("nama lengkap Kepala Keluarga");
    await dewi.send("Rahmawati Putri");
    await dewi.send("3201016002750004");
    await dewi.tap("✅ Benar");

    // The process restarts: a new bot on the same database continues at the KK question.
    const t2 = await t.restart();
    const dewi2 = t2.driver.user({ id: 2002, firstName: "Dewi" });
    await dewi2.send("3201011502160005");
    expect(dewi2.newTexts().join("\n")).toContain("Nomor KK diterima: 3201••••••••0005");
    expect(dewi2.lastText()).toContain("desa/kelurahan");
    await cancelFlow(dewi2);
    t.app = t2.app;
    t.driver = t2.driver;
  });

  it("refuses a duplicate NIK and a duplicate KK, and asks about a near-duplicate name", async () => {
    const dewi = t.driver.user({ id: 2002, firstName: "Dewi" });
    const finish = async (u: TestUser) => {
      await u.tap(/^📍/);
      await u.tap("Lewati");
      await u.tap("Lewati");
      await u.tap("Lewati lokasi");
      await u.tap("1");
      await u.tap("▫️ Fakir miskin").catch(async () => {
        await u.tap("Berikutnya ➡️");
        await u.tap("Berikutnya ➡️");
        await u.tap("▫️ Fakir miskin");
      });
      await u.tap("✅ Selesai (1 dipilih)");
      await u.tap("Layak huni");
      await u.tap("▫️ Belum menerima bantuan");
      await u.tap("✅ Selesai (1 dipilih)");
      await u.tap("✅ Selesai (0 dipilih)");
      await u.tap("Lewati");
      await u.tap("Tidak tahu");
      await u.tap("✅ Selesai");
      await u.tap("💾 Simpan data keluarga");
    };
    // Same NIK as the first household (another volunteer's): refused right after it is typed,
    // without its code or volunteer (outside Dewi's scope), and asked again.
    await dewi.send("/daftar");
    await dewi.tap("✅ Keluarga setuju");
    await dewi.send("Siti Aminah");
    await dewi.send(NIK);
    let said = dewi.newTexts().join("\n");
    expect(said).toContain("Keluarga dengan NIK ini sudah terdaftar di wilayah lain atau didampingi pendamping lain");
    expect(said).not.toMatch(/[2-9A-Z]{2}-[2-9A-Z]{5}/);
    expect(said).not.toContain("Siti Rahma");
    expect(said).not.toContain("NIK diterima");
    expect(dewi.lastText()).toContain("ketik NIK yang benar");
    await cancelFlow(dewi);

    // Same KK as the first household: refused right after it is typed.
    await dewi.send("/daftar");
    await dewi.tap("✅ Keluarga setuju");
    await dewi.send("Ratna Sari");
    await dewi.send("3201016002750004");
    await dewi.tap("✅ Benar");
    await dewi.send(KK);
    said = dewi.newTexts().join("\n");
    expect(said).toContain("Keluarga dengan nomor KK ini sudah terdaftar");
    expect(said).not.toContain("Nomor KK diterima");
    await cancelFlow(dewi);

    // Register "Muhammad Juned", then "Moh. Djuned" in the same village: a possible duplicate.
    await answerUntilVillage(dewi, { name: "Muhammad Juned", nik: "3201011204700006", kk: "3201011502160007" });
    await finish(dewi);
    expect(dewi.lastText()).toContain("sudah tersimpan");
    await answerUntilVillage(dewi, { name: "Moh. Djuned", nik: "3201011204800008", kk: "3201011502160009" });
    await finish(dewi);
    expect(dewi.lastText()).toContain("nama kepala keluarga mirip");
    await dewi.tap("Ya, keluarga yang sama — batalkan");
    expect(dewi.lastText()).toContain("data tidak disimpan");
    const count = await t.app.deps.db.selectFrom("households").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });

  it("lists the volunteer's households and refuses another volunteer's forged callbacks", async () => {
    const siti = t.driver.user({ id: 2001, firstName: "Siti" });
    const dewi = t.driver.user({ id: 2002, firstName: "Dewi" });
    await siti.send("/keluarga");
    expect(siti.lastText()).toContain("Siti Aminah");
    expect(siti.lastText()).not.toContain("Muhammad Juned");
    const sitiHousehold = await t.app.deps.db.selectFrom("households").select("id").where("head_name", "=", "Siti Aminah").executeTakeFirstOrThrow();
    await siti.tap(/^1\. /);
    expect(siti.lastText()).toContain("3201••••••••0001");
    expect(siti.lastText()).not.toContain(NIK);
    const views = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "household.viewed").execute();
    expect(views).toHaveLength(1);

    const before = dewi.messages().length;
    await dewi.tapData(`hh:open:${sitiHousehold.id}`);
    await dewi.tapData(`hh:edit:${sitiHousehold.id}`);
    expect(dewi.lastCallbackAnswer()?.text).toContain("tidak termasuk wilayah atau dampingan Anda");
    expect(dewi.messages().length).toBe(before);
    expect(await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "household.viewed").execute()).toHaveLength(1);
    expect(await t.app.deps.db.selectFrom("conversation_state").selectAll().execute()).toHaveLength(0);

    await siti.send("/keluarga aminah");
    expect(siti.lastText()).toContain("Hasil pencarian");
    await siti.send("/keluarga zzzz");
    expect(siti.lastText()).toContain("Tidak ada keluarga yang cocok");
  });

  it("edits a saved household from its card, keeping the old No. KK in the history", async () => {
    const siti = t.driver.user({ id: 2001, firstName: "Siti" });
    const db = t.app.deps.db;
    const h = await db.selectFrom("households").selectAll().where("head_name", "=", "Siti Aminah").executeTakeFirstOrThrow();
    await siti.tapData(`hh:open:${h.id}`);
    // While another flow runs, the card's button asks to finish it first (it does not break it).
    await siti.send("/daftar");
    await siti.tap("✏️ Ubah data");
    expect(siti.lastCallbackAnswer()?.text).toContain("Anda masih mengisi data lain");
    await siti.tap("✅ Keluarga setuju");
    expect(siti.lastText()).toContain("nama lengkap Kepala Keluarga");
    await siti.send("/batal");
    await siti.tap("✏️ Ubah data");
    expect(siti.newTexts().join("\n")).toContain("Mengubah data keluarga");
    await siti.tap("✏️ Alamat");
    await siti.send("Gg. Mawar 2, belakang SD");
    await siti.tap("✏️ No. KK");
    const kkUpdate = await siti.send("3201012001150011");
    expect(siti.deletedMessageIds()).toContain(kkUpdate.message!.message_id);
    await siti.tap("💾 Simpan perubahan");
    expect(siti.lastText()).toContain("sudah tersimpan");
    const after = await db.selectFrom("households").selectAll().where("id", "=", h.id).executeTakeFirstOrThrow();
    expect(after.address).toBe("Gg. Mawar 2, belakang SD");
    expect(t.app.deps.pii.decrypt(after.kk_enc!)).toBe("3201012001150011");
    const history = await db.selectFrom("household_kk_history").selectAll().where("household_id", "=", h.id).execute();
    expect(history.map((r) => t.app.deps.pii.decrypt(r.kk_enc))).toEqual([KK]);
    const auditRow = await db.selectFrom("audit_log").selectAll().where("action", "=", "household.updated").executeTakeFirstOrThrow();
    expect(auditRow.details).toEqual({ fields: ["address", "kk"] });
  });

  it("expires a draft untouched for 7 days, with a message", async () => {
    const dewi = t.driver.user({ id: 2002, firstName: "Dewi" });
    await dewi.send("/daftar");
    await dewi.tap("✅ Keluarga setuju");
    t.clock.now += 8 * 24 * 3600 * 1000;
    await t.app.deps.jobs.enqueue(t.app.deps.db, "draft-expiry", {});
    await t.app.worker.runDue();
    expect(dewi.newTexts().join("\n")).toContain("lebih dari 7 hari lalu belum selesai");
    expect(await t.app.deps.db.selectFrom("conversation_state").selectAll().execute()).toHaveLength(0);
  });
});
