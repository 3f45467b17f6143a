import { describe, it, expect } from "vitest";
import {
  ageInYears,
  calendarDateOf,
  compareDates,
  daysInMonth,
  formatDateId,
  isLeapYear,
  isValidDate,
  localDateOf,
  localDateParts,
  parseIndonesianDate,
  parseIsoDate,
  toIsoDate,
} from "../../src/domain/dates.js";

const AUG_5_1968 = { year: 1968, month: 8, day: 5 };

describe("parseIndonesianDate: numeric forms", () => {
  it.each([
    "05-08-1968",
    "5-8-1968",
    "5/8/1968",
    "05/08/1968",
    "05.08.1968",
    "5.8.1968",
    "5 - 8 - 1968",
    " 05-08-1968 ",
    "05081968",
    "1968-08-05",
    "٠٥-٠٨-١٩٦٨",
    "０５/０８/１９６８",
  ])("%j", (input) => {
    expect(parseIndonesianDate(input)).toEqual(AUG_5_1968);
  });

  it("reads numbers day first", () => {
    expect(parseIndonesianDate("03-04-2001")).toEqual({ year: 2001, month: 4, day: 3 });
  });
});

describe("parseIndonesianDate: month names", () => {
  it.each([
    "5 Agustus 1968",
    "5 agustus 1968",
    "5 AGUSTUS 1968",
    "05 Agustus 1968",
    "5 agt 1968",
    "5 Agt. 1968",
    "5 Agu 1968",
    "5 ags 1968",
    "5 Agus 1968",
    "5 Aug 1968",
    "5 August 1968",
    "5-Agu-1968",
    "5/agt/1968",
    "5  Agustus   1968",
    "5 Agustus, 1968",
    "August 5, 1968",
    "Aug 5 1968",
  ])("%j", (input) => {
    expect(parseIndonesianDate(input)).toEqual(AUG_5_1968);
  });

  it.each([
    ["Januari", 1], ["January", 1], ["Jan", 1],
    ["Februari", 2], ["Pebruari", 2], ["February", 2], ["Feb", 2], ["Peb", 2],
    ["Maret", 3], ["March", 3], ["Mar", 3], ["Mrt", 3],
    ["April", 4], ["Apr", 4],
    ["Mei", 5], ["May", 5],
    ["Juni", 6], ["June", 6], ["Jun", 6],
    ["Juli", 7], ["July", 7], ["Jul", 7],
    ["Agustus", 8], ["August", 8], ["Agu", 8], ["Agt", 8], ["Ags", 8], ["Aug", 8],
    ["September", 9], ["Sep", 9], ["Sept", 9],
    ["Oktober", 10], ["October", 10], ["Okt", 10], ["Oct", 10],
    ["November", 11], ["Nopember", 11], ["Nov", 11], ["Nop", 11],
    ["Desember", 12], ["December", 12], ["Des", 12], ["Dec", 12],
  ] as const)("%s → month %i", (word, month) => {
    expect(parseIndonesianDate(`1 ${word} 2000`)).toEqual({ year: 2000, month, day: 1 });
  });
});

describe("parseIndonesianDate: rejections", () => {
  it.each([
    ["", "empty"],
    ["5-8-68", "two-digit year"],
    ["5 Agustus 68", "two-digit year with a month word"],
    ["05/08/'68", "abbreviated year"],
    ["050868", "six digits"],
    ["31-02-1990", "31 February"],
    ["29-02-1987", "29 February in a non-leap year"],
    ["29-02-1900", "1900 is not a leap year"],
    ["31-04-1990", "31 April"],
    ["00-01-1990", "day 0"],
    ["32-01-1990", "day 32"],
    ["10-13-1990", "month 13"],
    ["10-00-1990", "month 0"],
    ["5 Agst 1968", "unknown abbreviation"],
    ["5 Foo 1968", "unknown month"],
    ["01-01-1799", "year too early"],
    ["01-01-2200", "year too late"],
    ["1968-8-5x", "trailing junk"],
    ["kemarin", "words"],
    ["12345678901", "long number"],
  ])("%j (%s)", (input) => {
    expect(parseIndonesianDate(input)).toBeNull();
  });

  it("accepts 29 February in leap years", () => {
    expect(parseIndonesianDate("29-02-1988")).toEqual({ year: 1988, month: 2, day: 29 });
    expect(parseIndonesianDate("29 Februari 2000")).toEqual({ year: 2000, month: 2, day: 29 });
  });
});

describe("formatDateId", () => {
  it("formats in Indonesian", () => {
    expect(formatDateId("1968-08-05", "id")).toBe("5 Agustus 1968");
    expect(formatDateId("2024-12-31", "id")).toBe("31 Desember 2024");
    expect(formatDateId("2000-05-01", "id")).toBe("1 Mei 2000");
  });

  it("formats in English, day first", () => {
    expect(formatDateId("1968-08-05", "en")).toBe("5 August 1968");
    expect(formatDateId("2000-05-01", "en")).toBe("1 May 2000");
  });

  it("throws on invalid input", () => {
    expect(() => formatDateId("1968-8-5", "id")).toThrow(RangeError);
    expect(() => formatDateId("1987-02-29", "id")).toThrow(RangeError);
  });

  it("round-trips with parseIndonesianDate", () => {
    const parsed = parseIndonesianDate(formatDateId("1968-08-05", "id"));
    expect(parsed && toIsoDate(parsed)).toBe("1968-08-05");
  });
});

