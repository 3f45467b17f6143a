import { sql } from "kysely";
import type { PiiCrypto } from "../../../pii.js";
import type { Lock } from "../../../domain/status-check.js";
import type { Db } from "../../schema.js";
import { audit } from "../audit.js";
import { auditLockout, codeHash, currentLock } from "./lockout.js";
import { pinMatches } from "./pins.js";
import { openSession } from "./sessions.js";

export type CheckOutcome =
  | { kind: "ok"; householdId: number }
  /** Wrong code or wrong PIN (never told apart); `lock` when this failure started one. */
  | { kind: "mismatch"; lock: Lock | null }
  | { kind: "locked"; lock: Lock };

/**
 * One status check: the normalised code and the family PIN. Serialised per code (advisory
 * lock), refused while the chat or the code is locked; records the attempt, audits the
 * outcome and, on success, opens a session for the chat. An unknown code, a household whose
 * data was erased, a household without a PIN yet and a wrong PIN are one and the same
 * failure: nothing tells them apart, so the check cannot be used to find out which codes exist.
 */
export async function runStatusCheck(
  db: Db,
  pii: PiiCrypto,
  opts: { chatId: number; code: string; pin: string; now: Date; actorId: number | null },
): Promise<CheckOutcome> {
  const hash = codeHash(pii, opts.code);
  await sql`select pg_advisory_xact_lock(hashtextextended(${`status:${hash}`}::text, 0))`.execute(db);
  const lock = await currentLock(db, { chatId: opts.chatId, codeHash: hash, now: opts.now });
  if (lock) {
    await auditLockout(db, opts.actorId, opts.chatId, lock, "refused");
    return { kind: "locked", lock };
  }
  const household = await db
    .selectFrom("households")
    .select("id")
    .where("ref_code", "=", opts.code)
    .where("anonymized_at", "is", null)
    .executeTakeFirst();
  const matched = (await pinMatches(db, pii, household?.id ?? -1, opts.pin)) && household !== undefined;
  await db.insertInto("status_attempts").values({ chat_id: opts.chatId, code_hash: hash, success: matched, at: opts.now }).execute();
  if (matched && household) {
    await openSession(db, opts.chatId, household.id, opts.now);
    await audit(db, {
      actorId: opts.actorId,
      action: "status_check.success",
      entity: "household",
      entityId: household.id,
      details: { chatId: opts.chatId, method: "pin" },
    });
    return { kind: "ok", householdId: household.id };
  }
  await audit(db, {
    actorId: opts.actorId,
    action: "status_check.failure",
    entity: "status_check",
    details: { chatId: opts.chatId, method: "pin" },
  });
  const after = await currentLock(db, { chatId: opts.chatId, codeHash: hash, now: opts.now });
  if (after) await auditLockout(db, opts.actorId, opts.chatId, after, "limit_reached");
  return { kind: "mismatch", lock: after };
}
