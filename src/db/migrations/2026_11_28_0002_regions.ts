import { readFileSync } from "node:fs";
import { sql, type Kysely } from "kysely";
import {
  PROVINCE_ALIASES,
  normalizeRegionName,
  parentCode,
  regionKind,
  regionLevel,
} from "../../domain/region-names.js";

// Migrations use Kysely<any>: they are frozen in time and must not follow later schema types.
// One statement per call: PGlite cannot run several commands in one prepared statement.
//
// The region list (Kepmendagri 300.2.2-2138/2025, data/regions/SOURCE.md) is loaded here, once
// per database, with one set-based INSERT … SELECT FROM unnest(…) of column arrays. COPY is
// faster on PGlite but needs the PGlite instance (a blob option) or a COPY stream on pg, and a
// migration only has Kysely. `search_name` is computed in TypeScript with the function that
// normalises queries, so matching is identical on PostgreSQL and PGlite. If that normalisation
// ever changes, a later migration must recompute search_name.

/** Total rows in the 2025 list: 38 provinces, 514 regencies, 7,285 districts, 83,762 villages. */
const EXPECTED_ROWS = 91_599;

const FILES = ["provinces.csv", "regencies.csv", "districts.csv", "villages.csv"] as const;

function readData(file: string): string {
  return readFileSync(new URL(`../../../data/regions/${file}`, import.meta.url), "utf8");
}

/**
 * Parses RFC 4180 CSV: a field in double quotes may contain commas, line breaks and doubled
 * quotes; records end in LF or CRLF; a leading BOM is ignored; a final line break does not
 * start a record. Returns every record, the header included.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const record: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === 0x22) {
        // Quoted field: runs to the next quote that is not doubled.
        let field = "";
        let from = i + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote < 0) throw new Error("CSV ends inside a quoted field");
          field += text.slice(from, quote);
          if (text.charCodeAt(quote + 1) !== 0x22) {
            i = quote + 1;
            break;
          }
          field += '"';
          from = quote + 2;
        }
        record.push(field);
      } else {
        let end = i;
        while (end < n) {
          const c = text.charCodeAt(end);
          if (c === 0x2c || c === 0x0a || c === 0x0d) break;
          end++;
        }
        record.push(text.slice(i, end));
        i = end;
      }
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i += 2;
      else if (c === 0x0a || c === 0x0d) i++;
      else throw new Error(`CSV: unexpected character after a quoted field at offset ${i}`);
      break;
    }
    records.push(record);
  }
  return records;
}

/** Records without the header, after checking the header is the expected one. */
function readCsv(file: string, header: string[]): string[][] {
  const [head, ...rows] = parseCsv(readData(file));
  if (head?.join(",") !== header.join(",")) throw new Error(`${file}: unexpected header ${head?.join(",")}`);
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`${file}: bad record ${row.join(",")}`);
  }
  return rows;
}

/** Column arrays for the load: one entry per region, and one per province for the zone join. */
interface Columns {
  code: string[];
  name: string[];
  level: number[];
  kind: string[];
  parentCode: (string | null)[];
  searchName: string[];
  province: { code: string[]; tz: string[]; tzLabel: string[]; searchAlias: (string | null)[] };
}

function buildColumns(): Columns {
  const zones = new Map<string, { tz: string; label: string }>();
  for (const [code, , zone, iana] of readCsv("province_timezones.csv", [
    "province_code",
    "province_name",
    "zone",
    "iana_tz",
    "utc_offset",
  ])) {
    zones.set(code!, { tz: iana!, label: zone! });
  }
  const cols: Columns = {
    code: [],
    name: [],
    level: [],
    kind: [],
    parentCode: [],
    searchName: [],
    province: { code: [], tz: [], tzLabel: [], searchAlias: [] },
  };
  for (const [fileIndex, file] of FILES.entries()) {
    for (const [code, name, parent] of readCsv(file, ["code", "name", "parent_code"])) {
      const level = regionLevel(code!);
      const kind = regionKind(code!);
      if (level !== fileIndex + 1 || kind === null) throw new Error(`${file}: bad code ${code}`);
      if ((parent || null) !== parentCode(code!)) throw new Error(`${file}: bad parent of ${code}`);
      if (name!.trim() === "") throw new Error(`${file}: empty name for ${code}`);
      if (level === 1) {
        const zone = zones.get(code!);
        if (!zone) throw new Error(`province_timezones.csv: no zone for province ${code}`);
        cols.province.code.push(code!);
        cols.province.tz.push(zone.tz);
        cols.province.tzLabel.push(zone.label);
        cols.province.searchAlias.push(PROVINCE_ALIASES[code!] ?? null);
      }
      cols.code.push(code!);
      cols.name.push(name!);
      cols.level.push(level);
      cols.kind.push(kind);
      cols.parentCode.push(parent || null);
      cols.searchName.push(normalizeRegionName(name!, level));
    }
  }
  if (cols.code.length !== EXPECTED_ROWS) {
    throw new Error(`data/regions: expected ${EXPECTED_ROWS} rows, read ${cols.code.length}`);
  }
  return cols;
}

export async function up(db: Kysely<any>): Promise<void> {
  const cols = buildColumns();
  const prov = cols.province;

  // Codes and search names in "C" collation: byte order, the same on every server, and
  // prefix LIKE on the code can use the primary key. The keys and the index are added after
  // the load: building them once is several times faster than maintaining them per row.
  await db.schema
    .createTable("regions")
    .addColumn("code", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("level", "smallint", (c) => c.notNull().check(sql`level between 1 and 4`))
    .addColumn("kind", "text", (c) =>
      c.notNull().check(sql`kind in ('provinsi', 'kabupaten', 'kota', 'kecamatan', 'kelurahan', 'desa', 'desa_adat')`),
    )
    .addColumn("parent_code", sql`text collate "C"`)
    .addColumn("search_name", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("search_alias", sql`text collate "C"`)
    .addColumn("tz", "text", (c) => c.notNull())
    .addColumn("tz_label", "text", (c) => c.notNull().check(sql`tz_label in ('WIB', 'WITA', 'WIT')`))
    .addCheckConstraint("regions_parent_check", sql`(parent_code is null) = (level = 1)`)
    .execute();

  // One set-based statement: the six per-region columns as arrays, and the province's zone
  // and aliases (38 entries) joined on the first two digits of the code.
  await sql`
    insert into regions (code, name, level, kind, parent_code, search_name, search_alias, tz, tz_label)
    select r.code, r.name, r.level, r.kind, r.parent_code, r.search_name,
      case when r.level = 1 then p.search_alias end, p.tz, p.tz_label
    from unnest(
      ${cols.code}::text[], ${cols.name}::text[], ${cols.level}::smallint[], ${cols.kind}::text[],
      ${cols.parentCode}::text[], ${cols.searchName}::text[]
    ) as r(code, name, level, kind, parent_code, search_name)
    join unnest(
      ${prov.code}::text[], ${prov.tz}::text[], ${prov.tzLabel}::text[], ${prov.searchAlias}::text[]
    ) as p(code, tz, tz_label, search_alias) on p.code = left(r.code, 2)
  `.execute(db);

  await db.schema.alterTable("regions").addPrimaryKeyConstraint("regions_pkey", ["code"]).execute();
  await db.schema
    .alterTable("regions")
    .addForeignKeyConstraint("regions_parent_code_fkey", ["parent_code"], "regions", ["code"])
    .execute();
  await db.schema.createIndex("regions_parent_idx").on("regions").columns(["parent_code", "search_name"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("regions").execute();
}
