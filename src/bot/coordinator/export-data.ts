import { sql } from "kysely";
import type { Db } from "../../db/schema.js";
import type { PiiCrypto } from "../../pii.js";
import type { TFunction } from "../../i18n.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { formatRefCode, isCanonicalRefCode } from "../../domain/refcode.js";
import { displayRegionName, regionCodePath } from "../../domain/region-names.js";
import { inArea } from "../../db/queries/coordinator.js";

/** Rows fetched per query (keyset pagination: memory stays flat whatever the area's size). */
export const EXPORT_PAGE_SIZE = 1000;

export const HOUSEHOLD_HEADER = [
  "Kode keluarga",
  "Nama kepala keluarga",
  "NIK kepala keluarga",
  "No. KK",
  "Jenis kelamin",
  "Tanggal lahir",
  "Kode wilayah",
  "Desa/Kelurahan",
  "Kecamatan",
  "Kabupaten/Kota",
  "Provinsi",
  "RT",
  "RW",
  "Alamat",
  "Jumlah anggota",
  "Kategori PPKS",
  "Kondisi rumah",
  "Program bantuan",
  "Kebutuhan utama",
  "Desil",
  "Status",
  "Alasan status",
  "Pendamping",
  "Terdaftar",
  "Kunjungan terakhir",
  "Kunjungan berikutnya",
  "Lintang",
  "Bujur",
  "Data pribadi dihapus",
];

export const VISIT_HEADER = [
  "No. kunjungan",
  "Kode keluarga",
  "Nama kepala keluarga",
  "Kode wilayah",
  "Desa/Kelurahan",
  "Kecamatan",
  "Kabupaten/Kota",
  "Tanggal kunjungan",
  "Laporan ditulis",
  "Tujuan",
  "Intervensi",
  "Kondisi",
  "Catatan kondisi",
  "Bantuan diberikan",
  "Rujukan",
  "Catatan rujukan",
  "Tindak lanjut",
  "Kunjungan berikutnya",
  "Urgensi",
  "Pelapor",
  "Lintang",
  "Bujur",
];

/** The household members, one row each (sheet "Anggota keluarga", or the members CSV). */
export const MEMBER_HEADER = [
  "Kode keluarga",
  "Nama kepala keluarga",
  "Kode wilayah",
  "Desa/Kelurahan",
  "Nama anggota",
  "Hubungan dengan kepala keluarga",
  "NIK anggota",
  "Jenis kelamin",
  "Tanggal lahir",
];

/** Columns that hold codes: a CSV writes them so that a spreadsheet keeps them as text ("003", not 3). */
function codeColumns(header: readonly string[], names: readonly string[]): number[] {
  return names.map((n) => header.indexOf(n)).filter((i) => i >= 0);
}
export const HOUSEHOLD_CODE_COLUMNS = codeColumns(HOUSEHOLD_HEADER, ["NIK kepala keluarga", "No. KK", "Kode wilayah", "RT", "RW"]);
export const VISIT_CODE_COLUMNS = codeColumns(VISIT_HEADER, ["Kode wilayah"]);
export const MEMBER_CODE_COLUMNS = codeColumns(MEMBER_HEADER, ["Kode wilayah", "NIK anggota"]);

type Cell = string | number | null;

interface Place {
  village: string;
  district: string;
  regency: string;
  province: string;
  tz: string;
  tzLabel: string;
}

/** UTC offsets of the Indonesian zones (no daylight saving time). */
const ZONE_OFFSET_MINUTES: Record<string, number> = { WIB: 420, WITA: 480, WIT: 540 };
const formatters = new Map<string, Intl.DateTimeFormat>();
const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-11-28 09:15 WIB": an instant in the household's local time. */
export function localDateTime(instant: Date, tz: string, label: string): string {
  const offset = ZONE_OFFSET_MINUTES[label];
  if (offset !== undefined) {
    // Fixed offsets: plain arithmetic (Intl is slow for 100,000 rows).
    const d = new Date(instant.getTime() + offset * 60_000);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} ${label}`;
  }
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${label}`;
}

