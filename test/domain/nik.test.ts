import { describe, it, expect } from "vitest";
import {
  checkNik,
  describeNikDay,
  isPlausibleHeadAge,
  regionPrefixOf,
  type NikCheck,
  type NikValid,
} from "../../src/domain/nik.js";

const NOW = new Date("2026-11-28T10:00:00Z");

function valid(result: NikCheck): NikValid {
  if (!result.ok) {
    throw new Error(`expected a valid NIK, got ${JSON.stringify(result.problems)}`);
  }
  return result;
}

function problems(input: string, now: Date = NOW): unknown[] {
  const result = checkNik(input, { now });
  if (result.ok) {
    throw new Error(`expected problems for ${input}`);
  }
  return result.problems;
}

/** Builds an NIK from parts (region 320105). */
function nik(dd: string, mm: string, yy: string, serial = "0001"): string {
  return `320105${dd}${mm}${yy}${serial}`;
}

describe("checkNik: worked examples from domain.md", () => {
  it("3602041211870001: male, 12-11-1987, Banten / Kab. Serang / kec. 04", () => {
    const r = valid(checkNik("3602041211870001", { now: NOW }));
    expect(r).toEqual({
      ok: true,
      nik: "3602041211870001",
      sex: "L",
      birthDate: "1987-11-12",
      alternativeBirthDate: null,
      regionPrefix: { province: "36", regency: "36.02", district: "36.02.04" },
      dayDigits: 12,
    });
  });

  it("3273056010900009: female (60 − 40 = 20), 20-10-1990, Kota Bandung kec. 05", () => {
    const r = valid(checkNik("3273056010900009", { now: NOW }));
    expect(r.sex).toBe("P");
    expect(r.birthDate).toBe("1990-10-20");
    expect(r.alternativeBirthDate).toBeNull();
    expect(r.dayDigits).toBe(60);
    expect(r.regionPrefix).toEqual({ province: "32", regency: "32.73", district: "32.73.05" });
  });

  it("3515144508680002: female, 05-08-1968, Sidoarjo / Sukodono", () => {
    const r = valid(checkNik("3515144508680002", { now: NOW }));
    expect(r.sex).toBe("P");
    expect(r.birthDate).toBe("1968-08-05");
    expect(r.dayDigits).toBe(45);
    expect(r.regionPrefix.district).toBe("35.15.14");
  });
});

describe("checkNik: normalisation", () => {
  it("accepts spaces, dots and dashes", () => {
    expect(valid(checkNik("3602 0412.1187-0001", { now: NOW })).nik).toBe("3602041211870001");
  });

  it("accepts Arabic-Indic digits", () => {
    expect(valid(checkNik("٣٦٠٢٠٤١٢١١٨٧٠٠٠١", { now: NOW })).nik).toBe("3602041211870001");
  });

  it("accepts Extended Arabic-Indic digits", () => {
    expect(valid(checkNik("۳۶۰۲۰۴۱۲۱۱۸۷۰۰۰۱", { now: NOW })).nik).toBe("3602041211870001");
  });

  it("accepts full-width digits", () => {
    expect(valid(checkNik("３６０２０４１２１１８７０００１", { now: NOW })).nik).toBe(
      "3602041211870001",
    );
  });
});

