import { createRequire } from "node:module";
import type PDFDocument from "pdfkit";

/**
 * PDF helpers on pdfkit with the bundled Noto Sans (covers Latin with Indonesian and other
 * diacritics, and the bullet used to mask NIKs): a document factory, rendering to a Buffer,
 * a table that breaks across pages and repeats its header, and page numbers.
 */

const require = createRequire(import.meta.url);

/** Font files of @expo-google-fonts/noto-sans (OFL), resolved once per process. */
export const NOTO_SANS = {
  regular: require.resolve("@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf"),
  bold: require.resolve("@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf"),
  italic: require.resolve("@expo-google-fonts/noto-sans/400Regular_Italic/NotoSans_400Regular_Italic.ttf"),
} as const;

/** Font names registered on every document made here. */
export const FONT = { regular: "NotoSans", bold: "NotoSans-Bold", italic: "NotoSans-Italic" } as const;

export type Pdf = PDFKit.PDFDocument;

/** The font each document has selected (pdfkit's `font()` is costly even for the current font). */
const selected = new WeakMap<Pdf, string>();

/**
 * Selects a registered font and size. Always use this rather than `doc.font()`: switching
 * costs milliseconds in pdfkit even to the font already selected, which adds up to seconds
 * over a few thousand table cells.
 */
export function setFont(doc: Pdf, name: string, size?: number): Pdf {
  if (selected.get(doc) !== name) {
    doc.font(name);
    selected.set(doc, name);
  }
  if (size !== undefined) doc.fontSize(size);
  return doc;
}

export interface PdfOptions {
  title: string;
  author?: string;
  subject?: string;
  /** BCP 47 language of the text (default "id-ID"). */
  lang?: string;
  layout?: "portrait" | "landscape";
  /** Margins in points (default 40). */
  margin?: number;
  /** The document's dates (creation, modification) — pass the app clock's time. */
  date: Date;
}

/**
 * Draws a document with `draw` and returns its bytes. Pages are buffered, so `draw` may go
 * back to earlier pages (page numbers) before the document is finished.
 */
export async function renderPdf(opts: PdfOptions, draw: (doc: Pdf) => void | Promise<void>): Promise<Buffer> {
  // pdfkit is loaded with the first document, not at start-up (a process may never make one).
  const { default: PDFKitDocument } = (await import("pdfkit")) as unknown as { default: typeof PDFDocument };
  const margin = opts.margin ?? 40;
  const doc = new PDFKitDocument({
    size: "A4",
    layout: opts.layout ?? "portrait",
    margins: { top: margin, bottom: margin, left: margin, right: margin },
    bufferPages: true,
    font: NOTO_SANS.regular,
    lang: opts.lang ?? "id-ID",
    displayTitle: true,
    info: {
      Title: opts.title,
      ...(opts.author ? { Author: opts.author } : {}),
      ...(opts.subject ? { Subject: opts.subject } : {}),
      Creator: "Pendamping",
      CreationDate: opts.date,
      ModDate: opts.date,
    },
  });
  doc.registerFont(FONT.regular, NOTO_SANS.regular);
  doc.registerFont(FONT.bold, NOTO_SANS.bold);
  doc.registerFont(FONT.italic, NOTO_SANS.italic);
  setFont(doc, FONT.regular);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  try {
    await draw(doc);
  } finally {
    doc.end();
  }
  return done;
}

