import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Api, RawApi } from "grammy";
import type { AppDeps } from "../bot/context.js";
import { describeError } from "../bot/errors.js";
import { audit } from "../db/queries/audit.js";
import { findUserById, findUserByTelegramId } from "../db/queries/users.js";
import { listAreaVolunteers } from "../db/queries/coordinator.js";
import { getRegion, listChildren } from "../db/queries/regions.js";
import type { Db, User } from "../db/schema.js";
import { displayRegionName } from "../domain/region-names.js";
import { MAX_NOTE_LENGTH } from "../domain/visit.js";
import { isLocale } from "../i18n.js";
import type { Logger } from "../logger.js";
import { buildWebAssets, type WebAssets } from "./assets.js";
import { acknowledgeFromDashboard, listAlerts, resolveFromDashboard } from "./data/alerts.js";
import { changeStatusFromDashboard, MAX_REASON, reassignCandidates, reassignFromDashboard } from "./data/actions.js";
import { findScopedHousehold, householdCard, revealIdentity } from "./data/card.js";
import { scopePath, scopeZone } from "./data/common.js";
import { householdQuerySchema, listHouseholds } from "./data/households.js";
import { mapPointsJson } from "./data/map.js";
import { dashboardSummary } from "./data/summary.js";
import { INACTIVE_DAYS, volunteerTargets } from "./data/targets.js";
import { clientAddress, escapeHtmlText, HttpError, pickEncoding, readJson, sendJson, sendJsonText } from "./http.js";
import { INIT_DATA_MAX_AGE_SECONDS, validateInitData } from "./init-data.js";
import { createRateLimiter } from "./rate-limit.js";
import { narrowScope, scopeCode, staffScopeOf, type StaffScope } from "./scope.js";
import {
  claimInitData,
  consumeLoginLink,
  createSession,
  findSession,
  revokeSession,
  signDevLogin,
  verifyDevLogin,
  type LiveSession,
  type SessionVia,
} from "./sessions.js";
import { clientStrings } from "./strings.js";

/** Where the dashboard lives in this process's HTTP server (WEB_APP_URL points here). */
export const APP_PATH = "/app/";

export interface DashboardOptions {
  deps: AppDeps;
  /** The bot's Bot API client (photos are fetched through getFile). */
  api: Api<RawApi>;
  /** Downloads files from the Bot API file endpoint (the bot's own fetch in tests). */
  fetch?: typeof fetch;
  /** Dev logins for the local simulator; refused whenever a bot token is configured. */
  devLogin?: boolean;
  /** Prebuilt assets (tests build once); otherwise built now. */
  assets?: WebAssets;
}

export interface Dashboard {
  readonly assets: WebAssets;
  /** Serves a request under /app/; false when the path is not the dashboard's (the caller answers). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The simulator's login: a URL fragment that opens the dashboard as this user; undefined in production. */
  devLoginFragment(userId: number): string | undefined;
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  session: LiveSession;
  user: User;
  scope: StaffScope;
}

type Limit = "read" | "write" | "reveal";

interface Route {
  method: "GET" | "POST";
  path: RegExp;
  name: string;
  limit: Limit;
  handler: (c: RequestContext) => Promise<void>;
}

/** Origins of the tile template for the CSP ("https://{s}.tile.x.org/…" → "https://*.tile.x.org"). */
export function tileOrigin(template: string): string {
  const m = /^(https?:\/\/[^/]+)/.exec(template);
  return (m?.[1] ?? "").replace(/\{[^}]*\}/g, "*");
}

/**
 * The dashboard's Content-Security-Policy: scripts and styles only from this server (no
 * inline script or style element anywhere), images from here, blobs (photos) and the tile
 * server; embeddable only by Telegram's web clients.
 */
