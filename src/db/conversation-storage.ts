import type { ConversationData, ConversationStorage, VersionedState } from "@grammyjs/conversations";
import { wellFormed } from "../lib/text.js";
import { sql } from "kysely";
import type { Context } from "grammy";
import type { PiiCrypto } from "../pii.js";
import type { Db } from "./schema.js";
import { deferUntilCommit } from "./batching.js";
import { takePrefetchedConversation } from "./update-prefetch.js";

/** Key of a chat's conversation state. */
export const conversationKey = (chatId: number) => `conv:${chatId}`;

interface StorageContext extends Context {
  chatId: number | undefined;
  db: Db;
  deps: { pii: PiiCrypto };
  staleFlow?: boolean;
}

/** 16 digits, optionally separated by spaces, dots or dashes: an NIK or a No. KK as typed. */
const IDENTITY_NUMBER = /(?<![0-9])[0-9](?:[ .\-]?[0-9]){15}(?![0-9])/g;
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
 * stored, every 16-digit run in any string is replaced by its AES-GCM ciphertext, so no NIK
 * or No. KK is ever at rest in plain text; reading restores it for the replay.
 */
export function sealIdentityNumbers(state: unknown, pii: PiiCrypto): unknown {
  return mapStrings(state, (raw) => {
    // Half an emoji (a lone surrogate) would make jsonb refuse the whole state.
    const s = wellFormed(raw);
    return /[0-9]{4}/.test(s) ? s.replace(IDENTITY_NUMBER, (m) => `\u27eapii:${pii.encrypt(m)}\u27eb`) : s;
  });
}

export function unsealIdentityNumbers(state: unknown, pii: PiiCrypto): unknown {
  return mapStrings(state, (s) => (s.includes("\u27eapii:") ? s.replace(SEALED, (_, sealed: string) => pii.decrypt(sealed)) : s));
}

/**
 * Conversation state in the `conversation_state` table, read and written through the update's
 * transaction (`ctx.db`). Versioned: state stored by an older version of the flows is deleted
 * instead of being replayed into new code, and the context is marked so that the user is told.
 * Updates without a chat (inline queries, polls) have no conversation state.
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
        return unsealIdentityNumbers(state, ctx.deps.pii) as VersionedState<ConversationData>;
      },
      async write(ctx, state) {
        if (ctx.chatId === undefined) return;
        // Written last in the update: it travels with COMMIT (one round trip fewer).
        await deferUntilCommit(
          ctx.db,
          ctx.db
            .insertInto("conversation_state")
            .values({ key: conversationKey(ctx.chatId), state: JSON.stringify(sealIdentityNumbers(state, ctx.deps.pii)) })
            .onConflict((oc) => oc.column("key").doUpdateSet({ state: (eb) => eb.ref("excluded.state"), updated_at: sql`now()` })),
        );
      },
      async delete(ctx) {
        if (ctx.chatId === undefined) return;
        await deferUntilCommit(ctx.db, ctx.db.deleteFrom("conversation_state").where("key", "=", conversationKey(ctx.chatId)));
      },
    },
  };
}
