/**
 * A small bridge to the Telegram Mini App host, without Telegram's script from a CDN: launch
 * parameters come in the URL fragment (tgWebAppData, tgWebAppThemeParams…), events are posted
 * through the host's proxy (mobile), window.external (legacy desktop) or postMessage (Telegram
 * Web), and the host calls back through window.Telegram.WebView.receiveEvent or postMessage.
 * See https://core.telegram.org/api/web-events.
 */

export interface ThemeParams {
  bg_color?: string;
  text_color?: string;
  hint_color?: string;
  link_color?: string;
  button_color?: string;
  button_text_color?: string;
  secondary_bg_color?: string;
  header_bg_color?: string;
  accent_text_color?: string;
  section_bg_color?: string;
  section_header_text_color?: string;
  subtitle_text_color?: string;
  destructive_text_color?: string;
}

export interface Launch {
  /** Raw initData (a query string signed by Telegram), when opened as a Mini App. */
  initData: string | null;
  theme: ThemeParams | null;
  platform: string | null;
  /** Other parameters of the fragment (login=…, dev=…). */
  fragment: URLSearchParams;
}

type Listener = (data: Record<string, unknown>) => void;
const listeners = new Map<string, Set<Listener>>();

interface HostWindow {
  TelegramWebviewProxy?: { postEvent(type: string, data: string): void };
  external?: { notify?(data: string): void };
  Telegram?: { WebView?: { receiveEvent(type: string, data: unknown): void } };
  TelegramGameProxy?: { receiveEvent(type: string, data: unknown): void };
  TelegramGameProxy_receiveEvent?: (type: string, data: unknown) => void;
}

function receive(type: string, data: unknown): void {
  const payload = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  for (const fn of listeners.get(type) ?? []) fn(payload);
}

/** Reads the launch parameters once (they are removed from the address bar afterwards). */
export function readLaunch(): Launch {
  const hash = window.location.hash.replace(/^#/, "");
  const fragment = new URLSearchParams(hash.includes("=") && !hash.startsWith("/") ? hash : "");
  const initData = fragment.get("tgWebAppData");
  let theme: ThemeParams | null = null;
  const rawTheme = fragment.get("tgWebAppThemeParams");
  if (rawTheme) {
    try {
      theme = JSON.parse(rawTheme) as ThemeParams;
    } catch {
      theme = null;
    }
  }
  return { initData: initData && initData.length > 0 ? initData : null, theme, platform: fragment.get("tgWebAppPlatform"), fragment };
}

/** True when the page runs inside a Telegram client. */
export function inTelegram(launch: Launch): boolean {
  const w = window as unknown as HostWindow;
  return launch.initData !== null || w.TelegramWebviewProxy !== undefined;
}

export function postEvent(type: string, data: Record<string, unknown> = {}): void {
  const w = window as unknown as HostWindow;
  try {
    if (w.TelegramWebviewProxy?.postEvent) {
      w.TelegramWebviewProxy.postEvent(type, JSON.stringify(data));
    } else if (window.parent !== window) {
      window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), "*");
    } else if (w.external?.notify) {
      w.external.notify(JSON.stringify({ eventType: type, eventData: data }));
    }
  } catch {
    // Not inside Telegram (an ordinary browser): nothing to tell.
  }
}

export function onEvent(type: string, fn: Listener): () => void {
  let set = listeners.get(type);
  if (!set) listeners.set(type, (set = new Set()));
  set.add(fn);
  return () => set!.delete(fn);
}

/** Installs the host's callbacks; call once at start-up. */
export function installBridge(): void {
  const w = window as unknown as HostWindow;
  w.Telegram = { ...(w.Telegram ?? {}), WebView: { receiveEvent: receive } };
  w.TelegramGameProxy = { receiveEvent: receive };
  w.TelegramGameProxy_receiveEvent = receive;
  window.addEventListener("message", (e: MessageEvent) => {
    if (e.source !== window.parent || typeof e.data !== "string") return;
    try {
      const msg = JSON.parse(e.data) as { eventType?: unknown; eventData?: unknown };
      if (typeof msg.eventType === "string") receive(msg.eventType, msg.eventData);
    } catch {
      // Not a Telegram event.
    }
  });
}

const CSS_VARS: [keyof ThemeParams, string][] = [
  ["bg_color", "--bg"],
  ["text_color", "--text"],
  ["hint_color", "--hint"],
  ["link_color", "--link"],
  ["button_color", "--button"],
  ["button_text_color", "--button-text"],
  ["secondary_bg_color", "--bg2"],
  ["section_bg_color", "--section"],
  ["section_header_text_color", "--section-header"],
  ["subtitle_text_color", "--subtitle"],
  ["destructive_text_color", "--danger"],
  ["accent_text_color", "--accent"],
];

function isDark(hex: string | undefined): boolean | null {
  const m = hex ? /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex) : null;
  if (!m) return null;
  const [r, g, b] = [m[1], m[2], m[3]].map((x) => parseInt(x!, 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/**
 * Applies Telegram's theme as CSS variables (through the CSSOM: allowed by the strict CSP)
 * and marks the page light or dark. Without a theme the stylesheet follows the system.
 */
export function applyTheme(theme: ThemeParams | null): void {
  const root = document.documentElement;
  if (!theme) return;
  for (const [key, cssVar] of CSS_VARS) {
    const v = theme[key];
    if (typeof v === "string" && /^#[0-9a-f]{3,8}$/i.test(v)) root.style.setProperty(cssVar, v);
  }
  const dark = isDark(theme.bg_color);
  if (dark !== null) {
    root.classList.toggle("dark", dark);
    root.classList.toggle("light", !dark);
  }
}
