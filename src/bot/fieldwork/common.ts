import { GrammyError, type Api, type RawApi } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Db, User } from "../../db/schema.js";
import type { AppDeps } from "../context.js";
import type { Logger } from "../../logger.js";
import { regionTimezone } from "../../db/queries/regions.js";
import { isLocale, type TFunction } from "../../i18n.js";
import { markUnreachableOn403 } from "../notices.js";
import { describeError } from "../errors.js";

export interface Zone {
  tz: string;
  label: string;
}

export const WIB: Zone = { tz: "Asia/Jakarta", label: "WIB" };

/** The zone of a user's working area (its province); WIB without an area. */
export async function userZone(db: Db, user: Pick<User, "area_code">): Promise<Zone> {
  if (!user.area_code) return WIB;
  return (await regionTimezone(db, user.area_code)) ?? WIB;
}

/** The user's own translation function (the bot's default language when theirs is unknown). */
export function tFor(deps: AppDeps, user: Pick<User, "locale">): { t: TFunction; locale: "id" | "en" } {
  const locale = isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale;
  return { t: deps.i18n.t(locale), locale };
}

/**
 * Sends a message to a user's private chat from a job. A user who blocked the bot (403) or
 * whose chat is gone (400) is recorded and skipped (false); other errors propagate, so the
 * job is retried.
 */
export async function sendToUser(
  deps: AppDeps,
  api: Api<RawApi>,
  log: Logger,
  user: User,
  text: string,
  replyMarkup?: InlineKeyboardMarkup,
): Promise<boolean> {
  try {
    await api.sendMessage(user.telegram_id, text, { parse_mode: "HTML", ...(replyMarkup ? { reply_markup: replyMarkup } : {}) });
    return true;
  } catch (err) {
    if (err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403)) {
      log.warn({ userId: user.id, err: describeError(err) }, "field-work message not delivered");
      await markUnreachableOn403(deps.db, user, err, deps.now());
      return false;
    }
    throw err;
  }
}
