import type { User } from "./schema.js";

/**
 * Rows the update's first round trip already loaded (see `src/bot/middleware/update-tx.ts`):
 * the sender's account and the chat's conversation state. Each is handed out once, to the
 * first reader (the user middleware, the conversation storage); later reads in the same
 * update go to the database as usual, so a write in between is always seen.
 */
interface Prefetch {
  telegramId?: number;
  user?: { value: User | undefined };
  conversationKey?: string;
  conversation?: { value: unknown };
}

const prefetched = new WeakMap<object, Prefetch>();

export function setPrefetch(
  ctx: object,
  values: { telegramId?: number; user?: User; conversationKey?: string; conversation?: unknown },
): void {
  const p: Prefetch = {};
  if (values.telegramId !== undefined) {
    p.telegramId = values.telegramId;
    p.user = { value: values.user };
  }
  if (values.conversationKey !== undefined) {
    p.conversationKey = values.conversationKey;
    p.conversation = { value: values.conversation ?? undefined };
  }
  prefetched.set(ctx, p);
}

/** The prefetched account of `telegramId` (`{ value: undefined }` = no account), once. */
export function takePrefetchedUser(ctx: object, telegramId: number): { value: User | undefined } | undefined {
  const p = prefetched.get(ctx);
  if (!p?.user || p.telegramId !== telegramId) return undefined;
  const user = p.user;
  delete p.user;
  return user;
}

/** The prefetched conversation state stored under `key` (`{ value: undefined }` = none), once. */
export function takePrefetchedConversation(ctx: object, key: string): { value: unknown } | undefined {
  const p = prefetched.get(ctx);
  if (!p?.conversation || p.conversationKey !== key) return undefined;
  const conversation = p.conversation;
  delete p.conversation;
  return conversation;
}

/** Forgets whatever was not used (the update's transaction ended). */
export function clearPrefetch(ctx: object): void {
  prefetched.delete(ctx);
}
