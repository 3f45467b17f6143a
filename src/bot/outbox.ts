import { Api, GrammyError, type RawApi } from "grammy";
import type { Message } from "grammy/types";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { I18n } from "../i18n.js";
import { isProvisionalId, provisionalIdAllocator, type DeliveredIds } from "../lib/provisional-ids.js";
import { describeError } from "./errors.js";

/**
 * The Bot API calls of an update are sent after its transaction committed — never while it
 * holds a database connection, its transaction and its chat's lock.
 *
 * While an update runs, every call its code makes (`ctx.reply`, `ctx.api…`, and the calls
 * inside conversations, which use a fresh `Api` per replay built from the update's one) is
 * recorded in the update's {@link UpdateReplies} and answered at once with the result Telegram
 * would give: `true`, or a message with a *provisional* message id (`src/lib/provisional-ids.ts`).
 * After COMMIT the calls are sent in order (the callback answer alongside, it orders nothing),
 * through the bot's own `Api` (HTML parse mode, auto-retry on 429 and 5xx). The real message
 * ids then replace the provisional ones:
 * - in the later calls of the same update (an edit of a message sent a moment before);
 * - in the chat's stored conversation state (the replay log and a form's state hold them):
 *   the map provisional → real is added to the stored state under the chat's lock, and the
 *   next read applies it (`recordDeliveredIds`, `conversation-storage.ts`);
 * - in rows a handler stores: {@link whenDelivered} runs its write with the delivered result.
 *
 * If the update fails, nothing of it is sent (its writes were rolled back too); the error
 * boundary tells the person. If a call fails after COMMIT, the update's data stays saved:
 * the failure is logged and, when a message for the person could not be sent, they are told
 * that their message was saved but the answer did not arrive.
 *
 * Methods that read from Telegram (`get…`) and others whose result cannot be known in advance
 * are the exception: they are called at once.
 *
 * Order: the replies of a chat's update are sent before the chat's next update starts
 * ({@link Outbox.idle}, awaited by the update transaction before it opens). "attached"
 * delivery ends the update's handling when its replies are out (tests, webhook: Telegram gets
 * its 2xx only then); "detached" ends it at COMMIT and sends in the background (long polling:
 * slow Telegram answers do not occupy the runner's slots).
 */

export type DeliveryMode = "attached" | "detached";

type Json = Record<string, unknown>;

interface Recorded {
  method: string;
  payload: Json;
  /** Provisional ids of the messages this call sends, in result order. */
  provisional: number[];
  /** Writes to run with the delivered result. */
  after: Array<(db: Kysely<Database>, delivered: unknown) => Promise<void>>;
}

/** Methods answered `true` by Telegram that may wait for COMMIT. */
const TRUE_METHODS = new Set([
  "answerCallbackQuery",
  "deleteMessage",
  "deleteMessages",
  "setMyCommands",
  "deleteMyCommands",
  "setChatMenuButton",
  "pinChatMessage",
  "unpinChatMessage",
  "unpinAllChatMessages",
  "leaveChat",
  "sendChatAction",
  "setMessageReaction",
]);

const EDIT_METHODS = new Set(["editMessageText", "editMessageCaption", "editMessageMedia", "editMessageReplyMarkup", "editMessageLiveLocation", "stopMessageLiveLocation"]);

function sendsMessage(method: string): boolean {
  return (method.startsWith("send") && method !== "sendChatAction") || method === "forwardMessage" || method === "copyMessage";
}

/** Whether a call may wait for COMMIT (its result is known in advance). */
function deferrable(method: string): boolean {
  return TRUE_METHODS.has(method) || EDIT_METHODS.has(method) || sendsMessage(method) || method === "copyMessages" || method === "forwardMessages";
}

