import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { parse } from "csv-parse/sync";
import { createTestApp, type TestApp } from "../support/app.js";
import type { User } from "../../src/db/schema.js";
import { insertHousehold } from "../../src/db/queries/households.js";
import type { HouseholdDraft } from "../../src/domain/household.js";
import { HOUSEHOLD_HEADER, MEMBER_HEADER, VISIT_HEADER } from "../../src/bot/coordinator/export-data.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XlsxPartWriter } from "../../src/lib/export-writers.js";


/** Runs due jobs until none is left (one run claims only a few). */
async function runJobs(app: TestApp): Promise<void> {
  for (let i = 0; i < 20 && (await app.app.worker.runDue()) > 0; i++);
}

const BOGOR = "32.01";
const PONDOK_RAJEG = "32.01.01.1001"; // Kel. Pondok Rajeg, Kec. Cibinong, Kab. Bogor
const WANAHERANG = "32.01.02.2001"; // Desa Wanaherang, Kec. Gunungputri, Kab. Bogor
const WARNAJATI = "32.02.11.2006"; // Desa Warnajati, Kab. Sukabumi (outside)
const DAY = 86_400_000;
const MASKED = /^\d{4}•{8}\d{4}$/;

let counter = 0;
function draft(village: string, name: string, ppks: string[] = ["fakir_miskin"], members: HouseholdDraft["members"] = []): HouseholdDraft & { nik: string } {
  counter++;
  const n = String(counter).padStart(4, "0");
  const nik = `320101450868${n}`;
  return {
    consentAt: "2026-11-01T03:00:00.000Z",
    headName: name,
    headNik: nik,
    kk: `320101200115${n}`,
    headSex: "P",
    headBirthDate: "1968-08-05",
    villageCode: village,
    rt: "003",
    rw: "005",
    address: "Jl. Melati, No. 4\nGang \"Mawar\"",
    location: null,
    memberCount: 4,
    members,
    ppks: ppks as HouseholdDraft["ppks"],
    housing: "tidak_layak",
    programmes: ["pkh"],
    programmeOther: null,
    needs: ["pangan"],
    needsOther: null,
    desil: 1,
    photos: [],
    nik,
  };
}