describe("toIsoDate and parseIsoDate", () => {
  it("pads with zeros", () => {
    expect(toIsoDate(AUG_5_1968)).toBe("1968-08-05");
    expect(toIsoDate({ year: 2024, month: 12, day: 31 })).toBe("2024-12-31");
  });

  it("parses strict ISO dates only", () => {
    expect(parseIsoDate("1968-08-05")).toEqual(AUG_5_1968);
    expect(parseIsoDate("1968-8-5")).toBeNull();
    expect(parseIsoDate("1968-02-30")).toBeNull();
    expect(parseIsoDate("05-08-1968")).toBeNull();
  });
});

describe("calendar helpers", () => {
  it("isLeapYear", () => {
    expect(isLeapYear(2024)).toBe(true);
    expect(isLeapYear(2000)).toBe(true);
    expect(isLeapYear(1900)).toBe(false);
    expect(isLeapYear(2023)).toBe(false);
  });

  it("daysInMonth", () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(2023, 4)).toBe(30);
    expect(daysInMonth(2023, 12)).toBe(31);
    expect(daysInMonth(2023, 13)).toBe(0);
  });

  it("isValidDate", () => {
    expect(isValidDate({ year: 2024, month: 2, day: 29 })).toBe(true);
    expect(isValidDate({ year: 2023, month: 2, day: 29 })).toBe(false);
    expect(isValidDate({ year: 2023, month: 1, day: 1.5 })).toBe(false);
  });

  it("compareDates", () => {
    expect(compareDates(AUG_5_1968, { year: 1968, month: 8, day: 6 })).toBeLessThan(0);
    expect(compareDates(AUG_5_1968, AUG_5_1968)).toBe(0);
    expect(compareDates({ year: 1969, month: 1, day: 1 }, AUG_5_1968)).toBeGreaterThan(0);
  });

  it("ageInYears counts completed years on the local (WIB) day", () => {
    const now = new Date("2026-08-05T00:00:00Z");
    expect(ageInYears("1968-08-05", now)).toBe(58);
    expect(ageInYears("1968-08-06", now)).toBe(57);
    expect(ageInYears("2027-01-01", now)).toBe(-1);
    expect(ageInYears("1988-02-29", new Date("2027-02-28T12:00:00Z"))).toBe(38);
    expect(ageInYears("1988-02-29", new Date("2027-03-01T12:00:00Z"))).toBe(39);
    expect(ageInYears("bad", now)).toBeNaN();
    // 00:30 WIB on the birthday is still the day before in UTC.
    expect(ageInYears("1968-08-05", new Date("2026-08-04T17:30:00Z"))).toBe(58);
    expect(ageInYears("1968-08-05", new Date("2026-08-04T17:30:00Z"), "WIT")).toBe(58);
    expect(ageInYears("1968-08-05", new Date("2026-08-04T16:00:00Z"), "WIB")).toBe(57);
  });
});

describe("localDateOf: the calendar date in the household's zone", () => {
  it.each([
    // [instant (UTC), zone, local date]
    ["2026-12-01T17:30:00Z", "WIB", "2026-12-02"], // 00:30 WIB
    ["2026-12-01T23:59:00Z", "WIB", "2026-12-02"], // 06:59 WIB
    ["2026-12-01T16:59:00Z", "WIB", "2026-12-01"], // 23:59 WIB
    ["2026-12-01T16:30:00Z", "WITA", "2026-12-02"], // 00:30 WITA
    ["2026-12-01T22:59:00Z", "WITA", "2026-12-02"], // 06:59 WITA
    ["2026-12-01T15:30:00Z", "WIT", "2026-12-02"], // 00:30 WIT
    ["2026-12-01T21:59:00Z", "WIT", "2026-12-02"], // 06:59 WIT
    ["2026-12-31T17:00:00Z", "Asia/Jakarta", "2027-01-01"], // an IANA name works too
  ])("%s in %s is %s", (iso, zone, date) => {
    expect(localDateOf(new Date(iso), zone)).toBe(date);
    expect(localDateOf(iso, { tz: zone === "WIB" ? "Asia/Jakarta" : zone === "WITA" ? "Asia/Makassar" : zone === "WIT" ? "Asia/Jayapura" : zone })).toBe(date);
  });

  it("defaults to WIB when the zone is unknown", () => {
    expect(localDateOf(new Date("2026-12-01T17:30:00Z"), null)).toBe("2026-12-02");
  });

  it("calendarDateOf keeps date columns and converts timestamps", () => {
    expect(calendarDateOf("2026-12-05", "WIT")).toBe("2026-12-05");
    expect(calendarDateOf(new Date("2026-12-01T21:11:00Z"), "WIB")).toBe("2026-12-02");
    expect(localDateParts(new Date("2026-12-01T21:11:00Z"), "WIB")).toEqual({ year: 2026, month: 12, day: 2 });
  });
});
