/**
 * What Cek Aman messages look like: a volunteer's checklist and one household in it, the
 * family's message, a help request for coordinators, the coordinators' tally. Each renderer
 * reads what it needs (plain queries, any transaction) and returns text and buttons.
 *
 * @module
 */
import { InlineKeyboard } from "grammy";
import type { Db, User } from "../../db/schema.js";
import type { TFunction } from "../../i18n.js";
import {
  checklistPage,
  eventCounts,
  familyHouseholds,
  tallyList,
  villageCounts,
  type CekamanEvent,
  type ChecklistMode,
  type HelpView,
  type ListedHousehold,
} from "../../db/queries/cekaman.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import { CHECKLIST_PAGE, STATUS_EMOJI, rtRwLabel, tallyText, type CekamanStatus, type TallyHousehold } from "../../domain/cekaman.js";
import { displayRegionName } from "../../domain/region-names.js";
import { formatRefCode } from "../../domain/refcode.js";
import { formatLocalTime, maskName } from "../../domain/visit.js";
import { DEFAULT_ZONE, formatLocalDateTime } from "../../domain/onboarding.js";
import { escapeHtml } from "../../lib/html.js";
import { truncate } from "../../lib/text.js";
import { encodeCa, type ListMode } from "./callback-data.js";

export interface Zone {
  tz: string;
  label: string;
}

export interface Rendered {
  text: string;
  reply_markup?: InlineKeyboard;
}

/** The time zone of the event's (first) region. */
export async function eventZone(db: Db, event: Pick<CekamanEvent, "regions">): Promise<Zone> {
  const first = event.regions[0];
  return (first ? await regionTimezone(db, first) : null) ?? DEFAULT_ZONE;
}

export function whenLabel(locale: string, at: Date, zone: Zone): string {
  return formatLocalDateTime(at, locale === "en" ? "en" : "id", zone);
}

/** "Kec. Cibinong, Desa Wanaherang". */
export async function regionsLabel(db: Db, regions: readonly string[]): Promise<string> {
  const labels: string[] = [];
  for (const r of regions) labels.push((await regionLabel(db, r, { full: false }))?.split(" — ")[0] ?? r);
  return labels.join(", ");
}

export function villageOf(row: { village_code: string; village_name: string | null }): string {
  return row.village_name ? displayRegionName({ code: row.village_code, name: row.village_name }) : row.village_code;
}

function groupsText(t: TFunction, groups: readonly string[]): string {
  return groups.map((g) => t(`cekaman.group_${g}`)).join(", ");
}

/** "✅ Aman — Budi (relawan), 09.12 WIB", or "⏳ Belum ada kabar". */
export function answerLine(t: TFunction, row: Pick<ListedHousehold, "status" | "answered_at" | "answered_via" | "answered_by_name">, zone: Zone): string {
  const status = `${STATUS_EMOJI[row.status]} ${t(`cekaman.status_${row.status}`)}`;
  if (row.status === "pending" || !row.answered_at) return status;
  const who = row.answered_via === "family" ? t("cekaman.by_family") : t(`cekaman.by_${row.answered_via ?? "volunteer"}`, { name: row.answered_by_name ?? "–" });
  return t("cekaman.answer_line", { status, who, when: formatLocalTime(row.answered_at, zone.tz, zone.label) });
}

function modeOf(kind: ChecklistMode["kind"]): ListMode {
  return kind === "own" ? "v" : kind === "offer" ? "o" : "s";
}

/** The header of a checklist message, by why it was sent. */
export type ChecklistIntro = "list" | "remind" | "offer";

/**
 * A page of a checklist: households grouped (priority first, then by RT/RW), each with its
 * status; numbered buttons open one household; paging; "refresh". Undefined when there is
 * nothing to show.
 */
