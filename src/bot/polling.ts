import { run, type RunnerHandle } from "@grammyjs/runner";
import type { Bot } from "grammy";
import type { Logger } from "../logger.js";
import type { BotContext } from "./context.js";

export const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;

/**
 * Long polling with the runner: chats are handled in parallel, each chat in order
 * (`sequentialize` in the bot). Returns a stop function that lets in-flight updates finish.
 */
export async function startPolling(bot: Bot<BotContext>, logger: Logger): Promise<{ stop(): Promise<void>; handle: RunnerHandle }> {
  await bot.api.deleteWebhook({ drop_pending_updates: false });
  const handle = run(bot, {
    runner: {
      fetch: { allowed_updates: [...ALLOWED_UPDATES], timeout: 30 },
      maxRetryTime: 24 * 60 * 60 * 1000,
      retryInterval: "exponential",
      silent: true,
    },
  });
  logger.info({ bot: bot.botInfo.username }, "long polling started");
  return {
    handle,
    async stop() {
      if (handle.isRunning()) await handle.stop();
    },
  };
}
