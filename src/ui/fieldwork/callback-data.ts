import { compactMonth, expandMonth, type Month } from "../../domain/fieldwork/targets.js";

/**
 * Callback data of the field-work buttons ("fw:" prefix), the one encoder and decoder. Data
 * can be forged: the handler re-checks role, area and ownership on every tap, whatever it
 * decodes to. Every encoding stays under Telegram's 64 bytes.
 */
export const FW_PREFIX = "fw:";

/** Whose report: "s" the requester's own, "a" the requester's area, or one volunteer. */
export type ReportSubject = { kind: "self" } | { kind: "area" } | { kind: "volunteer"; id: number };

export type FwAction =
  /** The day plan (overview). */
  | { k: "plan" }
  /** One village/RW/RT group of the plan. */
  | { k: "group"; village: string; rw: string | null; rt: string | null }
  /** "Tunda ke besok" for a household. */
  | { k: "postpone"; householdId: number }
  /** The answer to the location follow-up of a visit: update the house's point, or not. */
  | { k: "location"; visitId: number; update: boolean }
  /** The targets overview of a month. */
  | { k: "targets"; month: Month }
  /** Set a target for a month (starts the flow). */
  | { k: "setTarget"; month: Month }
  /** Report: who (page of the volunteer list). */
  | { k: "reportWho"; page: number }
  /** Report: which month, for a subject. */
  | { k: "reportMonth"; subject: ReportSubject }
  /** Report: make it. */
  | { k: "report"; subject: ReportSubject; month: Month };

function subjectCode(s: ReportSubject): string {
  return s.kind === "self" ? "s" : s.kind === "area" ? "a" : `v${s.id}`;
}

function parseSubject(code: string): ReportSubject | null {
  if (code === "s") return { kind: "self" };
  if (code === "a") return { kind: "area" };
  const m = /^v(\d{1,9})$/.exec(code);
  return m ? { kind: "volunteer", id: Number(m[1]) } : null;
}

const dash = (v: string | null) => v ?? "-";
const undash = (v: string) => (v === "-" ? null : v);

export function encodeFw(a: FwAction): string {
  switch (a.k) {
    case "plan":
      return "fw:p";
    case "group":
      return `fw:g:${a.village}:${dash(a.rw)}:${dash(a.rt)}`;
    case "postpone":
      return `fw:t:${a.householdId}`;
    case "location":
      return `fw:loc:${a.visitId}:${a.update ? "u" : "n"}`;
    case "targets":
      return `fw:tg:${compactMonth(a.month)}`;
    case "setTarget":
      return `fw:ts:${compactMonth(a.month)}`;
    case "reportWho":
      return `fw:lw:${a.page}`;
    case "reportMonth":
      return `fw:lm:${subjectCode(a.subject)}`;
    case "report":
      return `fw:l:${subjectCode(a.subject)}:${compactMonth(a.month)}`;
  }
}

/** Decodes fw: data; null for anything malformed (a forged or outdated button). */
export function decodeFw(data: string): FwAction | null {
  if (!data.startsWith(FW_PREFIX) || data.length > 64) return null;
  const parts = data.slice(FW_PREFIX.length).split(":");
  const [kind, a, b, c] = parts;
  switch (kind) {
    case "p":
      return parts.length === 1 ? { k: "plan" } : null;
    case "g":
      if (parts.length !== 4 || !/^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$/.test(a!) || !/^(\d{1,3}|-)$/.test(b!) || !/^(\d{1,3}|-)$/.test(c!)) return null;
      return { k: "group", village: a!, rw: undash(b!), rt: undash(c!) };
    case "t":
      return parts.length === 2 && /^\d{1,9}$/.test(a!) ? { k: "postpone", householdId: Number(a) } : null;
    case "loc":
      return parts.length === 3 && /^\d{1,9}$/.test(a!) && (b === "u" || b === "n") ? { k: "location", visitId: Number(a), update: b === "u" } : null;
    case "tg":
    case "ts": {
      const month = parts.length === 2 ? expandMonth(a!) : null;
      if (!month) return null;
      return kind === "tg" ? { k: "targets", month } : { k: "setTarget", month };
    }
    case "lw":
      return parts.length === 2 && /^\d{1,4}$/.test(a!) ? { k: "reportWho", page: Number(a) } : null;
    case "lm": {
      const subject = parts.length === 2 ? parseSubject(a!) : null;
      return subject ? { k: "reportMonth", subject } : null;
    }
    case "l": {
      const subject = parts.length === 3 ? parseSubject(a!) : null;
      const month = parts.length === 3 ? expandMonth(b!) : null;
      return subject && month ? { k: "report", subject, month } : null;
    }
    default:
      return null;
  }
}
