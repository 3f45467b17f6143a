/**
 * Decoding of the HTTP requests grammY sends to the Bot API: a JSON body, or
 * multipart/form-data when files are uploaded (InputFile).
 *
 * @module
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  const lower = name.toLowerCase();
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  if (Array.isArray(headers)) {
    for (const pair of headers as unknown[]) {
      if (Array.isArray(pair) && String(pair[0]).toLowerCase() === lower) return String(pair[1]);
    }
    return undefined;
  }
  if (isObject(headers)) {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return String(v);
  }
  return undefined;
}

export async function readBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  const toBuffer = (chunk: unknown) => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk as Uint8Array));
  if (typeof body === "object" && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) chunks.push(toBuffer(chunk));
    return Buffer.concat(chunks);
  }
  if (typeof body === "object" && Symbol.iterator in body) {
    return Buffer.concat([...(body as Iterable<unknown>)].map(toBuffer));
  }
  throw new Error(`fake Bot API: unsupported request body type ${Object.prototype.toString.call(body)}`);
}

export interface MultipartPart {
  headers: Record<string, string>;
  name?: string;
  filename?: string;
  data: Buffer;
}

function parseDisposition(value: string): { name?: string; filename?: string } {
  const result: { name?: string; filename?: string } = {};
  for (const piece of value.split(";")) {
    const m = /^\s*([a-zA-Z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*$/.exec(piece);
    if (m === null) continue;
    const key = (m[1] ?? "").toLowerCase();
    const val = m[2] ?? m[3] ?? "";
    if (key === "name") result.name = val;
    if (key === "filename") result.filename = val;
  }
  return result;
}

/** Parses a multipart/form-data body (enough for grammY's own encoder and standard ones). */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (body.subarray(end - 2, end).toString() === "\r\n") end -= 2;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf("\r\n\r\n");
    const rawHeaders = headerEnd === -1 ? "" : part.subarray(0, headerEnd).toString("utf8");
    const data = headerEnd === -1 ? part : part.subarray(headerEnd + 4);
    const headers: Record<string, string> = {};
    for (const line of rawHeaders.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon !== -1) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = parseDisposition(headers["content-disposition"] ?? "");
    const parsed: MultipartPart = { headers, data: Buffer.from(data) };
    if (disposition.name !== undefined) parsed.name = disposition.name;
    if (disposition.filename !== undefined) parsed.filename = disposition.filename;
    parts.push(parsed);
    pos = next;
  }
  return parts;
}

/** Parameters the Bot API types as numbers or booleans, for decoding form fields without a spec. */
const NUMERIC_FIELDS = new Set(["chat_id", "message_id", "reply_to_message_id", "message_thread_id", "duration", "width", "height", "length", "latitude", "longitude", "from_chat_id", "user_id"]);
const BOOLEAN_FIELDS = new Set(["disable_notification", "protect_content", "has_spoiler", "disable_content_type_detection", "show_caption_above_media", "allow_paid_broadcast", "supports_streaming"]);

/**
 * Converts a multipart text field back to the JSON value it stood for. `types` are the
 * parameter's Bot API types when known (from the Bot API description); otherwise the common
 * numeric and boolean parameters are recognised by name.
 */
export function decodeFormValue(key: string, raw: string, types?: readonly string[]): unknown {
  const primitive = new Set(["String", "Integer", "Float", "Boolean", "True", "InputFile"]);
  const structured = types === undefined || types.length === 0 || types.some((t) => !primitive.has(t));
  if (structured && /^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  const numeric = types !== undefined && types.length > 0 ? types.includes("Integer") || types.includes("Float") : NUMERIC_FIELDS.has(key);
  const boolean = types !== undefined && types.length > 0 ? types.includes("Boolean") || types.includes("True") : BOOLEAN_FIELDS.has(key);
  if (numeric && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (boolean && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

/** Finds attach://<id> references in a payload, with their paths ("document", "media[1].media"). */
export function findAttachments(value: unknown, path: string, out: Map<string, string>): void {
  if (typeof value === "string") {
    if (value.startsWith("attach://")) out.set(value.slice("attach://".length), path);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => findAttachments(v, `${path}[${i}]`, out));
    return;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) findAttachments(v, path === "" ? k : `${path}.${k}`, out);
  }
}

export function guessMime(filename: string | undefined): string {
  const ext = filename?.split(".").pop()?.toLowerCase() ?? "";
  const types: Record<string, string> = {
    csv: "text/csv",
    txt: "text/plain",
    pdf: "application/pdf",
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    json: "application/json",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    zip: "application/zip",
  };
  return types[ext] ?? "application/octet-stream";
}