export async function renderChecklist(
  db: Db,
  t: TFunction,
  opts: { event: CekamanEvent; mode: ChecklistMode; page: number; intro: ChecklistIntro },
): Promise<(Rendered & { total: number; pending: number }) | undefined> {
  const { event, mode } = opts;
  const { rows, total, pending, page, pages } = await checklistPage(db, event.id, mode, { page: opts.page, size: CHECKLIST_PAGE });
  if (total === 0) return undefined;
  const m = modeOf(mode.kind);
  const lines: string[] = [];
  if (opts.intro === "remind") lines.push(t("cekaman.remind_intro", { minutes: event.remind_minutes, pending }));
  if (opts.intro === "offer" || mode.kind === "offer") {
    const village = mode.kind === "offer" ? ((await regionLabel(db, mode.village, { full: false }))?.split(" — ")[0] ?? mode.village) : "";
    lines.push(t("cekaman.offer_intro", { village, minutes: event.remind_minutes * 2 }));
  }
  lines.push(t("cekaman.checklist_title", { id: event.id, description: event.description }));
  if (event.status === "closed") lines.push(t("cekaman.event_closed_note"));
  const countsKey = mode.kind === "staff" ? "cekaman.checklist_staff_counts" : mode.kind === "offer" ? "cekaman.checklist_offer_counts" : "cekaman.checklist_counts";
  lines.push(t(countsKey, { total, pending }), "");
  let section: boolean | undefined;
  let group: string | undefined;
  rows.forEach((r, i) => {
    if (section !== r.priority) {
      section = r.priority;
      group = undefined;
      lines.push(r.priority ? t("cekaman.section_priority") : t("cekaman.section_other"));
    }
    const rtrw = rtRwLabel(t, r.rt, r.rw);
    const g = mode.kind === "staff" ? `${escapeHtml(villageOf(r))} · ${rtrw}` : rtrw;
    if (g !== group) {
      group = g;
      lines.push(`<b>${g}</b>`);
    }
    const tags = r.groups.length > 0 ? ` · ${groupsText(t, r.groups)}` : "";
    lines.push(
      t("cekaman.checklist_item", {
        n: page * CHECKLIST_PAGE + i + 1,
        emoji: STATUS_EMOJI[r.status],
        code: formatRefCode(r.ref_code),
        name: truncate(r.head_name, 40),
      }) + tags,
    );
  });
  lines.push("", t("cekaman.checklist_hint"), t("cekaman.page", { page: page + 1, pages }));
  const kb = new InlineKeyboard();
  rows.forEach((r, i) => {
    kb.text(`${page * CHECKLIST_PAGE + i + 1} ${STATUS_EMOJI[r.status]}`, encodeCa({ a: "open", ehId: r.id, mode: m, page }));
    if (i % 4 === 3) kb.row();
  });
  kb.row();
  if (page > 0) kb.text(t("common.prev_page"), encodeCa({ a: "list", eventId: event.id, mode: m, page: page - 1 }));
  if (page < pages - 1) kb.text(t("common.next_page"), encodeCa({ a: "list", eventId: event.id, mode: m, page: page + 1 }));
  kb.row().text(t("cekaman.btn_refresh"), encodeCa({ a: "list", eventId: event.id, mode: m, page }));
  return { text: lines.join("\n"), reply_markup: kb, total, pending };
}

/** One household of a checklist with the four answers (or a note when the event is closed). */
export function renderHousehold(
  t: TFunction,
  opts: { event: CekamanEvent; row: ListedHousehold; mode: ListMode; page: number; zone: Zone },
): Rendered {
  const { event, row, mode, page, zone } = opts;
  const lines = [
    t("cekaman.checklist_title", { id: event.id, description: event.description }),
    "",
    t("cekaman.household_title", { code: formatRefCode(row.ref_code), name: row.head_name }),
    t("cekaman.household_where", { village: villageOf(row), rtrw: rtRwLabel(t, row.rt, row.rw), address: row.address ?? "–" }),
  ];
  if (row.priority) lines.push(t("cekaman.household_priority", { groups: groupsText(t, row.groups) }));
  if (row.volunteer_name && mode !== "v") lines.push(t("cekaman.household_volunteer", { name: row.volunteer_name }));
  lines.push(t("cekaman.household_status", { status: answerLine(t, row, zone) }));
  if (row.status === "butuh_bantuan" && row.needs.length > 0) lines.push(t("cekaman.household_needs", { needs: row.needs.map((n) => t(`cekaman.need_${n}`)).join(", ") }));
  const kb = new InlineKeyboard();
  if (event.status === "running") {
    lines.push("", t("cekaman.household_ask"));
    const a = (answer: Exclude<CekamanStatus, "pending">) => encodeCa({ a: "answer", ehId: row.id, answer, mode, page });
    kb.text(t("cekaman.btn_aman"), a("aman")).text(t("cekaman.btn_help"), a("butuh_bantuan")).row();
    kb.text(t("cekaman.btn_evac"), a("mengungsi")).text(t("cekaman.btn_unreachable"), a("tidak_terhubung")).row();
  } else {
    lines.push("", t("cekaman.event_closed_note"));
  }
  kb.text(t("cekaman.btn_back_list"), encodeCa({ a: "list", eventId: event.id, mode, page }));
  return { text: lines.join("\n"), reply_markup: kb };
}

