import { sql, type RawBuilder } from "kysely";
import {
  displayRegionName,
  formatRegionLabel,
  parseRegionQuery,
  regionCodePath,
  regionLevel,
  type RegionKind,
  type RegionLevel,
} from "../../domain/region-names.js";
import type { Db, RegionsTable } from "../schema.js";

/** A region row as returned to callers, with its display name ("Kab. Sukabumi"). */
export interface Region {
  code: string;
  name: string;
  display_name: string;
  level: RegionLevel;
  kind: RegionKind;
  parent_code: string | null;
  /** IANA zone of the province, e.g. "Asia/Jakarta". */
  tz: string;
  tz_label: RegionsTable["tz_label"];
}

/** A search result: the region, its ancestors (top first) and a label that tells it apart. */
export interface RegionHit extends Region {
  ancestors: Region[];
  /** E.g. "Desa Sukamaju — Kec. Cibadak, Kab. Sukabumi" (see formatRegionLabel). */
  label: string;
}

/** One page of results and the number of all results. */
export interface RegionPage<T> {
  rows: T[];
  total: number;
  /** Nothing matched as typed: these are the closest spellings ("cibinog" → Cibinong). */
  fuzzy?: boolean;
}

/** Options of {@link searchRegions}. */
export interface SearchRegionsOptions {
  /** Only these levels (1 = province … 4 = village); all when omitted or empty. */
  levels?: readonly number[];
  /** Only this region and what lies in it; null or omitted = whole country; malformed = nothing. */
  within?: string | null;
  /** Page size, 1–100 (default 10). */
  limit?: number;
  offset?: number;
}

/** Paging of {@link listChildren}. */
export interface PageOptions {
  /** Page size, 1–500 (default 20). */
  limit?: number;
  offset?: number;
}

/** Queries longer than this are cut: nobody types a region name that long. */
const MAX_QUERY_LENGTH = 100;
/** At most this many query words are matched. */
const MAX_QUERY_WORDS = 6;

const REGION_COLUMNS = ["code", "name", "level", "kind", "parent_code", "tz", "tz_label"] as const;

type RegionRow = Pick<RegionsTable, (typeof REGION_COLUMNS)[number]>;

function toRegion(row: RegionRow): Region {
  return {
    code: row.code,
    name: row.name,
    display_name: displayRegionName(row),
    level: Number(row.level) as RegionLevel,
    kind: row.kind,
    parent_code: row.parent_code,
    tz: row.tz,
    tz_label: row.tz_label,
  };
}

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}

/** `expr` for every item joined with `and` (true for none). */
function all(items: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return items.length === 0 ? sql`true` : sql`(${sql.join(items, sql` and `)})`;
}

/**
 * Searches regions by name, forgivingly: case, diacritics, apostrophes and punctuation do not
 * matter, a leading type word ("kab", "kota", "kec", "desa", "kel", "prov") is optional and
 * only ranks, and every query word must occur in the name (a word prefix or any substring:
 * "cibin" finds Cibinong). Province abbreviations ("jabar", "ntt", "dki") match too.
 *
 * Ranking: the exact name first (with the typed type word: "kota bandung" puts Kota Bandung
 * above Kabupaten Bandung), then names that start with the query, then names where every word
 * starts a word, then other substrings; within each, the typed type first, then shorter names,
 * then higher levels (a city before a village of the same name), then by code.
 *
 * A full scan of the 91,599 rows with LIKE: about 25 ms on PGlite and 10 ms on PostgreSQL per
 * search (a one-letter query, matching most rows, about 190 / 70 ms).
 *
 * When nothing contains the words as typed, and the query has at least 4 letters, the names
 * closest in spelling are returned instead (trigram similarity, pg_trgm, through its GIN
 * index; see MIN_SIMILARITY), with `fuzzy: true`: a one-letter typo ("cibinog", "cibnong")
 * still finds Cibinong.
 */
