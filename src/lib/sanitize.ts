import { wellFormed } from "./text.js";

/**
 * Text that PostgreSQL can store: without U+0000 (refused by `text` and `jsonb` alike:
 * "unsupported Unicode escape sequence") and without lone surrogates (half an emoji, refused
 * by `jsonb`; replaced by U+FFFD).
 */
export function storableText(text: string): string {
  const cleaned = text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
  return wellFormed(cleaned);
}

interface Entity {
  offset: number;
  length: number;
}

/** Removes U+0000 from a text and moves its entities so that they still cover the same characters. */
function stripNulWithEntities(text: string, entities: Entity[] | undefined): { text: string; entities: Entity[] | undefined } {
  if (!text.includes("\u0000")) return { text, entities };
  const removed: number[] = [];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0) removed.push(i);
  const before = (pos: number) => removed.filter((r) => r < pos).length;
  const moved = entities
    ?.map((e) => {
      const start = e.offset - before(e.offset);
      const end = e.offset + e.length - before(e.offset + e.length);
      return { ...e, offset: start, length: end - start };
    })
    .filter((e) => e.length > 0);
  return { text: text.replaceAll("\u0000", ""), entities: moved };
}

/**
 * Cleans an incoming update in place before anything reads or stores it: every string loses
 * U+0000 and lone surrogates (see {@link storableText}); message texts and captions keep
 * their entities aligned. Without this, one such character in a village search or an address
 * made the state write fail after the next question had already been sent.
 */
export function sanitizeUpdate(update: unknown): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === "string") node[i] = storableText(v);
        else visit(v);
      }
      return;
    }
    if (node === null || typeof node !== "object") return;
    const obj = node as Record<string, unknown>;
    for (const [textKey, entitiesKey] of [
      ["text", "entities"],
      ["caption", "caption_entities"],
    ] as const) {
      const text = obj[textKey];
      if (typeof text === "string" && text.includes("\u0000")) {
        const fixed = stripNulWithEntities(text, obj[entitiesKey] as Entity[] | undefined);
        obj[textKey] = fixed.text;
        if (fixed.entities !== undefined) obj[entitiesKey] = fixed.entities;
      }
    }
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === "string") obj[k] = storableText(v);
      else visit(v);
    }
  };
  visit(update);
}