async function seedUser(t: TestApp, v: { tg: number; role: User["role"]; status?: User["status"]; name: string; area: string | null; lastActive?: Date }) {
  return t.app.deps.db
    .insertInto("users")
    .values({
      telegram_id: v.tg,
      role: v.role,
      status: v.status ?? "active",
      name: v.name,
      locale: "id",
      area_code: v.area,
      last_active_at: v.lastActive ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function seedHousehold(
  t: TestApp,
  volunteer: User,
  village: string,
  name: string,
  o: { createdAt?: string; status?: string; nextVisit?: string | null; ppks?: string[]; members?: HouseholdDraft["members"] } = {},
): Promise<{ id: number; refCode: string; nik: string }> {
  const d = draft(village, name, o.ppks, o.members);
  const h = await insertHousehold(t.app.deps.db, t.app.deps.pii, d, { userId: volunteer.id, locale: "id" });
  await t.app.deps.db
    .updateTable("households")
    .set({
      ...(o.createdAt ? { created_at: o.createdAt } as never : {}),
      ...(o.status ? { status: o.status } : {}),
      next_visit_date: o.nextVisit ?? null,
    })
    .where("id", "=", h.id)
    .execute();
  return { ...h, nik: d.nik };
}

async function seedVisit(t: TestApp, householdId: number, volunteerId: number, visitedOn: string): Promise<number> {
  const row = await t.app.deps.db
    .insertInto("visits")
    .values({
      household_id: householdId,
      volunteer_id: volunteerId,
      visited_on: visitedOn,
      written_at: `${visitedOn}T03:00:00Z`,
      purpose: "monitoring",
      intervention: "preventif",
      conditions: ["stabil"],
      follow_up: false,
      next_visit_date: null,
      urgency: "biasa",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

function upload(t: TestApp, method: string) {
  return t.fake.uploads.filter((u) => u.method === method);
}

describe("/rekap and /ekspor", () => {
  let t: TestApp;
  let coordinator: User;
  let ani: User;
  const households: { id: number; refCode: string; nik: string }[] = [];

  beforeAll(async () => {
    // 2026-11-28 09:00 WIB, a Saturday: the week started on Monday 23 November.
    t = await createTestApp();
    const now = t.clock.now;
    coordinator = await seedUser(t, { tg: 9200, role: "coordinator", name: "Koordinator Bogor", area: BOGOR });
    ani = await seedUser(t, { tg: 9201, role: "volunteer", name: "Ani", area: PONDOK_RAJEG, lastActive: new Date(now - 2 * DAY) });
    const budi = await seedUser(t, { tg: 9202, role: "volunteer", name: "Budi", area: WANAHERANG, lastActive: new Date(now - 40 * DAY) });
    await seedUser(t, { tg: 9203, role: "volunteer", status: "pending", name: "Calon", area: PONDOK_RAJEG });
    const suka = await seedUser(t, { tg: 9204, role: "volunteer", name: "Sukma", area: WARNAJATI, lastActive: new Date(now) });

    // This week; its planned visit is 27 days past: overdue.
    households.push(
      await seedHousehold(t, ani, PONDOK_RAJEG, "Siti Aminah", {
        createdAt: new Date(now).toISOString(),
        nextVisit: "2026-11-01",
        ppks: ["fakir_miskin", "lanjut_usia_terlantar"],
        members: [
          { name: "Bambang Santoso", relationship: "suami", nik: "3201010101700009", sex: "L", birthDate: "1970-01-01" },
          { name: "Putri Aminah", relationship: "anak", nik: null, sex: "P", birthDate: "2012-03-04" },
        ],
      }),
    );
    // This month; next visit planned.
    households.push(await seedHousehold(t, ani, PONDOK_RAJEG, "Rahmat Hidayat", { createdAt: "2026-11-10T03:00:00Z", status: "diverifikasi", nextVisit: "2026-12-05" }));
    // Older, next visit 10 days past (not yet overdue with OVERDUE_DAYS 14).
    households.push(await seedHousehold(t, budi, WANAHERANG, "Dewi Lestari", { createdAt: "2026-10-01T03:00:00Z", nextVisit: "2026-11-18" }));
    // Finished: never overdue.
    households.push(await seedHousehold(t, budi, WANAHERANG, "Joko Susilo", { createdAt: "2026-10-01T03:00:00Z", status: "selesai", nextVisit: "2026-10-05" }));
    const outside = await seedHousehold(t, suka, WARNAJATI, "Orang Sukabumi");

    const v1 = await seedVisit(t, households[0]!.id, ani.id, "2026-11-25");
    await seedVisit(t, households[1]!.id, ani.id, "2026-11-05");
    await seedVisit(t, households[1]!.id, ani.id, "2026-09-14");
    const vOut = await seedVisit(t, outside.id, suka.id, "2026-11-26");
    await t.app.deps.db
      .insertInto("alerts")
      .values([
        { visit_id: v1, household_id: households[0]!.id, area_code: PONDOK_RAJEG, status: "open" },
        { visit_id: vOut, household_id: outside.id, area_code: WARNAJATI, status: "open" },
      ])
      .execute();
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    t.fake.assertNoViolations();
  });

  it("/rekap shows the area's figures in one message and a PNG chart of visits per week", async () => {
    const coord = t.driver.user({ id: 9200, firstName: "Koordinator" });
    await coord.send("/rekap");
    const text = coord.newTexts().join("\n");
    expect(text).toContain("Rekap Kab. Bogor — Jawa Barat");
    expect(text).toContain("28 November 2026 (WIB)");
    expect(text).toContain("Keluarga dampingan: 4");
    expect(text).toContain("Terdaftar 2 · Diverifikasi 1 · Selesai 1");
    expect(text).toContain("PPKS terbanyak: Fakir miskin 4 · Lansia terlantar 1");
    expect(text).toContain("Keluarga baru: minggu ini 1 · bulan ini 2");
    expect(text).toContain("Kunjungan: minggu ini 1 · bulan ini 2");
    expect(text).toContain("Terlambat dikunjungi (lewat lebih dari 14 hari dari jadwal): 1 keluarga");
    expect(text).toContain("Relawan: 2 terdaftar, 1 aktif 30 hari terakhir · menunggu persetujuan: 1");
    expect(text).toContain("Laporan darurat belum ditanggapi: 1");
    expect(text).not.toContain("Sukabumi");

    const photos = upload(t, "sendPhoto");
    expect(photos).toHaveLength(1);
    const png = photos[0]!.content;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
    expect(png.readUInt32BE(16)).toBe(900);
    expect(png.readUInt32BE(20)).toBe(480);
    expect(png.subarray(png.length - 8, png.length - 4).toString("ascii")).toBe("IEND");
    expect(t.fake.last("sendPhoto")?.payload.caption).toContain("12 minggu terakhir");
  });

  it("/ekspor sends an XLSX with one sheet each (members too), Indonesian headers, region names, local times and masked NIK", async () => {
    t.fake.clear();
    const coord = t.driver.user({ id: 9200, firstName: "Koordinator" });
    await coord.send("/ekspor");
    expect(coord.lastText()).toContain("Keluarga: 4 · Kunjungan: 3");
    await coord.tap("📊 Excel: keluarga, anggota + kunjungan");
    expect(coord.lastText()).toContain("Sedang menyiapkan file");
    await runJobs(t);
    const docs = upload(t, "sendDocument");
    expect(docs).toHaveLength(1);
    expect(docs[0]!.filename).toBe("pendamping_keluarga-kunjungan_3201_2026-11-28.xlsx");
    const caption = String(t.fake.last("sendDocument")?.payload.caption);
    expect(caption).toContain("NIK dan No. KK disamarkan");
    // Households, members and visits counted apart (not "9 baris").
    expect(caption).toContain("4 keluarga, 2 anggota keluarga, 3 kunjungan · file 1 dari 1");
    expect(caption).not.toContain("baris");

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(docs[0]!.content as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(["Keluarga", "Anggota keluarga", "Kunjungan"]);
    const sheet = wb.getWorksheet("Keluarga")!;
    const rows: string[][] = [];
    sheet.eachRow((r) => rows.push(HOUSEHOLD_HEADER.map((_, i) => { const v = (r.values as unknown[])[i + 1]; return v === null || v === undefined ? "" : String(v); })));
    expect(rows[0]).toEqual(HOUSEHOLD_HEADER);
    expect(rows).toHaveLength(5);
    const col = (name: string) => HOUSEHOLD_HEADER.indexOf(name);
    const names = rows.slice(1).map((r) => r[col("Nama kepala keluarga")]);
    expect(names.sort()).toEqual(["Dewi Lestari", "Joko Susilo", "Rahmat Hidayat", "Siti Aminah"]);
    for (const r of rows.slice(1)) {
      expect(r[col("NIK kepala keluarga")]).toMatch(MASKED);
      expect(r[col("No. KK")]).toMatch(MASKED);
      expect(r[col("Kabupaten/Kota")]).toBe("Kab. Bogor");
      expect(r[col("Provinsi")]).toBe("Jawa Barat");
    }
    const siti = rows.find((r) => r[col("Nama kepala keluarga")] === "Siti Aminah")!;
    expect(siti[col("Kode wilayah")]).toBe(PONDOK_RAJEG);
    expect(siti[col("Desa/Kelurahan")]).toBe("Kel. Pondok Rajeg");
    expect(siti[col("Kecamatan")]).toBe("Kec. Cibinong");
    expect(siti[col("Terdaftar")]).toBe("2026-11-28 09:00 WIB");
    expect(siti[col("Kategori PPKS")]).toBe("Fakir miskin; Lansia terlantar");
    expect(siti[col("Status")]).toBe("Terdaftar");
    expect(siti[col("Pendamping")]).toBe("Ani");
    expect(siti[col("Alamat")]).toBe("Jl. Melati, No. 4\nGang \"Mawar\"");
    // Codes stay text ("003", not 3).
    expect(siti[col("RT")]).toBe("003");
    expect(sheet.getRow(rows.findIndex((r) => r === siti) + 1).getCell(col("RT") + 1).type).toBe(ExcelJS.ValueType.String);
    // The date of the last visit (as reported), not when a report was written; none: empty.
    const rahmat = rows.find((r) => r[col("Nama kepala keluarga")] === "Rahmat Hidayat")!;
    expect(siti[col("Kunjungan terakhir")]).toBe("2026-11-25");
    expect(rahmat[col("Kunjungan terakhir")]).toBe("2026-11-05");
    expect(rows.find((r) => r[col("Nama kepala keluarga")] === "Dewi Lestari")![col("Kunjungan terakhir")]).toBe("");

    const members: string[][] = [];
    wb.getWorksheet("Anggota keluarga")!.eachRow((r) => members.push(MEMBER_HEADER.map((_, i) => { const v = (r.values as unknown[])[i + 1]; return v === null || v === undefined ? "" : String(v); })));
    expect(members[0]).toEqual(MEMBER_HEADER);
    const mcol = (name: string) => MEMBER_HEADER.indexOf(name);
    expect(members.slice(1).map((m) => [m[mcol("Kode keluarga")], m[mcol("Nama kepala keluarga")], m[mcol("Nama anggota")], m[mcol("Hubungan dengan kepala keluarga")], m[mcol("Jenis kelamin")], m[mcol("Tanggal lahir")]])).toEqual([
      [siti[col("Kode keluarga")], "Siti Aminah", "Bambang Santoso", "Suami", "L", "1970-01-01"],
      [siti[col("Kode keluarga")], "Siti Aminah", "Putri Aminah", "Anak", "P", "2012-03-04"],
    ]);
    expect(members[1]![mcol("NIK anggota")]).toMatch(MASKED);
    expect(members[2]![mcol("NIK anggota")]).toBe("");

    const visits: string[][] = [];
    wb.getWorksheet("Kunjungan")!.eachRow((r) => visits.push((r.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? "" : String(v)))));
    expect(visits[0]).toEqual(VISIT_HEADER);
    expect(visits).toHaveLength(4);
    expect(visits.slice(1).map((r) => r[VISIT_HEADER.indexOf("Tanggal kunjungan")]).sort()).toEqual(["2026-09-14", "2026-11-05", "2026-11-25"]);
    expect(visits[1]![VISIT_HEADER.indexOf("Tujuan")]).toBe("Monitoring");

    const auditRow = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "export.created").executeTakeFirstOrThrow();
    expect(auditRow).toMatchObject({ actor_id: coordinator.id, details: { kind: "x", full: false, households: 4, members: 2, visits: 3, files: 1 } });
  });

  it("/ekspor CSV with full NIK only after an explicit, audited request", async () => {
    t.fake.clear();
    const coord = t.driver.user({ id: 9200, firstName: "Koordinator" });
    await coord.send("/ekspor");
    await coord.tap("🔓 Perlu NIK & No. KK lengkap…");
    expect(coord.lastText()).toContain("dicatat atas nama Anda");
    await coord.tap("📄 CSV keluarga");
    expect(coord.lastText()).toContain("lengkap");
    await runJobs(t);
    const docs = upload(t, "sendDocument");
    expect(docs).toHaveLength(1);
    expect(docs[0]!.filename).toBe("pendamping_keluarga_3201_2026-11-28.csv");
    const content = docs[0]!.content.toString("utf8");
    expect(content.charCodeAt(0)).toBe(0xfeff);
    // Semicolons between columns: Excel with Indonesian regional settings opens it in columns.
    expect(content.split("\r\n")[0]).toBe("\uFEFF" + HOUSEHOLD_HEADER.join(";"));
    const rows = parse(content, { bom: true, delimiter: ";", relax_column_count: false }) as string[][];
    expect(rows[0]).toEqual(HOUSEHOLD_HEADER);
    expect(rows).toHaveLength(5);
    // Codes are written so that Excel keeps them as text: ="003", a full NIK without 3.2E+15.
    expect(rows[1]![HOUSEHOLD_HEADER.indexOf("RT")]).toBe('="003"');
    expect(rows[1]![HOUSEHOLD_HEADER.indexOf("Kode wilayah")]).toMatch(/^="32\.01\.0\d\.\d{4}"$/);
    const niks = rows.slice(1).map((r) => r[HOUSEHOLD_HEADER.indexOf("NIK kepala keluarga")]);
    expect(niks.sort()).toEqual(households.map((h) => `="${h.nik}"`).sort());
    expect(rows.find((r) => r[1] === "Siti Aminah")![HOUSEHOLD_HEADER.indexOf("Alamat")]).toBe("Jl. Melati, No. 4\nGang \"Mawar\"");
    const actions = (await t.app.deps.db.selectFrom("audit_log").select(["action", "details"]).where("action", "like", "export.%full%").execute()).map((r) => r.action);
    expect(actions).toEqual(["export.requested_full_identity", "export.created_full_identity"]);
    expect(t.fake.last("sendDocument")?.payload.caption).toContain("lengkap");
    expect(t.fake.last("sendDocument")?.payload.caption).toContain("pemisah titik koma (;)");
    expect(t.fake.last("sendDocument")?.payload.caption).toContain("4 keluarga · file 1 dari 1");
  });

  it("/ekspor CSV of household members", async () => {
    t.fake.clear();
    const coord = t.driver.user({ id: 9200, firstName: "Koordinator" });
    await coord.send("/ekspor");
    await coord.tap("📄 CSV anggota keluarga");
    await runJobs(t);
    const docs = upload(t, "sendDocument");
    expect(docs).toHaveLength(1);
    expect(docs[0]!.filename).toBe("pendamping_anggota-keluarga_3201_2026-11-28.csv");
    const rows = parse(docs[0]!.content.toString("utf8"), { bom: true, delimiter: ";" }) as string[][];
    expect(rows[0]).toEqual(MEMBER_HEADER);
    expect(rows.slice(1).map((r) => r[MEMBER_HEADER.indexOf("Nama anggota")])).toEqual(["Bambang Santoso", "Putri Aminah"]);
    expect(t.fake.last("sendDocument")?.payload.caption).toContain("2 anggota keluarga · file 1 dari 1");
  });

  it("/ekspor CSV of visits, masked by default", async () => {
    t.fake.clear();
    const coord = t.driver.user({ id: 9200, firstName: "Koordinator" });
    await coord.send("/ekspor");
    await coord.tap("📄 CSV kunjungan");
    await runJobs(t);
    const docs = upload(t, "sendDocument");
    expect(docs).toHaveLength(1);
    const rows = parse(docs[0]!.content.toString("utf8"), { bom: true, delimiter: ";" }) as string[][];
    expect(rows[0]).toEqual(VISIT_HEADER);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => !r.join(",").includes("Sukabumi"))).toBe(true);
    expect(rows[1]![VISIT_HEADER.indexOf("Laporan ditulis")]).toMatch(/^2026-\d\d-\d\d 10:00 WIB$/);
  });
});

describe("/ekspor splits files above the upload limit", () => {
  let t: TestApp;
  const LIMIT = 30_000;
  const N = 300;

  beforeAll(async () => {
    t = await createTestApp({ env: { EXPORT_SPLIT_BYTES: String(LIMIT) } });
    await seedUser(t, { tg: 9300, role: "coordinator", name: "Koordinator", area: BOGOR });
    const v = await seedUser(t, { tg: 9301, role: "volunteer", name: "Ani", area: PONDOK_RAJEG });
    for (let i = 0; i < N; i++) await seedHousehold(t, v, i % 2 === 0 ? PONDOK_RAJEG : WANAHERANG, `Kepala Keluarga ${i}`);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("splits CSV into numbered parts, each with the header, none above the limit, no row lost", async () => {
    const coord = t.driver.user({ id: 9300, firstName: "Koordinator" });
    await coord.send("/ekspor");
    await coord.tap("📄 CSV keluarga");
    await runJobs(t);
    const docs = upload(t, "sendDocument");
    expect(docs.length).toBeGreaterThan(2);
    const names = new Set<string>();
    docs.forEach((d, i) => {
      expect(d.filename).toBe(`pendamping_keluarga_3201_2026-11-28_bagian-${i + 1}-dari-${docs.length}.csv`);
      expect(d.size).toBeLessThanOrEqual(LIMIT);
      const rows = parse(d.content.toString("utf8"), { bom: true, delimiter: ";" }) as string[][];
      expect(rows[0]).toEqual(HOUSEHOLD_HEADER);
      for (const r of rows.slice(1)) {
        expect(r[HOUSEHOLD_HEADER.indexOf("NIK kepala keluarga")]).toMatch(MASKED);
        names.add(r[1]!);
      }
    });
    expect(names.size).toBe(N);
    expect(t.fake.calls.filter((c) => c.method === "sendDocument").map((c) => c.payload.caption as string)[1]).toContain(`file 2 dari ${docs.length}`);
  });

  it("splits XLSX into workbooks under the limit that together hold every row", async () => {
    t.fake.clear();
    const coord = t.driver.user({ id: 9300, firstName: "Koordinator" });
    await coord.send("/ekspor");
    await coord.tap("📊 Excel: keluarga, anggota + kunjungan");
    await runJobs(t);
    const docs = upload(t, "sendDocument");
    expect(docs.length).toBeGreaterThan(1);
    const names = new Set<string>();
    for (const d of docs) {
      expect(d.size).toBeLessThanOrEqual(LIMIT);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(d.content as unknown as ArrayBuffer);
      const sheet = wb.getWorksheet("Keluarga");
      sheet?.eachRow((r, i) => {
        if (i > 1) names.add(String((r.values as unknown[])[2]));
      });
    }
    expect(names.size).toBe(N);
  });
});

describe("XlsxPartWriter", () => {
  it("in strict mode keeps every part under even a tiny limit (the fallback when compression lags)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xlsx-test-"));
    try {
      const row = (i: number) => HOUSEHOLD_HEADER.map((_, c) => (c === 0 ? `K${i}` : `nilai & <${c}> "${i}" baris panjang ${i * c}`));
      const lag = new XlsxPartWriter(dir, "lag", 12_000);
      lag.beginSheet({ name: "Keluarga", header: HOUSEHOLD_HEADER });
      for (let i = 0; i < 150; i++) await lag.add(row(i));
      const loose = await lag.finish();
      expect(Math.max(...loose.map((p) => p.bytes))).toBeGreaterThan(12_000);

      const w = new XlsxPartWriter(dir, "strict", 12_000, true);
      w.beginSheet({ name: "Keluarga", header: HOUSEHOLD_HEADER });
      for (let i = 0; i < 150; i++) await w.add(row(i));
      const parts = await w.finish();
      expect(parts.length).toBeGreaterThan(2);
      let total = 0;
      for (const p of parts) {
        expect(p.bytes).toBeLessThanOrEqual(12_000);
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(readFileSync(p.path) as unknown as ArrayBuffer);
        const sheet = wb.getWorksheet("Keluarga")!;
        expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(HOUSEHOLD_HEADER);
        total += sheet.rowCount - 1;
      }
      expect(total).toBe(150);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
