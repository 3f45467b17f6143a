import { InlineKeyboard } from "grammy";
import type { InlineKeyboardButton } from "grammy/types";
import type { Db, Household, User } from "../../db/schema.js";
import type { TFunction } from "../../i18n.js";
import type { Locale } from "../../config.js";
import { escapeHtml } from "../../lib/html.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import {
  evidenceRows,
  findProposal,
  kindOf,
  presentItems,
  proposalHistory,
  statusOf,
  type Proposal,
} from "../../db/queries/dtsen.js";
import {
  completeness,
  isEditableStatus,
  isFinalStatus,
  letterFor,
  proposalCapacities,
  requiredEvidence,
  type EvidenceItem,
  type ProposalCapacity,
  type ProposalKind,
} from "../../domain/dtsen.js";
import { formatDateId } from "../../domain/dates.js";
import { localDate } from "../../domain/visit.js";
import { formatRefCode } from "../../domain/refcode.js";
import { encodeDtsen } from "./callback.js";

/** A message ready to send: plain JSON, so that flows can return it from `external`. */
export interface Rendered {
  text: string;
  keyboard: InlineKeyboardButton[][];
}

export type { Locale };

export function markup(r: Rendered): { reply_markup?: { inline_keyboard: InlineKeyboardButton[][] } } {
  return r.keyboard.length > 0 ? { reply_markup: { inline_keyboard: r.keyboard } } : {};
}

/** "Usulan baru", "Perubahan data", "Sanggah/penghapusan". */
export function kindLabel(t: TFunction, kind: string): string {
  return t(`dtsen.kind.${kind}`);
}

export function reasonLabel(t: TFunction, kind: ProposalKind, reason: string): string {
  return t(`dtsen.reason.${kind}.${reason}`);
}

/** The name of a checklist item ("Foto surat keterangan kematian" for the letter of that reason). */
export function itemLabel(t: TFunction, item: EvidenceItem, kind: ProposalKind, reason: string): string {
  if (item === "letter") return t("dtsen.item.letter", { letter: t(`dtsen.letter.${letterFor(kind, reason) ?? "sktm"}`) });
  return t(`dtsen.item.${item}`);
}

/** A date in the household's zone, "28 November 2026". */
export async function localDay(db: Db, villageCode: string, instant: Date, locale: Locale): Promise<string> {
  const tz = (await regionTimezone(db, villageCode))?.tz ?? "Asia/Jakarta";
  return formatDateId(localDate(instant, tz), locale);
}

export async function villageName(db: Db, code: string): Promise<string> {
  return (await regionLabel(db, code, { full: false }))?.split(" — ")[0] ?? code;
}

/**
 * The proposal card: household, kind, reason, status, the evidence checklist with what is
 * still missing, and the buttons this viewer may use (the handlers check them all again).
 * Returns null when the viewer has no capacity for the household.
 */
export async function renderProposal(
  db: Db,
  t: TFunction,
  locale: Locale,
  user: User | undefined,
  proposalId: number,
): Promise<Rendered | null> {
  const p = await findProposal(db, proposalId);
  if (!p) return null;
  const h = await db.selectFrom("households").selectAll().where("id", "=", p.household_id).executeTakeFirst();
  if (!h) return null;
  const capacities = proposalCapacities(user, h);
  if (capacities.length === 0) return null;
  return renderFor(db, t, locale, p, h, capacities);
}

