import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { PACKAGE_HEADER } from "../../src/bot/dtsen/package.js";
import { VILLAGE, VILLAGE_2, actor, dumpAllTables, fakePhoto, runJobs, seedHousehold, seedUser, type SeededHousehold } from "./support.js";

let t: TestApp;
let volunteer: User;

const COORD = 9101;
const VOL = 9102;
const FAMILY = 9103;

const KK_PHOTO = fakePhoto("KARTU-KELUARGA-SITI");
const FRONT = fakePhoto("RUMAH-DEPAN");
const INSIDE = fakePhoto("RUMAH-DALAM");
const SKTM_BLURRY = fakePhoto("SKTM-BURAM");
const SKTM = fakePhoto("SKTM-JELAS");
/** Telegram file ids of the KK photo message: never kept, never re-sent, never logged. */
const kkFileIds: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  await seedUser(t, { telegramId: COORD, role: "coordinator", name: "Bambang Koordinator", area: "32.01.01" });
  volunteer = await seedUser(t, { telegramId: VOL, role: "volunteer", name: "Siti Rahma", area: VILLAGE });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const db = () => t.app.deps.db;

async function proposalOf(householdId: number) {
  return db().selectFrom("dtsen_proposals").selectAll().where("household_id", "=", householdId).orderBy("id", "desc").executeTakeFirstOrThrow();
}

/** Documents the bot sent to a chat since `from` (index into fake.calls), with their bytes. */
function documentsTo(chatId: number, from: number): { name: string; content: Buffer; caption: string }[] {
  return t.fake.calls
    .slice(from)
    .filter((c) => c.method === "sendDocument" && Number(c.payload["chat_id"]) === chatId)
    .flatMap((c) => c.files.map((f) => ({ name: f.filename, content: f.content, caption: String(c.payload["caption"] ?? "") })));
}

async function xlsxRows(content: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(content as unknown as ArrayBuffer);
  const sheet = wb.getWorksheet("Usulan DTSEN")!;
  const rows: string[][] = [];
  sheet.eachRow((row) => {
    const values = row.values as unknown[];
    rows.push(values.slice(1).map((v) => (v === null || v === undefined ? "" : String(v))));
  });
  return rows;
}

function pdfText(content: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "dtsen-pdf-"));
  const file = join(dir, "list.pdf");
  writeFileSync(file, content);
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
}

function pdfPages(content: Buffer): number {
  const dir = mkdtempSync(join(tmpdir(), "dtsen-pdf-"));
  const file = join(dir, "list.pdf");
  writeFileSync(file, content);
  const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
  return Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
}

/** Whether any current message of the chat shows the text (edited messages included). */
function seen(u: TestUser, text: string): boolean {
  return u.texts().some((x) => x.includes(text));
}

/** Starts a proposal from the household card: kind, reason, free text. */
async function startProposal(u: TestUser, h: SeededHousehold, kind: RegExp, reason: string, note: string): Promise<void> {
  await u.tapData(`hh:open:${h.id}`);
  expect(u.buttons()).toContain("📝 Usulan DTSEN");
  await u.tap("📝 Usulan DTSEN");
  expect(u.lastText()).toContain(`Usulan DTSEN untuk keluarga ${h.code}`);
  await u.tap(kind);
  await u.tap(reason);
  await u.send(note);
  expect(u.texts().at(-2)).toContain("Usulan disimpan");
}

