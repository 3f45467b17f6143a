import { createWriteStream, statSync, type WriteStream } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { Writable } from "node:stream";
import type ExcelJS from "exceljs";
import { stringify } from "csv-stringify/sync";

/** A finished file: its path, its name for the user and its size. */
export interface ExportPart {
  path: string;
  filename: string;
  bytes: number;
  /** Data rows in this part (all sheets). */
  rows: number;
  /** Data rows in this part, per sheet, in sheet order (a CSV has one sheet, named ""). */
  sheets: { name: string; rows: number }[];
}

/** ExcelJS is loaded with the first workbook, not at start-up (it adds tens of megabytes). */
let excel: Promise<typeof ExcelJS> | undefined;
const loadExcel = () => (excel ??= import("exceljs").then((m) => (m as unknown as { default: typeof ExcelJS }).default ?? (m as unknown as typeof ExcelJS)));

function countRow(part: ExportPart, sheet: string): void {
  part.rows++;
  const last = part.sheets[part.sheets.length - 1];
  if (last && last.name === sheet) last.rows++;
  else part.sheets.push({ name: sheet, rows: 1 });
}

const BOM = "\uFEFF";

async function write(stream: WriteStream, chunk: string | Buffer): Promise<void> {
  if (!stream.write(chunk)) await once(stream, "drain");
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, "finish");
}

function partName(base: string, index: number, ext: string): string {
  return `${base}_bagian-${index}.${ext}`;
}

/** What Excel would turn into a number or a date ("003" → 3, "3201…0001" → 3.2E+15, "01.02" → a date). */
const EXCEL_WOULD_CONVERT = /^[0-9][0-9.,/-]*$/;

/** The CSV separator: what Excel in an Indonesian locale (decimal comma) splits columns on. */
export const CSV_DELIMITER = ";";

const NEEDS_QUOTES = /[;"\r\n]/;

/**
 * One field, quoted as RFC 4180 (and csv-stringify, which writes the header) do: in double
 * quotes, with quotes doubled, when it holds the separator, a quote or a line break. Rows are
 * quoted here rather than by csv-stringify, which costs about 25 µs a row in option handling:
 * 2.5 s of a 100,000-household export.
 */
function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Writes CSV for spreadsheet programs in Indonesia (csv-stringify: RFC 4180 quoting, CRLF,
 * UTF-8 with BOM so Indonesian text reads correctly, `;` between columns as Excel with
 * Indonesian regional settings expects) row by row to files of at most `limitBytes`: when the
 * next row would not fit, the part is closed and a new one starts with the header again.
 * Columns listed in `textColumns` hold codes (RT "003", region codes, NIK): a code Excel would
 * read as a number or a date is written as `="003"`, so that it stays text (no lost leading
 * zeros, no 3.2E+15 for a NIK).
 * Memory holds one row at a time.
 */
export class CsvPartWriter {
  readonly parts: ExportPart[] = [];
  private stream: WriteStream | undefined;
  private bytes = 0;
  /** Rows not yet handed to the stream. */
  private pending = "";
  private readonly headerLine: string;
  private readonly textColumns: ReadonlySet<number>;
  private readonly options = { delimiter: CSV_DELIMITER, record_delimiter: "\r\n" } as const;

  constructor(
    private readonly dir: string,
    private readonly base: string,
    header: string[],
    private readonly limitBytes: number,
    opts: { textColumns?: readonly number[] } = {},
  ) {
    this.headerLine = stringify([header], this.options);
    this.textColumns = new Set(opts.textColumns ?? []);
  }

  private async open(): Promise<void> {
    const index = this.parts.length + 1;
    const filename = partName(this.base, index, "csv");
    const path = join(this.dir, filename);
    this.stream = createWriteStream(path, { highWaterMark: 256 * 1024 });
    this.parts.push({ path, filename, bytes: 0, rows: 0, sheets: [] });
    const head = BOM + this.headerLine;
    this.bytes = Buffer.byteLength(head);
    await write(this.stream, head);
  }

  private async finishPart(): Promise<void> {
    if (!this.stream) return;
    await this.flush();
    await close(this.stream);
    const part = this.parts[this.parts.length - 1]!;
    part.bytes = this.bytes;
    this.stream = undefined;
  }

  async add(row: (string | number | null)[]): Promise<void> {
    let line = "";
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      const s = v === null || v === undefined ? "" : typeof v === "string" ? v : String(v);
      if (i > 0) line += CSV_DELIMITER;
      line += s !== "" && this.textColumns.has(i) && EXCEL_WOULD_CONVERT.test(s) ? `"=""${s}"""` : csvField(s);
    }
    line += "\r\n";
    const size = Buffer.byteLength(line);
    if (!this.stream) await this.open();
    const part = this.parts[this.parts.length - 1]!;
    if (part.rows > 0 && this.bytes + size > this.limitBytes) {
      await this.finishPart();
      await this.open();
    }
    this.bytes += size;
    countRow(this.parts[this.parts.length - 1]!, "");
    // Rows go to the file in chunks of about 64 KB: one stream write per row costs more than the row.
    this.pending += line;
    if (this.pending.length >= 64 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending === "" || !this.stream) return;
    const chunk = this.pending;
    this.pending = "";
    await write(this.stream, chunk);
  }

  /** Closes the last part (an empty export still gets one file with the header). */
  async finish(): Promise<ExportPart[]> {
    if (!this.stream && this.parts.length === 0) await this.open();
    await this.finishPart();
    return this.parts;
  }
}

