import type { Db, Household, User } from "../../db/schema.js";
import type { Jobs } from "../../bot/jobs-port.js";
import { changeHouseholdStatus, statusActorRole, type StatusChangeResult } from "../../db/queries/status-change.js";
import { listAreaVolunteers, reassignHouseholds } from "../../db/queries/coordinator.js";
import { audit } from "../../db/queries/audit.js";
import { isHouseholdStatus } from "../../domain/ppks.js";
import { requiresReason } from "../../domain/household-status.js";
import { scopeCode, type StaffScope } from "../scope.js";

/** Same limits as the chat's status-change flow. */
export const MIN_REASON = 3;
export const MAX_REASON = 500;

export type StatusActionResult =
  | Extract<StatusChangeResult, { ok: true }>
  | { ok: false; reason: Extract<StatusChangeResult, { ok: false }>["reason"] | "not_yours" | "stale" | "reason_required" | "reason_length" | "anonymized" };

/**
 * Changes a household's status from the card, with the chat's rules: staff of the area only
 * (statusActorRole), the transition must be allowed for the role (canTransition, inside
 * changeHouseholdStatus), "ditolak" and "selesai" need a reason, and the change applies only if
 * the status is still the one the coordinator confirmed (`from`). History, audit log and the
 * family's subscription messages as in the chat.
 */
export async function changeStatusFromDashboard(
  db: Db,
  user: User,
  h: Household,
  input: { from: string; to: string; reason: string | null },
  now: Date,
): Promise<StatusActionResult> {
  const role = statusActorRole(user, h);
  if (role !== "coordinator" && role !== "admin") return { ok: false, reason: "not_yours" };
  if (h.anonymized_at !== null) return { ok: false, reason: "anonymized" };
  if (!isHouseholdStatus(input.to)) return { ok: false, reason: "unknown_status" };
  if (h.status !== input.from) return { ok: false, reason: "stale" };
  const reason = input.reason?.trim() || null;
  if (requiresReason(input.to) && reason === null) return { ok: false, reason: "reason_required" };
  if (reason !== null && (reason.length < MIN_REASON || reason.length > MAX_REASON)) return { ok: false, reason: "reason_length" };
  return changeHouseholdStatus(db, { household: h, to: input.to, reason, actorId: user.id, role, now });
}

/** Active volunteers of the user's area a household can be moved to (search by name). */
export async function reassignCandidates(db: Db, scope: StaffScope, h: Household, query: string) {
  const res = await listAreaVolunteers(db, scopeCode(scope), {
    limit: 20,
    offset: 0,
    excludeId: h.volunteer_id ?? undefined,
    activeOnly: true,
    query: query.slice(0, 40),
  });
  return { total: res.total, rows: res.rows.map((r) => ({ id: r.id, name: r.name, areaCode: r.area_code, households: r.households })) };
}

export type ReassignResult = { ok: true; toId: number } | { ok: false; reason: "not_yours" | "anonymized" | "stale" | "target" };

/**
 * Moves a household to another active volunteer of the user's area, as the chat's
 * "Pindahkan keluarga": only if it still belongs to the volunteer the coordinator saw
 * (`from`), audited, and both volunteers are told (the reassign-notify job).
 */
export async function reassignFromDashboard(
  db: Db,
  jobs: Jobs,
  scope: StaffScope,
  user: User,
  h: Household,
  input: { from: number | null; to: number },
  now: Date,
): Promise<ReassignResult> {
  if (h.anonymized_at !== null) return { ok: false, reason: "anonymized" };
  if ((h.volunteer_id ?? null) !== input.from) return { ok: false, reason: "stale" };
  const { moved } = await reassignHouseholds(db, { area: scopeCode(scope), householdIds: [h.id], fromId: input.from, toId: input.to, now });
  if (moved.length === 0) return { ok: false, reason: "target" };
  await audit(db, {
    actorId: user.id,
    action: "household.reassigned",
    entity: "household",
    entityId: h.id,
    details: { from: input.from, to: input.to, via: "dashboard" },
  });
  await jobs.enqueue(db, "reassign-notify", { fromId: input.from, toId: input.to, householdIds: [h.id] });
  return { ok: true, toId: input.to };
}
