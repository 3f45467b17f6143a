import { Composer, InlineKeyboard } from "grammy";
import { z } from "zod";
import type { BotContext } from "../context.js";
import { isLocale } from "../../i18n.js";
import { guardedCallback } from "../commands/registry.js";
import type { CardActionProvider } from "../card-actions.js";
import { defineJob } from "../jobs.js";
import { markUnreachableOn403 } from "../notices.js";
import { whenDelivered } from "../outbox.js";
import { canViewHousehold } from "../access.js";
import type { Household } from "../../db/schema.js";
import { findHousehold } from "../../db/queries/households.js";
import { enqueueJob } from "../../db/queries/jobs.js";
import { BENEFICIARY_JOBS, issueFamilyPin, pinIssuedAt } from "../../db/queries/beneficiary/index.js";
import { formatFamilyPin } from "../../domain/family-pin.js";
import { formatRefCode } from "../../domain/refcode.js";
import { escapeHtml } from "../../lib/html.js";
import { PIN } from "../../ui/beneficiary/callback-data.js";

/**
 * The volunteer's side of the family PIN (src/domain/family-pin.ts): the "🔑 PIN keluarga"
 * button on the household card (the household's volunteer and the area's staff), the
 * offer right after a household is registered, and the one-time notice that tells
 * volunteers which of their households still need a PIN (households registered before PINs
 * existed get theirs on the next visit). The slip is a message the volunteer copies onto
 * paper for the family; it is deleted from the volunteer's chat after an hour, and the PIN
 * cannot be shown again (only replaced).
 *
 * Callback data: "pin:<id>" (make one, or ask before replacing), "pin:ok:<id>", "pin:no:<id>".
 */
export const pinHandlers = new Composer<BotContext>();

/** How long the slip stays in the volunteer's chat. */
export const PIN_SLIP_TTL_MS = 60 * 60 * 1000;


/** Who may give a household its PIN: its volunteer and the area's staff (the user's scope). */
function mayIssue(ctx: Pick<BotContext, "user">, h: Household): boolean {
  return canViewHousehold(ctx.user, h) && h.anonymized_at === null;
}

/** The household card's button: "make the PIN" when it has none yet, else "new PIN". */
export const pinCardAction: CardActionProvider = async (ctx, h) => {
  if (!mayIssue(ctx, h)) return [];
  const issued = await pinIssuedAt(ctx.db, h.id);
  return [{ label: ctx.t(issued ? "trust.btn_pin_new" : "trust.btn_pin_first"), data: PIN.encode("_start", { id: h.id }) }];
};


/** The household behind the tap, when the tapping user may issue its PIN; otherwise the tap is refused. */
async function householdForPin(ctx: BotContext, id: number | undefined): Promise<Household | undefined> {
  const h = id !== undefined ? await findHousehold(ctx.db, id) : undefined;
  if (!h || !mayIssue(ctx, h)) {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours").slice(0, 200), show_alert: true });
    return undefined;
  }
  return h;
}

/** Issues the PIN and sends the slip (deleted from the chat after an hour). */
async function issueAndShow(ctx: BotContext, h: Household): Promise<void> {
  const now = ctx.deps.now();
  const { pin, reissued } = await issueFamilyPin(ctx.db, ctx.deps.pii, { household: h, by: ctx.user!.id, now });
  const msg = await ctx.reply(
    ctx.t("trust.pin_slip", {
      name: escapeHtml(h.head_name),
      code: formatRefCode(h.ref_code),
      pin: formatFamilyPin(pin),
      bot: ctx.me.username,
      minutes: PIN_SLIP_TTL_MS / 60000,
    }) + (reissued ? `\n\n${ctx.t("trust.pin_old_invalid")}` : ""),
  );
  // Queued with the slip's real id, once it is out (replies are sent after COMMIT).
  const deleteAt = new Date(now.getTime() + PIN_SLIP_TTL_MS);
  await whenDelivered(ctx, msg, async (db, m) => {
    await enqueueJob(db, BENEFICIARY_JOBS.deleteMessage, { chatId: m.chat.id, messageId: m.message_id }, { key: `pin-slip-delete:${m.chat.id}:${m.message_id}`, runAt: deleteAt, now });
  });
}

