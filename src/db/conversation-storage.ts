import type { ConversationData, ConversationStorage, VersionedState } from "@grammyjs/conversations";
import { storableText } from "../lib/sanitize.js";
import { findDigitRuns, hasDigitRun } from "../domain/digits.js";
import { sql } from "kysely";
import type { Context } from "grammy";
import type { PiiCrypto } from "../pii.js";
import type { Db } from "./schema.js";
import { carriedIdsOf, deferredWritesOf, noteConversationWritten, takePrefetchedConversation } from "./update-prefetch.js";
import { resolveProvisionalIds, type DeliveredIds } from "../lib/provisional-ids.js";
import type { Statement } from "./batching.js";
import { MAX_ANONYMOUS_STATE_BYTES, MAX_CONVERSATION_STATE_BYTES } from "../domain/limits.js";

/** Key of a chat's conversation state. */
export const conversationKey = (chatId: number) => `conv:${chatId}`;

/** Written last in the update: it travels with COMMIT (one round trip fewer); at once outside one. */
async function writeLast(ctx: object, statement: Statement & { execute(): Promise<unknown> }): Promise<void> {
  const deferred = deferredWritesOf(ctx);
  if (deferred) deferred.add(statement);
  else await statement.execute();
}

interface StorageContext extends Context {
  chatId: number | undefined;
  db: Db;
  deps: { pii: PiiCrypto };
  staleFlow?: boolean;
  user?: { role: string; status: string } | undefined;
  t?: (key: string, options?: Record<string, unknown>) => string;
}

/**
 * Flows run only in private chats: in a group, state keyed by the chat would be shared by
 * every member (a stranger could answer a volunteer's questions). Group chats have none.
 */
function hasState(ctx: StorageContext): ctx is StorageContext & { chatId: number } {
  return ctx.chatId !== undefined && ctx.chat?.type === "private";
}

/** The cap on the stored state of this chat (src/domain/limits.ts). */
function stateCap(ctx: StorageContext): number {
  const u = ctx.user;
  const member = u !== undefined && u.status === "active" && u.role !== "beneficiary";
  return member ? MAX_CONVERSATION_STATE_BYTES : MAX_ANONYMOUS_STATE_BYTES;
}

/**
 * Digit runs this long are sealed: every NIK or No. KK however it was typed (any script's
 * digits, any separators or invisible characters in between — exactly what the parsers in
 * src/domain/nik.ts and kk.ts accept, see `findDigitRuns`), and mistyped ones with a digit
 * too few or too many. Shorter runs (dates, RT/RW, region codes) stay readable.
 */
export const MIN_SEALED_DIGITS = 11;
const SEALED = /\u27eapii:([^\u27eb]+)\u27eb/g;

/** Returns a copy of a JSON value with `fn` applied to every string in it. */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}

/**
 * Conversation state holds what the user typed, including identity numbers. Before it is
 * stored, every run of {@link MIN_SEALED_DIGITS} or more digits in any string — in any
 * script, with any separators or invisible characters in between, the very forms the NIK and
 * KK parsers accept (`findDigitRuns`, src/domain/digits.ts) — is replaced by its AES-GCM
 * ciphertext, so no NIK or No. KK is ever at rest in plain text; reading restores it for the
 * replay. Text PostgreSQL cannot store (U+0000, lone surrogates) is cleaned on the way.
 */
export function sealIdentityNumbers(state: unknown, pii: PiiCrypto): unknown {
  return mapStrings(state, (raw) => {
    // Half an emoji (a lone surrogate) or U+0000 would make jsonb refuse the whole state.
    const s = storableText(raw);
    if (!hasDigitRun(s, MIN_SEALED_DIGITS)) return s;
    let out = "";
    let at = 0;
    for (const { start, end } of findDigitRuns(s, MIN_SEALED_DIGITS)) {
      out += `${s.slice(at, start)}\u27eapii:${pii.encrypt(s.slice(start, end))}\u27eb`;
      at = end;
    }
    return out + s.slice(at);
  });
}

