import type { Selectable } from "kysely";
import type { AlertsTable, Db, User } from "../schema.js";
import { ancestorCodes } from "./users.js";
import { enqueueJob } from "./jobs.js";

export type Alert = Selectable<AlertsTable>;

/** Job names of the alert pipeline (handlers live in src/bot/visits/alerts.ts). */
export const ALERT_JOBS = {
  /** Sends a new alert to the area's coordinators (or admins) and linked groups. */
  fanout: "alert-fanout",
  /** Edits every alert message after an acknowledgement or resolution and tells the volunteer. */
  notify: "alert-notify",
  /** Sends an unacknowledged alert again and escalates it to admins. */
  escalate: "alert-escalate",
} as const;

/**
 * Enqueued in the transaction that saves the darurat visit: the alert goes out as soon as the
 * visit is committed, and its escalation is scheduled `escalateMinutes` later (the escalation
 * job does nothing once someone has acknowledged it). Times follow the app's clock.
 */
export async function enqueueAlertJobs(db: Db, alertId: number, opts: { now: Date; escalateMinutes: number }): Promise<void> {
  await enqueueJob(db, ALERT_JOBS.fanout, { alertId }, { key: `alert-fanout:${alertId}`, now: opts.now });
  await enqueueJob(
    db,
    ALERT_JOBS.escalate,
    { alertId },
    { key: `alert-escalate:${alertId}`, runAt: new Date(opts.now.getTime() + opts.escalateMinutes * 60_000) },
  );
}

/** Enqueued in the transaction that acknowledges or resolves an alert. */
export async function enqueueAlertNotify(db: Db, alertId: number, event: "ack" | "resolve", now: Date): Promise<void> {
  await enqueueJob(db, ALERT_JOBS.notify, { alertId, event }, { key: `alert-${event}:${alertId}`, now });
}