/** Fields of a payload that hold a message id of the same chat. */
function substituteIds(payload: Json, ids: Map<number, number>): Json | undefined {
  let out = payload;
  const real = (v: unknown): number | undefined | null => (isProvisionalId(v) ? (ids.get(v) ?? null) : undefined);
  for (const field of ["message_id", "reply_to_message_id"]) {
    const r = real(payload[field]);
    if (r === null) return undefined;
    if (r !== undefined) out = { ...out, [field]: r };
  }
  const list = payload["message_ids"];
  if (Array.isArray(list) && list.some(isProvisionalId)) {
    const mapped = list.map((v) => (isProvisionalId(v) ? ids.get(v) : v)).filter((v) => v !== undefined);
    if (mapped.length === 0) return undefined;
    out = { ...out, message_ids: mapped };
  }
  const rp = payload["reply_parameters"] as Json | undefined;
  if (rp && typeof rp === "object") {
    const r = real(rp["message_id"]);
    if (r === null) out = { ...out, reply_parameters: undefined };
    else if (r !== undefined) out = { ...out, reply_parameters: { ...rp, message_id: r } };
  }
  return out;
}

function messageIdsOf(result: unknown): number[] {
  if (Array.isArray(result)) return result.flatMap(messageIdsOf);
  const id = (result as { message_id?: unknown } | null)?.message_id;
  return typeof id === "number" ? [id] : [];
}

/** Outside context facts that code inside conversations needs (it has no outside context). */
export interface UpdateFacts {
  locale: string;
}

/** The Bot API calls of one update. */
export interface UpdateReplies {
  /** The `Api` the update's code uses (set as `ctx.api` while the update runs). */
  readonly api: Api<RawApi>;
  /** Calls recorded so far. */
  readonly size: number;
}

export interface Outbox {
  mode: DeliveryMode;
  /** Detached: how long delivered ids wait for the chat's next update before they are written. */
  carryMs: number;
  /** Starts recording the calls of one update of `chatId`. */
  open(opts: { chatId: number | undefined; real: Api<RawApi>; facts: () => UpdateFacts }): UpdateReplies;
  /** Sends what the update recorded (after its COMMIT). Attached: resolves once sent. */
  deliver(replies: UpdateReplies, opts: { stateWritten: boolean }): Promise<void>;
  /** The update failed: nothing of it is sent. */
  discard(replies: UpdateReplies): void;
  /** Resolves once every reply queued so far for this chat has been sent. */
  idle(chatId: number): Promise<void>;
  /** Waits until nothing is left to send (or `ms` passed); true when nothing is left. */
  drain(ms: number): Promise<boolean>;
  /** Deliveries not finished yet. */
  pending(): number;
  /**
   * Detached: the real ids of messages the chat's previous update sent, not written yet, for
   * the chat's next update to store with its conversation state (no round trip of their own).
   */
  takeCarriedIds(chatId: number): DeliveredIds | undefined;
  /** The update that took them did not store its state: they wait (and are written) again. */
  returnCarriedIds(chatId: number, ids: DeliveredIds): void;
}

class Replies implements UpdateReplies {
  readonly api: Api<RawApi>;
  readonly calls: Recorded[] = [];
  readonly byResult = new WeakMap<object, Recorded>();
  open = true;

  constructor(
    readonly chatId: number | undefined,
    readonly real: Api<RawApi>,
    readonly facts: () => UpdateFacts,
    private readonly nextId: () => number,
    private readonly now: () => Date,
  ) {
    const options = { ...real.options, fetch: this.fetchInsideConversations };
    this.api = new Api(real.token, options);
    this.api.config.use((_prev, method, payload) => this.call(method, (payload ?? {}) as Json) as never);
    FACTS.set(options, this);
  }

  get size(): number {
    return this.calls.length;
  }

