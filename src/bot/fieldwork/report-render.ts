import type ExcelJS from "exceljs";
import type { TFunction } from "../../i18n.js";
import { FONT, contentWidth, drawTable, ensureSpace, renderPdf, setFont, stampPages, type Pdf, type TableColumn } from "../../lib/pdf.js";
import { formatDateId } from "../../domain/dates.js";
import { formatRefCode } from "../../domain/refcode.js";
import { formatLocalTime, localDate } from "../../domain/visit.js";
import { INTERVENTION_TYPES } from "../../domain/ppks.js";
import { deliveryDelayDays, isLateDelivery } from "../../domain/fieldwork/plausibility.js";
import { firstDay, formatMonth, lastDay, type Month } from "../../domain/fieldwork/targets.js";
import { reportTotals, rtRwLabel, type ReportRegistration, type ReportTotals, type ReportVisit } from "../../domain/fieldwork/report.js";

/**
 * The monthly activity report (laporan kegiatan bulanan) as a PDF in the layout of a Dinas
 * Sosial activity report, and the same data as an XLSX. Both are written in Indonesian:
 * they are handed to the Dinas whatever language the requester uses in the chat.
 */

export interface ReportMeta {
  month: Month;
  /** "volunteer": one reporter's activity; "area": every report on the area's households. */
  kind: "volunteer" | "area";
  /** The volunteer's name, or the area's description ("Seluruh pendamping …"). */
  subjectName: string;
  /** The working area ("Kel. Pondok Rajeg — Kec. Cibinong, Kab. Bogor, Jawa Barat"). */
  areaLabel: string;
  /** "PEMERINTAH KABUPATEN BOGOR" when the area lies in a regency or city, else null. */
  government: string | null;
  /** Where the report is signed ("Cibinong"). */
  place: string;
  /** The local date of signing (ISO). */
  signedOn: string;
  /** Who signs as coordinator (null: a blank line). */
  coordinatorName: string | null;
  /** Who signs as reporter (volunteer reports) — null for area reports. */
  volunteerName: string | null;
  /** "30 Desember 2026 10.15 WIB", when the file was made. */
  generatedLabel: string;
}

export interface ReportData {
  meta: ReportMeta;
  visits: ReportVisit[];
  registrations: ReportRegistration[];
}

/** Translations for a document: plain text (no HTML escaping) and no emoji (the font has none). */
function plainT(t: TFunction) {
  return (key: string, values: Record<string, unknown> = {}): string =>
    clean(t(key, { ...values, interpolation: { escapeValue: false } }) as string);
}

/** Drops emoji and variation selectors (Noto Sans has no glyphs for them) and tidies spaces. */
export function clean(text: string): string {
  return text
    .replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}\u{20E3}]/gu, "")
    .replace(/[ \t]+/g, " ")
    .trim();
}

const date = (iso: string) => formatDateId(iso, "id");

/** "30 November 2026 14.30 WIB" in the household's zone. */
function localStamp(at: Date, v: { tz: string; zoneLabel: string }): string {
  return `${date(localDate(at, v.tz))} ${formatLocalTime(at, v.tz, v.zoneLabel)}`;
}

/** The "Hasil / tindak lanjut" cell of a visit. */
export function outcomeText(tr: ReturnType<typeof plainT>, v: ReportVisit): string {
  const parts: string[] = [];
  if (v.conditions.length > 0) parts.push(v.conditions.map((c) => tr(`visit.condition.${c}`)).join(", "));
  if (v.helpGiven) parts.push(tr("fieldwork.pdf_help", { text: v.helpGiven }));
  if (v.referral) parts.push(tr("fieldwork.pdf_referral", { to: tr(`visit.referral.${v.referral}`), note: v.referralNote ?? "" }).replace(/ \(\)$/, ""));
  parts.push(v.followUp && v.nextVisitDate ? tr("fieldwork.pdf_next", { date: date(v.nextVisitDate) }) : tr("fieldwork.pdf_no_follow_up"));
  if (v.urgency !== "biasa") parts.push(tr(`vocab.urgency.${v.urgency}`));
  const text = parts.join(". ").replace(/\.\./g, ".");
  return text.length > 600 ? `${text.slice(0, 597)}…` : text;
}