/** Width between the margins. */
export function contentWidth(doc: Pdf): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** Lowest y that content may reach on the current page. */
export function bottomY(doc: Pdf): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` points still fit below the current position. */
export function ensureSpace(doc: Pdf, height: number): void {
  if (doc.y + height > bottomY(doc)) doc.addPage();
}

export interface TableColumn {
  header: string;
  /** Width in points; the columns' widths should add up to the content width. */
  width: number;
  align?: "left" | "center" | "right";
}

export interface TableOptions {
  columns: TableColumn[];
  rows: string[][];
  fontSize?: number;
  /** Padding inside each cell (points). */
  padding?: number;
  headerFill?: string;
  /** Shade every other row. */
  zebra?: boolean;
  /** Extra rows drawn bold after the data (totals). */
  footer?: string[][];
}

/**
 * Draws a bordered table at the current position. A row never splits: when it does not fit,
 * the table continues on a new page with its header repeated. Leaves `doc.y` below the table.
 */
export function drawTable(doc: Pdf, opts: TableOptions): void {
  const size = opts.fontSize ?? 8;
  const pad = opts.padding ?? 3;
  const x0 = doc.page.margins.left;
  const lineGap = 0.5;
  // A cell on one line is measured by its width and drawn without pdfkit's line wrapper
  // (both far cheaper than wrapping); longer cells are wrapped to the column width.
  const fitsOneLine = (text: string, width: number) => !text.includes("\n") && doc.widthOfString(text) <= width - 2 * pad;
  const measure = (text: string, width: number, bold: boolean) => {
    setFont(doc, bold ? FONT.bold : FONT.regular, size);
    if (fitsOneLine(text, width)) return doc.currentLineHeight(true) + lineGap;
    return doc.heightOfString(text === "" ? " " : text, { width: width - 2 * pad, lineGap });
  };
  const rowHeight = (cells: string[], bold: boolean) =>
    Math.max(...opts.columns.map((c, i) => measure(cells[i] ?? "", c.width, bold))) + 2 * pad;

  const drawRow = (cells: string[], y: number, h: number, style: { bold: boolean; fill?: string }) => {
    let x = x0;
    setFont(doc, style.bold ? FONT.bold : FONT.regular, size);
    for (const [i, col] of opts.columns.entries()) {
      if (style.fill) doc.rect(x, y, col.width, h).fill(style.fill);
      doc.lineWidth(0.5).strokeColor("#555555").rect(x, y, col.width, h).stroke();
      const text = cells[i] ?? "";
      doc.fillColor("#000000");
      if (text !== "" && fitsOneLine(text, col.width)) {
        const free = col.width - 2 * pad - doc.widthOfString(text);
        const dx = col.align === "center" ? free / 2 : col.align === "right" ? free : 0;
        doc.text(text, x + pad + dx, y + pad, { lineBreak: false });
      } else if (text !== "") {
        doc.text(text, x + pad, y + pad, { width: col.width - 2 * pad, align: col.align ?? "left", lineGap });
      }
      x += col.width;
    }
  };

  const header = opts.columns.map((c) => c.header);
  const headerHeight = rowHeight(header, true);
  const drawHeader = () => {
    const y = doc.y;
    drawRow(header, y, headerHeight, { bold: true, fill: opts.headerFill ?? "#e6e6e6" });
    doc.y = y + headerHeight;
  };

  const all: { cells: string[]; bold: boolean; zebra: boolean }[] = [
    ...opts.rows.map((cells, i) => ({ cells, bold: false, zebra: opts.zebra === true && i % 2 === 1 })),
    ...(opts.footer ?? []).map((cells) => ({ cells, bold: true, zebra: false })),
  ];
  ensureSpace(doc, headerHeight + (all[0] ? rowHeight(all[0].cells, all[0].bold) : 0));
  drawHeader();
  for (const row of all) {
    const h = rowHeight(row.cells, row.bold);
    if (doc.y + h > bottomY(doc)) {
      doc.addPage();
      drawHeader();
    }
    const y = doc.y;
    drawRow(row.cells, y, h, { bold: row.bold, ...(row.zebra ? { fill: "#f5f5f5" } : {}) });
    doc.y = y + h;
  }
  doc.x = x0;
}

/** Writes a label on every page (e.g. "Halaman 2 dari 5") in the bottom margin. */
export function stampPages(doc: Pdf, label: (page: number, pages: number) => string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    // Writing into the margin: lift it for this one line so pdfkit does not add a page.
    doc.page.margins.bottom = 0;
    setFont(doc, FONT.regular, 7.5)
      .fillColor("#555555")
      .text(label(i - range.start + 1, range.count), doc.page.margins.left, doc.page.height - bottom + 12, {
        width: contentWidth(doc),
        align: "center",
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor("#000000");
}
