import { GrammyError, type InlineKeyboard } from "grammy";
import type { Db, User } from "../../db/schema.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import { DEFAULT_ZONE, formatLocalDateTime } from "../../domain/onboarding.js";
import type { BotContext } from "../context.js";
import { scopeOf, staffAreaOf } from "../../domain/scope.js";

export interface Zone {
  tz: string;
  label: string;
}

/** The time zone of a region (its province); WIB for the whole country. */
export async function zoneOf(db: Db, code: string | null): Promise<Zone> {
  if (!code) return DEFAULT_ZONE;
  return (await regionTimezone(db, code)) ?? DEFAULT_ZONE;
}

/**
 * The area a staff member works for: a coordinator's area; null (whole country) for admins.
 * From the user's scope (src/domain/scope.ts); a user without a staff scope (a coordinator
 * without an area) never gets here past the command and button guards, and if one did, this
 * fails closed rather than treating a missing area as the whole country.
 */
export function staffArea(user: User): string | null {
  const area = staffAreaOf(scopeOf(user));
  if (area === undefined) throw new Error("staffArea: the user has no staff scope");
  return area;
}

/** "Kab. Sukabumi — Jawa Barat", or "seluruh Indonesia" for no area. */
export async function areaName(ctx: BotContext, code: string | null): Promise<string> {
  if (!code) return ctx.t("koordinator.whole_country");
  return (await regionLabel(ctx.db, code, { full: false })) ?? code;
}

/** "28 November 2026 09.15 WIB". */
export function when(ctx: BotContext, date: Date, zone: Zone): string {
  return formatLocalDateTime(date, ctx.locale === "en" ? "en" : "id", zone);
}

/** Edits the tapped message, or sends a new one when it cannot be edited. */
export async function showTapped(ctx: BotContext, text: string, keyboard?: InlineKeyboard): Promise<void> {
  const markup = keyboard ? { reply_markup: keyboard } : {};
  if (ctx.callbackQuery?.message) {
    try {
      await ctx.editMessageText(text, markup);
      return;
    } catch (err) {
      if (err instanceof GrammyError && /not modified/i.test(err.description)) return;
      if (!(err instanceof GrammyError)) throw err;
    }
  }
  await ctx.reply(text, markup);
}

/** Sends a message to another user (a volunteer, a coordinator); a blocked bot marks them unreachable. */
export async function tellUser(ctx: BotContext, user: Pick<User, "id" | "telegram_id">, text: string): Promise<boolean> {
  try {
    await ctx.api.sendMessage(user.telegram_id, text);
    return true;
  } catch (err) {
    if (err instanceof GrammyError && err.error_code === 403) {
      await ctx.db.updateTable("users").set({ unreachable_at: ctx.deps.now() }).where("id", "=", user.id).execute();
    } else {
      ctx.log.warn({ userId: user.id, err: err instanceof Error ? err.message : String(err) }, "could not tell a user");
    }
    return false;
  }
}
