import type { Selectable } from "kysely";
import type { PiiCrypto } from "../../../pii.js";
import { dsrDueAt } from "../../../domain/data-requests.js";
import type { DataRequestKind, DataRequestsTable, Db, User } from "../../schema.js";
import { audit } from "../audit.js";
import { enqueueJob } from "../jobs.js";
import { visibleTo } from "../households.js";
import { BENEFICIARY_JOBS } from "./jobs.js";

export type DataRequest = Selectable<DataRequestsTable>;

export async function getDataRequest(db: Db, id: number): Promise<DataRequest | undefined> {
  return db.selectFrom("data_requests").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The open request of this kind for the household, if one is waiting already. */
export async function openRequestOf(db: Db, householdId: number, kind: DataRequestKind): Promise<DataRequest | undefined> {
  return db
    .selectFrom("data_requests")
    .selectAll()
    .where("household_id", "=", householdId)
    .where("kind", "=", kind)
    .where("status", "=", "open")
    .executeTakeFirst();
}

/**
 * Records a request (due 3×24 hours later) and tells the area's coordinators (job). An access
 * request is answered at once by the bot, so it is recorded as resolved. Correction details
 * are stored encrypted and never audited.
 */
export async function createDataRequest(
  db: Db,
  pii: PiiCrypto,
  opts: { householdId: number; chatId: number; requesterId: number | null; kind: DataRequestKind; details: string | null; now: Date },
): Promise<DataRequest> {
  const autoResolved = opts.kind === "access";
  const row = await db
    .insertInto("data_requests")
    .values({
      household_id: opts.householdId,
      chat_id: opts.chatId,
      requester_id: opts.requesterId,
      kind: opts.kind,
      details_enc: opts.details ? pii.encrypt(opts.details) : null,
      status: autoResolved ? "resolved" : "open",
      created_at: opts.now,
      due_at: dsrDueAt(opts.now),
      resolved_at: autoResolved ? opts.now : null,
      resolution_note: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(db, {
    actorId: opts.requesterId,
    action: "dsr.created",
    entity: "data_request",
    entityId: row.id,
    details: { householdId: opts.householdId, kind: opts.kind, chatId: opts.chatId },
  });
  if (autoResolved) {
    await audit(db, {
      actorId: null,
      action: "dsr.resolved",
      entity: "data_request",
      entityId: row.id,
      details: { householdId: opts.householdId, kind: opts.kind, outcome: "resolved", automatic: true },
    });
  }
  await enqueueJob(db, BENEFICIARY_JOBS.dsrNotify, { requestId: row.id }, { key: `dsr-notify:${row.id}`, now: opts.now });
  return row;
}

/**
 * Closes an open request (resolved or rejected), audits it and queues the outcome for the
 * requester and the coordinators. Returns undefined when the request is no longer open
 * (someone else acted first).
 */
export async function closeDataRequest(
  db: Db,
  opts: { requestId: number; outcome: "resolved" | "rejected"; by: number; note: string | null; now: Date },
): Promise<DataRequest | undefined> {
  const row = await db
    .updateTable("data_requests")
    .set({ status: opts.outcome, resolved_by: opts.by, resolved_at: opts.now, resolution_note: opts.note })
    .where("id", "=", opts.requestId)
    .where("status", "=", "open")
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  await audit(db, {
    actorId: opts.by,
    action: "dsr.resolved",
    entity: "data_request",
    entityId: row.id,
    details: { householdId: row.household_id, kind: row.kind, outcome: opts.outcome },
  });
  await enqueueJob(db, BENEFICIARY_JOBS.dsrOutcome, { requestId: row.id }, { key: `dsr-outcome:${row.id}`, now: opts.now });
  return row;
}

/** An open request as listed for staff. */
export interface OpenRequestRow {
  id: number;
  kind: DataRequestKind;
  householdId: number;
  refCode: string;
  villageCode: string;
  dueAt: Date;
}

/** Open requests of the households this staff member may see, the most urgent (overdue) first. */
export async function listOpenRequests(db: Db, user: User, limit = 20): Promise<{ rows: OpenRequestRow[]; total: number }> {
  const base = db
    .selectFrom("data_requests")
    .innerJoin("households", "households.id", "data_requests.household_id")
    .where("data_requests.status", "=", "open")
    .where(visibleTo(user));
  const rows = await base
    .select(["data_requests.id", "data_requests.kind", "data_requests.household_id", "data_requests.due_at"])
    .select(["households.ref_code", "households.village_code"])
    .orderBy("data_requests.due_at")
    .orderBy("data_requests.id")
    .limit(limit)
    .execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return {
    rows: rows.map((r) => ({ id: r.id, kind: r.kind, householdId: r.household_id, refCode: r.ref_code, villageCode: r.village_code, dueAt: r.due_at })),
    total: Number(count.n),
  };
}

