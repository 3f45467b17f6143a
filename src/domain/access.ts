import type { Role, User } from "../db/schema.js";
import { isWithinArea } from "./region-names.js";
import { householdInScope, isStaffScope, regionInStaffScope, scopeOf } from "./scope.js";

export { isWithinArea };

/**
 * Who may use a command or a button. Every command and callback goes through
 * {@link hasAccess}; area and ownership checks come on top, in the handler's query. All of
 * it is decided by the user's scope (src/domain/scope.ts):
 * - anyone: every person, including pending and rejected applicants;
 * - volunteer: active volunteers, coordinators with an area and admins (field work);
 * - staff: active coordinators with an area, and admins;
 * - admin: active admins.
 * A coordinator without an area has no scope and is refused everything but "anyone".
 */
export type Access = "anyone" | "volunteer" | "staff" | "admin";

const ROLES_FOR: Record<Exclude<Access, "anyone">, Role[]> = {
  volunteer: ["volunteer", "coordinator", "admin"],
  staff: ["coordinator", "admin"],
  admin: ["admin"],
};

export function hasAccess(user: User | undefined, access: Access): boolean {
  if (access === "anyone") return true;
  if (user === undefined || user.status !== "active" || !ROLES_FOR[access].includes(user.role)) return false;
  const scope = scopeOf(user);
  if (access === "volunteer") return scope.kind !== "none";
  return isStaffScope(scope);
}

/** The i18n key explaining why access was refused, from the user's point of view. */
export function deniedMessageKey(user: User | undefined, access: Access): string {
  if (user?.role === "volunteer" && user.status === "pending") return "access.pending";
  if (user?.status === "rejected") return "access.rejected";
  if (user?.status === "suspended") return "access.suspended";
  if (user?.role === "coordinator" && user.status === "active" && !user.area_code && access !== "admin") return "access.no_area";
  if (access === "volunteer") return "access.volunteers_only";
  if (access === "admin") return "access.admins_only";
  return "access.staff_only";
}

/**
 * True when the user's staff scope covers the region code: admins everywhere, coordinators
 * inside their area, nobody else (a coordinator without an area covers nothing).
 */
export function coversArea(user: User, code: string): boolean {
  return regionInStaffScope(scopeOf(user), code);
}

/**
 * Who may see a household: the volunteer it is assigned to, coordinators whose area contains
 * its village, and admins (the user's scope). Used for every view, button and change of a household.
 */
export function canViewHousehold(user: User | undefined, household: { volunteer_id: number | null; village_code: string }): boolean {
  return householdInScope(scopeOf(user), household);
}

/** Staff of the household's area (coordinators, admins) — who may change its status. */
export function isStaffFor(user: User | undefined, household: { village_code: string }): boolean {
  return regionInStaffScope(scopeOf(user), household.village_code);
}
