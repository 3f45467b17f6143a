/**
 * Cuts a text to at most `max` UTF-16 code units without splitting a surrogate pair (an
 * emoji cut in half is not valid Unicode: PostgreSQL refuses it in jsonb, Telegram in text).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** Replaces lone surrogates (half an emoji) by U+FFFD, making any string valid Unicode. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
