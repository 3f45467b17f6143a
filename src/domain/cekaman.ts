/**
 * Disaster check-in ("Cek Aman"): the fixed vocabularies and the pure rules — who is a
 * priority household, how answers are ordered and shown, what the coordinators' tally says.
 * Codes are stored in the database and used as i18n keys (`cekaman.status_<code>`,
 * `cekaman.need_<code>`, `cekaman.group_<code>`): never rename one.
 *
 * @module
 */
import type { TFunction } from "i18next";
import { formatRefCode } from "./refcode.js";
import { maskName } from "./visit.js";
import { escapeHtml } from "../i18n.js";

/** A household's state in a check-in: no answer yet, or the latest answer. */
export const CEKAMAN_STATUSES = ["pending", "aman", "butuh_bantuan", "mengungsi", "tidak_terhubung"] as const;
export type CekamanStatus = (typeof CEKAMAN_STATUSES)[number];
export type CekamanAnswer = Exclude<CekamanStatus, "pending">;

/** What a volunteer (or staff) can answer; a family cannot say it is unreachable. */
export const VOLUNTEER_ANSWERS: readonly CekamanAnswer[] = ["aman", "butuh_bantuan", "mengungsi", "tidak_terhubung"];
export const FAMILY_ANSWERS: readonly CekamanAnswer[] = ["aman", "butuh_bantuan", "mengungsi"];

/** What a household that needs help needs. */
export const HELP_NEEDS = ["evakuasi", "pangan", "kesehatan", "tempat_tinggal", "lainnya"] as const;
export type HelpNeed = (typeof HELP_NEEDS)[number];

/** Priority groups: three from the household's PPKS categories, one set by hand on the card. */
export const PRIORITY_GROUPS = ["lansia", "disabilitas", "balita", "bencana"] as const;
export type PriorityGroup = (typeof PRIORITY_GROUPS)[number];

/** The PPKS categories behind each automatic priority group. */
export const PPKS_PRIORITY: Readonly<Record<Exclude<PriorityGroup, "bencana">, readonly string[]>> = {
  lansia: ["lanjut_usia_terlantar"],
  disabilitas: ["penyandang_disabilitas", "anak_dengan_kedisabilitasan"],
  balita: ["anak_balita_terlantar"],
};

/** Every PPKS code that makes a household a priority. */
export const PRIORITY_PPKS: readonly string[] = Object.values(PPKS_PRIORITY).flat();

/** The priority groups of a household (in {@link PRIORITY_GROUPS} order). */
export function priorityGroupsOf(ppks: readonly string[], flagged: boolean): PriorityGroup[] {
  const groups: PriorityGroup[] = [];
  for (const [group, codes] of Object.entries(PPKS_PRIORITY) as [PriorityGroup, readonly string[]][]) {
    if (codes.some((c) => ppks.includes(c))) groups.push(group);
  }
  if (flagged) groups.push("bencana");
  return groups;
}

export const STATUS_EMOJI: Readonly<Record<CekamanStatus, string>> = {
  pending: "⏳",
  aman: "✅",
  butuh_bantuan: "🆘",
  mengungsi: "🏠",
  tidak_terhubung: "❓",
};

export function isAnswer(value: unknown): value is CekamanAnswer {
  return typeof value === "string" && (VOLUNTEER_ANSWERS as readonly string[]).includes(value);
}

export function isHelpNeed(value: unknown): value is HelpNeed {
  return typeof value === "string" && (HELP_NEEDS as readonly string[]).includes(value);
}

/** Limits of what is typed in the flows. */
export const MAX_DESCRIPTION = 120;
export const MIN_DESCRIPTION = 3;
export const MAX_NOTE = 300;
export const MAX_SHELTER = 200;
/** Regions an event may cover (each a district or a village). */
export const MAX_REGIONS = 10;
/** The coordinators' tally is edited at most this often. */
export const TALLY_EVERY_MS = 10_000;
/** Households per page of a checklist. */
export const CHECKLIST_PAGE = 8;

/** "RT 003/RW 005" (HTML-escaped), or a dash when neither is known. */
export function rtRwLabel(t: TFunction, rt: string | null, rw: string | null): string {
  if (!rt && !rw) return t("cekaman.rtrw_unknown");
  return t("cekaman.rtrw", { rt: rt ?? "–", rw: rw ?? "–" });
}

// === The tally

export type Counts = Record<CekamanStatus, number>;

export function emptyCounts(): Counts {
  return { pending: 0, aman: 0, butuh_bantuan: 0, mengungsi: 0, tidak_terhubung: 0 };
}

export interface TallyHousehold {
  refCode: string;
  headName: string;
  village: string;
  rt: string | null;
  rw: string | null;
  needs: string[];
  volunteer: string | null;
  offered: boolean;
}

