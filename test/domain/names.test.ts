import { describe, it, expect } from "vitest";
import { cleanDisplayName, normalizePersonName } from "../../src/domain/names.js";

function same(a: string, b: string): void {
  expect(normalizePersonName(a), `${a} ≡ ${b}`).toBe(normalizePersonName(b));
}

describe("normalizePersonName: basics", () => {
  it("lower-cases and collapses spaces", () => {
    expect(normalizePersonName("  Budi   SANTOSO ")).toBe("budi santoso");
  });

  it("strips diacritics", () => {
    expect(normalizePersonName("Sitï Nurhayatí")).toBe("siti nurhayati");
    same("Ni Luh Putu Arsanà", "Ni Luh Putu Arsana");
  });

  it("removes apostrophes and turns other punctuation into spaces", () => {
    expect(normalizePersonName("Ma'ruf Amin")).toBe("maruf amin");
    same("Ma’ruf Amin", "Maruf Amin");
    same("Nur-Aini", "Nur Aini");
    same("Siti (Aminah)", "Siti Aminah");
  });

  it("returns an empty string for empty input", () => {
    expect(normalizePersonName("")).toBe("");
    expect(normalizePersonName(" . , ")).toBe("");
  });

  it("keeps different names different", () => {
    expect(normalizePersonName("Budi")).not.toBe(normalizePersonName("Budiman"));
    expect(normalizePersonName("Siti Aminah")).not.toBe(normalizePersonName("Siti Aisyah"));
    expect(normalizePersonName("Muhammad Juned")).not.toBe(normalizePersonName("Ahmad Juned"));
  });
});

describe("normalizePersonName: Muhammad", () => {
  it("Moh. Djuned ≡ Muhammad Juned", () => {
    expect(normalizePersonName("Moh. Djuned")).toBe("muhammad juned");
    expect(normalizePersonName("Muhammad Juned")).toBe("muhammad juned");
  });

  it.each([
    "MUCHAMMAD RIZKI",
    "Muchamad Rizki",
    "Mochammad Rizki",
    "Mochamad Rizki",
    "Mohammad Rizki",
    "Mohamad Rizki",
    "Muhamad Rizki",
    "Muhammad Rizki",
    "Mukhammad Rizki",
    "Mohammed Rizki",
    "Moehammad Rizki",
    "M. Rizki",
    "M Rizki",
    "Moh. Rizki",
    "Moh Rizki",
    "Moh.Rizki",
    "Muh. Rizki",
    "Muh Rizki",
    "Moch. Rizki",
    "Much. Rizki",
    "Mhd. Rizki",
    "Mohd Rizki",
    "H. M. Rizki",
  ])("%s → muhammad rizki", (name) => {
    expect(normalizePersonName(name)).toBe("muhammad rizki");
  });

  it("canonicalises full spellings anywhere, abbreviations only at the start", () => {
    expect(normalizePersonName("Ahmad Muhamad Yusuf")).toBe("ahmad muhammad yusuf");
    expect(normalizePersonName("Ahmad M. Yusuf")).toBe("ahmad m yusuf");
  });

  it("keeps a lone abbreviation", () => {
    expect(normalizePersonName("Moh")).toBe("moh");
  });
});

describe("normalizePersonName: old spelling", () => {
  it.each([
    ["Djuned", "Juned"],
    ["Soekarno", "Sukarno"],
    ["Soehardjo", "Suharjo"],
    ["Tjiptono", "Ciptono"],
    ["Sjahrir", "Syahrir"],
    ["Njoto", "Nyoto"],
    ["Pandji", "Panji"],
    ["Chairul", "Khairul"],
    ["Siti Chadidjah", "Siti Khadijah"],
    ["Muchtar", "Mukhtar"],
    ["Achmad Dahlan", "Ahmad Dahlan"],
    ["Akhmad Dahlan", "Ahmad Dahlan"],
    ["Hassan", "Hasan"],
    ["Abdullah", "Abdulah"],
    ["Sjamsoeddin", "Syamsudin"],
    ["Moeljono", "Muljono"],
  ])("%s ≡ %s", (a, b) => {
    same(a, b);
  });

  it("applies dj→j, tj→c, sj→sy, nj→ny, oe→u, ch→kh and collapses doubles", () => {
    expect(normalizePersonName("Djoko Tjahjono")).toBe("joko cahjono");
    expect(normalizePersonName("Soehardjo")).toBe("suharjo");
    expect(normalizePersonName("Sjahrir")).toBe("syahrir");
    expect(normalizePersonName("Njoto")).toBe("nyoto");
    expect(normalizePersonName("Chairul")).toBe("khairul");
    expect(normalizePersonName("Hassanuddin")).toBe("hasanudin");
  });
});

