/**
 * The one place that decides what a user may see and act on: their **scope**.
 *
 * - an active **volunteer**: their own households (those assigned to them); they register
 *   households only in their working area (their village);
 * - an active **coordinator**: everything in their area (a regency, district or village);
 *   a coordinator **without an area has no scope at all** (never "the whole country");
 * - an active **admin**: everything;
 * - anyone else (beneficiaries, pending, rejected or suspended accounts, no account): nothing.
 *
 * Every command, callback and flow asks this module (directly or through
 * `src/domain/access.ts` and `visibleTo` in `src/db/queries/households.ts`); nobody reads
 * `role`/`area_code` to decide access on their own.
 *
 * @module
 */

import type { User } from "../db/schema.js";
import { isWithinArea } from "./region-names.js";

export type Scope =
  /** Sees nothing. */
  | { kind: "none" }
  /** An admin: everything. */
  | { kind: "all" }
  /** A coordinator: the area and everything inside it. */
  | { kind: "area"; area: string }
  /** A volunteer: their own households; `area` is where they may register new ones (null: nowhere). */
  | { kind: "own"; userId: number; area: string | null };

/** Where a user may work: the whole country, one area (a region code and everything in it), or nowhere. */
export type WorkArea = { kind: "everywhere" } | { kind: "within"; code: string } | { kind: "nowhere" };

type ScopeUser = Pick<User, "id" | "role" | "status" | "area_code">;

/** The user's scope (see the module documentation). */
export function scopeOf(user: ScopeUser | undefined | null): Scope {
  if (!user || user.status !== "active") return { kind: "none" };
  switch (user.role) {
    case "admin":
      return { kind: "all" };
    case "coordinator":
      return user.area_code ? { kind: "area", area: user.area_code } : { kind: "none" };
    case "volunteer":
      return { kind: "own", userId: user.id, area: user.area_code ?? null };
    default:
      return { kind: "none" };
  }
}

/** True when the scope contains anything at all. */
export function hasScope(scope: Scope): boolean {
  return scope.kind !== "none";
}

/** Staff scope: an admin's or a coordinator-with-an-area's. */
export function isStaffScope(scope: Scope): scope is { kind: "all" } | { kind: "area"; area: string } {
  return scope.kind === "all" || scope.kind === "area";
}

/** Whether a household is in the scope (volunteers: assigned to them; coordinators: in their area). */
export function householdInScope(scope: Scope, household: { volunteer_id: number | null; village_code: string }): boolean {
  switch (scope.kind) {
    case "all":
      return true;
    case "area":
      return isWithinArea(household.village_code, scope.area);
    case "own":
      return household.volunteer_id === scope.userId;
    case "none":
      return false;
  }
}

/**
 * Whether a region (a village, district…) is in the staff part of the scope: admins
 * everywhere, coordinators in their area, nobody else (volunteers do not manage areas).
 */
export function regionInStaffScope(scope: Scope, code: string): boolean {
  if (scope.kind === "all") return true;
  return scope.kind === "area" && isWithinArea(code, scope.area);
}

/**
 * Where the user may register households, pick villages and search: admins everywhere,
 * coordinators their area, volunteers their working area (their village), others nowhere.
 */
export function workAreaOf(scope: Scope): WorkArea {
  switch (scope.kind) {
    case "all":
      return { kind: "everywhere" };
    case "area":
      return { kind: "within", code: scope.area };
    case "own":
      return scope.area ? { kind: "within", code: scope.area } : { kind: "nowhere" };
    case "none":
      return { kind: "nowhere" };
  }
}

/** Whether a region code lies in the work area. */
export function inWorkArea(area: WorkArea, code: string): boolean {
  if (area.kind === "everywhere") return true;
  return area.kind === "within" && isWithinArea(code, area.code);
}

/**
 * The staff area as the coordinator tools' queries take it: `null` for the whole country
 * (admins), a region code (coordinators), or `undefined` when the user has no staff scope
 * (the caller must refuse).
 */
export function staffAreaOf(scope: Scope): string | null | undefined {
  if (scope.kind === "all") return null;
  if (scope.kind === "area") return scope.area;
  return undefined;
}
