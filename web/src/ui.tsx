import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api } from "./api";
import { has, t, word } from "./i18n";

/** The message for an API error code (dashboard.errors.<code>), or a generic one. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const key = `dashboard.errors.${err.code}`;
    if (has(key)) {
      const by = typeof err.extra["by"] === "string" ? err.extra["by"] : "–";
      return t(key, { by });
    }
    if (err.status === 0) return t("dashboard.errors.network");
  }
  return t("dashboard.errors.generic");
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** Loads an API resource; reloads when `path` or `query` change, and on `reload()`. */
export function useApi<T>(path: string | null, query?: Query) {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify([path, query ?? null, tick]);
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    api<T>(path, { query, signal: ctl.signal }).then(
      (data) => setState({ data, error: null, loading: false }),
      (error: unknown) => {
        if ((error as Error).name !== "AbortError") setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => ctl.abort();
  }, [key]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function Loading() {
  return (
    <p class="loading" role="status">
      {t("dashboard.loading")}
    </p>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="error" role="alert">
      <p>{errorText(error)}</p>
      {onRetry && (
        <button type="button" class="btn secondary" onClick={onRetry}>
          {t("dashboard.retry")}
        </button>
      )}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{word("vocab.status", status)}</span>;
}

export function UrgencyBadge({ urgency }: { urgency: string | null }) {
  if (!urgency) return <span class="badge urgency-none">{t("dashboard.urgency_none")}</span>;
  return <span class={`badge urgency-${urgency}`}>{word("vocab.urgency", urgency)}</span>;
}

export function Modal({ title, children, onClose }: { title: string; children: ComponentChildren; onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    box.current?.querySelector<HTMLElement>("textarea, input, button")?.focus();
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={title} ref={box}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

let pushToast: (text: string, kind?: "ok" | "error") => void = () => undefined;

export function toast(text: string, kind: "ok" | "error" = "ok"): void {
  pushToast(text, kind);
}

export function Toasts() {
  const [items, setItems] = useState<{ id: number; text: string; kind: string }[]>([]);
  useEffect(() => {
    let n = 0;
    pushToast = (text, kind = "ok") => {
      const id = ++n;
      setItems((xs) => [...xs, { id, text, kind }]);
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== id)), 4000);
    };
  }, []);
  return (
    <div class="toasts" aria-live="polite">
      {items.map((x) => (
        <div key={x.id} class={`toast ${x.kind}`}>
          {x.text}
        </div>
      ))}
    </div>
  );
}

export function Pager({ page, size, total, onPage }: { page: number; size: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / size));
  return (
    <div class="pager">
      <button type="button" class="btn secondary" disabled={page <= 0} onClick={() => onPage(page - 1)}>
        {t("dashboard.prev")}
      </button>
      <span>{t("dashboard.page_of", { page: page + 1, pages })}</span>
      <button type="button" class="btn secondary" disabled={page + 1 >= pages} onClick={() => onPage(page + 1)}>
        {t("dashboard.next")}
      </button>
    </div>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A label–value line of a card. */
export function Row({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="kv">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
