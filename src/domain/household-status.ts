/**
 * Household status workflow: who may move a household from one status to
 * another.
 *
 * Transitions (coordinators and admins):
 * - terdaftar → diverifikasi | ditolak
 * - diverifikasi → diusulkan | ditolak | terdaftar (back)
 * - diusulkan → menerima_bantuan | ditolak
 * - menerima_bantuan → selesai
 * - ditolak → terdaftar (re-open)
 * - selesai → terdaftar (re-open)
 *
 * Coordinators and admins may make every transition; volunteers may only
 * verify a newly registered household (terdaftar → diverifikasi).
 *
 * @module
 */

import { HOUSEHOLD_STATUSES, type HouseholdStatus } from "./ppks.js";

/** Roles of bot users, from least to most privileged. */
export const ACTOR_ROLES = ["volunteer", "coordinator", "admin"] as const;

/** A code of {@link ACTOR_ROLES}. */
export type ActorRole = (typeof ACTOR_ROLES)[number];

/**
 * Why a transition was refused.
 *
 * - `same`: the household already has that status;
 * - `invalid_transition`: nobody may make this transition;
 * - `not_allowed_for_role`: the transition exists but needs a coordinator
 *   or admin.
 */
export type TransitionRefusal = "same" | "not_allowed_for_role" | "invalid_transition";

/** The result of {@link canTransition}. */
export type TransitionCheck = { ok: true } | { ok: false; reason: TransitionRefusal };

/** Allowed targets from each status, for coordinators and admins. */
const TRANSITIONS: Readonly<Record<HouseholdStatus, readonly HouseholdStatus[]>> = {
  terdaftar: ["diverifikasi", "ditolak"],
  diverifikasi: ["diusulkan", "ditolak", "terdaftar"],
  diusulkan: ["menerima_bantuan", "ditolak"],
  menerima_bantuan: ["selesai"],
  selesai: ["terdaftar"],
  ditolak: ["terdaftar"],
};

/** Transitions volunteers may make, as `from→to`. */
const VOLUNTEER_TRANSITIONS: ReadonlySet<string> = new Set(["terdaftar→diverifikasi"]);

/** Statuses that need a written reason when entered. */
const REASON_REQUIRED: ReadonlySet<HouseholdStatus> = new Set<HouseholdStatus>(["ditolak", "selesai"]);

function roleMay(from: HouseholdStatus, to: HouseholdStatus, role: ActorRole): boolean {
  return role !== "volunteer" || VOLUNTEER_TRANSITIONS.has(`${from}→${to}`);
}

/**
 * Checks whether `actorRole` may move a household from `from` to `to`.
 * Checks in this order: same status, transition exists at all, role.
 */
export function canTransition(
  from: HouseholdStatus,
  to: HouseholdStatus,
  actorRole: ActorRole,
): TransitionCheck {
  if (from === to) {
    return { ok: false, reason: "same" };
  }
  if (!TRANSITIONS[from].includes(to)) {
    return { ok: false, reason: "invalid_transition" };
  }
  if (!roleMay(from, to, actorRole)) {
    return { ok: false, reason: "not_allowed_for_role" };
  }
  return { ok: true };
}

/**
 * The statuses `role` may move a household to from `from`, in the order of
 * {@link HOUSEHOLD_STATUSES} (suitable for building a keyboard).
 */
export function nextStatuses(from: HouseholdStatus, role: ActorRole): HouseholdStatus[] {
  return HOUSEHOLD_STATUSES.filter((to) => canTransition(from, to, role).ok);
}

/**
 * Whether entering status `to` needs a written reason (rejection or
 * closing a case): true for `ditolak` and `selesai`.
 */
export function requiresReason(to: HouseholdStatus): boolean {
  return REASON_REQUIRED.has(to);
}
