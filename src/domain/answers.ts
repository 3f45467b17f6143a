/**
 * Typed answers: what volunteers type where the bot offers buttons or expects a number or a
 * date, read the way a person means it.
 *
 * - numbers as words up to twenty, in Indonesian or English ("empat", "dua belas", "twelve"),
 *   with or without a unit ("4 orang", "lima jiwa");
 * - relative days ("hari ini", "kemarin", "besok", "lusa", "minggu depan", "3 hari lalu");
 * - short dates with a two-digit year ("5-8-68"), read as the most recent such year for past
 *   dates (birth dates, visits) and as 20xx for dates to come;
 * - a button's option typed by its name ("fakir miskin", "darurat"), forgiving case,
 *   punctuation, emoji and a missing or extra word.
 *
 * All functions are pure: "today" is passed in as an ISO date by the caller (the local date
 * of the household's or the volunteer's zone).
 *
 * @module
 */
import { toAsciiDigits } from "./digits.js";
import { isValidDate, parseIndonesianDate, parseIsoDate, toIsoDate, type DateParts } from "./dates.js";

/** Lower case, NFKC, ASCII digits, no emoji or punctuation, single spaces. */
export function normalizeAnswer(text: string): string {
  return toAsciiDigits(text)
    .normalize("NFKC")
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

const UNITS_ID = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];
const UNITS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const TEENS_EN = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];

/** Every number word up to twenty, normalised, with its value. */
const NUMBER_WORDS: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  UNITS_ID.forEach((w, i) => m.set(w, i));
  UNITS_EN.forEach((w, i) => m.set(w, i));
  TEENS_EN.forEach((w, i) => m.set(w, 10 + i));
  m.set("se", 1);
  m.set("sepuluh", 10);
  m.set("sebelas", 11);
  for (let i = 2; i <= 9; i++) m.set(`${UNITS_ID[i]} belas`, 10 + i);
  m.set("dua puluh", 20);
  m.set("duapuluh", 20);
  m.set("twenty", 20);
  m.set("kosong", 0);
  return m;
})();

/** Words that may follow a count of people ("4 orang", "lima jiwa"). */
const COUNT_UNITS = /\s+(orang|jiwa|org|anggota|people|persons?)$/;

/**
 * A whole number typed as digits or as a word up to twenty ("empat" → 4, "dua belas" → 12,
 * "4 orang" → 4). Returns null for anything else (including "4,5", "-1" and "dua ratus").
 */
export function parseCount(text: string): number | null {
  const s = normalizeAnswer(text).replace(COUNT_UNITS, "");
  if (/^\d{1,6}$/.test(s)) return Number(s);
  const word = NUMBER_WORDS.get(s);
  return word === undefined ? null : word;
}

/** Days from today for a relative day typed in words, or null ("besok" → 1, "kemarin" → -1). */
export function relativeDays(text: string): number | null {
  const s = normalizeAnswer(text);
  const fixed: Record<string, number> = {
    "hari ini": 0,
    "today": 0,
    "sekarang": 0,
    "kemarin": -1,
    "kemaren": -1,
    "yesterday": -1,
    "kemarin lusa": -2,
    "besok": 1,
    "besuk": 1,
    "tomorrow": 1,
    "lusa": 2,
    "minggu depan": 7,
    "pekan depan": 7,
    "seminggu lagi": 7,
    "next week": 7,
    "minggu lalu": -7,
    "pekan lalu": -7,
    "seminggu lalu": -7,
    "last week": -7,
  };
  if (s in fixed) return fixed[s]!;
  const m = /^(.+?) (hari|minggu|pekan) (lagi|yang lalu|lalu)$/.exec(s);
  if (m) {
    const n = parseCount(m[1]!);
    if (n === null || n < 1 || n > 60) return null;
    const days = m[2] === "hari" ? n : n * 7;
    return m[3] === "lagi" ? days : -days;
  }
  return null;
}

/** ISO date `days` after `iso` (negative: before). */
export function shiftIsoDate(iso: string, days: number): string {
  const parts = parseIsoDate(iso);
  if (!parts) throw new RangeError(`not an ISO date: ${iso}`);
  const d = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + days));
  return d.toISOString().slice(0, 10);
}