describe("usulan baru, end to end", () => {
  let h: SeededHousehold;
  let vol: TestUser;
  let coord: TestUser;

  it("a volunteer starts it from the household card with a reason from the list and their own words", async () => {
    h = await seedHousehold(t, volunteer, VILLAGE, "Siti Aminah");
    vol = await actor(t, VOL, "Siti");
    coord = await actor(t, COORD, "Bambang");
    await vol.tapData(`hh:open:${h.id}`);
    await vol.tap("📝 Usulan DTSEN");
    expect(vol.buttons()).toEqual(["🆕 Usulan baru — belum terdaftar", "✏️ Perubahan data — datanya berubah", "🚫 Sanggah/penghapusan", "⬅️ Kembali"]);
    await vol.tap("🆕 Usulan baru — belum terdaftar");
    expect(vol.lastText()).toContain("Apa alasan Usulan baru?");
    // Back to the kinds and forward again: nothing lost, nothing saved yet.
    await vol.tap("⬅️ Kembali");
    await vol.tap("🆕 Usulan baru — belum terdaftar");
    await vol.tap("Punya SKTM dari desa/kelurahan");
    expect(vol.lastText()).toContain("Jangan tulis NIK atau nomor KK di sini");
    await vol.sendSticker();
    expect(vol.lastText()).toContain("Mohon tulis keterangannya sebagai pesan teks");
    await vol.send("Ok");
    expect(vol.lastText()).toContain("terlalu pendek");
    await vol.send(`NIK ibu ${h.nik.slice(0, 8)} ${h.nik.slice(8)} belum masuk`);
    expect(vol.lastText()).toContain("Sepertinya ada NIK atau nomor KK");
    expect(await db().selectFrom("dtsen_proposals").select("id").execute()).toEqual([]);
    await vol.send("Suami meninggal tahun lalu, ibu bekerja serabutan dan punya SKTM.");
    expect(vol.texts().at(-2)).toContain("Usulan disimpan");
    const card = vol.lastText()!;
    expect(card).toContain("Usulan DTSEN #");
    expect(card).toContain(`Keluarga: ${h.code} · Siti Aminah`);
    expect(card).toContain("Alasan: Punya SKTM dari desa/kelurahan");
    expect(card).toContain("Bukti (0 dari 6)");
    expect(card).toContain("Masih kurang: Persetujuan keluarga, Foto Kartu Keluarga (KK), Foto rumah tampak depan");
    expect(card).toContain("Pendamping tidak mengirim apa pun ke Kemensos");
    const p = await proposalOf(h.id);
    expect(p).toMatchObject({ kind: "baru", reason: "sktm", status: "draft", created_by: volunteer.id });
    const history = await db().selectFrom("dtsen_proposal_history").selectAll().where("proposal_id", "=", p.id).execute();
    expect(history.map((r) => [r.from_status, r.to_status])).toEqual([[null, "draft"]]);
    const audits = await db().selectFrom("audit_log").select(["action", "details"]).where("entity", "=", "dtsen_proposal").where("entity_id", "=", String(p.id)).execute();
    expect(audits).toEqual([{ action: "dtsen.proposal_created", details: { household: h.id, kind: "baru", reason: "sktm" } }]);
    expect(await db().selectFrom("conversation_state").select("key").execute()).toEqual([]);
  });

  it("collects the evidence over several visits; the KK photo is stored encrypted and deleted from the chat", async () => {
    // First visit: consent, KK, house front.
    await vol.tap("⬜ Persetujuan keluarga");
    expect(vol.lastText()).toContain("Tambahan untuk usulan DTSEN");
    expect(vol.lastText()).toContain("Pendamping sendiri tidak mengirim apa pun ke Kemensos");
    await vol.tap("✅ Keluarga setuju");
    expect(vol.texts().at(-2)).toContain("Persetujuan keluarga dicatat");
    await vol.tap("⬜ Foto Kartu Keluarga (KK)");
    expect(vol.lastText()).toContain("disimpan terenkripsi, lalu langsung dihapus");
    await vol.send("nanti ya");
    expect(vol.lastText()).toContain("Mohon kirim fotonya");
    const sent = await vol.sendPhoto({ content: KK_PHOTO });
    const kkMessageId = sent.message!.message_id;
    kkFileIds.push(...sent.message!.photo!.map((p) => p.file_id));
    expect(vol.deletedMessageIds()).toContain(kkMessageId);
    expect(t.fake.callsOf("deleteMessage").some((c) => c.payload["chat_id"] === VOL && c.payload["message_id"] === kkMessageId)).toBe(true);
    expect(vol.texts().at(-2)).toContain("Foto KK tersimpan terenkripsi dan sudah dihapus dari obrolan ini");
    await vol.tap("⬜ Foto rumah tampak depan");
    await vol.sendPhoto({ content: FRONT });
    expect(vol.texts().at(-2)).toContain("Foto rumah tampak depan tersimpan");
    expect(vol.lastText()).toContain("Bukti (3 dari 6)");

    const p = await proposalOf(h.id);
    const kk = await db().selectFrom("dtsen_evidence").selectAll().where("proposal_id", "=", p.id).where("item", "=", "kk").executeTakeFirstOrThrow();
    expect(kk.file_id).toBeNull();
    expect(kk.content_enc).toMatch(/^v1:/);
    expect(Buffer.from(t.app.deps.pii.decrypt(kk.content_enc!), "base64").equals(KK_PHOTO)).toBe(true);
    expect(await db().selectFrom("conversation_state").select("key").execute()).toEqual([]);

    // A later visit: /usulan shows what is still missing.
    await vol.send("/usulan");
    expect(vol.lastText()).toContain("Usulan DTSEN Anda: 1");
    expect(vol.lastText()).toContain(`${h.code} · Siti Aminah · Usulan baru`);
    expect(vol.lastText()).toContain("bukti 3/6 · Sedang dilengkapi");
    await vol.tap(`1. ${h.code}`);
    await vol.tap("⬜ Foto bagian dalam rumah");
    await vol.sendPhoto({ content: INSIDE });
    await vol.tap("⬜ Titik lokasi rumah (GPS)");
    expect(vol.replyKeyboard()).toEqual(["📍 Kirim lokasi rumah"]);
    await vol.sendLocation(-6.4812, 106.8345);
    expect(vol.texts().at(-2)).toContain("Titik lokasi rumah disimpan");
    expect(vol.replyKeyboard()).toEqual([]);
    expect(vol.buttons()).not.toContain("📤 Ajukan ke koordinator");
    await vol.tap("⬜ Foto SKTM (Surat Keterangan Tidak Mampu)");
    await vol.sendPhoto({ content: SKTM_BLURRY });
    expect(vol.lastText()).toContain("Bukti (6 dari 6)");
    expect(vol.lastText()).toContain("Bukti sudah lengkap");
    expect(vol.buttons()).toContain("📤 Ajukan ke koordinator");
    const after = await proposalOf(h.id);
    expect(after).toMatchObject({ latitude: -6.4812, longitude: 106.8345 });
    expect(after.consent_at).not.toBeNull();
  });

  it("is submitted; the area's coordinators are told; /usulan lists it oldest first with its completeness", async () => {
    // An older proposal of another household waits already: it comes first.
    const older = await seedHousehold(t, volunteer, VILLAGE, "Rina Wati");
    const q = await import("../../src/db/queries/dtsen.js");
    const hh = await db().selectFrom("households").selectAll().where("id", "=", older.id).executeTakeFirstOrThrow();
    const op = await q.createProposal(db(), { household: hh, kind: "sanggah", reason: "ganda", note: "Terdaftar dua kali di desa ini.", actorId: volunteer.id, now: new Date(t.clock.now - 86_400_000) });
    await db().updateTable("dtsen_proposals").set({ status: "menunggu", submitted_at: new Date(t.clock.now - 86_400_000) }).where("id", "=", op.id).execute();

    await vol.tap("📤 Ajukan ke koordinator");
    expect(vol.lastText()).toContain("diajukan. Koordinator wilayah akan memeriksanya");
    expect(vol.texts().at(-2)).toContain("Status: Menunggu verifikasi koordinator");
    const p = await proposalOf(h.id);
    expect(p.status).toBe("menunggu");
    expect(p.submitted_at?.getTime()).toBe(t.clock.now);
    await runJobs(t);
    expect(coord.lastText()).toContain("Usulan DTSEN baru menunggu verifikasi");
    expect(coord.lastText()).toContain(`#${p.id} · Usulan baru · keluarga ${h.code} (S. A.)`);
    expect(coord.lastText()).toContain("Diajukan oleh Siti Rahma");
    expect(coord.buttons()).toEqual(["📝 Buka usulan"]);
    // The volunteer is not told about their own action.
    expect(vol.lastText()).toContain("diajukan");

    await coord.send("/usulan");
    const list = coord.lastText()!;
    expect(list).toContain("Usulan DTSEN menunggu verifikasi — Kec. Cibinong: 2");
    expect(list.indexOf(older.code)).toBeLessThan(list.indexOf(h.code));
    expect(list).toContain(`2. ${h.code} · Siti Aminah · Usulan baru · 28 November 2026 · bukti 6/6`);
    expect(list).toContain("bukti 0/3");
    expect(list).toContain("Pendamping tidak mengirim usulan ke Kemensos");
    // The other one is cancelled by the coordinator later; not part of this story.
    await db().updateTable("dtsen_proposals").set({ status: "dibatalkan" }).where("id", "=", op.id).execute();
  });

  it("the coordinator sees the evidence; the KK photo only on request, audited, and removed again", async () => {
    const p = await proposalOf(h.id);
    await coord.tap("📝 Buka usulan");
    expect(coord.buttons()).toEqual(["🖼 Lihat bukti", "✅ Verifikasi", "↩️ Kembalikan", "🕓 Riwayat"]);
    const before = t.fake.calls.length;
    await coord.tap("🖼 Lihat bukti");
    const calls = t.fake.calls.slice(before);
    const group = calls.find((c) => c.method === "sendMediaGroup");
    expect((group?.payload["media"] as unknown[]).length).toBe(3);
    expect(calls.some((c) => c.method === "sendLocation" && c.payload["latitude"] === -6.4812)).toBe(true);
    // The KK photo is not among them.
    expect(calls.flatMap((c) => c.files).some((f) => f.content.equals(KK_PHOTO))).toBe(false);
    expect(coord.lastText()).toContain("Foto KK disimpan terenkripsi dan tidak ditampilkan otomatis");
    await coord.tap("🔒 Lihat foto KK");
    const photo = t.fake.calls.slice(before).find((c) => c.method === "sendPhoto" && c.files.some((f) => f.content.equals(KK_PHOTO)));
    expect(photo?.payload["chat_id"]).toBe(COORD);
    expect(photo?.payload["protect_content"]).toBe(true);
    const shown = coord.lastMessage()!;
    expect(shown.caption).toContain("Terhapus otomatis dalam 10 menit");
    const audit = await db().selectFrom("audit_log").select(["actor_id", "details"]).where("action", "=", "dtsen.kk_viewed").execute();
    expect(audit).toEqual([{ actor_id: expect.any(Number), details: { household: h.id } }]);
    t.clock.now += 11 * 60_000;
    await runJobs(t);
    expect(coord.deletedMessageIds()).toContain(shown.message_id);
    void p;
  });

  it("is returned with a reason; the volunteer is told, fixes it and submits again; then it is verified", async () => {
    const p = await proposalOf(h.id);
    await coord.tapData(`pu:o:${p.id}`);
    await coord.tap("↩️ Kembalikan");
    expect(coord.lastText()).toContain(`Usulan keluarga ${h.code} akan dikembalikan ke relawan`);
    await coord.send("Foto SKTM buram, mohon difoto ulang dengan terang.");
    expect(coord.texts().at(-2)).toContain(`Usulan keluarga ${h.code} dikembalikan. Relawan diberi tahu.`);
    expect((await proposalOf(h.id)).status).toBe("dikembalikan");
    await runJobs(t);
    expect(vol.lastText()).toContain(`Usulan #${p.id} dikembalikan`);
    expect(vol.lastText()).toContain("Foto SKTM buram, mohon difoto ulang dengan terang.");

    await vol.tap("📝 Buka usulan");
    expect(vol.lastText()).toContain("Status: Dikembalikan untuk diperbaiki");
    expect(vol.lastText()).toContain("Catatan koordinator: Foto SKTM buram");
    await vol.tap("✅ Foto SKTM (Surat Keterangan Tidak Mampu)");
    await vol.sendPhoto({ content: SKTM });
    await vol.tap("📤 Ajukan ke koordinator");
    await runJobs(t);
    expect(coord.lastText()).toContain("Usulan DTSEN sudah diperbaiki dan menunggu verifikasi lagi");

    await coord.tap("📝 Buka usulan");
    await coord.tap("✅ Verifikasi");
    expect(coord.lastText()).toContain("terverifikasi. Masukkan ke paket serah terima");
    expect(coord.texts().at(-2)).toContain("Status: Terverifikasi, siap diserahkan");
    await runJobs(t);
    expect(vol.lastText()).toContain(`Usulan #${p.id} terverifikasi`);
    const history = await db().selectFrom("dtsen_proposal_history").select(["from_status", "to_status", "reason"]).where("proposal_id", "=", p.id).orderBy("id").execute();
    expect(history.map((r) => r.to_status)).toEqual(["draft", "menunggu", "dikembalikan", "menunggu", "terverifikasi"]);
    expect(history[2]!.reason).toBe("Foto SKTM buram, mohon difoto ulang dengan terang.");
    const audits = await db().selectFrom("audit_log").select("details").where("action", "=", "dtsen.status_changed").where("entity_id", "=", String(p.id)).orderBy("id").execute();
    expect(audits.map((a) => a.details)).toEqual([
      { from: "draft", to: "menunggu", kind: "baru", withReason: false },
      { from: "menunggu", to: "dikembalikan", kind: "baru", withReason: true },
      { from: "dikembalikan", to: "menunggu", kind: "baru", withReason: false },
      { from: "menunggu", to: "terverifikasi", kind: "baru", withReason: false },
    ]);
    // The history is shown on the card.
    await coord.tap("🕓 Riwayat");
    expect(seen(coord, "Dikembalikan untuk diperbaiki (Bambang Koordinator) — Foto SKTM buram")).toBe(true);
  });

  it("goes into the village's hand-over package: XLSX (masked), ZIP named by household code, one-page PDF for the musdes", async () => {
    await coord.tap("⬅️ Kembali ke usulan");
    await coord.tap("📦 Paket desa");
    const view = coord.lastText()!;
    expect(view).toContain("Paket serah terima — Kel. Karadenan");
    expect(view).toContain("Periode pemutakhiran DTSEN: Januari 2027");
    expect(view).toContain("Isi paket: 1 usulan (usulan baru 1 · perubahan data 0 · sanggah/penghapusan 0)");
    expect(view).toContain("Pendamping tidak mengirim usulan ke Kemensos");
    const from = t.fake.calls.length;
    await coord.tap("⬇️ Unduh paket (NIK/KK disamarkan)");
    expect(coord.lastText()).toContain("Paket sedang disiapkan");
    await runJobs(t);
    const docs = documentsTo(COORD, from);
    const base = `3201011002_2027-01`;
    expect(docs.map((d) => d.name)).toEqual([`usulan-dtsen_${base}.xlsx`, `bukti-usulan-dtsen_${base}.zip`, `daftar-musdes-dtsen_${base}.pdf`]);

    const rows = await xlsxRows(docs[0]!.content);
    expect(rows[0]).toEqual([...PACKAGE_HEADER]);
    expect(rows).toHaveLength(2);
    const row = Object.fromEntries(PACKAGE_HEADER.map((k, i) => [k, rows[1]![i]]));
    expect(row).toMatchObject({
      No: "1",
      "Kode keluarga": h.code,
      "Jenis usulan": "Usulan baru",
      Alasan: "Punya SKTM dari desa/kelurahan",
      "Keterangan relawan": "Suami meninggal tahun lalu, ibu bekerja serabutan dan punya SKTM.",
      "NIK kepala keluarga": `${h.nik.slice(0, 4)}••••••••${h.nik.slice(12)}`,
      "No. KK": `${h.kk.slice(0, 4)}••••••••${h.kk.slice(12)}`,
      "Nama kepala keluarga": "Siti Aminah",
      Alamat: "Jl. Melati No. 5",
      RT: "004",
      RW: "006",
      "Kode wilayah": VILLAGE,
      "Desa/Kelurahan": "Kel. Karadenan",
      Kecamatan: "Kec. Cibinong",
      "Kabupaten/Kota": "Kab. Bogor",
      Provinsi: "Jawa Barat",
      "Kategori PPKS": "Fakir miskin",
      "Kondisi rumah": "Tidak layak huni (RTLH)",
      "Jumlah anggota": "3",
      Lintang: "-6.4812",
      Bujur: "106.8345",
      Relawan: "Siti Rahma",
      "Diverifikasi oleh": "Bambang Koordinator",
      "Tanggal verifikasi": "2026-11-28",
      "Status usulan": "Terverifikasi, siap diserahkan",
    });
    expect(row["Berkas bukti (ZIP)"]).toBe(`${h.code}_rumah-depan.jpg; ${h.code}_rumah-dalam.jpg; ${h.code}_surat-sktm.jpg`);

    const zip = await JSZip.loadAsync(docs[1]!.content);
    expect(Object.keys(zip.files).sort()).toEqual(["BACA-SAYA.txt", `${h.code}_rumah-dalam.jpg`, `${h.code}_rumah-depan.jpg`, `${h.code}_surat-sktm.jpg`].sort());
    expect((await zip.file(`${h.code}_rumah-depan.jpg`)!.async("nodebuffer")).equals(FRONT)).toBe(true);
    expect((await zip.file(`${h.code}_surat-sktm.jpg`)!.async("nodebuffer")).equals(SKTM)).toBe(true);
    expect(await zip.file("BACA-SAYA.txt")!.async("string")).toContain("Pendamping tidak mengirim usulan ke Kemensos");

    const pdf = pdfText(docs[2]!.content);
    expect(pdfPages(docs[2]!.content)).toBe(1);
    expect(pdf).toContain("DAFTAR USULAN PEMUTAKHIRAN DTSEN");
    expect(pdf).toContain("Lampiran Berita Acara Musyawarah Desa/Kelurahan");
    expect(pdf).toContain("Kel. Karadenan, Kec. Cibinong");
    expect(pdf).toMatch(new RegExp(`1\\s+${h.code}\\s+Siti Aminah\\s+004/006\\s+Usulan baru\\s+Punya SKTM`));
    expect(pdf).toContain("Kepala Desa/Lurah");
    expect(pdf).toContain("Operator SIKS-NG Desa/Kelurahan");
    expect(pdf).toContain("( Bambang Koordinator )");
    expect(pdf).not.toContain(h.nik);
    expect(pdf).toContain("Pendamping tidak mengirim usulan ke Kemensos");
    const audit = await db().selectFrom("audit_log").select(["action", "details"]).where("entity", "=", "dtsen_package").orderBy("id").execute();
    expect(audit.map((a) => a.action)).toEqual(["dtsen.package_opened", "dtsen.package_requested", "dtsen.package_created"]);
  });

  it("has NIK, No. KK and the KK photo in full only after the explicit, audited confirmation", async () => {
    await coord.tap("⬅️ Kembali ke paket");
    await coord.tap("🔓 Perlu NIK & No. KK lengkap…");
    expect(coord.lastText()).toContain("Permintaan ini dicatat atas nama Anda");
    expect(await db().selectFrom("job").select("id").where("name", "=", "dtsen.package").where("done_at", "is", null).execute()).toEqual([]);
    const from = t.fake.calls.length;
    await coord.tap("🔓 Unduh dengan NIK & No. KK lengkap");
    expect(coord.lastText()).toContain("NIK dan No. KK lengkap sedang disiapkan");
    await runJobs(t);
    const docs = documentsTo(COORD, from);
    expect(docs.map((d) => d.name)).toEqual(["usulan-dtsen_3201011002_2027-01_lengkap.xlsx", "bukti-usulan-dtsen_3201011002_2027-01_lengkap.zip", "daftar-musdes-dtsen_3201011002_2027-01.pdf"]);
    expect(docs[0]!.caption).toContain("Berisi NIK dan No. KK <b>lengkap</b>");
    const rows = await xlsxRows(docs[0]!.content);
    expect(rows[1]![5]).toBe(h.nik);
    expect(rows[1]![6]).toBe(h.kk);
    const zip = await JSZip.loadAsync(docs[1]!.content);
    expect((await zip.file(`${h.code}_kk.jpg`)!.async("nodebuffer")).equals(KK_PHOTO)).toBe(true);
    const audit = await db().selectFrom("audit_log").select(["action", "actor_id", "details"]).where("action", "like", "dtsen.package_%full_identity").orderBy("id").execute();
    expect(audit.map((a) => a.action)).toEqual(["dtsen.package_requested_full_identity", "dtsen.package_created_full_identity"]);
    expect(audit[1]!.details).toMatchObject({ rows: 1, photos: 4, full: true });
  });

  it("is handed over with its package, and its outcome reaches the volunteer and the subscribed family in plain words", async () => {
    const p = await proposalOf(h.id);
    await db().insertInto("status_subscriptions").values({ household_id: h.id, chat_id: FAMILY }).execute();
    await coord.tap("⬅️ Kembali ke paket");
    await coord.tap("✅ Tandai sudah diserahkan");
    expect(coord.lastText()).toContain("Tandai paket Kel. Karadenan sudah diserahkan ke operator desa? 1 usulan akan berstatus Diserahkan");
    await coord.tap("✅ Ya, paket sudah diserahkan");
    expect(coord.lastText()).toContain("1 usulan Kel. Karadenan berstatus Diserahkan");
    expect(coord.texts().at(-2)).toContain("Diserahkan ke operator desa pada 28 November 2026");
    expect((await proposalOf(h.id)).status).toBe("diserahkan");
    const pkg = await db().selectFrom("dtsen_packages").selectAll().executeTakeFirstOrThrow();
    expect(pkg).toMatchObject({ status: "diserahkan", village_code: VILLAGE, period: "2027-01" });
    await runJobs(t);
    expect(vol.lastText()).toContain("1 usulan diserahkan ke operator desa Kel. Karadenan (periode Januari 2027)");
    expect(vol.lastText()).toContain(`${h.code} · Siti Aminah`);

    await coord.tap("📋 Catat hasil per usulan");
    expect(seen(coord, "Hasil usulan — Kel. Karadenan, periode Januari 2027")).toBe(true);
    await coord.tap(`1. ${h.code}`);
    expect(coord.buttons()).toEqual(["🖼 Lihat bukti", "✅ Diterima", "❌ Ditolak", "🕓 Riwayat"]);
    await coord.tap("✅ Diterima");
    expect(coord.lastText()).toContain(`usulan #${p.id} keluarga ${h.code} diterima`);
    const done = await proposalOf(h.id);
    expect(done).toMatchObject({ status: "diterima", outcome_by: expect.any(Number) });
    // The KK photo is no longer needed once the proposal is finished.
    expect(await db().selectFrom("dtsen_evidence").select("item").where("proposal_id", "=", p.id).where("item", "=", "kk").execute()).toEqual([]);
    expect(coord.texts().at(-2)).toContain("Foto KK sudah dihapus karena usulan ini sudah selesai");
    await runJobs(t);
    expect(vol.lastText()).toContain(`Usulan #${p.id} diterima`);
    const family = t.fake.messages(FAMILY).at(-1)!;
    expect(family.text).toContain(`Kabar untuk keluarga ${h.code}`);
    expect(family.text).toContain("Usulan agar keluarga Anda masuk ke Data Tunggal Sosial dan Ekonomi Nasional (DTSEN) sudah diperiksa dan diterima");
    expect(family.text).toContain("Pendamping hanya membantu menyiapkan berkasnya dan tidak mengirim apa pun ke Kemensos");
    expect(family.text).not.toContain("Siti Aminah");
    expect(family.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["🔕 Berhenti"]);
  });
});

