/**
 * Kemendagri region codes and names: normalisation for forgiving search,
 * display names ("Kab. Sukabumi", "Kec. Cibadak", "Desa Sukamaju") and code
 * arithmetic (level, parent, "is this inside that area").
 *
 * Codes are dotted: `32` (province), `32.01` (regency or city), `32.01.05`
 * (district), `32.01.05.2001` (village). The regency pair is 01–69 for a
 * kabupaten and 71–99 for a kota; the first digit of the village suffix is
 * 1 = kelurahan, 2 = desa, 3 = desa adat.
 *
 * The same normalisation is used when the region table is loaded and when a
 * query is searched, so matching is identical on PostgreSQL and PGlite.
 *
 * @module
 */

/** 1 = province, 2 = regency or city, 3 = district, 4 = village. */
export type RegionLevel = 1 | 2 | 3 | 4;

/** The administrative type of a region, derived from its code. */
export type RegionKind = "provinsi" | "kabupaten" | "kota" | "kecamatan" | "kelurahan" | "desa" | "desa_adat";

/** A type word the user may put in front of a name ("kab bandung", "kec. cibadak"). */
export type RegionPrefix = "provinsi" | "kabupaten" | "kota" | "kecamatan" | "desa" | "kelurahan";

/** Leading words recognised as a type prefix, with their canonical form. */
const PREFIX_WORDS: ReadonlyMap<string, RegionPrefix> = new Map<string, RegionPrefix>([
  ["provinsi", "provinsi"],
  ["propinsi", "provinsi"],
  ["prov", "provinsi"],
  ["kabupaten", "kabupaten"],
  ["kab", "kabupaten"],
  ["kota", "kota"],
  ["kotamadya", "kota"],
  ["kecamatan", "kecamatan"],
  ["kec", "kecamatan"],
  ["desa", "desa"],
  ["kelurahan", "kelurahan"],
  ["kel", "kelurahan"],
]);

/** The kinds a prefix asks for (used to rank, never to exclude). */
const PREFIX_KINDS: Readonly<Record<RegionPrefix, readonly RegionKind[]>> = {
  provinsi: ["provinsi"],
  kabupaten: ["kabupaten"],
  kota: ["kota"],
  kecamatan: ["kecamatan"],
  desa: ["desa", "desa_adat"],
  kelurahan: ["kelurahan"],
};

