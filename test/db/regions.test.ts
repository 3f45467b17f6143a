import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createPgDb, createPgliteDb, type DbHandle } from "../../src/db/client.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import * as m0002 from "../../src/db/migrations/2026_11_28_0002_regions.js";
import {
  existingPrefixes,
  getRegion,
  getRegionPath,
  listChildren,
  regionLabel,
  regionTimezone,
  searchRegions,
} from "../../src/db/queries/regions.js";

interface Backend {
  name: string;
  open(): Promise<DbHandle>;
}

const backends: Backend[] = [{ name: "PGlite", open: async () => createPgliteDb({}) }];

const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  // A throwaway database rather than a schema: Kysely's migrator looks for its own tables in
  // every schema, so a migrated `public` would hide the missing ones in a fresh schema.
  backends.push({
    name: "PostgreSQL",
    async open() {
      const name = `regions_test_${randomBytes(6).toString("hex")}`;
      const admin = createPgDb({ url: pgUrl, max: 1 });
      await sql.raw(`create database ${name}`).execute(admin.db);
      await admin.close();
      const url = new URL(pgUrl);
      url.pathname = `/${name}`;
      const handle = createPgDb({ url: url.toString(), max: 2 });
      return {
        ...handle,
        async close() {
          await handle.close();
          const a = createPgDb({ url: pgUrl, max: 1 });
          await sql.raw(`drop database if exists ${name} with (force)`).execute(a.db);
          await a.close();
        },
      };
    },
  });
}

