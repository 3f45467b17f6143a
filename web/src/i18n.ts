/**
 * Texts come from the server (locales/*.json: "dashboard", "vocab" and the visit words), never
 * from this code. `t("dashboard.nav.summary")`; `{{name}}` placeholders are filled in as
 * plain text (the page renders text nodes, so nothing is interpreted as HTML).
 */
type Tree = { [key: string]: string | Tree };

let strings: Tree = {};
let current = "id";

export type Locale = "id" | "en";

export function setStrings(locale: Locale, tree: Tree): void {
  strings = tree;
  current = locale;
  document.documentElement.lang = locale;
}

export function locale(): Locale {
  return current === "en" ? "en" : "id";
}

function lookup(key: string): string | undefined {
  let node: Tree | string | undefined = strings;
  for (const part of key.split(".")) {
    if (node === undefined || typeof node === "string") return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

export function has(key: string): boolean {
  return lookup(key) !== undefined;
}

export function t(key: string, params: Record<string, string | number> = {}): string {
  const template = lookup(key);
  if (template === undefined) return key;
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => (name in params ? String(params[name]) : ""));
}

/** A vocabulary word (status, PPKS…), or the code itself when the word is unknown. */
export function word(ns: string, code: string | null | undefined): string {
  if (!code) return "–";
  const key = `${ns}.${code}`;
  return has(key) ? t(key) : code;
}

const numberFormats = new Map<string, Intl.NumberFormat>();

export function fmtNumber(n: number): string {
  const tag = current === "en" ? "en-GB" : "id-ID";
  let f = numberFormats.get(tag);
  if (!f) numberFormats.set(tag, (f = new Intl.NumberFormat(tag)));
  return f.format(n);
}

/** A short count for small spaces: "950", "1,2 rb" (id), "1.2K" (en). */
export function fmtCompact(n: number): string {
  return new Intl.NumberFormat(current === "en" ? "en-GB" : "id-ID", { notation: "compact", maximumFractionDigits: 1 }).format(n);
}

let zone = "Asia/Jakarta";
export function setZone(tz: string): void {
  zone = tz;
}

/** "28 Nov 2026" for an ISO date (a calendar date: no time zone). */
export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(current === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** "28 Nov 2026 09.20" of an instant in the area's time zone. */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(current === "en" ? "en-GB" : "id-ID", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
  }).format(new Date(iso));
}

/** The calendar date of an instant in the area's time zone. */
export function fmtInstantDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(current === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "short", year: "numeric", timeZone: zone }).format(
    new Date(iso),
  );
}

/** "3 jam lalu" from a duration in milliseconds. */
export function fmtAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return t("dashboard.age.now");
  if (minutes < 60) return t("dashboard.age.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("dashboard.age.hours", { n: hours });
  return t("dashboard.age.days", { n: Math.floor(hours / 24) });
}

/** "Nov 2026" for "2026-11". */
export function fmtMonth(month: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Intl.DateTimeFormat(current === "en" ? "en-GB" : "id-ID", { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, 1)));
}

/** "K7-3QX9D". */
export function fmtCode(code: string): string {
  return code.length === 7 ? `${code.slice(0, 2)}-${code.slice(2)}` : code;
}

let clockOffset = 0;

/** Aligns with the server's clock (the app clock: the simulator and tests may move it). */
export function setServerTime(iso: string): void {
  const server = Date.parse(iso);
  if (!Number.isNaN(server)) clockOffset = server - Date.now();
}

/** Now, by the server's clock. */
export function appNow(): number {
  return Date.now() + clockOffset;
}

/** The codes of a vocabulary namespace, in the locale file's order ("vocab.ppks" → ["anak_balita_terlantar", …]). */
export function keysOf(ns: string): string[] {
  let node: Tree | string | undefined = strings;
  for (const part of ns.split(".")) {
    if (node === undefined || typeof node === "string") return [];
    node = node[part];
  }
  return node && typeof node === "object" ? Object.keys(node) : [];
}
