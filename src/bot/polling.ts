import { createConcurrentSink, createRunner, createSource, type RunnerHandle } from "@grammyjs/runner";
import { GrammyError, HttpError, type Api, type Bot, type RawApi } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { Logger } from "../logger.js";
import type { BotContext } from "./context.js";
import { describeError } from "./errors.js";
import type { Outbox } from "./outbox.js";

/** Update types the bot asks Telegram for (polling and webhook alike). */
export const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;

/** Thrown when Telegram refuses the token: retrying cannot help. */
export class TelegramAuthError extends Error {
  override name = "TelegramAuthError";
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** grammY types its signals with the abort-controller shim; Node's are compatible. */
type ShimSignal = NonNullable<Parameters<Api["getMe"]>[0]>;
const abortAfter = (ms: number) => AbortSignal.timeout(ms) as unknown as ShimSignal;

const errorCode = (err: unknown): number | undefined => (err instanceof GrammyError ? err.error_code : undefined);

/**
 * Asks Telegram who the bot is, with a timeout per attempt and a growing pause between
 * attempts (logged), so that start-up neither hangs nor gives up on a short outage. A refused
 * token fails at once; after `maxWaitMs` the last error is thrown. The result is passed to the
 * bot (`bot.botInfo`), so neither the runner nor the webhook calls getMe again.
 */
export async function fetchBotInfo(
  api: Api<RawApi>,
  logger: Logger,
  opts: { attemptTimeoutMs?: number; maxWaitMs?: number; initialDelayMs?: number } = {},
): Promise<UserFromGetMe> {
  const deadline = Date.now() + (opts.maxWaitMs ?? 120_000);
  let delay = opts.initialDelayMs ?? 1_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.getMe(abortAfter(opts.attemptTimeoutMs ?? 10_000));
    } catch (err) {
      if (errorCode(err) === 401 || errorCode(err) === 404) {
        throw new TelegramAuthError(`Telegram refused BOT_TOKEN (${(err as GrammyError).description}). Check the token from @BotFather.`);
      }
      if (Date.now() + delay > deadline) throw err;
      logger.warn({ attempt, retryInMs: delay, err: describeError(err) }, "getMe failed; retrying");
      await sleep(delay);
      delay = Math.min(delay * 2, 30_000);
    }
  }
}

/**
 * Which updates have been handed to the bot and which are finished, to choose the offset of
 * the next getUpdates call. Telegram forgets every update below the offset ("confirmed"), so
 * the offset never moves past an update that is still being handled: if the process dies,
 * Telegram delivers it again, and `processed_update` (same transaction as its writes) makes
 * sure that an update finished before the crash is not applied twice.
 */
export class UpdateOffsets {
  private readonly inFlight = new Set<number>();
  /** Finished updates that may still be at or above the offset (not confirmed yet). */
  private readonly finished = new Set<number>();
  private highest = 0;
  private waiters: Array<() => void> = [];

  /** The offset for the next getUpdates call. */
  next(): number {
    if (this.inFlight.size === 0) {
      this.finished.clear();
      return this.highest === 0 ? 0 : this.highest + 1;
    }
    let low = Infinity;
    for (const id of this.inFlight) if (id < low) low = id;
    for (const id of this.finished) if (id < low) this.finished.delete(id);
    return low;
  }

  /** Keeps the updates not seen before and marks them in flight. */
  take(updates: Update[]): Update[] {
    const fresh = updates.filter((u) => !this.inFlight.has(u.update_id) && !this.finished.has(u.update_id));
    for (const u of fresh) {
      this.inFlight.add(u.update_id);
      if (u.update_id > this.highest) this.highest = u.update_id;
    }
    return fresh;
  }