describe("checkNik: problems", () => {
  it("length: too short, reporting the digit count", () => {
    expect(problems("360204121187001")).toEqual([{ code: "length", params: { length: 15 } }]);
  });

  it("length: too long", () => {
    expect(problems("36020412118700011")).toEqual([{ code: "length", params: { length: 17 } }]);
  });

  it("length: empty input", () => {
    expect(problems("  ")).toEqual([{ code: "length", params: { length: 0 } }]);
  });

  it("not_digits: letters (only this problem is reported)", () => {
    expect(problems("36020412118700O1")).toEqual([{ code: "not_digits" }]);
    expect(problems("NIK 3602041211870001")).toEqual([{ code: "not_digits" }]);
  });

  it.each([0, 32, 35, 40, 72, 80, 99])("day_invalid: %i", (day) => {
    expect(problems(nik(String(day).padStart(2, "0"), "05", "90"))).toEqual([
      { code: "day_invalid", params: { day } },
    ]);
  });

  it.each([1, 31, 41, 71])("day %i is accepted", (day) => {
    expect(checkNik(nik(String(day).padStart(2, "0"), "01", "90"), { now: NOW }).ok).toBe(true);
  });

  it.each([0, 13, 19, 99])("month_invalid: %i", (month) => {
    expect(problems(nik("10", String(month).padStart(2, "0"), "90"))).toEqual([
      { code: "month_invalid", params: { month } },
    ]);
  });

  it("date_invalid: 31-02", () => {
    expect(problems(nik("31", "02", "90"))).toEqual([
      { code: "date_invalid", params: { day: 31, month: 2, year: 1990 } },
    ]);
  });

  it("date_invalid: 31-04 for a woman (71), day reported as the real day", () => {
    expect(problems(nik("71", "04", "85"))).toEqual([
      { code: "date_invalid", params: { day: 31, month: 4, year: 1985 } },
    ]);
  });

  it("serial_zero", () => {
    expect(problems(nik("12", "11", "87", "0000"))).toEqual([{ code: "serial_zero" }]);
  });

  it("reports several problems at once", () => {
    expect(problems(nik("00", "13", "87", "0000"))).toEqual([
      { code: "day_invalid", params: { day: 0 } },
      { code: "month_invalid", params: { month: 13 } },
      { code: "serial_zero" },
    ]);
  });

  it("never reports an unknown region prefix", () => {
    const r = valid(checkNik("9999991211870001", { now: NOW }));
    expect(r.regionPrefix).toEqual({ province: "99", regency: "99.99", district: "99.99.99" });
  });
});

describe("checkNik: 29 February", () => {
  it("is valid in a leap year (1988)", () => {
    expect(valid(checkNik(nik("29", "02", "88"), { now: NOW })).birthDate).toBe("1988-02-29");
  });

  it("is valid for a woman in a leap year (69 = 29)", () => {
    const r = valid(checkNik(nik("69", "02", "04"), { now: NOW }));
    expect(r.sex).toBe("P");
    expect(r.birthDate).toBe("2004-02-29");
  });

  it("is invalid in a non-leap year (1987)", () => {
    expect(problems(nik("29", "02", "87"))).toEqual([
      { code: "date_invalid", params: { day: 29, month: 2, year: 1987 } },
    ]);
  });

  it("is invalid in 2023, a non-leap year in the chosen century", () => {
    expect(problems(nik("29", "02", "23"))).toEqual([
      { code: "date_invalid", params: { day: 29, month: 2, year: 2023 } },
    ]);
  });

  it("yy = 00: valid because 2000 is a leap year, even though 1900 is not", () => {
    const r = valid(checkNik(nik("29", "02", "00"), { now: NOW }));
    expect(r.birthDate).toBe("2000-02-29");
    expect(r.alternativeBirthDate).toBeNull();
  });

  it("yy = 00 before 2000: 1900 is chosen and is not a leap year", () => {
    expect(problems(nik("29", "02", "00"), new Date("1999-06-01T00:00:00Z"))).toEqual([
      { code: "date_invalid", params: { day: 29, month: 2, year: 1900 } },
    ]);
  });
});

