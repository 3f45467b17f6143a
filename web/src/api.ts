/** The dashboard's JSON API (same origin, relative to the page: works behind any path prefix). */

const STORE_KEY = "pendamping.session";

let token: string | null = null;
try {
  token = window.sessionStorage.getItem(STORE_KEY);
} catch {
  token = null;
}

let onSessionEnd: (code: string) => void = () => undefined;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly extra: Record<string, unknown>,
  ) {
    super(code);
  }
}

export function hasSession(): boolean {
  return token !== null;
}

export function setSession(value: string | null): void {
  token = value;
  try {
    if (value) window.sessionStorage.setItem(STORE_KEY, value);
    else window.sessionStorage.removeItem(STORE_KEY);
  } catch {
    // Private mode: the session lives until the page closes.
  }
}

/** Called when the server says the session is over (expired, revoked, no longer staff). */
export function onSessionEnded(fn: (code: string) => void): void {
  onSessionEnd = fn;
}

type Query = Record<string, string | number | boolean | undefined | null>;

function qs(query?: Query): string {
  if (!query) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    p.set(k, v === true ? "1" : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

async function request(path: string, init: { method?: string; body?: unknown; query?: Query; signal?: AbortSignal } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers["authorization"] = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`api/${path}${qs(init.query)}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "network", {});
  }
  if (!res.ok) {
    let body: Record<string, unknown> = {};
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      body = {};
    }
    const code = typeof body["error"] === "string" ? body["error"] : "generic";
    if ((res.status === 401 || res.status === 403) && path !== "auth/telegram" && path !== "auth/link" && path !== "auth/dev") {
      setSession(null);
      onSessionEnd(code);
    }
    throw new ApiError(res.status, code, body);
  }
  return res;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; query?: Query; signal?: AbortSignal } = {}): Promise<T> {
  const res = await request(path, init);
  return (await res.json()) as T;
}

export function post<T>(path: string, body: unknown = {}): Promise<T> {
  return api<T>(path, { method: "POST", body });
}

/** A protected file (photo, voice note) as an object URL (an <img> cannot send the session header). */
export async function fileUrl(path: string): Promise<string> {
  const res = await request(path);
  return URL.createObjectURL(await res.blob());
}
