/**
 * Offline validation of Bot API calls against the machine-readable Bot API
 * description vendored in `vendor/telegram-bot-api/bot-api.json` (see its README for source and licence).
 *
 * `validateCall(method, payload)` returns a list of human-readable violations
 * (empty when the call looks like something Telegram would accept). It checks
 * method and parameter names, required parameters, the shapes of nested
 * objects (field names and primitive types, recursively, per the spec's
 * `types` section) and the limits that the documentation only states in
 * prose (text/caption lengths, callback_data bytes, command names, HTML).
 */
import { readFileSync } from "node:fs";

// === Spec types

export interface SpecField {
  name: string;
  types: string[];
  required: boolean;
  description: string;
}

export interface SpecMethod {
  name: string;
  fields?: SpecField[];
  returns: string[];
}

export interface SpecType {
  name: string;
  fields?: SpecField[];
  subtypes?: string[];
  subtype_of?: string[];
}

export interface BotApiSpec {
  version: string;
  release_date: string;
  methods: Record<string, SpecMethod>;
  types: Record<string, SpecType>;
}

const SPEC_URL = new URL("../../vendor/telegram-bot-api/bot-api.json", import.meta.url);

let cachedSpec: BotApiSpec | undefined;

/** Loads (once) and returns the Bot API description. */
export function loadBotApiSpec(): BotApiSpec {
  if (cachedSpec === undefined) {
    cachedSpec = JSON.parse(readFileSync(SPEC_URL, "utf8")) as BotApiSpec;
  }
  return cachedSpec;
}

/** Returns the spec of a method, or undefined when the method does not exist. */
export function getMethodSpec(method: string): SpecMethod | undefined {
  const spec = loadBotApiSpec();
  return Object.hasOwn(spec.methods, method) ? spec.methods[method] : undefined;
}

// === Limits stated in prose

export const MAX_TEXT_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;
export const MAX_CALLBACK_DATA_BYTES = 64;
export const MAX_CALLBACK_ANSWER_LENGTH = 200;
export const PARSE_MODES = ["HTML", "MarkdownV2", "Markdown"] as const;

/** Methods whose `text` parameter is a message text (1-4096 characters). */
const MESSAGE_TEXT_METHODS = new Set(["sendMessage", "editMessageText", "sendMessageDraft"]);

// === Telegram HTML

export interface ParsedHtml {
  /** Plain text after stripping tags and decoding entities. */
  text: string;
  /** Message entities (offsets/lengths in UTF-16 code units). */
  entities: HtmlEntity[];
  /** Problems that would make Telegram answer "can't parse entities". */
  errors: string[];
}

export interface HtmlEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
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
const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: "\"" };

function decodeEntitiesLoosely(value: string): string {
  return value.replace(/&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named !== undefined) return NAMED_ENTITIES[named] ?? "";
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "0", 16);
    return safeFromCodePoint(code);
  });
}

function safeFromCodePoint(code: number): string {
  try {
    return String.fromCodePoint(code);
  } catch {
    return "\uFFFD";
  }
}

function checkAttributes(name: string, attrs: Record<string, string | true>, where: string): string[] {
  const errors: string[] = [];
  const keys = Object.keys(attrs);
  const allowOnly = (allowed: string[]): void => {
    for (const k of keys) {
      if (!allowed.includes(k)) errors.push(`unsupported attribute "${k}" on <${name}> ${where}`);
    }
  };
  switch (name) {
    case "a": {
      allowOnly(["href"]);
      const href = attrs["href"];
      if (typeof href !== "string" || href.length === 0) errors.push(`<a> without href ${where}`);
      break;
    }
    case "span":
      allowOnly(["class"]);
      if (attrs["class"] !== "tg-spoiler") errors.push(`<span> must have class="tg-spoiler" ${where}`);
      break;
    case "tg-emoji": {
      allowOnly(["emoji-id"]);
      const id = attrs["emoji-id"];
      if (typeof id !== "string" || id.length === 0) errors.push(`<tg-emoji> without emoji-id ${where}`);
      break;
    }
    case "blockquote":
      allowOnly(["expandable"]);
      break;
    case "code": {
      allowOnly(["class"]);
      const cls = attrs["class"];
      if (cls !== undefined && (typeof cls !== "string" || !cls.startsWith("language-"))) {
        errors.push(`<code> class must be "language-..." ${where}`);
      }
      break;
    }
    default:
      allowOnly([]);
  }
  return errors;
}