export async function searchRegions(
  db: Db,
  query: string,
  opts: SearchRegionsOptions = {},
): Promise<RegionPage<RegionHit>> {
  const parsed = parseRegionQuery(query.slice(0, MAX_QUERY_LENGTH));
  const words = parsed.words.slice(0, MAX_QUERY_WORDS);
  // A malformed area code matches nothing (and cannot smuggle LIKE wildcards in).
  if (words.length === 0 || (opts.within && regionLevel(opts.within) === null)) return { rows: [], total: 0 };
  const limit = clampInt(opts.limit, 10, 1, 100);
  const offset = clampInt(opts.offset, 0, 0, Number.MAX_SAFE_INTEGER);
  // Normalised text is [a-z0-9 ] only, so it is safe inside LIKE patterns without escaping.
  const { full, core } = parsed;

  const filters: RawBuilder<unknown>[] = words.map(
    (w) => sql`(r.search_name like ${`%${w}%`} or r.search_alias like ${`%${w}%`})`,
  );
  const levels = (opts.levels ?? []).filter((l) => Number.isInteger(l));
  if (levels.length > 0) filters.push(sql`r.level in (${sql.join(levels)})`);
  if (opts.within) filters.push(sql`(r.code = ${opts.within} or r.code like ${`${opts.within}.%`})`);

  const wordStarts = words.map(
    (w) => sql`((' ' || r.search_name) like ${`% ${w}%`} or (' ' || r.search_alias) like ${`% ${w}%`})`,
  );
  const tier = sql<number>`case
    when r.search_name = ${full} or (' ' || r.search_alias || ' ') like ${`% ${full} %`} then 0
    when r.search_name = ${core} or (' ' || r.search_alias || ' ') like ${`% ${core} %`} then 1
    when r.search_name like ${`${core}%`} then 2
    when ${all(wordStarts)} then 3
    else 4 end`;
  const order: RawBuilder<unknown>[] = [tier];
  if (parsed.kinds.length > 0) order.push(sql`case when r.kind in (${sql.join([...parsed.kinds])}) then 0 else 1 end`);
  order.push(sql`length(r.search_name)`, sql`r.level`, sql`r.code`);

  const result = await sql<RegionRow & { total: number }>`
    select r.code, r.name, r.level, r.kind, r.parent_code, r.tz, r.tz_label, count(*) over ()::int as total
    from regions r
    where ${all(filters)}
    order by ${sql.join(order)}
    limit ${limit} offset ${offset}
  `.execute(db);

  let total = result.rows[0]?.total ?? 0;
  let rowsFound: RegionRow[] = result.rows;
  let fuzzy = false;
  if (result.rows.length === 0 && offset > 0) {
    const count = await sql<{ n: number }>`select count(*)::int as n from regions r where ${all(filters)}`.execute(db);
    total = count.rows[0]?.n ?? 0;
  }
  if (total === 0 && words.some((w) => w.length >= MIN_FUZZY_LENGTH) && (await hasTrigrams(db))) {
    // Nothing contains the words as typed: the names closest in spelling, same filters. Every
    // word must still be there, the longer ones allowing a typo ("cibinog" → Cibinong), most
    // similar first. Candidates come from the trigram index (operators <% and %).
    const close = (w: string) => sql`greatest(word_similarity(${w}, r.search_name), similarity(${w}, r.search_name))`;
    const fuzzyWords = words.filter((w) => w.length >= MIN_FUZZY_LENGTH);
    const wordFilters: RawBuilder<unknown>[] = words.map((w) =>
      w.length >= MIN_FUZZY_LENGTH
        ? sql`((${w} <% r.search_name or ${w} % r.search_name) and ${close(w)} >= ${MIN_SIMILARITY})`
        : sql`(r.search_name like ${`%${w}%`} or r.search_alias like ${`%${w}%`})`,
    );
    const scope: RawBuilder<unknown>[] = filters.slice(words.length);
    const score = sql.join(fuzzyWords.map(close), sql` + `);
    const near = await sql<RegionRow & { total: number }>`
      select r.code, r.name, r.level, r.kind, r.parent_code, r.tz, r.tz_label, count(*) over ()::int as total
      from regions r
      where ${all([...wordFilters, ...scope])}
      order by ${score} desc, length(r.search_name), r.level, r.code
      limit ${limit} offset ${offset}
    `.execute(db);
    rowsFound = near.rows;
    total = near.rows[0]?.total ?? 0;
    fuzzy = total > 0;
  }
  const regions = rowsFound.map(toRegion);

  const ancestorCodes = new Set(regions.flatMap((r) => regionCodePath(r.code).slice(0, -1)));
  const byCode = new Map<string, Region>();
  if (ancestorCodes.size > 0) {
    const ancestors = await db
      .selectFrom("regions")
      .select(REGION_COLUMNS)
      .where("code", "in", [...ancestorCodes])
      .execute();
    for (const row of ancestors) byCode.set(row.code, toRegion(row));
  }
  const rows = regions.map((region): RegionHit => {
    const ancestors = regionCodePath(region.code)
      .slice(0, -1)
      .flatMap((code) => byCode.get(code) ?? []);
    return { ...region, ancestors, label: formatRegionLabel([...ancestors, region]) };
  });
  return fuzzy ? { rows, total, fuzzy } : { rows, total };
}

/** Shortest query (without type words) for which close spellings are searched. */
const MIN_FUZZY_LENGTH = 4;
/**
 * How close a guess must be: the better of trigram word similarity (a word inside a longer
 * name, "cibinog" ~ "cibinong" 0.75) and whole-name similarity (a letter left out, "cibnong"
 * ~ "cibinong" 0.55). Candidates come from the GIN index (operators `<%` and `%`).
 */
