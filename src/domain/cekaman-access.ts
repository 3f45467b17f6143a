/**
 * Who may do what in Cek Aman, decided from the user's scope (src/domain/scope.ts) only:
 * - staff (admins; coordinators inside their area) start events in their area, see and close
 *   the events whose every region lies in it, act on help requests of households in it, and
 *   may record answers for households in it;
 * - a household's volunteer (assigned when the event started, or now) answers for it;
 * - after the second escalation period, the other active volunteers of the household's
 *   village may answer for it while it has no answer (that is the point of the offer);
 * - a family answers only through a proven subscription (src/db/queries/cekaman.ts).
 *
 * @module
 */
import type { User } from "../db/schema.js";
import type { CekamanEvent, EventHousehold } from "../db/queries/cekaman.js";
import { isStaffScope, regionInStaffScope, scopeOf, staffAreaOf } from "./scope.js";
import type { CekamanVia } from "../db/schema.js";

/** The area staff act for: a region code, null for the whole country (admins), undefined: not staff. */
export function staffArea(user: User | undefined): string | null | undefined {
  return staffAreaOf(scopeOf(user));
}

export function isStaff(user: User | undefined): boolean {
  return isStaffScope(scopeOf(user));
}

/** Every region of the event lies in the user's staff scope. */
export function mayManageEvent(user: User | undefined, event: Pick<CekamanEvent, "regions">): boolean {
  const scope = scopeOf(user);
  return isStaffScope(scope) && event.regions.length > 0 && event.regions.every((r) => regionInStaffScope(scope, r));
}

/** The user may start an event over this region. */
export function mayTarget(user: User | undefined, region: string): boolean {
  return regionInStaffScope(scopeOf(user), region);
}

/** Staff of the household's (or request's) village. */
export function isStaffOf(user: User | undefined, villageCode: string): boolean {
  return regionInStaffScope(scopeOf(user), villageCode);
}

/**
 * How the user may answer for the event household, or null when they may not: as its
 * volunteer, as a volunteer of the village it was offered to, or as staff of its area.
 */
export function answerRole(
  user: User | undefined,
  eh: Pick<EventHousehold, "volunteer_id" | "village_code" | "offered_at" | "status">,
  household: { volunteer_id: number | null; village_code: string },
): CekamanVia | null {
  const scope = scopeOf(user);
  if (scope.kind === "none" || !user) return null;
  if (eh.volunteer_id === user.id || household.volunteer_id === user.id) return "volunteer";
  if (scope.kind === "own" && eh.offered_at !== null && eh.status === "pending" && scope.area === eh.village_code) return "volunteer";
  if (regionInStaffScope(scope, eh.village_code)) return "staff";
  return null;
}