/**
 * Parses text in Telegram's HTML parse mode the way the Bot API would:
 * returns the plain text, the resulting entities and any parse errors.
 */
export function parseTelegramHtml(html: string): ParsedHtml {
  const errors: string[] = [];
  const entities: HtmlEntity[] = [];
  const stack: OpenTag[] = [];
  let text = "";
  let i = 0;
  while (i < html.length) {
    const ch = html[i];
    if (ch === "<") {
      const m = TAG_RE.exec(html.slice(i));
      if (m === null) {
        errors.push(`unescaped "<" at offset ${i} (use &lt;)`);
        text += ch;
        i += 1;
        continue;
      }
      const [whole, slash, rawName, rawAttrs, selfClose] = m;
      const name = (rawName ?? "").toLowerCase();
      const where = `at offset ${i}`;
      i += whole.length;
      if (!Object.hasOwn(ENTITY_TYPE, name)) {
        errors.push(`unsupported tag <${slash}${name}> ${where}`);
        continue;
      }
      if (selfClose === "/") {
        errors.push(`self-closing tag <${name}/> ${where}`);
        continue;
      }
      if (slash === "/") {
        if ((rawAttrs ?? "").trim() !== "") errors.push(`end tag </${name}> has attributes ${where}`);
        const top = stack[stack.length - 1];
        if (top === undefined) {
          errors.push(`unexpected end tag </${name}> ${where}`);
          continue;
        }
        if (top.name !== name) {
          errors.push(`end tag </${name}> does not match <${top.name}> ${where}`);
          // Try to recover if the tag is open further down.
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
        const key = (am[1] ?? "").toLowerCase();
        const value = am[2] ?? am[3] ?? am[4];
        attrs[key] = value === undefined ? true : decodeEntitiesLoosely(value);
      }
      errors.push(...checkAttributes(name, attrs, where));
      const parent = stack[stack.length - 1];
      if (parent !== undefined && (parent.name === "code" || parent.name === "pre") && !(parent.name === "pre" && name === "code")) {
        errors.push(`<${name}> cannot be nested inside <${parent.name}> ${where}`);
      }
      if (name === "blockquote" && stack.some((t) => t.name === "blockquote")) {
        errors.push(`<blockquote> cannot be nested ${where}`);
      }
      if (name === "a" && stack.some((t) => t.name === "a")) {
        errors.push(`<a> cannot be nested ${where}`);
      }
      stack.push({ name, attrs, offset: text.length });
      continue;
    }
    if (ch === "&") {
      const m = ENTITY_RE.exec(html.slice(i, i + 12));
      if (m === null) {
        errors.push(`unescaped "&" at offset ${i} (use &amp;)`);
        text += ch;
        i += 1;
        continue;
      }
      text += decodeEntitiesLoosely(m[0]);
      i += m[0].length;
      continue;
    }
    if (ch === ">") {
      errors.push(`unescaped ">" at offset ${i} (use &gt;)`);
    }
    text += ch;
    i += 1;
  }
  for (const open of stack.reverse()) {
    errors.push(`unclosed tag <${open.name}>`);
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities, errors };
}

function makeEntity(open: OpenTag, end: number, outer: OpenTag[]): HtmlEntity | undefined {
  const length = end - open.offset;
  if (length <= 0) return undefined;
  const type = ENTITY_TYPE[open.name] ?? "bold";
  const entity: HtmlEntity = { type, offset: open.offset, length };
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
    const cls = open.attrs["class"];
    if (parent?.name === "pre") {
      // <pre><code class="language-x"> becomes one pre entity with a language.
      if (typeof cls === "string") {
        parent.attrs["__language"] = cls.slice("language-".length);
      }
      return undefined;
    }
  } else if (open.name === "pre") {
    const lang = open.attrs["__language"];
    if (typeof lang === "string" && lang.length > 0) entity.language = lang;
  }
  return entity;
}

