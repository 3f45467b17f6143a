import type { PiiCrypto } from "../../../pii.js";
import { LOCK_WINDOW_MS, MAX_FAILURES, latestLock, lockFrom, type Lock } from "../../../domain/status-check.js";
import type { Db } from "../../schema.js";
import { audit } from "../audit.js";

export type { Lock };

/** The keyed hash of a normalised reference code (what status_attempts stores). */
export function codeHash(pii: PiiCrypto, code: string): string {
  return pii.hash(`status-code:${code}`);
}

/**
 * The lock on a chat and/or a code (given as its keyed hash), if any: a scope is locked while
 * it has {@link MAX_FAILURES} failures in the last hour, until the oldest of the last five of
 * them is an hour old. When both are locked, the later end wins.
 */
export async function currentLock(db: Db, opts: { chatId: number; codeHash?: string; now: Date }): Promise<Lock | null> {
  const since = new Date(opts.now.getTime() - LOCK_WINDOW_MS);
  const fifthNewest = async (column: "chat_id" | "code_hash", value: number | string): Promise<Date | undefined> => {
    const row = await db
      .selectFrom("status_attempts")
      .select("at")
      .where(column, "=", value as never)
      .where("success", "=", false)
      .where("at", ">", since)
      .where("at", "<=", opts.now)
      .orderBy("at", "desc")
      .offset(MAX_FAILURES - 1)
      .limit(1)
      .executeTakeFirst();
    return row?.at;
  };
  const chat = lockFrom("chat", await fifthNewest("chat_id", opts.chatId));
  const code = opts.codeHash !== undefined ? lockFrom("code", await fifthNewest("code_hash", opts.codeHash)) : null;
  return latestLock([chat, code]);
}

/** Audits a refused or newly started lockout (no code, no typed values). */
export async function auditLockout(db: Db, actorId: number | null, chatId: number, lock: Lock, trigger: "refused" | "limit_reached"): Promise<void> {
  await audit(db, {
    actorId,
    action: "status_check.lockout",
    entity: "status_check",
    details: { chatId, scope: lock.scope, until: lock.until, trigger },
  });
}

/**
 * Checks for a lock before a step of the status check; a refused step is audited. The code,
 * when given, is already normalised.
 */
export async function checkLock(
  db: Db,
  pii: PiiCrypto,
  opts: { chatId: number; code?: string; now: Date; actorId: number | null },
): Promise<Lock | null> {
  const lock = await currentLock(db, {
    chatId: opts.chatId,
    ...(opts.code !== undefined ? { codeHash: codeHash(pii, opts.code) } : {}),
    now: opts.now,
  });
  if (lock) await auditLockout(db, opts.actorId, opts.chatId, lock, "refused");
  return lock;
}
