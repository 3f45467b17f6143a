import { describe, it, expect } from "vitest";
import {
  displayRegionName,
  formatRegionLabel,
  isWithinArea,
  normalizeRegionName,
  normalizeRegionQuery,
  normalizeRegionText,
  parentCode,
  parseRegionQuery,
  regionCodePath,
  regionKind,
  regionLevel,
} from "../../src/domain/region-names.js";

describe("normalizeRegionText", () => {
  it("lower-cases, strips diacritics and collapses spaces", () => {
    expect(normalizeRegionText("  Cibinong  ")).toBe("cibinong");
    expect(normalizeRegionText("Tanjung Pinàng   Timur")).toBe("tanjung pinang timur");
    expect(normalizeRegionText("ŞÉLÂTAN")).toBe("selatan");
  });

  it("drops apostrophes of every kind", () => {
    for (const s of ["Regapu’u", "regapu'u", "regapuu", "Regapu‘u", "Regapuʼu", "Regapu`u"]) {
      expect(normalizeRegionText(s), s).toBe("regapuu");
    }
  });

  it("turns other punctuation into spaces", () => {
    expect(normalizeRegionText("Lubuk Pakam I,II")).toBe("lubuk pakam i ii");
    expect(normalizeRegionText("Lambang Sari I, II, III")).toBe("lambang sari i ii iii");
    expect(normalizeRegionText("Kab. Bandung-Barat (lama)")).toBe("kab bandung barat lama");
    expect(normalizeRegionText("50% _x_")).toBe("50 x");
    expect(normalizeRegionText(" .,;- ")).toBe("");
  });
});

describe("parseRegionQuery / normalizeRegionQuery", () => {
  it("strips one leading type prefix, with or without a dot", () => {
    const cases: [string, string, string | null][] = [
      ["Kabupaten Bandung", "bandung", "kabupaten"],
      ["kab. bandung", "bandung", "kabupaten"],
      ["Kab Bandung", "bandung", "kabupaten"],
      ["Kota Bandung", "bandung", "kota"],
      ["Kecamatan Cibadak", "cibadak", "kecamatan"],
      ["Kec. Cibadak", "cibadak", "kecamatan"],
      ["Desa Sukamaju", "sukamaju", "desa"],
      ["Kelurahan Cibinong", "cibinong", "kelurahan"],
      ["Kel. Cibinong", "cibinong", "kelurahan"],
      ["Provinsi Jawa Barat", "jawa barat", "provinsi"],
      ["Prov. Jawa Barat", "jawa barat", "provinsi"],
      ["Cibinong", "cibinong", null],
      ["Bandung Kota", "bandung kota", null],
    ];
    for (const [query, core, prefix] of cases) {
      const parsed = parseRegionQuery(query);
      expect(parsed.core, query).toBe(core);
      expect(parsed.prefix, query).toBe(prefix);
      expect(normalizeRegionQuery(query), query).toBe(core);
    }
  });

  it("keeps the prefix in canonical form in `full` and names the kinds it asks for", () => {
    expect(parseRegionQuery("Kab. Bandung")).toEqual({
      full: "kabupaten bandung",
      core: "bandung",
      words: ["bandung"],
      prefix: "kabupaten",
      kinds: ["kabupaten"],
    });
    expect(parseRegionQuery("desa baru").kinds).toEqual(["desa", "desa_adat"]);
    expect(parseRegionQuery("kota baru").full).toBe("kota baru");
  });

  it("keeps a lone type word as the name to look for", () => {
    expect(parseRegionQuery("Kota")).toMatchObject({ core: "kota", prefix: null, words: ["kota"] });
    expect(parseRegionQuery("kec.")).toMatchObject({ core: "kec", prefix: null });
  });

  it("gives no words for an empty query", () => {
    expect(parseRegionQuery("  ,. ")).toEqual({ full: "", core: "", words: [], prefix: null, kinds: [] });
  });
});

describe("normalizeRegionName", () => {
  it("removes the type word a regency or province name carries", () => {
    expect(normalizeRegionName("Kabupaten Bandung", 2)).toBe("bandung");
    expect(normalizeRegionName("Kota Bandung", 2)).toBe("bandung");
    expect(normalizeRegionName("Kota Administrasi Jakarta Pusat", 2)).toBe("jakarta pusat");
    expect(normalizeRegionName("Kabupaten Administrasi Kepulauan Seribu", 2)).toBe("kepulauan seribu");
    expect(normalizeRegionName("Kabupaten Kotabaru", 2)).toBe("kotabaru");
    expect(normalizeRegionName("Daerah Khusus Ibukota Jakarta", 1)).toBe("daerah khusus ibukota jakarta");
    expect(normalizeRegionName("Provinsi Bali", 1)).toBe("bali");
  });

  it("keeps district and village names whole", () => {
    expect(normalizeRegionName("Kota Baru", 4)).toBe("kota baru");
    expect(normalizeRegionName("Desa Baru", 4)).toBe("desa baru");
    expect(normalizeRegionName("Desa Adat Yoboi", 4)).toBe("desa adat yoboi");
    expect(normalizeRegionName("Kota Baru", 3)).toBe("kota baru");
    expect(normalizeRegionName("Regapu’u", 4)).toBe("regapuu");
  });

  it("never leaves a name empty", () => {
    expect(normalizeRegionName("Kabupaten", 4)).toBe("kabupaten");
    expect(normalizeRegionName("Kota", 2)).toBe("kota");
  });

  it("without a level, strips a prefix as a query would", () => {
    expect(normalizeRegionName("Kota Bandung")).toBe("bandung");
    expect(normalizeRegionName("Kec. Cibadak")).toBe(normalizeRegionQuery("kecamatan cibadak"));
  });
});