function visitDateCell(tr: ReturnType<typeof plainT>, v: ReportVisit): string {
  const day = date(v.visitedOn);
  return isLateDelivery(v.writtenAt, v.receivedAt) ? `${day}\n${tr("fieldwork.pdf_late", { n: deliveryDelayDays(v.writtenAt, v.receivedAt) })}` : day;
}

function ppksLabel(tr: ReturnType<typeof plainT>, codes: string[]): string {
  return codes.length === 0 ? "–" : codes.map((c) => tr(`vocab.ppks.${c}`)).join(", ");
}

/** Splits `total` points into columns by weight. */
function widths(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.floor((total * w) / sum));
  out[out.length - 1]! += total - out.reduce((a, b) => a + b, 0);
  return out;
}

function heading(doc: Pdf, text: string): void {
  ensureSpace(doc, 60);
  doc.moveDown(0.6);
  setFont(doc, FONT.bold, 10).text(text, doc.page.margins.left, doc.y);
  doc.moveDown(0.3);
  setFont(doc, FONT.regular);
}

/** The PDF: header, visits, registrations, totals, signatures; page numbers on every page. */
export async function renderReportPdf(t: TFunction, data: ReportData, now: Date): Promise<Buffer> {
  const tr = plainT(t);
  const { meta, visits, registrations } = data;
  const totals = reportTotals(visits, registrations);
  const period = formatMonth(meta.month, "id");
  return renderPdf(
    {
      title: tr("fieldwork.pdf_doc_title", { name: meta.subjectName, period }),
      author: meta.volunteerName ?? meta.coordinatorName ?? "Pendamping",
      subject: tr("fieldwork.pdf_title"),
      layout: "landscape",
      margin: 36,
      date: now,
    },
    (doc) => {
      const width = contentWidth(doc);
      const left = doc.page.margins.left;
      // Kop: government, office, title.
      setFont(doc, FONT.bold, 12);
      if (meta.government) doc.text(meta.government, { align: "center" });
      doc.text(tr("fieldwork.pdf_office"), { align: "center" });
      doc.moveDown(0.2).fontSize(13).text(tr("fieldwork.pdf_title"), { align: "center" });
      setFont(doc, FONT.regular, 10).text(tr("fieldwork.pdf_subtitle"), { align: "center" });
      const lineY = doc.y + 4;
      doc.moveTo(left, lineY).lineTo(left + width, lineY).lineWidth(1.2).strokeColor("#000000").stroke();
      doc.y = lineY + 8;

      // Identity block.
      const labelWidth = 130;
      const identity: [string, string][] = [
        [tr(meta.kind === "volunteer" ? "fieldwork.pdf_name" : "fieldwork.pdf_subject"), meta.subjectName],
        [tr("fieldwork.pdf_area"), meta.areaLabel],
        [tr("fieldwork.pdf_period"), tr("fieldwork.pdf_period_value", { month: period, from: date(firstDay(meta.month)), to: date(lastDay(meta.month)) })],
      ];
      doc.fontSize(9.5);
      for (const [label, value] of identity) {
        const y = doc.y;
        setFont(doc, FONT.regular).text(label, left, y, { width: labelWidth });
        doc.text(":", left + labelWidth, y, { width: 10 });
        setFont(doc, FONT.bold).text(value, left + labelWidth + 12, y, { width: width - labelWidth - 12 });
        doc.moveDown(0.15);
      }

      // A. Visits.
      heading(doc, tr("fieldwork.pdf_section_visits", { n: totals.visits }));
      const area = meta.kind === "area";
      const visitCols: TableColumn[] = [
        tr("fieldwork.pdf_col_no"),
        tr("fieldwork.pdf_col_date"),
        tr("fieldwork.pdf_col_code"),
        tr("fieldwork.pdf_col_village"),
        tr("fieldwork.pdf_col_purpose"),
        tr("fieldwork.pdf_col_intervention"),
        tr("fieldwork.pdf_col_outcome"),
        tr("fieldwork.pdf_col_photos"),
        ...(area ? [tr("fieldwork.pdf_col_volunteer")] : []),
      ].map((header, i, all) => ({
        header,
        width: widths(width, area ? [3, 12, 9, 13, 10, 11, 32, 5, 11] : [3, 12, 9, 14, 11, 12, 39, 5])[i]!,
        align: i === 0 || i === all.length - (area ? 2 : 1) ? ("center" as const) : ("left" as const),
      }));
      if (visits.length === 0) {
        setFont(doc, FONT.italic, 9).text(tr("fieldwork.pdf_no_visits"), left);
      } else {
        drawTable(doc, {
          columns: visitCols,
          zebra: true,
          rows: visits.map((v, i) => [
            String(i + 1),
            visitDateCell(tr, v),
            formatRefCode(v.refCode),
            `${v.village}\n${rtRwLabel(v.rt, v.rw)}`,
            tr(`vocab.purpose.${v.purpose}`),
            tr(`vocab.intervention.${v.intervention}`),
            outcomeText(tr, v),
            String(v.photos),
            ...(area ? [v.volunteerName ?? "–"] : []),
          ]),
          footer: [["", tr("fieldwork.pdf_total"), "", "", "", "", tr("fieldwork.pdf_total_visits", { n: totals.visits, households: totals.householdsVisited }), String(totals.photos), ...(area ? [""] : [])]],
        });
      }

      // B. Registrations.
      heading(doc, tr("fieldwork.pdf_section_registrations", { n: totals.registrations }));
      if (registrations.length === 0) {
        setFont(doc, FONT.italic, 9).text(tr("fieldwork.pdf_no_registrations"), left);
      } else {
        const regWeights = area ? [3, 10, 9, 15, 14, 15, 6, 17, 11] : [3, 11, 9, 17, 15, 16, 6, 23];
        const regCols = [
          tr("fieldwork.pdf_col_no"),
          tr("fieldwork.pdf_col_registered"),
          tr("fieldwork.pdf_col_code"),
          tr("fieldwork.pdf_col_head"),
          tr("fieldwork.pdf_col_nik"),
          tr("fieldwork.pdf_col_village"),
          tr("fieldwork.pdf_col_members"),
          tr("fieldwork.pdf_col_ppks"),
          ...(area ? [tr("fieldwork.pdf_col_volunteer")] : []),
        ].map((header, i) => ({ header, width: widths(width, regWeights)[i]!, align: i === 0 || i === 6 ? ("center" as const) : ("left" as const) }));
        drawTable(doc, {
          columns: regCols,
          zebra: true,
          rows: registrations.map((r, i) => [
            String(i + 1),
            date(r.registeredOn),
            formatRefCode(r.refCode),
            r.headName,
            r.nikMasked,
            `${r.village}\n${rtRwLabel(r.rt, r.rw)}`,
            String(r.memberCount),
            ppksLabel(tr, r.ppks),
            ...(area ? [r.volunteerName ?? "–"] : []),
          ]),
        });
      }

      // C. Totals.
      heading(doc, tr("fieldwork.pdf_section_totals"));
      drawTotals(doc, tr, totals, width);

      // Signatures.
      drawSignatures(doc, tr, meta, width);

      stampPages(doc, (page, pages) => tr("fieldwork.pdf_footer", { when: meta.generatedLabel, page, pages }));
    },
  );
}

