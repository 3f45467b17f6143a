import type ExcelJS from "exceljs";
import type JSZip from "jszip";
import type { Api, RawApi } from "grammy";
import type { Db, Household } from "../../db/schema.js";
import type { PiiCrypto } from "../../pii.js";
import type { TFunction } from "../../i18n.js";
import type { Logger } from "../../logger.js";
import { getRegionPath } from "../../db/queries/regions.js";
import { evidenceRows, kindOf, packageProposals, readKkPhoto, type Package, type Proposal } from "../../db/queries/dtsen.js";
import { displayRegionName } from "../../domain/region-names.js";
import { evidenceFileWord, isPhotoItem, letterFor, windowById, windowLabel, type PhotoItem, type WindowSpec } from "../../domain/dtsen.js";
import { formatRefCode } from "../../domain/refcode.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { localDate } from "../../domain/visit.js";
import { formatDateId } from "../../domain/dates.js";
import { FONT, contentWidth, drawTable, renderPdf, type Pdf } from "../../lib/pdf.js";
import { downloadTelegramFile, extensionOf } from "../../lib/telegram-files.js";

/**
 * Pendamping's own column layout of the hand-over file (no official layout is published; it
 * is documented in the README, "DTSEN hand-over file"). One row per verified proposal.
 * Never reorder or rename columns without updating the README: operators build on it.
 */
export const PACKAGE_HEADER = [
  "No",
  "Kode keluarga",
  "Jenis usulan",
  "Alasan",
  "Keterangan relawan",
  "NIK kepala keluarga",
  "No. KK",
  "Nama kepala keluarga",
  "Alamat",
  "RT",
  "RW",
  "Kode wilayah",
  "Desa/Kelurahan",
  "Kecamatan",
  "Kabupaten/Kota",
  "Provinsi",
  "Kategori PPKS",
  "Kondisi rumah",
  "Jumlah anggota",
  "Lintang",
  "Bujur",
  "Persetujuan keluarga",
  "Berkas bukti (ZIP)",
  "Relawan",
  "Diverifikasi oleh",
  "Tanggal verifikasi",
  "Status usulan",
] as const;

type Cell = string | number | null;

/** Message texts as plain text for files: no HTML escaping, no emoji (Noto Sans has none). */
function plain(t: TFunction): (key: string, values?: Record<string, unknown>) => string {
  return (key, values = {}) =>
    (t(key, { ...values, interpolation: { escapeValue: false } }) as string)
      .replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}\u{20E3}]/gu, "")
      .replace(/[ \t]+/g, " ")
      .trim();
}

interface Place {
  village: string;
  district: string;
  regency: string;
  province: string;
  tz: string;
}

async function placeOf(db: Db, villageCode: string): Promise<Place> {
  const path = await getRegionPath(db, villageCode);
  const at = (level: number) => {
    const r = path.find((x) => x.level === level);
    return r ? displayRegionName(r) : "";
  };
  return { province: at(1), regency: at(2), district: at(3), village: at(4) || villageCode, tz: path[0]?.tz ?? "Asia/Jakarta" };
}

