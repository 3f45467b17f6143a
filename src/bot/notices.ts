import { GrammyError, type Api, type RawApi } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Db, User } from "../db/schema.js";
import type { I18n, TFunction } from "../i18n.js";
import { isLocale } from "../i18n.js";
import type { Logger } from "../logger.js";

/** What sending notices needs: the Bot API, the database, texts, the log and the app clock. */
export interface NoticeDeps {
  api: Api<RawApi>;
  db: Db;
  i18n: I18n;
  logger: Logger;
  now: () => Date;
}

/** Text and buttons of a notice, rendered per recipient (each in their own language). */
export type RenderNotice = (t: TFunction, user: User) => { text: string; reply_markup?: InlineKeyboardMarkup };

function tFor(i18n: I18n, user: User): TFunction {
  return i18n.t(isLocale(user.locale) ? user.locale : i18n.defaultLocale);
}

/** Marks a user unreachable when Telegram says they blocked the bot (403). */
export async function markUnreachableOn403(db: Db, user: User, err: unknown, now: Date): Promise<boolean> {
  if (err instanceof GrammyError && err.error_code === 403) {
    await db.updateTable("users").set({ unreachable_at: now }).where("id", "=", user.id).execute();
    return true;
  }
  return false;
}

/**
 * Sends one notice to several users (e.g. every coordinator of an area) and records the
 * messages under `topic`, so that {@link updateNotices} can later edit all of them ("Disetujui
 * oleh Budi"). A recipient who cannot be reached is skipped (and marked when they blocked the
 * bot); returns how many received it.
 */
export async function sendNotices(
  deps: NoticeDeps,
  topic: string,
  recipients: User[],
  render: RenderNotice,
): Promise<number> {
  let sent = 0;
  for (const user of recipients) {
    const { text, reply_markup } = render(tFor(deps.i18n, user), user);
    try {
      const msg = await deps.api.sendMessage(user.telegram_id, text, { parse_mode: "HTML", ...(reply_markup ? { reply_markup } : {}) });
      await deps.db.insertInto("staff_notice").values({ topic, user_id: user.id, chat_id: user.telegram_id, message_id: msg.message_id }).execute();
      sent++;
    } catch (err) {
      if (!(await markUnreachableOn403(deps.db, user, err, deps.now()))) {
        deps.logger.warn({ topic, userId: user.id, err: (err as Error).message }, "notice not delivered");
      }
    }
  }
  return sent;
}

/** Sends a notice to a chat that is not a user (an alert group) and records it. */
export async function sendChatNotice(
  deps: { api: Api<RawApi>; db: Db; logger: Logger },
  topic: string,
  chatId: number,
  text: string,
  reply_markup?: InlineKeyboardMarkup,
): Promise<boolean> {
  try {
    const msg = await deps.api.sendMessage(chatId, text, { parse_mode: "HTML", ...(reply_markup ? { reply_markup } : {}) });
    await deps.db.insertInto("staff_notice").values({ topic, user_id: null, chat_id: chatId, message_id: msg.message_id }).execute();
    return true;
  } catch (err) {
    deps.logger.warn({ topic, err: (err as Error).message }, "group notice not delivered");
    return false;
  }
}

/**
 * Edits every message recorded under `topic` (each in its recipient's language; group
 * messages in the default language). "Message is not modified" and deleted messages are
 * ignored.
 */
export async function updateNotices(
  deps: NoticeDeps,
  topic: string,
  render: (t: TFunction, user: User | undefined) => { text: string; reply_markup?: InlineKeyboardMarkup },
): Promise<void> {
  const rows = await deps.db
    .selectFrom("staff_notice")
    .leftJoin("users", "users.id", "staff_notice.user_id")
    .select(["staff_notice.chat_id", "staff_notice.message_id", "staff_notice.user_id"])
    .select(["users.locale"])
    .where("topic", "=", topic)
    .execute();
  for (const row of rows) {
    const locale = row.locale && isLocale(row.locale) ? row.locale : deps.i18n.defaultLocale;
    const t = deps.i18n.t(locale);
    const { text, reply_markup } = render(t, row.user_id === null ? undefined : ({ id: row.user_id, locale } as User));
    try {
      await deps.api.editMessageText(row.chat_id, row.message_id, text, {
        parse_mode: "HTML",
        ...(reply_markup ? { reply_markup } : {}),
      });
    } catch (err) {
      if (!(err instanceof GrammyError && err.error_code === 400)) {
        deps.logger.warn({ topic, err: (err as Error).message }, "could not update a notice");
      }
    }
  }
}