describe("checkNik: century rule", () => {
  it("uses 20YY when not in the future", () => {
    const r = valid(checkNik(nik("05", "03", "15"), { now: NOW }));
    expect(r.birthDate).toBe("2015-03-05");
    // 1915 would make the person 111: not offered.
    expect(r.alternativeBirthDate).toBeNull();
  });

  it("uses 19YY when 20YY is a later year", () => {
    expect(valid(checkNik(nik("05", "03", "27"), { now: NOW })).birthDate).toBe("1927-03-05");
  });

  it("offers the other century when that person would be at most 110", () => {
    const r = valid(checkNik(nik("05", "03", "20"), { now: NOW }));
    expect(r.birthDate).toBe("2020-03-05");
    expect(r.alternativeBirthDate).toBe("1920-03-05");
  });

  it("offers the other century at age 110 but not at 111", () => {
    // 1915-11-29: 110 on 2026-11-28 (birthday tomorrow); 1915-11-28: 111 today.
    expect(valid(checkNik(nik("29", "11", "15"), { now: NOW })).alternativeBirthDate).toBe(
      "1915-11-29",
    );
    expect(valid(checkNik(nik("28", "11", "15"), { now: NOW })).alternativeBirthDate).toBeNull();
  });

  it("uses the current year for a birth date up to today", () => {
    const r = valid(checkNik(nik("28", "11", "26"), { now: NOW }));
    expect(r.birthDate).toBe("2026-11-28");
    expect(r.alternativeBirthDate).toBe("1926-11-28");
  });

  it("uses 19YY for a date later in the current year (no future birth dates)", () => {
    const r = valid(checkNik(nik("05", "12", "26"), { now: NOW }));
    expect(r.birthDate).toBe("1926-12-05");
    expect(r.alternativeBirthDate).toBeNull();
  });

  it("reads today's date in UTC", () => {
    // 2026-11-28T23:30 UTC is already 29 November in WIB, but UTC is used.
    const late = new Date("2026-11-28T23:30:00Z");
    expect(valid(checkNik(nik("29", "11", "26"), { now: late })).birthDate).toBe("1926-11-29");
  });
});

describe("describeNikDay", () => {
  it("decodes men's days", () => {
    expect(describeNikDay(1)).toEqual({ sex: "L", day: 1 });
    expect(describeNikDay(12)).toEqual({ sex: "L", day: 12 });
    expect(describeNikDay(31)).toEqual({ sex: "L", day: 31 });
  });

  it("decodes women's days (day + 40)", () => {
    expect(describeNikDay(41)).toEqual({ sex: "P", day: 1 });
    expect(describeNikDay(45)).toEqual({ sex: "P", day: 5 });
    expect(describeNikDay(60)).toEqual({ sex: "P", day: 20 });
    expect(describeNikDay(71)).toEqual({ sex: "P", day: 31 });
  });

  it.each([0, 32, 40, 72, 99, -1, 4.5, 100])("returns null for %d", (d) => {
    expect(describeNikDay(d)).toBeNull();
  });
});

describe("isPlausibleHeadAge", () => {
  it("accepts 15 years and older", () => {
    expect(isPlausibleHeadAge("2011-11-28", NOW)).toBe(true);
    expect(isPlausibleHeadAge("1968-08-05", NOW)).toBe(true);
  });

  it("rejects younger than 15", () => {
    expect(isPlausibleHeadAge("2011-11-29", NOW)).toBe(false);
    expect(isPlausibleHeadAge("2023-01-01", NOW)).toBe(false);
  });

  it("rejects invalid dates and future dates", () => {
    expect(isPlausibleHeadAge("1987-02-29", NOW)).toBe(false);
    expect(isPlausibleHeadAge("not a date", NOW)).toBe(false);
    expect(isPlausibleHeadAge("2030-01-01", NOW)).toBe(false);
  });

  it("works with a decoded NIK", () => {
    const child = valid(checkNik(nik("05", "03", "23"), { now: NOW }));
    expect(isPlausibleHeadAge(child.birthDate, NOW)).toBe(false);
  });
});

describe("regionPrefixOf", () => {
  it("splits the first six digits into dotted codes", () => {
    expect(regionPrefixOf("3201051234560001")).toEqual({
      province: "32",
      regency: "32.01",
      district: "32.01.05",
    });
  });
});
