/**
 * Message ids handed out before a message is sent (see `src/bot/outbox.ts`): while an update
 * runs, its Bot API calls are only recorded, and a call that sends a message answers at once
 * with a *provisional* message id. Once the message is sent, the real id replaces it —
 * in later calls of the same update, and, in the stored conversation state, through a map
 * that the next read applies ({@link resolveProvisionalIds}).
 *
 * Provisional ids are negative numbers far below any id Telegram uses (chat ids of channels
 * and supergroups are around -10^12; message ids are positive), and unique within a process
 * run; a random start keeps two processes apart.
 */

/** Every provisional id is at most this. */
const PROVISIONAL_MAX = -(2 ** 52);
const SPAN = 2 ** 50;

export function isProvisionalId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value <= PROVISIONAL_MAX;
}

/** Hands out provisional ids (one allocator per app). */
export function provisionalIdAllocator(): () => number {
  let next = Math.floor(Math.random() * SPAN);
  return () => {
    next = (next + 1) % SPAN;
    return PROVISIONAL_MAX - next;
  };
}

/** provisional id (as a string key, as in JSON) → real id. */
export type DeliveredIds = Record<string, number>;

/**
 * Replaces, in place, every number in `value` that is a provisional id found in `ids` by the
 * real id. Numbers are replaced wherever they are (a logged result, a form's state that
 * copied the id): a provisional id cannot mean anything else.
 */
export function resolveProvisionalIds(value: unknown, ids: DeliveredIds): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (isProvisionalId(v)) {
        const real = ids[String(v)];
        if (real !== undefined) value[i] = real;
      } else if (v !== null && typeof v === "object") resolveProvisionalIds(v, ids);
    }
    return;
  }
  if (value === null || typeof value !== "object") return;
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (isProvisionalId(v)) {
      const real = ids[String(v)];
      if (real !== undefined) o[k] = real;
    } else if (v !== null && typeof v === "object") resolveProvisionalIds(v, ids);
  }
}