describe("perubahan data and sanggah/penghapusan", () => {
  let change: SeededHousehold;
  let removal: SeededHousehold;
  let vol: TestUser;
  let coord: TestUser;

  it("each collect their own checklist, are submitted and verified", async () => {
    vol = await actor(t, VOL, "Siti");
    coord = await actor(t, COORD, "Bambang");
    change = await seedHousehold(t, volunteer, VILLAGE_2, "Dewi Lestari", { desil: 3 });
    removal = await seedHousehold(t, volunteer, VILLAGE_2, "Joko Susilo");

    await vol.tapData(`hh:open:${change.id}`);
    await vol.tap("📝 Usulan DTSEN");
    expect(vol.lastText()).toContain("tercatat punya desil 3, jadi mungkin sudah ada di DTSEN");
    await vol.tap("✏️ Perubahan data — datanya berubah");
    await vol.tap("Ada anggota keluarga yang meninggal");
    await vol.send("Suami Ibu Dewi meninggal bulan Oktober, sekarang anggota tinggal dua.");
    expect(vol.lastText()).toContain("Bukti (0 dari 5)");
    expect(vol.buttons()).toEqual([
      "⬜ Persetujuan keluarga",
      "⬜ Foto Kartu Keluarga (KK)",
      "⬜ Foto rumah tampak depan",
      "⬜ Titik lokasi rumah (GPS)",
      "⬜ Foto surat keterangan kematian",
      "🕓 Riwayat",
      "🗑 Batalkan usulan",
    ]);
    await vol.tap("⬜ Persetujuan keluarga");
    await vol.tap("✅ Keluarga setuju");
    await vol.tap("⬜ Foto Kartu Keluarga (KK)");
    await vol.sendPhoto({ content: fakePhoto("KK-DEWI") });
    await vol.tap("⬜ Foto rumah tampak depan");
    await vol.sendPhoto({ content: fakePhoto("DEPAN-DEWI") });
    await vol.tap("⬜ Titik lokasi rumah (GPS)");
    await vol.tap("📍 Kirim lokasi rumah");
    await vol.tap("⬜ Foto surat keterangan kematian");
    // An image sent as a file is fine too.
    await vol.sendDocument({ fileName: "surat-kematian.png", mimeType: "image/png", content: fakePhoto("SURAT-KEMATIAN") });
    expect(vol.lastText()).toContain("Bukti (5 dari 5)");
    await vol.tap("📤 Ajukan ke koordinator");

    await startProposal(vol, removal, /Sanggah/, "Keluarga sudah pindah", "Keluarga pindah ke Bekasi sejak Agustus, rumah sudah kosong.");
    expect(vol.lastText()).toContain("Bukti (0 dari 3)");
    expect(vol.buttons().slice(0, 3)).toEqual(["⬜ Foto rumah tampak depan", "⬜ Titik lokasi rumah (GPS)", "⬜ Foto surat keterangan pindah"]);
    await vol.tap("⬜ Foto rumah tampak depan");
    await vol.sendPhoto({ content: fakePhoto("RUMAH-KOSONG") });
    await vol.tap("⬜ Titik lokasi rumah (GPS)");
    // Not at the house yet: "Nanti saja", nothing lost.
    await vol.tap("⏭ Nanti saja");
    expect(vol.texts().at(-2)).toContain("bisa dilengkapi nanti");
    expect(vol.lastText()).toContain("Bukti (1 dari 3)");
    await vol.tap("⬜ Titik lokasi rumah (GPS)");
    await vol.sendLocation(-6.47, 106.85);
    await vol.tap("⬜ Foto surat keterangan pindah");
    await vol.sendPhoto({ content: fakePhoto("SURAT-PINDAH") });
    await vol.tap("📤 Ajukan ke koordinator");
    await runJobs(t);

    await coord.send("/usulan");
    expect(coord.lastText()).toContain("Kec. Cibinong: 2");
    for (const h of [change, removal]) {
      const p = await proposalOf(h.id);
      await coord.tapData(`pu:o:${p.id}`);
      await coord.tap("✅ Verifikasi");
      expect((await proposalOf(h.id)).status).toBe("terverifikasi");
    }
  });

  it("go into one package; after the hand-over one is rejected with a reason, the other accepted", async () => {
    await db().insertInto("status_subscriptions").values({ household_id: change.id, chat_id: FAMILY + 1 }).execute();
    await coord.send("/usulan");
    await coord.tap("📦 Paket serah terima");
    expect(coord.lastText()).toContain("Kel. Pondok Rajeg: 2 usulan terverifikasi");
    await coord.tap("Kel. Pondok Rajeg (2)");
    expect(coord.lastText()).toContain("Isi paket: 2 usulan (usulan baru 0 · perubahan data 1 · sanggah/penghapusan 1)");
    const from = t.fake.calls.length;
    await coord.tap("⬇️ Unduh paket (NIK/KK disamarkan)");
    await runJobs(t);
    const docs = documentsTo(COORD, from);
    const rows = await xlsxRows(docs[0]!.content);
    expect(rows.slice(1).map((r) => [r[1], r[2], r[3]])).toEqual([
      [change.code, "Perubahan data", "Ada anggota keluarga yang meninggal"],
      [removal.code, "Sanggah/penghapusan", "Keluarga sudah pindah"],
    ]);
    const zip = await JSZip.loadAsync(docs[1]!.content);
    expect(Object.keys(zip.files).sort()).toEqual(
      ["BACA-SAYA.txt", `${change.code}_rumah-depan.jpg`, `${change.code}_surat-kematian.png`, `${removal.code}_rumah-depan.jpg`, `${removal.code}_surat-pindah.jpg`].sort(),
    );
    const pdf = pdfText(docs[2]!.content);
    expect(pdf).toMatch(new RegExp(`1\\s+${change.code}\\s+Dewi Lestari\\s+004/006\\s+Perubahan data`));
    expect(pdf).toMatch(new RegExp(`2\\s+${removal.code}\\s+Joko Susilo\\s+004/006\\s+Sanggah/`));
    expect(pdf).toContain("Periode pemutakhiran: Januari 2027 · Jumlah usulan: 2");

    await coord.tap("⬅️ Kembali ke paket");
    await coord.tap("✅ Tandai sudah diserahkan");
    await coord.tap("✅ Ya, paket sudah diserahkan");
    await runJobs(t);
    expect(vol.lastText()).toContain("2 usulan diserahkan ke operator desa Kel. Pondok Rajeg");

    const pc = await proposalOf(change.id);
    await coord.tapData(`pu:o:${pc.id}`);
    await coord.tap("❌ Ditolak");
    await coord.send("Kematian belum tercatat di Dukcapil, urus akta kematian dulu.");
    expect(coord.texts().at(-2)).toContain(`usulan keluarga ${change.code} ditolak`);
    const pr = await proposalOf(removal.id);
    await coord.tapData(`pu:o:${pr.id}`);
    await coord.tap("✅ Diterima");
    await runJobs(t);
    expect(vol.texts().slice(-2).join("\n")).toContain(`Usulan #${pc.id} ditolak`);
    expect(vol.texts().slice(-2).join("\n")).toContain("Kematian belum tercatat di Dukcapil");
    const family = t.fake.messages(FAMILY + 1).at(-1)!;
    expect(family.text).toContain("Usulan perbaikan data keluarga Anda di Data Tunggal Sosial dan Ekonomi Nasional (DTSEN) belum diterima");
    expect(family.text).toContain("Alasannya: Kematian belum tercatat di Dukcapil, urus akta kematian dulu.");
    const byStatus = await db().selectFrom("dtsen_proposals").select(["household_id", "status", "status_reason"]).where("household_id", "in", [change.id, removal.id]).orderBy("id").execute();
    expect(byStatus).toEqual([
      { household_id: change.id, status: "ditolak", status_reason: "Kematian belum tercatat di Dukcapil, urus akta kematian dulu." },
      { household_id: removal.id, status: "diterima", status_reason: null },
    ]);
  });
});

