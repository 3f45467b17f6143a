/**
 * What a Telegram message looks like in a terminal: text with its entities (ANSI styles when
 * colour is on, link targets in brackets), media as a bracketed label (with the path a file
 * was saved to), and keyboards as numbered buttons.
 *
 * @module
 */
import { relative } from "node:path";
import type { HtmlEntity } from "../fake-bot-api/html.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const STYLE_CODES: Record<string, string> = {
  bold: "1",
  italic: "3",
  underline: "4",
  strikethrough: "9",
  spoiler: "2",
  code: "36",
  pre: "36",
  blockquote: "3",
  expandable_blockquote: "3",
  text_link: "4",
};

/** Text with entities as terminal text: ANSI styles when `color`, link targets in brackets. */
export function renderEntities(text: string, entities: readonly HtmlEntity[] | undefined, color: boolean): string {
  const list = entities ?? [];
  if (list.length === 0) return text;
  const opens = new Map<number, HtmlEntity[]>();
  const closes = new Map<number, HtmlEntity[]>();
  for (const e of list) {
    opens.set(e.offset, [...(opens.get(e.offset) ?? []), e]);
    closes.set(e.offset + e.length, [...(closes.get(e.offset + e.length) ?? []), e]);
  }
  const active: HtmlEntity[] = [];
  let out = "";
  const style = () => (color ? `\x1b[0m${active.map((e) => STYLE_CODES[e.type]).filter(Boolean).map((c) => `\x1b[${c}m`).join("")}` : "");
  for (let i = 0; i <= text.length; i++) {
    const closing = closes.get(i);
    const opening = opens.get(i);
    if (closing !== undefined) {
      for (const e of closing) active.splice(active.indexOf(e), 1);
      if (color) out += style();
      for (const e of closing) {
        const shown = text.slice(e.offset, e.offset + e.length);
        if (e.type === "text_link" && e.url !== undefined && e.url !== shown) out += ` (${e.url})`;
      }
    }
    if (opening !== undefined) {
      active.push(...opening);
      if (color) out += style();
    }
    if (i < text.length) out += text[i];
  }
  return color ? `${out}\x1b[0m` : out;
}

/** ANSI styling, or none. */
export class Painter {
  constructor(readonly color: boolean) {}
  paint(code: string, s: string): string {
    return this.color ? `\x1b[${code}m${s}\x1b[0m` : s;
  }
  dim(s: string): string {
    return this.paint("2", s);
  }
  bold(s: string): string {
    return this.paint("1", s);
  }
}

export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return `${Math.round(bytes / 1024)} KB`;
}

/** The inline keyboard rows of a message (none: empty). */
export function inlineRows(message: Json): Json[][] {
  const markup = message["reply_markup"];
  return isObject(markup) && Array.isArray(markup["inline_keyboard"]) ? (markup["inline_keyboard"] as Json[][]) : [];
}

export function inlineLabel(b: Json): string {
  const text = String(b["text"] ?? "");
  if (typeof b["url"] === "string") return `${text} (🔗 ${b["url"]})`;
  if (b["web_app"] !== undefined) return `${text} (web app)`;
  if (b["login_url"] !== undefined) return `${text} (login)`;
  if (b["switch_inline_query"] !== undefined || b["switch_inline_query_current_chat"] !== undefined) return `${text} (inline)`;
  if (b["copy_text"] !== undefined) return `${text} (salin)`;
  return text;
}

export function replyLabel(b: unknown): string {
  if (typeof b === "string") return b;
  if (!isObject(b)) return String(b);
  const text = String(b["text"] ?? "");
  if (b["request_contact"] === true) return `${text} (📱 kirim kontak)`;
  if (b["request_location"] === true) return `${text} (📍 kirim lokasi)`;
  if (b["request_users"] !== undefined || b["request_user"] !== undefined) return `${text} (pilih pengguna)`;
  if (b["request_chat"] !== undefined) return `${text} (pilih chat)`;
  if (b["request_poll"] !== undefined) return `${text} (buat polling)`;
  if (b["web_app"] !== undefined) return `${text} (web app)`;
  return text;
}

