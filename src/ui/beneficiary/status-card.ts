import { InlineKeyboard } from "grammy";
import type { TFunction } from "../../i18n.js";
import type { Locale } from "../../config.js";
import type { Lock, StatusView } from "../../db/queries/beneficiary/index.js";
import { formatDateId, localDateOf } from "../../domain/dates.js";
import { formatRefCode } from "../../domain/refcode.js";
import { BS } from "./callback-data.js";

/**
 * What a beneficiary sees after the private status check (code + family PIN), shared by the
 * status-check flow and the handlers of the buttons under it. The card carries only the
 * status, its meaning and next step, the date of the last change and the volunteer's first
 * name.
 */

/** The calendar date (ISO) of an instant in a time zone. */
export function localIsoDate(iso: string, tz: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** "14.30" (Indonesian) or "14:30" (English) in a time zone. */
export function formatClock(iso: string, tz: string, locale: Locale): string {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("hour")}${locale === "id" ? "." : ":"}${get("minute")}`;
}

/** "5 Agustus 2026 14.30" in a time zone. */
export function formatDateTime(iso: string, tz: string, locale: Locale): string {
  return `${formatDateId(localIsoDate(iso, tz), locale)} ${formatClock(iso, tz, locale)}`;
}

/**
 * The lockout message. The time is given in WIB with the minutes left, whatever the
 * household's zone: the same text for every code keeps existing and unknown codes alike.
 */
export function lockText(t: TFunction, lock: Lock, nowIso: string, locale: Locale): string {
  const minutes = Math.max(1, Math.ceil((Date.parse(lock.until) - Date.parse(nowIso)) / 60000));
  return t("beneficiary.locked", { time: formatClock(lock.until, "Asia/Jakarta", locale), minutes });
}

/** The status card's buttons: subscribe or stop, see my data, correct, delete. */
export function statusCardKeyboard(t: TFunction, view: Pick<StatusView, "householdId" | "subscribed">): InlineKeyboard {
  const id = view.householdId;
  return new InlineKeyboard()
    .text(view.subscribed ? t("beneficiary.btn_unsubscribe") : t("beneficiary.btn_subscribe"), BS.encode(view.subscribed ? "unsub" : "sub", { id }))
    .row()
    .text(t("beneficiary.btn_my_data"), BS.encode("data", { id }))
    .row()
    .text(t("beneficiary.btn_correct"), BS.encode("fix", { id }))
    .text(t("beneficiary.btn_delete"), BS.encode("del", { id }));
}

/** The status lines: status, what it means, the reason of a rejection, what happens next. */
export function statusLines(t: TFunction, status: string, reason: string | null): string[] {
  const lines = [t("beneficiary.card_status", { status: t(`vocab.status.${status}`) }), t(`vocab.status_meaning.${status}`)];
  if (status === "ditolak" && reason) lines.push(t("beneficiary.card_reason", { reason }));
  lines.push(t(`vocab.status_next.${status}`));
  return lines;
}

/** The private status card: nothing that identifies a person. */
export function renderStatusCard(t: TFunction, locale: Locale, view: StatusView): { text: string; reply_markup: InlineKeyboard } {
  const status = statusLines(t, view.status, view.reason);
  if (view.lastVisitAt) {
    // After a visit, say when it was; "the volunteer will visit" (a new household's next step) is past.
    const visited = t("field.status_last_visit", { date: formatDateId(localDateOf(view.lastVisitAt, view.tz), locale) });
    if (view.status === "terdaftar") status[status.length - 1] = visited;
    else status.push(visited);
  }
  const lines = [
    t("beneficiary.card_title", { code: formatRefCode(view.refCode) }),
    "",
    ...status,
    "",
    t("beneficiary.card_updated", { date: formatDateId(localIsoDate(view.changedAt, view.tz), locale) }),
    t("beneficiary.card_volunteer", { name: view.volunteerFirstName ?? "–" }),
    "",
    t(view.subscribed ? "beneficiary.card_footer_subscribed" : "beneficiary.card_footer"),
  ];
  return { text: lines.join("\n"), reply_markup: statusCardKeyboard(t, view) };
}