function drawTotals(doc: Pdf, tr: ReturnType<typeof plainT>, totals: ReportTotals, width: number): void {
  const left = doc.page.margins.left;
  setFont(doc, FONT.regular, 9);
  doc.text(
    tr("fieldwork.pdf_summary", {
      visits: totals.visits,
      households: totals.householdsVisited,
      registrations: totals.registrations,
      photos: totals.photos,
      referrals: totals.referrals,
      emergencies: totals.emergencies,
    }),
    left,
    doc.y,
    { width },
  );
  doc.moveDown(0.4);
  ensureSpace(doc, 50);
  setFont(doc, FONT.bold).text(tr("fieldwork.pdf_by_intervention"), left);
  doc.moveDown(0.2);
  const half = Math.floor(width * 0.45);
  drawTable(doc, {
    columns: [
      { header: tr("fieldwork.pdf_col_intervention"), width: Math.floor(half * 0.7) },
      { header: tr("fieldwork.pdf_col_count"), width: half - Math.floor(half * 0.7), align: "center" },
    ],
    rows: INTERVENTION_TYPES.map((k) => [tr(`vocab.intervention.${k}`), String(totals.byIntervention[k])]),
    footer: [[tr("fieldwork.pdf_total"), String(totals.visits)]],
  });
  doc.moveDown(0.5);
  // A heading never stays alone at the foot of a page.
  ensureSpace(doc, 50);
  setFont(doc, FONT.bold, 9).text(tr("fieldwork.pdf_by_ppks"), left);
  doc.moveDown(0.2);
  if (totals.byPpks.length === 0) {
    setFont(doc, FONT.italic).text(tr("fieldwork.pdf_no_ppks"), left);
    return;
  }
  const w = Math.floor(width * 0.7);
  const cols = widths(w, [40, 20, 20, 20]);
  drawTable(doc, {
    columns: [
      { header: tr("fieldwork.pdf_col_ppks"), width: cols[0]! },
      { header: tr("fieldwork.pdf_col_households"), width: cols[1]!, align: "center" },
      { header: tr("fieldwork.pdf_col_visits"), width: cols[2]!, align: "center" },
      { header: tr("fieldwork.pdf_col_new"), width: cols[3]!, align: "center" },
    ],
    rows: totals.byPpks.map((p) => [tr(`vocab.ppks.${p.code}`), String(p.households), String(p.visits), String(p.registrations)]),
  });
}

