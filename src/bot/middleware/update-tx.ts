import { sql } from "kysely";
import type { MiddlewareFn } from "grammy";
import type { BotContext } from "../context.js";

/**
 * Runs each update in one database transaction:
 * - updates of one chat are serialised across processes by an advisory lock held for the
 *   transaction (within a process the runner's `sequentialize` already orders them);
 * - each `update_id` is recorded in the same transaction as the update's writes, so a
 *   redelivered update (webhook timeout, crash before the polling offset moved) is skipped,
 *   and an update whose handling failed leaves no partial writes.
 * Handlers read and write through `ctx.db`, which is this transaction.
 */
export function updateTransaction(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const chatId = ctx.chatId;
    const lockKey = chatId === undefined ? null : `chat:${chatId}`;
    await ctx.deps.db.transaction().execute(async (trx) => {
      // One round trip: take the chat lock (if any), then record the update id.
      const first =
        lockKey === null
          ? await sql<{ update_id: number }>`
              insert into processed_update (update_id) values (${ctx.update.update_id}::bigint)
              on conflict (update_id) do nothing returning update_id`.execute(trx)
          : await sql<{ update_id: number }>`
              with lock as (select pg_advisory_xact_lock(hashtextextended(${lockKey}::text, 0)))
              insert into processed_update (update_id)
              select ${ctx.update.update_id}::bigint from lock
              on conflict (update_id) do nothing returning update_id`.execute(trx);
      if (first.rows.length === 0) {
        ctx.log.info("update already processed; skipped");
        return;
      }
      ctx.db = trx;
      try {
        await next();
      } finally {
        ctx.db = ctx.deps.db;
      }
    });
  };
}
