/**
 * Person names: a comparison key for near-duplicate detection, and cleaning
 * of names for display.
 *
 * Indonesian names have many spellings of the same name: abbreviations of
 * Muhammad (M., Moh., Muh., Moch.), the pre-1972 spelling (Djuned = Juned,
 * Soekarno = Sukarno, Tjahjo = Cahjo), doubled letters (Hassan = Hasan) and
 * titles or degrees (H., Hj., Dr., …, ", S.Pd").
 *
 * @module
 */

/** Titles and honorifics dropped from the start of a name (compared without dots). */
const LEADING_TITLES: ReadonlySet<string> = new Set([
  "h", "hj", "haji", "hajah", "hajjah", "kh", "ust", "ustadz", "ustaz",
  "ir", "dr", "drg", "drs", "dra", "prof",
  "bapak", "bpk", "pak", "ibu", "bu", "sdr", "sdri", "tn", "ny", "nn",
]);

/** Abbreviations of Muhammad, recognised only as the first name (compared without dots). */
const MUHAMMAD_ABBREVIATIONS: ReadonlySet<string> = new Set([
  "m", "md", "mhd", "moh", "muh", "mohd", "muhd", "moch", "much", "mch", "mokh", "mukh",
]);

/**
 * Spellings of Muhammad after the spelling rules and letter collapsing:
 * muhammad, muhamad, mohammad, mohamad, mochammad, muchammad, mukhammad,
 * mohammed, mohamed, muhamat, …
 */
const MUHAMMAD_SPELLING = /^m[uo](?:h|kh)?am[ae][dt]$/;

/** Spellings of Ahmad after the spelling rules: ahmad, achmad, akhmad, ahmed, ahmat. */
const AHMAD_SPELLING = /^a(?:h|kh)m[ae][dt]$/;

/**
 * A trailing academic degree written without a comma, e.g. "S.Pd", "S.E.",
 * "A.Md", "M.Kom": a short segment followed by dotted segments.
 */
const TRAILING_DEGREE = /^[a-z]{1,3}(?:\.[a-z]{1,4})+\.?$/;

