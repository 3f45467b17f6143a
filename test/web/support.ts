import type { AddressInfo } from "node:net";
import { sign } from "@tma.js/init-data-node";
import { createTestApp, type TestApp } from "../support/app.js";
import { createDashboard, startDashboardServer, type Dashboard, type DashboardServer } from "../../src/web/server.js";
import { buildWebAssets, type WebAssets } from "../../src/web/assets.js";
import { insertHousehold } from "../../src/db/queries/households.js";
import { insertVisit } from "../../src/db/queries/visits.js";
import { createAlert, enqueueAlertJobs } from "../../src/db/queries/alerts.js";
import type { Role, User, UserStatus } from "../../src/db/schema.js";
import { householdDraft } from "../bot/visit-support.js";

/** A bot token for the tests (the fake Bot API accepts any). */
export const TOKEN = "1234567890:AAdashboard-test-token-0123456789";
export const WEB_APP_URL = "https://dash.example.org/app/";

/** Kab. Bogor: Kec. Cibinong (32.01.01) and the neighbouring Kec. Gunung Putri (32.01.02). */
export const CIBINONG = "32.01.01";
export const GUNUNG_PUTRI = "32.01.02";
export const CIBINONG_V1 = "32.01.01.1001";
export const CIBINONG_V2 = "32.01.01.1002";
export const GUNUNG_PUTRI_V1 = "32.01.02.2001";

let assets: Promise<WebAssets> | undefined;
/** The front end, built once per test file. */
export function sharedAssets(): Promise<WebAssets> {
  assets ??= buildWebAssets();
  return assets;
}

export interface WebTestApp {
  t: TestApp;
  dashboard: Dashboard;
  server: DashboardServer;
  base: string;
  close(): Promise<void>;
}

/** The real app (fake Telegram) with the dashboard served on a loopback port. */
export async function startWebApp(opts: { env?: Record<string, string>; start?: Date; devLogin?: boolean } = {}): Promise<WebTestApp> {
  const t = await createTestApp({
    env: { BOT_TOKEN: TOKEN, WEB_APP_URL, ...opts.env },
    ...(opts.start ? { start: opts.start } : {}),
  });
  const dashboard = await createDashboard({
    deps: t.app.deps,
    api: t.app.bot.api,
    fetch: t.fake.fetch as unknown as typeof fetch,
    assets: await sharedAssets(),
    ...(opts.devLogin ? { devLogin: true } : {}),
  });
  const server = await startDashboardServer(dashboard, { port: 0, host: "127.0.0.1", logger: t.app.deps.logger });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return {
    t,
    dashboard,
    server,
    base,
    async close() {
      await server.stop();
      await t.close();
    },
  };
}

export async function seedUser(
  t: TestApp,
  u: { tg: number; role: Role; name: string; area: string | null; status?: UserStatus; locale?: string },
): Promise<User> {
  return t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: u.tg, role: u.role, status: u.status ?? "active", name: u.name, locale: u.locale ?? "id", area_code: u.area })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A household in a village, assigned to the volunteer, optionally with a location. */
export async function seedHousehold(
  t: TestApp,
  volunteer: User,
  village: string,
  name: string,
  extra: { lat?: number; lon?: number; nextVisitDate?: string; status?: string; desil?: number; ppks?: string[] } = {},
): Promise<{ id: number; refCode: string }> {
  const draft = householdDraft(village, name);
  if (extra.lat !== undefined && extra.lon !== undefined) draft.location = { latitude: extra.lat, longitude: extra.lon };
  if (extra.desil !== undefined) draft.desil = extra.desil;
  if (extra.ppks) draft.ppks = extra.ppks as typeof draft.ppks;
  const res = await insertHousehold(t.app.deps.db, t.app.deps.pii, draft, { userId: volunteer.id, locale: "id" });
  const set: Record<string, unknown> = {};
  if (extra.nextVisitDate) set["next_visit_date"] = extra.nextVisitDate;
  if (extra.status) set["status"] = extra.status;
  if (Object.keys(set).length > 0) await t.app.deps.db.updateTable("households").set(set).where("id", "=", res.id).execute();
  return res;
}

/** A visit report by the volunteer (as the visit flow saves it). */
export async function seedVisit(
  t: TestApp,
  volunteer: User,
  householdId: number,
  v: { on: string; urgency?: "biasa" | "perhatian" | "darurat"; photos?: number },
): Promise<number> {
  const now = t.app.deps.now();
  return insertVisit(
    t.app.deps.db,
    {
      householdId,
      writtenAt: now.toISOString(),
      visitedOn: v.on,
      purpose: "monitoring",
      intervention: "kuratif",
      conditions: v.urgency === "darurat" ? ["kekerasan"] : ["stabil"],
      conditionNote: v.urgency === "darurat" ? "Ibu dipukul suami" : null,
      helpGiven: "Pendampingan",
      referral: null,
      referralNote: null,
      urgency: v.urgency ?? "biasa",
      followUp: true,
      nextVisitDate: "2026-12-10",
      photos: Array.from({ length: v.photos ?? 0 }, (_, i) => ({ fileId: `photo-${householdId}-${i}`, fileUniqueId: null })),
      voices: [],
      location: null,
    },
    { userId: volunteer.id, now, visitedAt: now },
  );
}

/** A darurat visit with its alert, fanned out to the area's coordinators as in production. */
export async function seedAlert(t: TestApp, volunteer: User, householdId: number, village: string): Promise<number> {
  const visitId = await seedVisit(t, volunteer, householdId, { on: t.app.deps.now().toISOString().slice(0, 10), urgency: "darurat" });
  const now = t.app.deps.now();
  const id = await createAlert(t.app.deps.db, { visitId, householdId, areaCode: village, now });
  await enqueueAlertJobs(t.app.deps.db, id, { now, escalateMinutes: t.app.config.ALERT_ESCALATE_MINUTES });
  await runJobs(t);
  return id;
}

export async function runJobs(t: TestApp): Promise<void> {
  for (let i = 0; i < 10 && (await t.app.worker.runDue()) > 0; i++);
}

let launches = 0;

/** Telegram initData for a user, signed with the bot token (as Telegram does), at the app clock; each call is a new launch. */
export function initDataFor(t: TestApp, telegramId: number, opts: { token?: string; at?: Date; lang?: string } = {}): string {
  return sign(
    { user: { id: telegramId, first_name: `User ${telegramId}`, language_code: opts.lang ?? "id" }, query_id: `AAQ${telegramId}x${++launches}` } as never,
    opts.token ?? TOKEN,
    opts.at ?? t.app.deps.now(),
  );
}

export interface Resp {
  status: number;
  body: any;
  headers: Headers;
}

/** A JSON request to the dashboard. */
export async function call(w: WebTestApp, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Resp> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers["authorization"] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${w.base}/app/api/${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

/** Logs in through Telegram initData; returns the session token. */
export async function loginAs(w: WebTestApp, telegramId: number): Promise<string> {
  const res = await call(w, "POST", "auth/telegram", { body: { initData: initDataFor(w.t, telegramId) } });
  if (res.status !== 200) throw new Error(`login of ${telegramId} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}
