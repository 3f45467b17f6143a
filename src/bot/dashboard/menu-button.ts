import type { Api, RawApi } from "grammy";
import type { User } from "../../db/schema.js";
import type { I18n } from "../../i18n.js";
import { isLocale } from "../../i18n.js";
import { staffScopeOf } from "../../web/scope.js";

/**
 * The chat's menu button (left of the message field): for staff with a scope — coordinators
 * with an area, admins — it opens the dashboard as a Mini App; for everyone else it is
 * Telegram's default (the command list). Set per chat whenever the person's role, status,
 * area or language changes (next to their command menu, see commands/menu.ts), so it
 * disappears when someone stops being a coordinator. Without WEB_APP_URL nobody gets it.
 */
export async function syncDashboardMenuButton(api: Api<RawApi>, i18n: I18n, webAppUrl: string | undefined, user: User): Promise<void> {
  const t = i18n.t(isLocale(user.locale) ? user.locale : i18n.defaultLocale);
  if (webAppUrl && staffScopeOf(user)) {
    await api.setChatMenuButton({
      chat_id: user.telegram_id,
      menu_button: { type: "web_app", text: t("dashboard.menu_button").slice(0, 64), web_app: { url: webAppUrl } },
    });
  } else {
    await api.setChatMenuButton({ chat_id: user.telegram_id, menu_button: { type: "default" } });
  }
}

/** Whether a user may open the dashboard (the same rule the dashboard's API applies). */
export function mayOpenDashboard(user: User | undefined): boolean {
  return staffScopeOf(user) !== null;
}