  done(updateId: number): void {
    if (!this.inFlight.delete(updateId)) return;
    this.finished.add(updateId);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** The offset that confirms every update seen so far (for a clean stop). */
  get confirmAll(): number {
    return this.highest + 1;
  }

  /** Resolves when an update finishes, after `ms`, or on abort. */
  progress(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Resolves when nothing is in flight (or after `ms`). */
  async drained(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.inFlight.size > 0 && Date.now() < deadline) await this.progress(Math.min(200, deadline - Date.now()));
    return this.inFlight.size === 0;
  }
}

export interface PollingOptions {
  /** Long-poll timeout of getUpdates in seconds (default 30). */
  timeoutSeconds?: number;
  /** Restart polling when a getUpdates call has not returned for this long (default timeout + 60 s). */
  watchdogMs?: number;
  /** First pause after a failed getUpdates; doubles up to `maxBackoffMs` (defaults 1 s / 60 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How many updates may be handled at once (all chats together; default 100). */
  concurrency?: number;
  /** How long a stop waits for in-flight updates (default 30 s). */
  drainMs?: number;
  /**
   * The app's outbox (src/bot/outbox.ts). Given, an update's handling ends at its COMMIT and
   * its replies are sent in the background, in order per chat ("detached"): a slow or
   * rate-limited Telegram then holds no runner slot, and the runner's concurrency is spent on
   * database work. A stop waits for the replies too.
   */
  outbox?: Outbox;
}

export interface PollingHandle {
  /** Stops fetching, lets in-flight updates finish and confirms them to Telegram. */
  stop(): Promise<void>;
  /** Restarts of the runner by the watchdog so far. */
  restarts(): number;
  isRunning(): boolean;
}

/**
 * Long polling that does not go silent:
 * - chats are handled in parallel, each chat in order (`sequentialize` in the bot);
 * - the offset only confirms finished updates ({@link UpdateOffsets});
 * - 409 Conflict (another process is polling the same bot), 429, 5xx and network errors are
 *   retried with a growing pause and a clear log line, instead of stopping the runner;
 * - a watchdog restarts the runner when a getUpdates call hangs past the long-poll timeout;
 * - with the app's outbox, replies are sent after COMMIT without holding a runner slot (an
 *   update is confirmed once committed: its replies are out within moments, and a
 *   redelivered update would be skipped anyway).
 * The bot must have its `botInfo` (see {@link fetchBotInfo}).
 */
export async function startPolling(bot: Bot<BotContext>, logger: Logger, opts: PollingOptions = {}): Promise<PollingHandle> {
  const timeoutSeconds = opts.timeoutSeconds ?? 30;
  const watchdogMs = opts.watchdogMs ?? (timeoutSeconds + 60) * 1000;
  const initialBackoffMs = opts.initialBackoffMs ?? 1_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 60_000;
  const offsets = new UpdateOffsets();
  let stopped = false;
  let restarts = 0;
  /** When the outstanding getUpdates call started (undefined: none outstanding). */
  let callStartedAt: number | undefined;

  await bot.api.deleteWebhook({ drop_pending_updates: false });
  if (opts.outbox) opts.outbox.mode = "detached";

  function createSupplier() {
    let retired = false;
    let backoff = initialBackoffMs;
    let conflictSince: number | undefined;
    const supplier = {
      retire() {
        retired = true;
      },
      async supply(batchSize: number, runnerSignal: ShimSignal): Promise<Update[]> {
        const signal = runnerSignal as unknown as AbortSignal;
        for (;;) {
          if (retired || signal.aborted) throw new Error("polling stopped");
          const busy = offsets.busy > 0;
          let updates: Update[];
          try {
            callStartedAt = Date.now();
            updates = await bot.api.getUpdates(
              {
                offset: offsets.next(),
                limit: Math.max(1, Math.min(100, batchSize)),
                // While updates are in flight the offset stays below them and Telegram would
                // answer at once anyway; ask without waiting and pace the loop below.
                timeout: busy ? 0 : timeoutSeconds,
                allowed_updates: [...ALLOWED_UPDATES],
              },
              runnerSignal,
            );
          } catch (err) {
            callStartedAt = undefined;
            if (retired || signal.aborted) throw err;
            const code = errorCode(err);
            let wait = backoff;
            if (code === 409) {
              conflictSince ??= Date.now();
              logger.warn(
                { retryInMs: wait, conflictForSeconds: Math.round((Date.now() - conflictSince) / 1000) },
                "409 Conflict from getUpdates: another process is polling this bot or a webhook is set. " +
                  "Run ONE polling process per bot, or BOT_MODE=webhook for several. Retrying.",
              );
            } else if (code === 429) {
              const retryAfter = (err as GrammyError).parameters.retry_after ?? 5;
              wait = Math.max(wait, retryAfter * 1000);
              logger.warn({ retryInMs: wait }, "getUpdates rate limited (429); waiting");
            } else if (code === 401 || code === 404) {
              logger.error({ retryInMs: maxBackoffMs, err: describeError(err) }, "Telegram refused BOT_TOKEN; check the token. Retrying slowly.");
              wait = maxBackoffMs;
            } else {
              logger.warn({ retryInMs: wait, err: describeError(err) }, "getUpdates failed; retrying");
            }
            await sleep(wait, signal);
            backoff = Math.min(backoff * 2, maxBackoffMs);
            continue;
          }
          callStartedAt = undefined;
          // A watchdog restart may have replaced this supplier while the call hung: its
          // updates belong to nobody, so leave them unconfirmed for the new one.
          if (retired) throw new Error("polling restarted");
          if (conflictSince !== undefined) {
            logger.info({ afterSeconds: Math.round((Date.now() - conflictSince) / 1000) }, "getUpdates works again after 409 Conflict");
            conflictSince = undefined;
          }
          backoff = initialBackoffMs;
          const fresh = offsets.take(updates);
          if (fresh.length > 0) return fresh;
          // Only updates still in flight came back: wait until one finishes (or a moment).
          if (busy) await offsets.progress(250, signal);
        }
      },
    };
    return supplier;
  }

  const sinkErrorHandler = async (error: unknown) => {
    try {
      await bot.errorHandler(error as never);
    } catch (err) {
      logger.error({ err: describeError(err) }, "error handler failed");
    }
  };

  let supplier = createSupplier();
  let runner: RunnerHandle;

  function launch(): void {
    supplier = createSupplier();
    const source = createSource(supplier);
    const sink = createConcurrentSink<Update>(
      {
        consume: async (update) => {
          try {
            await bot.handleUpdate(update);
          } finally {
            offsets.done(update.update_id);
          }
        },
      },
      sinkErrorHandler,
      { concurrency: opts.concurrency ?? 100 },
    );
    runner = createRunner(source, sink);
    runner.start();
    const started = runner;
    runner.task()?.catch((err: unknown) => {
      if (stopped || started !== runner) return;
      logger.error({ err: describeError(err) }, "long polling stopped unexpectedly; restarting");
      restart();
    });
  }

  function restart(): void {
    restarts += 1;
    const old = runner;
    supplier.retire();
    callStartedAt = undefined;
    // Do not wait for the old runner: its getUpdates call may never return.
    void old.stop()?.catch(() => undefined);
    launch();
  }

  launch();
  const watchdog = setInterval(
    () => {
      if (stopped || callStartedAt === undefined) return;
      const hungMs = Date.now() - callStartedAt;
      if (hungMs < watchdogMs) return;
      logger.warn({ hungSeconds: Math.round(hungMs / 1000) }, "getUpdates has not returned for too long: restarting long polling");
      restart();
    },
    Math.max(50, Math.min(5_000, Math.floor(watchdogMs / 4))),
  );
  watchdog.unref?.();
  logger.info({ bot: bot.botInfo.username }, "long polling started");

  return {
    restarts: () => restarts,
    isRunning: () => !stopped,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(watchdog);
      supplier.retire();
      await Promise.race([runner.stop(), sleep(5_000)]);
      const drainDeadline = Date.now() + (opts.drainMs ?? 30_000);
      const drained = await offsets.drained(opts.drainMs ?? 30_000);
      if (!drained) logger.warn({ inFlight: offsets.busy }, "stopped with updates still in flight; Telegram will deliver them again");
      if (opts.outbox && !(await opts.outbox.drain(Math.max(1_000, drainDeadline - Date.now())))) {
        logger.warn({ pending: opts.outbox.pending() }, "stopped with replies not sent yet");
      }
      // Confirm what was handled, so that the next start does not fetch it again (it would be
      // skipped anyway). limit 1 / timeout 0: a newer update, if any, stays with Telegram.
      try {
        await bot.api.getUpdates({ offset: drained ? offsets.confirmAll : offsets.next(), limit: 1, timeout: 0 }, abortAfter(5_000));
      } catch (err) {
        if (!(err instanceof HttpError) && errorCode(err) !== 409) logger.warn({ err: describeError(err) }, "could not confirm the last updates");
      }
    },
  };
}