  /**
   * Conversations build a fresh `Api` per replay from this one's options, and log each call's
   * result: only calls that are not replayed reach this fetch, which records them like any
   * other call. (Uploads, with a multipart body, are sent at once.)
   */
  private readonly fetchInsideConversations = async (url: string | URL, init?: { body?: unknown }): Promise<Response> => {
    const href = String(url);
    const method = href.slice(href.lastIndexOf("/") + 1);
    if (typeof init?.body !== "string") {
      const fetchFn = (this.real.options?.fetch ?? fetch) as (u: string | URL, i?: unknown) => Promise<Response>;
      return fetchFn(url, init);
    }
    const answer = await this.call(method, JSON.parse(init.body) as Json);
    return { json: async () => answer } as unknown as Response;
  };

  private chatOf(payload: Json): { id: number; type: string } {
    const id = Number(payload["chat_id"]);
    return { id, type: id > 0 ? "private" : id < -1e12 ? "supergroup" : "group" };
  }

  private message(payload: Json, id: number): Message {
    return { message_id: id, date: Math.floor(this.now().getTime() / 1000), chat: this.chatOf(payload) } as Message;
  }

  /** Records a call and answers it as Telegram would (or calls at once when it cannot). */
  async call(method: string, payload: Json): Promise<unknown> {
    if (!this.open || !deferrable(method)) {
      try {
        return { ok: true, result: await (this.real.raw as unknown as Record<string, (p: Json) => Promise<unknown>>)[method]!(payload) };
      } catch (err) {
        if (err instanceof GrammyError) return { ok: false, error_code: err.error_code, description: err.description, parameters: err.parameters };
        throw err;
      }
    }
    const rec: Recorded = { method, payload, provisional: [], after: [] };
    let result: unknown = true;
    if (EDIT_METHODS.has(method)) {
      result = payload["inline_message_id"] !== undefined ? true : this.message(payload, Number(payload["message_id"]));
    } else if (method === "sendMediaGroup") {
      const media = Array.isArray(payload["media"]) ? payload["media"] : [];
      result = media.map(() => {
        const id = this.nextId();
        rec.provisional.push(id);
        return this.message(payload, id);
      });
    } else if (method === "copyMessages" || method === "forwardMessages") {
      const n = Array.isArray(payload["message_ids"]) ? payload["message_ids"].length : 0;
      result = Array.from({ length: n }, () => {
        const id = this.nextId();
        rec.provisional.push(id);
        return { message_id: id };
      });
    } else if (sendsMessage(method)) {
      const id = this.nextId();
      rec.provisional.push(id);
      result = method === "copyMessage" ? { message_id: id } : this.message(payload, id);
    }
    this.calls.push(rec);
    if (result !== null && typeof result === "object") this.byResult.set(result, rec);
    return { ok: true, result };
  }
}

/** Options object of an update's `Api` → its recorded calls (read inside conversations). */
const FACTS = new WeakMap<object, Replies>();

/** The outside facts of the update an `Api` belongs to (inside conversations: `ctx.api`). */
export function updateFactsOf(api: Api<RawApi>): UpdateFacts | undefined {
  const options = api.options;
  return options ? FACTS.get(options)?.facts() : undefined;
}

/**
 * Runs `write` with the delivered result of a call made while handling the update (e.g. the
 * real message id of `ctx.reply(…)`, to store it), in a transaction of its own, once the
 * call was sent. Outside an update (a job), the call was sent already: `write` runs at once.
 */
export async function whenDelivered<T>(
  ctx: { api: Api<RawApi>; db: Kysely<Database> },
  result: T,
  write: (db: Kysely<Database>, delivered: T) => Promise<void>,
): Promise<void> {
  const options = ctx.api.options;
  const replies = options ? FACTS.get(options) : undefined;
  const rec = replies && result !== null && typeof result === "object" ? replies.byResult.get(result) : undefined;
  if (!rec) {
    await write(ctx.db, result);
    return;
  }
  rec.after.push(write as (db: Kysely<Database>, delivered: unknown) => Promise<void>);
}

/** "message is not modified" and similar: the edit changed nothing, nothing to report. */
function harmless(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /not modified|message to (edit|delete) not found|message can't be (edited|deleted)/i.test(err.description);
}

