import { InlineKeyboard } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { applicationDetails, type ApplicationDetails } from "../../db/queries/onboarding.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import type { Db } from "../../db/schema.js";
import { DEFAULT_ZONE, formatLocalDateTime } from "../../domain/onboarding.js";
import { maskPhone } from "../../domain/phone.js";
import type { TFunction } from "../../i18n.js";
import { isLocale } from "../../i18n.js";
import { APPR } from "../../ui/onboarding/callback-data.js";

/** Everything a staff message about an application shows, loaded once for all recipients. */
export interface ApplicationNotice {
  details: ApplicationDetails;
  area: string;
  previous: string | null;
  zone: { tz: string; label: string };
}

export async function loadApplicationNotice(db: Db, applicationId: number): Promise<ApplicationNotice | undefined> {
  const details = await applicationDetails(db, applicationId);
  if (!details) return undefined;
  const app = details.application;
  return {
    details,
    area: (await regionLabel(db, app.area_code, { full: false })) ?? app.area_code,
    previous: app.previous_area_code ? ((await regionLabel(db, app.previous_area_code, { full: false })) ?? app.previous_area_code) : null,
    zone: (await regionTimezone(db, app.area_code)) ?? DEFAULT_ZONE,
  };
}

/**
 * The staff message about an application: who applied (phone masked) and where; while it is
 * pending, Approve / Reject buttons; afterwards, who decided (and the reason of a rejection).
 */
export function renderApplicationNotice(
  t: TFunction,
  locale: string | undefined,
  n: ApplicationNotice,
): { text: string; reply_markup?: InlineKeyboardMarkup } {
  const { application: app, applicant, deciderName } = n.details;
  const lines = [
    t(app.kind === "registration" ? "approval.notice_title" : "approval.notice_title_move", { id: app.id }),
    "",
    t("approval.notice_name", { value: applicant.name ?? "-" }),
    t("approval.notice_phone", { value: applicant.phone ? maskPhone(applicant.phone) : "-" }),
    t("approval.notice_telegram", { value: applicant.username ? `@${applicant.username}` : "-" }),
    app.kind === "registration"
      ? t("approval.notice_village", { value: n.area })
      : t("approval.notice_move", { from: n.previous ?? "-", to: n.area }),
    t("approval.notice_sent", { value: formatLocalDateTime(app.created_at, isLocale(locale) ? locale : "id", n.zone) }),
  ];
  const by = deciderName ?? "-";
  switch (app.status) {
    case "pending": {
      const kb = new InlineKeyboard().text(t("approval.approve"), APPR.encode("ok", { id: app.id })).text(t("approval.reject"), APPR.encode("no", { id: app.id }));
      return { text: lines.join("\n"), reply_markup: kb };
    }
    case "approved":
      lines.push("", t("approval.notice_approved", { name: by }));
      break;
    case "rejected":
      lines.push("", t("approval.notice_rejected", { name: by, reason: app.reason ?? "-" }));
      break;
    case "superseded":
      lines.push("", t("approval.notice_superseded"));
      break;
    case "withdrawn":
      lines.push("", t("approval.notice_withdrawn"));
      break;
  }
  return { text: lines.join("\n"), reply_markup: new InlineKeyboard() };
}
