import type { IncomingMessage, ServerResponse } from "node:http";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

/** Largest JSON body the API accepts. */
export const MAX_BODY_BYTES = 16 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

/** Reads a small JSON object body; 413 above MAX_BODY_BYTES, 415 without a JSON content type. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = String(req.headers["content-type"] ?? "");
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, "json_expected");
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, "too_large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "too_large");
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new HttpError(400, "bad_json");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HttpError(400, "bad_json");
  return value as Record<string, unknown>;
}

/** Which compression the client takes: brotli, gzip, or none. */
export function pickEncoding(req: IncomingMessage): "br" | "gzip" | null {
  const accept = String(req.headers["accept-encoding"] ?? "");
  if (/\bbr\b/.test(accept)) return "br";
  if (/\bgzip\b/.test(accept)) return "gzip";
  return null;
}

/** Sends a JSON answer (never cached), compressed when large. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(req, res, status, JSON.stringify(body), headers);
}

/**
 * Sends JSON that is already text. Compressed above 1 KB; large answers (the map's 100,000
 * points) with faster settings, so compressing never costs more than the query.
 */
export function sendJsonText(req: IncomingMessage, res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const raw = Buffer.from(json, "utf8");
  const enc = raw.length > 1024 ? pickEncoding(req) : null;
  const large = raw.length > 256 * 1024;
  const payload =
    enc === "br"
      ? brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: large ? 2 : 4, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } })
      : enc === "gzip"
        ? gzipSync(raw, { level: large ? 1 : 6 })
        : raw;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": String(payload.length),
    ...(enc ? { "content-encoding": enc, vary: "accept-encoding" } : {}),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : payload);
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The client address (for login rate limits); the proxy's when behind one. */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
}