export function contentSecurityPolicy(tileUrl: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${tileOrigin(tileUrl)}`,
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org",
  ].join("; ");
}

function securityHeaders(deps: AppDeps): Record<string, string> {
  const h: Record<string, string> = {
    "content-security-policy": contentSecurityPolicy(deps.config.MAP_TILE_URL),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-resource-policy": "same-origin",
  };
  if (deps.config.WEB_APP_URL?.startsWith("https:")) h["strict-transport-security"] = "max-age=31536000";
  return h;
}

const num = (s: string | undefined) => (s !== undefined && /^\d{1,9}$/.test(s) ? Number(s) : NaN);

/**
 * The coordinator dashboard: a Telegram Mini App (and, through a one-time link, an ordinary
 * browser page) served by the bot's own process. Everything is under /app/: the page, its
 * assets, and a JSON API. Every API request carries a session token obtained from Telegram
 * initData, a login link or (simulator only) a dev login; the user is re-read on every request
 * and must still have a staff scope (src/domain/scope.ts) — the same area rule as the bot.
 */
export async function createDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const { deps } = opts;
  const log: Logger = deps.logger.child({ component: "dashboard" });
  const assets = opts.assets ?? (await buildWebAssets());
  const devSecret = opts.devLogin && !deps.config.BOT_TOKEN ? randomBytes(32) : undefined;
  const fetchFile = opts.fetch ?? fetch;
  const headers = securityHeaders(deps);
  const now = () => deps.now();

  const limiters = {
    auth: createRateLimiter({ capacity: 60, perMs: 60_000, now }),
    read: createRateLimiter({ capacity: 240, perMs: 60_000, now }),
    write: createRateLimiter({ capacity: 30, perMs: 60_000, now }),
    reveal: createRateLimiter({ capacity: 20, perMs: 3_600_000, now }),
  };

  const html = renderHtml(deps, assets);

  // === Sessions

  function tooMany(res: ServerResponse, req: IncomingMessage, seconds: number): void {
    sendJson(req, res, 429, { error: "rate_limited", retryAfter: seconds }, { ...headers, "retry-after": String(Math.max(1, seconds)) });
  }

  function refusal(user: User | undefined): string {
    if (!user) return "not_registered";
    if (user.status === "suspended") return "suspended";
    if (user.status !== "active") return "not_active";
    if (user.role === "coordinator" && !user.area_code) return "no_area";
    return "not_staff";
  }

  async function startSession(db: Db, user: User | undefined, via: SessionVia, t: Date) {
    const scope = staffScopeOf(user);
    if (!user || !scope) throw new HttpError(403, refusal(user));
    const s = await createSession(db, user.id, via, t);
    await audit(db, { actorId: user.id, action: "dashboard.login", entity: "user", entityId: user.id, details: { via } });
    return { token: s.token, expiresAt: s.expiresAt.toISOString() };
  }

  async function loginTelegram(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const token = deps.config.BOT_TOKEN;
    if (!token) throw new HttpError(404, "telegram_login_unavailable");
    const t = now();
    const check = validateInitData(String(body["initData"] ?? ""), token, t);
    if (!check.ok) throw new HttpError(401, `init_data_${check.reason}`);
    const result = await deps.db.transaction().execute(async (trx) => {
      const expires = new Date(check.authDate.getTime() + (INIT_DATA_MAX_AGE_SECONDS + 600) * 1000);
      if (!(await claimInitData(trx, check.replayKey, t, expires))) throw new HttpError(401, "init_data_replayed");
      return startSession(trx, await findUserByTelegramId(trx, check.user.id), "telegram", t);
    });
    sendJson(req, res, 200, result, headers);
  }

  async function loginLink(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const t = now();
    const result = await deps.db.transaction().execute(async (trx) => {
      const userId = await consumeLoginLink(trx, String(body["token"] ?? ""), t);
      if (userId === undefined) throw new HttpError(401, "link_invalid");
      return startSession(trx, await findUserById(trx, userId), "link", t);
    });
    sendJson(req, res, 200, result, headers);
  }

  async function loginDev(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!devSecret) throw new HttpError(404, "dev_login_disabled");
    const body = await readJson(req);
    const t = now();
    const userId = verifyDevLogin(devSecret, body["token"], t);
    if (userId === undefined) throw new HttpError(401, "link_invalid");
    const result = await deps.db.transaction().execute(async (trx) => startSession(trx, await findUserById(trx, userId), "dev", t));
    sendJson(req, res, 200, result, headers);
  }

  async function authenticate(req: IncomingMessage): Promise<{ session: LiveSession; scope: StaffScope }> {
    const header = String(req.headers["authorization"] ?? "");
    const m = /^Bearer ([A-Za-z0-9_-]{43})$/.exec(header);
    if (!m) throw new HttpError(401, "session_missing");
    const t = now();
    const session = await findSession(deps.db, m[1]!, t);
    if (!session) throw new HttpError(401, "session_expired");
    const scope = staffScopeOf(session.user);
    if (!scope) {
      // No longer staff (suspended, role or area taken away): the session ends here.
      await revokeSession(deps.db, session.id, t);
      throw new HttpError(403, refusal(session.user));
    }
    return { session, scope };
  }

  // === API

  const overdueDays = deps.config.OVERDUE_DAYS;

  async function household(c: RequestContext) {
    const h = await findScopedHousehold(deps.db, c.scope, num(c.params[0]));
    if (!h) throw new HttpError(404, "not_found");
    return h;
  }

  const routes: Route[] = [
    {
      method: "GET",
      path: /^me$/,
      name: "me",
      limit: "read",
      handler: async (c) => {
        const zone = await scopeZone(deps.db, c.scope);
        sendJson(c.req, c.res, 200, {
          user: { id: c.user.id, name: c.user.name, role: c.user.role, locale: isLocale(c.user.locale) ? c.user.locale : deps.i18n.defaultLocale },
          scope: { code: scopeCode(c.scope), path: await scopePath(deps.db, c.scope) },
          zone,
          session: { via: c.session.via },
          now: now().toISOString(),
          config: {
            tileUrl: deps.config.MAP_TILE_URL,
            tileAttribution: deps.config.MAP_TILE_ATTRIBUTION,
            overdueDays,
            inactiveDays: INACTIVE_DAYS,
            maxReason: MAX_REASON,
            maxNote: MAX_NOTE_LENGTH,
          },
        }, headers);
      },
    },
    {
      method: "POST",
      path: /^auth\/logout$/,
      name: "logout",
      limit: "write",
      handler: async (c) => {
        await revokeSession(deps.db, c.session.id, now());
        sendJson(c.req, c.res, 200, { ok: true }, headers);
      },
    },
    {
      method: "GET",
      path: /^summary$/,
      name: "summary",
      limit: "read",
      handler: async (c) => {
        const sub = narrowScope(c.scope, c.query.get("area"));
        if (!sub) throw new HttpError(404, "not_found");
        sendJson(c.req, c.res, 200, await dashboardSummary(deps.db, sub, { now: now(), overdueDays }), headers);
      },
    },
    {
      method: "GET",
      path: /^targets$/,
      name: "targets",
      limit: "read",
      handler: async (c) => {
        const data = await volunteerTargets(deps.db, c.scope, {
          now: now(),
          overdueDays,
          month: c.query.get("month") ?? undefined,
          area: c.query.get("area") ?? undefined,
          defaultVisits: deps.config.DEFAULT_MONTHLY_VISIT_TARGET,
        });
        if (!data) throw new HttpError(404, "not_found");
        sendJson(c.req, c.res, 200, data, headers);
      },
    },
    {
      method: "GET",
      path: /^households$/,
      name: "households",
      limit: "read",
      handler: async (c) => {
        const q = householdQuerySchema.parse(Object.fromEntries(c.query));
        const data = await listHouseholds(deps.db, c.scope, q, { now: now(), overdueDays });
        if (!data) throw new HttpError(404, "not_found");
        sendJson(c.req, c.res, 200, data, headers);
      },
    },
    {
      method: "GET",
      path: /^households\/(\d{1,9})$/,
      name: "household",
      limit: "read",
      handler: async (c) => {
        const h = await household(c);
        const card = await householdCard(deps.db, deps.pii, c.user, c.scope, h, { now: now(), overdueDays });
        await audit(deps.db, { actorId: c.user.id, action: "household.viewed", entity: "household", entityId: h.id, details: { via: "dashboard" } });
        sendJson(c.req, c.res, 200, card, headers);
      },
    },
    {
      method: "POST",
      path: /^households\/(\d{1,9})\/reveal$/,
      name: "reveal",
      limit: "reveal",
      handler: async (c) => {
        const h = await household(c);
        if (h.anonymized_at !== null) throw new HttpError(409, "anonymized");
        const ids = await revealIdentity(deps.db, deps.pii, h);
        await audit(deps.db, {
          actorId: c.user.id,
          action: "household.identity_revealed",
          entity: "household",
          entityId: h.id,
          details: { via: "dashboard", nik: ids.nik !== null, kk: ids.kk !== null, members: ids.members.length },
        });
        sendJson(c.req, c.res, 200, ids, headers);
      },
    },
    {
      method: "POST",
      path: /^households\/(\d{1,9})\/status$/,
      name: "status",
      limit: "write",
      handler: async (c) => {
        const body = await readJson(c.req);
        const input = {
          from: String(body["from"] ?? ""),
          to: String(body["to"] ?? ""),
          reason: typeof body["reason"] === "string" ? body["reason"] : null,
        };
        const result = await deps.db.transaction().execute(async (trx) => {
          const h = await findScopedHousehold(trx, c.scope, num(c.params[0]));
          if (!h) throw new HttpError(404, "not_found");
          return changeStatusFromDashboard(trx, c.user, h, input, now());
        });
        if (!result.ok) throw new HttpError(409, `status_${result.reason}`);
        sendJson(c.req, c.res, 200, result, headers);
      },
    },
    {
      method: "GET",
      path: /^households\/(\d{1,9})\/candidates$/,
      name: "candidates",
      limit: "read",
      handler: async (c) => {
        const h = await household(c);
        sendJson(c.req, c.res, 200, await reassignCandidates(deps.db, c.scope, h, c.query.get("q") ?? ""), headers);
      },
    },
    {
      method: "POST",
      path: /^households\/(\d{1,9})\/reassign$/,
      name: "reassign",
      limit: "write",
      handler: async (c) => {
        const body = await readJson(c.req);
        const from = body["from"] === null ? null : Number(body["from"]);
        const to = Number(body["to"]);
        if ((from !== null && !Number.isSafeInteger(from)) || !Number.isSafeInteger(to)) throw new HttpError(400, "bad_request");
        const result = await deps.db.transaction().execute(async (trx) => {
          const h = await findScopedHousehold(trx, c.scope, num(c.params[0]));
          if (!h) throw new HttpError(404, "not_found");
          return reassignFromDashboard(trx, deps.jobs, c.scope, c.user, h, { from, to }, now());
        });
        if (!result.ok) throw new HttpError(409, `reassign_${result.reason}`);
        sendJson(c.req, c.res, 200, result, headers);
      },
    },
    {
      method: "GET",
      path: /^volunteers$/,
      name: "volunteers",
      limit: "read",
      handler: async (c) => {
        const res = await listAreaVolunteers(deps.db, scopeCode(c.scope), { limit: 500, offset: 0, query: (c.query.get("q") ?? "").slice(0, 40) });
        sendJson(c.req, c.res, 200, { total: res.total, rows: res.rows.map((r) => ({ id: r.id, name: r.name, status: r.status })) }, headers);
      },
    },
    {
      method: "GET",
      path: /^regions$/,
      name: "regions",
      limit: "read",
      handler: async (c) => {
        const parent = c.query.get("parent") || scopeCode(c.scope);
        if (parent !== null && !narrowScope(c.scope, parent)) throw new HttpError(404, "not_found");
        const page = await listChildren(deps.db, parent, { limit: 500 });
        const self = parent ? await getRegion(deps.db, parent) : null;
        sendJson(c.req, c.res, 200, {
          parent: self ? { code: self.code, name: displayRegionName(self) } : null,
          rows: page.rows.map((r) => ({ code: r.code, name: displayRegionName(r), level: r.level })),
        }, headers);
      },
    },
    {
      method: "GET",
      path: /^map$/,
      name: "map",
      limit: "read",
      handler: async (c) => {
        const json = await mapPointsJson(deps.db, c.scope, { area: c.query.get("area") ?? undefined });
        if (json === null) throw new HttpError(404, "not_found");
        sendJsonText(c.req, c.res, 200, json, headers);
      },
    },
    {
      method: "GET",
      path: /^alerts$/,
      name: "alerts",
      limit: "read",
      handler: async (c) => {
        sendJson(c.req, c.res, 200, await listAlerts(deps.db, c.scope, { limit: 200 }), headers);
      },
    },
    {
      method: "POST",
      path: /^alerts\/(\d{1,9})\/ack$/,
      name: "alert_ack",
      limit: "write",
      handler: async (c) => {
        const id = num(c.params[0]);
        const result = await deps.db.transaction().execute((trx) => acknowledgeFromDashboard(trx, c.scope, c.user, id, now()));
        if (!result.ok) throw new HttpError(result.reason === "not_found" ? 404 : 409, `alert_${result.reason}`, { by: result.by ?? null });
        sendJson(c.req, c.res, 200, result, headers);
      },
    },
    {
      method: "POST",
      path: /^alerts\/(\d{1,9})\/resolve$/,
      name: "alert_resolve",
      limit: "write",
      handler: async (c) => {
        const body = await readJson(c.req);
        const note = typeof body["note"] === "string" ? body["note"].trim() : "";
        if (note.length < 3 || note.length > MAX_NOTE_LENGTH) throw new HttpError(400, "note_length");
        const id = num(c.params[0]);
        const result = await deps.db.transaction().execute((trx) => resolveFromDashboard(trx, c.scope, c.user, id, note, now()));
        if (!result.ok) throw new HttpError(result.reason === "not_found" ? 404 : 409, `alert_${result.reason}`, { by: result.by ?? null });
        sendJson(c.req, c.res, 200, result, headers);
      },
    },
    {
      method: "GET",
      path: /^files\/(photo|media)\/(\d{1,9})$/,
      name: "file",
      limit: "read",
      handler: async (c) => serveFile(c),
    },
  ];

  /** A household photo or a visit's photo/voice note, fetched from Telegram for staff of its area. */
  async function serveFile(c: RequestContext): Promise<void> {
    const [kind, idText] = c.params;
    const id = num(idText);
    const row =
      kind === "photo"
        ? await deps.db
            .selectFrom("household_photos")
            .innerJoin("households", "households.id", "household_photos.household_id")
            .select(["household_photos.file_id", "households.village_code", "households.anonymized_at"])
            .select((eb) => eb.val("photo").as("kind"))
            .where("household_photos.id", "=", id)
            .executeTakeFirst()
        : await deps.db
            .selectFrom("visit_media")
            .innerJoin("visits", "visits.id", "visit_media.visit_id")
            .innerJoin("households", "households.id", "visits.household_id")
            .select(["visit_media.file_id", "households.village_code", "households.anonymized_at", "visit_media.kind"])
            .where("visit_media.id", "=", id)
            .executeTakeFirst();
    if (!row || !narrowScope(c.scope, row.village_code) || row.anonymized_at !== null) throw new HttpError(404, "not_found");
    let body: Buffer;
    try {
      const file = await opts.api.getFile(row.file_id);
      if (!file.file_path) throw new Error("no file path");
      const url = `${deps.config.TELEGRAM_API_ROOT}/file/bot${deps.config.BOT_TOKEN ?? ""}/${file.file_path}`;
      const resp = await fetchFile(url, { signal: AbortSignal.timeout(15_000) });
      if (!resp.ok) throw new Error(`file download answered ${resp.status}`);
      body = Buffer.from(await resp.arrayBuffer());
    } catch (err) {
      log.warn({ route: "file", err: (err as Error).message.replace(/bot\d+:[A-Za-z0-9_-]+/g, "bot<token>") }, "file not available");
      throw new HttpError(502, "file_unavailable");
    }
    const type = row.kind === "voice" ? "audio/ogg" : "image/jpeg";
    c.res.writeHead(200, { ...headers, "content-type": type, "content-length": String(body.length), "cache-control": "private, max-age=86400" });
    c.res.end(body);
  }

  // === Static

  function serveAsset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const asset = assets.assets.get(name);
    if (!asset) {
      sendJson(req, res, 404, { error: "not_found" }, headers);
      return;
    }
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, { ...headers, etag: asset.etag });
      res.end();
      return;
    }
    const enc = pickEncoding(req);
    const body = enc === "br" ? asset.brotli : enc === "gzip" ? asset.gzip : asset.body;
    res.writeHead(200, {
      ...headers,
      "content-type": asset.type,
      "content-length": String(body.length),
      "cache-control": "public, max-age=31536000, immutable",
      etag: asset.etag,
      vary: "accept-encoding",
      ...(enc ? { "content-encoding": enc } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function serveHtml(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...headers,
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "content-length": String(html.length),
    });
    res.end(req.method === "HEAD" ? undefined : html);
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const started = performance.now();
    const method = req.method === "HEAD" ? "GET" : req.method;
    let routeName = "unknown";
    let userId: number | undefined;
    try {
      const strings = /^strings\/([a-z]{2})$/.exec(path);
      if (strings && method === "GET") {
        routeName = "strings";
        const locale = strings[1]!;
        if (!isLocale(locale)) throw new HttpError(404, "not_found");
        sendJson(req, res, 200, { locale, strings: clientStrings(deps.i18n, locale) }, { ...headers, "cache-control": "public, max-age=3600" });
        return;
      }
      if (path.startsWith("auth/") && path !== "auth/logout") {
        routeName = path.replace("/", "_");
        if (method !== "POST") throw new HttpError(405, "method");
        const key = `auth:${clientAddress(req)}`;
        if (!limiters.auth.take(key)) return tooMany(res, req, limiters.auth.retryAfter(key));
        if (path === "auth/telegram") return await loginTelegram(req, res);
        if (path === "auth/link") return await loginLink(req, res);
        if (path === "auth/dev") return await loginDev(req, res);
        throw new HttpError(404, "not_found");
      }
      const route = routes.find((r) => r.path.test(path) && r.method === method);
      if (!route) {
        throw routes.some((r) => r.path.test(path)) ? new HttpError(405, "method") : new HttpError(404, "not_found");
      }
      routeName = route.name;
      const { session, scope } = await authenticate(req);
      userId = session.user.id;
      const limiter = limiters[route.limit];
      const key = `u:${userId}`;
      if (!limiter.take(key) || (route.limit !== "read" && !limiters.read.take(key))) return tooMany(res, req, limiter.retryAfter(key));
      const params = route.path.exec(path)!.slice(1);
      await route.handler({ req, res, params, query, session, user: session.user, scope });
    } catch (err) {
      if (err instanceof HttpError) {
        sendJson(req, res, err.status, { error: err.code, ...err.extra }, headers);
      } else if (err instanceof Error && err.name === "ZodError") {
        sendJson(req, res, 400, { error: "bad_request" }, headers);
      } else {
        log.error({ route: routeName, userId, err: describeError(err) }, "dashboard request failed");
        sendJson(req, res, 500, { error: "internal" }, headers);
      }
    } finally {
      // Route name, status and time only: never the path's query (searches may hold names).
      log.debug({ route: routeName, userId, status: res.statusCode, ms: Math.round(performance.now() - started) }, "dashboard request");
    }
  }

  return {
    assets,
    devLoginFragment(userId) {
      if (!devSecret) return undefined;
      return `dev=${signDevLogin(devSecret, userId, new Date(now().getTime() + 12 * 3_600_000))}`;
    },
    async handle(req, res) {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const path = q < 0 ? url : url.slice(0, q);
      if (path !== "/app" && !path.startsWith(APP_PATH)) return false;
      const method = req.method ?? "GET";
      if (path === "/app") {
        res.writeHead(301, { ...headers, location: `${APP_PATH}${q < 0 ? "" : url.slice(q)}` });
        res.end();
        return true;
      }
      const rest = path.slice(APP_PATH.length);
      if (rest.startsWith("api/")) {
        await serveApi(req, res, rest.slice(4), new URLSearchParams(q < 0 ? "" : url.slice(q + 1)));
        return true;
      }
      if (method !== "GET" && method !== "HEAD") {
        sendJson(req, res, 405, { error: "method" }, headers);
        return true;
      }
      if (rest === "" || rest === "index.html") serveHtml(req, res);
      else if (rest.startsWith("assets/") && /^[A-Za-z0-9._-]+$/.test(rest.slice(7))) serveAsset(req, res, rest.slice(7));
      else sendJson(req, res, 404, { error: "not_found" }, headers);
      return true;
    },
  };
}

/** The page: no inline script or style; the entry script and style are content-hashed files. */
function renderHtml(deps: AppDeps, assets: WebAssets): Buffer {
  const t = deps.i18n.t(deps.i18n.defaultLocale);
  const config = escapeHtmlText(
    JSON.stringify({ mapScript: assets.entry.mapScript, mapStyle: assets.entry.mapStyle, worker: assets.entry.worker }),
  );
  return Buffer.from(
    [
      "<!doctype html>",
      `<html lang="${deps.i18n.defaultLocale}">`,
      "<head>",
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">',
      '<meta name="color-scheme" content="light dark">',
      `<meta name="pendamping-assets" content="${config}">`,
      `<title>${escapeHtmlText(t("dashboard.title"))}</title>`,
      `<link rel="stylesheet" href="assets/${assets.entry.style}">`,
      `<script type="module" src="assets/${assets.entry.script}"></script>`,
      "</head>",
      "<body>",
      `<div id="app"><p class="boot">${escapeHtmlText(t("dashboard.loading"))}</p></div>`,
      `<noscript>${escapeHtmlText(t("dashboard.noscript"))}</noscript>`,
      "</body>",
      "</html>",
    ].join("\n"),
    "utf8",
  );
}

export interface DashboardServer {
  server: Server;
  port: number;
  stop(): Promise<void>;
}

/**
 * Polling mode (and the simulator): an HTTP server of its own for the dashboard on `port`
 * (in webhook mode the webhook's server serves it instead). `/healthz` answers too.
 */
export async function startDashboardServer(dashboard: Dashboard, opts: { port: number; host?: string; logger: Logger }): Promise<DashboardServer> {
  const server = createServer((req, res) => {
    dashboard
      .handle(req, res)
      .then((handled) => {
        if (handled) return;
        const path = (req.url ?? "/").split("?")[0];
        if (path === "/healthz") {
          res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
          return;
        }
        if (path === "/") {
          res.writeHead(302, { location: APP_PATH }).end();
          return;
        }
        res.writeHead(404, { "content-type": "application/json" }).end('{"ok":false}');
      })
      .catch((err: unknown) => {
        opts.logger.error({ err: describeError(err) }, "dashboard server error");
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.logger.info({ port }, "dashboard listening");
  return {
    server,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 5_000).unref();
      await closed;
    },
  };
}