describe("privacy", () => {
  it("keeps NIK, No. KK and KK photos out of every table, every log line, and every chat but the requester's", async () => {
    const dump = await dumpAllTables(t);
    const households = await db().selectFrom("households").select(["head_nik_enc", "kk_enc"]).execute();
    expect(households.length).toBeGreaterThanOrEqual(4);
    for (const hh of households) {
      const nik = t.app.deps.pii.decrypt(hh.head_nik_enc!);
      const kk = t.app.deps.pii.decrypt(hh.kk_enc!);
      for (const n of [nik, kk]) {
        expect(dump).not.toContain(n);
        expect(t.logs.join("\n")).not.toContain(n);
      }
    }
    for (const photo of [KK_PHOTO, fakePhoto("KK-DEWI")]) {
      for (const form of [photo.toString("utf8"), photo.toString("base64"), photo.toString("hex"), "KARTU-KELUARGA"]) {
        expect(dump).not.toContain(form);
        expect(t.logs.join("\n")).not.toContain(form);
      }
    }
    // KK photo bytes went only to the coordinator, who asked for them (the KK view and the full ZIP).
    const kkChats = new Set(
      t.fake.calls.filter((c) => c.files.some((f) => f.content.equals(KK_PHOTO) || f.content.includes(Buffer.from("KARTU-KELUARGA")))).map((c) => c.payload["chat_id"]),
    );
    expect([...kkChats]).toEqual([COORD]);
    expect(kkFileIds.length).toBeGreaterThan(0);
    for (const id of kkFileIds) {
      expect(dump).not.toContain(id);
      expect(t.logs.join("\n")).not.toContain(id);
      // Only the bot's own download (getFile) ever names it.
      expect(t.fake.calls.filter((c) => JSON.stringify(c.payload).includes(`"${id}"`)).map((c) => c.method)).toEqual(id.endsWith("-s") ? [] : ["getFile"]);
    }
    // No Telegram file id of a KK photo is kept or re-sent: every KK message was deleted.
    const kkEvidence = await db().selectFrom("dtsen_evidence").select(["file_id", "file_unique_id"]).where("item", "=", "kk").execute();
    expect(kkEvidence.every((e) => e.file_id === null && e.file_unique_id === null)).toBe(true);
  });
});

describe("a restart", () => {
  it("in the middle of collecting a photo loses nothing", async () => {
    const h = await seedHousehold(t, volunteer, VILLAGE_2, "Ani Rahayu");
    const vol = await actor(t, VOL, "Siti");
    await startProposal(vol, h, /Usulan baru/, "Keluarga miskin/rentan yang belum terdaftar", "Lansia tinggal sendiri, tidak ada penghasilan tetap.");
    await vol.tap("⬜ Foto rumah tampak depan");
    t = await t.restart();
    const again = t.driver.user({ id: VOL, firstName: "Siti" });
    await again.sendPhoto({ content: fakePhoto("SETELAH-RESTART") });
    expect(again.texts().at(-2)).toContain("Foto rumah tampak depan tersimpan");
    expect(again.lastText()).toContain("Bukti (1 dari 5)");
    expect(await db().selectFrom("conversation_state").select("key").execute()).toEqual([]);
  });
});
