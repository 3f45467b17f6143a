import type { BotContext } from "./context.js";
import { scopeOf, staffAreaOf } from "../domain/scope.js";

/**
 * The staff area of the user behind this update, as coordinator tools' queries take it:
 * `null` = the whole country (admins), a region code (coordinators). A user without a staff
 * scope — a coordinator without an area above all — gets `undefined`, and has been told
 * (a pop-up for a button, a message for a command): the caller stops there.
 */
export async function requireStaffArea(ctx: BotContext): Promise<string | null | undefined> {
  const area = staffAreaOf(scopeOf(ctx.user));
  if (area !== undefined) return area;
  const text = ctx.t(ctx.user?.role === "coordinator" ? "access.no_area" : "access.staff_only");
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true });
  else await ctx.reply(text);
  return undefined;
}