/** Apostrophes of all kinds (straight, curly, modifier letter, backtick, acute, prime). */
const APOSTROPHES = /['\u2018\u2019\u02bc`\u00b4\u2032]/g;

/** Combining marks left by NFKD (diacritics). */
const COMBINING_MARKS = /\p{M}+/gu;

/** A well-formed dotted code of one to four segments. */
const CODE_PATTERN = /^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$/;

/** The level of a well-formed code, by its length. */
const LEVEL_BY_LENGTH: ReadonlyMap<number, RegionLevel> = new Map<number, RegionLevel>([
  [2, 1],
  [5, 2],
  [8, 3],
  [13, 4],
]);

/**
 * Common abbreviations and short names of provinces, normalised, by code.
 * They are searched like the name ("jabar", "ntt", "dki"), so volunteers can
 * type what they say.
 */
export const PROVINCE_ALIASES: Readonly<Record<string, string>> = {
  "11": "nad nanggroe aceh darussalam",
  "12": "sumut",
  "13": "sumbar",
  "16": "sumsel",
  "19": "babel bangka belitung",
  "21": "kepri",
  "31": "dki jakarta dkj",
  "32": "jabar",
  "33": "jateng",
  "34": "diy yogyakarta jogja jogjakarta yogya",
  "35": "jatim",
  "52": "ntb",
  "53": "ntt",
  "61": "kalbar",
  "62": "kalteng",
  "63": "kalsel",
  "64": "kaltim",
  "65": "kaltara",
  "71": "sulut",
  "72": "sulteng",
  "73": "sulsel",
  "74": "sultra",
  "76": "sulbar",
  "82": "malut",
  "92": "pabar",
  "96": "pbd",
};

/**
 * Lower-cases, removes diacritics (NFKD), drops apostrophes of every kind
 * ("Regapu’u" = "regapu'u" = "regapuu"), turns everything other than a–z and
 * 0–9 into a space and collapses spaces. No prefix handling.
 *
 * @example
 * normalizeRegionText("  Lubuk Pakam I,II "); // "lubuk pakam i ii"
 */
export function normalizeRegionText(text: string): string {
  return text
    .replace(APOSTROPHES, "")
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** A search query split into its optional type prefix and the name words. */
export interface ParsedRegionQuery {
  /** The whole normalised query, with the prefix word in canonical form ("kab" → "kabupaten"). */
  full: string;
  /** The normalised query without the prefix: what the name must contain. */
  core: string;
  /** The words of `core`; empty when the query has no letters or digits. */
  words: string[];
  /** The type prefix the user typed, or null. */
  prefix: RegionPrefix | null;
  /** The kinds the prefix asks for (empty without a prefix). */
  kinds: readonly RegionKind[];
}

/**
 * Normalises a query and splits off one leading type prefix ("kab", "kota",
 * "kec", "desa", "kel", "prov", …). A prefix alone ("kota") is kept as the
 * name to look for.
 *
 * @example
 * parseRegionQuery("Kab. Bandung");
 * // { full: "kabupaten bandung", core: "bandung", words: ["bandung"], prefix: "kabupaten", kinds: ["kabupaten"] }
 */
export function parseRegionQuery(text: string): ParsedRegionQuery {
  const normalized = normalizeRegionText(text);
  const words = normalized === "" ? [] : normalized.split(" ");
  const prefix = words.length > 1 ? (PREFIX_WORDS.get(words[0] ?? "") ?? null) : null;
  if (prefix === null) return { full: normalized, core: normalized, words, prefix: null, kinds: [] };
  const coreWords = words.slice(1);
  return {
    full: [prefix, ...coreWords].join(" "),
    core: coreWords.join(" "),
    words: coreWords,
    prefix,
    kinds: PREFIX_KINDS[prefix],
  };
}

/**
 * The normalised name words of a search query, without a leading type prefix.
 *
 * @example
 * normalizeRegionQuery("Kec. Cibadak"); // "cibadak"
 * normalizeRegionQuery("regapu'u"); // "regapuu"
 */
export function normalizeRegionQuery(text: string): string {
  return parseRegionQuery(text).core;
}

/**
 * The normalised name stored for matching (`regions.search_name`).
 *
 * With a level, only the type word that the official name itself carries is
 * removed: "Provinsi …" for a province and "Kabupaten …"/"Kota …" for a
 * regency (the kabupaten/kota distinction is kept in `kind`). District and
 * village names are kept whole, because "Kota Baru" and "Desa Baru" are real
 * village names. Without a level, a leading type prefix is removed as in
 * {@link normalizeRegionQuery}.
 *
 * @example
 * normalizeRegionName("Kota Bandung", 2); // "bandung"
 * normalizeRegionName("Kota Baru", 4); // "kota baru"
 * normalizeRegionName("Regapu’u"); // "regapuu"
 */
export function normalizeRegionName(name: string, level?: RegionLevel): string {
  if (level === undefined) return normalizeRegionQuery(name);
  const normalized = normalizeRegionText(name);
  if (level > 2) return normalized;
  const space = normalized.indexOf(" ");
  if (space < 0) return normalized;
  const prefix = PREFIX_WORDS.get(normalized.slice(0, space));
  const own = level === 1 ? prefix === "provinsi" : prefix === "kabupaten" || prefix === "kota";
  if (!own) return normalized;
  const rest = normalized.slice(space + 1);
  // Jakarta's "Kota Administrasi Jakarta Pusat" is searched as "jakarta pusat".
  return level === 2 && rest.startsWith("administrasi ") ? rest.slice("administrasi ".length) : rest;
}

/** The level of a well-formed dotted code, or null when the code is malformed. */
export function regionLevel(code: string): RegionLevel | null {
  const level = LEVEL_BY_LENGTH.get(code.length);
  return level !== undefined && CODE_PATTERN.test(code) ? level : null;
}

/** The code of the enclosing region ("32.01.05" → "32.01"), or null for a province. */
export function parentCode(code: string): string | null {
  const dot = code.lastIndexOf(".");
  return dot < 0 ? null : code.slice(0, dot);
}

/**
 * The codes of a region's ancestors and the region itself, top first
 * ("32.01.05" → ["32", "32.01", "32.01.05"]).
 */
export function regionCodePath(code: string): string[] {
  const parts = code.split(".");
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}

/**
 * The administrative type of a code, or null when the code is malformed:
 * regency pair 71–99 is a kota, village suffix 1xxx a kelurahan, 2xxx a desa,
 * 3xxx a desa adat.
 */
export function regionKind(code: string): RegionKind | null {
  switch (regionLevel(code)) {
    case 1:
      return "provinsi";
    case 2:
      return Number(code.slice(3, 5)) >= 71 ? "kota" : "kabupaten";
    case 3:
      return "kecamatan";
    case 4: {
      const digit = code.charAt(9);
      if (digit === "1") return "kelurahan";
      if (digit === "2") return "desa";
      if (digit === "3") return "desa_adat";
      return null;
    }
    default:
      return null;
  }
}

/**
 * True when `code` lies in the area `areaCode` (or is the area itself).
 * A null area is the whole country.
 *
 * @example
 * isWithinArea("32.01.05.2001", "32.01"); // true
 * isWithinArea("32.010", "32.01"); // false
 */
export function isWithinArea(code: string, areaCode: string | null): boolean {
  if (areaCode === null) return true;
  return code === areaCode || code.startsWith(`${areaCode}.`);
}

function startsWithWord(name: string, word: string): boolean {
  return name.toLowerCase().startsWith(`${word.toLowerCase()} `);
}

/** Long official words shortened for display, in order. */
const DISPLAY_ABBREVIATIONS: readonly [RegExp, string][] = [
  [/^Kabupaten Administrasi /, "Kab. Adm. "],
  [/^Kota Administrasi /, "Kota Adm. "],
  [/^Kabupaten /, "Kab. "],
  [/^Daerah Khusus Ibukota /, "DKI "],
  [/^Daerah Istimewa /, "DI "],
];

function abbreviate(name: string): string {
  for (const [pattern, short] of DISPLAY_ABBREVIATIONS) {
    if (pattern.test(name)) return name.replace(pattern, short);
  }
  return name;
}

/**
 * The name as shown to users, with its type: "Kab. Sukabumi", "Kota Bandung",
 * "Kec. Cibadak", "Desa Sukamaju", "Kel. Cibinong", "Desa Adat Yoboi".
 * Provinces have no type word; "Daerah Khusus Ibukota" and "Daerah Istimewa"
 * are shortened to "DKI" and "DI", "Administrasi" (Jakarta) to "Adm.". A
 * type word the name already carries is not repeated ("Desa Baru" stays
 * "Desa Baru").
 */
export function displayRegionName(row: { code: string; name: string }): string {
  const { name } = row;
  switch (regionKind(row.code)) {
    case "provinsi":
      return abbreviate(name);
    case "kabupaten":
      return startsWithWord(name, "Kabupaten") || startsWithWord(name, "Kab.") ? abbreviate(name) : `Kab. ${name}`;
    case "kota":
      return startsWithWord(name, "Kota") ? abbreviate(name) : `Kota ${name}`;
    case "kecamatan":
      return `Kec. ${name}`;
    case "kelurahan":
      return `Kel. ${name}`;
    case "desa":
      return startsWithWord(name, "Desa") ? name : `Desa ${name}`;
    case "desa_adat":
      return startsWithWord(name, "Desa Adat") ? name : `Desa Adat ${name}`;
    default:
      return name;
  }
}

/**
 * A label that tells places with the same name apart: the region's display
 * name, a dash, then its ancestors nearest first.
 *
 * `path` is the region's ancestors and the region itself, top first (as
 * returned by `getRegionPath`). The short form (default) leaves the province
 * out below regency level: "Desa Sukamaju — Kec. Cibadak, Kab. Sukabumi",
 * "Kota Bandung — Jawa Barat". The full form names every ancestor.
 */
export function formatRegionLabel(
  path: readonly { code: string; name: string }[],
  opts: { full?: boolean } = {},
): string {
  const self = path[path.length - 1];
  if (!self) return "";
  let ancestors = path.slice(0, -1).reverse();
  if (!opts.full && ancestors.length > 1) ancestors = ancestors.filter((r) => regionLevel(r.code) !== 1);
  const own = displayRegionName(self);
  if (ancestors.length === 0) return own;
  return `${own} — ${ancestors.map(displayRegionName).join(", ")}`;
}
