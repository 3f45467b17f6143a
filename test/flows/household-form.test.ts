import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import { insertHousehold } from "../../src/db/queries/households.js";

/**
 * The household registration and edit on the form kit: stale taps, going back without
 * losing answers, members as a sub-form, duplicates right after entry, /batal asking first,
 * typed answers, and a stored conversation that stays the same size however often the
 * volunteer goes back and forth.
 */
const VILLAGE = "32.01.01.1002"; // Karadenan, Kec. Cibinong, Kab. Bogor
const NIK_A = "3201014508680001"; // female, born 05-08-1968
const KK_A = "3201012001150003";
const NIK_B = "3201011204700006"; // male, born 12-04-1970
const KK_B = "3201011502160007";
const NIK_C = "3201016002750004"; // female, born 20-02-1975
const KK_C = "3201011502160005";
const NIK_D = "3201010101900011"; // male, born 01-01-1990
const KK_D = "3201011001200021";
const CHILD_NIK = "3201015203100002"; // female, born 12-03-2010

let t: TestApp;
let rina: TestUser;
let yudi: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  for (const [id, name] of [
    [2101, "Rina Wulan"],
    [2102, "Yudi Prakoso"],
  ] as const) {
    await t.app.deps.db
      .insertInto("users")
      .values({ telegram_id: id, role: "volunteer", status: "active", name, locale: "id", area_code: VILLAGE, phone: "+6281200000000" })
      .execute();
  }
  rina = t.driver.user({ id: 2101, firstName: "Rina" });
  yudi = t.driver.user({ id: 2102, firstName: "Yudi" });
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

async function leave(u: TestUser): Promise<void> {
  await u.send("/batal");
  if (u.buttons().includes("🗑️ Ya, hentikan dan hapus")) await u.tap("🗑️ Ya, hentikan dan hapus");
  expect(await stateSize(u.id)).toBe(0);
}

/** /daftar up to the member count question. */
async function untilMembers(u: TestUser, o: { name: string; nik: string; kk: string }): Promise<void> {
  await u.send("/daftar");
  await u.tap("✅ Keluarga setuju");
  await u.send(o.name);
  await u.send(o.nik);
  await u.tap("✅ Benar");
  await u.send(o.kk);
  await u.tap(/^📍/);
  await u.tap("Lewati");
  await u.tap("Lewati");
  await u.tap("Lewati lokasi");
  expect(u.lastText()).toContain("jumlah anggota keluarga");
}

/** From the PPKS question to the review. */
async function fromPpksToReview(u: TestUser): Promise<void> {
  await u.send("fakir miskin");
  await u.tap("✅ Selesai (1 dipilih)");
  await u.tap("Layak huni");
  await u.tap("▫️ Belum menerima bantuan");
  await u.tap("✅ Selesai (1 dipilih)");
  await u.tap("✅ Selesai (0 dipilih)");
  await u.tap("Lewati");
  await u.tap("Tidak tahu");
  await u.tap("✅ Selesai");
  expect(u.lastText()).toContain("Ringkasan data keluarga");
}

