import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { audit } from "../../db/queries/audit.js";
import { createLoginLink, LOGIN_LINK_MINUTES } from "../../web/sessions.js";
import { dashboardCallbacks } from "./callback.js";
import { mayOpenDashboard, syncDashboardMenuButton } from "./menu-button.js";

export const dashboardHandlers = new Composer<BotContext>();

/** The one-time desktop link: WEB_APP_URL with the token in the fragment (never sent to a server log). */
export function loginLinkUrl(webAppUrl: string, token: string): string {
  const url = new URL(webAppUrl);
  url.hash = `login=${token}`;
  return url.toString();
}

/**
 * /dasbor: opens the coordinator dashboard — in Telegram as a Mini App (one tap, no login), or
 * on a computer through a one-time link. Staff with a scope only (coordinators with an area,
 * admins), private chats only.
 */
guardedCommand(dashboardHandlers, "dasbor", async (ctx) => {
  const url = ctx.deps.config.WEB_APP_URL;
  const user = ctx.user!;
  if (!url) {
    await ctx.reply(ctx.t(user.role === "admin" ? "dashboard.bot.not_configured_admin" : "dashboard.bot.not_configured"));
    return;
  }
  if (!mayOpenDashboard(user)) {
    await ctx.reply(ctx.t("access.no_area"));
    return;
  }
  const kb = new InlineKeyboard()
    .webApp(ctx.t("dashboard.bot.btn_open"), url)
    .row()
    .text(ctx.t("dashboard.bot.btn_desktop"), dashboardCallbacks.encode("link", {}));
  await ctx.reply(ctx.t("dashboard.bot.intro"), { reply_markup: kb });
  // The chat's menu button opens the dashboard too (set here as well, in case an earlier sync missed it).
  await syncDashboardMenuButton(ctx.api, ctx.deps.i18n, url, user).catch((err) =>
    ctx.log.warn({ err: (err as Error).message }, "could not set the dashboard menu button"),
  );
});

/** "Buka di komputer": a login link for a desktop browser, valid 10 minutes, once. */
guardedCallback(dashboardHandlers, dashboardCallbacks.match("link"), "staff", async (ctx) => {
  const url = ctx.deps.config.WEB_APP_URL;
  const user = ctx.user!;
  if (!url || !mayOpenDashboard(user)) {
    await ctx.answerCallbackQuery({ text: ctx.t(url ? "access.no_area" : "dashboard.bot.not_configured").slice(0, 200), show_alert: true });
    return;
  }
  const link = await createLoginLink(ctx.db, user.id, ctx.deps.now());
  await audit(ctx.db, { actorId: user.id, action: "dashboard.link_created", entity: "user", entityId: user.id, details: { minutes: LOGIN_LINK_MINUTES } });
  await ctx.answerCallbackQuery();
  const href = loginLinkUrl(url, link.token);
  await ctx.reply(ctx.t("dashboard.bot.link", { minutes: LOGIN_LINK_MINUTES, link: href }), {
    reply_markup: new InlineKeyboard().url(ctx.t("dashboard.bot.btn_link"), href),
    link_preview_options: { is_disabled: true },
  });
});