/** Apostrophes of all kinds: removed so that "Ma'ruf" = "Maruf". */
const APOSTROPHES = /['\u2018\u2019\u02bc`\u00b4]/g;

/**
 * Applies the pre-1972 (Soewandi) spelling rules, in this order, then
 * collapses doubled letters: dj→j, tj→c, sj→sy, nj→ny, oe→u, ch→kh.
 *
 * The rules run one after the other (not in a single pass), so a modern
 * "nj" also becomes "ny" ("Panji" and "Pandji" both give "panyi"). The result
 * is a comparison key, not a spelling to show.
 */
function modernise(token: string): string {
  return token
    .replace(/dj/g, "j")
    .replace(/tj/g, "c")
    .replace(/sj/g, "sy")
    .replace(/nj/g, "ny")
    .replace(/oe/g, "u")
    .replace(/ch/g, "kh")
    .replace(/(\p{L})\1+/gu, "$1");
}

function bare(token: string): string {
  return token.replace(/\./g, "");
}

/**
 * Builds a comparison key for near-duplicate detection of person names. Two
 * names with the same key are probably the same name written differently;
 * the key is never shown to users.
 *
 * Steps:
 * 1. Remove diacritics, lower-case, drop everything after the first comma
 *    (degrees: "Budi Santoso, S.Pd., M.M."), remove apostrophes, turn other
 *    punctuation into spaces.
 * 2. Drop trailing dotted degrees without a comma ("Budi S.Pd") and leading
 *    titles and honorifics (H., Hj., KH, Ir., Dr., Drs., Dra., Prof., Bapak,
 *    Bpk., Ibu, Bu, Sdr., Ny., …), as long as a name remains.
 * 3. A first name M., Moh., Muh., Moch., Much., Mhd., Mohd. becomes
 *    "muhammad", as do spellings of Muhammad anywhere (Mochammad,
 *    Muchammad, Mohammad, Muhamad, Mohamed, …). Abd. becomes "abdul", a first
 *    name St. becomes "siti", spellings of Ahmad (Achmad, Akhmad) "ahmad".
 * 4. Old spelling dj→j, tj→c, sj→sy, nj→ny, oe→u, ch→kh, then doubled letters
 *    collapsed.
 * 5. Words joined by single spaces.
 *
 * @example
 * normalizePersonName("Moh. Djuned");          // "muhammad juned"
 * normalizePersonName("Muhammad Juned");       // "muhammad juned"
 * normalizePersonName("Hj. Siti Chadidjah, S.Pd"); // "siti khadijah"
 */
export function normalizePersonName(name: string): string {
  let s = name.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  s = s.split(",")[0] ?? "";
  s = s.replace(APOSTROPHES, "").replace(/[^\p{L}\p{N}.\s]/gu, " ");

  let tokens = s.split(/\s+/).filter((t) => bare(t) !== "");
  while (tokens.length > 1 && TRAILING_DEGREE.test(tokens[tokens.length - 1] ?? "")) {
    tokens.pop();
  }
  // "Moh.Djuned" → "Moh." "Djuned"
  tokens = tokens.flatMap((t) => t.split(/(?<=\.)(?=[^.])/)).filter((t) => bare(t) !== "");

  while (tokens.length > 1 && LEADING_TITLES.has(bare(tokens[0] ?? ""))) {
    tokens.shift();
  }

  const out: string[] = [];
  tokens.forEach((token, index) => {
    const word = bare(token);
    const isFirst = index === 0 && tokens.length > 1;
    if (isFirst && MUHAMMAD_ABBREVIATIONS.has(word)) {
      out.push("muhammad");
      return;
    }
    if (isFirst && token === "st.") {
      out.push("siti");
      return;
    }
    if (word === "abd") {
      out.push("abdul");
      return;
    }
    const modern = modernise(word);
    if (MUHAMMAD_SPELLING.test(modern)) {
      out.push("muhammad");
    } else if (AHMAD_SPELLING.test(modern)) {
      out.push("ahmad");
    } else {
      out.push(modern);
    }
  });
  return out.join(" ");
}

/** Why {@link cleanDisplayName} rejected a name. */
export type NameProblem = "empty" | "too_short" | "too_long" | "no_letters" | "invalid_characters";

/** The result of {@link cleanDisplayName}. */
export type CleanNameResult = { ok: true; value: string } | { ok: false; problem: NameProblem };

/** Minimum length of a display name, in characters. */
export const NAME_MIN_LENGTH = 2;

/** Maximum length of a display name, in characters. */
export const NAME_MAX_LENGTH = 100;

/** Characters allowed in a name besides letters, combining marks and spaces. */
const NAME_ALLOWED = /^[\p{L}\p{M} .,'\u2018\u2019\u02bc`\-()]+$/u;

function toTitleCase(s: string): string {
  return s
    .toLowerCase()
    .replace(/(^|[\s.\-(])(\p{L})/gu, (_m, before: string, letter: string) => before + letter.toUpperCase());
}

/**
 * Cleans a name for storage and display: trims, collapses whitespace, and
 * title-cases it when it was typed ALL IN CAPITALS or all in lower case
 * ("BUDI SANTOSO" → "Budi Santoso", "siti ma'rifah" → "Siti Ma'rifah",
 * "H. ABDUL, S.PD" → "H. Abdul, S.Pd"). Mixed case is kept as typed.
 *
 * Problems:
 * - `empty`: nothing but whitespace;
 * - `too_short` / `too_long`: fewer than {@link NAME_MIN_LENGTH} or more than
 *   {@link NAME_MAX_LENGTH} characters after cleaning;
 * - `no_letters`: no letter at all (e.g. a number typed in the name field);
 * - `invalid_characters`: digits or symbols other than `. , ' - ( )`
 *   (e.g. an NIK pasted after the name, an emoji).
 */
export function cleanDisplayName(name: string): CleanNameResult {
  const s = name.normalize("NFC").replace(/[\s\u200b-\u200d\u2060\ufeff]+/gu, " ").trim();
  if (s === "") {
    return { ok: false, problem: "empty" };
  }
  const length = [...s].length;
  if (length < NAME_MIN_LENGTH) {
    return { ok: false, problem: "too_short" };
  }
  if (length > NAME_MAX_LENGTH) {
    return { ok: false, problem: "too_long" };
  }
  if (!/\p{L}/u.test(s)) {
    return { ok: false, problem: "no_letters" };
  }
  if (!NAME_ALLOWED.test(s)) {
    return { ok: false, problem: "invalid_characters" };
  }
  const letters = s.replace(/[^\p{L}]/gu, "");
  const upper = letters.toUpperCase();
  const lower = letters.toLowerCase();
  const hasCase = upper !== lower;
  const value = hasCase && (letters === upper || letters === lower) ? toTitleCase(s) : s;
  return { ok: true, value };
}