/** Region names and time zones of villages, loaded once per village for the whole export. */
class Places {
  private readonly byCode = new Map<string, Place>();
  constructor(private readonly db: Db) {}

  async load(villageCodes: Iterable<string>): Promise<void> {
    const missing = [...new Set(villageCodes)].filter((c) => !this.byCode.has(c));
    if (missing.length === 0) return;
    const codes = [...new Set(missing.flatMap((c) => regionCodePath(c)))];
    const rows = await this.db.selectFrom("regions").select(["code", "name", "tz", "tz_label"]).where("code", "in", codes).execute();
    const regions = new Map(rows.map((r) => [r.code, r]));
    for (const code of missing) {
      const path = regionCodePath(code);
      const name = (c: string | undefined) => {
        const r = c ? regions.get(c) : undefined;
        return r ? displayRegionName(r) : "";
      };
      const province = regions.get(path[0] ?? "");
      this.byCode.set(code, {
        province: name(path[0]),
        regency: name(path[1]),
        district: name(path[2]),
        village: name(path[3]),
        tz: province?.tz ?? "Asia/Jakarta",
        tzLabel: province?.tz_label ?? "WIB",
      });
    }
  }

  get(code: string): Place {
    return this.byCode.get(code) ?? { village: "", district: "", regency: "", province: "", tz: "Asia/Jakarta", tzLabel: "WIB" };
  }
}

/** Names of volunteers, loaded once per person. */
class Names {
  private readonly byId = new Map<number, string>();
  constructor(private readonly db: Db) {}
  async load(ids: Iterable<number | null>): Promise<void> {
    const missing = [...new Set([...ids].filter((x): x is number => x !== null && !this.byId.has(x)))];
    if (missing.length === 0) return;
    const rows = await this.db.selectFrom("users").select(["id", "name"]).where("id", "in", missing).execute();
    for (const id of missing) this.byId.set(id, "");
    for (const r of rows) this.byId.set(r.id, r.name ?? "");
  }
  get(id: number | null): string {
    return id === null ? "" : (this.byId.get(id) ?? "");
  }
}

export interface ExportContext {
  db: Db;
  pii: PiiCrypto;
  /** Indonesian translations (the files are for Dinas Sosial: headers and values in Indonesian). */
  t: TFunction;
  area: string | null;
  /** Full NIK and KK (asked for explicitly, audited); masked otherwise. */
  full: boolean;
  /** Called after every page (the job extends its lease here). */
  onPage?: (rows: number) => Promise<void>;
}

const vocabCache = new WeakMap<TFunction, Map<string, string>>();

/** A code's label (cached: the same few labels repeat on every row). */
function vocab(t: TFunction, key: string, code: string): string {
  let cache = vocabCache.get(t);
  if (!cache) {
    cache = new Map();
    vocabCache.set(t, cache);
  }
  let label = cache.get(key);
  if (label === undefined) {
    // Some labels start with an emoji for chats ("🚨 Darurat"): not in a spreadsheet.
    label = t(key, { defaultValue: code }).replace(/^[^\p{L}\p{N}]+/u, "");
    cache.set(key, label);
  }
  return label;
}

function identity(ctx: ExportContext, enc: string | null, mask: (s: string) => string): string {
  if (!enc) return "";
  const plain = ctx.pii.decrypt(enc);
  return ctx.full ? plain : mask(plain);
}

/** "K73-QX9D"; an unexpected stored code is written as it is rather than failing the export. */
const refCode = (code: string) => (isCanonicalRefCode(code) ? formatRefCode(code) : code);

/**
 * The pages of a keyset-paginated query (`fetch(afterId)` returns the next page, ordered by
 * id), the next page already on its way while the caller works through this one: the
 * database and the formatting overlap instead of taking turns.
 */