export async function createAlert(db: Db, a: { visitId: number; householdId: number; areaCode: string; now: Date }): Promise<number> {
  const row = await db
    .insertInto("alerts")
    .values({ visit_id: a.visitId, household_id: a.householdId, area_code: a.areaCode, created_at: a.now })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findAlert(db: Db, id: number): Promise<Alert | undefined> {
  return db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Acknowledges an open alert; false when someone else was first (or it is not open). */
export async function acknowledgeAlert(db: Db, id: number, userId: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable("alerts")
    .set({ status: "acknowledged", acknowledged_by: userId, acknowledged_at: now })
    .where("id", "=", id)
    .where("status", "=", "open")
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Resolves an alert that is still open or acknowledged (resolving also acknowledges it when
 * nobody had); false when it was already resolved.
 */
export async function resolveAlert(db: Db, id: number, userId: number, note: string, now: Date): Promise<boolean> {
  const res = await db
    .updateTable("alerts")
    .set((eb) => ({
      status: "resolved",
      resolved_by: userId,
      resolved_at: now,
      resolution_note: note,
      acknowledged_by: eb.fn.coalesce("acknowledged_by", eb.val(userId)),
      acknowledged_at: eb.fn.coalesce("acknowledged_at", eb.val(now)),
    }))
    .where("id", "=", id)
    .where("status", "in", ["open", "acknowledged"])
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Marks an alert escalated if it is still open and was not escalated yet (once). */
export async function markAlertEscalated(db: Db, id: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable("alerts")
    .set({ escalated_at: now })
    .where("id", "=", id)
    .where("status", "=", "open")
    .where("escalated_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Everything an alert message shows. */
export interface AlertView {
  id: number;
  status: Alert["status"];
  area_code: string;
  created_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  escalated_at: Date | null;
  resolution_note: string | null;
  acknowledged_by_name: string | null;
  resolved_by_name: string | null;
  household_id: number;
  ref_code: string;
  head_name: string;
  visit_id: number;
  volunteer_id: number | null;
  volunteer_name: string | null;
  /** E.164, for the coordinator to call the volunteer (private messages only). */
  volunteer_phone: string | null;
  /** Where the family lives (private messages only). */
  address: string | null;
  rt: string | null;
  rw: string | null;
  /** Where the volunteer was when reporting, else the home's recorded location. */
  latitude: number | null;
  longitude: number | null;
}

/** Alerts with their household, visit and the names of who reported, acknowledged and resolved. */
function alertViews(db: Db) {
  return db
    .selectFrom("alerts")
    .innerJoin("households", "households.id", "alerts.household_id")
    .innerJoin("visits", "visits.id", "alerts.visit_id")
    .leftJoin("users as vol", "vol.id", "visits.volunteer_id")
    .leftJoin("users as ack", "ack.id", "alerts.acknowledged_by")
    .leftJoin("users as res", "res.id", "alerts.resolved_by")
    .select([
      "alerts.id",
      "alerts.status",
      "alerts.area_code",
      "alerts.created_at",
      "alerts.acknowledged_at",
      "alerts.resolved_at",
      "alerts.escalated_at",
      "alerts.resolution_note",
      "ack.name as acknowledged_by_name",
      "res.name as resolved_by_name",
      "households.id as household_id",
      "households.ref_code",
      "households.head_name",
      "visits.id as visit_id",
      "visits.volunteer_id",
      "vol.name as volunteer_name",
      "vol.phone as volunteer_phone",
      "households.address",
      "households.rt",
      "households.rw",
      (eb) => eb.fn.coalesce("visits.latitude", "households.latitude").as("latitude"),
      (eb) => eb.fn.coalesce("visits.longitude", "households.longitude").as("longitude"),
    ]);
}

export async function loadAlertView(db: Db, id: number): Promise<AlertView | undefined> {
  return alertViews(db).where("alerts.id", "=", id).executeTakeFirst();
}

/** Unresolved alerts whose household lies in the user's area (all for admins), oldest first. */
export async function unresolvedAlertsFor(db: Db, user: User, limit = 20): Promise<{ rows: AlertView[]; total: number }> {
  let q = alertViews(db).where("alerts.status", "in", ["open", "acknowledged"]);
  if (user.role !== "admin") {
    const area = user.area_code ?? "-";
    q = q.where((eb) => eb.or([eb("alerts.area_code", "=", area), eb("alerts.area_code", "like", `${area}.%`)]));
  }
  const rows = await q
    .orderBy("alerts.created_at")
    .orderBy("alerts.id")
    .limit(limit)
    .execute();
  const count = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return { rows, total: Number(count.n) };
}

/** Active admins (the fallback when no coordinator covers an area, and escalation). */
export async function activeAdmins(db: Db): Promise<User[]> {
  return db.selectFrom("users").selectAll().where("role", "=", "admin").where("status", "=", "active").orderBy("id").execute();
}

// === Alert groups

export async function linkAlertGroup(db: Db, g: { chatId: number; areaCode: string; userId: number; now: Date }): Promise<void> {
  await db
    .insertInto("alert_groups")
    .values({ chat_id: g.chatId, area_code: g.areaCode, linked_by: g.userId, linked_at: g.now })
    .onConflict((oc) =>
      oc.column("chat_id").doUpdateSet({ area_code: g.areaCode, linked_by: g.userId, linked_at: g.now }),
    )
    .execute();
}

export async function findAlertGroup(db: Db, chatId: number): Promise<{ chat_id: number; area_code: string } | undefined> {
  return db.selectFrom("alert_groups").select(["chat_id", "area_code"]).where("chat_id", "=", chatId).executeTakeFirst();
}

export async function unlinkAlertGroup(db: Db, chatId: number): Promise<boolean> {
  const res = await db.deleteFrom("alert_groups").where("chat_id", "=", chatId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** A group that became a supergroup keeps its link under the new chat id. */
export async function moveAlertGroup(db: Db, fromChatId: number, toChatId: number): Promise<void> {
  await db
    .updateTable("alert_groups")
    .set({ chat_id: toChatId })
    .where("chat_id", "=", fromChatId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom("alert_groups as g").select("g.chat_id").where("g.chat_id", "=", toChatId))))
    .execute();
}

/** Chats of the groups linked to an area that contains the region code. */
export async function alertGroupsCovering(db: Db, code: string): Promise<number[]> {
  const rows = await db
    .selectFrom("alert_groups")
    .select("chat_id")
    .where("area_code", "in", ancestorCodes(code))
    .orderBy("chat_id")
    .execute();
  return rows.map((r) => Number(r.chat_id));
}