function drawSignatures(doc: Pdf, tr: ReturnType<typeof plainT>, meta: ReportMeta, width: number): void {
  const left = doc.page.margins.left;
  ensureSpace(doc, 130);
  doc.moveDown(1.2);
  const y = doc.y;
  const col = Math.floor(width / 3);
  const blank = "(..............................................)";
  const leftBlock =
    meta.kind === "volunteer"
      ? [tr("fieldwork.pdf_sign_known"), tr("fieldwork.pdf_sign_coordinator"), meta.coordinatorName ?? blank]
      : [tr("fieldwork.pdf_sign_known"), tr("fieldwork.pdf_sign_head"), blank];
  const rightBlock =
    meta.kind === "volunteer"
      ? [tr("fieldwork.pdf_sign_place", { place: meta.place, date: date(meta.signedOn) }), tr("fieldwork.pdf_sign_reporter"), meta.volunteerName ?? blank]
      : [tr("fieldwork.pdf_sign_place", { place: meta.place, date: date(meta.signedOn) }), tr("fieldwork.pdf_sign_coordinator"), meta.coordinatorName ?? blank];
  const block = (lines: string[], x: number) => {
    setFont(doc, FONT.regular, 9.5).text(lines[0]!, x, y, { width: col, align: "center" });
    doc.text(lines[1]!, x, doc.y, { width: col, align: "center" });
    setFont(doc, FONT.bold).text(lines[2]!, x, y + 80, { width: col, align: "center", underline: lines[2] !== blank });
  };
  block(leftBlock, left);
  block(rightBlock, left + width - col);
  doc.y = y + 100;
  doc.x = left;
}

