import type { Db, User } from "../../db/schema.js";
import { acknowledgeAlert, enqueueAlertNotify, findAlert, resolveAlert } from "../../db/queries/alerts.js";
import { audit } from "../../db/queries/audit.js";
import { maskName } from "../../domain/visit.js";
import { displayRegionName } from "../../domain/region-names.js";
import { inScopeSql, scopeCovers, type StaffScope } from "../scope.js";

/**
 * Peringatan: the scope's unresolved alerts (open first, then acknowledged; oldest first), with
 * the household (code, masked name, village), the reporting volunteer and the visit's
 * conditions. The same alerts /peringatan lists in the chat.
 */
export async function listAlerts(db: Db, scope: StaffScope, opts: { limit: number }) {
  const base = db
    .selectFrom("alerts")
    .innerJoin("households", "households.id", "alerts.household_id")
    .innerJoin("visits", "visits.id", "alerts.visit_id")
    .leftJoin("users as vol", "vol.id", "visits.volunteer_id")
    .leftJoin("users as ack", "ack.id", "alerts.acknowledged_by")
    .leftJoin("regions", "regions.code", "alerts.area_code")
    .where("alerts.status", "in", ["open", "acknowledged"])
    .where(inScopeSql("alerts.area_code", scope));
  const rows = await base
    .select([
      "alerts.id",
      "alerts.status",
      "alerts.area_code",
      "alerts.created_at",
      "alerts.acknowledged_at",
      "alerts.escalated_at",
      "ack.name as acknowledged_by",
      "households.id as household_id",
      "households.ref_code",
      "households.head_name",
      "regions.name as village_name",
      "visits.visited_on",
      "visits.conditions",
      "visits.referral",
      "vol.name as volunteer",
    ])
    .orderBy((eb) => eb.case().when("alerts.status", "=", "open").then(0).else(1).end())
    .orderBy("alerts.created_at")
    .orderBy("alerts.id")
    .limit(opts.limit)
    .execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      id: r.id,
      status: r.status,
      createdAt: r.created_at.toISOString(),
      acknowledgedAt: r.acknowledged_at ? r.acknowledged_at.toISOString() : null,
      acknowledgedBy: r.acknowledged_by,
      escalated: r.escalated_at !== null,
      householdId: r.household_id,
      refCode: r.ref_code,
      headName: maskName(r.head_name),
      village: r.village_name ? displayRegionName({ code: r.area_code, name: r.village_name }) : r.area_code,
      visitedOn: r.visited_on,
      conditions: r.conditions,
      referral: r.referral,
      volunteer: r.volunteer,
    })),
  };
}

export type AlertActionResult = { ok: true } | { ok: false; reason: "not_found" | "taken" | "resolved"; by?: string | null };

async function takenBy(db: Db, id: number): Promise<AlertActionResult> {
  const a = await db
    .selectFrom("alerts")
    .leftJoin("users as ack", "ack.id", "alerts.acknowledged_by")
    .leftJoin("users as res", "res.id", "alerts.resolved_by")
    .select(["alerts.status", "ack.name as ack_name", "res.name as res_name"])
    .where("alerts.id", "=", id)
    .executeTakeFirst();
  if (a?.status === "resolved") return { ok: false, reason: "resolved", by: a.res_name };
  return { ok: false, reason: "taken", by: a?.ack_name ?? null };
}

/**
 * Acknowledges an alert, exactly as the chat's "Saya tangani" button: first one wins, audited,
 * and the alert-notify job edits every chat copy of the alert and tells the volunteer.
 */
export async function acknowledgeFromDashboard(db: Db, scope: StaffScope, user: User, id: number, now: Date): Promise<AlertActionResult> {
  const alert = await findAlert(db, id);
  if (!alert || !scopeCovers(scope, alert.area_code)) return { ok: false, reason: "not_found" };
  if (!(await acknowledgeAlert(db, id, user.id, now))) return takenBy(db, id);
  await audit(db, {
    actorId: user.id,
    action: "alert.acknowledged",
    entity: "alert",
    entityId: id,
    details: {
      householdId: alert.household_id,
      areaCode: alert.area_code,
      minutesOpen: Math.round((now.getTime() - alert.created_at.getTime()) / 60_000),
      via: "dashboard",
    },
  });
  await enqueueAlertNotify(db, id, "ack", now);
  return { ok: true };
}

/** Resolves an alert with a note, as the chat's "Selesai" flow does (the first one wins). */
export async function resolveFromDashboard(db: Db, scope: StaffScope, user: User, id: number, note: string, now: Date): Promise<AlertActionResult> {
  const alert = await findAlert(db, id);
  if (!alert || !scopeCovers(scope, alert.area_code)) return { ok: false, reason: "not_found" };
  if (alert.status === "resolved") return takenBy(db, id);
  if (!(await resolveAlert(db, id, user.id, note, now))) return takenBy(db, id);
  await audit(db, {
    actorId: user.id,
    action: "alert.resolved",
    entity: "alert",
    entityId: id,
    details: {
      householdId: alert.household_id,
      areaCode: alert.area_code,
      minutesOpen: Math.round((now.getTime() - alert.created_at.getTime()) / 60_000),
      via: "dashboard",
    },
  });
  await enqueueAlertNotify(db, id, "resolve", now);
  return { ok: true };
}
