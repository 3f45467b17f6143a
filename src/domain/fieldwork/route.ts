/**
 * The day plan (/rencana): due and overdue households grouped by village and RW/RT, in an
 * order that lets one walk cover a neighbourhood, and map links through a group's points.
 * Pure functions; "today" is passed in per household (its own zone's local date).
 *
 * @module
 */

import { distanceMeters, type GeoPoint } from "./distance.js";

/** A household as the plan sees it. */
export interface PlanHousehold {
  id: number;
  refCode: string;
  headName: string;
  villageCode: string;
  /** Display name of the village ("Kel. Pondok Rajeg"). */
  villageName: string;
  rt: string | null;
  rw: string | null;
  address: string | null;
  point: GeoPoint | null;
  /** Planned visit date (ISO). */
  nextVisitDate: string;
  /** The local date today in the household's zone (ISO). */
  today: string;
  /** The latest visit asked for attention ("perlu perhatian" or "darurat"). */
  attention: boolean;
}

export interface PlanItem extends PlanHousehold {
  /** Past its planned date (today does not count). */
  overdue: boolean;
  /** 0: overdue or needing attention; 1: due today. */
  tier: 0 | 1;
}

export interface PlanGroup {
  /** Identifies the group in callback data: "<village>:<rw or ->:<rt or ->". */
  key: string;
  villageCode: string;
  villageName: string;
  rw: string | null;
  rt: string | null;
  items: PlanItem[];
  /** The items that have a point, in walking order. */
  route: GeoPoint[];
}

/** A group's key (also the callback's): the village code and RW/RT, "-" when not recorded. */
export function groupKey(villageCode: string, rw: string | null, rt: string | null): string {
  return `${villageCode}:${rw ?? "-"}:${rt ?? "-"}`;
}

function byUrgency(a: PlanItem, b: PlanItem): number {
  return a.nextVisitDate.localeCompare(b.nextVisitDate) || a.id - b.id;
}

/**
 * Nearest-neighbour walk: from `start` (or, without one, the first item), always on to the
 * closest point not yet visited. Ties go to the more urgent household. Simple and good
 * enough for a dozen houses in one RT; it is not an optimal tour, and need not be.
 */
export function nearestNeighbourOrder<T extends { point: GeoPoint | null }>(items: T[], start: GeoPoint | null): T[] {
  const left = items.filter((i) => i.point !== null);
  const out: T[] = [];
  let at = start;
  if (at === null && left.length > 0) {
    const first = left.shift()!;
    out.push(first);
    at = first.point;
  }
  while (left.length > 0) {
    let best = 0;
    let bestD = Infinity;
    left.forEach((item, i) => {
      const d = distanceMeters(at!, item.point!);
      if (d < bestD - 1e-6) {
        best = i;
        bestD = d;
      }
    });
    const [next] = left.splice(best, 1);
    out.push(next!);
    at = next!.point;
  }
  return out;
}

/**
 * Orders one group: overdue and "perlu perhatian" households first, then those due today.
 * Within each tier, households with a point follow a nearest-neighbour walk (the first tier
 * from its most overdue household, the second from where the first ended), then those
 * without a point, most overdue first.
 */
export function orderGroup(items: PlanItem[]): PlanItem[] {
  const out: PlanItem[] = [];
  let at: GeoPoint | null = null;
  for (const tier of [0, 1] as const) {
    const inTier = items.filter((i) => i.tier === tier).sort(byUrgency);
    const walked: PlanItem[] = nearestNeighbourOrder(inTier, at);
    if (walked.length > 0) at = walked[walked.length - 1]!.point;
    out.push(...walked, ...inTier.filter((i) => i.point === null));
  }
  return out;
}

function numeric(v: string | null): number {
  return v === null || !/^\d+$/.test(v) ? Number.POSITIVE_INFINITY : Number(v);
}

/**
 * The plan: households due by their own "today" (others are dropped), grouped by village,
 * RW and RT, groups sorted by village name then RW and RT (numerically; unrecorded last).
 */
export function buildPlan(households: PlanHousehold[]): PlanGroup[] {
  const groups = new Map<string, PlanGroup>();
  for (const h of households) {
    if (h.nextVisitDate > h.today) continue;
    const overdue = h.nextVisitDate < h.today;
    const item: PlanItem = { ...h, overdue, tier: overdue || h.attention ? 0 : 1 };
    const key = groupKey(h.villageCode, h.rw, h.rt);
    let g = groups.get(key);
    if (!g) {
      g = { key, villageCode: h.villageCode, villageName: h.villageName, rw: h.rw, rt: h.rt, items: [], route: [] };
      groups.set(key, g);
    }
    g.items.push(item);
  }
  const list = [...groups.values()];
  for (const g of list) {
    g.items = orderGroup(g.items);
    g.route = g.items.flatMap((i) => (i.point ? [i.point] : []));
  }
  return list.sort(
    (a, b) =>
      a.villageName.localeCompare(b.villageName, "id") ||
      a.villageCode.localeCompare(b.villageCode) ||
      numeric(a.rw) - numeric(b.rw) ||
      numeric(a.rt) - numeric(b.rt) ||
      a.key.localeCompare(b.key),
  );
}

/**
 * Google Maps allows 3 waypoints in a directions link opened on a phone (9 on a computer),
 * so a route is cut into legs of at most 4 new stops: the first leg starts where the
 * volunteer is (no origin: the app uses the current location), each later one at the
 * previous leg's last stop.
 */
export const STOPS_PER_LEG = 4;

export interface RouteLeg {
  /** 1-based positions of the first and last stop of this leg within the route. */
  from: number;
  to: number;
  url: string;
}

const coord = (p: GeoPoint) => `${p.latitude.toFixed(6)},${p.longitude.toFixed(6)}`;

/**
 * Directions links (Google Maps URLs, no API key) through the points in order, walking.
 * Empty for no points.
 */
export function routeLegs(points: GeoPoint[], maxLegs = 3): RouteLeg[] {
  const legs: RouteLeg[] = [];
  for (let i = 0; i < points.length && legs.length < maxLegs; i += STOPS_PER_LEG) {
    const stops = points.slice(i, i + STOPS_PER_LEG);
    const params = new URLSearchParams({ api: "1" });
    if (i > 0) params.set("origin", coord(points[i - 1]!));
    params.set("destination", coord(stops[stops.length - 1]!));
    if (stops.length > 1) params.set("waypoints", stops.slice(0, -1).map(coord).join("|"));
    params.set("travelmode", "walking");
    legs.push({ from: i + 1, to: i + stops.length, url: `https://www.google.com/maps/dir/?${params.toString()}` });
  }
  return legs;
}
