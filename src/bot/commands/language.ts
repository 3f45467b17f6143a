import { Composer, InlineKeyboard } from "grammy";
import { LOCALES } from "../../config.js";
import { updateUser } from "../../db/queries/users.js";
import { isLocale } from "../../i18n.js";
import type { BotContext } from "../context.js";
import { syncUserCommands } from "./menu.js";
import { guardedCallback, guardedCommand } from "./registry.js";
import { LANG } from "../../ui/language/callback-data.js";

/** /bahasa (/language): switch between Indonesian and English, stored per user. */
export const languageHandlers = new Composer<BotContext>();

const LABELS: Record<(typeof LOCALES)[number], string> = { id: "🇮🇩 Bahasa Indonesia", en: "🇬🇧 English" };

guardedCommand(languageHandlers, "bahasa", async (ctx) => {
  const kb = new InlineKeyboard();
  for (const locale of LOCALES) kb.text(`${locale === ctx.locale ? "✓ " : ""}${LABELS[locale]}`, LANG.encode("_set", { locale }));
  await ctx.reply(ctx.t("language.choose"), { reply_markup: kb });
});

guardedCallback(languageHandlers, LANG.match("_set"), "anyone", async (ctx) => {
  const locale = LANG.parse("_set", ctx)?.locale;
  if (!isLocale(locale) || !ctx.user) {
    await ctx.answerCallbackQuery();
    return;
  }
  ctx.user = await updateUser(ctx.db, ctx.user.id, { locale });
  ctx.locale = locale;
  ctx.t = ctx.deps.i18n.t(locale);
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("language.changed")).catch(() => ctx.reply(ctx.t("language.changed")));
  try {
    await syncUserCommands(ctx.api, ctx.deps, ctx.user);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, "could not update the command menu");
  }
});
