/**
 * Rules of the private status check (/status): the lockout against guessing, and how long a
 * successful check lasts. The queries that apply them are in src/db/queries/beneficiary/.
 *
 * @module
 */

/** Failed checks counted per chat and per code… */
export const MAX_FAILURES = 5;
/** …within this window; a lock lasts until the window no longer holds that many failures. */
export const LOCK_WINDOW_MS = 60 * 60 * 1000;
/** How long the buttons under a status card work after a successful check. */
export const SESSION_MS = 30 * 60 * 1000;

export interface Lock {
  scope: "chat" | "code";
  /** ISO time when the lock ends. */
  until: string;
}

/**
 * The lock that follows from the {@link MAX_FAILURES}-th newest failure of a chat or a code
 * within the window: it ends when that failure is {@link LOCK_WINDOW_MS} old.
 */
export function lockFrom(scope: Lock["scope"], fifthNewestFailure: Date | undefined): Lock | null {
  return fifthNewestFailure ? { scope, until: new Date(fifthNewestFailure.getTime() + LOCK_WINDOW_MS).toISOString() } : null;
}

/** Of several locks, the one that ends last (null when there is none). */
export function latestLock(locks: (Lock | null)[]): Lock | null {
  const present = locks.filter((l): l is Lock => l !== null);
  present.sort((a, b) => b.until.localeCompare(a.until));
  return present[0] ?? null;
}
