import { describe, expect, it } from "vitest";
import { distanceMeters, formatDistance } from "../../src/domain/fieldwork/distance.js";
import { buildPlan, routeLegs, type PlanHousehold } from "../../src/domain/fieldwork/route.js";
import {
  addMonths,
  effectiveTarget,
  formatMonth,
  isBehind,
  monthRange,
  parseMonthInput,
  weeklyShare,
} from "../../src/domain/fieldwork/targets.js";
import { assessVisitLocation, deliveryDelayDays, isLateDelivery } from "../../src/domain/fieldwork/plausibility.js";
import { decodeFw, encodeFw, type FwAction } from "../../src/ui/fieldwork/callback-data.js";
import { pointAt } from "./support.js";

function hh(id: number, o: Partial<PlanHousehold>): PlanHousehold {
  return {
    id,
    refCode: `R${id}`,
    headName: `H${id}`,
    villageCode: "32.01.01.1001",
    villageName: "Kel. Pondok Rajeg",
    rt: "001",
    rw: "001",
    address: null,
    point: null,
    nextVisitDate: "2026-11-30",
    today: "2026-11-30",
    attention: false,
    ...o,
  };
}

describe("distance", () => {
  it("measures metres on the ground and formats them the Indonesian way", () => {
    expect(distanceMeters(pointAt(0, 0), pointAt(20, 0))).toBeCloseTo(20, 0);
    expect(distanceMeters(pointAt(0, 0), pointAt(1200, 1600))).toBeCloseTo(2000, -1);
    expect(formatDistance(20, "id")).toBe("20 m");
    expect(formatDistance(996, "id")).toBe("1,0 km");
    expect(formatDistance(344, "id")).toBe("340 m");
    expect(formatDistance(2049, "id")).toBe("2,0 km");
    expect(formatDistance(2149, "en")).toBe("2.1 km");
    expect(formatDistance(15_400, "id")).toBe("15 km");
  });
});

describe("day plan order", () => {
  it("puts overdue and attention first, walks GPS points nearest-first, then the rest", () => {
    const plan = buildPlan([
      hh(1, { nextVisitDate: "2026-11-25", point: pointAt(0, 0) }), // overdue 5
      hh(2, { point: pointAt(300, 0) }), // today
      hh(3, { point: pointAt(100, 0) }), // today
      hh(4, { nextVisitDate: "2026-11-28" }), // overdue 2, no point
      hh(5, { attention: true, point: pointAt(50, 0) }), // today, attention
      hh(6, {}), // today, no point
      hh(7, { nextVisitDate: "2026-12-02", point: pointAt(10, 0) }), // not due
    ]);
    expect(plan).toHaveLength(1);
    expect(plan[0]!.items.map((i) => i.id)).toEqual([1, 5, 4, 3, 2, 6]);
    expect(plan[0]!.route).toHaveLength(4);
  });

  it("groups by village then RW and RT numerically, unrecorded last", () => {
    const plan = buildPlan([
      hh(1, { rt: "010", rw: "002" }),
      hh(2, { rt: "002", rw: "002" }),
      hh(3, { rt: null, rw: null }),
      hh(4, { villageCode: "32.01.01.1002", villageName: "Kel. Karadenan", rt: "001", rw: "001" }),
      hh(5, { rt: "003", rw: "001" }),
    ]);
    expect(plan.map((g) => g.key)).toEqual(["32.01.01.1002:001:001", "32.01.01.1001:001:003", "32.01.01.1001:002:002", "32.01.01.1001:002:010", "32.01.01.1001:-:-"]);
  });

  it("cuts a route into Google Maps links of at most 3 waypoints, no API key", () => {
    const points = Array.from({ length: 6 }, (_, i) => pointAt(i * 100, 0));
    const legs = routeLegs(points);
    expect(legs.map((l) => [l.from, l.to])).toEqual([
      [1, 4],
      [5, 6],
    ]);
    const first = new URL(legs[0]!.url);
    expect(first.origin + first.pathname).toBe("https://www.google.com/maps/dir/");
    expect(first.searchParams.get("api")).toBe("1");
    expect(first.searchParams.get("origin")).toBeNull(); // from where the volunteer is
    expect(first.searchParams.get("waypoints")!.split("|")).toHaveLength(3);
    expect(first.searchParams.get("travelmode")).toBe("walking");
    expect(first.searchParams.has("key")).toBe(false);
    const second = new URL(legs[1]!.url);
    expect(second.searchParams.get("origin")).toBe(first.searchParams.get("destination"));
  });
});

