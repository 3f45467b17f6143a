import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The Telegram user an initData was issued for (only what the dashboard reads). */
export interface InitDataUser {
  id: number;
  languageCode?: string;
}

export type InitDataCheck =
  | { ok: true; user: InitDataUser; authDate: Date; /** SHA-256 of the signature: the replay key. */ replayKey: string }
  | { ok: false; reason: "malformed" | "signature" | "expired" | "future" };

/** initData older than this is refused (the Mini App exchanges it right after it opens). */
export const INIT_DATA_MAX_AGE_SECONDS = 3600;
/** Tolerated clock difference for an auth_date slightly in the future. */
const FUTURE_SKEW_SECONDS = 300;

/**
 * Validates Telegram Mini App initData as Telegram specifies
 * (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
 * secret = HMAC-SHA-256(key "WebAppData", bot token); hash = hex HMAC-SHA-256(secret,
 * data-check-string), the data-check-string being every field but `hash`, sorted, as
 * `key=value` lines. The hashes are compared in constant time; `auth_date` must be at most
 * `maxAgeSeconds` old by the app clock `now`.
 */
export function validateInitData(initData: string, botToken: string, now: Date, maxAgeSeconds = INIT_DATA_MAX_AGE_SECONDS): InitDataCheck {
  if (typeof initData !== "string" || initData.length === 0 || initData.length > 8192) return { ok: false, reason: "malformed" };
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(initData);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const hash = params.get("hash");
  const authDateRaw = params.get("auth_date");
  const userRaw = params.get("user");
  if (!hash || !/^[0-9a-f]{64}$/.test(hash) || !authDateRaw || !/^\d{1,12}$/.test(authDateRaw) || !userRaw) {
    return { ok: false, reason: "malformed" };
  }
  const fields: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (key === "hash") continue;
    if (seen.has(key)) return { ok: false, reason: "malformed" };
    seen.add(key);
    fields.push(`${key}=${value}`);
  }
  fields.sort();
  const secret = createHmac("sha256", "WebAppData").update(botToken).digest();
  const expected = createHmac("sha256", secret).update(fields.join("\n")).digest();
  const given = Buffer.from(hash, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature" };

  const authDate = new Date(Number(authDateRaw) * 1000);
  const ageSeconds = (now.getTime() - authDate.getTime()) / 1000;
  if (ageSeconds > maxAgeSeconds) return { ok: false, reason: "expired" };
  if (ageSeconds < -FUTURE_SKEW_SECONDS) return { ok: false, reason: "future" };

  let user: unknown;
  try {
    user = JSON.parse(userRaw);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof user !== "object" || user === null) return { ok: false, reason: "malformed" };
  const id = (user as Record<string, unknown>)["id"];
  const lang = (user as Record<string, unknown>)["language_code"];
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) return { ok: false, reason: "malformed" };
  return {
    ok: true,
    user: { id, ...(typeof lang === "string" ? { languageCode: lang.slice(0, 10) } : {}) },
    authDate,
    replayKey: createHash("sha256").update(hash).digest("hex"),
  };
}
