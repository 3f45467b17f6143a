import type { MiddlewareFn } from "grammy";
import { guessLocale, isLocale } from "../../i18n.js";
import { ensureUser, findUserByTelegramId, updateUser } from "../../db/queries/users.js";
import type { BotContext } from "../context.js";
import { takePrefetchedUser } from "../../db/update-prefetch.js";

const ACTIVITY_RESOLUTION_MS = 60 * 60 * 1000;

/**
 * Loads the sender's account into `ctx.user` and sets `ctx.locale` / `ctx.t`.
 * A person who writes to the bot in a private chat for the first time gets an account with
 * the least privilege (role `beneficiary`, which can only check a household's status) and a
 * locale guessed from Telegram; ids in ADMIN_TELEGRAM_IDS become admins.
 */
export function loadUser(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    // The update's first round trip usually loaded the account already (update-tx.ts).
    let user =
      from && !from.is_bot ? (takePrefetchedUser(ctx, from.id) ?? { value: await findUserByTelegramId(ctx.db, from.id) }).value : undefined;
    const isAdminId = from !== undefined && ctx.deps.config.ADMIN_TELEGRAM_IDS.includes(from.id);
    if (from && !from.is_bot && ctx.chat?.type === "private") {
      if (!user) {
        user = await ensureUser(ctx.db, {
          telegram_id: from.id,
          role: isAdminId ? "admin" : "beneficiary",
          status: "active",
          name: isAdminId ? [from.first_name, from.last_name].filter(Boolean).join(" ") : null,
          username: from.username ?? null,
          locale: guessLocale(from.language_code),
          area_code: null,
          last_active_at: ctx.deps.now(),
        });
        ctx.log.info({ userId: user.id, role: user.role }, "new user");
      } else if (isAdminId && (user.role !== "admin" || user.status !== "active")) {
        user = await updateUser(ctx.db, user.id, { role: "admin", status: "active", area_code: null });
      } else if (
        !user.last_active_at ||
        ctx.deps.now().getTime() - user.last_active_at.getTime() > ACTIVITY_RESOLUTION_MS ||
        user.unreachable_at
      ) {
        user = await updateUser(ctx.db, user.id, { last_active_at: ctx.deps.now(), unreachable_at: null });
      }
    }
    ctx.user = user;
    ctx.locale = user && isLocale(user.locale) ? user.locale : from ? guessLocale(from.language_code) : ctx.deps.i18n.defaultLocale;
    ctx.t = ctx.deps.i18n.t(ctx.locale);
    await next();
  };
}
