/**
 * The limits Telegram enforces that matter most, checked without the full Bot API
 * description: text and caption lengths, parse modes, valid HTML, inline keyboards and
 * callback data, toast lengths. The tests validate every call against the whole description
 * instead (test/support/bot-api-spec.ts); the simulator uses these.
 *
 * @module
 */
import { parseHtml } from "./html.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const MAX_TEXT_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;
export const MAX_CALLBACK_DATA_BYTES = 64;
export const MAX_CALLBACK_ANSWER_LENGTH = 200;

const TEXT_METHODS = new Set(["sendMessage", "editMessageText"]);
const BUTTON_ACTIONS = [
  "callback_data", "url", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
];

function formattedLength(text: string, parseMode: unknown, what: string, problems: string[]): number {
  if (parseMode === undefined) return text.length;
  if (parseMode !== "HTML") {
    problems.push(`${what}: only parse_mode HTML is understood here, got ${String(parseMode)}`);
    return text.length;
  }
  const parsed = parseHtml(text);
  for (const e of parsed.errors) problems.push(`can't parse entities: ${e}`);
  return parsed.text.trim() === "" ? 0 : parsed.text.length;
}

function checkInlineKeyboard(markup: unknown, problems: string[]): void {
  if (markup === undefined || markup === null) return;
  if (!isObject(markup)) {
    problems.push("can't parse reply keyboard markup JSON object");
    return;
  }
  if (!Array.isArray(markup["inline_keyboard"])) return;
  for (const row of markup["inline_keyboard"] as unknown[]) {
    if (!Array.isArray(row)) {
      problems.push("can't parse inline keyboard button: rows must be arrays");
      continue;
    }
    for (const b of row as unknown[]) {
      if (!isObject(b) || typeof b["text"] !== "string" || b["text"] === "") {
        problems.push("can't parse inline keyboard button: Text must be non-empty");
        continue;
      }
      if (BUTTON_ACTIONS.filter((k) => b[k] !== undefined).length !== 1) {
        problems.push(`inline keyboard button "${b["text"]}" must have exactly one action`);
      }
      const data = b["callback_data"];
      if (typeof data === "string" && (data === "" || Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES)) {
        problems.push(`BUTTON_DATA_INVALID: callback_data of "${b["text"]}" must be 1-${MAX_CALLBACK_DATA_BYTES} bytes`);
      }
    }
  }
}

/** Problems Telegram would refuse the call for (empty when it looks fine). */
export function basicChecks(method: string, payload: Json): string[] {
  const problems: string[] = [];
  if (TEXT_METHODS.has(method)) {
    const text = typeof payload["text"] === "string" ? payload["text"] : "";
    const n = Array.isArray(payload["entities"]) ? text.length : formattedLength(text, payload["parse_mode"], "text", problems);
    if (text.trim() === "" || n === 0) problems.push("message text is empty");
    if (n > MAX_TEXT_LENGTH) problems.push(`message is too long (${n} > ${MAX_TEXT_LENGTH} characters)`);
  }
  if (typeof payload["caption"] === "string") {
    const n = Array.isArray(payload["caption_entities"]) ? payload["caption"].length : formattedLength(payload["caption"], payload["parse_mode"], "caption", problems);
    if (n > MAX_CAPTION_LENGTH) problems.push(`message caption is too long (${n} > ${MAX_CAPTION_LENGTH} characters)`);
  }
  checkInlineKeyboard(payload["reply_markup"], problems);
  if (method === "answerCallbackQuery" && typeof payload["text"] === "string" && [...payload["text"]].length > MAX_CALLBACK_ANSWER_LENGTH) {
    problems.push(`MESSAGE_TOO_LONG: a callback answer has at most ${MAX_CALLBACK_ANSWER_LENGTH} characters`);
  }
  return problems;
}