export function unsealIdentityNumbers(state: unknown, pii: PiiCrypto): unknown {
  return mapStrings(state, (s) =>
    s.includes("\u27eapii:")
      ? s.replace(SEALED, (whole: string, sealed: string) => {
          try {
            return pii.decrypt(sealed);
          } catch {
            // Not ours (someone typed the marker): leave it as it is.
            return whole;
          }
        })
      : s,
  );
}

/**
 * Conversation state in the `conversation_state` table, read and written through the update's
 * transaction (`ctx.db`). Versioned: state stored by an older version of the flows is deleted
 * instead of being replayed into new code, and the context is marked so that the user is told.
 * Updates without a chat (inline queries, polls) and group chats have no conversation state.
 * Bounded: a write beyond the chat's cap (src/domain/limits.ts) is not stored.
 */
export function createConversationStorage<C extends StorageContext>(opts: {
  version: number;
}): ConversationStorage<C, ConversationData> {
  return {
    type: "context",
    version: opts.version,
    adapter: {
      async read(ctx) {
        if (ctx.chatId === undefined) return undefined;
        if (!hasState(ctx)) {
          // A group's state from before flows were private-only: dropped unread.
          const stale = takePrefetchedConversation(ctx, conversationKey(ctx.chatId));
          if (stale?.value !== undefined && stale.value !== null) {
            await writeLast(ctx, ctx.db.deleteFrom("conversation_state").where("key", "=", conversationKey(ctx.chatId)));
          }
          return undefined;
        }
        // Usually loaded already by the update's first round trip (update-tx.ts).
        const pre = takePrefetchedConversation(ctx, conversationKey(ctx.chatId));
        const row = pre
          ? pre.value === undefined || pre.value === null
            ? undefined
            : { state: pre.value }
          : await ctx.db.selectFrom("conversation_state").select("state").where("key", "=", conversationKey(ctx.chatId)).executeTakeFirst();
        if (!row) return undefined;
        const state = row.state as VersionedState<ConversationData>;
        const stored = Array.isArray(state?.version) ? state.version[1] : undefined;
        if (stored !== opts.version) {
          await ctx.db.deleteFrom("conversation_state").where("key", "=", conversationKey(ctx.chatId)).execute();
          ctx.staleFlow = true;
          return undefined;
        }
        const unsealed = unsealIdentityNumbers(state, ctx.deps.pii) as VersionedState<ConversationData> & { ids?: DeliveredIds };
        // Real ids of messages sent after the last COMMIT (src/bot/outbox.ts) replace the
        // provisional ones the replay log and the forms' state hold.
        const carried = carriedIdsOf(ctx);
        if (unsealed.ids || carried) {
          resolveProvisionalIds(unsealed.state, { ...unsealed.ids, ...carried });
          delete unsealed.ids;
        }
        return unsealed;
      },
      async write(ctx, state) {
        if (!hasState(ctx)) return;
        const json = JSON.stringify(sealIdentityNumbers(state, ctx.deps.pii));
        if (Buffer.byteLength(json, "utf8") > stateCap(ctx)) {
          // Not stored: the draft stays as it was before this message (nothing typed earlier
          // is lost), and the person is told to answer the last question or stop.
          await ctx.reply(ctx.t ? ctx.t("trust.state_full") : "⚠️").catch(() => undefined);
          return;
        }
        await writeLast(
          ctx,
          ctx.db
            .insertInto("conversation_state")
            .values({ key: conversationKey(ctx.chatId), state: json })
            .onConflict((oc) => oc.column("key").doUpdateSet({ state: (eb) => eb.ref("excluded.state"), updated_at: (eb) => eb.ref("excluded.updated_at") })),
        );
        noteConversationWritten(ctx);
      },
      async delete(ctx) {
        if (!hasState(ctx)) return;
        await writeLast(ctx, ctx.db.deleteFrom("conversation_state").where("key", "=", conversationKey(ctx.chatId)));
      },
    },
  };
}