/** Counts the bytes that reach the file, to know how big the zip has grown. */
class CountingFile extends Writable {
  bytes = 0;
  private readonly file: WriteStream;
  constructor(path: string) {
    super();
    this.file = createWriteStream(path);
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.file.write(chunk)) cb();
    else this.file.once("drain", () => cb());
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.file.end(() => cb());
  }
  /** Resolves once the file is closed. */
  fileClosed(): Promise<void> {
    return this.file.closed ? Promise.resolve() : once(this.file, "close").then(() => undefined);
  }
}

interface SheetSpec {
  name: string;
  header: string[];
  widths?: number[];
}

/** Upper bound of the XML that ExcelJS writes for one cell (markup, column letters, row number, escaping). */
function cellXmlBytes(v: string | number | null): number {
  if (v === null || v === "") return 16;
  if (typeof v === "number") return 40 + String(v).length;
  let extra = 0;
  for (const ch of v) {
    if (ch === "&") extra += 4;
    else if (ch === "<" || ch === ">") extra += 3;
    else if (ch === '"' || ch === "'") extra += 5;
    else if (ch === "\n" || ch === "\r" || ch === "\t") extra += 4;
  }
  return 100 + Buffer.byteLength(v) + extra;
}

/** What the fixed parts of a workbook (styles, theme, rels, zip directory) may take, uncompressed. */
const WORKBOOK_OVERHEAD = 32 * 1024;

/**
 * Streams an XLSX workbook (ExcelJS WorkbookWriter: rows are committed and compressed as they
 * come, nothing is kept in memory) to files of at most `limitBytes`. Sheets are written one
 * after the other; when a part is full, the workbook is closed and the next part continues
 * the same sheet (with its header) in a new workbook.
 *
 * The zip is compressed in the background, so its size is only known with a lag. The normal
 * mode closes a part when the compressed bytes reach the limit minus a wide margin; callers
 * check the finished sizes and, in the rare case a part came out too big, write the export
 * again in `strict` mode, which splits on an upper bound of the uncompressed XML (deflate
 * never grows data more than a few bytes): always under the limit, but with smaller files.
 */
export class XlsxPartWriter {
  readonly parts: ExportPart[] = [];
  private wb: ExcelJS.stream.xlsx.WorkbookWriter | undefined;
  private out: CountingFile | undefined;
  private sheet: ExcelJS.Worksheet | undefined;
  private spec: SheetSpec | undefined;
  private rowsInPart = 0;
  private xmlInPart = 0;
  private sinceCheck = 0;
  private sheetPending = false;
  private excel: typeof ExcelJS | undefined;
  private readonly softLimit: number;