function numbered<T>(p: Painter, rows: T[][], label: (b: T) => string): string[] {
  let n = 0;
  return rows.map((row) => row.map((b) => `${p.bold(`[${++n}]`)} ${label(b)}`).join("   "));
}

/** Where a saved file is, relative to the working directory when that is shorter. */
export function shownPath(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** The message's content (text, or a media label with its caption) as terminal lines. */
export function contentLines(message: Json, p: Painter, savedPath: (fileId: string) => string | undefined): string[] {
  const lines: string[] = [];
  const caption = typeof message["caption"] === "string" ? renderEntities(message["caption"], message["caption_entities"] as HtmlEntity[], p.color) : undefined;
  const media = (label: string) => lines.push(p.dim(`[${label}]`) + (caption !== undefined ? ` ${caption}` : ""));
  const where = (fileId: unknown) => {
    const path = typeof fileId === "string" ? savedPath(fileId) : undefined;
    return path !== undefined ? ` → ${shownPath(path)}` : "";
  };
  if (typeof message["text"] === "string") lines.push(renderEntities(message["text"], message["entities"] as HtmlEntity[], p.color));
  else if (Array.isArray(message["photo"])) {
    const largest = (message["photo"] as Json[])[message["photo"].length - 1] ?? {};
    media(`foto, ${formatSize(Number(largest["file_size"] ?? 0))}${where(largest["file_id"])}`);
  } else if (isObject(message["document"])) {
    const doc = message["document"];
    media(`dokumen: ${String(doc["file_name"] ?? "file")}, ${formatSize(Number(doc["file_size"] ?? 0))}${where(doc["file_id"])}`);
  } else if (message["voice"] !== undefined) media("pesan suara");
  else if (message["audio"] !== undefined) media("audio");
  else if (message["video"] !== undefined) media("video");
  else if (message["video_note"] !== undefined) media("video bulat");
  else if (message["animation"] !== undefined) media("animasi");
  else if (isObject(message["sticker"])) media(`stiker ${String(message["sticker"]["emoji"] ?? "")}`.trim());
  else if (isObject(message["venue"])) media(`tempat: ${String(message["venue"]["title"])}, ${String(message["venue"]["address"])}`);
  else if (isObject(message["location"])) media(`lokasi: ${String(message["location"]["latitude"])}, ${String(message["location"]["longitude"])}`);
  else if (isObject(message["contact"])) media(`kontak: ${String(message["contact"]["first_name"])} ${String(message["contact"]["phone_number"])}`);
  else if (isObject(message["poll"])) media(`polling: ${String(message["poll"]["question"])}`);
  else if (isObject(message["dice"])) media(`dadu ${String(message["dice"]["emoji"])}`);
  else media("pesan");
  return lines;
}

/** A bot message (with its keyboards) as terminal lines, the first one with "🤖 " and `prefix`. */
export function renderMessage(
  message: Json,
  opts: { painter: Painter; prefix?: string; otherMarkup?: unknown; savedPath: (fileId: string) => string | undefined },
): string[] {
  const p = opts.painter;
  const lines = contentLines(message, p, opts.savedPath).join("\n").split("\n");
  const inline = inlineRows(message);
  if (inline.length > 0) lines.push(...numbered(p, inline, inlineLabel));
  const markup = opts.otherMarkup;
  if (isObject(markup)) {
    if (Array.isArray(markup["keyboard"])) {
      lines.push(p.dim("keyboard:"), ...numbered(p, markup["keyboard"] as unknown[][], replyLabel));
      if (typeof markup["input_field_placeholder"] === "string") lines.push(p.dim(`(kolom ketik: "${markup["input_field_placeholder"]}")`));
    } else if (markup["remove_keyboard"] === true) lines.push(p.dim("(keyboard ditutup)"));
    else if (markup["force_reply"] === true) lines.push(p.dim("(bot meminta Anda membalas pesan ini)"));
  }
  return lines.map((l, i) => (i === 0 ? `🤖 ${opts.prefix ?? ""}${l}` : l === "" ? "" : `   ${l}`));
}