async function* prefetchedPages<R extends { id: number }>(fetch: (afterId: number) => Promise<R[]>): AsyncGenerator<R[]> {
  let next = fetch(0);
  try {
    for (;;) {
      const rows = await next;
      if (rows.length === 0) return;
      next = rows.length < EXPORT_PAGE_SIZE ? Promise.resolve([]) : fetch(rows[rows.length - 1]!.id);
      yield rows;
    }
  } finally {
    // A caller that stops early (an error while writing) leaves a page in flight: not an unhandled rejection.
    next.catch(() => undefined);
  }
}

const dateOnly = (v: Date | string | null) => (v === null ? "" : typeof v === "string" ? v.slice(0, 10) : v.toISOString().slice(0, 10));

/** The households of the area, oldest first, one spreadsheet row each. */
export async function* householdRows(ctx: ExportContext): AsyncGenerator<Cell[]> {
  const places = new Places(ctx.db);
  const names = new Names(ctx.db);
  const { t } = ctx;
  const pages = prefetchedPages((afterId) =>
    ctx.db
      .selectFrom("households")
      // "Kunjungan terakhir" is the date of the last visit (as reported), not when a report was written.
      .leftJoin("household_last_visit as lv", "lv.household_id", "households.id")
      .select([
        "id",
        "ref_code",
        "head_name",
        "head_nik_enc",
        "kk_enc",
        "head_sex",
        "head_birth_date",
        "village_code",
        "rt",
        "rw",
        "address",
        "member_count",
        "ppks",
        "housing",
        "programmes",
        "programme_other",
        "needs",
        "needs_other",
        "desil",
        "status",
        "status_reason",
        "volunteer_id",
        "created_at",
        "next_visit_date",
        "latitude",
        "longitude",
        "anonymized_at",
        sql<string | null>`lv.visited_on::text`.as("last_visit"),
      ])
      .where(inArea<"households">("households.village_code", ctx.area))
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(EXPORT_PAGE_SIZE)
      .execute(),
  );
  for await (const rows of pages) {
    await places.load(rows.map((r) => r.village_code));
    await names.load(rows.map((r) => r.volunteer_id));
    for (const h of rows) {
      const p = places.get(h.village_code);
      yield [
        refCode(h.ref_code),
        h.head_name,
        identity(ctx, h.head_nik_enc, maskNik),
        identity(ctx, h.kk_enc, maskKk),
        h.head_sex ?? "",
        h.head_birth_date ?? "",
        h.village_code,
        p.village,
        p.district,
        p.regency,
        p.province,
        h.rt ?? "",
        h.rw ?? "",
        h.address ?? "",
        h.member_count,
        h.ppks.map((c) => vocab(t, `vocab.ppks.${c}`, c)).join("; "),
        h.housing ? vocab(t, `vocab.housing.${h.housing}`, h.housing) : "",
        [...h.programmes.map((c) => vocab(t, `vocab.programme.${c}`, c)), ...(h.programme_other ? [h.programme_other] : [])].join("; "),
        [...h.needs.map((c) => vocab(t, `vocab.need.${c}`, c)), ...(h.needs_other ? [h.needs_other] : [])].join("; "),
        h.desil ?? "",
        vocab(t, `vocab.status.${h.status}`, h.status),
        h.status_reason ?? "",
        names.get(h.volunteer_id),
        localDateTime(h.created_at, p.tz, p.tzLabel),
        h.last_visit ?? "",
        dateOnly(h.next_visit_date),
        h.latitude ?? "",
        h.longitude ?? "",
        h.anonymized_at ? localDateTime(h.anonymized_at, p.tz, p.tzLabel) : "",
      ];
    }
    await ctx.onPage?.(rows.length);
  }
}