export interface TypedDateOptions {
  /** Today, as the local ISO date of the person's zone. */
  today: string;
  /**
   * How a two-digit year is read: "past" for dates that have happened (birth dates, visits):
   * the latest such year not after this year; "future" for dates to come: 20xx.
   */
  years: "past" | "future";
}

/**
 * A date as a volunteer types it: a relative day ("besok", "lusa", "minggu depan",
 * "kemarin"), a date with a two-digit year ("5-8-68"), or any form
 * {@link parseIndonesianDate} reads ("05-08-1968", "5 Agustus 1968"). Returns null when it is
 * not a date; whether the date is acceptable (not in the future…) is the caller's check.
 */
export function parseTypedDate(text: string, opts: TypedDateOptions): DateParts | null {
  const days = relativeDays(text);
  if (days !== null) return parseIsoDate(shiftIsoDate(opts.today, days));
  const s = toAsciiDigits(text).normalize("NFKC").trim();
  const short = /^(\d{1,2}) ?[-/.] ?(\d{1,2}) ?[-/.] ?(\d{2})$/.exec(s);
  if (short) {
    const yy = Number(short[3]);
    const thisYear = Number(opts.today.slice(0, 4));
    const century = Math.floor(thisYear / 100) * 100;
    let year = century + yy;
    if (opts.years === "past" && year > thisYear) year -= 100;
    const parts = { year, month: Number(short[2]), day: Number(short[1]) };
    return isValidDate(parts) ? parts : null;
  }
  return parseIndonesianDate(text);
}

/** {@link parseTypedDate} as an ISO date, or null. */
export function parseTypedIsoDate(text: string, opts: TypedDateOptions): string | null {
  const parts = parseTypedDate(text, opts);
  return parts ? toIsoDate(parts) : null;
}

/** One option a person may type by name: its value, its button label, other names for it. */
export interface TypedOption<T> {
  value: T;
  label: string;
  aliases?: readonly string[];
}

/** The label without a bracketed part and without a leading mark ("✓ ", "▫️ "). */
function labelForms(label: string): string[] {
  const full = normalizeAnswer(label);
  const bare = normalizeAnswer(label.replace(/\([^)]*\)/g, " "));
  const parts = label.split("/").map((p) => normalizeAnswer(p.replace(/\([^)]*\)/g, " "))).filter((p) => p.length >= 3);
  return [...new Set([full, bare, ...parts])].filter((f) => f.length > 0);
}

/**
 * The option a typed text names, or undefined when it names none or more than one:
 * "fakir miskin" → Fakir miskin, "darurat" → "🚨 Darurat", "rtlh" → "Tidak layak huni (RTLH)".
 * Exact names win; otherwise every typed word must start a word of exactly one option's name
 * ("perlu" → "Perlu perhatian", "lansia" → "Lansia terlantar").
 */
export function matchOption<T>(text: string, options: readonly TypedOption<T>[]): T | undefined {
  const typed = normalizeAnswer(text);
  if (typed.length < 2) return undefined;
  const names = options.map((o) => ({ value: o.value, forms: [...labelForms(o.label), ...(o.aliases ?? []).map(normalizeAnswer)] }));
  const exact = names.filter((n) => n.forms.includes(typed));
  if (exact.length === 1) return exact[0]!.value;
  if (exact.length > 1) return undefined;
  // Inside brackets too ("rtlh", "odha").
  const bracketed = options.filter((o) => [...o.label.matchAll(/\(([^)]*)\)/g)].some((m) => normalizeAnswer(m[1]!) === typed));
  if (bracketed.length === 1) return bracketed[0]!.value;
  const words = typed.split(" ");
  const prefix = names.filter((n) => n.forms.some((f) => {
    const fw = f.split(" ");
    return words.every((w) => w.length >= 3 && fw.some((x) => x.startsWith(w)));
  }));
  return prefix.length === 1 ? prefix[0]!.value : undefined;
}
