/**
 * Size limits that keep stored data bounded, whatever a person (or an attacker) sends.
 *
 * - **Text answers.** Telegram accepts messages of up to 4,096 characters; no answer in a
 *   flow needs that much. A flow step refuses a longer answer with a clear message (which
 *   says the limit) instead of storing it; a refused answer is dropped from the conversation
 *   log (`conversation.skip()` in the kit's `ask`), so it costs no stored state.
 *   Use {@link TEXT_LIMITS} for the kind of answer, or {@link MAX_TEXT_ANSWER} for anything else,
 *   with {@link tooLong}:
 *
 *     parse: (c) => {
 *       const text = textOf(c);
 *       if (text === undefined) return undefined;
 *       if (tooLong(text, TEXT_LIMITS.address)) return { ok: false, error: c.t("trust.text_too_long", { max: TEXT_LIMITS.address }) };
 *       ...
 *     }
 *
 * - **Conversation state.** The stored state of one chat is capped at
 *   {@link MAX_CONVERSATION_STATE_BYTES} (people with an account) or
 *   {@link MAX_ANONYMOUS_STATE_BYTES} (people without one, e.g. someone registering as a
 *   volunteer). An update that would grow it beyond the cap is not stored: the draft stays
 *   as it was before that message, and the person is told (src/db/conversation-storage.ts).
 *
 * @module
 */

/** Characters (UTF-16 code units) of one typed answer, by kind. */
export const TEXT_LIMITS = {
  /** A person's name (head of household, member, volunteer). */
  name: 100,
  /** A place name typed to search for a village, district or regency. */
  regionSearch: 100,
  /** A household search (name or code). */
  householdSearch: 60,
  /** Address or landmark of a home. */
  address: 200,
  /** A short "other" answer (programme, need). */
  short: 200,
  /** Free-text notes (visit notes, help given, reasons, corrections). */
  note: 1000,
  /** A broadcast message. */
  broadcast: 3500,
} as const;

/** The longest answer any step accepts when no narrower limit applies. */
export const MAX_TEXT_ANSWER = TEXT_LIMITS.note;

/** True when `text` is longer than `max` characters (counted as Telegram does: UTF-16 code units). */
export function tooLong(text: string, max: number = MAX_TEXT_ANSWER): boolean {
  return text.length > max;
}

/**
 * Stored conversation state of one chat, in bytes of JSON. A complete household
 * registration with ten members, photos and several searches stays well below it.
 */
export const MAX_CONVERSATION_STATE_BYTES = 384 * 1024;

/**
 * The same for chats of people without an account role (anonymous, applicants): a whole
 * volunteer registration takes about 2 KB, each village search in it about 0.6–0.9 KB.
 */
export const MAX_ANONYMOUS_STATE_BYTES = 32 * 1024;

/** Body of one webhook request (Telegram's updates are a few kilobytes). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