/** The same data as a workbook: visits, registrations and totals, one sheet each. */
export async function renderReportXlsx(t: TFunction, data: ReportData): Promise<Buffer> {
  const tr = plainT(t);
  const { meta, visits, registrations } = data;
  const totals = reportTotals(visits, registrations);
  // Loaded on first use, not at start-up (it adds tens of megabytes to every process).
  const { default: Excel } = (await import("exceljs")) as unknown as { default: typeof ExcelJS };
  const wb = new Excel.Workbook();
  wb.creator = "Pendamping";
  const bold = (row: ExcelJS.Row) => {
    row.font = { bold: true };
  };

  const vs = wb.addWorksheet(tr("fieldwork.xlsx_sheet_visits"));
  vs.columns = [
    { header: tr("fieldwork.pdf_col_no"), width: 5 },
    { header: tr("fieldwork.pdf_col_date"), width: 18 },
    { header: tr("fieldwork.pdf_col_code"), width: 12 },
    { header: tr("fieldwork.pdf_col_village"), width: 24 },
    { header: "RT/RW", width: 14 },
    { header: tr("fieldwork.pdf_col_purpose"), width: 18 },
    { header: tr("fieldwork.pdf_col_intervention"), width: 24 },
    { header: tr("fieldwork.pdf_col_outcome"), width: 60 },
    { header: tr("fieldwork.pdf_col_urgency"), width: 14 },
    { header: tr("fieldwork.pdf_col_photos"), width: 6 },
    { header: tr("fieldwork.pdf_col_volunteer"), width: 20 },
    { header: tr("fieldwork.xlsx_col_written"), width: 18 },
    { header: tr("fieldwork.xlsx_col_received"), width: 18 },
    { header: tr("fieldwork.xlsx_col_distance"), width: 14 },
    { header: tr("fieldwork.xlsx_col_review"), width: 22 },
  ];
  bold(vs.getRow(1));
  visits.forEach((v, i) =>
    vs.addRow([
      i + 1,
      date(v.visitedOn),
      formatRefCode(v.refCode),
      v.village,
      rtRwLabel(v.rt, v.rw),
      tr(`vocab.purpose.${v.purpose}`),
      tr(`vocab.intervention.${v.intervention}`),
      outcomeText(tr, v),
      tr(`vocab.urgency.${v.urgency}`),
      v.photos,
      v.volunteerName ?? "",
      localStamp(v.writtenAt, v),
      localStamp(v.receivedAt, v),
      v.distanceM,
      v.reviewReason ? tr(`fieldwork.review_reason_${v.reviewReason}`) : "",
    ]),
  );

  const rs = wb.addWorksheet(tr("fieldwork.xlsx_sheet_registrations"));
  rs.columns = [
    { header: tr("fieldwork.pdf_col_no"), width: 5 },
    { header: tr("fieldwork.pdf_col_registered"), width: 18 },
    { header: tr("fieldwork.pdf_col_code"), width: 12 },
    { header: tr("fieldwork.pdf_col_head"), width: 24 },
    { header: tr("fieldwork.pdf_col_nik"), width: 22 },
    { header: tr("fieldwork.pdf_col_village"), width: 24 },
    { header: "RT/RW", width: 14 },
    { header: tr("fieldwork.pdf_col_members"), width: 8 },
    { header: tr("fieldwork.pdf_col_ppks"), width: 40 },
    { header: tr("fieldwork.pdf_col_volunteer"), width: 20 },
  ];
  bold(rs.getRow(1));
  registrations.forEach((r, i) =>
    rs.addRow([
      i + 1,
      date(r.registeredOn),
      formatRefCode(r.refCode),
      r.headName,
      r.nikMasked,
      r.village,
      rtRwLabel(r.rt, r.rw),
      r.memberCount,
      ppksLabel(tr, r.ppks),
      r.volunteerName ?? "",
    ]),
  );

  const ts = wb.addWorksheet(tr("fieldwork.xlsx_sheet_totals"));
  ts.columns = [{ width: 36 }, { width: 16 }, { width: 16 }, { width: 16 }];
  const period = formatMonth(meta.month, "id");
  ts.addRow([tr("fieldwork.pdf_title")]).font = { bold: true, size: 13 };
  ts.addRow([tr(meta.kind === "volunteer" ? "fieldwork.pdf_name" : "fieldwork.pdf_subject"), meta.subjectName]);
  ts.addRow([tr("fieldwork.pdf_area"), meta.areaLabel]);
  ts.addRow([tr("fieldwork.pdf_period"), period]);
  ts.addRow([]);
  for (const [key, n] of [
    ["fieldwork.xlsx_total_visits", totals.visits],
    ["fieldwork.xlsx_total_households", totals.householdsVisited],
    ["fieldwork.xlsx_total_registrations", totals.registrations],
    ["fieldwork.xlsx_total_photos", totals.photos],
    ["fieldwork.xlsx_total_referrals", totals.referrals],
    ["fieldwork.xlsx_total_emergencies", totals.emergencies],
  ] as const) {
    ts.addRow([tr(key), n]);
  }
  ts.addRow([]);
  bold(ts.addRow([tr("fieldwork.pdf_col_intervention"), tr("fieldwork.pdf_col_count")]));
  for (const k of INTERVENTION_TYPES) ts.addRow([tr(`vocab.intervention.${k}`), totals.byIntervention[k]]);
  ts.addRow([]);
  bold(ts.addRow([tr("fieldwork.pdf_col_ppks"), tr("fieldwork.pdf_col_households"), tr("fieldwork.pdf_col_visits"), tr("fieldwork.pdf_col_new")]));
  for (const p of totals.byPpks) ts.addRow([tr(`vocab.ppks.${p.code}`), p.households, p.visits, p.registrations]);

  return Buffer.from(await wb.xlsx.writeBuffer());
}
