import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db, User } from "../db/schema.js";

/** A session ends this long after it started, however active it is (a working day). */
export const SESSION_MAX_HOURS = 8;
/** …and earlier after this long without a request. */
export const SESSION_IDLE_MINUTES = 60;
/** "Buka di komputer" links work this long, once. */
export const LOGIN_LINK_MINUTES = 10;
/** last_seen_at is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export type SessionVia = "telegram" | "link" | "dev";

/** A random token for a URL or a header (256 bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What is stored instead of a token: its SHA-256 (a leaked table gives no usable token). */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedToken(token: unknown): token is string {
  return typeof token === "string" && TOKEN_RE.test(token);
}

/** Starts a session for the user; returns the bearer token (shown once, never stored). */
export async function createSession(db: Db, userId: number, via: SessionVia, now: Date): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + SESSION_MAX_HOURS * 3_600_000);
  // The user's old sessions that have ended are removed now (no cleanup job needed).
  await db
    .deleteFrom("dashboard_sessions")
    .where("user_id", "=", userId)
    .where((eb) => eb.or([eb("expires_at", "<", now), eb("revoked_at", "is not", null)]))
    .execute();
  await db
    .insertInto("dashboard_sessions")
    .values({ token_hash: tokenHash(token), user_id: userId, via, created_at: now, last_seen_at: now, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

export interface LiveSession {
  id: number;
  via: SessionVia;
  user: User;
}

/**
 * The session of a bearer token, with its user as they are NOW, or undefined when the token
 * is unknown, revoked, past its end or idle too long. Role, status and area are read from
 * the users table on every request, so a suspended coordinator's session stops at once and
 * a changed area applies at once; the caller checks the scope.
 */
export async function findSession(db: Db, token: string, now: Date): Promise<LiveSession | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const row = await db
    .selectFrom("dashboard_sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .selectAll("u")
    .select(["s.id as session_id", "s.via as session_via", "s.last_seen_at as session_seen", "s.expires_at as session_expires", "s.revoked_at as session_revoked"])
    .where("s.token_hash", "=", tokenHash(token))
    .executeTakeFirst();
  if (!row || row.session_revoked !== null) return undefined;
  if (row.session_expires.getTime() <= now.getTime()) return undefined;
  if (now.getTime() - row.session_seen.getTime() > SESSION_IDLE_MINUTES * 60_000) return undefined;
  if (now.getTime() - row.session_seen.getTime() > TOUCH_EVERY_MS) {
    await db.updateTable("dashboard_sessions").set({ last_seen_at: now }).where("id", "=", row.session_id).execute();
  }
  const { session_id, session_via, session_seen: _seen, session_expires: _expires, session_revoked: _revoked, ...user } = row;
  return { id: session_id, via: session_via, user: user as User };
}

/** Ends one session (logout). */
export async function revokeSession(db: Db, sessionId: number, now: Date): Promise<void> {
  await db.updateTable("dashboard_sessions").set({ revoked_at: now }).where("id", "=", sessionId).where("revoked_at", "is", null).execute();
}

/** Ends every session of a user (they stopped being staff, or were suspended); returns how many. */
export async function revokeUserSessions(db: Db, userId: number, now: Date): Promise<number> {
  const res = await db
    .updateTable("dashboard_sessions")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

// === One-time desktop login links

/** Creates a login link token for the user (valid LOGIN_LINK_MINUTES, once). */
export async function createLoginLink(db: Db, userId: number, now: Date): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + LOGIN_LINK_MINUTES * 60_000);
  await db.deleteFrom("dashboard_login_links").where("user_id", "=", userId).where("expires_at", "<", now).execute();
  await db.insertInto("dashboard_login_links").values({ token_hash: tokenHash(token), user_id: userId, created_at: now, expires_at: expiresAt }).execute();
  return { token, expiresAt };
}

/**
 * Uses a login link: marks it used if it is unused and not expired (one statement, so two
 * browsers racing with the same link cannot both win) and returns its user id.
 */
export async function consumeLoginLink(db: Db, token: string, now: Date): Promise<number | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const row = await db
    .updateTable("dashboard_login_links")
    .set({ used_at: now })
    .where("token_hash", "=", tokenHash(token))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning("user_id")
    .executeTakeFirst();
  return row?.user_id;
}

// === Telegram initData replay protection

/**
 * Records that an initData (by its replay key) was exchanged; false when it already was (a
 * replay). Entries older than their expiry are removed on the way.
 */
export async function claimInitData(db: Db, replayKey: string, now: Date, expiresAt: Date): Promise<boolean> {
  await db.deleteFrom("dashboard_init_data").where("expires_at", "<", now).execute();
  const row = await db
    .insertInto("dashboard_init_data")
    .values({ hash: replayKey, used_at: now, expires_at: expiresAt })
    .onConflict((oc) => oc.column("hash").doNothing())
    .returning("hash")
    .executeTakeFirst();
  return row !== undefined;
}

// === Development login (the simulator only)

/**
 * A signed login for the local simulator: `<userId>.<expiry seconds>.<hmac>`. The secret is
 * random per process and only exists when the dashboard runs without a bot token (the
 * simulator); production never has one, so it refuses every dev login.
 */
export function signDevLogin(secret: Buffer, userId: number, expiresAt: Date): string {
  const body = `${userId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

export function verifyDevLogin(secret: Buffer, value: unknown, now: Date): number | undefined {
  if (typeof value !== "string" || value.length > 200) return undefined;
  const m = /^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return undefined;
  const body = `${m[1]}.${m[2]}`;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(m[3]!, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (Number(m[2]) * 1000 <= now.getTime()) return undefined;
  return Number(m[1]);
}
