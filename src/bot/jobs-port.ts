import type { Db } from "../db/schema.js";

/**
 * The bot's view of background work. Kept as an interface so that bot code does not depend
 * on the scheduler.
 */
export interface Jobs {
  /**
   * Enqueues a named job with a JSON payload, in the given transaction (pass `ctx.db` inside
   * an update, so the job exists exactly when the update's writes commit). `key` makes it
   * idempotent (same key = once, ever).
   */
  enqueue(db: Db, name: string, payload: Record<string, unknown>, opts?: { key?: string; runAt?: Date }): Promise<void>;
}