const MIN_SIMILARITY = 0.45;

/** Whether pg_trgm is installed (see migration 2026_12_01_0016_field); asked only when a search found nothing. */
async function hasTrigrams(db: Db): Promise<boolean> {
  const res = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  return res.rows[0]?.ok === true;
}

/** One region by code, or null. */
export async function getRegion(db: Db, code: string): Promise<Region | null> {
  const row = await db.selectFrom("regions").select(REGION_COLUMNS).where("code", "=", code).executeTakeFirst();
  return row ? toRegion(row) : null;
}

/**
 * The region and its ancestors, top first (province … village); empty when the code is not in
 * the list.
 */
export async function getRegionPath(db: Db, code: string): Promise<Region[]> {
  const rows = await db
    .selectFrom("regions")
    .select(REGION_COLUMNS)
    .where("code", "in", regionCodePath(code))
    .orderBy("level")
    .execute();
  if (rows[rows.length - 1]?.code !== code) return [];
  return rows.map(toRegion);
}

/**
 * The regions directly under `parentCode` (null = the provinces), sorted by name without the
 * Kabupaten/Kota word (so Kab. Bandung and Kota Bandung sit together), then by code.
 */
export async function listChildren(
  db: Db,
  parentCode: string | null,
  opts: PageOptions = {},
): Promise<RegionPage<Region>> {
  const limit = clampInt(opts.limit, 20, 1, 500);
  const offset = clampInt(opts.offset, 0, 0, Number.MAX_SAFE_INTEGER);
  const base = db
    .selectFrom("regions")
    .where((eb) => (parentCode === null ? eb("parent_code", "is", null) : eb("parent_code", "=", parentCode)));
  // Sequential: a transaction has one connection.
  const rows = await base.select(REGION_COLUMNS).orderBy("search_name").orderBy("code").limit(limit).offset(offset).execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return { rows: rows.map(toRegion), total: Number(count.n) };
}

/**
 * The label of a region: its display name and every ancestor, nearest first, e.g.
 * "Desa Sukamaju — Kec. Cibadak, Kab. Sukabumi, Jawa Barat". `full: false` leaves the province
 * out below regency level, as in search results. Null when the code is not in the list.
 */
export async function regionLabel(db: Db, code: string, opts: { full?: boolean } = {}): Promise<string | null> {
  const path = await getRegionPath(db, code);
  if (path.length === 0) return null;
  return formatRegionLabel(path, { full: opts.full ?? true });
}

/**
 * The time zone of the province the code lies in, e.g. `{ tz: "Asia/Makassar", label: "WITA" }`.
 * Only the province (first two digits) must exist, so an old code still gets its zone.
 */
export async function regionTimezone(
  db: Db,
  code: string,
): Promise<{ tz: string; label: RegionsTable["tz_label"] } | null> {
  const row = await db
    .selectFrom("regions")
    .select(["tz", "tz_label"])
    .where("code", "=", code.slice(0, 2))
    .where("level", "=", 1)
    .executeTakeFirst();
  return row ? { tz: row.tz, label: row.tz_label } : null;
}

/**
 * The time zones of several regions at once (one query): region code → zone of its province.
 * Codes whose province is unknown are left out (callers fall back to WIB).
 */
export async function regionTimezones(
  db: Db,
  codes: readonly string[],
): Promise<Map<string, { tz: string; label: RegionsTable["tz_label"] }>> {
  const provinces = [...new Set(codes.map((c) => c.slice(0, 2)))];
  const out = new Map<string, { tz: string; label: RegionsTable["tz_label"] }>();
  if (provinces.length === 0) return out;
  const rows = await db.selectFrom("regions").select(["code", "tz", "tz_label"]).where("level", "=", 1).where("code", "in", provinces).execute();
  const byProvince = new Map(rows.map((r) => [r.code, { tz: r.tz, label: r.tz_label }]));
  for (const code of codes) {
    const zone = byProvince.get(code.slice(0, 2));
    if (zone) out.set(code, zone);
  }
  return out;
}

/**
 * Which of an NIK's region prefixes exist in the current list (for the NIK region warning).
 * A missing prefix is only a warning: NIKs keep the code of first registration, which may
 * predate a split (Papua 2022).
 */
export async function existingPrefixes(
  db: Db,
  prefix: { province: string; regency: string; district: string },
): Promise<{ province: boolean; regency: boolean; district: boolean }> {
  const rows = await db
    .selectFrom("regions")
    .select("code")
    .where("code", "in", [prefix.province, prefix.regency, prefix.district])
    .execute();
  const found = new Set(rows.map((r) => r.code));
  return {
    province: found.has(prefix.province),
    regency: found.has(prefix.regency),
    district: found.has(prefix.district),
  };
}
