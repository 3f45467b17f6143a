import { canTransition, type ActorRole, type TransitionRefusal } from "../../domain/household-status.js";
import { isHouseholdStatus, type HouseholdStatus } from "../../domain/ppks.js";
import type { Db, Household, User } from "../schema.js";
import { audit } from "./audit.js";
import { enqueueJob } from "./jobs.js";
import { BENEFICIARY_JOBS } from "./beneficiary/index.js";
import { householdInScope, scopeOf } from "../../domain/scope.js";

/**
 * Who is changing a household's status, and as what: staff of the household's area act as
 * coordinators or admins; the assigned volunteer acts as a volunteer; anyone else may not.
 */
export function statusActorRole(user: User | undefined, household: Pick<Household, "village_code" | "volunteer_id">): ActorRole | null {
  const scope = scopeOf(user);
  if (!householdInScope(scope, household)) return null;
  if (scope.kind === "all") return "admin";
  if (scope.kind === "area") return "coordinator";
  if (scope.kind === "own") return "volunteer";
  return null;
}

/** Whether a visit to the household was reported (a volunteer may only verify after one). */
export async function hasRecordedVisit(db: Db, householdId: number): Promise<boolean> {
  const row = await db.selectFrom("visits").select("id").where("household_id", "=", householdId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export type StatusChangeResult =
  | { ok: true; historyId: number; from: HouseholdStatus; to: HouseholdStatus; notified: number }
  | { ok: false; reason: TransitionRefusal | "changed" | "unknown_status" };

/**
 * Moves a household to a new status: checks the transition for the actor's role, updates the
 * household only if its status is still `from` (two coordinators acting at once: one wins),
 * writes the history and the audit log (never the reason text), and queues a message for
 * every chat subscribed to the household.
 */
export async function changeHouseholdStatus(
  db: Db,
  opts: { household: Household; to: string; reason: string | null; actorId: number; role: ActorRole; now: Date },
): Promise<StatusChangeResult> {
  const from = opts.household.status;
  if (!isHouseholdStatus(from) || !isHouseholdStatus(opts.to)) return { ok: false, reason: "unknown_status" };
  const to = opts.to;
  const check = canTransition(from, to, opts.role);
  if (!check.ok) return { ok: false, reason: check.reason };
  const updated = await db
    .updateTable("households")
    .set({ status: to, status_reason: opts.reason, status_changed_at: opts.now, updated_at: opts.now })
    .where("id", "=", opts.household.id)
    .where("status", "=", from)
    .returning("id")
    .executeTakeFirst();
  if (!updated) return { ok: false, reason: "changed" };
  const history = await db
    .insertInto("household_status_history")
    .values({ household_id: opts.household.id, from_status: from, to_status: to, reason: opts.reason, changed_by: opts.actorId, changed_at: opts.now })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(db, {
    actorId: opts.actorId,
    action: "household.status_changed",
    entity: "household",
    entityId: opts.household.id,
    details: { from, to, role: opts.role, withReason: opts.reason !== null },
  });
  const subscribers = await db
    .selectFrom("status_subscriptions")
    .select("chat_id")
    .where("household_id", "=", opts.household.id)
    .orderBy("id")
    .execute();
  for (const s of subscribers) {
    await enqueueJob(
      db,
      BENEFICIARY_JOBS.statusNotify,
      { historyId: history.id, chatId: s.chat_id },
      { key: `status-notify:${history.id}:${s.chat_id}`, now: opts.now },
    );
  }
  return { ok: true, historyId: history.id, from, to, notified: subscribers.length };
}