describe("household registration on the form kit", () => {
  it("answers a tap on an earlier question's button as such, and changes nothing (stale tap)", async () => {
    await rina.send("/daftar");
    await rina.tap("✅ Keluarga setuju");
    await rina.send("Sri Mulyani");
    await rina.send(NIK_A);
    expect(rina.lastText()).toContain("Perempuan, lahir 5 Agustus 1968");
    // The consent message's button, while the NIK confirmation is open.
    rina.markSeen();
    await rina.tap("✅ Keluarga setuju");
    expect(rina.lastCallbackAnswer()?.["text"]).toContain("Tombol ini dari pertanyaan sebelumnya");
    expect(rina.newTexts()).toEqual([]);
    // Still at the confirmation: it is answered as usual.
    await rina.tap("✅ Benar");
    expect(rina.lastText()).toContain("nomor Kartu Keluarga/KK (16 angka");
    // "Kembali" of an older question too.
    const nikQuestion = rina.messages().find((m) => (m as { text?: string }).text?.includes("Ketik NIK Sri Mulyani"));
    await rina.tapData("f:back", nikQuestion!.message_id);
    expect(rina.lastCallbackAnswer()?.["text"]).toContain("Tombol ini dari pertanyaan sebelumnya");
    expect(rina.lastText()).toContain("nomor Kartu Keluarga/KK");
    await leave(rina);
  });

  it("shows what was given when going back, with a button to keep it (bug 5)", async () => {
    await rina.send("/daftar");
    await rina.tap("✅ Keluarga setuju");
    await rina.send("Sri Mulyani");
    await rina.send(NIK_A);
    await rina.tap("✅ Benar");
    // Back from the KK question: the confirmation, with the answer marked.
    await rina.tap("⬅️ Kembali");
    expect(rina.buttons()).toContain("✓ ✅ Benar");
    await rina.tap("⬅️ Kembali");
    expect(rina.lastText()).toContain("Tersimpan sekarang: 3201••••••••0001");
    expect(rina.lastText()).not.toContain(NIK_A);
    await rina.tap("⬅️ Kembali");
    expect(rina.lastText()).toContain("Tersimpan sekarang: Sri Mulyani");
    await rina.tap("✅ Pakai yang tersimpan");
    await rina.tap("✅ Pakai yang tersimpan");
    await rina.tap("✓ ✅ Benar");
    expect(rina.lastText()).toContain("nomor Kartu Keluarga/KK");
    await leave(rina);
  });

  it("keeps members when going back inside the members, and stops with “Selesai, sisanya nanti” (bug 4)", async () => {
    await untilMembers(rina, { name: "Sri Mulyani", nik: NIK_A, kk: KK_A });
    // Typed as a word.
    await rina.send("empat");
    await rina.tap("📝 Isi sekarang");
    await rina.send("Budi Santoso");
    await rina.tap("Suami");
    await rina.tap("Lewati");
    await rina.send("Ani");
    // Kembali goes to the previous member field, not out of the members.
    await rina.tap("⬅️ Kembali");
    expect(rina.lastText()).toContain("Anggota ke-2 dari 3");
    expect(rina.lastText()).toContain("Tersimpan sekarang: Ani");
    await rina.tap("⬅️ Kembali");
    expect(rina.lastText()).toContain("NIK Budi Santoso");
    await rina.tap("⬅️ Kembali");
    expect(rina.buttons()).toContain("✓ Suami");
    await rina.tap("✓ Suami");
    await rina.tap("Lewati");
    await rina.tap("✅ Pakai yang tersimpan");
    await rina.tap("Anak");
    await rina.send(CHILD_NIK);
    expect(rina.lastText()).toContain("Anggota ke-3 dari 3");
    await rina.tap("⏹️ Selesai, sisanya nanti");
    expect(rina.lastText()).toContain("kategori PPKS");
    await fromPpksToReview(rina);
    const summary = rina.lastText() ?? "";
    expect(summary).toContain("Jumlah anggota keluarga: 4");
    expect(summary).toContain("1. Budi Santoso (Suami), NIK –");
    expect(summary).toContain("2. Ani (Anak), NIK 3201••••••••0002");
    await rina.tap("💾 Simpan data keluarga");
    expect(rina.lastText()).toContain("Data keluarga Sri Mulyani sudah tersimpan");
    const h = await db().selectFrom("households").selectAll().where("head_name", "=", "Sri Mulyani").executeTakeFirstOrThrow();
    expect(h).toMatchObject({ member_count: 4, ppks: ["fakir_miskin"] });
    const members = await db().selectFrom("household_members").selectAll().where("household_id", "=", h.id).orderBy("id").execute();
    expect(members.map((m) => [m.name, m.relationship, m.sex, m.birth_date])).toEqual([
      ["Budi Santoso", "suami", null, null],
      ["Ani", "anak", "P", "2010-03-12"],
    ]);
    expect(await stateSize(rina.id)).toBe(0);
  });

  it("refuses a member NIK that repeats another one in one message, asks again and keeps nothing from it (bug 3)", async () => {
    await untilMembers(yudi, { name: "Joko Widodo", nik: NIK_B, kk: KK_B });
    await yudi.tap("2");
    await yudi.tap("📝 Isi sekarang");
    await yudi.send("Wati");
    await yudi.tap("Istri");
    await yudi.send(NIK_B);
    const said = yudi.newTexts();
    expect(said).toEqual(["⚠️ NIK ini sama dengan NIK anggota lain. Ketik NIK yang benar atau tekan Lewati."]);
    // Still the same question: "Lewati" answers it, and nothing of the refused number is kept.
    await yudi.tap("Lewati");
    expect(yudi.lastText()).toContain("kategori PPKS");
    await fromPpksToReview(yudi);
    expect(yudi.lastText()).toContain("1. Wati (Istri), NIK –");
    await yudi.tap("💾 Simpan data keluarga");
    const h = await db().selectFrom("households").select("id").where("head_name", "=", "Joko Widodo").executeTakeFirstOrThrow();
    const members = await db().selectFrom("household_members").selectAll().where("household_id", "=", h.id).execute();
    expect(members.map((m) => [m.name, m.nik_enc, m.sex, m.birth_date])).toEqual([["Wati", null, null, null]]);
  });

  it("checks the NIK and the KK right after they are typed, and again when saving (bug 6)", async () => {
    // Yudi's own household has NIK_B: he is told at once, with its code, and asked again.
    await yudi.send("/daftar");
    await yudi.tap("✅ Keluarga setuju");
    await yudi.send("Joko Santoso");
    await yudi.send(NIK_B);
    const own = await db().selectFrom("households").select("ref_code").where("head_name", "=", "Joko Widodo").executeTakeFirstOrThrow();
    let said = yudi.newTexts().join("\n");
    expect(said).toContain(`NIK Kepala Keluarga ini sudah terdaftar di keluarga dengan kode ${own.ref_code.slice(0, 2)}-${own.ref_code.slice(2)}`);
    expect(said).not.toContain("NIK diterima");
    expect(yudi.lastText()).toContain("ketik NIK yang benar");
    await yudi.send(NIK_C);
    await yudi.tap("✅ Benar");
    await yudi.send(KK_B);
    said = yudi.newTexts().join("\n");
    expect(said).toContain("Nomor KK ini sudah terdaftar di keluarga dengan kode");
    expect(yudi.lastText()).toContain("ketik nomor KK yang benar");
    await yudi.send(KK_C);
    expect(yudi.newTexts().join("\n")).toContain("Nomor KK diterima");
    await yudi.tap(/^📍/);
    await yudi.tap("Lewati");
    await yudi.tap("Lewati");
    await yudi.tap("Lewati lokasi");
    await yudi.tap("1");
    await fromPpksToReview(yudi);
    // Meanwhile the same No. KK is registered (another device of Yudi's): refused at save.
    const yudiRow = await db().selectFrom("users").select("id").where("telegram_id", "=", 2102).executeTakeFirstOrThrow();
    const other = await insertHousehold(
      db(),
      t.app.deps.pii,
      {
        consentAt: "2026-11-28T02:00:00.000Z",
        headName: "Lain Lagi",
        headNik: "3201011204800008",
        kk: KK_C,
        headSex: "L",
        headBirthDate: "1980-04-12",
        villageCode: VILLAGE,
        rt: null,
        rw: null,
        address: null,
        location: null,
        memberCount: 1,
        members: [],
        ppks: ["fakir_miskin"],
        housing: "layak",
        programmes: [],
        programmeOther: null,
        needs: [],
        needsOther: null,
        desil: null,
        photos: [],
      },
      { userId: yudiRow.id, locale: "id" },
    );
    await yudi.tap("💾 Simpan data keluarga");
    said = yudi.newTexts().join("\n");
    expect(said).toContain(`Nomor KK ini sudah terdaftar di keluarga dengan kode ${other.refCode.slice(0, 2)}-${other.refCode.slice(2)}`);
    expect(yudi.lastText()).toContain("Ringkasan data keluarga");
    expect(await db().selectFrom("households").select("id").where("head_name", "=", "Joko Santoso").execute()).toEqual([]);
    await leave(yudi);
  });

  it("asks before /batal throws answers away; one tap confirms, one goes back (bug 10)", async () => {
    // Nothing answered yet: /batal leaves at once.
    await rina.send("/daftar");
    await rina.send("/batal");
    expect(rina.lastText()).toContain("Isian yang belum selesai sudah dihapus");
    expect(await stateSize(rina.id)).toBe(0);

    await rina.send("/daftar");
    await rina.tap("✅ Keluarga setuju");
    await rina.send("Sri Mulyani");
    await rina.send("/batal");
    expect(rina.lastText()).toContain("Hentikan pengisian data keluarga baru?");
    expect(rina.buttons()).toEqual(["🗑️ Ya, hentikan dan hapus", "↩️ Tidak, lanjutkan mengisi"]);
    await rina.tap("↩️ Tidak, lanjutkan mengisi");
    expect(rina.lastText()).toContain("isian dilanjutkan");
    // Nothing lost: the NIK question is still open.
    await rina.send(NIK_C);
    expect(rina.newTexts().join("\n")).toContain("NIK diterima");
    await rina.send("/batal");
    await rina.tap("🗑️ Ya, hentikan dan hapus");
    expect(rina.lastText()).toContain("Baik, isian dibatalkan. Isian yang belum selesai sudah dihapus.");
    expect(await stateSize(rina.id)).toBe(0);
  });

  it("says which form and step a command interrupts, and how to go on or stop", async () => {
    await rina.send("/daftar");
    await rina.tap("✅ Keluarga setuju");
    await rina.send("Sri Mulyani");
    await rina.send("/keluarga");
    expect(rina.lastText()).toContain("Anda sedang mengisi data keluarga baru — langkah: NIK Kepala Keluarga");
    expect(rina.lastText()).toContain("jawab pertanyaan terakhir di atas");
    expect(rina.lastText()).toContain("/batal");
    await leave(rina);
  });

  it("reads typed answers: a PPKS by name, number words, a birth date with a short year, “lewati” for members", async () => {
    await rina.send("/daftar");
    await rina.tap("✅ Keluarga setuju");
    await rina.send("Sri Rahayu");
    await rina.send("3201015507790021");
    await rina.tap("✏️ Isi sendiri");
    await rina.send("perempuan");
    await rina.send("15-7-79");
    expect(rina.lastText()).toContain("nomor Kartu Keluarga/KK");
    await rina.send("3201011001200013");
    await rina.tap(/^📍/);
    await rina.tap("Lewati");
    await rina.tap("Lewati");
    await rina.tap("Lewati lokasi");
    await rina.send("dua belas orang");
    await rina.tap("📝 Isi sekarang");
    // "lewati" where a member's name is asked ends the members (it is no name).
    await rina.send("lewati");
    expect(rina.lastText()).toContain("kategori PPKS");
    await rina.send("lansia");
    expect(rina.lastText()).toContain("Lansia terlantar");
    await rina.send("Fakir Miskin");
    await rina.tap("✅ Selesai (2 dipilih)");
    await rina.send("rtlh");
    expect(rina.lastText()).toContain("Bantuan apa saja");
    await rina.tap("▫️ Belum menerima bantuan");
    await rina.tap("✅ Selesai (1 dipilih)");
    await rina.tap("✅ Selesai (0 dipilih)");
    await rina.tap("Lewati");
    await rina.send("tiga");
    await rina.tap("✅ Selesai");
    const summary = rina.lastText() ?? "";
    expect(summary).toContain("Jenis kelamin / tgl lahir: Perempuan, 15 Juli 1979");
    expect(summary).toContain("Jumlah anggota keluarga: 12");
    expect(summary).toContain("Kategori PPKS: Lansia terlantar, Fakir miskin");
    expect(summary).toContain("Kondisi rumah: Tidak layak huni (RTLH)");
    expect(summary).toContain("Desil: 3");
    await leave(rina);
  });

  it("keeps the stored conversation bounded: 50 moves back and forth stay within 2× of a straight run", async () => {
    await untilMembers(rina, { name: "Dedi Kurnia", nik: NIK_D, kk: KK_D });
    await rina.tap("1");
    const straight = await stateSize(rina.id);
    expect(straight).toBeGreaterThan(0);
    // 25 × (Kembali to the member count, then keep it) = 50 moves.
    for (let i = 0; i < 25; i++) {
      await rina.tap("⬅️ Kembali");
      await rina.tap("✓ 1");
    }
    expect(rina.lastText()).toContain("kategori PPKS");
    const after = await stateSize(rina.id);
    expect(after).toBeLessThanOrEqual(2 * straight);
    // Four steps back and one forward: the state is still about the same size.
    for (let i = 0; i < 4; i++) await rina.tap("⬅️ Kembali");
    expect(rina.lastText()).toContain("RT/RW");
    await rina.tap("Lewati");
    expect(rina.lastText()).toContain("Alamat atau patokan rumah");
    expect(await stateSize(rina.id)).toBeLessThanOrEqual(2 * straight);
    await leave(rina);
  });
});

