import { readFileSync } from "node:fs";
import i18next, { type TFunction, type i18n as I18nInstance } from "i18next";
import { LOCALES, type Locale } from "./config.js";

export type { TFunction };

/** Absolute path of the `locales/` folder. */
export const LOCALES_DIR = new URL("../locales/", import.meta.url);

export function loadLocaleResources(): Record<Locale, Record<string, unknown>> {
  const out = {} as Record<Locale, Record<string, unknown>>;
  for (const locale of LOCALES) {
    out[locale] = JSON.parse(readFileSync(new URL(`${locale}.json`, LOCALES_DIR), "utf8")) as Record<string, unknown>;
  }
  return out;
}

export interface I18n {
  instance: I18nInstance;
  defaultLocale: Locale;
  /** A translation function bound to one locale. */
  t(locale: Locale): TFunction;
}

/** Creates an isolated i18next instance with both locale files loaded synchronously. */
export function createI18n(defaultLocale: Locale = "id"): I18n {
  const resources = loadLocaleResources();
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    lng: defaultLocale,
    fallbackLng: "id",
    supportedLngs: [...LOCALES],
    resources: Object.fromEntries(Object.entries(resources).map(([lng, tr]) => [lng, { translation: tr }])),
    // Values are HTML-escaped: every message is sent with parse_mode HTML (see bot/html.ts).
    interpolation: { escapeValue: true, escape: escapeHtml },
    returnNull: false,
  });
  const fixed = new Map<Locale, TFunction>();
  for (const locale of LOCALES) fixed.set(locale, memoized(instance.getFixedT(locale)));
  return {
    instance,
    defaultLocale,
    t: (locale) => fixed.get(locale) ?? fixed.get(defaultLocale)!,
  };
}

/**
 * Translations are pure (static resources), and a flow re-renders every earlier question on
 * each replay, so the same strings are asked for again and again; i18next's own lookup is
 * comparatively slow (the benchmark showed it as the largest CPU cost). Calls without options,
 * or with only numbers and booleans (counts, pages), are cached; calls with strings (names…)
 * are not, so that no personal data is kept.
 */
function memoized(fixedT: TFunction): TFunction {
  const t = fixedT as unknown as (...a: unknown[]) => unknown;
  const cache = new Map<string, string>();
  return ((key: unknown, opts?: unknown, ...rest: unknown[]) => {
    if (typeof key !== "string" || rest.length > 0 || (opts !== undefined && (opts === null || typeof opts !== "object"))) {
      return t(key, opts, ...rest);
    }
    let id = key;
    if (opts !== undefined) {
      for (const v of Object.values(opts as Record<string, unknown>)) {
        if (typeof v !== "number" && typeof v !== "boolean") return t(key, opts);
      }
      id = `${key}\u0000${JSON.stringify(opts)}`;
    }
    let hit = cache.get(id);
    if (hit === undefined) {
      hit = t(key, opts) as string;
      if (cache.size >= 10_000) cache.clear();
      cache.set(id, hit);
    }
    return hit;
  }) as unknown as TFunction;
}

/** Escapes the three characters Telegram's HTML parse mode needs escaped in text. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Guesses a new user's locale from Telegram's `language_code`: English only when it says English. */
export function guessLocale(languageCode: string | undefined): Locale {
  return languageCode?.toLowerCase().startsWith("en") ? "en" : "id";
}

export function isLocale(v: unknown): v is Locale {
  return typeof v === "string" && (LOCALES as readonly string[]).includes(v);
}
