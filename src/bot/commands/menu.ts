import { z } from "zod";
import { createHash } from "node:crypto";
import type { Api, RawApi } from "grammy";
import type { BotCommand } from "grammy/types";
import { LOCALES, type Config, type Locale } from "../../config.js";
import type { Db, User } from "../../db/schema.js";
import { defineJob } from "../jobs.js";
import type { Jobs } from "../jobs-port.js";
import type { I18n } from "../../i18n.js";
import { COMMANDS, commandsFor, displayName, type CommandSpec } from "./registry.js";
import { syncDashboardMenuButton } from "../dashboard/menu-button.js";

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

/** What a menu sync needs: the texts, and (for the dashboard's menu button) WEB_APP_URL. */
export interface MenuDeps {
  i18n: I18n;
  config: Pick<Config, "WEB_APP_URL">;
}

/**
 * Sets one user's command menu (Telegram's per-chat scope) to the commands their role and
 * status allow, in their chosen language, and — given the app's deps — the chat's menu button
 * (the dashboard for staff, the default for everyone else). Called when the role, status or
 * language changes.
 */
export async function syncUserCommands(api: Api<RawApi>, deps: I18n | MenuDeps, user: User): Promise<void> {
  const i18n = "config" in deps ? deps.i18n : deps;
  const locale = (LOCALES as readonly string[]).includes(user.locale) ? (user.locale as Locale) : i18n.defaultLocale;
  await api.setMyCommands(toBotCommands(commandsFor(user), locale, i18n), {
    scope: { type: "chat", chat_id: user.telegram_id },
  });
  if ("config" in deps) await syncDashboardMenuButton(api, i18n, deps.config.WEB_APP_URL, user);
}

/** A fingerprint of the command menus: changes when a deploy changes commands or their texts. */
export function commandsFingerprint(i18n: I18n): string {
  const data = COMMANDS.map((c) => [c.command, c.aliases, c.access, c.menu, ...LOCALES.map((l) => i18n.t(l)(c.descKey))]);
  return createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
}

/**
 * Re-sends every registered person's per-chat command menu once per distinct command set
 * (a keyed job), so that a deploy that adds or renames commands reaches existing users.
 */
export const syncCommandsJob = defineJob("sync-commands", z.object({}), async ({ deps, api, log }) => {
  const users = await deps.db
    .selectFrom("users")
    .selectAll()
    .where((eb) => eb.or([eb("role", "!=", "beneficiary"), eb("status", "!=", "active")]))
    .where("unreachable_at", "is", null)
    .orderBy("id")
    .execute();
  let done = 0;
  for (const user of users) {
    try {
      await syncUserCommands(api, deps, user);
      done++;
    } catch (err) {
      log.debug({ userId: user.id, err: (err as Error).message }, "command menu not updated");
    }
    // Stay far below Telegram's limits; this is not urgent.
    await new Promise((r) => setTimeout(r, 40));
  }
  log.info({ users: done }, "command menus updated");
});

/** Enqueues the menu sync for this command set (once across processes and restarts). */
export async function scheduleCommandSync(deps: { db: Db; i18n: I18n; jobs: Jobs; config?: Pick<Config, "WEB_APP_URL"> }): Promise<void> {
  // A new or changed dashboard URL re-sends the menus too (the menu button points to it).
  const web = deps.config?.WEB_APP_URL ? `:${createHash("sha256").update(deps.config.WEB_APP_URL).digest("hex").slice(0, 8)}` : "";
  await deps.jobs.enqueue(deps.db, "sync-commands", {}, { key: `sync-commands:${commandsFingerprint(deps.i18n)}${web}` });
}
