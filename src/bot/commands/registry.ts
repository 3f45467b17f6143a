import { Composer, InlineKeyboard, type Middleware } from "grammy";
import type { User } from "../../db/schema.js";
import { deniedMessageKey, hasAccess, type Access } from "../access.js";
import type { BotContext } from "../context.js";

/** A command the bot understands: its names, who may use it and its menu description. */
export interface CommandSpec {
  /** Indonesian name first: it is what volunteers see. */
  command: string;
  /** Other names (usually English). */
  aliases?: string[];
  access: Access;
  /** i18n key of the one-line description (menu and /bantuan). */
  descKey: string;
  /** Shown in Telegram's command menu (default true). */
  menu?: boolean;
  /**
   * Where it works (default "private"): household and volunteer data are shown and changed
   * only in private chats. In a group, a private-only command gets one short answer with a
   * button to continue in the private chat, and nothing else happens (no flow starts).
   * "any": also in groups (alert groups: linking and unlinking).
   */
  chats?: ChatKinds;
}

/** Where a command or a button works: private chats only, or any chat. */
export type ChatKinds = "private" | "any";

/** Every command, in the order /bantuan lists them. Features add theirs here. */
export const COMMANDS: CommandSpec[] = [
  { command: "start", access: "anyone", descKey: "commands.start" },
  { command: "bantuan", aliases: ["help"], access: "anyone", descKey: "commands.bantuan" },
  { command: "bahasa", aliases: ["language"], access: "anyone", descKey: "commands.bahasa" },
  { command: "batal", aliases: ["cancel"], access: "anyone", descKey: "commands.batal" },
  { command: "status", aliases: ["check"], access: "anyone", descKey: "beneficiary.cmd_status" },
  { command: "status_saya", aliases: ["my_status"], access: "anyone", descKey: "commands.status_saya" },
  { command: "daftar", aliases: ["register"], access: "volunteer", descKey: "commands.daftar" },
  { command: "keluarga", aliases: ["households"], access: "volunteer", descKey: "commands.keluarga" },
  { command: "kunjungan", aliases: ["visit"], access: "volunteer", descKey: "visit.cmd_kunjungan" },
  { command: "rencana", aliases: ["plan"], access: "volunteer", descKey: "fieldwork.cmd_rencana" },
  { command: "laporan", aliases: ["report"], access: "volunteer", descKey: "fieldwork.cmd_laporan" },
  { command: "usulan", aliases: ["proposals"], access: "volunteer", descKey: "dtsen.cmd_usulan" },
  { command: "profil", aliases: ["profile"], access: "volunteer", descKey: "commands.profil" },
  { command: "undang", aliases: ["invite"], access: "staff", descKey: "commands.undang" },
  { command: "persetujuan", aliases: ["approvals"], access: "staff", descKey: "commands.persetujuan" },
  { command: "permintaan", aliases: ["requests"], access: "staff", descKey: "dsr.cmd_permintaan" },
  { command: "peringatan", aliases: ["alerts"], access: "staff", descKey: "alert.cmd_peringatan" },
  { command: "hubungkan_grup", aliases: ["link_group"], access: "staff", descKey: "alert.cmd_hubungkan_grup", menu: false, chats: "any" },
  { command: "putuskan_grup", aliases: ["unlink_group"], access: "staff", descKey: "alert.cmd_putuskan_grup", menu: false, chats: "any" },
  { command: "siaran", aliases: ["broadcast"], access: "staff", descKey: "commands.siaran" },
  { command: "cekaman", aliases: ["checkin"], access: "staff", descKey: "cekaman.cmd" },
  { command: "rekap", aliases: ["summary"], access: "staff", descKey: "commands.rekap" },
  { command: "target", aliases: ["targets"], access: "staff", descKey: "fieldwork.cmd_target" },
  { command: "ekspor", aliases: ["export"], access: "staff", descKey: "commands.ekspor" },
  { command: "relawan", aliases: ["volunteers"], access: "staff", descKey: "commands.relawan" },
  { command: "koordinator", aliases: ["coordinators"], access: "staff", descKey: "commands.koordinator" },
  { command: "dasbor", aliases: ["dashboard"], access: "staff", descKey: "dashboard.cmd_dasbor" },
];

