/**
 * The callback data of Cek Aman buttons ("ca:…", at most 40 bytes): one encoder, one decoder.
 * Data can be forged, so decoding only says what was asked for; every handler checks again
 * who may do it.
 *
 * @module
 */
import type { CekamanAnswer } from "../../domain/cekaman.js";

/** Whose checklist: the volunteer's own households, those offered to their village, or staff's unanswered ones. */
export type ListMode = "v" | "o" | "s";

export type CaAction =
  | { a: "new" }
  | { a: "menu" }
  | { a: "list"; eventId: number; mode: ListMode; page: number }
  | { a: "open"; ehId: number; mode: ListMode; page: number }
  | { a: "answer"; ehId: number; answer: CekamanAnswer; mode: ListMode; page: number }
  | { a: "family"; ehId: number; answer: Exclude<CekamanAnswer, "tidak_terhubung"> }
  | { a: "helpAck"; helpId: number }
  | { a: "helpResolve"; helpId: number }
  | { a: "helpPhoto"; helpId: number }
  | { a: "helpMap"; helpId: number }
  | { a: "tally"; eventId: number }
  | { a: "close"; eventId: number }
  | { a: "closeYes"; eventId: number }
  | { a: "report"; eventId: number }
  | { a: "priority"; householdId: number };

const ANSWER_CODE: Record<CekamanAnswer, string> = { aman: "s", butuh_bantuan: "n", mengungsi: "e", tidak_terhubung: "u" };
const CODE_ANSWER: Record<string, CekamanAnswer> = { s: "aman", n: "butuh_bantuan", e: "mengungsi", u: "tidak_terhubung" };

export const CA_PREFIX = "ca:";

export function encodeCa(x: CaAction): string {
  switch (x.a) {
    case "new":
      return "ca:new";
    case "menu":
      return "ca:m";
    case "list":
      return `ca:l:${x.eventId}:${x.mode}:${x.page}`;
    case "open":
      return `ca:h:${x.ehId}:${x.mode}:${x.page}`;
    case "answer":
      return `ca:a:${x.ehId}:${ANSWER_CODE[x.answer]}:${x.mode}:${x.page}`;
    case "family":
      return `ca:f:${x.ehId}:${ANSWER_CODE[x.answer]}`;
    case "helpAck":
      return `ca:hk:${x.helpId}`;
    case "helpResolve":
      return `ca:hr:${x.helpId}`;
    case "helpPhoto":
      return `ca:hp:${x.helpId}`;
    case "helpMap":
      return `ca:hl:${x.helpId}`;
    case "tally":
      return `ca:t:${x.eventId}`;
    case "close":
      return `ca:x:${x.eventId}`;
    case "closeYes":
      return `ca:xy:${x.eventId}`;
    case "report":
      return `ca:r:${x.eventId}`;
    case "priority":
      return `ca:p:${x.householdId}`;
  }
}

const ID = "(\\d{1,12})";
const PAGE = "(\\d{1,4})";
const MODE = "([vos])";

const PATTERNS: [RegExp, (m: RegExpExecArray) => CaAction | undefined][] = [
  [/^ca:new$/, () => ({ a: "new" })],
  [/^ca:m$/, () => ({ a: "menu" })],
  [new RegExp(`^ca:l:${ID}:${MODE}:${PAGE}$`), (m) => ({ a: "list", eventId: Number(m[1]), mode: m[2] as ListMode, page: Number(m[3]) })],
  [new RegExp(`^ca:h:${ID}:${MODE}:${PAGE}$`), (m) => ({ a: "open", ehId: Number(m[1]), mode: m[2] as ListMode, page: Number(m[3]) })],
  [
    new RegExp(`^ca:a:${ID}:([sneu]):${MODE}:${PAGE}$`),
    (m) => ({ a: "answer", ehId: Number(m[1]), answer: CODE_ANSWER[m[2]!]!, mode: m[3] as ListMode, page: Number(m[4]) }),
  ],
  [
    new RegExp(`^ca:f:${ID}:([sne])$`),
    (m) => ({ a: "family", ehId: Number(m[1]), answer: CODE_ANSWER[m[2]!] as Exclude<CekamanAnswer, "tidak_terhubung"> }),
  ],
  [new RegExp(`^ca:hk:${ID}$`), (m) => ({ a: "helpAck", helpId: Number(m[1]) })],
  [new RegExp(`^ca:hr:${ID}$`), (m) => ({ a: "helpResolve", helpId: Number(m[1]) })],
  [new RegExp(`^ca:hp:${ID}$`), (m) => ({ a: "helpPhoto", helpId: Number(m[1]) })],
  [new RegExp(`^ca:hl:${ID}$`), (m) => ({ a: "helpMap", helpId: Number(m[1]) })],
  [new RegExp(`^ca:t:${ID}$`), (m) => ({ a: "tally", eventId: Number(m[1]) })],
  [new RegExp(`^ca:x:${ID}$`), (m) => ({ a: "close", eventId: Number(m[1]) })],
  [new RegExp(`^ca:xy:${ID}$`), (m) => ({ a: "closeYes", eventId: Number(m[1]) })],
  [new RegExp(`^ca:r:${ID}$`), (m) => ({ a: "report", eventId: Number(m[1]) })],
  [new RegExp(`^ca:p:${ID}$`), (m) => ({ a: "priority", householdId: Number(m[1]) })],
];

/** The action of a "ca:" button, or undefined for anything malformed. */
export function decodeCa(data: string | undefined): CaAction | undefined {
  if (!data?.startsWith(CA_PREFIX)) return undefined;
  for (const [re, build] of PATTERNS) {
    const m = re.exec(data);
    if (m) {
      const action = build(m);
      if (action && Object.values(action).every((v) => typeof v !== "number" || Number.isSafeInteger(v))) return action;
      return undefined;
    }
  }
  return undefined;
}

/** Regular expressions for grammY's callbackQuery() filters, by kind of actor. */
export const CA_TRIGGERS = {
  /** Coordinators and admins: menu, new event, tally, close, report. */
  staff: /^ca:(new|m|t:\d+|x:\d+|xy:\d+|r:\d+)$/,
  /** Field work: checklists and answers (volunteers, and staff answering). */
  field: /^ca:(l|h|a):/,
  /** Families (anyone with a proven subscription). */
  family: /^ca:f:/,
  /** Help requests (staff of the household's area). */
  help: /^ca:h[krpl]:/,
  /** The household card's "prioritas bencana" flag. */
  priority: /^ca:p:/,
} as const;