/**
 * Returns the text the user sees (after entity parsing) for a text or
 * caption sent with the given parse mode. Only HTML is actually parsed.
 */
export function visibleText(text: string, parseMode: unknown): string {
  return parseMode === "HTML" ? parseTelegramHtml(text).text : text;
}

// === Generic type checking against the spec

/**
 * Types the prose describes but the field lists do not: sendMediaGroup accepts
 * photos, videos and live photos mixed in one album (documents and audio
 * only among themselves).
 */
const SYNTHETIC_TYPES: Record<string, SpecType> = {
  VisualInputMedia: { name: "VisualInputMedia", subtypes: ["InputMediaPhoto", "InputMediaVideo", "InputMediaLivePhoto"] },
};

/** Extra alternatives for particular parameters. */
function parameterTypes(method: string, field: SpecField): string[] {
  if (method === "sendMediaGroup" && field.name === "media") return [...field.types, "Array of VisualInputMedia"];
  return field.types;
}

const PRIMITIVES = new Set(["Integer", "Float", "String", "Boolean", "True", "InputFile"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

function checkPrimitive(type: string, value: unknown, path: string): string[] {
  switch (type) {
    case "Integer":
      return typeof value === "number" && Number.isInteger(value) ? [] : [`${path}: expected Integer, got ${kindOf(value)} ${JSON.stringify(value)}`];
    case "Float":
      return typeof value === "number" && Number.isFinite(value) ? [] : [`${path}: expected Float, got ${kindOf(value)}`];
    case "String":
      return typeof value === "string" ? [] : [`${path}: expected String, got ${kindOf(value)}`];
    case "Boolean":
      return typeof value === "boolean" ? [] : [`${path}: expected Boolean, got ${kindOf(value)}`];
    case "True":
      return value === true ? [] : [`${path}: expected True, got ${JSON.stringify(value)}`];
    case "InputFile":
      // In a serialized payload, an InputFile is an attach:// reference.
      return typeof value === "string" ? [] : [`${path}: expected InputFile (attach://...), got ${kindOf(value)}`];
    default:
      return [];
  }
}

/** The literal value a discriminator field must have ("Type of the media, must be photo"). */
function discriminatorValue(field: SpecField): string | undefined {
  if (!["type", "source", "status"].includes(field.name)) return undefined;
  const m = /must be ["“*]?([a-z0-9_]+)["”*]?\s*$/.exec(field.description);
  return m?.[1];
}

function checkObject(typeName: string, type: SpecType, value: unknown, path: string, depth: number): string[] {
  if (!isPlainObject(value)) return [`${path}: expected ${typeName} object, got ${kindOf(value)}`];
  const fields = type.fields ?? [];
  if (fields.length === 0) return [];
  const errors: string[] = [];
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const field = byName.get(key);
    if (field === undefined) {
      errors.push(`${path}.${key}: unknown field of ${typeName}`);
      continue;
    }
    const disc = discriminatorValue(field);
    if (disc !== undefined && v !== disc) {
      errors.push(`${path}.${key}: must be "${disc}" for ${typeName}, got ${JSON.stringify(v)}`);
      continue;
    }
    errors.push(...checkValue(field.types, v, `${path}.${key}`, depth + 1));
  }
  for (const field of fields) {
    if (field.required && value[field.name] === undefined) {
      errors.push(`${path}.${field.name}: missing required field of ${typeName}`);
    }
  }
  return errors;
}

function checkSingle(typeName: string, value: unknown, path: string, depth: number): string[] {
  if (depth > 20) return [];
  if (typeName.startsWith("Array of ")) {
    if (!Array.isArray(value)) return [`${path}: expected ${typeName}, got ${kindOf(value)}`];
    const inner = typeName.slice("Array of ".length);
    return value.flatMap((item, idx) => checkSingle(inner, item, `${path}[${idx}]`, depth + 1));
  }
  if (PRIMITIVES.has(typeName)) return checkPrimitive(typeName, value, path);
  const spec = loadBotApiSpec();
  const type = Object.hasOwn(SYNTHETIC_TYPES, typeName)
    ? SYNTHETIC_TYPES[typeName]
    : Object.hasOwn(spec.types, typeName) ? spec.types[typeName] : undefined;
  if (type === undefined) return [];
  if (type.subtypes !== undefined && type.subtypes.length > 0) {
    return checkValue(type.subtypes, value, path, depth + 1);
  }
  // KeyboardButton: "For simple text buttons, String can be used instead of this object".
  if (typeName === "KeyboardButton" && typeof value === "string") return [];
  return checkObject(typeName, type, value, path, depth);
}

/**
 * Checks a value against a list of alternative types ("Integer or String").
 * Returns no errors if one alternative matches, otherwise the errors of the
 * closest alternative.
 */
function checkValue(types: string[], value: unknown, path: string, depth = 0): string[] {
  let best: string[] | undefined;
  for (const t of types) {
    const errors = checkSingle(t, value, path, depth);
    if (errors.length === 0) return [];
    if (best === undefined || errors.length < best.length) best = errors;
  }
  return best ?? [];
}

// === Prose limits

function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function checkParseMode(value: unknown, label: string): string[] {
  if (value === undefined) return [];
  return (PARSE_MODES as readonly unknown[]).includes(value) ? [] : [`${label}: invalid parse mode ${JSON.stringify(value)} (use ${PARSE_MODES.join(", ")})`];
}

/** Pairs of (text field, parse mode field) that can appear on any object in a payload. */
const FORMATTED_PAIRS: [string, string][] = [
  ["text", "parse_mode"],
  ["caption", "parse_mode"],
  ["message_text", "parse_mode"],
  ["question", "question_parse_mode"],
  ["explanation", "explanation_parse_mode"],
  ["text", "text_parse_mode"],
  ["quote", "quote_parse_mode"],
];

const PARSE_MODE_KEYS = [...new Set(FORMATTED_PAIRS.map(([, mode]) => mode))];

/** Walks every object in the payload and checks parse modes and HTML markup. */
function checkFormattingDeep(value: unknown, path: string, depth: number): string[] {
  if (depth > 20) return [];
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => checkFormattingDeep(v, `${path}[${i}]`, depth + 1));
  }
  if (!isPlainObject(value)) return [];
  const errors: string[] = [];
  const label = (k: string): string => (path === "" ? k : `${path}.${k}`);
  for (const modeKey of PARSE_MODE_KEYS) {
    errors.push(...checkParseMode(value[modeKey], label(modeKey)));
  }
  for (const [textKey, modeKey] of FORMATTED_PAIRS) {
    const text = value[textKey];
    if (value[modeKey] !== "HTML" || typeof text !== "string") continue;
    for (const e of parseTelegramHtml(text).errors) errors.push(`${label(textKey)}: invalid HTML: ${e}`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "object" && v !== null) errors.push(...checkFormattingDeep(v, label(k), depth + 1));
  }
  return errors;
}

