import type { Db } from "../../db/schema.js";
import { getRegionPath, regionTimezone } from "../../db/queries/regions.js";
import { DEFAULT_ZONE } from "../../domain/onboarding.js";
import { displayRegionName, regionLevel } from "../../domain/region-names.js";
import { addDays, localDate } from "../../domain/visit.js";
import { scopeCode, type StaffScope } from "../scope.js";

export interface Zone {
  tz: string;
  label: string;
}

/** The time zone of the scope (its province); WIB for the whole country. */
export async function scopeZone(db: Db, scope: StaffScope): Promise<Zone> {
  const code = scopeCode(scope);
  if (!code) return { ...DEFAULT_ZONE };
  return (await regionTimezone(db, code)) ?? { ...DEFAULT_ZONE };
}

/** Length of a region code at each level ("32", "32.01", "32.01.05", "32.01.05.2001"). */
export const CODE_LENGTH: Record<1 | 2 | 3 | 4, number> = { 1: 2, 2: 5, 3: 8, 4: 13 };

/** The level of the regions directly under the scope (1 for the whole country), or null under a village. */
export function childLevel(scope: StaffScope): 1 | 2 | 3 | 4 | null {
  if (scope.kind === "all") return 1;
  const level = regionLevel(scope.area);
  if (level === null || level === 4) return null;
  return (level + 1) as 2 | 3 | 4;
}

/** The scope's region and its ancestors (top first) as {code, name} for a breadcrumb. */
export async function scopePath(db: Db, scope: StaffScope): Promise<{ code: string; name: string }[]> {
  const code = scopeCode(scope);
  if (!code) return [];
  return (await getRegionPath(db, code)).map((r) => ({ code: r.code, name: displayRegionName(r) }));
}

/**
 * "Overdue", as in the coordinators' morning digest and /rekap: the case is not closed, its data
 * not erased, and the planned next visit is more than `overdueDays` days past.
 */
export function overdueCutoff(today: string, overdueDays: number): string {
  return addDays(today, -overdueDays);
}

export function todayIn(zone: Zone, now: Date): string {
  return localDate(now, zone.tz);
}

/** Clamps a whole number from a query string. */
export function intParam(value: unknown, def: number, min: number, max: number): number {
  const n = typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : def;
  return Math.min(max, Math.max(min, n));
}
