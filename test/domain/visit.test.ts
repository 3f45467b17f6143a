import { describe, expect, it } from "vitest";
import {
  addDays,
  checkNextVisitDate,
  checkVisitDate,
  daysBetween,
  defaultNextVisitDate,
  elapsed,
  formatLocalTime,
  localDate,
  localHour,
  localNoon,
  maskName,
  visitDraftSchema,
} from "../../src/domain/visit.js";

describe("visit dates", () => {
  it("adds days and counts them across months and leap years", () => {
    expect(addDays("2026-11-28", 30)).toBe("2026-12-28");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(daysBetween("2026-11-28", "2026-12-28")).toBe(30);
    expect(daysBetween("2026-12-28", "2026-11-28")).toBe(-30);
  });

  it("accepts today and up to 30 days back, nothing in the future", () => {
    expect(checkVisitDate({ year: 2026, month: 11, day: 28 }, "2026-11-28")).toEqual({ ok: true, value: "2026-11-28" });
    expect(checkVisitDate({ year: 2026, month: 10, day: 29 }, "2026-11-28")).toEqual({ ok: true, value: "2026-10-29" });
    expect(checkVisitDate({ year: 2026, month: 10, day: 28 }, "2026-11-28")).toEqual({ ok: false, problem: "too_old" });
    expect(checkVisitDate({ year: 2026, month: 11, day: 29 }, "2026-11-28")).toEqual({ ok: false, problem: "future" });
  });

  it("puts the next visit after today and within a year", () => {
    expect(checkNextVisitDate({ year: 2026, month: 11, day: 28 }, "2026-11-28")).toEqual({ ok: false, problem: "not_after_today" });
    expect(checkNextVisitDate({ year: 2026, month: 11, day: 29 }, "2026-11-28")).toEqual({ ok: true, value: "2026-11-29" });
    expect(checkNextVisitDate({ year: 2027, month: 12, day: 1 }, "2026-11-28")).toEqual({ ok: false, problem: "too_far" });
  });

  it("suggests 30 days, or 7 for urgent cases, never today or earlier", () => {
    expect(defaultNextVisitDate("2026-11-28", "2026-11-28", "biasa")).toBe("2026-12-28");
    expect(defaultNextVisitDate("2026-11-28", "2026-11-28", "perhatian")).toBe("2026-12-05");
    expect(defaultNextVisitDate("2026-11-28", "2026-11-28", "darurat")).toBe("2026-12-05");
    // A visit reported 10 days late with a 7-day follow-up: tomorrow instead of 3 days ago.
    expect(defaultNextVisitDate("2026-11-18", "2026-11-28", "perhatian")).toBe("2026-11-29");
  });
});

describe("time zones", () => {
  const instant = new Date("2026-11-28T16:30:00Z");
  it("reads the local date and hour in WIB, WITA and WIT", () => {
    expect(localDate(instant, "Asia/Jakarta")).toBe("2026-11-28");
    expect(localDate(instant, "Asia/Jayapura")).toBe("2026-11-29");
    expect(localHour(instant, "Asia/Makassar")).toBe(0);
    expect(localHour(instant, "Asia/Jakarta")).toBe(23);
  });

  it("formats times the Indonesian way, with the zone", () => {
    expect(formatLocalTime(new Date("2026-11-28T06:30:00Z"), "Asia/Makassar", "WITA")).toBe("14.30 WITA");
    expect(formatLocalTime(new Date("2026-11-27T17:05:00Z"), "Asia/Jakarta", "WIB")).toBe("00.05 WIB");
  });

  it("gives local noon of a day as an instant", () => {
    expect(localNoon("2026-11-27", "WIB").toISOString()).toBe("2026-11-27T05:00:00.000Z");
    expect(localNoon("2026-11-27", "WIT").toISOString()).toBe("2026-11-27T03:00:00.000Z");
  });
});

describe("display helpers", () => {
  it("masks names to initials", () => {
    expect(maskName("Siti Aminah")).toBe("S. A.");
    expect(maskName("  muhammad   juned bin umar ali ")).toBe("M. J. B. U.");
    expect(maskName("")).toBe("–");
  });

  it("rounds ages down to the largest unit", () => {
    expect(elapsed(30_000)).toEqual({ unit: "now", n: 0 });
    expect(elapsed(5 * 60_000)).toEqual({ unit: "minutes", n: 5 });
    expect(elapsed(125 * 60_000)).toEqual({ unit: "hours", n: 2 });
    expect(elapsed(50 * 3600_000)).toEqual({ unit: "days", n: 2 });
  });
});

describe("visit draft validation", () => {
  const base = {
    householdId: 1,
    writtenAt: "2026-11-28T02:00:00.000Z",
    visitedOn: "2026-11-28",
    purpose: "monitoring",
    intervention: "preventif",
    conditions: ["stabil"],
    conditionNote: null,
    helpGiven: null,
    referral: null,
    referralNote: null,
    urgency: "biasa",
    followUp: true,
    nextVisitDate: "2026-12-28",
    photos: [],
    voices: [],
    location: null,
  };
  it("accepts a complete report and refuses inconsistent ones", () => {
    expect(visitDraftSchema.safeParse(base).success).toBe(true);
    expect(visitDraftSchema.safeParse({ ...base, nextVisitDate: null }).success).toBe(false);
    expect(visitDraftSchema.safeParse({ ...base, conditions: [] }).success).toBe(false);
    expect(visitDraftSchema.safeParse({ ...base, conditions: ["lainnya"] }).success).toBe(false);
    expect(visitDraftSchema.safeParse({ ...base, referral: "lainnya" }).success).toBe(false);
    expect(visitDraftSchema.safeParse({ ...base, purpose: "verifikasi" }).success).toBe(false);
  });
});
