import { useEffect, useState } from "preact/hooks";

/** A route: "#/keluarga/42?x=1" → { page: "keluarga", id: "42", query }. */
export interface Route {
  page: string;
  id: string | null;
  query: URLSearchParams;
}

export const PAGES = ["ringkasan", "target", "keluarga", "peta", "peringatan"] as const;
export type Page = (typeof PAGES)[number];

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [pathPart = "", queryPart = ""] = raw.split("?", 2);
  const [page = "", id = null] = pathPart.split("/");
  const known = (PAGES as readonly string[]).includes(page) ? page : "ringkasan";
  return { page: known, id: id && /^\d{1,9}$/.test(id) ? id : null, query: new URLSearchParams(queryPart) };
}

export function href(page: Page, id?: number | string | null, query?: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `#/${page}${id !== undefined && id !== null ? `/${id}` : ""}${s ? `?${s}` : ""}`;
}

export function navigate(to: string, replace = false): void {
  if (replace) {
    history.replaceState(null, "", to);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    window.location.hash = to.replace(/^#/, "");
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