/** The family's message: for each household the chat may answer for, its state and three buttons. */
export async function renderFamily(db: Db, t: TFunction, opts: { event: CekamanEvent; chatId: number; zone: Zone }): Promise<Rendered | undefined> {
  const rows = await familyHouseholds(db, opts.event.id, opts.chatId);
  if (rows.length === 0) return undefined;
  const lines = [t("cekaman.family_title", { description: opts.event.description }), "", t("cekaman.family_intro")];
  const kb = new InlineKeyboard();
  for (const r of rows) {
    const code = formatRefCode(r.ref_code);
    lines.push("", t("cekaman.family_household", { code }));
    if (r.status !== "pending" && r.answered_at) {
      lines.push(t("cekaman.family_answered", { status: `${STATUS_EMOJI[r.status]} ${t(`cekaman.status_${r.status}`)}`, when: formatLocalTime(r.answered_at, opts.zone.tz, opts.zone.label) }));
    }
    if (opts.event.status !== "running") continue;
    const suffix = rows.length > 1 ? ` (${code})` : "";
    kb.text(t("cekaman.btn_family_aman") + suffix, encodeCa({ a: "family", ehId: r.id, answer: "aman" })).row();
    kb.text(t("cekaman.btn_help") + suffix, encodeCa({ a: "family", ehId: r.id, answer: "butuh_bantuan" }));
    kb.text(t("cekaman.btn_evac") + suffix, encodeCa({ a: "family", ehId: r.id, answer: "mengungsi" })).row();
  }
  if (opts.event.status !== "running") lines.push("", t("cekaman.event_closed_note"));
  lines.push("", t("cekaman.family_footer"));
  const hasButtons = kb.inline_keyboard.some((r) => r.length > 0);
  return { text: lines.join("\n"), ...(hasButtons ? { reply_markup: kb } : {}) };
}

/** A help request as the area's coordinators see it (name masked, address shown: they must act). */
export function renderHelp(t: TFunction, locale: string, v: HelpView, zone: Zone): Rendered {
  const lines = [
    t("cekaman.help_title", { id: v.id, event: v.event_id, description: v.description }),
    t("cekaman.help_household", {
      code: formatRefCode(v.ref_code),
      name: maskName(v.head_name),
      village: villageOf({ village_code: v.area_code, village_name: v.village_name }),
      rtrw: rtRwLabel(t, v.rt, v.rw),
    }),
    t("cekaman.help_address", { address: v.address ?? "–" }),
    t("cekaman.help_needs", { needs: v.needs.length > 0 ? v.needs.map((n) => t(`cekaman.need_${n}`)).join(", ") : "–" }),
  ];
  if (v.note) lines.push(t("cekaman.help_note", { note: truncate(v.note, 300) }));
  const who = v.answered_via === "family" ? t("cekaman.by_family") : t(`cekaman.by_${v.answered_via ?? "volunteer"}`, { name: v.answered_by_name ?? "–" });
  lines.push(t("cekaman.help_reported", { who, when: v.answered_at ? whenLabel(locale, v.answered_at, zone) : "–" }));
  if (v.volunteer_name && v.answered_via !== "volunteer") lines.push(t("cekaman.household_volunteer", { name: v.volunteer_name }));
  const extras = [v.photo_file_id ? t("cekaman.help_has_photo") : null, v.latitude !== null ? t("cekaman.help_has_location") : null].filter(Boolean);
  if (extras.length > 0) lines.push(extras.join(" · "));
  lines.push("");
  if (v.status === "open") lines.push(t("cekaman.help_status_open"));
  else if (v.status === "acknowledged") lines.push(t("cekaman.help_status_ack", { name: v.acknowledged_by_name ?? "–", when: v.acknowledged_at ? whenLabel(locale, v.acknowledged_at, zone) : "–" }));
  else lines.push(t("cekaman.help_status_resolved", { name: v.resolved_by_name ?? "–", when: v.resolved_at ? whenLabel(locale, v.resolved_at, zone) : "–" }));
  const kb = new InlineKeyboard();
  if (v.status === "open") kb.text(t("cekaman.btn_help_ack"), encodeCa({ a: "helpAck", helpId: v.id }));
  if (v.status !== "resolved") kb.text(t("cekaman.btn_help_resolve"), encodeCa({ a: "helpResolve", helpId: v.id }));
  kb.row();
  if (v.photo_file_id) kb.text(t("cekaman.btn_help_photo"), encodeCa({ a: "helpPhoto", helpId: v.id }));
  if (v.latitude !== null) kb.text(t("cekaman.btn_help_map"), encodeCa({ a: "helpMap", helpId: v.id }));
  const hasButtons = kb.inline_keyboard.some((r) => r.length > 0);
  return { text: lines.join("\n"), ...(hasButtons ? { reply_markup: kb } : {}) };
}