guardedCallback(pinHandlers, PIN.match("_start"), "volunteer", async (ctx) => {
  const h = await householdForPin(ctx, PIN.parse("_start", ctx)?.id);
  if (!h) return;
  await ctx.answerCallbackQuery();
  const issued = await pinIssuedAt(ctx.db, h.id);
  if (!issued) {
    await issueAndShow(ctx, h);
    return;
  }
  await ctx.reply(ctx.t("trust.pin_replace_confirm", { code: formatRefCode(h.ref_code), name: escapeHtml(h.head_name) }), {
    reply_markup: new InlineKeyboard().text(ctx.t("trust.btn_pin_replace"), PIN.encode("ok", { id: h.id })).row().text(ctx.t("trust.btn_pin_keep"), PIN.encode("no", { id: h.id })),
  });
});

guardedCallback(pinHandlers, PIN.match("ok"), "volunteer", async (ctx) => {
  const h = await householdForPin(ctx, PIN.parse("ok", ctx)?.id);
  if (!h) return;
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  await issueAndShow(ctx, h);
});

guardedCallback(pinHandlers, PIN.match("no"), "volunteer", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("trust.pin_kept")).catch(() => undefined);
});

// === The one-time notice about households without a PIN

const NOTICE_KEY = "pin-migration:v1";
const MAX_LISTED = 15;

/**
 * Once (queued by migration 2026_12_01_0010 when households existed before PINs): every
 * active volunteer with households that have no PIN yet is told, in their language, which
 * ones, and how to give them their PIN on the next visit.
 */
export const pinMigrationJob = defineJob("pin.migration", z.object({}), async ({ deps }) => {
  const volunteers = await deps.db
    .selectFrom("households")
    .innerJoin("users", "users.id", "households.volunteer_id")
    .leftJoin("household_pins", "household_pins.household_id", "households.id")
    .select("users.id")
    .distinct()
    .where("household_pins.household_id", "is", null)
    .where("households.anonymized_at", "is", null)
    .where("users.status", "=", "active")
    .execute();
  const now = deps.now();
  for (const v of volunteers) {
    await enqueueJob(deps.db, "pin.migration_notice", { userId: v.id }, { key: `${NOTICE_KEY}:${v.id}`, now });
  }
});

export const pinMigrationNoticeJob = defineJob("pin.migration_notice", z.object({ userId: z.number().int() }), async ({ deps, api, log }, payload) => {
  const user = await deps.db.selectFrom("users").selectAll().where("id", "=", payload.userId).executeTakeFirst();
  if (!user || user.status !== "active") return;
  const rows = await deps.db
    .selectFrom("households")
    .leftJoin("household_pins", "household_pins.household_id", "households.id")
    .select(["households.ref_code"])
    .where("households.volunteer_id", "=", user.id)
    .where("households.anonymized_at", "is", null)
    .where("household_pins.household_id", "is", null)
    .orderBy("households.ref_code")
    .execute();
  if (rows.length === 0) return;
  const t = deps.i18n.t(isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale);
  const codes = rows.slice(0, MAX_LISTED).map((r) => formatRefCode(r.ref_code));
  const more = rows.length > MAX_LISTED ? ` ${t("trust.pin_migration_more", { count: rows.length - MAX_LISTED })}` : "";
  try {
    await api.sendMessage(user.telegram_id, t("trust.pin_migration", { count: rows.length, codes: codes.join(", ") + more }), { parse_mode: "HTML" });
  } catch (err) {
    if (!(await markUnreachableOn403(deps.db, user, err, deps.now()))) throw err;
    log.info({ userId: user.id }, "volunteer unreachable; PIN notice not delivered");
  }
});
