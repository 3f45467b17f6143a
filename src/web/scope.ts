import { sql, type RawBuilder } from "kysely";
import type { User } from "../db/schema.js";
import { isStaffScope, regionInStaffScope, scopeOf } from "../domain/scope.js";
import { regionLevel } from "../domain/region-names.js";

/**
 * What the dashboard shows: the staff part of the user's scope (src/domain/scope.ts, the same
 * rule as the bot): an admin everything, a coordinator their area. Everyone else —
 * volunteers, a coordinator without an area, suspended or pending accounts — gets nothing.
 */
export type StaffScope = { kind: "all" } | { kind: "area"; area: string };

export function staffScopeOf(user: User | undefined): StaffScope | null {
  const scope = scopeOf(user);
  return isStaffScope(scope) ? scope : null;
}

/** The area code a scope stands for (null: the whole country). */
export function scopeCode(scope: StaffScope): string | null {
  return scope.kind === "all" ? null : scope.area;
}

/** True when a region code lies in the scope. */
export function scopeCovers(scope: StaffScope, code: string): boolean {
  return regionInStaffScope(scope, code);
}

/**
 * A sub-area of the scope (drill-down, filters): the given region when it is a well-formed
 * code inside the scope, otherwise null (the caller answers 403/404). No code: the scope.
 */
export function narrowScope(scope: StaffScope, code: string | null | undefined): StaffScope | null {
  if (code === undefined || code === null || code === "") return scope;
  if (regionLevel(code) === null || !scopeCovers(scope, code)) return null;
  return { kind: "area", area: code };
}

/**
 * SQL condition "the region column lies in the scope", for raw queries. Codes are digits and
 * dots only (checked by regionLevel), so the LIKE pattern has no wildcards but its own.
 */
export function inScopeSql(column: string, scope: StaffScope): RawBuilder<boolean> {
  if (scope.kind === "all") return sql<boolean>`true`;
  const ref = sql.ref(column);
  return sql<boolean>`(${ref} = ${scope.area} or ${ref} like ${`${scope.area}.%`})`;
}
