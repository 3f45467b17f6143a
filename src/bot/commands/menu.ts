import type { Api, RawApi } from "grammy";
import type { BotCommand } from "grammy/types";
import { LOCALES, type Locale } from "../../config.js";
import type { User } from "../../db/schema.js";
import type { I18n } from "../../i18n.js";
import { COMMANDS, commandsFor, displayName, type CommandSpec } from "./registry.js";

function toBotCommands(specs: CommandSpec[], locale: Locale, i18n: I18n): BotCommand[] {
  const t = i18n.t(locale);
  return specs
    .filter((s) => s.menu !== false)
    .map((s) => ({ command: displayName(s, locale), description: t(s.descKey).slice(0, 256) }));
}

/**
 * Registers the default command menu (what anyone may use), in Indonesian for everyone and
 * in English for Telegram clients set to English.
 */
export async function registerDefaultCommands(api: Api<RawApi>, i18n: I18n): Promise<void> {
  const anyone = COMMANDS.filter((c) => c.access === "anyone");
  for (const locale of LOCALES) {
    const commands = toBotCommands(anyone, locale, i18n);
    await api.setMyCommands(commands, {
      scope: { type: "all_private_chats" },
      ...(locale === i18n.defaultLocale ? {} : { language_code: locale }),
    });
  }
}

/**
 * Sets one user's command menu (Telegram's per-chat scope) to the commands their role and
 * status allow, in their chosen language. Called when the role, status or language changes.
 */
export async function syncUserCommands(api: Api<RawApi>, i18n: I18n, user: User): Promise<void> {
  const locale = (LOCALES as readonly string[]).includes(user.locale) ? (user.locale as Locale) : i18n.defaultLocale;
  await api.setMyCommands(toBotCommands(commandsFor(user), locale, i18n), {
    scope: { type: "chat", chat_id: user.telegram_id },
  });
}