function checkLength(value: unknown, parseMode: unknown, label: string, min: number, max: number): string[] {
  if (typeof value !== "string") return [];
  const plain = visibleText(value, parseMode);
  const errors: string[] = [];
  if (min > 0 && plain.trim().length < min) errors.push(`${label}: must be non-empty after entity parsing`);
  if (plain.length > max) errors.push(`${label}: ${plain.length} characters after entity parsing, maximum is ${max}`);
  return errors;
}

function checkLengths(method: string, payload: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (MESSAGE_TEXT_METHODS.has(method)) {
    errors.push(...checkLength(payload["text"], payload["parse_mode"], "text", 1, MAX_TEXT_LENGTH));
  }
  errors.push(...checkLength(payload["caption"], payload["parse_mode"], "caption", 0, MAX_CAPTION_LENGTH));
  const media = payload["media"];
  const mediaItems = Array.isArray(media) ? media : isPlainObject(media) ? [media] : [];
  mediaItems.forEach((item, idx) => {
    if (!isPlainObject(item)) return;
    const label = Array.isArray(media) ? `media[${idx}].caption` : "media.caption";
    errors.push(...checkLength(item["caption"], item["parse_mode"], label, 0, MAX_CAPTION_LENGTH));
  });
  if (method === "answerCallbackQuery") {
    const text = payload["text"];
    if (typeof text === "string" && text.length > MAX_CALLBACK_ANSWER_LENGTH) {
      errors.push(`text: ${text.length} characters, answerCallbackQuery allows at most ${MAX_CALLBACK_ANSWER_LENGTH}`);
    }
  }
  return errors;
}

