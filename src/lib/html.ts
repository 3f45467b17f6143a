import type { Transformer } from "grammy";

export { escapeHtml } from "../i18n.js";

const FORMATTED = new Set([
  "sendMessage",
  "editMessageText",
  "sendPhoto",
  "sendDocument",
  "sendVoice",
  "sendVideo",
  "editMessageCaption",
  "copyMessage",
]);

/**
 * Every text the bot sends is Telegram HTML (i18next escapes interpolated values). This
 * transformer sets `parse_mode: "HTML"` where a call has text or a caption and no mode.
 */
export const htmlParseMode: Transformer = (prev, method, payload, signal) => {
  if (FORMATTED.has(method) && payload && typeof payload === "object") {
    const p = payload as Record<string, unknown>;
    if (p.parse_mode === undefined && (typeof p.text === "string" || typeof p.caption === "string")) {
      return prev(method, { ...payload, parse_mode: "HTML" } as typeof payload, signal);
    }
  }
  return prev(method, payload, signal);
};