export function createOutbox(deps: {
  db: Kysely<Database>;
  logger: Logger;
  i18n: I18n;
  now: () => Date;
  /** Adds delivered ids to the chats' stored conversation states (see conversation-storage.ts). */
  recordIds: (db: Kysely<Database>, entries: { chatId: number; ids: DeliveredIds }[], opts: { lock: boolean }) => Promise<void>;
  mode?: DeliveryMode;
  /** Detached: how long delivered ids wait for the chat's next update before they are written (default 250 ms). */
  carryMs?: number;
}): Outbox {
  const nextId = provisionalIdAllocator();
  const tails = new Map<number, Promise<void>>();
  const running = new Set<Promise<void>>();
  let unchained = Promise.resolve();
  /** Detached: delivered ids waiting to be taken by the chat's next update, or written. */
  const carried = new Map<number, { ids: DeliveredIds; since: number }>();
  /** Ids being written right now (per chat, one map per write): still handed to the chat's next update (it may read before the write lands). */
  const writing = new Map<number, Set<DeliveredIds>>();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  function carry(chatId: number, ids: DeliveredIds): void {
    deps.logger.trace({ chatId, ids }, "outbox: ids carried");
    const entry = carried.get(chatId);
    if (entry) Object.assign(entry.ids, ids);
    else carried.set(chatId, { ids: { ...ids }, since: Date.now() });
    if (!flushTimer) {
      flushTimer = setTimeout(() => {
        flushTimer = undefined;
        void flushCarried(false);
      }, outbox.carryMs);
      flushTimer.unref?.();
    }
  }

  /** Writes carried ids (those older than carryMs, or all) in one round trip. */
  function flushCarried(all: boolean): Promise<void> {
    const cutoff = Date.now() - outbox.carryMs;
    const entries: { chatId: number; ids: DeliveredIds }[] = [];
    for (const [chatId, e] of carried) {
      if (all || e.since <= cutoff) {
        entries.push({ chatId, ids: e.ids });
        carried.delete(chatId);
      }
    }
    if (carried.size > 0 && !flushTimer) {
      flushTimer = setTimeout(() => {
        flushTimer = undefined;
        void flushCarried(false);
      }, outbox.carryMs);
      flushTimer.unref?.();
    }
    if (entries.length === 0) return flushing;
    for (const e of entries) {
      const set = writing.get(e.chatId) ?? new Set<DeliveredIds>();
      set.add(e.ids);
      writing.set(e.chatId, set);
    }
    flushing = flushing.then(() =>
      deps
        .recordIds(deps.db, entries, { lock: false })
        .catch((err: unknown) => {
          deps.logger.warn({ err: describeError(err), chats: entries.length }, "could not record the ids of delivered messages; trying again");
          // Kept for the chats' next updates, and written again later.
          for (const e of entries) carry(e.chatId, e.ids);
        })
        .finally(() => {
          // Only this write's maps: a later write for the same chat may still be waiting.
          for (const e of entries) {
            const set = writing.get(e.chatId);
            set?.delete(e.ids);
            if (set?.size === 0) writing.delete(e.chatId);
          }
        }),
    );
    return flushing;
  }

  async function send(r: Replies, stateWritten: boolean): Promise<void> {
    const ids = new Map<number, number>();
    const parallel: Promise<void>[] = [];
    let undelivered = false;
    const raw = r.real.raw as unknown as Record<string, (p: Json) => Promise<unknown>>;
    const one = async (rec: Recorded): Promise<void> => {
      const payload = substituteIds(rec.payload, ids);
      if (!payload) {
        deps.logger.debug({ method: rec.method }, "skipped a call about a message that was not sent");
        return;
      }
      let delivered: unknown;
      try {
        delivered = await raw[rec.method]!(payload);
      } catch (err) {
        if (harmless(err)) return;
        const blocked = err instanceof GrammyError && err.error_code === 403;
        deps.logger.warn({ method: rec.method, err: describeError(err) }, "a reply failed after the update was saved");
        if (sendsMessage(rec.method) && !blocked && Number(payload["chat_id"]) === r.chatId) undelivered = true;
        return;
      }
      const real = messageIdsOf(delivered);
      rec.provisional.forEach((p, i) => {
        if (real[i] !== undefined) ids.set(p, real[i]!);
      });
      for (const write of rec.after) {
        try {
          await deps.db.transaction().execute((trx) => write(trx, delivered));
        } catch (err) {
          deps.logger.error({ method: rec.method, err: describeError(err) }, "could not store what a delivered reply returned");
        }
      }
    };
    for (const rec of r.calls) {
      // The answer to a tap stops the spinner; it orders nothing, so it does not wait.
      if (rec.method === "answerCallbackQuery") parallel.push(one(rec));
      else await one(rec);
    }
    await Promise.all(parallel);
    if (undelivered && r.chatId !== undefined) {
      const t = deps.i18n.t(r.facts().locale as never);
      await r.real.sendMessage(r.chatId, t("errors.reply_failed")).catch(() => undefined);
    }
    if (stateWritten && ids.size > 0 && r.chatId !== undefined) {
      const map: DeliveredIds = {};
      for (const [p, real] of ids) map[String(p)] = real;
      if (mode() === "detached") {
        // Usually the chat's next update takes them (no round trip); else written shortly.
        carry(r.chatId, map);
      } else {
        // Attached (webhook, tests): stored before the update counts as handled.
        try {
          await deps.recordIds(deps.db, [{ chatId: r.chatId, ids: map }], { lock: true });
        } catch (err) {
          deps.logger.warn({ err: describeError(err) }, "could not record the ids of delivered messages");
        }
      }
    }
  }

  function chain(chatId: number | undefined, task: () => Promise<void>): Promise<void> {
    const prev = chatId === undefined ? unchained : (tails.get(chatId) ?? Promise.resolve());
    const next = prev.then(task).catch((err: unknown) => deps.logger.error({ err: describeError(err) }, "reply delivery failed"));
    if (chatId === undefined) unchained = next;
    else tails.set(chatId, next);
    running.add(next);
    void next.then(() => {
      running.delete(next);
      if (chatId !== undefined && tails.get(chatId) === next) tails.delete(chatId);
    });
    return next;
  }

  const outbox: Outbox = {
    mode: deps.mode ?? "attached",
    carryMs: deps.carryMs ?? 250,
    open({ chatId, real, facts }) {
      return new Replies(chatId, real, facts, nextId, deps.now);
    },
    deliver(replies, { stateWritten }) {
      const r = replies as Replies;
      r.open = false;
      if (r.calls.length === 0) return Promise.resolve();
      return chain(r.chatId, () => send(r, stateWritten));
    },
    discard(replies) {
      const r = replies as Replies;
      r.open = false;
      r.calls.length = 0;
    },
    idle(chatId) {
      return tails.get(chatId) ?? Promise.resolve();
    },
    async drain(ms) {
      const deadline = Date.now() + ms;
      while (running.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())))]);
      }
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      await flushCarried(true);
      return running.size === 0;
    },
    pending: () => running.size,
    takeCarriedIds(chatId) {
      const e = carried.get(chatId);
      const w = writing.get(chatId);
      deps.logger.trace({ chatId, carried: e?.ids, writing: w ? [...w] : undefined }, "outbox: ids taken");
      if (!e && !w) return undefined;
      carried.delete(chatId);
      // Ids being written are handed over too: the update may read the state before the
      // write lands (applying a map twice changes nothing).
      return Object.assign({}, ...(w ? [...w] : []), e?.ids) as DeliveredIds;
    },
    returnCarriedIds(chatId, ids) {
      carry(chatId, ids);
    },
  };
  const mode = () => outbox.mode;
  return outbox;
}
