import type { Db } from "../schema.js";

export interface AuditEntry {
  actorId: number | null;
  action: string;
  entity: string;
  entityId?: string | number | null;
  /** Facts only: ids, codes, statuses, counts. Never names, NIK, KK, phone numbers or typed text. */
  details?: Record<string, unknown>;
}

/** Appends to the audit log, in the caller's transaction. */
export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