describe("normalizePersonName: titles and degrees", () => {
  it.each([
    ["H. Ahmad Dahlan", "Ahmad Dahlan"],
    ["H Ahmad Dahlan", "Ahmad Dahlan"],
    ["Hj. Siti Aminah", "Siti Aminah"],
    ["KH. Ahmad Dahlan", "Ahmad Dahlan"],
    ["Ir. Budi Santoso", "Budi Santoso"],
    ["Dr. Budi Santoso", "Budi Santoso"],
    ["Drs. Budi Santoso", "Budi Santoso"],
    ["Dra. Siti Aminah", "Siti Aminah"],
    ["Prof. Dr. Ir. H. Budi Santoso", "Budi Santoso"],
    ["Drs.H.Budi Santoso", "Budi Santoso"],
    ["Bapak Budi Santoso", "Budi Santoso"],
    ["Ibu Siti Aminah", "Siti Aminah"],
    ["Bu Siti Aminah", "Siti Aminah"],
    ["Budi Santoso, S.Pd", "Budi Santoso"],
    ["Budi Santoso, S.Pd., M.M.", "Budi Santoso"],
    ["Budi Santoso S.Pd.", "Budi Santoso"],
    ["Budi Santoso S.E. M.Si", "Budi Santoso"],
    ["Siti Aminah, A.Md.Keb", "Siti Aminah"],
    ["Abd. Rahman", "Abdul Rahman"],
    ["St. Aminah", "Siti Aminah"],
  ])("%s ≡ %s", (a, b) => {
    same(a, b);
  });

  it("keeps a title when nothing else remains", () => {
    expect(normalizePersonName("Haji")).toBe("haji");
  });

  it("combines titles, abbreviations and spelling", () => {
    expect(normalizePersonName("H. Moch. Soehardjo, S.Sos")).toBe("muhammad suharjo");
    same("Hj. Siti Chadidjah, S.Pd", "Siti Khadijah");
  });
});

describe("cleanDisplayName", () => {
  it("trims and collapses whitespace", () => {
    expect(cleanDisplayName("  Budi \t  Santoso \n")).toEqual({ ok: true, value: "Budi Santoso" });
  });

  it("title-cases ALL CAPS", () => {
    expect(cleanDisplayName("BUDI SANTOSO")).toEqual({ ok: true, value: "Budi Santoso" });
    expect(cleanDisplayName("H. ABDUL GANI, S.PD")).toEqual({ ok: true, value: "H. Abdul Gani, S.Pd" });
    expect(cleanDisplayName("NUR-AINI")).toEqual({ ok: true, value: "Nur-Aini" });
  });

  it("title-cases all lower case, leaving letters after an apostrophe small", () => {
    expect(cleanDisplayName("siti ma'rifah")).toEqual({ ok: true, value: "Siti Ma'rifah" });
    expect(cleanDisplayName("moh.djuned")).toEqual({ ok: true, value: "Moh.Djuned" });
  });

  it("keeps mixed case as typed", () => {
    expect(cleanDisplayName("Siti NurAini binti Ahmad")).toEqual({
      ok: true,
      value: "Siti NurAini binti Ahmad",
    });
  });

  it("keeps names in scripts without case", () => {
    expect(cleanDisplayName("محمد")).toEqual({ ok: true, value: "محمد" });
  });

  it("accepts exactly 2 and 100 characters", () => {
    expect(cleanDisplayName("Ai")).toEqual({ ok: true, value: "Ai" });
    const long = "A".repeat(1) + "b".repeat(99);
    expect(cleanDisplayName(long)).toEqual({ ok: true, value: long });
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["A", "too_short"],
    [` ${"Ab".repeat(50)}x `, "too_long"],
    ["12", "no_letters"],
    ["...", "no_letters"],
    ["Budi 3201123456780001", "invalid_characters"],
    ["Budi 😀", "invalid_characters"],
    ["budi@example", "invalid_characters"],
  ])("%j → %s", (input, problem) => {
    expect(cleanDisplayName(input)).toEqual({ ok: false, problem });
  });
});