async function namesOf(db: Db, ids: (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((x): x is number => x !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom("users").select(["id", "name"]).where("id", "in", wanted).execute();
  return new Map(rows.map((r) => [r.id, r.name ?? ""]));
}

export interface PackageFiles {
  xlsx: { name: string; content: Buffer };
  zip: { name: string; content: Buffer };
  pdf: { name: string; content: Buffer };
  rows: number;
  photos: number;
  /** Photos Telegram would not give back (listed in the ZIP's read-me). */
  missing: number;
}

interface Entry {
  proposal: Proposal;
  household: Household;
  code: string;
  files: string[];
}

/**
 * Builds the hand-over package of a village: the XLSX (one row per proposal; NIK and No. KK
 * masked unless `full`), the ZIP of the evidence photos named by household code (the KK photos
 * only when `full`), and the one-page list for the musyawarah desa with signature lines.
 */
export async function buildPackageFiles(
  deps: { db: Db; pii: PiiCrypto; api: Api<RawApi>; log: Logger; t: TFunction; windows: readonly WindowSpec[]; onPhoto?: () => Promise<void> },
  pkg: Package,
  opts: { full: boolean; preparedBy: string; now: Date },
): Promise<PackageFiles> {
  const { db, pii } = deps;
  const tr = plain(deps.t);
  const place = await placeOf(db, pkg.village_code);
  const window = windowById(pkg.period, deps.windows);
  const period = window ? windowLabel(window, "id") : pkg.period;
  const today = localDate(opts.now, place.tz);
  const base = `${pkg.village_code.replace(/\./g, "")}_${pkg.period}`;

  const items = await packageProposals(db, pkg.id);
  const photos = await evidenceRows(db, items.map((i) => i.proposal.id));
  const names = await namesOf(db, [...items.map((i) => i.household.volunteer_id), ...items.map((i) => i.proposal.verified_by)]);

  // ZIP first: the XLSX lists the file names that made it in.
  // Loaded on first use, not at start-up (they add tens of megabytes to every process).
  const [{ default: Excel }, { default: Zip }] = (await Promise.all([import("exceljs"), import("jszip")])) as unknown as [{ default: typeof ExcelJS }, { default: typeof JSZip }];
  const zip = new Zip();
  const missing: string[] = [];
  let photoCount = 0;
  const entries: Entry[] = [];
  for (const { proposal, household } of items) {
    const code = formatRefCode(household.ref_code);
    const letter = letterFor(kindOf(proposal), proposal.reason);
    const files: string[] = [];
    if (opts.full) {
      const kk = await readKkPhoto(db, pii, proposal.id);
      if (kk) {
        const name = `${code}_${evidenceFileWord("kk", letter)}.jpg`;
        zip.file(name, kk.content, { date: opts.now, compression: "STORE" });
        files.push(name);
        photoCount++;
      }
    }
    for (const e of photos.filter((x) => x.proposal_id === proposal.id)) {
      if (!isPhotoItem(e.item) || e.item === "kk" || !e.file_id) continue;
      const word = evidenceFileWord(e.item as PhotoItem, letter);
      await deps.onPhoto?.();
      try {
        const file = await downloadTelegramFile(deps.api, e.file_id);
        const name = `${code}_${word}${extensionOf(file.path)}`;
        zip.file(name, file.content, { date: opts.now, compression: "STORE" });
        files.push(name);
        photoCount++;
      } catch (err) {
        deps.log.warn({ proposalId: proposal.id, item: e.item, err: err instanceof Error ? err.message : "error" }, "evidence photo not downloaded");
        missing.push(`${code}_${word}`);
      }
    }
    entries.push({ proposal, household, code, files });
  }
  const readme = [
    tr("dtsen.zip_readme_title", { village: place.village, period }),
    "",
    tr("dtsen.zip_readme_names"),
    tr(opts.full ? "dtsen.zip_readme_full" : "dtsen.zip_readme_masked"),
    tr("dtsen.file_disclaimer"),
    ...(missing.length > 0 ? ["", tr("dtsen.zip_readme_missing"), ...missing.map((m) => `- ${m}`)] : []),
  ].join("\r\n");
  zip.file("BACA-SAYA.txt", readme, { date: opts.now, compression: "DEFLATE" });
  // Photos are JPEG already: stored as they are (deflating them costs time and saves nothing).
  const zipContent = await zip.generateAsync({ type: "nodebuffer" });

  // XLSX
  const wb = new Excel.Workbook();
  wb.creator = "Pendamping";
  wb.created = opts.now;
  wb.modified = opts.now;
  const sheet = wb.addWorksheet("Usulan DTSEN", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.addRow([...PACKAGE_HEADER]).font = { bold: true };
  const dateOf = (d: Date | null) => (d ? localDate(d, place.tz) : "");
  for (const [i, { proposal: p, household: h, code, files }] of entries.entries()) {
    const kind = kindOf(p);
    const nik = h.head_nik_enc ? pii.decrypt(h.head_nik_enc) : "";
    const kk = h.kk_enc ? pii.decrypt(h.kk_enc) : "";
    const row: Cell[] = [
      i + 1,
      code,
      tr(`dtsen.kind.${kind}`),
      tr(`dtsen.reason.${kind}.${p.reason}`),
      p.note,
      nik ? (opts.full ? nik : maskNik(nik)) : "",
      kk ? (opts.full ? kk : maskKk(kk)) : "",
      h.head_name,
      h.address ?? "",
      h.rt ?? "",
      h.rw ?? "",
      h.village_code,
      place.village,
      place.district,
      place.regency,
      place.province,
      h.ppks.map((c) => tr(`vocab.ppks.${c}`)).join("; "),
      h.housing ? tr(`vocab.housing.${h.housing}`) : "",
      h.member_count,
      p.latitude,
      p.longitude,
      dateOf(p.consent_at),
      files.join("; "),
      (h.volunteer_id !== null ? names.get(h.volunteer_id) : undefined) ?? "",
      (p.verified_by !== null ? names.get(p.verified_by) : undefined) ?? "",
      dateOf(p.verified_at),
      tr(`dtsen.status.${p.status}`),
    ];
    const added = sheet.addRow(row);
    // Identity numbers as text: a spreadsheet would round a 16-digit number.
    for (const col of [6, 7]) added.getCell(col).numFmt = "@";
  }
  sheet.columns.forEach((col, i) => {
    col.width = [5, 12, 16, 28, 40, 20, 20, 24, 30, 6, 6, 16, 20, 20, 22, 18, 32, 20, 8, 11, 11, 14, 40, 20, 20, 14, 16][i] ?? 14;
  });
  const info = wb.addWorksheet("Keterangan");
  info.addRow([tr("dtsen.xlsx_info_title")]).font = { bold: true };
  info.addRow([tr("dtsen.xlsx_info_village"), `${place.village}, ${place.district}, ${place.regency}, ${place.province} (${pkg.village_code})`]);
  info.addRow([tr("dtsen.xlsx_info_period"), period]);
  info.addRow([tr("dtsen.xlsx_info_made"), `${today} · ${opts.preparedBy}`]);
  info.addRow([tr("dtsen.xlsx_info_identity"), tr(opts.full ? "dtsen.xlsx_info_identity_full" : "dtsen.xlsx_info_identity_masked")]);
  info.addRow([tr("dtsen.xlsx_info_layout"), tr("dtsen.xlsx_info_layout_text")]);
  info.addRow([tr("dtsen.xlsx_info_note"), tr("dtsen.file_disclaimer")]);
  info.getColumn(1).width = 26;
  info.getColumn(2).width = 100;
  const xlsxContent = Buffer.from(await wb.xlsx.writeBuffer());

  // PDF: the list for the musyawarah desa (Berita Acara attachment).
  const pdfContent = await renderPdf({ title: tr("dtsen.pdf_title"), date: opts.now, margin: 40 }, (doc) =>
    drawMusdesList(doc, tr, {
      place,
      period,
      today: formatDateId(today, "id"),
      preparedBy: opts.preparedBy,
      rows: entries.map((e, i) => [
        String(i + 1),
        e.code,
        e.household.head_name,
        `${e.household.rt ?? "–"}/${e.household.rw ?? "–"}`,
        tr(`dtsen.kind.${kindOf(e.proposal)}`),
        tr(`dtsen.reason.${kindOf(e.proposal)}.${e.proposal.reason}`),
      ]),
    }),
  );

  return {
    xlsx: { name: `usulan-dtsen_${base}${opts.full ? "_lengkap" : ""}.xlsx`, content: xlsxContent },
    zip: { name: `bukti-usulan-dtsen_${base}${opts.full ? "_lengkap" : ""}.zip`, content: zipContent },
    pdf: { name: `daftar-musdes-dtsen_${base}.pdf`, content: pdfContent },
    rows: entries.length,
    photos: photoCount,
    missing: missing.length,
  };
}

const PDF_COLUMNS = [
  { key: "dtsen.pdf_col_no", width: 24, align: "right" as const },
  { key: "dtsen.pdf_col_code", width: 62 },
  { key: "dtsen.pdf_col_name", width: 125 },
  { key: "dtsen.pdf_col_rtrw", width: 48 },
  { key: "dtsen.pdf_col_kind", width: 80 },
  { key: "dtsen.pdf_col_reason", width: 176 },
];

/** Height of the signature block below the table. */
const SIGNATURE_HEIGHT = 120;

/**
 * The musdes list: heading, the table sized to fit one page (smaller type for long lists;
 * only a very long list continues on a second page), the note that Pendamping submits
 * nothing itself, and three signature lines.
 */
function drawMusdesList(
  doc: Pdf,
  tr: (key: string, values?: Record<string, unknown>) => string,
  o: { place: Place; period: string; today: string; preparedBy: string; rows: string[][] },
): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.font(FONT.bold).fontSize(13).text(tr("dtsen.pdf_title"), { align: "center" });
  doc.font(FONT.regular).fontSize(10).text(tr("dtsen.pdf_subtitle"), { align: "center" });
  doc.moveDown(0.6);
  doc.fontSize(9);
  doc.text(tr("dtsen.pdf_village", { village: o.place.village, district: o.place.district }));
  doc.text(tr("dtsen.pdf_regency", { regency: o.place.regency, province: o.place.province }));
  doc.text(tr("dtsen.pdf_period", { period: o.period, count: o.rows.length }));
  doc.moveDown(0.5);

  const columns = PDF_COLUMNS.map((c) => ({ header: tr(c.key), width: c.width * (width / 515), ...(c.align ? { align: c.align } : {}) }));
  const noteHeight = 34;
  const available = doc.page.height - doc.page.margins.bottom - doc.y - SIGNATURE_HEIGHT - noteHeight;
  // The largest type size (9 pt down to 5 pt) at which the table fits the page. Measuring is
  // slow (pdfkit lays out every cell), so: measure at 9 pt, estimate, check, and step down.
  const heightAt = (size: number) => {
    const pad = size < 7 ? 2 : 3;
    doc.font(FONT.regular).fontSize(size);
    return [columns.map((c) => c.header), ...o.rows].reduce(
      (sum, cells) =>
        sum + Math.max(...columns.map((c, i) => doc.heightOfString(cells[i] || " ", { width: c.width - 2 * pad, lineGap: 0.5 }))) + 2 * pad,
      0,
    );
  };
  let fontSize = 9;
  let height = heightAt(fontSize);
  if (height > available) {
    fontSize = Math.max(5, Math.floor(((9 * available) / height) * 2) / 2);
    height = heightAt(fontSize);
    while (height > available && fontSize > 5) {
      fontSize -= 0.5;
      height = heightAt(fontSize);
    }
  }
  const rows = o.rows.length > 0 ? o.rows : [["", "", tr("dtsen.pdf_empty"), "", "", ""]];
  drawTable(doc, { columns, rows, fontSize, padding: fontSize < 7 ? 2 : 3, zebra: true });

  doc.moveDown(0.5);
  doc.font(FONT.italic).fontSize(7.5).text(tr("dtsen.file_disclaimer"), left, doc.y, { width });
  if (doc.y + SIGNATURE_HEIGHT > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.moveDown(0.8);
  doc.font(FONT.regular).fontSize(9).text(tr("dtsen.pdf_place_date"), left, doc.y, { width, align: "right" });
  doc.moveDown(0.6);
  const top = doc.y;
  const col = width / 3;
  const signers = [
    { role: tr("dtsen.pdf_sign_head"), name: "" },
    { role: tr("dtsen.pdf_sign_operator"), name: "" },
    { role: tr("dtsen.pdf_sign_coordinator"), name: o.preparedBy },
  ];
  signers.forEach((s, i) => {
    const x = left + i * col;
    doc.font(FONT.regular).fontSize(9).text(s.role, x, top, { width: col, align: "center" });
    doc.text(s.name ? `( ${s.name} )` : "( ................................ )", x, top + 62, { width: col, align: "center" });
  });
  doc.x = left;
  doc.y = top + 80;
  doc.font(FONT.regular).fontSize(7).fillColor("#555555").text(tr("dtsen.pdf_made", { date: o.today }), left, doc.y, { width, align: "left" });
  doc.fillColor("#000000");
}
