/**
 * The bot's view of background work. main.ts provides the real queue; tests may run jobs
 * inline. Kept as an interface so that bot code does not depend on the scheduler.
 */
export interface Jobs {
  /** Enqueues a named job with a JSON payload; `key` makes it idempotent (same key = once). */
  enqueue(name: string, payload: Record<string, unknown>, opts?: { key?: string; runAt?: Date }): Promise<void>;
}
