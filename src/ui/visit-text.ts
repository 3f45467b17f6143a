import type { TFunction } from "../i18n.js";
import { formatDateId, type DateLocale } from "../domain/dates.js";

/** The fields of a visit report as shown to people (review step, full view, alerts). */
export interface VisitFields {
  visitedOn: string | null;
  purpose: string | null;
  intervention: string | null;
  conditions: string[];
  conditionNote: string | null;
  helpGiven: string | null;
  referral: string | null;
  referralNote: string | null;
  urgency: string | null;
  followUp: boolean | null;
  nextVisitDate: string | null;
  photos: number;
  voices: number;
  hasLocation: boolean;
}

function dateLocale(locale: string): DateLocale {
  return locale === "en" ? "en" : "id";
}

export function formatDate(iso: string, locale: string): string {
  return formatDateId(iso, dateLocale(locale));
}

/** "2 foto, 1 pesan suara, lokasi" or "–". */
export function attachmentsLabel(t: TFunction, f: Pick<VisitFields, "photos" | "voices" | "hasLocation">): string {
  const parts: string[] = [];
  if (f.photos > 0) parts.push(t("visit.attach_photos", { n: f.photos }));
  if (f.voices > 0) parts.push(t("visit.attach_voices", { n: f.voices }));
  if (f.hasLocation) parts.push(t("visit.attach_location"));
  return parts.length === 0 ? "–" : parts.join(", ");
}

/**
 * One line per field, labels and values translated; free text is interpolated (and so
 * HTML-escaped by i18next). `opts.only` limits the lines (alerts show fewer).
 */
export function visitFieldLines(
  t: TFunction,
  locale: string,
  f: VisitFields,
  opts: { attachments?: boolean } = {},
): string[] {
  const dash = "–";
  const lines = [
    t("visit.f_date", { value: f.visitedOn ? formatDate(f.visitedOn, locale) : dash }),
    t("visit.f_purpose", { value: f.purpose ? t(`vocab.purpose.${f.purpose}`) : dash }),
    t("visit.f_intervention", { value: f.intervention ? t(`vocab.intervention.${f.intervention}`) : dash }),
    t("visit.f_conditions", {
      value: f.conditions.length === 0 ? dash : f.conditions.map((c) => t(`visit.condition.${c}`)).join(", "),
    }),
  ];
  if (f.conditionNote) lines.push(t("visit.f_condition_note", { value: f.conditionNote }));
  lines.push(t("visit.f_help", { value: f.helpGiven ?? dash }));
  const referral = f.referral ? t(`visit.referral.${f.referral}`) : t("visit.referral_none");
  lines.push(
    f.referralNote ? t("visit.f_referral_note", { value: referral, note: f.referralNote }) : t("visit.f_referral", { value: referral }),
  );
  lines.push(t("visit.f_urgency", { value: f.urgency ? t(`vocab.urgency.${f.urgency}`) : dash }));
  if (f.followUp === true && f.nextVisitDate) lines.push(t("visit.f_next", { value: formatDate(f.nextVisitDate, locale) }));
  else if (f.followUp === false) lines.push(t("visit.f_no_follow_up"));
  else lines.push(t("visit.f_next", { value: dash }));
  if (opts.attachments !== false) lines.push(t("visit.f_attachments", { value: attachmentsLabel(t, f) }));
  return lines;
}
