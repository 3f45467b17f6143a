import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { commandsFor, displayName, guardedCommand } from "./registry.js";

export const helpHandlers = new Composer<BotContext>();

/** The help text: only the commands this user may use, with one line each. */
export function helpText(ctx: BotContext): string {
  const lines = commandsFor(ctx.user).map((c) => `/${displayName(c, ctx.locale)} — ${ctx.t(c.descKey)}`);
  const roleKey = ctx.user ? `help.intro_${ctx.user.role}_${ctx.user.status}` : "help.intro_beneficiary_active";
  const intro = ctx.t(roleKey, { defaultValue: ctx.t("help.intro_beneficiary_active") });
  return `${intro}\n\n${lines.join("\n")}\n\n${ctx.t("help.footer")}`;
}

guardedCommand(helpHandlers, "bantuan", async (ctx) => {
  await ctx.reply(helpText(ctx));
});
