import type { MessageEntity } from "grammy/types";
import { escapeHtml } from "../i18n.js";

function escapeAttr(value: string): string {
  return escapeHtml(value).replace(/"/g, "&quot;");
}

function tags(e: MessageEntity): [string, string] | null {
  switch (e.type) {
    case "bold":
      return ["<b>", "</b>"];
    case "italic":
      return ["<i>", "</i>"];
    case "underline":
      return ["<u>", "</u>"];
    case "strikethrough":
      return ["<s>", "</s>"];
    case "spoiler":
      return ["<tg-spoiler>", "</tg-spoiler>"];
    case "code":
      return ["<code>", "</code>"];
    case "pre":
      return e.language ? [`<pre><code class="language-${escapeAttr(e.language)}">`, "</code></pre>"] : ["<pre>", "</pre>"];
    case "text_link":
      return [`<a href="${escapeAttr(e.url)}">`, "</a>"];
    case "text_mention":
      return [`<a href="tg://user?id=${e.user.id}">`, "</a>"];
    case "blockquote":
      return ["<blockquote>", "</blockquote>"];
    case "expandable_blockquote":
      return ["<blockquote expandable>", "</blockquote>"];
    default:
      // Mentions, hashtags, URLs, commands…: Telegram recognises them again in the text.
      return null;
  }
}

/**
 * Turns a received message's text and entities into Telegram HTML, so that a coordinator's
 * formatting (bold, italic, links…) survives when the text is stored and sent again with
 * parse_mode HTML. Offsets are UTF-16 code units, like JavaScript strings. Entities that
 * overlap without nesting are closed and reopened, so the result is always well formed.
 */
export function entitiesToHtml(text: string, entities: readonly MessageEntity[] | undefined): string {
  const list = (entities ?? [])
    .map((e, i) => ({ e, i, start: e.offset, end: e.offset + e.length, tag: tags(e) }))
    .filter((x) => x.tag !== null && x.end > x.start && x.start >= 0 && x.end <= text.length)
    .sort((a, b) => a.start - b.start || b.end - a.end || a.i - b.i);
  if (list.length === 0) return escapeHtml(text);
  const bounds = [...new Set([0, text.length, ...list.flatMap((x) => [x.start, x.end])])].sort((a, b) => a - b);
  type Open = (typeof list)[number];
  const stack: Open[] = [];
  let next = 0;
  let out = "";
  for (let b = 0; b < bounds.length; b++) {
    const pos = bounds[b]!;
    // Close what ends here; entities opened above it are closed and reopened.
    const firstEnding = stack.findIndex((x) => x.end <= pos);
    if (firstEnding >= 0) {
      const popped = stack.splice(firstEnding);
      for (let k = popped.length - 1; k >= 0; k--) out += popped[k]!.tag![1];
      for (const x of popped) {
        if (x.end > pos) {
          out += x.tag![0];
          stack.push(x);
        }
      }
    }
    while (next < list.length && list[next]!.start === pos) {
      const x = list[next++]!;
      out += x.tag![0];
      stack.push(x);
    }
    const end = bounds[b + 1];
    if (end !== undefined) out += escapeHtml(text.slice(pos, end));
  }
  for (let k = stack.length - 1; k >= 0; k--) out += stack[k]!.tag![1];
  return out;
}