/** The name shown to a user: English users see the English alias where there is one. */
export function displayName(spec: CommandSpec, locale: string): string {
  return locale === "en" && spec.aliases?.[0] ? spec.aliases[0] : spec.command;
}

export function commandSpec(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.command === name);
  if (!spec) throw new Error(`unknown command ${name}: add it to COMMANDS`);
  return spec;
}

/** The commands a user may use, for /bantuan and the per-chat command menu. */
export function commandsFor(user: User | undefined): CommandSpec[] {
  return COMMANDS.filter((c) => hasAccess(user, c.access));
}

/** Every name and alias of every command (for "unknown command" detection). */
export function allCommandNames(): Set<string> {
  return new Set(COMMANDS.flatMap((c) => [c.command, ...(c.aliases ?? [])]));
}

/**
 * Registers a command under its names, with the access check in front: a user without
 * access gets a short explanation instead of the handler.
 */
export function guardedCommand(
  composer: Composer<BotContext>,
  name: string,
  ...handlers: Middleware<BotContext>[]
): void {
  const spec = commandSpec(name);
  composer.command([spec.command, ...(spec.aliases ?? [])], async (ctx, next) => {
    if ((spec.chats ?? "private") === "private" && ctx.chat.type !== "private") {
      await replyPrivateOnly(ctx, displayName(spec, ctx.locale));
      return;
    }
    if (!hasAccess(ctx.user, spec.access)) {
      await ctx.reply(ctx.t(deniedMessageKey(ctx.user, spec.access)));
      return;
    }
    await new Composer<BotContext>(...handlers).middleware()(ctx, next);
  });
}

/**
 * Guards a callback-query prefix the same way: callback data can be forged, so the access
 * check runs again on every tap, not only when the button was shown. Buttons work in private
 * chats only unless `{ access, chats: "any" }` says otherwise (alert messages in alert groups);
 * a tap elsewhere gets a short pop-up pointing to the private chat.
 */
export function guardedCallback(
  composer: Composer<BotContext>,
  trigger: string | RegExp | (string | RegExp)[],
  guard: Access | { access: Access; chats: ChatKinds },
  ...handlers: Middleware<BotContext>[]
): void {
  const access = typeof guard === "string" ? guard : guard.access;
  const chats = typeof guard === "string" ? "private" : guard.chats;
  composer.callbackQuery(trigger, async (ctx, next) => {
    // A button under a message in a group or channel. (A tap without a chat — an inline
    // message, which this bot never sends — can only be answered with a pop-up to the tapper.)
    if (chats === "private" && ctx.chat !== undefined && ctx.chat.type !== "private") {
      await ctx.answerCallbackQuery({ text: ctx.t("trust.private_only_button").slice(0, 200), show_alert: true });
      return;
    }
    if (!hasAccess(ctx.user, access)) {
      await ctx.answerCallbackQuery({ text: ctx.t(deniedMessageKey(ctx.user, access)).slice(0, 200), show_alert: true });
      return;
    }
    await new Composer<BotContext>(...handlers).middleware()(ctx, next);
  });
}

/** t.me link to the bot's private chat. */
export function privateChatLink(ctx: BotContext): string {
  return `https://t.me/${ctx.me.username}`;
}

/**
 * The one answer a private-only command gets in a group: short, no data, a button that opens
 * the private chat with the bot.
 */
export async function replyPrivateOnly(ctx: BotContext, command: string): Promise<void> {
  await ctx.reply(ctx.t("trust.private_only", { command: `/${command}` }), {
    reply_markup: new InlineKeyboard().url(ctx.t("trust.btn_open_private"), privateChatLink(ctx)),
    ...(ctx.msg?.message_id !== undefined ? { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } } : {}),
  });
}
