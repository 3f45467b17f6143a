import { isEvidenceItem, type EvidenceItem } from "../../domain/dtsen.js";

/**
 * Callback data of the DTSEN feature: prefix "pu:" (≤ 64 bytes). One encoder and one decoder;
 * the handler re-checks role, area and ownership on every tap (data can be forged).
 */
export type DtsenAction =
  | { a: "house"; householdId: number }
  | { a: "open"; proposalId: number }
  | { a: "item"; proposalId: number; item: EvidenceItem }
  | { a: "submit"; proposalId: number }
  | { a: "cancel"; proposalId: number }
  | { a: "cancelYes"; proposalId: number }
  | { a: "evidence"; proposalId: number }
  | { a: "kk"; proposalId: number }
  | { a: "verify"; proposalId: number }
  | { a: "return"; proposalId: number }
  | { a: "accept"; proposalId: number }
  | { a: "reject"; proposalId: number }
  | { a: "history"; proposalId: number }
  | { a: "queue"; page: number }
  | { a: "progress"; page: number }
  | { a: "mine"; page: number }
  | { a: "packages" }
  | { a: "awaiting" }
  | { a: "village"; villageCode: string }
  | { a: "fullWarn"; packageId: number }
  | { a: "download"; packageId: number; full: boolean }
  | { a: "handover"; packageId: number }
  | { a: "handoverYes"; packageId: number }
  | { a: "outcomes"; packageId: number };

export const DTSEN_PREFIX = "pu:";

const ITEM_CODES: Record<EvidenceItem, string> = {
  consent: "c",
  kk: "k",
  house_front: "f",
  house_inside: "i",
  location: "l",
  letter: "s",
};

const BY_PROPOSAL = {
  open: "o",
  submit: "s",
  cancel: "x",
  cancelYes: "xy",
  evidence: "ev",
  kk: "kk",
  verify: "v",
  return: "r",
  accept: "a",
  reject: "j",
  history: "hi",
} as const;

const BY_PACKAGE = {
  fullWarn: "pf",
  handover: "ph",
  handoverYes: "py",
  outcomes: "po",
} as const;

const PAGED = { queue: "q", progress: "d", mine: "m" } as const;

const VILLAGE_CODE = /^\d{2}\.\d{2}\.\d{2}\.\d{4}$/;

export function encodeDtsen(action: DtsenAction): string {
  switch (action.a) {
    case "house":
      return `pu:h:${action.householdId}`;
    case "item":
      return `pu:e:${action.proposalId}:${ITEM_CODES[action.item]}`;
    case "packages":
      return "pu:pk";
    case "awaiting":
      return "pu:wo";
    case "village":
      return `pu:pv:${action.villageCode}`;
    case "download":
      return `pu:pd:${action.packageId}:${action.full ? "f" : "m"}`;
    case "queue":
    case "progress":
    case "mine":
      return `pu:${PAGED[action.a]}:${action.page}`;
    case "fullWarn":
    case "handover":
    case "handoverYes":
    case "outcomes":
      return `pu:${BY_PACKAGE[action.a]}:${action.packageId}`;
    default:
      return `pu:${BY_PROPOSAL[action.a]}:${action.proposalId}`;
  }
}

const id = (s: string | undefined): number | null => (s !== undefined && /^\d{1,9}$/.test(s) ? Number(s) : null);

/** The action behind callback data, or null for anything malformed. */
export function decodeDtsen(data: string): DtsenAction | null {
  if (!data.startsWith(DTSEN_PREFIX) || data.length > 64) return null;
  const [verb, arg, extra, ...rest] = data.slice(DTSEN_PREFIX.length).split(":");
  if (rest.length > 0 || verb === undefined) return null;
  if (verb === "pk" && arg === undefined) return { a: "packages" };
  if (verb === "wo" && arg === undefined) return { a: "awaiting" };
  if (verb === "pv") return arg !== undefined && extra === undefined && VILLAGE_CODE.test(arg) ? { a: "village", villageCode: arg } : null;
  const n = id(arg);
  if (n === null) return null;
  if (verb === "e") {
    const item = Object.entries(ITEM_CODES).find(([, code]) => code === extra)?.[0];
    return isEvidenceItem(item) ? { a: "item", proposalId: n, item } : null;
  }
  if (verb === "pd") return extra === "f" || extra === "m" ? { a: "download", packageId: n, full: extra === "f" } : null;
  if (extra !== undefined) return null;
  if (verb === "h") return { a: "house", householdId: n };
  for (const [a, code] of Object.entries(PAGED)) if (code === verb) return { a: a as keyof typeof PAGED, page: n };
  for (const [a, code] of Object.entries(BY_PACKAGE)) if (code === verb) return { a: a as keyof typeof BY_PACKAGE, packageId: n };
  for (const [a, code] of Object.entries(BY_PROPOSAL)) if (code === verb) return { a: a as keyof typeof BY_PROPOSAL, proposalId: n };
  return null;
}