export interface TallyData {
  id: number;
  description: string;
  regions: string;
  started: string;
  status: "running" | "closed";
  closed: string | null;
  total: number;
  priority: number;
  villages: { label: string; counts: Counts }[];
  totals: Counts;
  needHelp: TallyHousehold[];
  needHelpTotal: number;
  noAnswer: TallyHousehold[];
  noAnswerTotal: number;
  updated: string;
}

/** Telegram's limit for a message text. */
const MESSAGE_LIMIT = 4096;
/** Room for the per-village lines of the tally (the lists get the rest). */
const VILLAGE_BLOCK = 1800;

function countsLine(t: TFunction, c: Counts): string {
  return t("cekaman.tally_counts", {
    aman: c.aman,
    help: c.butuh_bantuan,
    evac: c.mengungsi,
    unreachable: c.tidak_terhubung,
    pending: c.pending,
  });
}

function householdLine(t: TFunction, h: TallyHousehold, withNeeds: boolean): string {
  const base = t("cekaman.tally_household", {
    code: formatRefCode(h.refCode),
    name: maskName(h.headName),
    village: h.village,
    // Already escaped by t(): interpolated unescaped ({{- rtrw}}).
    rtrw: rtRwLabel(t, h.rt, h.rw),
  });
  if (withNeeds) {
    const needs = h.needs.length > 0 ? h.needs.map((n) => t(`cekaman.need_${n}`)).join(", ") : "–";
    return `${base} — ${needs}`;
  }
  const who = h.volunteer ? t("cekaman.tally_volunteer", { name: h.volunteer }) : t("cekaman.tally_no_volunteer");
  return `${base} — ${who}${h.offered ? ` ${t("cekaman.tally_offered")}` : ""}`;
}

/**
 * The coordinators' tally: counts per village and in total, then the households that need
 * help and those without an answer (as many as fit under Telegram's limit, then "… and N
 * more"). Names are masked; codes are shown so a coordinator can look a family up.
 */
export function tallyText(t: TFunction, d: TallyData): string {
  const head = [
    t(d.status === "running" ? "cekaman.tally_title" : "cekaman.tally_title_closed", { id: d.id, description: d.description }),
    t("cekaman.tally_meta", { regions: d.regions, started: d.started, total: d.total, priority: d.priority }),
  ];
  if (d.status === "closed" && d.closed) head.push(t("cekaman.tally_closed_at", { when: d.closed }));
  head.push("", t("cekaman.tally_legend"));
  const villageLine = (v: { label: string; counts: Counts }) => `${escapeHtml(v.label)}: ${countsLine(t, v.counts)}`;
  const all = d.villages.map(villageLine);
  if (all.join("\n").length <= VILLAGE_BLOCK) head.push(...all);
  else {
    // Too many villages for one message: those that need attention most, then "… and N more".
    const urgent = [...d.villages].sort((a, b) => b.counts.butuh_bantuan - a.counts.butuh_bantuan || b.counts.pending - a.counts.pending || a.label.localeCompare(b.label));
    let used = 0;
    let shown = 0;
    for (const v of urgent) {
      const l = villageLine(v);
      if (used + l.length + 1 > VILLAGE_BLOCK) break;
      head.push(l);
      used += l.length + 1;
      shown++;
    }
    head.push(t("cekaman.tally_more_villages", { n: d.villages.length - shown }));
  }
  head.push(`<b>${t("cekaman.tally_total")}</b>: ${countsLine(t, d.totals)}`);
  const footer = ["", t("cekaman.tally_updated", { when: d.updated })];

  const sections: { title: string; lines: string[]; total: number }[] = [];
  if (d.needHelpTotal > 0) {
    sections.push({ title: t("cekaman.tally_need_help", { n: d.needHelpTotal }), lines: d.needHelp.map((h) => `• ${householdLine(t, h, true)}`), total: d.needHelpTotal });
  }
  if (d.noAnswerTotal > 0) {
    sections.push({ title: t("cekaman.tally_no_answer", { n: d.noAnswerTotal }), lines: d.noAnswer.map((h) => `• ${householdLine(t, h, false)}`), total: d.noAnswerTotal });
  }
  let text = head.join("\n");
  const footerText = footer.join("\n");
  for (const s of sections) {
    let block = `\n\n${s.title}`;
    let shown = 0;
    for (const line of s.lines) {
      const more = t("cekaman.tally_more", { n: s.total - shown - 1 });
      // Leave room for the footer, this section's "… and N more" and the next section's title.
      if ((text + block + "\n" + line + "\n" + more + footerText).length > MESSAGE_LIMIT - 300) break;
      block += `\n${line}`;
      shown++;
    }
    if (shown < s.total) block += `\n${t("cekaman.tally_more", { n: s.total - shown })}`;
    text += block;
  }
  return `${text}\n${footerText}`.slice(0, MESSAGE_LIMIT);
}
