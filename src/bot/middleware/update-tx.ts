import type { MiddlewareFn } from "grammy";
import { conversationKey } from "../../db/conversation-storage.js";
import { runUpdateTransaction } from "../../db/update-prefetch.js";
import type { BotContext } from "../context.js";
import type { Outbox } from "../outbox.js";
import { sanitizeUpdate } from "../../lib/sanitize.js";

/**
 * Runs each update in one database transaction, and sends its Bot API calls after COMMIT:
 *
 * - **No connection held while talking to Telegram.** While the update runs, `ctx.api` is the
 *   update's own `Api` from the {@link Outbox}: every call is recorded and answered at once
 *   (a sent message gets a provisional id), and nothing goes to Telegram. After COMMIT — the
 *   connection back in the pool, the chat's lock released — the calls are sent in order and
 *   the real message ids replace the provisional ones (see `src/bot/outbox.ts`). An update
 *   that fails sends nothing (its writes are rolled back too). A Bot API call that is slow,
 *   or paused by a 429, holds no database resource.
 * - **One chat at a time, across processes.** The transaction first takes a PostgreSQL
 *   advisory lock for the chat (`pg_advisory_xact_lock`, released at COMMIT/ROLLBACK), so two
 *   processes never handle updates of the same chat at the same time. Within a process the
 *   `sequentialize` middleware queues them, and an update waits — before it opens its
 *   transaction — until the replies of the chat's previous update have been sent
 *   ({@link Outbox.idle}): replies keep their order, and the next update sees their real ids.
 * - **In order.** The lock serialises but does not order; order comes from the delivery.
 *   With long polling there is one poller, and `sequentialize` keeps a chat's updates in
 *   update_id order. With a webhook, Telegram's Bot API server keeps one queue per chat and
 *   sends a chat's next update only after the previous one was answered with 2xx (or dropped):
 *   the webhook server answers only after this update committed and its replies were sent, so
 *   the next update of the chat cannot overtake it, whichever process it lands on. If an
 *   update runs past the webhook's answer deadline (it is then acknowledged early, see
 *   `src/bot/webhook.ts`), it already holds or waits for the chat lock — every wait before the
 *   lock is bounded by the pool's 5 s connection timeout — and PostgreSQL grants a lock to its
 *   waiters first come, first served, so the chat's next update still queues behind it.
 *   Rejecting an update whose update_id is lower than the chat's last one would not restore
 *   order, only lose the update.
 * - **Exactly once.** The update_id is inserted into `processed_update` in the same
 *   transaction as the update's writes. A redelivered update (webhook timeout, a crash before
 *   the poller confirmed it) finds its id and is skipped; a failed update rolls back with its
 *   writes, leaves no partial data and may be delivered again. Ids older than three days are
 *   pruned by the hourly housekeeping job (Telegram never redelivers after 24 hours).
 * - **Few round trips.** BEGIN, the lock, the dedup insert, the sender's account and the
 *   chat's conversation state travel in one message, and the conversation write travels with
 *   COMMIT (`src/db/update-prefetch.ts`). A step of a flow that needs no other data costs two
 *   round trips.
 *
 * Handlers read and write through `ctx.db`, which is this transaction.
 */
export function updateTransaction(outbox: Outbox): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    // Nothing PostgreSQL cannot store (U+0000, half an emoji) reaches handlers, flows or state.
    sanitizeUpdate(ctx.update);
    const chatId = ctx.chatId;
    const from = ctx.from;
    // The replies of this chat's previous update go first (no database resource is held yet).
    if (chatId !== undefined) await outbox.idle(chatId);
    const real = ctx.api;
    const replies = outbox.open({ chatId, real, facts: () => ({ locale: ctx.locale }) });
    (ctx as { api: unknown }).api = replies.api;
    // Real ids of the previous update's messages, not stored yet: stored with this state.
    const carriedIds = chatId === undefined ? undefined : outbox.takeCarriedIds(chatId);
    let outcome;
    try {
      outcome = await runUpdateTransaction(
        ctx,
        ctx.deps.db,
        {
          updateId: ctx.update.update_id,
          chatId,
          senderId: from && !from.is_bot ? from.id : undefined,
          conversationKey: chatId === undefined ? undefined : conversationKey(chatId),
          now: ctx.deps.now(),
          carriedIds,
        },
        async (db) => {
          ctx.db = db;
          try {
            await next();
          } finally {
            ctx.db = ctx.deps.db;
          }
        },
      );
    } catch (err) {
      outbox.discard(replies);
      if (carriedIds) outbox.returnCarriedIds(chatId!, carriedIds);
      throw err;
    } finally {
      (ctx as { api: unknown }).api = real;
    }
    if (carriedIds && !outcome.stateWritten) outbox.returnCarriedIds(chatId!, carriedIds);
    if (!outcome.fresh) {
      outbox.discard(replies);
      ctx.log.info("update already processed; skipped");
      return;
    }
    const delivery = outbox.deliver(replies, { stateWritten: outcome.stateWritten });
    if (outbox.mode === "attached") await delivery;
  };
}