/** The visits to the area's households, oldest first. */
export async function* visitRows(ctx: ExportContext): AsyncGenerator<Cell[]> {
  const places = new Places(ctx.db);
  const names = new Names(ctx.db);
  const { t } = ctx;
  const pages = prefetchedPages((afterId) =>
    ctx.db
      .selectFrom("visits")
      .innerJoin("households", "households.id", "visits.household_id")
      .selectAll("visits")
      .select(["households.ref_code", "households.head_name", "households.village_code"])
      .where(inArea<"households">("households.village_code", ctx.area))
      .where("visits.id", ">", afterId)
      .orderBy("visits.id")
      .limit(EXPORT_PAGE_SIZE)
      .execute(),
  );
  for await (const rows of pages) {
    await places.load(rows.map((r) => r.village_code));
    await names.load(rows.map((r) => r.volunteer_id));
    for (const v of rows) {
      const p = places.get(v.village_code);
      yield [
        v.id,
        refCode(v.ref_code),
        v.head_name,
        v.village_code,
        p.village,
        p.district,
        p.regency,
        dateOnly(v.visited_on),
        localDateTime(v.written_at, p.tz, p.tzLabel),
        vocab(t, `vocab.purpose.${v.purpose}`, v.purpose),
        vocab(t, `vocab.intervention.${v.intervention}`, v.intervention),
        v.conditions.map((c) => vocab(t, `visit.condition.${c}`, c)).join("; "),
        v.condition_note ?? "",
        v.help_given ?? "",
        v.referral ? vocab(t, `visit.referral.${v.referral}`, v.referral) : "",
        v.referral_note ?? "",
        v.follow_up ? "Ya" : "Tidak",
        dateOnly(v.next_visit_date),
        vocab(t, `vocab.urgency.${v.urgency}`, v.urgency),
        names.get(v.volunteer_id),
        v.latitude ?? "",
        v.longitude ?? "",
      ];
    }
    await ctx.onPage?.(rows.length);
  }
}

/** The members of the area's households (head excluded: the household row has the head), by household. */
export async function* memberRows(ctx: ExportContext): AsyncGenerator<Cell[]> {
  const places = new Places(ctx.db);
  const { t } = ctx;
  const pages = prefetchedPages((afterId) =>
    ctx.db
      .selectFrom("household_members")
      .innerJoin("households", "households.id", "household_members.household_id")
      .select([
        "household_members.id",
        "household_members.name",
        "household_members.relationship",
        "household_members.nik_enc",
        "household_members.sex",
        "household_members.birth_date",
        "households.ref_code",
        "households.head_name",
        "households.village_code",
      ])
      .where(inArea<"households">("households.village_code", ctx.area))
      .where("household_members.id", ">", afterId)
      .orderBy("household_members.id")
      .limit(EXPORT_PAGE_SIZE)
      .execute(),
  );
  for await (const rows of pages) {
    await places.load(rows.map((r) => r.village_code));
    for (const m of rows) {
      yield [
        refCode(m.ref_code),
        m.head_name,
        m.village_code,
        places.get(m.village_code).village,
        m.name,
        vocab(t, `vocab.relationship.${m.relationship}`, m.relationship),
        identity(ctx, m.nik_enc, maskNik),
        m.sex ?? "",
        dateOnly(m.birth_date),
      ];
    }
    await ctx.onPage?.(rows.length);
  }
}

/** How many households and visits an export of the area would hold. */
export async function exportCounts(db: Db, area: string | null): Promise<{ households: number; visits: number }> {
  const h = await db
    .selectFrom("households")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where(inArea<"households">("households.village_code", area))
    .executeTakeFirstOrThrow();
  const v = await db
    .selectFrom("visits")
    .innerJoin("households", "households.id", "visits.household_id")
    .select(sql<number>`count(*)::int`.as("n"))
    .where(inArea<"households">("households.village_code", area))
    .executeTakeFirstOrThrow();
  return { households: Number(h.n), visits: Number(v.n) };
}
