/**
 * Telegram's HTML parse mode, as the Bot API applies it: plain text plus message entities
 * (offsets and lengths in UTF-16 code units), and the problems that make Telegram answer
 * "Bad Request: can't parse entities". Used by the fake Bot API (tests and the simulator).
 *
 * @module
 */

export interface HtmlEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface ParsedHtml {
  /** Plain text after stripping tags and decoding entities. */
  text: string;
  entities: HtmlEntity[];
  /** Problems that would make Telegram refuse the text ("can't parse entities: …"). */
  errors: string[];
}

interface OpenTag {
  name: string;
  attrs: Record<string, string | true>;
  offset: number;
}

const ENTITY_TYPE: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  span: "spoiler",
  "tg-spoiler": "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

const TAG_RE = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9_-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)*)\s*(\/?)>/;
const ATTR_RE = /([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+)))?/g;
const ENTITY_RE = /^&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

function fromCodePoint(code: number): string | undefined {
  return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** Decodes the entities Telegram's HTML mode knows (&lt; &gt; &amp; &quot; and numeric ones); others stay. */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g, (m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named !== undefined) return NAMED[named] ?? m;
    return fromCodePoint(dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "", 16)) ?? m;
  });
}

function checkAttributes(name: string, attrs: Record<string, string | true>, where: string): string[] {
  const errors: string[] = [];
  const allowOnly = (allowed: string[]): void => {
    for (const k of Object.keys(attrs)) if (!allowed.includes(k)) errors.push(`unsupported attribute "${k}" in tag "${name}" ${where}`);
  };
  switch (name) {
    case "a":
      allowOnly(["href"]);
      if (typeof attrs["href"] !== "string" || attrs["href"] === "") errors.push(`tag "a" needs an href ${where}`);
      break;
    case "span":
      allowOnly(["class"]);
      if (attrs["class"] !== "tg-spoiler") errors.push(`tag "span" must have class "tg-spoiler" ${where}`);
      break;
    case "tg-emoji":
      allowOnly(["emoji-id"]);
      if (typeof attrs["emoji-id"] !== "string" || attrs["emoji-id"] === "") errors.push(`tag "tg-emoji" needs an emoji-id ${where}`);
      break;
    case "blockquote":
      allowOnly(["expandable"]);
      break;
    case "code": {
      allowOnly(["class"]);
      const cls = attrs["class"];
      if (cls !== undefined && (typeof cls !== "string" || !cls.startsWith("language-"))) errors.push(`class of tag "code" must be "language-…" ${where}`);
      break;
    }
    default:
      allowOnly([]);
  }
  return errors;
}

function makeEntity(open: OpenTag, end: number, outer: OpenTag[]): HtmlEntity | undefined {
  const length = end - open.offset;
  if (length <= 0) return undefined;
  const entity: HtmlEntity = { type: ENTITY_TYPE[open.name] ?? "bold", offset: open.offset, length };
  if (open.name === "a") {
    const href = open.attrs["href"];
    if (typeof href === "string") entity.url = href;
  } else if (open.name === "blockquote" && open.attrs["expandable"] !== undefined) {
    entity.type = "expandable_blockquote";
  } else if (open.name === "tg-emoji") {
    const id = open.attrs["emoji-id"];
    if (typeof id === "string") entity.custom_emoji_id = id;
  } else if (open.name === "code") {
    const parent = outer[outer.length - 1];
    if (parent?.name === "pre") {
      // <pre><code class="language-x"> is one pre entity with a language.
      const cls = open.attrs["class"];
      if (typeof cls === "string") parent.attrs["__language"] = cls.slice("language-".length);
      return undefined;
    }
  } else if (open.name === "pre") {
    const lang = open.attrs["__language"];
    if (typeof lang === "string" && lang !== "") entity.language = lang;
  }
  return entity;
}

/** Parses Telegram HTML into text, entities and parse errors (never throws). */
export function parseHtml(html: string): ParsedHtml {
  const errors: string[] = [];
  const entities: HtmlEntity[] = [];
  const stack: OpenTag[] = [];
  const at = (i: number) => `at byte offset ${Buffer.byteLength(html.slice(0, i))}`;
  let text = "";
  let i = 0;
  while (i < html.length) {
    const ch = html[i];
    if (ch === "<") {
      const m = TAG_RE.exec(html.slice(i));
      if (m === null) {
        errors.push(`unexpected "<" ${at(i)} (escape it as &lt;)`);
        text += ch;
        i += 1;
        continue;
      }
      const [whole, slash, rawName, rawAttrs, selfClose] = m;
      const name = (rawName ?? "").toLowerCase();
      const where = at(i);
      i += whole.length;
      if (!Object.hasOwn(ENTITY_TYPE, name)) {
        errors.push(`unsupported ${slash === "/" ? "end" : "start"} tag "${name}" ${where}`);
        continue;
      }
      if (selfClose === "/") {
        errors.push(`self-closing tag "${name}" ${where}`);
        continue;
      }
      if (slash === "/") {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          errors.push(`unmatched end tag "${name}" ${where}`);
          continue;
        }
        if (top.name !== name) {
          errors.push(`unmatched end tag ${where}, expected "</${top.name}>", found "</${name}>"`);
          const idx = stack.map((t) => t.name).lastIndexOf(name);
          if (idx === -1) continue;
          stack.length = idx + 1;
        }
        const open = stack.pop() as OpenTag;
        const entity = makeEntity(open, text.length, stack);
        if (entity !== undefined) entities.push(entity);
        continue;
      }
      const attrs: Record<string, string | true> = {};
      for (const am of (rawAttrs ?? "").matchAll(ATTR_RE)) {
        const value = am[2] ?? am[3] ?? am[4];
        attrs[(am[1] ?? "").toLowerCase()] = value === undefined ? true : decodeHtmlEntities(value);
      }
      errors.push(...checkAttributes(name, attrs, where));
      const parent = stack[stack.length - 1];
      if (parent !== undefined && (parent.name === "code" || parent.name === "pre") && !(parent.name === "pre" && name === "code")) {
        errors.push(`tag "${name}" can't be inside "${parent.name}" ${where}`);
      }
      if ((name === "blockquote" || name === "a") && stack.some((t) => t.name === name)) errors.push(`tag "${name}" can't be nested ${where}`);
      stack.push({ name, attrs, offset: text.length });
      continue;
    }
    if (ch === "&") {
      const m = ENTITY_RE.exec(html.slice(i, i + 12));
      const decoded = m === null ? undefined : decodeHtmlEntities(m[0]);
      if (m === null || decoded === m[0]) {
        errors.push(`unescaped "&" ${at(i)} (escape it as &amp;)`);
        text += ch;
        i += 1;
        continue;
      }
      text += decoded;
      i += m[0].length;
      continue;
    }
    text += ch;
    i += 1;
  }
  for (const open of stack.reverse()) errors.push(`can't find end tag corresponding to start tag "${open.name}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities, errors };
}

/** A Bot API failure as Telegram reports it (code and description). */
export class TelegramHtmlError extends Error {
  override name = "TelegramHtmlError";
  readonly code = 400;
}

/**
 * Parses Telegram HTML like the Bot API does: the text and entities, or throws
 * "Bad Request: can't parse entities: …" on the first problem.
 */
export function parseTelegramHtml(html: string): { text: string; entities: HtmlEntity[] } {
  const parsed = parseHtml(html);
  if (parsed.errors.length > 0) throw new TelegramHtmlError(`Bad Request: can't parse entities: ${parsed.errors[0]}`);
  return { text: parsed.text, entities: parsed.entities };
}