describe("household edit on the form kit", () => {
  it("answers a tap on the old summary's save button as an earlier question's (stale tap)", async () => {
    const h = await db().selectFrom("households").selectAll().where("head_name", "=", "Sri Mulyani").executeTakeFirstOrThrow();
    await rina.tapData(`hh:open:${h.id}`);
    await rina.tap("✏️ Ubah data");
    const review = rina.lastMessage()!.message_id;
    await rina.tap("✏️ Alamat");
    expect(rina.lastText()).toContain("Alamat atau patokan rumah");
    rina.markSeen();
    await rina.tapData("f:save", review);
    expect(rina.lastCallbackAnswer()?.["text"]).toContain("Tombol ini dari pertanyaan sebelumnya");
    expect(rina.newTexts()).toEqual([]);
    await rina.send("Jl. Kenanga 3");
    await rina.tap("💾 Simpan perubahan");
    expect(rina.lastText()).toContain("sudah tersimpan");
    const after = await db().selectFrom("households").selectAll().where("id", "=", h.id).executeTakeFirstOrThrow();
    expect(after.address).toBe("Jl. Kenanga 3");
    const members = await db().selectFrom("household_members").selectAll().where("household_id", "=", h.id).execute();
    expect(members).toHaveLength(2);
  });
});

describe("the app clock", () => {
  it("decodes an NIK against the app clock, not the machine's", async () => {
    // 2030: a child born in June 2029 is 0 years old; by the machine's clock (2026) the NIK's
    // "29" would be read as 1929.
    const later = await createTestApp({ start: new Date("2030-01-02T02:00:00Z") });
    try {
      await later.app.deps.db
        .insertInto("users")
        .values({ telegram_id: 2199, role: "volunteer", status: "active", name: "Uji Jam", locale: "id", area_code: VILLAGE, phone: "+6281200000000" })
        .execute();
      const u = later.driver.user({ id: 2199, firstName: "Uji" });
      await u.send("/daftar");
      await u.tap("✅ Keluarga setuju");
      await u.send("Bayi Baru");
      await u.send("3201010506290001");
      expect(u.lastText()).toContain("Laki-laki, lahir 5 Juni 2029");
      expect(u.lastText()).toContain("umurnya baru 0 tahun");
    } finally {
      await later.close();
    }
  });
});
