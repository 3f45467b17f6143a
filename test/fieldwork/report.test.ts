import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { maskNik } from "../../src/domain/mask.js";
import { BONTORANNU, KARADENAN, PONDOK_RAJEG, WANAHERANG, runJobs, seedHousehold, seedUser, seedVisit, shown, type SeededHousehold } from "./support.js";

// Tuesday 1 December 2026, 10:00 WIB: the November report is the one to make.
const START = new Date("2026-12-01T03:00:00Z");
const ARTIFACTS = join(process.cwd(), "test-artifacts");

let t: TestApp;
let budi: User;
let sari: User;
let budiChat: TestUser;
let rinaChat: TestUser;
let jokoChat: TestUser;
const registered: SeededHousehold[] = [];
let outside: SeededHousehold[] = [];

const uploads = (ext: string) => t.fake.uploads.filter((u) => u.method === "sendDocument" && u.filename.endsWith(ext));
const reportJobs = () => t.app.deps.db.selectFrom("job").select(["id", "payload"]).where("name", "=", "fieldwork-report").execute();

function pdfText(content: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "fw-pdf-"));
  const file = join(dir, "laporan.pdf");
  writeFileSync(file, content);
  return execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
}

/** Rows of a table section: lines starting with a row number and a date in November. */
const rowLines = (section: string) => section.split("\n").filter((l) => /^\s*\d+\s+\d{1,2} November 2026/.test(l));

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 7001, role: "volunteer", name: "Budi Santoso", area: PONDOK_RAJEG });
  sari = await seedUser(t, { tg: 7002, role: "volunteer", name: "Sari Wulandari", area: WANAHERANG });
  await seedUser(t, { tg: 7003, role: "coordinator", name: "Rina Marlina", area: "32.01.01" });
  await seedUser(t, { tg: 7004, role: "coordinator", name: "Joko Susilo", area: "32.01.02" });
  const mira = await seedUser(t, { tg: 7005, role: "volunteer", name: "Mira Daeng", area: BONTORANNU });

  // Budi registered 8 households in November (local time); one on 31 October at 23:30 WIB
  // and one on 1 December at 00:30 WIB do not count.
  for (let i = 0; i < 8; i++) {
    registered.push(
      await seedHousehold(t, budi, {
        village: i < 6 ? PONDOK_RAJEG : KARADENAN,
        name: `Kepala Keluarga ${i + 1}`,
        rt: String(i + 1).padStart(3, "0"),
        rw: "002",
        createdAt: new Date(Date.UTC(2026, 10, 2 + 3 * i, 2)),
        draft: i % 3 === 0 ? { ppks: ["lanjut_usia_terlantar", "fakir_miskin"] } : {},
      }),
    );
  }
  outside = [
    await seedHousehold(t, budi, { village: PONDOK_RAJEG, name: "Daftar Oktober", createdAt: new Date("2026-10-31T16:30:00Z") }),
    await seedHousehold(t, budi, { village: PONDOK_RAJEG, name: "Daftar Desember", createdAt: new Date("2026-11-30T17:30:00Z") }),
  ];
  // 12 November visits by Budi: 5 preventif, 4 kuratif, 2 rehabilitatif, 1 pengembangan; 3 with 2 photos.
  const kinds = ["preventif", "kuratif", "preventif", "kuratif", "rehabilitatif", "preventif", "kuratif", "pengembangan", "preventif", "kuratif", "rehabilitatif", "preventif"] as const;
  for (const [i, intervention] of kinds.entries()) {
    await seedVisit(t, {
      householdId: registered[i % 8]!.id,
      volunteerId: budi.id,
      on: `2026-11-${String(3 + 2 * i).padStart(2, "0")}`,
      intervention,
      urgency: i === 4 ? "perhatian" : "biasa",
      photos: i % 4 === 0 ? 2 : 0,
      helpGiven: i === 1 ? "Mengantar sembako & obat" : null,
      referral: i === 2 ? "puskesmas_rs" : null,
      // One report delivered three days after it was written.
      ...(i === 6 ? { writtenAt: new Date("2026-11-15T03:00:00Z"), createdAt: new Date("2026-11-18T05:00:00Z") } : {}),
    });
  }
  await seedVisit(t, { householdId: registered[0]!.id, volunteerId: budi.id, on: "2026-10-31" });
  await seedVisit(t, { householdId: registered[1]!.id, volunteerId: budi.id, on: "2026-12-01" });
  // Sari's and Mira's work is theirs.
  const sariHome = await seedHousehold(t, sari, { village: WANAHERANG, name: "Yohana Purba", createdAt: new Date("2026-11-10T02:00:00Z") });
  for (let i = 0; i < 3; i++) await seedVisit(t, { householdId: sariHome.id, volunteerId: sari.id, on: `2026-11-${10 + i}` });
  const miraHome = await seedHousehold(t, mira, { village: BONTORANNU, name: "Andi Baso", createdAt: new Date("2026-11-10T02:00:00Z") });
  await seedVisit(t, { householdId: miraHome.id, volunteerId: mira.id, on: "2026-11-10" });

  budiChat = t.driver.user({ id: 7001, firstName: "Budi" });
  rinaChat = t.driver.user({ id: 7003, firstName: "Rina" });
  jokoChat = t.driver.user({ id: 7004, firstName: "Joko" });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("/laporan — the monthly activity report", () => {
  it("a volunteer picks a month and gets a PDF in the Dinas Sosial layout and the same data as XLSX", async () => {
    await budiChat.send("/laporan");
    expect(budiChat.lastText()).toContain("Laporan kegiatan bulanan");
    expect(budiChat.buttons().slice(0, 2)).toEqual(["Desember 2026", "November 2026"]);
    await budiChat.tap("November 2026");
    expect(budiChat.lastText()).toContain("Sedang menyiapkan laporan November 2026 — Budi Santoso");
    await runJobs(t);
    const [pdf] = uploads(".pdf");
    const [xlsx] = uploads(".xlsx");
    expect(pdf?.filename).toBe("laporan-kegiatan_budi-santoso_2026-11.pdf");
    expect(xlsx?.filename).toBe("laporan-kegiatan_budi-santoso_2026-11.xlsx");
    expect(t.fake.calls.filter((c) => c.method === "sendDocument").map((c) => c.payload.caption)[0]).toContain("12 kunjungan · 8 keluarga baru. NIK disamarkan.");

    const text = pdfText(pdf!.content);
    // Header.
    expect(text).toContain("PEMERINTAH KABUPATEN BOGOR");
    expect(text).toContain("DINAS SOSIAL");
    expect(text).toContain("LAPORAN KEGIATAN BULANAN");
    expect(text).toMatch(/Nama pendamping\s+:\s+Budi Santoso/);
    expect(text).toMatch(/Wilayah tugas\s+:\s+Kel\. Pondok Rajeg — Kec\. Cibinong, Kab\. Bogor, Jawa Barat/);
    expect(text).toMatch(/Periode\s+:\s+November 2026 \(1 November 2026 – 30 November 2026\)/);
    // Tables: 12 visits, 8 registrations, nothing from October, December or other volunteers.
    const [before, after] = text.split("B. Pendataan keluarga baru");
    const [visitsPart] = before!.split("A. Kunjungan pendampingan").slice(1);
    const [registrationsPart] = after!.split("C. Rekapitulasi");
    expect(text).toContain("A. Kunjungan pendampingan (12 kunjungan)");
    expect(text).toContain("B. Pendataan keluarga baru (8 keluarga)");
    expect(rowLines(visitsPart!)).toHaveLength(12);
    expect(rowLines(registrationsPart!)).toHaveLength(8);
    expect(text).toContain(shown(registered[0]!.refCode));
    expect(text).not.toMatch(/Daftar Oktober|Daftar Desember|Yohana|Andi Baso|31 Oktober 2026/);
    expect(visitsPart).toMatch(/\(dikirim 3 hari\b/); // the note under the date of the late report
    expect(visitsPart).toContain("Bantuan: Mengantar sembako & obat");
    expect(visitsPart).toContain("Dirujuk ke Puskesmas / rumah sakit");
    // Masked NIKs only.
    for (const h of registered) {
      expect(text).toContain(maskNik(h.nik));
      expect(text).not.toContain(h.nik);
    }
    // Totals by intervention and PPKS.
    expect(text).toMatch(/12 kunjungan ke 8 keluarga\s+6/);
    expect(text).toMatch(/Jumlah kunjungan: 12 · keluarga dikunjungi: 8 · keluarga baru didata: 8 · dokumentasi foto: 6 · rujukan: 1/);
    expect(text).toMatch(/Preventif \(pencegahan\)\s+5/);
    expect(text).toMatch(/Kuratif \(penanganan\)\s+4/);
    expect(text).toMatch(/Rehabilitatif \(pemulihan\)\s+2/);
    expect(text).toMatch(/Pengembangan \(pemberdayaan\)\s+1/);
    expect(text).toMatch(/Fakir miskin\s+8\s+12\s+8/);
    expect(text).toMatch(/Lansia terlantar\s+3\s+5\s+3/);
    // Signatures: place and date, the volunteer, the area's coordinator.
    expect(text).toContain("Cibinong, 1 Desember 2026");
    expect(text).toContain("Pelapor (PSM)");
    expect(text).toContain("Koordinator / TKSK");
    expect(text).toContain("Rina Marlina");
    expect(text).toMatch(/Halaman 1 dari \d/);

    // Page 1 as a picture, to look at.
    const dir = mkdtempSync(join(tmpdir(), "fw-png-"));
    writeFileSync(join(dir, "laporan.pdf"), pdf!.content);
    execFileSync("pdftoppm", ["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", join(dir, "laporan.pdf"), join(dir, "page1")]);
    renameSync(join(dir, "page1.png"), join(ARTIFACTS, "laporan-kegiatan-page1.png"));
    writeFileSync(join(ARTIFACTS, "laporan-kegiatan.pdf"), pdf!.content);
    expect(statSync(join(ARTIFACTS, "laporan-kegiatan-page1.png")).size).toBeGreaterThan(10_000);
    expect(readFileSync(join(ARTIFACTS, "laporan-kegiatan-page1.png")).subarray(1, 4).toString()).toBe("PNG");

    // The XLSX holds the same rows.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx!.content as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(["Kunjungan", "Keluarga baru", "Rekap"]);
    expect(wb.getWorksheet("Kunjungan")!.rowCount).toBe(13);
    const regs = wb.getWorksheet("Keluarga baru")!;
    expect(regs.rowCount).toBe(9);
    const niks = (regs.getColumn(5).values as unknown[]).slice(2).map(String);
    expect(niks).toEqual(registered.map((h) => maskNik(h.nik)));

    const audit = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "report.created").executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: budi.id, entity: "user", entity_id: String(budi.id) });
    expect(t.logs.join("\n")).not.toMatch(/Kepala Keluarga 1|Budi Santoso/);
  });

  it("volunteers cannot get other volunteers' or the area's reports, even with forged buttons", async () => {
    const before = (await reportJobs()).length;
    await budiChat.tapData(`fw:lm:v${sari.id}`);
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: "Anda tidak bisa membuat laporan untuk relawan atau wilayah ini." });
    await budiChat.tapData(`fw:l:v${sari.id}:202611`);
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    await budiChat.tapData("fw:l:a:202611");
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    await budiChat.tapData("fw:lw:0");
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    // A future month is refused too.
    await budiChat.tapData("fw:l:s:202701");
    expect(budiChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(await reportJobs()).toHaveLength(before);
  });

  it("a coordinator gets any volunteer of the area, or the whole area, and nothing outside it", async () => {
    t.fake.clear();
    await rinaChat.send("/laporan");
    expect(rinaChat.buttons()).toContain("Budi Santoso");
    expect(rinaChat.buttons()).not.toContain("Sari Wulandari");
    await rinaChat.tap("Budi Santoso");
    await rinaChat.tap("November 2026");
    await runJobs(t);
    const text = pdfText(uploads(".pdf")[0]!.content);
    expect(text).toMatch(/Nama pendamping\s+:\s+Budi Santoso/);
    expect(rowLines(text.split("B. Pendataan")[0]!)).toHaveLength(12);
    expect(text).toContain("Rina Marlina");

    // The area: every report on the area's households (Budi's), not Sari's (Kec. Gunung Putri).
    t.fake.clear();
    await rinaChat.send("/laporan");
    await rinaChat.tap(/^👥 Seluruh wilayah/);
    await rinaChat.tap("November 2026");
    await runJobs(t);
    const area = pdfText(uploads(".pdf")[0]!.content);
    expect(area).toMatch(/Pendamping\s+:\s+Seluruh pendamping di Kec\. Cibinong — Kab\. Bogor, Jawa Barat/);
    expect(rowLines(area.split("B. Pendataan")[0]!)).toHaveLength(12);
    expect(area).not.toMatch(/Yohana|Sari Wulandari/);
    expect(area).toContain("Kepala Dinas Sosial");

    // Forged: a volunteer outside the area.
    const before = (await reportJobs()).length;
    await rinaChat.tapData(`fw:l:v${sari.id}:202611`);
    expect(rinaChat.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: "Anda tidak bisa membuat laporan untuk relawan atau wilayah ini." });
    await jokoChat.send("/laporan");
    expect(jokoChat.buttons()).toContain("Sari Wulandari");
    expect(jokoChat.buttons()).not.toContain("Budi Santoso");
    await jokoChat.tapData(`fw:l:v${budi.id}:202611`);
    expect(jokoChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(await reportJobs()).toHaveLength(before);
  });

  it("the job decides again: a report goes only to the requester's own private chat", async () => {
    t.fake.clear();
    await t.app.deps.jobs.enqueue(t.app.deps.db, "fieldwork-report", { userId: budi.id, chatId: 7003, subject: "s", month: "2026-11" });
    await runJobs(t);
    expect(uploads(".pdf")).toHaveLength(0);
    expect(rinaChat.lastText()).toContain("tidak bisa membuat laporan");
  });
});
