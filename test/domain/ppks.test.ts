import { describe, it, expect } from "vitest";
import {
  HOUSEHOLD_STATUSES,
  HOUSING_CONDITIONS,
  INTERVENTION_TYPES,
  MAIN_NEEDS,
  PPKS,
  PPKS_CODES,
  PROGRAMMES,
  RELATIONSHIPS,
  URGENCY_LEVELS,
  VISIT_PURPOSES,
  findPpks,
  isHouseholdStatus,
  isHousingCondition,
  isInterventionType,
  isMainNeed,
  isPpksCode,
  isProgrammeCode,
  isRelationship,
  isUrgency,
  isVisitPurpose,
  type PpksCode,
} from "../../src/domain/ppks.js";

describe("PPKS", () => {
  it("has the 26 categories with unique snake_case codes", () => {
    expect(PPKS).toHaveLength(26);
    expect(new Set(PPKS_CODES).size).toBe(26);
    for (const code of PPKS_CODES) {
      expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
    }
  });

  it("follows the Permensos 08/2012 order", () => {
    expect(PPKS_CODES[0]).toBe("anak_balita_terlantar");
    expect(PPKS_CODES[1]).toBe("anak_terlantar");
    expect(PPKS_CODES[7]).toBe("lanjut_usia_terlantar");
    expect(PPKS_CODES[8]).toBe("penyandang_disabilitas");
    expect(PPKS_CODES[15]).toBe("orang_dengan_hiv_aids");
    expect(PPKS_CODES[22]).toBe("perempuan_rawan_sosial_ekonomi");
    expect(PPKS_CODES[23]).toBe("fakir_miskin");
    expect(PPKS_CODES[25]).toBe("komunitas_adat_terpencil");
  });

  it("carries the common abbreviations, null where there is none", () => {
    expect(PPKS.map((p) => p.abbreviation)).toEqual([
      "ABT", "AT", "ABH", "AJ", "ADK", "AKTK", "AMPK", "LUT", "PD", "TS",
      null, null, null, null, "BWBLP", "ODHA", null, null, "KTK", "PMBS",
      "KBA", "KBS", "PRSE", "FM", "KBSP", "KAT",
    ]);
  });

  it("does not include RTLH (a housing condition, not a PPKS category)", () => {
    expect(PPKS_CODES.some((c) => c.includes("rumah"))).toBe(false);
  });

  it("findPpks", () => {
    expect(findPpks("fakir_miskin")?.officialName).toBe("Fakir Miskin");
    expect(findPpks("rtlh")).toBeUndefined();
  });

  it("the PpksCode type accepts a listed code", () => {
    const code: PpksCode = "korban_bencana_alam";
    expect(isPpksCode(code)).toBe(true);
  });
});

describe("vocabularies", () => {
  it("have the agreed codes", () => {
    expect(PROGRAMMES).toEqual(["pkh", "bpnt", "pbi_jk", "blt_dd", "lainnya"]);
    expect(INTERVENTION_TYPES).toEqual(["preventif", "kuratif", "rehabilitatif", "pengembangan"]);
    expect(VISIT_PURPOSES).toEqual([
      "asesmen",
      "monitoring",
      "pengantaran_bantuan",
      "rujukan",
      "terminasi",
    ]);
    expect(URGENCY_LEVELS).toEqual(["biasa", "perhatian", "darurat"]);
    expect(HOUSEHOLD_STATUSES).toEqual([
      "terdaftar",
      "diverifikasi",
      "diusulkan",
      "menerima_bantuan",
      "selesai",
      "ditolak",
    ]);
    expect(HOUSING_CONDITIONS).toEqual(["layak", "tidak_layak"]);
    expect(RELATIONSHIPS).toEqual([
      "suami",
      "istri",
      "anak",
      "menantu",
      "cucu",
      "orang_tua",
      "mertua",
      "famili_lain",
      "lainnya",
    ]);
    expect(MAIN_NEEDS).toContain("pangan");
    expect(MAIN_NEEDS).toContain("air_bersih_sanitasi");
    expect(MAIN_NEEDS[MAIN_NEEDS.length - 1]).toBe("lainnya");
    expect(new Set(MAIN_NEEDS).size).toBe(MAIN_NEEDS.length);
  });
});

describe("type guards", () => {
  const cases = [
    [isPpksCode, PPKS_CODES],
    [isProgrammeCode, PROGRAMMES],
    [isInterventionType, INTERVENTION_TYPES],
    [isVisitPurpose, VISIT_PURPOSES],
    [isUrgency, URGENCY_LEVELS],
    [isHouseholdStatus, HOUSEHOLD_STATUSES],
    [isHousingCondition, HOUSING_CONDITIONS],
    [isRelationship, RELATIONSHIPS],
    [isMainNeed, MAIN_NEEDS],
  ] as const;

  it.each(cases.map(([guard, values]) => [guard.name, guard, values] as const))(
    "guard %# accepts every listed code and rejects others",
    (_name, guard, values) => {
      for (const value of values) {
        expect(guard(value)).toBe(true);
      }
      for (const other of ["", "none", "PKH", "Terdaftar", " pangan", 1, null, undefined, {}]) {
        expect(guard(other)).toBe(false);
      }
    },
  );

  it("narrows unknown values", () => {
    const input: unknown = "pkh";
    if (isProgrammeCode(input)) {
      const narrowed: "pkh" | "bpnt" | "pbi_jk" | "blt_dd" | "lainnya" = input;
      expect(narrowed).toBe("pkh");
    } else {
      throw new Error("expected a programme code");
    }
  });
});