async function renderFor(
  db: Db,
  t: TFunction,
  locale: Locale,
  p: Proposal,
  h: Household,
  capacities: ProposalCapacity[],
): Promise<Rendered> {
  const kind = kindOf(p);
  const status = statusOf(p);
  const photos = await evidenceRows(db, [p.id]);
  const present = new Set(presentItems(p, photos));
  const c = completeness(kind, p.reason, present);
  const village = await villageName(db, h.village_code);
  const lines = [
    t("dtsen.card_title", { id: p.id, kind: kindLabel(t, kind) }),
    t("dtsen.card_household", { code: formatRefCode(h.ref_code), name: h.head_name, village }),
    t("dtsen.card_reason", { reason: reasonLabel(t, kind, p.reason) }),
    `<i>${escapeHtml(p.note)}</i>`,
    t("dtsen.card_status", { status: t(`dtsen.status.${status}`) }),
  ];
  if (p.status_reason && (status === "dikembalikan" || status === "ditolak")) {
    lines.push(t(status === "ditolak" ? "dtsen.card_rejected_reason" : "dtsen.card_returned_reason", { reason: p.status_reason }));
  }
  if (p.verified_at && !isFinalStatus(status)) lines.push(t("dtsen.card_verified_on", { date: await localDay(db, h.village_code, p.verified_at, locale) }));
  if (p.outcome_at) lines.push(t("dtsen.card_outcome_on", { date: await localDay(db, h.village_code, p.outcome_at, locale) }));
  if (!isFinalStatus(status)) {
    lines.push("", t("dtsen.card_evidence", { done: c.done, total: c.total }));
    for (const item of requiredEvidence(kind, p.reason)) {
      lines.push(`${present.has(item) ? "✅" : "⬜"} ${itemLabel(t, item, kind, p.reason)}`);
    }
    lines.push(
      c.complete
        ? t(isEditableStatus(status) ? "dtsen.card_complete_submit" : "dtsen.card_complete")
        : t("dtsen.card_missing", { list: c.missing.map((i) => itemLabel(t, i, kind, p.reason)).join(", ") }),
    );
  } else if (status !== "dibatalkan") {
    lines.push("", t("dtsen.card_kk_removed"));
  }
  lines.push("", t("dtsen.card_footer"));

  const kb = new InlineKeyboard();
  const field = capacities.includes("field");
  const staff = capacities.includes("staff");
  if (field && isEditableStatus(status)) {
    for (const item of requiredEvidence(kind, p.reason)) {
      kb.text(`${present.has(item) ? "✅" : "⬜"} ${itemLabel(t, item, kind, p.reason)}`, encodeDtsen({ a: "item", proposalId: p.id, item })).row();
    }
    if (c.complete) kb.text(t("dtsen.btn_submit"), encodeDtsen({ a: "submit", proposalId: p.id })).row();
  }
  if (!isFinalStatus(status) && present.size > 0 && (staff || !isEditableStatus(status))) {
    kb.text(t("dtsen.btn_evidence"), encodeDtsen({ a: "evidence", proposalId: p.id })).row();
  }
  if (staff && status === "menunggu") {
    kb.text(t("dtsen.btn_verify"), encodeDtsen({ a: "verify", proposalId: p.id }));
    kb.text(t("dtsen.btn_return"), encodeDtsen({ a: "return", proposalId: p.id })).row();
  }
  if (staff && status === "terverifikasi") {
    kb.text(t("dtsen.btn_return"), encodeDtsen({ a: "return", proposalId: p.id }));
    kb.text(t("dtsen.btn_village_package"), encodeDtsen({ a: "village", villageCode: h.village_code })).row();
  }
  if (staff && status === "diserahkan") {
    kb.text(t("dtsen.btn_accept"), encodeDtsen({ a: "accept", proposalId: p.id }));
    kb.text(t("dtsen.btn_reject"), encodeDtsen({ a: "reject", proposalId: p.id })).row();
  }
  kb.text(t("dtsen.btn_history"), encodeDtsen({ a: "history", proposalId: p.id }));
  if ((field || staff) && isEditableStatus(status)) kb.text(t("dtsen.btn_cancel"), encodeDtsen({ a: "cancel", proposalId: p.id }));
  return { text: lines.join("\n"), keyboard: kb.inline_keyboard.filter((row) => row.length > 0) };
}

/** The status history of a proposal, oldest first. */
export async function renderHistory(db: Db, t: TFunction, locale: Locale, p: Proposal, h: Household): Promise<Rendered> {
  const rows = await proposalHistory(db, p.id);
  const lines = [t("dtsen.history_title", { id: p.id, code: formatRefCode(h.ref_code) })];
  for (const r of rows) {
    const when = await localDay(db, h.village_code, r.changed_at, locale);
    lines.push(
      t("dtsen.history_item", {
        date: when,
        status: t(`dtsen.status.${r.to_status}`),
        by: r.changed_by_name ?? "–",
      }) + (r.reason ? ` — <i>${escapeHtml(r.reason)}</i>` : ""),
    );
  }
  const kb = new InlineKeyboard().text(t("dtsen.btn_back_card"), encodeDtsen({ a: "open", proposalId: p.id }));
  return { text: lines.join("\n"), keyboard: kb.inline_keyboard };
}