describe("region codes", () => {
  it("regionLevel", () => {
    expect(regionLevel("32")).toBe(1);
    expect(regionLevel("32.01")).toBe(2);
    expect(regionLevel("32.01.05")).toBe(3);
    expect(regionLevel("32.01.05.2001")).toBe(4);
    for (const bad of ["", "3", "320", "32.1", "32.01.05.200", "32.01.05.20011", "ab", "32-01", "32.01.05.2001.01"]) {
      expect(regionLevel(bad), bad).toBeNull();
    }
  });

  it("parentCode and regionCodePath", () => {
    expect(parentCode("32")).toBeNull();
    expect(parentCode("32.01")).toBe("32");
    expect(parentCode("32.01.05.2001")).toBe("32.01.05");
    expect(regionCodePath("32.01.05.2001")).toEqual(["32", "32.01", "32.01.05", "32.01.05.2001"]);
    expect(regionCodePath("32")).toEqual(["32"]);
  });

  it("regionKind from the regency pair and the village suffix", () => {
    expect(regionKind("32")).toBe("provinsi");
    expect(regionKind("32.01")).toBe("kabupaten");
    expect(regionKind("32.69")).toBe("kabupaten");
    expect(regionKind("32.71")).toBe("kota");
    expect(regionKind("32.01.05")).toBe("kecamatan");
    expect(regionKind("32.01.01.1006")).toBe("kelurahan");
    expect(regionKind("32.01.05.2001")).toBe("desa");
    expect(regionKind("91.03.01.3007")).toBe("desa_adat");
    expect(regionKind("32.01.05.9001")).toBeNull();
    expect(regionKind("x")).toBeNull();
  });

  it("isWithinArea", () => {
    expect(isWithinArea("32.01.05.2001", null)).toBe(true);
    expect(isWithinArea("32.01.05.2001", "32")).toBe(true);
    expect(isWithinArea("32.01.05.2001", "32.01")).toBe(true);
    expect(isWithinArea("32.01.05.2001", "32.01.05.2001")).toBe(true);
    expect(isWithinArea("32.01", "32.01.05")).toBe(false);
    expect(isWithinArea("32.010", "32.01")).toBe(false);
    expect(isWithinArea("33.01", "32")).toBe(false);
  });
});

describe("displayRegionName", () => {
  it("adds or shortens the type word", () => {
    expect(displayRegionName({ code: "32", name: "Jawa Barat" })).toBe("Jawa Barat");
    expect(displayRegionName({ code: "31", name: "Daerah Khusus Ibukota Jakarta" })).toBe("DKI Jakarta");
    expect(displayRegionName({ code: "34", name: "Daerah Istimewa Yogyakarta" })).toBe("DI Yogyakarta");
    expect(displayRegionName({ code: "32.02", name: "Kabupaten Sukabumi" })).toBe("Kab. Sukabumi");
    expect(displayRegionName({ code: "32.73", name: "Kota Bandung" })).toBe("Kota Bandung");
    expect(displayRegionName({ code: "31.71", name: "Kota Administrasi Jakarta Pusat" })).toBe("Kota Adm. Jakarta Pusat");
    expect(displayRegionName({ code: "31.01", name: "Kabupaten Administrasi Kepulauan Seribu" })).toBe(
      "Kab. Adm. Kepulauan Seribu",
    );
    expect(displayRegionName({ code: "32.02.11", name: "Cibadak" })).toBe("Kec. Cibadak");
    expect(displayRegionName({ code: "32.02.11.1001", name: "Cibadak" })).toBe("Kel. Cibadak");
    expect(displayRegionName({ code: "32.02.03.2004", name: "Sukamaju" })).toBe("Desa Sukamaju");
    expect(displayRegionName({ code: "91.03.01.3007", name: "Desa Adat Yoboi" })).toBe("Desa Adat Yoboi");
    expect(displayRegionName({ code: "91.03.01.3099", name: "Yoboi" })).toBe("Desa Adat Yoboi");
  });

  it("does not repeat a type word the name carries", () => {
    expect(displayRegionName({ code: "13.12.07.2002", name: "Desa Baru" })).toBe("Desa Baru");
    expect(displayRegionName({ code: "11.71.02.2005", name: "Kota Baru" })).toBe("Desa Kota Baru");
    expect(displayRegionName({ code: "32.01", name: "Bogor" })).toBe("Kab. Bogor");
    expect(displayRegionName({ code: "32.71", name: "Bogor" })).toBe("Kota Bogor");
  });
});

describe("formatRegionLabel", () => {
  const path = [
    { code: "32", name: "Jawa Barat" },
    { code: "32.02", name: "Kabupaten Sukabumi" },
    { code: "32.02.11", name: "Cibadak" },
    { code: "32.02.11.2005", name: "Sukamaju" },
  ];

  it("short form: nearest ancestors without the province", () => {
    expect(formatRegionLabel(path)).toBe("Desa Sukamaju — Kec. Cibadak, Kab. Sukabumi");
    expect(formatRegionLabel(path.slice(0, 3))).toBe("Kec. Cibadak — Kab. Sukabumi");
    expect(formatRegionLabel(path.slice(0, 2))).toBe("Kab. Sukabumi — Jawa Barat");
    expect(formatRegionLabel(path.slice(0, 1))).toBe("Jawa Barat");
    expect(formatRegionLabel([])).toBe("");
  });

  it("full form: every ancestor", () => {
    expect(formatRegionLabel(path, { full: true })).toBe("Desa Sukamaju — Kec. Cibadak, Kab. Sukabumi, Jawa Barat");
  });
});
