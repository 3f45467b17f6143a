import { z } from "zod";
import { randomBytes } from "node:crypto";
import { Api, GrammyError, HttpError, InlineKeyboard, type RawApi } from "grammy";
import type { Message } from "grammy/types";
import {
  ackCounts,
  acquireSenderLease,
  claimDeliveries,
  deliveryCounts,
  finishBroadcastIfDone,
  markDeliveryFinal,
  markDeliveryRetry,
  markDeliverySent,
  markUserUnreachable,
  nextDueAt,
  releaseDelivery,
  releaseSenderLease,
  sendingBroadcasts,
  type Broadcast,
  type ClaimedDelivery,
  type DeliveryCounts,
} from "../../db/queries/broadcasts.js";
import { isLocale, type TFunction } from "../../i18n.js";
import type { Logger } from "../../logger.js";
import type { AppDeps } from "../context.js";
import { describeError } from "../errors.js";
import { broadcastProgressText, formatCount } from "../../domain/broadcast.js";
import { defineJob } from "../jobs.js";
import { renderCekamanDelivery } from "../cekaman/deliveries.js";
import { BC, BK } from "../../ui/coordinator/callback-data.js";

/** The "👍 Sudah dibaca" button under an acknowledged broadcast (and its reminder). */
export function ackKeyboard(t: TFunction, broadcastId: number): InlineKeyboard {
  return new InlineKeyboard().text(t("siaran.btn_ack"), BK.encode("a", { id: broadcastId }));
}

/** "👍 Sudah dibaca: 3 dari 5" under the progress and the final report. */
export async function ackLine(db: AppDeps["db"], t: TFunction, locale: string, broadcastId: number): Promise<string> {
  const c = await ackCounts(db, broadcastId);
  return t("siaran.ack_progress", { acked: formatCount(c.acked, locale), delivered: formatCount(c.delivered, locale) });
}

/**
 * Delivers broadcasts from the `broadcast_deliveries` queue, durably and within Telegram's
 * limits:
 * - claims small batches (FOR UPDATE SKIP LOCKED, status "sending" with a lease) right
 *   before sending, never more than there are free send slots and places in the current
 *   second, so at most
 *   `concurrency` messages are "in flight" at any instant; marks each "sent" after Telegram
 *   answered. A row left in "sending" by a dead process is claimed again once its lease ran
 *   out: after a kill -9 only those in-flight messages can go out twice, none is skipped;
 * - graceful `stop()`: claims nothing more, releases claimed rows not yet handed to
 *   Telegram, waits for the calls in flight and records them: a restart resumes with no
 *   duplicate;
 * - a global rate: at most BROADCAST_RATE messages handed to Telegram in any second (a
 *   sliding window, taken right before each call) and at most one message per second to one
 *   chat; one process sends at a time (a lease row), so the rate holds across processes;
 * - 429: the whole sender pauses for retry_after and the message is retried (not counted as
 *   an attempt); 5xx and network errors: retried with backoff, `maxAttempts` in all, then
 *   "failed"; 403 (blocked): "unreachable" and users.unreachable_at, not retried; other
 *   4xx: "failed";
 * - edits the coordinator's progress message at most every `progressEveryMs` and reports
 *   the final figures once.
 * It uses the root database (never an update transaction) and its own Api client without
 * the auto-retry transformer (429s are handled here, for the whole sender).
 */
export interface BroadcastSender {
  /** Runs in the background until `stop()` (production). */
  start(): void;
  /** Graceful stop: no new claims, calls in flight finish and are recorded, the lease is released. */
  stop(): Promise<void>;
  isStarted(): boolean;
  /** Sends what is due now, in this call, until nothing is due or the budget is spent (simulator, jobs, tests). */
  drain(opts?: { budgetMs?: number }): Promise<{ remaining: boolean; nextDueAt: Date | null }>;
  /**
   * Stops at once without any cleanup, as if the process had died: nothing more is written,
   * calls still in flight are forgotten (tests of the crash path).
   */
  kill(): void;
  /** Id of this sender (the claim token written to the rows it holds). */
  readonly id: string;
}