for (const backend of backends) {
  describe(`regions on ${backend.name}`, () => {
    let h: DbHandle;

    beforeAll(async () => {
      h = await backend.open();
      await migrateToLatest(h.db);
    }, 120_000);

    afterAll(async () => {
      await h?.close();
    });

    describe("the migration", () => {
      it("loads all 91,599 regions with the right count per level and kind", async () => {
        const { rows } = await sql<{ level: number; n: number }>`
          select level, count(*)::int as n from regions group by level order by level
        `.execute(h.db);
        expect(rows.map((r) => [Number(r.level), r.n])).toEqual([
          [1, 38],
          [2, 514],
          [3, 7285],
          [4, 83762],
        ]);
        const kinds = await sql<{ kind: string; n: number }>`
          select kind, count(*)::int as n from regions group by kind order by kind
        `.execute(h.db);
        expect(Object.fromEntries(kinds.rows.map((r) => [r.kind, r.n]))).toEqual({
          desa: 75252,
          desa_adat: 14,
          kabupaten: 416,
          kecamatan: 7285,
          kelurahan: 8496,
          kota: 98,
          provinsi: 38,
        });
      });

      it("keeps quoted names with commas and typographic apostrophes intact", async () => {
        expect((await getRegion(h.db, "12.07.28.1007"))?.name).toBe("Lubuk Pakam I,II");
        expect((await getRegion(h.db, "14.02.09.2010"))?.name).toBe("Lambang Sari I, II, III");
        expect((await getRegion(h.db, "53.07.01.2021"))?.name).toBe("Regapu\u2019u");
      });

      it("stores the province's time zone on every row and a search name", async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from regions r join regions p on p.code = left(r.code, 2)
          where r.tz <> p.tz or r.tz_label <> p.tz_label or r.search_name = ''
        `.execute(h.db);
        expect(rows[0]?.n).toBe(0);
        const bandung = await sql<{ search_name: string; kind: string }>`
          select search_name, kind from regions where code in ('32.04', '32.73') order by code
        `.execute(h.db);
        expect(bandung.rows).toEqual([
          { search_name: "bandung", kind: "kabupaten" },
          { search_name: "bandung", kind: "kota" },
        ]);
      });

      it("rejects an orphan (the parent foreign key is in place)", async () => {
        await expect(
          sql`insert into regions (code, name, level, kind, parent_code, search_name, tz, tz_label)
              values ('99.99.99', 'X', 3, 'kecamatan', '99.99', 'x', 'Asia/Jakarta', 'WIB')`.execute(h.db),
        ).rejects.toThrow();
      });

      it("down drops the table and up loads it again", async () => {
        await h.db.transaction().execute(async (trx) => {
          await m0002.down(trx);
          const gone = await sql<{ t: string | null }>`select to_regclass('regions')::text as t`.execute(trx);
          expect(gone.rows[0]?.t).toBeNull();
          await m0002.up(trx);
        });
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from regions`.execute(h.db);
        expect(rows[0]?.n).toBe(91_599);
      }, 60_000);
    });

    describe("searchRegions", () => {
      it("finds the district Cibinong in Kab. Bogor and its kelurahan first", async () => {
        const { rows, total } = await searchRegions(h.db, "cibinong");
        expect(total).toBeGreaterThanOrEqual(2);
        expect(rows[0]).toMatchObject({ code: "32.01.01", level: 3, label: "Kec. Cibinong — Kab. Bogor" });
        expect(rows[1]).toMatchObject({ code: "32.01.01.1006", level: 4, label: "Kel. Cibinong — Kec. Cibinong, Kab. Bogor" });
        expect(rows[1]?.ancestors.map((a) => a.code)).toEqual(["32", "32.01", "32.01.01"]);
      });

      it("ranks Kota Bandung first for 'kota bandung' and Kab. Bandung first for 'kab bandung'", async () => {
        const kota = await searchRegions(h.db, "kota bandung");
        expect(kota.rows[0]).toMatchObject({ code: "32.73", kind: "kota", display_name: "Kota Bandung" });
        expect(kota.rows[1]?.code).toBe("32.04");
        const kab = await searchRegions(h.db, "Kab. Bandung");
        expect(kab.rows[0]).toMatchObject({ code: "32.04", kind: "kabupaten", display_name: "Kab. Bandung" });
        expect(kab.rows[1]?.code).toBe("32.73");
        const kabupaten = await searchRegions(h.db, "KABUPATEN BANDUNG");
        expect(kabupaten.rows[0]?.code).toBe("32.04");
        // Without a type word both come first, then the villages named Bandung.
        const plain = await searchRegions(h.db, "bandung", { limit: 3 });
        expect(plain.rows.slice(0, 2).map((r) => r.code).sort()).toEqual(["32.04", "32.73"]);
      });

      it("tells the many Sukamaju apart by their parents", async () => {
        const { rows, total } = await searchRegions(h.db, "sukamaju", { levels: [4], limit: 100 });
        expect(total).toBeGreaterThan(50);
        const exact = rows.filter((r) => r.name === "Sukamaju");
        expect(exact.length).toBeGreaterThan(50);
        // Exact names come before longer ones such as "Sukamaju Baru".
        expect(rows.findIndex((r) => r.name !== "Sukamaju")).toBe(exact.length);
        expect(new Set(exact.map((r) => r.label)).size).toBe(exact.length);
        for (const r of exact) expect(r.label).toMatch(/^(Desa|Kel\.) Sukamaju — Kec\. .+, (Kab\.|Kota) .+$/);
        expect(rows.map((r) => r.label)).toContain("Desa Sukamaju — Kec. Tigapanah, Kab. Karo");
      });

      it("matches a typographic apostrophe with a straight one or none", async () => {
        for (const q of ["Regapu'u", "regapuu", "REGAPU’U", "regapu`u"]) {
          const { rows } = await searchRegions(h.db, q);
          expect(rows[0], q).toMatchObject({ code: "53.07.01.2021", name: "Regapu\u2019u" });
          expect(rows[0]?.label).toBe("Desa Regapu\u2019u — Kec. Paga, Kab. Sikka");
        }
        const { rows } = await searchRegions(h.db, "udek du'en");
        expect(rows[0]?.code).toBe("53.07.08.2019");
      });

      it("puts the district first for 'Kec. Cibadak', villages of the same name after", async () => {
        const { rows } = await searchRegions(h.db, "Kec. Cibadak", { limit: 20 });
        expect(rows.slice(0, 2).map((r) => r.code)).toEqual(["32.02.11", "36.02.18"]);
        expect(rows[0]?.label).toBe("Kec. Cibadak — Kab. Sukabumi");
        expect(rows.slice(2).some((r) => r.level === 4 && r.name === "Cibadak")).toBe(true);
      });

      it("finds Jakarta by 'DKI', 'jakarta' and 'dki jakarta'", async () => {
        for (const q of ["DKI", "jakarta", "dki jakarta", "Provinsi DKI Jakarta"]) {
          const { rows } = await searchRegions(h.db, q);
          expect(rows[0], q).toMatchObject({ code: "31", level: 1, display_name: "DKI Jakarta" });
        }
        const { rows } = await searchRegions(h.db, "jakarta selatan");
        expect(rows[0]).toMatchObject({ code: "31.74", label: "Kota Adm. Jakarta Selatan — DKI Jakarta" });
      });

      it("finds partial words ('cibin' → Cibinong) and inner substrings", async () => {
        const { rows } = await searchRegions(h.db, "cibin", { limit: 20 });
        expect(rows[0]?.code).toBe("32.01.01");
        expect(rows.map((r) => r.name)).toContain("Cibingbin");
        const inner = await searchRegions(h.db, "binong", { limit: 50 });
        expect(inner.rows.map((r) => r.code)).toContain("32.01.01");
      });

      it("requires every word, in any order", async () => {
        const { rows } = await searchRegions(h.db, "pakam lubuk i ii");
        // "Lubuk Pakam III" matches too ("i" and "ii" start "iii") and is shorter.
        expect(rows.map((r) => r.code).sort()).toEqual(["12.07.28.1007", "12.07.28.1008"]);
        expect((await searchRegions(h.db, "cibinong xyzzy")).total).toBe(0);
      });

      it("restricts to an area with `within` and to levels with `levels`", async () => {
        const { rows, total } = await searchRegions(h.db, "sukamaju", { within: "32.02", limit: 100 });
        expect(total).toBeGreaterThan(0);
        expect(total).toBe(rows.length);
        for (const r of rows) expect(r.code.startsWith("32.02.")).toBe(true);
        expect(rows.map((r) => r.code)).toContain("32.02.03.2004");
        const districts = await searchRegions(h.db, "cibinong", { levels: [3] });
        expect(districts.rows.map((r) => r.code)).toEqual(["32.01.01"]);
        expect(await searchRegions(h.db, "cibinong", { within: "32.0_" })).toEqual({ rows: [], total: 0 });
        const self = await searchRegions(h.db, "cibinong", { within: "32.01.01" });
        expect(self.rows.map((r) => r.code)).toEqual(["32.01.01", "32.01.01.1006"]);
      });

      it("pages with a stable total", async () => {
        const first = await searchRegions(h.db, "sukamaju", { limit: 5 });
        const second = await searchRegions(h.db, "sukamaju", { limit: 5, offset: 5 });
        expect(first.total).toBe(second.total);
        expect(second.rows).toHaveLength(5);
        expect(second.rows.map((r) => r.code)).not.toContain(first.rows[0]?.code);
        const beyond = await searchRegions(h.db, "sukamaju", { limit: 5, offset: 10_000 });
        expect(beyond).toEqual({ rows: [], total: first.total });
      });

      it("returns nothing for an empty or punctuation-only query", async () => {
        expect(await searchRegions(h.db, "")).toEqual({ rows: [], total: 0 });
        expect(await searchRegions(h.db, " ..,-' ")).toEqual({ rows: [], total: 0 });
      });
    });

    describe("lookups", () => {
      it("getRegion and getRegionPath", async () => {
        expect(await getRegion(h.db, "32.02.11")).toEqual({
          code: "32.02.11",
          name: "Cibadak",
          display_name: "Kec. Cibadak",
          level: 3,
          kind: "kecamatan",
          parent_code: "32.02",
          tz: "Asia/Jakarta",
          tz_label: "WIB",
        });
        expect(await getRegion(h.db, "99.99")).toBeNull();
        const path = await getRegionPath(h.db, "32.01.01.1006");
        expect(path.map((r) => r.display_name)).toEqual(["Jawa Barat", "Kab. Bogor", "Kec. Cibinong", "Kel. Cibinong"]);
        expect(await getRegionPath(h.db, "32.01.01.9999")).toEqual([]);
      });

      it("listChildren pages provinces and children sorted by name", async () => {
        const provinces = await listChildren(h.db, null, { limit: 10 });
        expect(provinces.total).toBe(38);
        expect(provinces.rows.map((r) => r.name).slice(0, 3)).toEqual(["Aceh", "Bali", "Banten"]);
        const all: string[] = [];
        for (let offset = 0; ; offset += 10) {
          const page = await listChildren(h.db, "32", { offset, limit: 10 });
          expect(page.total).toBe(27);
          if (page.rows.length === 0) break;
          all.push(...page.rows.map((r) => r.code));
        }
        expect(all).toHaveLength(27);
        expect(new Set(all).size).toBe(27);
        expect(all.slice(0, 3)).toEqual(["32.04", "32.73", "32.17"]); // Bandung, Bandung, Bandung Barat
        const villages = await listChildren(h.db, "32.01.01", { limit: 100 });
        expect(villages.rows.map((r) => r.parent_code)).toEqual(villages.rows.map(() => "32.01.01"));
        expect(villages.total).toBe(villages.rows.length);
        expect(await listChildren(h.db, "32.01.01.1006")).toEqual({ rows: [], total: 0 });
      });

      it("regionLabel gives the full label", async () => {
        expect(await regionLabel(h.db, "32.02.11.1001")).toBe("Kel. Cibadak — Kec. Cibadak, Kab. Sukabumi, Jawa Barat");
        expect(await regionLabel(h.db, "32.02.11.1001", { full: false })).toBe("Kel. Cibadak — Kec. Cibadak, Kab. Sukabumi");
        expect(await regionLabel(h.db, "32")).toBe("Jawa Barat");
        expect(await regionLabel(h.db, "91.03.01.3007")).toBe("Desa Adat Yoboi — Kec. Sentani, Kab. Jayapura, Papua");
        expect(await regionLabel(h.db, "00")).toBeNull();
      });

      it("regionTimezone: Java WIB, Bali WITA, Papua WIT, by province even for old codes", async () => {
        expect(await getRegion(h.db, "51.01.01.1006")).not.toBeNull();
        expect(await regionTimezone(h.db, "51.01.01.1006")).toEqual({ tz: "Asia/Makassar", label: "WITA" });
        expect(await regionTimezone(h.db, "95.01.01.1001")).toEqual({ tz: "Asia/Jayapura", label: "WIT" });
        expect(await regionTimezone(h.db, "91.03.01.3007")).toEqual({ tz: "Asia/Jayapura", label: "WIT" });
        expect(await regionTimezone(h.db, "32.01")).toEqual({ tz: "Asia/Jakarta", label: "WIB" });
        expect(await regionTimezone(h.db, "61.01")).toEqual({ tz: "Asia/Jakarta", label: "WIB" });
        expect(await regionTimezone(h.db, "91.99.99")).toEqual({ tz: "Asia/Jayapura", label: "WIT" });
        expect(await regionTimezone(h.db, "00")).toBeNull();
      });

      it("existingPrefixes tells which NIK prefixes exist", async () => {
        expect(await existingPrefixes(h.db, { province: "32", regency: "32.01", district: "32.01.05" })).toEqual({
          province: true,
          regency: true,
          district: true,
        });
        expect(await existingPrefixes(h.db, { province: "91", regency: "91.01", district: "91.01.01" })).toEqual({
          province: true,
          regency: false,
          district: false,
        });
        expect(await existingPrefixes(h.db, { province: "00", regency: "00.00", district: "00.00.00" })).toEqual({
          province: false,
          regency: false,
          district: false,
        });
      });

      it("works inside a transaction", async () => {
        await h.db.transaction().execute(async (trx) => {
          expect((await searchRegions(trx, "cibinong")).rows[0]?.code).toBe("32.01.01");
          expect((await listChildren(trx, "32.01", { limit: 1 })).total).toBeGreaterThan(30);
        });
      });
    });
  });
}
