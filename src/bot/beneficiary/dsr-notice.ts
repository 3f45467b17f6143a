import { InlineKeyboard } from "grammy";
import type { Db } from "../../db/schema.js";
import type { TFunction } from "../../i18n.js";
import type { Locale } from "../../config.js";
import type { PiiCrypto } from "../../pii.js";
import { isLocale } from "../../i18n.js";
import { getDataRequest, type DataRequest } from "../../db/queries/beneficiary/index.js";
import { regionLabel } from "../../db/queries/regions.js";
import { formatRefCode } from "../../domain/refcode.js";
import { formatDateTime } from "../../ui/beneficiary/status-card.js";
import { HH } from "../../ui/households/callback-data.js";
import { DSR } from "../../ui/beneficiary/callback-data.js";

/** Everything a coordinator's message about a request shows, loaded once per send or update. */
export interface DsrNoticeData {
  request: DataRequest;
  refCode: string;
  headName: string;
  erased: boolean;
  village: string;
  villageCode: string;
  tz: string;
  /** The correction text (decrypted), while it is kept. */
  details: string | null;
  resolverName: string | null;
}

export async function loadDsrNotice(db: Db, pii: PiiCrypto, requestId: number): Promise<DsrNoticeData | undefined> {
  const request = await getDataRequest(db, requestId);
  if (!request) return undefined;
  const h = await db
    .selectFrom("households")
    .select(["ref_code", "head_name", "village_code", "anonymized_at"])
    .where("id", "=", request.household_id)
    .executeTakeFirst();
  if (!h) return undefined;
  const tz = await db.selectFrom("regions").select("tz").where("code", "=", h.village_code.slice(0, 2)).where("level", "=", 1).executeTakeFirst();
  const resolver = request.resolved_by
    ? await db.selectFrom("users").select("name").where("id", "=", request.resolved_by).executeTakeFirst()
    : undefined;
  return {
    request,
    refCode: h.ref_code,
    headName: h.head_name,
    erased: h.anonymized_at !== null,
    village: (await regionLabel(db, h.village_code, { full: false })) ?? h.village_code,
    villageCode: h.village_code,
    tz: tz?.tz ?? "Asia/Jakarta",
    details: request.details_enc ? pii.decrypt(request.details_enc) : null,
    resolverName: resolver?.name ?? null,
  };
}

function localeOf(locale: string | undefined): Locale {
  return isLocale(locale) ? locale : "id";
}

/**
 * The coordinators' message about a request: who (reference code and name, for staff of the
 * area only), the deadline, what is asked, and — while open — the buttons to act on it.
 */
export function renderDsrNotice(t: TFunction, locale: string | undefined, d: DsrNoticeData): { text: string; reply_markup?: InlineKeyboard } {
  const loc = localeOf(locale);
  const r = d.request;
  const lines = [
    t("dsr.notice_title", { id: r.id, kind: t(`dsr.kind_${r.kind}`) }),
    t("dsr.notice_household", { code: formatRefCode(d.refCode), name: d.erased ? t("dsr.erased_name") : d.headName, village: d.village }),
    // A request the bot fulfilled at once (a copy of the data) has no deadline left to show.
    r.kind === "access" && r.status === "resolved"
      ? t("field.dsr_dates_fulfilled", { created: formatDateTime(r.created_at.toISOString(), d.tz, loc) })
      : t("dsr.notice_dates", {
          created: formatDateTime(r.created_at.toISOString(), d.tz, loc),
          due: formatDateTime(r.due_at.toISOString(), d.tz, loc),
        }),
  ];
  if (r.kind === "correction" && d.details) lines.push("", t("dsr.notice_details", { details: d.details }));
  if (r.kind === "deletion") lines.push("", t("dsr.notice_deletion"));
  if (r.kind === "access") lines.push("", t("dsr.notice_access"));
  if (r.status === "open") {
    lines.push("", t(r.kind === "deletion" ? "dsr.notice_action_deletion" : "dsr.notice_action_correction"));
    const kb = new InlineKeyboard();
    if (r.kind === "correction") kb.text(t("dsr.btn_done"), DSR.encode("ok", { id: r.id }));
    else kb.text(t("dsr.btn_erase"), DSR.encode("del", { id: r.id }));
    kb.text(t("dsr.btn_reject"), DSR.encode("no", { id: r.id }));
    if (!d.erased) kb.row().text(t("dsr.btn_open_card"), HH.encode("open", { id: r.household_id }));
    return { text: lines.join("\n"), reply_markup: kb };
  }
  if (r.kind !== "access") {
    const when = r.resolved_at ? formatDateTime(r.resolved_at.toISOString(), d.tz, loc) : "–";
    const by = d.resolverName ?? "–";
    lines.push(
      "",
      r.status === "rejected"
        ? t("dsr.notice_rejected", { name: by, date: when, reason: r.resolution_note ?? "–" })
        : t(r.kind === "deletion" ? "dsr.notice_erased" : "dsr.notice_resolved", { name: by, date: when }),
    );
  }
  // Without a keyboard: editing the message removes the buttons.
  return { text: lines.join("\n") };
}
