import { sql, type Kysely } from "kysely";
import { commitWith, DeferredWrites, multiStatementAllowed, sendTogether, type BatchConnection } from "./batching.js";
import type { Database, User } from "./schema.js";

/**
 * The update's transaction at the database level (the middleware is
 * `src/bot/middleware/update-tx.ts`): two round trips for a step of a flow that needs no other
 * data.
 *
 * 1. **First round trip**: BEGIN, the chat's advisory lock, the dedup insert, the sender's
 *    account and the chat's conversation state, in one message. The account and the state are
 *    handed to the user middleware and to the conversation storage (each once, to the first
 *    reader; later reads in the same update go to the database as usual, so a write in between
 *    is always seen).
 * 2. **Last round trip**: the writes queued in the update's {@link DeferredWrites} (the
 *    conversation state, written last by the conversations plugin) and COMMIT.
 *
 * Without these two batches an update costs five more round trips (BEGIN, lock, dedup,
 * account and state each on their own, and the state write before COMMIT); the benchmark
 * counts them (`npm run bench`, round trips per update).
 */

interface Prefetch {
  telegramId?: number;
  user?: { value: User | undefined };
  conversationKey?: string;
  conversation?: { value: unknown };
  deferred: DeferredWrites;
  /** The chat's conversation state was written (its message ids may be provisional). */
  stateWritten: boolean;
  carriedIds?: Record<string, number>;
}

const prefetched = new WeakMap<object, Prefetch>();

/** Which update, chat and sender the transaction is for. */
export interface UpdateKey {
  updateId: number;
  /** The chat whose updates are serialised by the advisory lock (none: no lock). */
  chatId?: number;
  /** The sender whose account is loaded with the first round trip. */
  senderId?: number;
  /** The conversation state loaded with the first round trip. */
  conversationKey?: string;
  /** When the update is handled (app clock): recorded with its id. */
  now: Date;
  /**
   * Real ids of messages the chat's previous update sent, not stored yet (the outbox hands
   * them over instead of writing them): applied to the conversation state read here, and
   * stored with it.
   */
  carriedIds?: Record<string, number>;
}

interface FirstRow {
  __fresh: boolean;
  __conv: unknown;
  [column: string]: unknown;
}

function integer(value: number): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer id: ${String(value)}`);
  return value;
}

/** How an update transaction ended. */
export interface UpdateOutcome {
  /** False when this update_id was handled before (then nothing ran). */
  fresh: boolean;
  /** The chat's conversation state was written (see {@link noteConversationWritten}). */
  stateWritten: boolean;
}

/**
 * Runs `body` in the update's transaction on one connection of `root`; nothing runs when
 * this update_id was handled before. `ctx` is the key under which the prefetched rows and the
 * deferred writes are found ({@link takePrefetchedUser}, {@link takePrefetchedConversation},
 * {@link deferredWritesOf}).
 */
export async function runUpdateTransaction(
  ctx: object,
  root: Kysely<Database>,
  key: UpdateKey,
  body: (db: Kysely<Database>) => Promise<void>,
): Promise<UpdateOutcome> {
  const multiStatement = multiStatementAllowed(root);
  return root.connection().execute(async (db) => {
    const c: BatchConnection = { db, multiStatement };
    const lock =
      key.chatId === undefined ? [] : [sql`select pg_advisory_xact_lock(hashtextextended(${`chat:${integer(key.chatId)}`}, 0))`];
    const first = sql<FirstRow>`with ins as (insert into processed_update (update_id, processed_at) values (${integer(key.updateId)}, ${key.now}) on conflict (update_id) do nothing returning update_id) select exists (select 1 from ins) as "__fresh", ${
      key.conversationKey === undefined ? sql`null` : sql`(select state from conversation_state where key = ${key.conversationKey})`
    } as "__conv", u.* from (select 1) as one left join users u on ${key.senderId === undefined ? sql`false` : sql`u.telegram_id = ${integer(key.senderId)}`}`;
    try {
      const [row] = await sendTogether(c, [sql`begin`, ...lock], first);
      if (!row || row.__fresh !== true) {
        await sql`rollback`.execute(db);
        return { fresh: false, stateWritten: false };
      }
      const { __fresh: _fresh, __conv: conv, ...userColumns } = row;
      const p: Prefetch = { deferred: new DeferredWrites(), stateWritten: false, carriedIds: key.carriedIds };
      if (key.senderId !== undefined) {
        p.telegramId = key.senderId;
        p.user = { value: userColumns["id"] === null || userColumns["id"] === undefined ? undefined : (userColumns as unknown as User) };
      }
      if (key.conversationKey !== undefined) {
        p.conversationKey = key.conversationKey;
        p.conversation = { value: conv ?? undefined };
      }
      prefetched.set(ctx, p);
      await body(db);
      await commitWith(c, p.deferred);
      return { fresh: true, stateWritten: p.stateWritten };
    } catch (err) {
      await sql`rollback`.execute(db).catch(() => undefined);
      throw err;
    } finally {
      prefetched.delete(ctx);
    }
  });
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

/** Real ids of messages sent after the chat's previous COMMIT that the state does not hold yet. */
export function carriedIdsOf(ctx: object): Record<string, number> | undefined {
  return prefetched.get(ctx)?.carriedIds;
}

/**
 * The writes that travel with this update's COMMIT, while its transaction is open; undefined
 * outside one (then write at once). Only for writes that nothing later in the update reads.
 */
export function deferredWritesOf(ctx: object): DeferredWrites | undefined {
  return prefetched.get(ctx)?.deferred;
}

/** Notes that the conversation state of the update's chat is written with its COMMIT. */
export function noteConversationWritten(ctx: object): void {
  const p = prefetched.get(ctx);
  if (p) p.stateWritten = true;
}

/**
 * Adds the real ids of messages delivered after COMMIT to the chats' stored conversation
 * states (`ids`: provisional id → real id; see `src/bot/outbox.ts`), in one statement. The
 * next read of a state applies its map (`conversation-storage.ts`). A chat without state:
 * nothing to do.
 *
 * `lock` (one chat, when the webhook answers Telegram only afterwards): under the chat's
 * advisory lock, so that the map lands after any update of the chat still running — one that
 * read the state before would otherwise overwrite the map with its COMMIT. Without it (long
 * polling, many chats at once): such an update got the map in memory from the outbox, so its
 * COMMIT stores the real ids itself.
 */
export async function recordDeliveredIds(
  root: Kysely<Database>,
  entries: { chatId: number; key: string; ids: Record<string, number> }[],
  opts: { lock: boolean },
): Promise<void> {
  if (entries.length === 0) return;
  const update = sql`update conversation_state as c set state = jsonb_set(c.state, '{ids}', coalesce(c.state->'ids', '{}'::jsonb) || v.ids::jsonb) from (values ${sql.join(
    entries.map((e) => sql`(${e.key}, ${JSON.stringify(e.ids)})`),
  )}) as v(key, ids) where c.key = v.key`;
  if (!opts.lock) {
    await update.execute(root);
    return;
  }
  const sorted = [...entries].sort((x, y) => x.chatId - y.chatId);
  const multiStatement = multiStatementAllowed(root);
  await root.connection().execute(async (db) => {
    const c: BatchConnection = { db, multiStatement };
    try {
      await sendTogether(
        c,
        [sql`begin`, ...sorted.map((e) => sql`select pg_advisory_xact_lock(hashtextextended(${`chat:${integer(e.chatId)}`}, 0))`), update],
        sql`commit`,
      );
    } catch (err) {
      await sql`rollback`.execute(db).catch(() => undefined);
      throw err;
    }
  });
}