describe("months and targets", () => {
  it("reads months as people type them and names them in Indonesian", () => {
    expect(parseMonthInput("November 2026", "2026-12")).toBe("2026-11");
    expect(parseMonthInput("des", "2026-11")).toBe("2025-12");
    expect(parseMonthInput("12/2026", "2026-12")).toBe("2026-12");
    expect(parseMonthInput("2026-13", "2026-12")).toBeNull();
    expect(formatMonth("2026-12", "id")).toBe("Desember 2026");
    expect(addMonths("2026-12", 1)).toBe("2027-01");
  });

  it("starts a local month at local midnight in each zone", () => {
    expect(monthRange("2026-12", "WIB").start.toISOString()).toBe("2026-11-30T17:00:00.000Z");
    expect(monthRange("2026-12", "WITA").start.toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(monthRange("2026-12", "WIT").end.toISOString()).toBe("2026-12-31T15:00:00.000Z");
  });

  it("uses the volunteer's own target, else the most specific area's", () => {
    const rows = [
      { volunteerId: null, areaCode: "32.01", visits: 10, registrations: 1 },
      { volunteerId: null, areaCode: "32.01.01", visits: 20, registrations: 2 },
      { volunteerId: 7, areaCode: null, visits: 30, registrations: 3 },
    ];
    expect(effectiveTarget(rows, 7, "32.01.01.1001")).toMatchObject({ source: "volunteer", visits: 30 });
    expect(effectiveTarget(rows, 8, "32.01.01.1001")).toMatchObject({ source: "area", areaCode: "32.01.01", visits: 20 });
    expect(effectiveTarget(rows, 9, "32.01.02.2001")).toMatchObject({ areaCode: "32.01", visits: 10 });
    expect(effectiveTarget(rows, 9, "73.71.01.1001")).toBeNull();
  });

  it("is behind below 60% only", () => {
    expect(isBehind(5, 10)).toBe(true);
    expect(isBehind(6, 10)).toBe(false);
    expect(isBehind(0, 0)).toBe(false);
  });

  it("shares a monthly target over a week, across two months", () => {
    expect(weeklyShare("2026-11-23", () => 30)).toBe(7);
    // 28 Dec 2026 – 3 Jan 2027: four December days of 31 and three January days of 62.
    expect(weeklyShare("2026-12-28", (m) => (m === "2026-12" ? 31 : 62))).toBe(10);
    expect(weeklyShare("2026-11-23", () => null)).toBeNull();
  });
});

describe("plausibility", () => {
  it("is fine near the house, flags and asks far away, flags a missing location", () => {
    const home = pointAt(0, 0);
    expect(assessVisitLocation({ household: home, visit: pointAt(20, 0), warnM: 500 })).toEqual({ distanceM: 20, reason: null, question: null });
    expect(assessVisitLocation({ household: home, visit: pointAt(2000, 0), warnM: 500 })).toMatchObject({ reason: "far", question: "far" });
    expect(assessVisitLocation({ household: home, visit: null, warnM: 500 })).toMatchObject({ reason: "no_location", question: null });
    expect(assessVisitLocation({ household: null, visit: home, warnM: 500 })).toMatchObject({ reason: null, question: "no_point" });
  });

  it("shows the delivery delay only past a day", () => {
    const written = new Date("2026-11-27T03:00:00Z");
    expect(isLateDelivery(written, new Date("2026-11-28T02:59:00Z"))).toBe(false);
    expect(isLateDelivery(written, new Date("2026-11-30T04:00:00Z"))).toBe(true);
    expect(deliveryDelayDays(written, new Date("2026-11-30T04:00:00Z"))).toBe(3);
  });
});

describe("callback data", () => {
  it("round-trips every action under 64 bytes and refuses malformed data", () => {
    const actions: FwAction[] = [
      { k: "plan" },
      { k: "group", village: "32.01.01.1001", rw: "005", rt: null },
      { k: "postpone", householdId: 123456789 },
      { k: "location", visitId: 42, update: true },
      { k: "targets", month: "2026-12" },
      { k: "setTarget", month: "2027-01" },
      { k: "reportWho", page: 3 },
      { k: "reportMonth", subject: { kind: "volunteer", id: 99 } },
      { k: "report", subject: { kind: "area" }, month: "2026-11" },
    ];
    for (const a of actions) {
      const data = encodeFw(a);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decodeFw(data)).toEqual(a);
    }
    for (const bad of ["fw:", "fw:t:abc", "fw:l:x:202612", "fw:l:a:202613", "fw:g:32.01':001:001", "fw:loc:1:z", "xx:p"]) expect(decodeFw(bad)).toBeNull();
  });
});
