/**
 * Duplicate and near-duplicate households, decided against the user's scope
 * (src/domain/scope.ts): inside it (a volunteer's own households, a coordinator's area, an
 * admin's everything) a hit is shown with its reference code; outside it, nothing about the
 * other household is revealed — not even its code — and the coordinators of both areas are
 * told instead (src/db/queries/duplicates.ts). A code is the key to a family's status check,
 * so it must not travel to people who could not see that household anyway.
 *
 * @module
 */

import { householdInScope, type Scope } from "./scope.js";

/** What matched: the head's or a member's NIK, or the No. KK. */
export type IdentityMatch = "nik" | "kk";

export interface HouseholdHit {
  id: number;
  refCode: string;
  volunteerId: number | null;
  villageCode: string;
}

export type Verdict<H extends HouseholdHit> = { kind: "none" } | { kind: "own"; hit: H } | { kind: "elsewhere"; hit: H };

/**
 * Sorts hits by what the user may know: the first hit inside the scope wins (shown with its
 * code); when every hit is outside it, the first of them (revealed to nobody but the staff of
 * both areas).
 */
export function classifyHits<H extends HouseholdHit>(scope: Scope, hits: readonly H[]): Verdict<H> {
  const own = hits.find((h) => householdInScope(scope, { volunteer_id: h.volunteerId, village_code: h.villageCode }));
  if (own) return { kind: "own", hit: own };
  const other = hits[0];
  return other ? { kind: "elsewhere", hit: other } : { kind: "none" };
}

/** Similar names: the codes of the hits inside the scope, or only the fact that others exist. */
export function classifySimilar<H extends HouseholdHit>(scope: Scope, hits: readonly H[]): { kind: "none" } | { kind: "own"; hits: H[] } | { kind: "elsewhere" } {
  const own = hits.filter((h) => householdInScope(scope, { volunteer_id: h.volunteerId, village_code: h.villageCode }));
  if (own.length > 0) return { kind: "own", hits: own };
  return hits.length > 0 ? { kind: "elsewhere" } : { kind: "none" };
}
