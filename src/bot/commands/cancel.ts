import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCommand } from "./registry.js";
import { HOUSEHOLD_REGISTRATION } from "../../flows/household-registration.js";
import { HOUSEHOLD_EDIT } from "../../flows/household-edit.js";
import { VISIT_REPORT } from "../../flows/visit-report.js";
import { REGISTER_FLOW } from "../../flows/onboarding/register.js";

/**
 * Forms built on the form kit: /batal is handed to them, so that a form with answers asks
 * first ("Ya, hentikan" / "Lanjutkan mengisi") and one without leaves at once.
 */
const FORMS: ReadonlySet<string> = new Set([HOUSEHOLD_REGISTRATION, HOUSEHOLD_EDIT, VISIT_REPORT, REGISTER_FLOW]);

/** /batal (/cancel): leaves any flow. Installed before the flows so that it always works. */
export const cancelHandlers = new Composer<BotContext>();

guardedCommand(cancelHandlers, "batal", async (ctx, next) => {
  const active = Object.keys(ctx.conversation.active());
  if (active.length > 0 && active.every((id) => FORMS.has(id))) return next();
  await ctx.conversation.exitAll();
  await ctx.reply(ctx.t(active.length > 0 ? "cancel.done" : "cancel.nothing"), {
    reply_markup: { remove_keyboard: true },
  });
});