  constructor(
    private readonly dir: string,
    private readonly base: string,
    private readonly limitBytes: number,
    private readonly strict = false,
  ) {
    this.softLimit = limitBytes - Math.max(Math.floor(limitBytes * 0.15), 512 * 1024);
  }

  private openWorkbook(): void {
    const index = this.parts.length + 1;
    const filename = partName(this.base, index, "xlsx");
    const path = join(this.dir, filename);
    this.out = new CountingFile(path);
    this.wb = new this.excel!.stream.xlsx.WorkbookWriter({
      stream: this.out,
      useStyles: false,
      useSharedStrings: false,
      // Fast deflate: a spreadsheet of text compresses almost as well at level 1, in a
      // fraction of the time.
      zip: { zlib: { level: 1 } },
    } as ConstructorParameters<typeof ExcelJS.stream.xlsx.WorkbookWriter>[0]);
    this.wb.creator = "Pendamping";
    this.parts.push({ path, filename, bytes: 0, rows: 0, sheets: [] });
    this.rowsInPart = 0;
    this.xmlInPart = WORKBOOK_OVERHEAD;
  }

  private async openSheet(): Promise<void> {
    this.excel ??= await loadExcel();
    if (!this.wb) this.openWorkbook();
    const spec = this.spec!;
    const ws = this.wb!.addWorksheet(spec.name, { views: [{ state: "frozen", ySplit: 1 }] });
    ws.columns = spec.header.map((h, i) => ({ header: h, key: `c${i}`, width: spec.widths?.[i] ?? Math.min(40, Math.max(10, h.length + 2)) }));
    ws.getRow(1).commit();
    this.xmlInPart += 1024 + spec.header.reduce((n, h) => n + cellXmlBytes(h), 0);
    this.sheet = ws;
  }

  private async closeWorkbook(): Promise<void> {
    if (!this.wb) return;
    if (this.sheet) {
      this.sheet.commit();
      this.sheet = undefined;
    }
    await this.wb.commit();
    if (!this.out!.writableFinished) await once(this.out!, "finish");
    await this.out!.fileClosed();
    const part = this.parts[this.parts.length - 1]!;
    part.bytes = statSync(part.path).size;
    this.wb = undefined;
    this.out = undefined;
  }

  /** Starts a sheet (in the current part); it is opened with its first row (or at the end). */
  beginSheet(spec: SheetSpec): void {
    if (this.sheet) this.sheet.commit();
    this.sheet = undefined;
    this.spec = spec;
    this.sheetPending = true;
  }

  private async ensureSheet(): Promise<void> {
    if (!this.sheetPending) return;
    this.sheetPending = false;
    await this.openSheet();
  }

  async add(values: (string | number | null)[]): Promise<void> {
    if (!this.spec) throw new Error("beginSheet first");
    await this.ensureSheet();
    if (this.strict) {
      // Only the strict mode splits on the XML bound (the normal mode watches the zip's size).
      const xml = 64 + values.reduce<number>((n, v) => n + cellXmlBytes(v), 0);
      if (this.rowsInPart > 0 && this.xmlInPart + xml >= this.limitBytes) {
        await this.closeWorkbook();
        await this.openSheet();
      }
      this.xmlInPart += xml;
    }
    // An empty cell is left out of the sheet (no markup for it): less to render and to compress.
    this.sheet!.addRow(values.map((v) => (v === "" ? null : v))).commit();
    this.rowsInPart++;
    countRow(this.parts[this.parts.length - 1]!, this.spec.name);
    if (++this.sinceCheck >= 100) {
      this.sinceCheck = 0;
      // Let the compressor catch up (this also bounds what waits in its buffers).
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.strict && this.out!.bytes >= this.softLimit) {
        await this.closeWorkbook();
        await this.openSheet();
      }
    }
  }

  async finish(): Promise<ExportPart[]> {
    await this.ensureSheet();
    await this.closeWorkbook();
    return this.parts;
  }
}

/** Gives parts their final names: no suffix when there is only one. */
export function finalNames(parts: ExportPart[], base: string, ext: string): string[] {
  if (parts.length === 1) return [`${base}.${ext}`];
  return parts.map((_, i) => `${base}_bagian-${i + 1}-dari-${parts.length}.${ext}`);
}
