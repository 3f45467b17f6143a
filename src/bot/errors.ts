import { BotError, GrammyError, HttpError, type ErrorHandler } from "grammy";
import { conversationKey } from "../db/conversation-storage.js";
import type { BotContext } from "./context.js";

const DB_DOWN_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"]);

/** True when the error means the database cannot be reached right now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && DB_DOWN_CODES.has(code)) return true;
    const message = e instanceof Error ? e.message : "";
    if (/Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error|PGlite is closed|driver has already been destroyed/i.test(message)) {
      return true;
    }
    e = (e as { cause?: unknown }).cause ?? (e instanceof BotError ? e.error : undefined);
  }
  return false;
}

/** A short, PII-free description of an error for the log. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof GrammyError) return { kind: "telegram", method: err.method, code: err.error_code, description: err.description };
  if (err instanceof HttpError) return { kind: "network", message: err.message };
  if (err instanceof Error) return { kind: err.name, message: err.message.slice(0, 300), stack: err.stack?.split("\n").slice(0, 6).join("\n") };
  return { kind: typeof err };
}

/**
 * The one error boundary. Logs (no personal data), tells the user in their language what
 * happened and what to do, and — when a conversation failed — resets that chat's
 * conversation so that the chat is never wedged by state that cannot be replayed.
 * By the time this runs, the update's transaction has been rolled back.
 */
export function createErrorHandler(): ErrorHandler<BotContext> {
  return async (botError) => {
    const ctx = botError.ctx;
    const err = botError.error;
    const dbDown = isDatabaseUnavailable(err);
    const log = ctx.log ?? ctx.deps.logger;
    log.error({ error: describeError(err), dbDown }, "update failed");
    const chatId = ctx.chatId;
    if (chatId === undefined) return;
    const t = ctx.t ?? ctx.deps.i18n.t(ctx.deps.i18n.defaultLocale);
    let key = dbDown ? "errors.service_unavailable" : "errors.generic";
    if (!dbDown) {
      try {
        const removed = await ctx.deps.db
          .deleteFrom("conversation_state")
          .where("key", "=", conversationKey(chatId))
          .executeTakeFirst();
        if (Number(removed.numDeletedRows) > 0) key = "errors.flow_reset";
      } catch (resetErr) {
        log.error({ error: describeError(resetErr) }, "could not reset the conversation after an error");
      }
    }
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      await ctx.api.sendMessage(chatId, t(key), { parse_mode: "HTML" });
    } catch (replyErr) {
      log.warn({ error: describeError(replyErr) }, "could not tell the user about the error");
    }
  };
}
