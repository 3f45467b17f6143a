import type { TFunction } from "i18next";

/** Broadcast texts are capped below Telegram's limits, leaving room for the sender line. */
export const MAX_BROADCAST_TEXT = 3500;
export const MAX_BROADCAST_CAPTION = 900;

/** Number formatting per locale: "1.240" in Indonesian, "1,240" in English. */
export function formatCount(n: number, locale: string): string {
  return new Intl.NumberFormat(locale === "en" ? "en-US" : "id-ID").format(n);
}

export interface ProgressFigures {
  id: number;
  status: string;
  total: number;
  sent: number;
  failed: number;
  unreachable: number;
  /** Not sent (yet): pending and in flight. */
  open: number;
}

/** The coordinator's progress line ("Terkirim 1.240 / 3.000") or final report of a broadcast. */
export function broadcastProgressText(t: TFunction, locale: string, p: ProgressFigures, final: boolean): string {
  const f = (n: number) => formatCount(n, locale);
  const values = { id: p.id, sent: f(p.sent), total: f(p.total), failed: f(p.failed), unreachable: f(p.unreachable), unsent: f(p.open) };
  if (!final) return t("siaran.progress", values);
  return t(p.status === "cancelled" ? "siaran.report_cancelled" : "siaran.report_done", values);
}