function tallyHousehold(r: ListedHousehold): TallyHousehold {
  return {
    refCode: r.ref_code,
    headName: r.head_name,
    village: villageOf(r),
    rt: r.rt,
    rw: r.rw,
    needs: r.needs,
    volunteer: r.volunteer_name,
    offered: r.offered_at !== null,
  };
}

/** The coordinators' tally (counts straight from the database) with its buttons. */
export async function renderTally(db: Db, t: TFunction, locale: string, event: CekamanEvent, now: Date, opts: { manage: boolean }): Promise<Rendered> {
  const zone = await eventZone(db, event);
  const villages = await villageCounts(db, event.id);
  const totals = await eventCounts(db, event.id);
  const needHelp = await tallyList(db, event.id, "butuh_bantuan", 20);
  const noAnswer = await tallyList(db, event.id, "pending", 25);
  const priority = await db
    .selectFrom("cekaman_households")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("event_id", "=", event.id)
    .where("priority", "=", true)
    .executeTakeFirstOrThrow();
  const text = tallyText(t, {
    id: event.id,
    description: event.description,
    regions: await regionsLabel(db, event.regions),
    started: whenLabel(locale, event.started_at, zone),
    status: event.status,
    closed: event.closed_at ? whenLabel(locale, event.closed_at, zone) : null,
    total: event.total,
    priority: Number(priority.n),
    villages: villages.map((v) => ({ label: v.label, counts: v.counts })),
    totals,
    needHelp: needHelp.rows.map(tallyHousehold),
    needHelpTotal: needHelp.total,
    noAnswer: noAnswer.rows.map(tallyHousehold),
    noAnswerTotal: noAnswer.total,
    updated: formatLocalTime(now, zone.tz, zone.label),
  });
  const kb = new InlineKeyboard();
  if (event.status === "running") {
    kb.text(t("cekaman.btn_refresh"), encodeCa({ a: "tally", eventId: event.id }));
    if (totals.pending > 0) kb.text(t("cekaman.btn_staff_list"), encodeCa({ a: "list", eventId: event.id, mode: "s", page: 0 }));
    if (opts.manage) kb.row().text(t("cekaman.btn_close"), encodeCa({ a: "close", eventId: event.id }));
  } else if (opts.manage) {
    kb.text(t("cekaman.btn_report"), encodeCa({ a: "report", eventId: event.id }));
  }
  const hasButtons = kb.inline_keyboard.some((r) => r.length > 0);
  return { text, ...(hasButtons ? { reply_markup: kb } : {}) };
}

/** The mode of a checklist for a user, from the callback's mode letter (null: not theirs to ask). */
export function checklistModeFor(user: User, mode: ListMode, area: string | null | undefined): ChecklistMode | null {
  if (mode === "v") return { kind: "own", userId: user.id };
  if (mode === "o") return user.role === "volunteer" && user.area_code ? { kind: "offer", userId: user.id, village: user.area_code } : null;
  return area === undefined ? null : { kind: "staff", area };
}
