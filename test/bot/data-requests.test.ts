import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import { findHousehold } from "../../src/db/queries/households.js";
import type { HouseholdDraft } from "../../src/domain/household.js";
import { formatDateTime } from "../../src/ui/beneficiary/status-card.js";
import {
  ADDRESS,
  CHILD,
  CHILD_NIK,
  HEAD_NAME,
  HUSBAND,
  KK,
  NIK,
  VILLAGE,
  checkStatus,
  dumpAllTables,
  runJobs,
  seedHousehold,
  seedUser,
} from "./beneficiary-support.js";

let t: TestApp;
let volunteerId: number;
let coordinatorId: number;

const COORD = 9001; // coordinator of Kec. Cibinong
const FAR_COORD = 9002; // coordinator of another regency
const HOUR = 3600 * 1000;

beforeAll(async () => {
  t = await createTestApp();
  coordinatorId = await seedUser(t, { telegramId: COORD, role: "coordinator", name: "Bambang Koordinator", area: "32.01.01" });
  await seedUser(t, { telegramId: FAR_COORD, role: "coordinator", name: "Rina Jauh", area: "32.02" });
  volunteerId = await seedUser(t, { telegramId: 9003, role: "volunteer", name: "Siti Rahma", area: VILLAGE });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

async function actor(id: number, firstName: string): Promise<TestUser> {
  const u = t.driver.user({ id, firstName });
  if (u.messages().length === 0) await u.send("/start");
  return u;
}

let serial = 0;
/** A household of its own for each test (identity numbers must be unique). */
async function newHousehold(overrides: Partial<HouseholdDraft> = {}) {
  serial += 1;
  const n = String(serial).padStart(4, "0");
  return seedHousehold(t, volunteerId, { headNik: `320101450868${n}`, kk: `320101200115${n}`, ...overrides });
}

describe("📄 Data saya (access)", () => {
  it("sends the verified person everything held, records the request as answered and tells the coordinators", async () => {
    const h = await newHousehold();
    const family = t.driver.user({ id: 9101, firstName: "Ibu" });
    await checkStatus(family, h.display, h.pin);
    family.markSeen();
    await family.tap("📄 Data saya");
    const copy = family.newTexts().join("\n");
    const nik = `320101450868${String(serial).padStart(4, "0")}`;
    const kk = `320101200115${String(serial).padStart(4, "0")}`;
    const masked = (n: string) => `${n.slice(0, 4)}••••••••${n.slice(12)}`;
    for (const value of [HEAD_NAME, masked(nik), masked(kk), masked(CHILD_NIK), "5 Agustus 1968", ADDRESS, "RT 004/RW 006", "Karadenan", HUSBAND, CHILD, "Suami", "Anak", "Lansia terlantar", "Fakir miskin", "Tidak layak huni (RTLH)", "PKH", "Kursi roda untuk ibu", "Desil: 2", "Pendamping: Siti", "Foto tersimpan: 1"]) {
      expect(copy, value).toContain(value);
    }
    expect(copy).toContain("akan dihapus otomatis dari chat dalam 24 jam");
    // The identity numbers in full only after a second, explicit confirmation.
    for (const full of [nik, kk, CHILD_NIK]) expect(copy, full).not.toContain(full);
    await family.tap("🔓 Tampilkan nomor lengkap");
    expect(family.lastText()).toContain("Pastikan tidak ada orang lain yang melihat layar Anda");
    await family.tap("Tidak jadi");
    expect(family.lastText()).toContain("nomor lengkap tidak ditampilkan");
    expect(family.texts().join("\n")).not.toContain(nik);
    await family.tap("🔓 Tampilkan nomor lengkap");
    family.markSeen();
    await family.tap("✅ Ya, tampilkan");
    const full = family.newTexts().join("\n");
    for (const value of [nik, kk, CHILD_NIK, "dihapus otomatis dari chat dalam 24 jam"]) expect(full, value).toContain(value);
    expect(full).not.toContain(ADDRESS);
    expect((await t.app.deps.db.selectFrom("audit_log").select("details").where("action", "=", "dsr.full_numbers_shown").where("entity_id", "=", String(h.id)).execute()).length).toBe(1);

    const db = t.app.deps.db;
    const request = await db.selectFrom("data_requests").selectAll().where("household_id", "=", h.id).executeTakeFirstOrThrow();
    expect(request).toMatchObject({ kind: "access", status: "resolved", chat_id: 9101, details_enc: null });
    expect(request.due_at.getTime() - request.created_at.getTime()).toBe(72 * HOUR);
    expect(request.resolved_at?.getTime()).toBe(t.clock.now);
    // A second tap sends the copy again, without a second request.
    family.markSeen();
    await family.tap("📄 Data saya");
    expect(family.newTexts().join("\n")).toContain(`permintaan #${request.id}`);
    expect(await db.selectFrom("data_requests").select("id").where("household_id", "=", h.id).execute()).toHaveLength(1);

    // The coordinators of the area get a notice for information (no buttons to act on).
    const coord = await actor(COORD, "Bambang");
    const far = await actor(FAR_COORD, "Rina");
    coord.markSeen();
    far.markSeen();
    await runJobs(t);
    const notice = coord.newTexts().join("\n");
    expect(notice).toContain(`Permintaan data pribadi #${request.id} — Lihat data`);
    expect(notice).toContain("Bot sudah mengirimkannya otomatis");
    expect(notice).not.toContain(nik);
    expect(far.newTexts()).toEqual([]);

    // A day later the copies (masked and full) are removed from the family's chat.
    const copyIds = family.messages().filter((m) => "text" in m && (m.text?.includes(CHILD_NIK) || m.text?.includes(masked(CHILD_NIK)))).map((m) => m.message_id);
    expect(copyIds.length).toBeGreaterThanOrEqual(2);
    t.clock.now += 23 * HOUR;
    await runJobs(t);
    expect(family.deletedMessageIds()).not.toContain(copyIds[0]);
    t.clock.now += 1 * HOUR;
    await runJobs(t);
    for (const id of copyIds) expect(family.deletedMessageIds()).toContain(id);
  });
});

describe("✏️ Perbaiki data (correction)", () => {
  it("records what to correct with a 3×24-hour deadline, reaches the coordinators, and tells the person when it is done", async () => {
    const h = await newHousehold();
    const family = t.driver.user({ id: 9102, firstName: "Ibu" });
    await checkStatus(family, h.display, h.pin);
    await family.tap("✏️ Perbaiki data");
    expect(family.lastText()).toContain("Tuliskan data apa yang salah");
    await family.sendSticker();
    expect(family.lastText()).toContain("Mohon tuliskan sebagai teks");
    await family.send("ok");
    expect(family.lastText()).toContain("terlalu singkat");
    const details = "Nama anak kedua seharusnya Ani Rahmawati Putri, NIK 3201015203100002";
    await family.send(details);
    expect(family.lastText()).toContain("Permintaan perbaikan data sudah kami catat");
    const due = formatDateTime(new Date(t.clock.now + 72 * HOUR).toISOString(), "Asia/Jakarta", "id");
    expect(family.lastText()).toContain(`Batas waktu tindak lanjut: ${due}`);

    const db = t.app.deps.db;
    const request = await db.selectFrom("data_requests").selectAll().where("household_id", "=", h.id).executeTakeFirstOrThrow();
    expect(request).toMatchObject({ kind: "correction", status: "open", chat_id: 9102 });
    expect(request.due_at.getTime() - request.created_at.getTime()).toBe(72 * HOUR);
    // Stored encrypted; never in the audit log or the logs.
    expect(request.details_enc).not.toContain("Rahmawati");
    expect(t.app.deps.pii.decrypt(request.details_enc!)).toBe(details);
    const audit = await db.selectFrom("audit_log").selectAll().where("action", "like", "dsr.%").execute();
    expect(JSON.stringify(audit)).not.toContain("Rahmawati");
    expect(t.logs.join("\n")).not.toContain("Rahmawati");
    expect(await db.selectFrom("conversation_state").selectAll().where("key", "=", "conv:9102").execute()).toEqual([]);

    const coord = await actor(COORD, "Bambang");
    coord.markSeen();
    await runJobs(t);
    const notice = coord.newTexts().join("\n");
    expect(notice).toContain(`#${request.id} — Perbaikan data`);
    expect(notice).toContain(`Keluarga: ${h.display} · ${HEAD_NAME}`);
    expect(notice).toContain(details);
    expect(notice).toContain(`Batas: ${due}`);
    expect(coord.buttons()).toEqual(["✅ Sudah diperbaiki", "❌ Tolak", "🏠 Buka kartu keluarga"]);

    // Staff of another area cannot act on it, even with forged data.
    const far = await actor(FAR_COORD, "Rina");
    await far.tapData(`dsr:ok:${request.id}`);
    expect(far.lastCallbackAnswer()?.["text"]).toContain("tidak termasuk wilayah");
    // Nor can the family.
    await family.tapData(`dsr:ok:${request.id}`);
    expect(family.lastCallbackAnswer()?.["text"]).toContain("khusus untuk koordinator");
    expect((await db.selectFrom("data_requests").select("status").where("id", "=", request.id).executeTakeFirstOrThrow()).status).toBe("open");

    await coord.tap("✅ Sudah diperbaiki");
    expect(coord.lastText()).toContain(`Permintaan #${request.id} ditandai sudah diperbaiki`);
    const closed = await db.selectFrom("data_requests").selectAll().where("id", "=", request.id).executeTakeFirstOrThrow();
    expect(closed).toMatchObject({ status: "resolved", resolved_by: coordinatorId });
    family.markSeen();
    await runJobs(t);
    expect(family.newTexts().join("\n")).toContain(`Permintaan perbaikan data Anda (#${request.id}) untuk keluarga ${h.display} sudah ditindaklanjuti`);
    // The coordinator's notice now says who resolved it, without buttons.
    const edited = coord.messages().find((m) => "text" in m && m.text?.includes(`#${request.id} — Perbaikan data`));
    expect(edited && "text" in edited ? edited.text : "").toContain("Sudah diperbaiki oleh Bambang Koordinator");
    expect(edited?.reply_markup).toBeUndefined();
    // A second tap on the old button does nothing.
    await coord.tapData(`dsr:ok:${request.id}`);
    expect(coord.lastCallbackAnswer()?.["text"]).toContain("sudah selesai diproses");
  });

  it("lets a coordinator reject a request with a reason the person is told", async () => {
    const h = await newHousehold();
    const family = t.driver.user({ id: 9103, firstName: "Bapak" });
    await checkStatus(family, h.display, h.pin);
    await family.tap("✏️ Perbaiki data");
    await family.send("Alamat kami sudah pindah ke RT 7");
    const request = await t.app.deps.db.selectFrom("data_requests").selectAll().where("household_id", "=", h.id).executeTakeFirstOrThrow();
    const coord = await actor(COORD, "Bambang");
    await coord.tapData(`dsr:no:${request.id}`);
    expect(coord.lastText()).toContain(`alasan permintaan #${request.id} tidak dapat dipenuhi`);
    await coord.send("Pindah domisili harus dicatat ulang oleh pendamping di desa yang baru.");
    expect(coord.lastText()).toContain(`Permintaan #${request.id} ditolak`);
    family.markSeen();
    await runJobs(t);
    const told = family.newTexts().join("\n");
    expect(told).toContain("tidak dapat dipenuhi");
    expect(told).toContain("Alasan: Pindah domisili harus dicatat ulang");
  });
});

describe("/permintaan", () => {
  it("lists the open requests of the coordinator's area with the time left, overdue first", async () => {
    const coord = await actor(COORD, "Bambang");
    await coord.send("/permintaan");
    expect(coord.lastText()).toContain("Tidak ada permintaan data");

    const older = await newHousehold({ members: [], memberCount: 1 });
    const f1 = t.driver.user({ id: 9104, firstName: "A" });
    await checkStatus(f1, older.display, older.pin);
    await f1.tap("🗑️ Hapus data");
    await f1.tap("🗑️ Ya, hapus data keluarga saya");
    t.clock.now += 80 * HOUR; // that one is now 8 hours overdue
    const newer = await newHousehold({ members: [], memberCount: 1 });
    const f2 = t.driver.user({ id: 9105, firstName: "B" });
    await checkStatus(f2, newer.display, newer.pin);
    await f2.tap("✏️ Perbaiki data");
    await f2.send("Tanggal lahir kepala keluarga salah");

    await coord.send("/permintaan");
    const text = coord.lastText() ?? "";
    const lines = text.split("\n");
    const overdueLine = lines.findIndex((l) => l.includes(older.display));
    const newerLine = lines.findIndex((l) => l.includes(newer.display));
    expect(overdueLine).toBeGreaterThan(-1);
    expect(newerLine).toBeGreaterThan(overdueLine);
    expect(lines[overdueLine]).toMatch(/^⚠️ #\d+ Hapus data · .* · lewat 8 jam$/);
    expect(lines[newerLine]).toMatch(/^• #\d+ Perbaikan data · .* · sisa 72 jam$/);

    // The coordinator of another area sees none of them; a volunteer may not use the command.
    const far = await actor(FAR_COORD, "Rina");
    await far.send("/permintaan");
    expect(far.lastText()).toContain("Tidak ada permintaan data");
    const vol = await actor(9003, "Siti");
    await vol.send("/permintaan");
    expect(vol.lastText()).toContain("khusus untuk koordinator");

    // Opening one from the list shows it with its buttons.
    await coord.tap(/Hapus data$/);
    expect(coord.lastText()).toContain(`Keluarga: ${older.display}`);
    expect(coord.buttons()).toEqual(["🗑️ Hapus data", "❌ Tolak", "🏠 Buka kartu keluarga"]);
    await runJobs(t);
  });
});

describe("🗑️ Hapus data (deletion)", () => {
  it("after confirmation and a coordinator's decision, leaves no personal data in any table; anonymous counts remain", async () => {
    // Names, numbers and address of this family only (the other test families share the defaults).
    const HEAD = "Maryam Sulistyowati";
    const STREET = "Gang Kenanga Nomor 12";
    const SPOUSE = "Ruslan Hakim";
    const DAUGHTER = "Putri Ayuningtyas";
    const DAUGHTER_NIK = "3201015509120004";
    const h = await newHousehold({
      headName: HEAD,
      address: STREET,
      needsOther: "Tongkat untuk nenek Maryam",
    });
    await t.app.deps.db.deleteFrom("household_members").where("household_id", "=", h.id).execute();
    await t.app.deps.db
      .insertInto("household_members")
      .values([
        { household_id: h.id, name: SPOUSE, relationship: "suami", nik_enc: null, nik_hash: null, sex: "L", birth_date: "1965-01-02" },
        { household_id: h.id, name: DAUGHTER, relationship: "anak", nik_enc: t.app.deps.pii.encrypt(DAUGHTER_NIK), nik_hash: t.app.deps.pii.hash(DAUGHTER_NIK), sex: "P", birth_date: "2012-09-15" },
      ])
      .execute();
    const nik = `320101450868${String(serial).padStart(4, "0")}`;
    const kk = `320101200115${String(serial).padStart(4, "0")}`;
    const db = t.app.deps.db;
    // Some history with personal data attached: a subscription, a correction, a status reason.
    const family = t.driver.user({ id: 9106, firstName: "Ibu" });
    const cousin = t.driver.user({ id: 9107, firstName: "Sepupu" });
    await checkStatus(cousin, h.display, h.pin);
    await cousin.tap("🔔 Kabari saya");
    await checkStatus(family, h.display, h.pin);
    await family.tap("✏️ Perbaiki data");
    await family.send(`Nama suami seharusnya ${SPOUSE} bin Ahmad`);
    await db.updateTable("households").set({ last_visit_at: new Date(t.clock.now), next_visit_date: "2026-12-05" }).where("id", "=", h.id).execute();
    // A visit report with free text and media (visits feature).
    const visit = await db
      .insertInto("visits")
      .values({
        household_id: h.id,
        volunteer_id: volunteerId,
        visited_on: "2026-11-28",
        written_at: new Date(t.clock.now),
        purpose: "asesmen",
        intervention: "kuratif",
        conditions: ["sakit"],
        condition_note: "Ibu Maryam sakit gula, kaki bengkak",
        help_given: "Diantar ke puskesmas oleh Ruslan Hakim",
        referral_note: "Rujuk ke RSUD untuk Maryam",
        follow_up: false,
        urgency: "perhatian",
        latitude: -6.48,
        longitude: 106.83,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db.insertInto("visit_media").values({ visit_id: visit.id, kind: "photo", file_id: "visit-photo-maryam", file_unique_id: "vpm" }).execute();
    await db.insertInto("household_kk_history").values({ household_id: h.id, kk_enc: t.app.deps.pii.encrypt("3201012001150777"), kk_hash: t.app.deps.pii.hash("3201012001150777") }).execute();

    await family.tap("🗑️ Hapus data");
    expect(family.lastText()).toContain(`Hapus data pribadi keluarga ${h.display}?`);
    expect(family.lastText()).toContain("tidak bisa dibatalkan");
    await family.tap("Tidak jadi");
    expect(family.lastText()).toContain("data tidak dihapus");
    expect(await db.selectFrom("data_requests").select("id").where("household_id", "=", h.id).where("kind", "=", "deletion").execute()).toEqual([]);

    await family.tap("🗑️ Hapus data");
    await family.tap("🗑️ Ya, hapus data keluarga saya");
    expect(family.lastText()).toContain("Permintaan hapus data sudah kami catat");
    const request = await db.selectFrom("data_requests").selectAll().where("household_id", "=", h.id).where("kind", "=", "deletion").executeTakeFirstOrThrow();
    expect(request.status).toBe("open");
    // Asking twice does not make a second request.
    await family.tap("🗑️ Hapus data");
    expect(family.lastText()).toContain(`sudah tercatat (nomor #${request.id})`);

    const coord = await actor(COORD, "Bambang");
    coord.markSeen();
    await runJobs(t);
    expect(coord.newTexts().join("\n")).toContain(`#${request.id} — Hapus data`);
    const notice = coord.messages().find((m) => "text" in m && m.text?.includes(`#${request.id} — Hapus data`));
    await coord.tapData(`dsr:del:${request.id}`, notice!.message_id);
    expect(coord.lastText()).toContain(`Hapus data pribadi keluarga ${h.display} (${HEAD})?`);
    await coord.tap("🗑️ Ya, hapus sekarang");
    expect(coord.lastText()).toContain(`Data pribadi keluarga ${h.display} sudah dihapus`);
    family.markSeen();
    await runJobs(t);
    expect(family.newTexts().join("\n")).toContain(`Data pribadi keluarga ${h.display} sudah dihapus sesuai permintaan Anda`);

    // Scan every column of every table for any trace of the family.
    const everything = await dumpAllTables(t);
    const pii = t.app.deps.pii;
    for (const secret of [HEAD, "Sulistyowati", nik, kk, "3201012001150777", DAUGHTER_NIK, SPOUSE, DAUGHTER, STREET, "Kenanga", "Tongkat", pii.hash(nik), pii.hash(kk), pii.hash(DAUGHTER_NIK), pii.hash("3201012001150777"), "Maryam", "Ruslan", "visit-photo-maryam"]) {
      const hits = everything.split("\n").filter((line) => line.includes(secret));
      expect(hits, secret).toEqual([]);
    }
    // What remains is anonymous.
    const row = await findHousehold(db, h.id);
    expect(row).toMatchObject({
      head_name: "(dihapus)",
      head_nik_enc: null,
      kk_enc: null,
      head_birth_date: null,
      address: null,
      latitude: null,
      village_code: VILLAGE,
      status: "terdaftar",
      member_count: 3,
      ppks: ["lanjut_usia_terlantar", "fakir_miskin"],
    });
    expect(row!.anonymized_at?.getTime()).toBe(t.clock.now);
    expect(await db.selectFrom("household_members").select("id").where("household_id", "=", h.id).execute()).toEqual([]);
    expect(await db.selectFrom("household_photos").select("id").where("household_id", "=", h.id).execute()).toEqual([]);
    // The visit stays as a count, with its coded facts only.
    expect(await db.selectFrom("visits").select(["purpose", "urgency", "condition_note", "help_given", "latitude"]).where("household_id", "=", h.id).execute()).toEqual([
      { purpose: "asesmen", urgency: "perhatian", condition_note: null, help_given: null, latitude: null },
    ]);
    expect(await db.selectFrom("status_subscriptions").select("id").where("household_id", "=", h.id).execute()).toEqual([]);
    const audit = await db.selectFrom("audit_log").selectAll().where("action", "=", "household.anonymized").where("entity_id", "=", String(h.id)).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: coordinatorId, details: { requestId: request.id } });
    expect((await db.selectFrom("data_requests").selectAll().where("id", "=", request.id).executeTakeFirstOrThrow()).status).toBe("resolved");

    // The coordinators' notices no longer show the name.
    expect(coord.texts().filter((x) => x.includes(`#${request.id}`)).join("\n")).not.toContain(HEAD);
    // …nor do those about the family's earlier correction request (redrawn after the erasure).
    expect(coord.texts().filter((x) => x.includes(h.display)).join("\n")).not.toContain(HEAD);
    expect(coord.texts().filter((x) => x.includes(h.display)).join("\n")).not.toContain(SPOUSE);
    // The family's code no longer opens anything, and the old card's buttons are dead.
    expect(await checkStatus(family, h.display, h.pin)).toContain("Kode keluarga atau PIN tidak cocok");
    await family.tapData(`bs:data:${h.id}`);
    expect(family.lastCallbackAnswer()?.["text"]).toContain("Waktu pemeriksaan sudah habis");
  });
});