function checkReplyMarkup(markup: unknown, path: string): string[] {
  if (!isPlainObject(markup)) return [];
  const errors: string[] = [];
  const inline = markup["inline_keyboard"];
  if (Array.isArray(inline)) {
    inline.forEach((row, r) => {
      if (!Array.isArray(row)) return;
      row.forEach((button, c) => {
        if (!isPlainObject(button)) return;
        const p = `${path}.inline_keyboard[${r}][${c}]`;
        const text = button["text"];
        if (typeof text !== "string" || text.trim().length === 0) errors.push(`${p}.text: button text must be non-empty`);
        const data = button["callback_data"];
        if (data !== undefined) {
          if (typeof data !== "string") {
            errors.push(`${p}.callback_data: must be a string`);
          } else {
            const bytes = utf8Length(data);
            if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) {
              errors.push(`${p}.callback_data: ${bytes} bytes, must be 1-${MAX_CALLBACK_DATA_BYTES} bytes (${JSON.stringify(data)})`);
            }
          }
        }
      });
    });
  }
  const keyboard = markup["keyboard"];
  if (Array.isArray(keyboard)) {
    keyboard.forEach((row, r) => {
      if (!Array.isArray(row)) return;
      row.forEach((button, c) => {
        const text = typeof button === "string" ? button : isPlainObject(button) ? button["text"] : undefined;
        if (typeof text !== "string" || text.trim().length === 0) {
          errors.push(`${path}.keyboard[${r}][${c}].text: button text must be non-empty`);
        }
      });
    });
  }
  return errors;
}

function checkCommands(payload: Record<string, unknown>): string[] {
  const commands = payload["commands"];
  if (!Array.isArray(commands)) return [];
  const errors: string[] = [];
  if (commands.length > 100) errors.push(`commands: ${commands.length} commands, at most 100 allowed`);
  commands.forEach((cmd, idx) => {
    if (!isPlainObject(cmd)) return;
    const name = cmd["command"];
    if (typeof name !== "string" || !/^[a-z0-9_]{1,32}$/.test(name)) {
      errors.push(`commands[${idx}].command: ${JSON.stringify(name)} must match [a-z0-9_]{1,32}`);
    }
    const description = cmd["description"];
    if (typeof description !== "string" || description.length < 1 || description.length > 256) {
      errors.push(`commands[${idx}].description: must be 1-256 characters`);
    }
  });
  return errors;
}

/**
 * Validates one Bot API call. Returns a list of violations; empty if the call
 * looks valid.
 *
 * @param method the Bot API method name, e.g. "sendMessage"
 * @param payload the parameters as they would be serialized (undefined and null values are ignored, like grammY does)
 */
export function validateCall(method: string, payload: unknown): string[] {
  const spec = getMethodSpec(method);
  if (spec === undefined) return [`unknown method "${method}"`];
  const params: Record<string, unknown> = isPlainObject(payload) ? payload : {};
  const errors: string[] = [];
  const fields = spec.fields ?? [];
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const field = byName.get(key);
    if (field === undefined) {
      errors.push(`unknown parameter "${key}"`);
      continue;
    }
    errors.push(...checkValue(parameterTypes(method, field), value, key));
  }
  for (const field of fields) {
    if (field.required && (params[field.name] === undefined || params[field.name] === null)) {
      errors.push(`missing required parameter "${field.name}"`);
    }
  }
  errors.push(...checkLengths(method, params));
  errors.push(...checkFormattingDeep(params, "", 0));
  errors.push(...checkReplyMarkup(params["reply_markup"], "reply_markup"));
  if (method === "setMyCommands") errors.push(...checkCommands(params));
  return errors;
}
