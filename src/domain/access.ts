import type { Role, User } from "../db/schema.js";
import { isWithinArea } from "./region-names.js";

export { isWithinArea };

/**
 * Who may use a command or a button. Every command and callback goes through
 * {@link hasAccess}; area and ownership checks come on top, in the handler's query.
 * - anyone: every person, including pending and rejected applicants;
 * - volunteer: active volunteers, coordinators and admins (field work);
 * - staff: active coordinators and admins;
 * - admin: active admins.
 */
export type Access = "anyone" | "volunteer" | "staff" | "admin";

const ROLES_FOR: Record<Exclude<Access, "anyone">, Role[]> = {
  volunteer: ["volunteer", "coordinator", "admin"],
  staff: ["coordinator", "admin"],
  admin: ["admin"],
};

export function hasAccess(user: User | undefined, access: Access): boolean {
  if (access === "anyone") return true;
  return user !== undefined && user.status === "active" && ROLES_FOR[access].includes(user.role);
}

/** The i18n key explaining why access was refused, from the user's point of view. */
export function deniedMessageKey(user: User | undefined, access: Access): string {
  if (user?.role === "volunteer" && user.status === "pending") return "access.pending";
  if (user?.status === "rejected") return "access.rejected";
  if (user?.status === "suspended") return "access.suspended";
  if (access === "volunteer") return "access.volunteers_only";
  if (access === "admin") return "access.admins_only";
  return "access.staff_only";
}


/** True when the user's working area covers the region code (admins cover everything). */
export function coversArea(user: User, code: string): boolean {
  if (user.role === "admin") return true;
  if (user.area_code === null) return false;
  return isWithinArea(code, user.area_code);
}

/**
 * Who may see a household: the volunteer it is assigned to, coordinators whose area contains
 * its village, and admins. Used for every view, button and change of a household.
 */
export function canViewHousehold(user: User | undefined, household: { volunteer_id: number | null; village_code: string }): boolean {
  if (!user || user.status !== "active") return false;
  if (user.role === "admin") return true;
  if (user.role === "coordinator") return coversArea(user, household.village_code);
  if (user.role === "volunteer") return household.volunteer_id === user.id;
  return false;
}

/** Staff of the household's area (coordinators, admins) — who may change its status. */
export function isStaffFor(user: User | undefined, household: { village_code: string }): boolean {
  if (!user || user.status !== "active") return false;
  if (user.role === "admin") return true;
  return user.role === "coordinator" && coversArea(user, household.village_code);
}
