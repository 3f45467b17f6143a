import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { render, type ComponentChild } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, hasSession, onSessionEnded, post, setSession } from "./api";
import { setServerTime, setStrings, setZone, t, type Locale } from "./i18n";
import { href, navigate, PAGES, useRoute, type Page } from "./router";
import { applyTheme, inTelegram, installBridge, onEvent, postEvent, readLaunch, type ThemeParams } from "./telegram";
import type { Me } from "./types";
import { errorText, Toasts } from "./ui";
import { SummaryPage } from "./pages/summary";
import { TargetsPage } from "./pages/targets";
import { HouseholdsPage } from "./pages/households";
import { CardPage } from "./pages/card";
import { MapPage } from "./pages/map";
import { AlertsPage } from "./pages/alerts";

const LOCALE_KEY = "pendamping.locale";

function storedLocale(): Locale | null {
  try {
    const v = window.localStorage.getItem(LOCALE_KEY);
    return v === "en" || v === "id" ? v : null;
  } catch {
    return null;
  }
}

async function loadStrings(locale: Locale): Promise<void> {
  const res = await api<{ locale: Locale; strings: Record<string, never> }>(`strings/${locale}`);
  setStrings(res.locale, res.strings);
}

function guessLocale(initData: string | null): Locale {
  const stored = storedLocale();
  if (stored) return stored;
  let lang = navigator.language;
  if (initData) {
    try {
      const user = JSON.parse(new URLSearchParams(initData).get("user") ?? "{}") as { language_code?: string };
      if (user.language_code) lang = user.language_code;
    } catch {
      // keep the browser's language
    }
  }
  return lang.toLowerCase().startsWith("en") ? "en" : "id";
}

const NAV: { page: Page; key: string }[] = [
  { page: "ringkasan", key: "dashboard.nav.summary" },
  { page: "target", key: "dashboard.nav.targets" },
  { page: "keluarga", key: "dashboard.nav.households" },
  { page: "peta", key: "dashboard.nav.map" },
  { page: "peringatan", key: "dashboard.nav.alerts" },
];

function App({ me, telegram }: { me: Me; telegram: boolean }) {
  const route = useRoute();
  const [, setLocaleTick] = useState(0);
  const [ended, setEnded] = useState<string | null>(null);

  useEffect(() => onSessionEnded((code) => setEnded(code)), []);

  // Telegram's back button on a household card.
  const onCard = route.page === "keluarga" && route.id !== null;
  useEffect(() => {
    postEvent("web_app_setup_back_button", { is_visible: onCard });
  }, [onCard]);
  useEffect(() => onEvent("back_button_pressed", () => history.back()), []);

  if (ended) return <Ended code={ended} telegram={telegram} />;

  const place = me.scope.path.at(-1)?.name ?? t("dashboard.whole_country");
  const switchLocale = async (l: Locale) => {
    try {
      window.localStorage.setItem(LOCALE_KEY, l);
    } catch {
      // not stored: this page only
    }
    await loadStrings(l);
    setLocaleTick((n) => n + 1);
  };
  const other: Locale = document.documentElement.lang === "en" ? "id" : "en";

  return (
    <div class="shell">
      <header class="top">
        <div class="title">
          <strong>{t("dashboard.title")}</strong>
          <span class="place">{place}</span>
        </div>
        <div class="top-actions">
          <button type="button" class="btn link" onClick={() => void switchLocale(other)} aria-label={t("dashboard.switch_language")}>
            {t(`dashboard.language.${other}`)}
          </button>
          {!telegram && (
            <button
              type="button"
              class="btn link"
              onClick={() => {
                void post("auth/logout").finally(() => {
                  setSession(null);
                  setEnded("logged_out");
                });
              }}
            >
              {t("dashboard.logout")}
            </button>
          )}
        </div>
      </header>
      <nav class="tabs" aria-label={t("dashboard.nav.label")}>
        {NAV.map((n) => (
          <a key={n.page} href={href(n.page)} class={route.page === n.page ? "tab active" : "tab"} aria-current={route.page === n.page ? "page" : undefined}>
            {t(n.key)}
          </a>
        ))}
      </nav>
      <main class="content">
        {route.page === "ringkasan" && <SummaryPage me={me} route={route} />}
        {route.page === "target" && <TargetsPage me={me} route={route} />}
        {route.page === "keluarga" && (route.id ? <CardPage me={me} id={Number(route.id)} /> : <HouseholdsPage me={me} route={route} />)}
        {route.page === "peta" && <MapPage me={me} route={route} />}
        {route.page === "peringatan" && <AlertsPage me={me} />}
      </main>
      <Toasts />
    </div>
  );
}

function Ended({ code, telegram }: { code: string; telegram: boolean }) {
  const key = code === "logged_out" ? "dashboard.auth.logged_out" : `dashboard.errors.${code}`;
  return (
    <div class="gate">
      <h1>{t("dashboard.title")}</h1>
      <p>{t(key) === key ? t("dashboard.auth.session_ended") : t(key)}</p>
      <p class="hint">{telegram ? t("dashboard.auth.reopen_telegram") : t("dashboard.auth.how_desktop")}</p>
    </div>
  );
}

function Gate({ message }: { message: string }) {
  return (
    <div class="gate">
      <h1>{t("dashboard.title")}</h1>
      <p>{message}</p>
      <p class="hint">{t("dashboard.auth.how_telegram")}</p>
      <p class="hint">{t("dashboard.auth.how_desktop")}</p>
    </div>
  );
}

async function boot(): Promise<void> {
  const root = document.getElementById("app")!;
  // The server's "loading" line goes; the app renders into an empty element.
  const mount = (node: ComponentChild) => {
    root.textContent = "";
    render(node, root);
  };
  installBridge();
  const launch = readLaunch();
  applyTheme(launch.theme);
  onEvent("theme_changed", (d) => applyTheme((d["theme_params"] as ThemeParams | undefined) ?? null));
  const telegram = inTelegram(launch);
  postEvent("web_app_ready");
  postEvent("web_app_expand");
  postEvent("web_app_request_theme");

  let locale = guessLocale(launch.initData);
  await loadStrings(locale).catch(() => undefined);

  const login = launch.fragment.get("login");
  const dev = launch.fragment.get("dev");
  // Secrets leave the address bar at once (history, screenshots, shoulder surfing).
  if (launch.initData || login || dev) history.replaceState(null, "", `${location.pathname}${location.search}${href("ringkasan")}`);

  let failure: unknown = null;
  try {
    let session: { token: string } | null = null;
    if (launch.initData) session = await post<{ token: string }>("auth/telegram", { initData: launch.initData });
    else if (login) session = await post<{ token: string }>("auth/link", { token: login });
    else if (dev) session = await post<{ token: string }>("auth/dev", { token: dev });
    if (session) setSession(session.token);
  } catch (err) {
    failure = err;
  }
  if (!hasSession()) {
    mount(<Gate message={failure ? errorText(failure) : t("dashboard.auth.needed")} />);
    return;
  }
  let me: Me;
  try {
    me = await api<Me>("me");
  } catch (err) {
    setSession(null);
    mount(<Gate message={err instanceof ApiError ? errorText(err) : t("dashboard.errors.generic")} />);
    return;
  }
  setZone(me.zone.tz);
  setServerTime(me.now);
  if (!storedLocale() && me.user.locale !== locale) {
    locale = me.user.locale;
    await loadStrings(locale).catch(() => undefined);
  }
  if (!(PAGES as readonly string[]).includes(location.hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "")) navigate(href("ringkasan"), true);
  mount(<App me={me} telegram={telegram} />);
}

void boot();
