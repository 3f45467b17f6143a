import { describe, expect, it } from "vitest";
import { matchOption, parseCount, parseTypedDate, parseTypedIsoDate, relativeDays, shiftIsoDate } from "../../src/domain/answers.js";

describe("parseCount", () => {
  it("reads digits and number words up to twenty, in Indonesian and English", () => {
    expect(parseCount("4")).toBe(4);
    expect(parseCount("empat")).toBe(4);
    expect(parseCount("Empat")).toBe(4);
    expect(parseCount("satu")).toBe(1);
    expect(parseCount("sepuluh")).toBe(10);
    expect(parseCount("sebelas")).toBe(11);
    expect(parseCount("dua belas")).toBe(12);
    expect(parseCount("sembilan belas")).toBe(19);
    expect(parseCount("dua puluh")).toBe(20);
    expect(parseCount("twelve")).toBe(12);
    expect(parseCount("٤")).toBe(4);
  });

  it("accepts a unit after the number", () => {
    expect(parseCount("4 orang")).toBe(4);
    expect(parseCount("lima jiwa")).toBe(5);
  });

  it("refuses what is not a whole number up to twenty in words", () => {
    expect(parseCount("dua ratus")).toBeNull();
    expect(parseCount("banyak")).toBeNull();
    expect(parseCount("4,5")).toBeNull();
    expect(parseCount("")).toBeNull();
  });
});

describe("relative days and typed dates", () => {
  const today = "2026-11-28";

  it("reads hari ini, kemarin, besok, lusa, minggu depan", () => {
    expect(relativeDays("hari ini")).toBe(0);
    expect(relativeDays("Kemarin")).toBe(-1);
    expect(relativeDays("besok")).toBe(1);
    expect(relativeDays("lusa")).toBe(2);
    expect(relativeDays("minggu depan")).toBe(7);
    expect(relativeDays("3 hari lalu")).toBe(-3);
    expect(relativeDays("dua minggu lagi")).toBe(14);
    expect(relativeDays("besok pagi")).toBeNull();
  });

  it("turns them into dates from today, across month ends", () => {
    expect(parseTypedIsoDate("besok", { today, years: "future" })).toBe("2026-11-29");
    expect(parseTypedIsoDate("lusa", { today: "2026-11-30", years: "future" })).toBe("2026-12-02");
    expect(parseTypedIsoDate("minggu depan", { today: "2026-12-28", years: "future" })).toBe("2027-01-04");
    expect(parseTypedIsoDate("kemarin", { today: "2026-03-01", years: "past" })).toBe("2026-02-28");
    expect(shiftIsoDate("2028-02-28", 1)).toBe("2028-02-29");
  });

  it("reads a two-digit year as the latest past year for past dates, and 20xx for dates to come", () => {
    expect(parseTypedDate("5-8-68", { today, years: "past" })).toEqual({ year: 1968, month: 8, day: 5 });
    expect(parseTypedDate("05/08/26", { today, years: "past" })).toEqual({ year: 2026, month: 8, day: 5 });
    expect(parseTypedDate("1-12-27", { today, years: "past" })).toEqual({ year: 1927, month: 12, day: 1 });
    expect(parseTypedDate("1-12-27", { today, years: "future" })).toEqual({ year: 2027, month: 12, day: 1 });
    expect(parseTypedDate("31-2-68", { today, years: "past" })).toBeNull();
  });

  it("still reads every full form", () => {
    expect(parseTypedIsoDate("05-08-1968", { today, years: "past" })).toBe("1968-08-05");
    expect(parseTypedIsoDate("5 Agustus 1968", { today, years: "past" })).toBe("1968-08-05");
    expect(parseTypedIsoDate("besok lusa kemarin", { today, years: "past" })).toBeNull();
  });
});

describe("matchOption", () => {
  const ppks = [
    { value: "fakir_miskin", label: "Fakir miskin" },
    { value: "lanjut_usia_terlantar", label: "Lansia terlantar" },
    { value: "anak_terlantar", label: "Anak terlantar" },
    { value: "anak_jalanan", label: "Anak jalanan" },
    { value: "odha", label: "Orang dengan HIV/AIDS (ODHA)" },
  ];
  const urgency = [
    { value: "biasa", label: "Biasa" },
    { value: "perhatian", label: "Perlu perhatian" },
    { value: "darurat", label: "🚨 Darurat" },
  ];

  it("finds an option by its name, whatever the case, emoji and punctuation", () => {
    expect(matchOption("fakir miskin", ppks)).toBe("fakir_miskin");
    expect(matchOption("FAKIR MISKIN.", ppks)).toBe("fakir_miskin");
    expect(matchOption("darurat", urgency)).toBe("darurat");
    expect(matchOption("Darurat!", urgency)).toBe("darurat");
    expect(matchOption("odha", ppks)).toBe("odha");
  });

  it("accepts a unique start of the words", () => {
    expect(matchOption("perlu", urgency)).toBe("perhatian");
    expect(matchOption("lansia", ppks)).toBe("lanjut_usia_terlantar");
    expect(matchOption("anak jalan", ppks)).toBe("anak_jalanan");
  });

  it("refuses what is ambiguous or unknown", () => {
    expect(matchOption("anak", ppks)).toBeUndefined();
    expect(matchOption("terlantar", ppks)).toBeUndefined();
    expect(matchOption("kaya raya", ppks)).toBeUndefined();
    expect(matchOption("a", ppks)).toBeUndefined();
  });

  it("knows other names of an option", () => {
    expect(matchOption("gawat", [...urgency.slice(0, 2), { value: "darurat", label: "🚨 Darurat", aliases: ["gawat", "mendesak"] }])).toBe("darurat");
  });
});