export interface BroadcastSenderOptions {
  deps: AppDeps;
  /** Any Api of the bot: only its token and client options (apiRoot, fetch) are used. */
  api: Api<RawApi>;
  /** Messages in flight at once (= the most that can be sent twice after a crash). Default 8. */
  concurrency?: number;
  /** Messages per second, all broadcasts together. Default config BROADCAST_RATE. */
  rate?: number;
  /** How long a claimed row stays reserved for this sender (app clock). Default 90 s. */
  leaseSeconds?: number;
  /** How long the sending lease lasts without renewal (app clock). Default 30 s. */
  senderLeaseSeconds?: number;
  progressEveryMs?: number;
  idlePollMs?: number;
  maxAttempts?: number;
  /** Timeout of one Bot API call. Default 30 s, at most a third of leaseSeconds (it must end well before the lease). */
  requestTimeoutSeconds?: number;
}

const SENDERS = new WeakMap<AppDeps, BroadcastSender>();

/** The sender created for these app dependencies (one per app). */
export function broadcastSenderFor(deps: AppDeps, api: Api<RawApi>): BroadcastSender {
  return SENDERS.get(deps) ?? createBroadcastSender({ deps, api });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref?.());

export function createBroadcastSender(opts: BroadcastSenderOptions): BroadcastSender {
  const { deps } = opts;
  const db = deps.db;
  const log: Logger = deps.logger.child({ component: "broadcast-sender" });
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const rate = Math.max(1, opts.rate ?? deps.config.BROADCAST_RATE);
  const leaseSeconds = opts.leaseSeconds ?? 90;
  const senderLeaseSeconds = opts.senderLeaseSeconds ?? 30;
  const progressEveryMs = opts.progressEveryMs ?? 3000;
  const idlePollMs = opts.idlePollMs ?? 1000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const me = `bs-${process.pid}-${randomBytes(6).toString("hex")}`;
  // Our own client: same token and transport (tests inject fetch), no transformers.
  const api = new Api(opts.api.token, { ...opts.api.options, timeoutSeconds: opts.requestTimeoutSeconds ?? Math.max(1, Math.min(30, Math.floor(leaseSeconds / 3))) });

  // --- rate limits (real time, not the app clock)
  const mono = () => performance.now();
  // A sliding second: when the latest messages were handed to Telegram. At most `rate` of
  // them in any 1,000 ms (a token bucket's burst would allow rate + burst in some second,
  // which at the default 25 + 5 touches Telegram's 30 per second).
  const recent: number[] = [];
  const prune = (t: number) => {
    while (recent.length > 0 && recent[0]! <= t - 1000) recent.shift();
  };
  const freeSlots = () => {
    prune(mono());
    return rate - recent.length;
  };
  const msUntilSlot = () => {
    const t = mono();
    prune(t);
    return recent.length < rate ? 0 : Math.max(1, Math.ceil(recent[recent.length - rate]! + 1000 - t));
  };
  let pausedUntil = 0;
  /** Waits for a free place in the sliding second (and for the end of a 429 pause), then takes it. */
  async function takeSlot(): Promise<void> {
    for (;;) {
      const pause = pausedUntil - mono();
      if (pause > 0) {
        await sleep(pause);
        continue;
      }
      const wait = msUntilSlot();
      if (wait <= 0) {
        recent.push(mono());
        return;
      }
      await sleep(wait);
    }
  }
  const chatNextAt = new Map<number, number>();
  /** Reserves the chat's next free second; returns how long to wait for it. */
  const reserveChat = (chatId: number): number => {
    const t = mono();
    const at = Math.max(t, chatNextAt.get(chatId) ?? 0);
    chatNextAt.set(chatId, at + 1000);
    if (chatNextAt.size > 10_000) {
      for (const [k, v] of chatNextAt) if (v < t) chatNextAt.delete(k);
    }
    return at - t;
  };

  // --- state
  let started = false;
  let stopRequested = false;
  let killed = false;
  let loop: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();
  const wakers = new Set<() => void>();
  /** Sleeps for `ms`, or until `wake()` (new work, a finished send, stop). */
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });
  const wake = () => {
    for (const w of [...wakers]) w();
  };

  let leaderUntil = 0;
  async function holdLease(): Promise<boolean> {
    if (mono() < leaderUntil) return true;
    const ok = await acquireSenderLease(db, me, deps.now(), senderLeaseSeconds);
    // Renew well before it runs out.
    leaderUntil = ok ? mono() + (senderLeaseSeconds * 1000) / 3 : 0;
    return ok;
  }

  const tFor = (locale: string | null | undefined): TFunction =>
    deps.i18n.t(locale && isLocale(locale) ? locale : deps.i18n.defaultLocale);

  // Broadcast content and its sender's name, cached while it is being sent.
  const cache = new Map<number, Promise<{ b: Broadcast; senderName: string; senderLocale: string }>>();
  function content(id: number) {
    let hit = cache.get(id);
    if (!hit) {
      hit = (async () => {
        const b = await db.selectFrom("broadcasts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
        const u = b.created_by
          ? await db.selectFrom("users").select(["name", "locale"]).where("id", "=", b.created_by).executeTakeFirst()
          : undefined;
        return { b, senderName: u?.name ?? "Koordinator", senderLocale: u?.locale ?? deps.i18n.defaultLocale };
      })();
      hit.catch(() => cache.delete(id));
      cache.set(id, hit);
    }
    return hit;
  }

  type Call = () => Promise<Message>;

  /** Messages the bot queues itself (check-in lists, reminders): rendered now; null when nothing is left to say. */
  async function prepareSpecial(row: ClaimedDelivery, b: Broadcast, t: TFunction): Promise<Call | null> {
    if (b.kind === "ack_remind") {
      if (b.ref_id === null) return null;
      const original = await content(b.ref_id);
      const mine = await db
        .selectFrom("broadcast_deliveries")
        .select("acked_at")
        .where("broadcast_id", "=", b.ref_id)
        .where("user_id", "=", row.user_id)
        .executeTakeFirst();
      if (!mine || mine.acked_at) return null;
      const ref = b.ref_id;
      const body = `${t("siaran.ack_reminder", { id: ref, hours: deps.config.BROADCAST_ACK_HOURS })}\n\n${t("siaran.header", { name: original.senderName })}\n\n${original.b.text_html}`;
      return () => api.sendMessage(row.chat_id, body, { parse_mode: "HTML", link_preview_options: { is_disabled: true }, reply_markup: ackKeyboard(t, ref) });
    }
    const m = await renderCekamanDelivery(db, t, b, row);
    if (!m) return null;
    return () => api.sendMessage(row.chat_id, m.text, { parse_mode: "HTML", link_preview_options: { is_disabled: true }, ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}) });
  }

  /** The Bot API call for a delivery (rendered now, sent when the caller has a slot), or null: nothing to send. */
  async function prepare(row: ClaimedDelivery): Promise<Call | null> {
    const { b, senderName } = await content(row.broadcast_id);
    const t = tFor(row.locale);
    if (b.kind !== "message") return prepareSpecial(row, b, t);
    const body = `${t("siaran.header", { name: senderName })}\n\n${b.text_html}`;
    const markup = b.ack_requested ? { reply_markup: ackKeyboard(t, b.id) } : {};
    const fileId = b.media_file_id;
    if (b.media_kind === "photo" && fileId) {
      return () => api.sendPhoto(row.chat_id, fileId, { caption: body, parse_mode: "HTML", ...markup });
    }
    if (b.media_kind === "document" && fileId) {
      return () => api.sendDocument(row.chat_id, fileId, { caption: body, parse_mode: "HTML", ...markup });
    }
    return () => api.sendMessage(row.chat_id, body, { parse_mode: "HTML", link_preview_options: { is_disabled: true }, ...markup });
  }

  function backoffSeconds(attempts: number): number {
    return Math.min(300, 2 * 3 ** Math.max(0, attempts - 1));
  }

  async function recordFailure(row: ClaimedDelivery, err: unknown): Promise<void> {
    const now = deps.now();
    if (err instanceof GrammyError) {
      if (err.error_code === 429) {
        const seconds = Math.max(1, err.parameters?.retry_after ?? 1);
        pausedUntil = Math.max(pausedUntil, mono() + seconds * 1000);
        log.info({ retryAfter: seconds }, "Telegram asked to slow down (429): pausing broadcasts");
        await markDeliveryRetry(db, row.id, me, { at: now, error: "429", countAttempt: false });
        return;
      }
      if (err.error_code === 403) {
        if (await markDeliveryFinal(db, row.id, me, "unreachable", err.description)) await markUserUnreachable(db, row.user_id, now);
        return;
      }
      if (err.error_code >= 400 && err.error_code < 500) {
        log.warn({ broadcastId: row.broadcast_id, code: err.error_code, err: err.description }, "broadcast message refused");
        await markDeliveryFinal(db, row.id, me, "failed", err.description);
        return;
      }
    }
    const message = err instanceof GrammyError ? err.description : err instanceof HttpError ? "network error" : String(describeError(err).message ?? "error");
    if (row.attempts >= maxAttempts) {
      log.warn({ broadcastId: row.broadcast_id, attempts: row.attempts, err: message }, "broadcast message failed for good");
      await markDeliveryFinal(db, row.id, me, "failed", message);
      return;
    }
    await markDeliveryRetry(db, row.id, me, {
      at: new Date(now.getTime() + backoffSeconds(row.attempts) * 1000),
      error: message,
      countAttempt: true,
    });
  }

  async function send(row: ClaimedDelivery): Promise<void> {
    const wait = reserveChat(row.chat_id);
    if (wait > 0) await sleep(wait);
    if (killed) return;
    if (stopRequested) {
      await releaseDelivery(db, row.id, me).catch((err) => log.warn({ err: describeError(err) }, "could not release a delivery"));
      return;
    }
    let msg: Message | null | undefined;
    let failure: unknown;
    try {
      const call = await prepare(row);
      if (call === null) msg = null;
      else {
        await takeSlot();
        if (killed) return;
        msg = await call();
      }
    } catch (err) {
      failure = err;
    }
    if (killed) return;
    try {
      // null: nothing left to say (e.g. a reminder whose households were all answered): done, no message.
      if (msg !== undefined) await markDeliverySent(db, row.id, me, deps.now(), msg?.message_id ?? null);
      else await recordFailure(row, failure);
    } catch (err) {
      // The row stays "sending" and is retried when its lease runs out.
      log.warn({ err: describeError(err) }, "could not record a broadcast delivery");
    }
  }

  // --- progress and final reports
  const figures = (b: Broadcast, c: DeliveryCounts) => ({
    id: b.id,
    status: b.status,
    total: b.total,
    sent: c.sent,
    failed: c.failed,
    unreachable: c.unreachable,
    open: c.pending + c.sending,
  });
  let reportedAt = -Infinity;
  const lastProgress = new Map<number, string>();

  async function editProgress(b: Broadcast, text: string, keyboard: InlineKeyboard | undefined): Promise<void> {
    if (!b.progress_chat_id || !b.progress_message_id) return;
    const wait = reserveChat(b.progress_chat_id);
    if (wait > 0) await sleep(wait);
    try {
      await api.editMessageText(b.progress_chat_id, b.progress_message_id, text, {
        parse_mode: "HTML",
        ...(keyboard ? { reply_markup: keyboard } : {}),
      });
    } catch (err) {
      if (!(err instanceof GrammyError && err.error_code === 400)) log.warn({ err: describeError(err) }, "could not edit broadcast progress");
    }
  }

  async function report(force: boolean): Promise<void> {
    if (!force && mono() - reportedAt < progressEveryMs) return;
    reportedAt = mono();
    for (const b of await sendingBroadcasts(db)) {
      const counts = await deliveryCounts(db, b.id);
      const { senderLocale } = await content(b.id);
      const t = tFor(senderLocale);
      if (counts.pending + counts.sending === 0) {
        const done = await finishBroadcastIfDone(db, b.id, deps.now());
        if (!done) continue;
        cache.delete(b.id);
        lastProgress.delete(b.id);
        let text = broadcastProgressText(t, senderLocale, figures(done, counts), true);
        if (done.ack_requested) text += `\n${await ackLine(db, t, senderLocale, done.id)}`;
        await editProgress(done, text, done.ack_requested ? new InlineKeyboard().text(t("siaran.btn_ack_report"), BK.encode("r", { id: done.id })) : undefined);
        if (done.progress_chat_id) {
          const wait = reserveChat(done.progress_chat_id);
          if (wait > 0) await sleep(wait);
          await takeSlot();
          await api
            .sendMessage(done.progress_chat_id, text, { parse_mode: "HTML" })
            .catch((err) => log.warn({ err: describeError(err) }, "could not send the broadcast report"));
        }
        log.info({ broadcastId: b.id, sent: counts.sent, failed: counts.failed, unreachable: counts.unreachable }, "broadcast finished");
        continue;
      }
      if (!b.progress_chat_id) continue;
      let text = broadcastProgressText(t, senderLocale, figures(b, counts), false);
      if (b.ack_requested) text += `\n${await ackLine(db, t, senderLocale, b.id)}`;
      if (lastProgress.get(b.id) === text) continue;
      if (freeSlots() < 1 && !force) continue;
      recent.push(mono());
      lastProgress.set(b.id, text);
      await editProgress(b, text, new InlineKeyboard().text(t("siaran.btn_stop"), BC.encode("stop", { id: b.id })));
    }
  }

  // --- the loop
  async function run(mode: { drain: boolean; deadline: number }): Promise<void> {
    while (!stopRequested && !killed) {
      if (mode.drain && mono() > mode.deadline) break;
      try {
        if (!(await holdLease())) {
          if (mode.drain) break;
          await nap(idlePollMs * 2);
          continue;
        }
        await report(false);
        const pause = pausedUntil - mono();
        if (pause > 0) {
          await nap(pause);
          continue;
        }
        const free = concurrency - inFlight.size;
        if (free <= 0) {
          await Promise.race([...inFlight, nap(idlePollMs)]);
          continue;
        }
        const slots = freeSlots();
        if (slots < 1) {
          await nap(msUntilSlot());
          continue;
        }
        const rows = await claimDeliveries(db, { me, limit: Math.min(free, slots), now: deps.now(), leaseSeconds });
        if (killed) break;
        if (rows.length === 0) {
          if (mode.drain && inFlight.size === 0) break;
          await Promise.race([...inFlight, nap(idlePollMs)]);
          continue;
        }
        for (const row of rows) {
          const p: Promise<void> = send(row).finally(() => {
            inFlight.delete(p);
            wake();
          });
          inFlight.add(p);
        }
      } catch (err) {
        if (killed) break;
        log.warn({ err: describeError(err) }, "broadcast sender loop error");
        await nap(idlePollMs * 2);
      }
    }
    if (killed) return;
    await Promise.allSettled([...inFlight]);
    try {
      if (!stopRequested || mode.drain) await report(true);
    } catch (err) {
      log.warn({ err: describeError(err) }, "broadcast report failed");
    }
  }

  const sender: BroadcastSender = {
    id: me,
    start() {
      if (started) return;
      started = true;
      stopRequested = false;
      loop = run({ drain: false, deadline: Infinity });
    },
    async stop() {
      stopRequested = true;
      wake();
      await loop;
      await Promise.allSettled([...inFlight]);
      started = false;
      if (!killed) await releaseSenderLease(db, me).catch(() => undefined);
      leaderUntil = 0;
    },
    isStarted: () => started,
    async drain(o = {}) {
      if (started) return { remaining: true, nextDueAt: null };
      stopRequested = false;
      loop = run({ drain: true, deadline: mono() + (o.budgetMs ?? 20_000) });
      await loop;
      loop = undefined;
      if (killed) return { remaining: true, nextDueAt: null };
      const pending = await sendingBroadcasts(db);
      return { remaining: pending.length > 0, nextDueAt: pending.length > 0 ? await nextDueAt(db) : null };
    },
    kill() {
      killed = true;
      stopRequested = true;
      wake();
    },
  };
  SENDERS.set(deps, sender);
  return sender;
}

/**
 * Sends due broadcasts from the job worker when no background sender runs in this process
 * (the simulator, which only runs jobs). With a started sender it only wakes nothing: the
 * background loop serves the queue. Re-enqueues itself while work remains.
 */
export const BROADCAST_DRAIN_JOB = "broadcast-drain";
export const broadcastDrainJob = defineJob(BROADCAST_DRAIN_JOB, z.object({}), async ({ deps, api, log }) => {
  const sender = broadcastSenderFor(deps, api);
  if (sender.isStarted()) return;
  const result = await sender.drain({ budgetMs: 20_000 });
  if (result.remaining) {
    const runAt = result.nextDueAt && result.nextDueAt > deps.now() ? result.nextDueAt : new Date(deps.now().getTime() + 1000);
    await deps.jobs.enqueue(deps.db, "broadcast-drain", {}, { runAt });
    log.debug({ runAt }, "broadcast drain continues later");
  }
});
