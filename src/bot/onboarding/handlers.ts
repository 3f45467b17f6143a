/**
 * Volunteer onboarding outside the conversations: "Saya relawan" on /start, invite deep
 * links, the approval buttons, /status_saya, /undang (create, list, revoke links) and
 * /profil. Every command and button goes through guardedCommand / guardedCallback (role and
 * status); area and ownership are checked again in each handler, because callback data can be
 * forged.
 */
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { LOCALES } from "../../config.js";
import {
  decideApplication,
  findInviteByCode,
  findInviteById,
  getApplication,
  inviteProblem,
  latestApplication,
  listOwnInvites,
  mayDecide,
  revokeInvite,
  type Invite,
} from "../../db/queries/onboarding.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import type { User } from "../../db/schema.js";
import {
  DEFAULT_ZONE,
  INVITE_PAYLOAD_PREFIX,
  applyBlock,
  formatLocalDateTime,
  inviteLink,
  joinBlock,
  mayInviteCoordinators,
} from "../../domain/onboarding.js";
import { INVITE_FLOW, PROFILE_FLOW, REGISTER_FLOW, REJECT_FLOW } from "../../flows/onboarding/index.js";
import type { BotContext } from "../context.js";
import type { StartPayloadHandler } from "../commands/start.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { loadApplicationNotice, renderApplicationNotice } from "./render.js";
import { APPR, INV, ONB, PROF } from "../../ui/onboarding/callback-data.js";

export const onboardingHandlers = new Composer<BotContext>();

/** Invites per page in the /undang list. */
const INVITE_PAGE_SIZE = 5;

// === Helpers

/**
 * Enters a conversation unless one is already running in this chat (then says so: a
 * half-filled form is never thrown away by a stray tap).
 */
async function enterFlow(ctx: BotContext, id: string, args?: Record<string, unknown>): Promise<void> {
  const active = Object.keys(ctx.conversation.active());
  if (active.length > 0) {
    const text = ctx.t(active.includes(id) ? "onboarding.flow_running_same" : "onboarding.flow_running_other");
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true });
    else await ctx.reply(text);
    return;
  }
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  if (args === undefined) await ctx.conversation.enter(id);
  else await ctx.conversation.enter(id, args);
}

async function label(ctx: BotContext, code: string | null): Promise<string> {
  if (code === null) return ctx.t("invite.whole_country");
  return (await regionLabel(ctx.db, code, { full: false })) ?? code;
}

async function localTime(ctx: BotContext, date: Date, areaCode: string | null): Promise<string> {
  const zone = areaCode ? ((await regionTimezone(ctx.db, areaCode)) ?? DEFAULT_ZONE) : DEFAULT_ZONE;
  return formatLocalDateTime(date, ctx.locale, zone);
}

/** Edits the tapped message; "not modified" and vanished messages are ignored. */
async function editTapped(ctx: BotContext, text: string, reply_markup?: InlineKeyboard): Promise<void> {
  try {
    await ctx.editMessageText(text, { reply_markup: reply_markup ?? new InlineKeyboard(), link_preview_options: { is_disabled: true } });
  } catch (err) {
    if (!(err instanceof GrammyError && err.error_code === 400)) throw err;
  }
}

// === "Status pendaftaran saya"

/** The user's registration status, with what they can do next. */
async function statusCard(ctx: BotContext): Promise<{ text: string; reply_markup?: InlineKeyboard }> {
  const user = ctx.user;
  const t = ctx.t;
  if (!user || user.role === "beneficiary") {
    return { text: t("mystatus.not_registered"), reply_markup: new InlineKeyboard().text(t("start.i_am_volunteer"), "start:volunteer") };
  }
  if (user.status === "suspended") {
    return { text: t("mystatus.suspended") + (user.status_reason ? `\n${t("field.volunteer_suspended_reason", { reason: user.status_reason })}` : "") };
  }
  const area = await label(ctx, user.area_code);
  if (user.role === "volunteer" && user.status === "pending") {
    const app = await latestApplication(ctx.db, user.id, "registration");
    return {
      text: t("mystatus.pending", {
        name: user.name ?? "-",
        phone: user.phone ?? "-",
        area,
        sent: app ? await localTime(ctx, app.created_at, app.area_code) : "-",
      }),
      reply_markup: new InlineKeyboard().text(t("mystatus.edit"), ONB.encode("edit", {})),
    };
  }
  if (user.role === "volunteer" && user.status === "rejected") {
    const app = await latestApplication(ctx.db, user.id, "registration");
    const by = app?.decided_by ? await ctx.db.selectFrom("users").select("name").where("id", "=", app.decided_by).executeTakeFirst() : undefined;
    return {
      text: t("mystatus.rejected", { reason: user.status_reason ?? app?.reason ?? "-", name: by?.name ?? "-", area }),
      reply_markup: new InlineKeyboard().text(t("mystatus.reapply"), ONB.encode("edit", {})),
    };
  }
  if (user.role === "volunteer") {
    const move = await latestApplication(ctx.db, user.id, "area_change");
    const moveLine = move?.status === "pending" ? `\n\n${t("mystatus.move_pending", { area: await label(ctx, move.area_code) })}` : "";
    return { text: t("mystatus.active_volunteer", { area }) + moveLine };
  }
  return { text: t(user.role === "admin" ? "mystatus.active_admin" : "mystatus.active_coordinator", { area }) };
}

async function showStatus(ctx: BotContext): Promise<void> {
  const card = await statusCard(ctx);
  await ctx.reply(card.text, card.reply_markup ? { reply_markup: card.reply_markup } : {});
}

guardedCommand(onboardingHandlers, "status_saya", showStatus);

// The "📋 Status pendaftaran saya" reply-keyboard button shown after submitting.
onboardingHandlers
  .chatType("private")
  .filter((ctx) => {
    const text = ctx.message?.text;
    return text !== undefined && LOCALES.some((l) => ctx.deps.i18n.t(l)("mystatus.button") === text);
  }, showStatus);

// === Registration

guardedCallback(onboardingHandlers, "start:volunteer", "anyone", async (ctx) => {
  const user = ctx.user;
  if (!user) {
    await ctx.answerCallbackQuery();
    return;
  }
  if (user.role === "beneficiary") {
    await enterFlow(ctx, REGISTER_FLOW);
    return;
  }
  await ctx.answerCallbackQuery();
  if (user.role === "volunteer" && (user.status === "pending" || user.status === "rejected")) {
    await showStatus(ctx);
    return;
  }
  const block = applyBlock(user);
  await ctx.reply(ctx.t(block ? `onboarding.block_${block}` : "onboarding.block_already_volunteer"));
});

// Pending volunteers change their application; rejected ones apply again.
guardedCallback(onboardingHandlers, ONB.match("edit"), "anyone", async (ctx) => {
  const user = ctx.user;
  if (!user || user.role !== "volunteer" || applyBlock(user) !== null) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
    return;
  }
  await enterFlow(ctx, REGISTER_FLOW);
});

/** Invite deep links: /start inv_<code>. */
export const inviteStartPayload: StartPayloadHandler = async (ctx, code) => {
  const info = await findInviteByCode(ctx.db, ctx.deps.pii, code);
  if (!info) {
    ctx.log.info("unknown invite code");
    await ctx.reply(ctx.t("invite.problem_unknown"));
    return;
  }
  const problem = inviteProblem(info, ctx.deps.now());
  if (problem) {
    ctx.log.info({ inviteId: info.invite.id, problem }, "invite refused");
    await ctx.reply(ctx.t(`invite.problem_${problem}`));
    return;
  }
  const user = ctx.user;
  if (!user) return;
  const block = joinBlock(user, info.invite.role);
  if (block) {
    await ctx.reply(ctx.t(`onboarding.block_${block}`));
    return;
  }
  await enterFlow(ctx, REGISTER_FLOW, { inviteId: info.invite.id });
};

// === Approval

async function showDecided(ctx: BotContext, applicationId: number): Promise<void> {
  const notice = await loadApplicationNotice(ctx.db, applicationId);
  if (notice) {
    const r = renderApplicationNotice(ctx.t, ctx.locale, notice);
    await editTapped(ctx, r.text, r.reply_markup as InlineKeyboard | undefined);
  }
}

guardedCallback(onboardingHandlers, APPR.match("ok"), "staff", async (ctx) => {
  const applicationId = APPR.parse("ok", ctx)?.id;
  if (applicationId === undefined) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
    return;
  }
  const result = await decideApplication(ctx.db, {
    applicationId,
    decider: ctx.user as User,
    decision: "approved",
    now: ctx.deps.now(),
  });
  switch (result.kind) {
    case "not_found":
      await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
      return;
    case "forbidden":
      ctx.log.warn({ applicationId }, "approval refused: outside the decider's area");
      await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours").slice(0, 200), show_alert: true });
      return;
    case "already":
      await ctx.answerCallbackQuery({
        text: (result.deciderName ? ctx.t("approval.already_decided", { name: result.deciderName }) : ctx.t("approval.already_closed")).slice(0, 200),
        show_alert: true,
      });
      await showDecided(ctx, applicationId);
      return;
    case "done":
      await ctx.answerCallbackQuery({ text: ctx.t("approval.approved_toast").slice(0, 200) });
      await showDecided(ctx, applicationId);
  }
});

guardedCallback(onboardingHandlers, APPR.match("no"), "staff", async (ctx) => {
  const applicationId = APPR.parse("no", ctx)?.id;
  const app = applicationId === undefined ? undefined : await getApplication(ctx.db, applicationId);
  if (!app || applicationId === undefined) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
    return;
  }
  if (!mayDecide(ctx.user, app)) {
    ctx.log.warn({ applicationId }, "rejection refused: outside the decider's area");
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  if (app.status !== "pending") {
    const notice = await loadApplicationNotice(ctx.db, applicationId);
    const name = notice?.details.deciderName;
    await ctx.answerCallbackQuery({
      text: (name ? ctx.t("approval.already_decided", { name }) : ctx.t("approval.already_closed")).slice(0, 200),
      show_alert: true,
    });
    await showDecided(ctx, applicationId);
    return;
  }
  await enterFlow(ctx, REJECT_FLOW, { applicationId });
});

// === /undang

guardedCommand(onboardingHandlers, "undang", async (ctx) => {
  const user = ctx.user as User;
  const kb = new InlineKeyboard().text(ctx.t("invite.new_volunteer"), INV.encode("new", { role: "v" })).row();
  if (mayInviteCoordinators(user)) kb.text(ctx.t("invite.new_coordinator"), INV.encode("new", { role: "c" })).row();
  kb.text(ctx.t("invite.list"), INV.encode("ls", { offset: 0 }));
  await ctx.reply(ctx.t("invite.menu", { area: await label(ctx, user.role === "admin" ? null : user.area_code) }), { reply_markup: kb });
});

guardedCallback(onboardingHandlers, INV.match("new"), "staff", async (ctx) => {
  const role = INV.parse("new", ctx)?.role === "c" ? "coordinator" : "volunteer";
  if (role === "coordinator" && !mayInviteCoordinators(ctx.user as User)) {
    await ctx.answerCallbackQuery({ text: ctx.t("invite.no_coordinator_invites").slice(0, 200), show_alert: true });
    return;
  }
  await enterFlow(ctx, INVITE_FLOW, { role });
});

function inviteState(invite: Invite, now: Date): "active" | "revoked" | "expired" | "used_up" {
  if (invite.revoked_at !== null) return "revoked";
  if (invite.expires_at.getTime() <= now.getTime()) return "expired";
  if (invite.uses >= invite.max_uses) return "used_up";
  return "active";
}

async function inviteList(ctx: BotContext, offset: number, notice?: string): Promise<void> {
  const user = ctx.user as User;
  const { rows, total } = await listOwnInvites(ctx.db, user.id, { limit: INVITE_PAGE_SIZE, offset });
  const now = ctx.deps.now();
  const kb = new InlineKeyboard();
  const blocks: string[] = [];
  for (const inv of rows) {
    const state = inviteState(inv, now);
    const link = state === "active" ? inviteLink(ctx.me.username, ctx.deps.pii.decrypt(inv.code_enc)) : null;
    blocks.push(
      ctx.t("invite.list_item", {
        id: inv.id,
        role: ctx.t(inv.role === "coordinator" ? "invite.role_coordinator" : "invite.role_volunteer"),
        area: await label(ctx, inv.area_code),
        uses: inv.uses,
        max: inv.max_uses,
        until: await localTime(ctx, inv.expires_at, inv.area_code),
        state: ctx.t(`invite.state_${state}`),
      }) + (link ? `\n${link}` : ""),
    );
    if (state === "active") kb.text(ctx.t("invite.revoke", { id: inv.id }), INV.encode("rv", { id: inv.id })).row();
  }
  if (offset > 0) kb.text(ctx.t("common.prev_page"), INV.encode("ls", { offset: Math.max(0, offset - INVITE_PAGE_SIZE) }));
  if (offset + INVITE_PAGE_SIZE < total) kb.text(ctx.t("common.next_page"), INV.encode("ls", { offset: offset + INVITE_PAGE_SIZE }));
  const header = total === 0 ? ctx.t("invite.list_empty") : ctx.t("invite.list_title", { total });
  const text = [notice, header, ...blocks].filter(Boolean).join("\n\n");
  if (ctx.callbackQuery) await editTapped(ctx, text, kb);
  else await ctx.reply(text, { reply_markup: kb, link_preview_options: { is_disabled: true } });
}

guardedCallback(onboardingHandlers, INV.match("ls"), "staff", async (ctx) => {
  await ctx.answerCallbackQuery();
  await inviteList(ctx, INV.parse("ls", ctx)?.offset ?? 0);
});

async function ownInvite(ctx: BotContext, id: number | undefined): Promise<Invite | undefined> {
  const info = id === undefined ? undefined : await findInviteById(ctx.db, id);
  return info && info.invite.created_by === ctx.user?.id ? info.invite : undefined;
}

guardedCallback(onboardingHandlers, INV.match("rv"), "staff", async (ctx) => {
  const invite = await ownInvite(ctx, INV.parse("rv", ctx)?.id);
  if (!invite || invite.revoked_at !== null) {
    await ctx.answerCallbackQuery({ text: ctx.t(invite ? "invite.already_revoked" : "access.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const kb = new InlineKeyboard().text(ctx.t("invite.revoke_yes"), INV.encode("rvy", { id: invite.id })).row().text(ctx.t("common.back"), INV.encode("ls", { offset: 0 }));
  await editTapped(ctx, ctx.t("invite.revoke_confirm", { id: invite.id, area: await label(ctx, invite.area_code) }), kb);
});

guardedCallback(onboardingHandlers, INV.match("rvy"), "staff", async (ctx) => {
  const id = INV.parse("rvy", ctx)?.id;
  const done = id === undefined ? false : await revokeInvite(ctx.db, { inviteId: id, userId: (ctx.user as User).id, now: ctx.deps.now() });
  if (!done || id === undefined) {
    const own = await ownInvite(ctx, id);
    await ctx.answerCallbackQuery({ text: ctx.t(own ? "invite.already_revoked" : "access.not_yours").slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery({ text: ctx.t("invite.revoked_toast", { id }).slice(0, 200) });
  await inviteList(ctx, 0, ctx.t("invite.revoked", { id }));
});

// === /profil

async function profileCard(ctx: BotContext): Promise<{ text: string; reply_markup: InlineKeyboard }> {
  const user = ctx.user as User;
  const t = ctx.t;
  const lines = [
    t("profile.title"),
    "",
    t("profile.name", { value: user.name ?? "-" }),
    t("profile.phone", { value: user.phone ?? "-" }),
    t("profile.role", { value: t(`profile.role_${user.role}`) }),
    t("profile.area", { value: await label(ctx, user.role === "admin" ? null : user.area_code) }),
  ];
  const kb = new InlineKeyboard().text(t("profile.change_name"), PROF.encode("_edit", { field: "name" })).row().text(t("profile.change_phone"), PROF.encode("_edit", { field: "phone" }));
  if (user.role === "volunteer") {
    const move = await latestApplication(ctx.db, user.id, "area_change");
    if (move?.status === "pending") lines.push("", t("mystatus.move_pending", { area: await label(ctx, move.area_code) }));
    kb.row().text(t("profile.change_area"), PROF.encode("_edit", { field: "area" }));
  }
  return { text: lines.join("\n"), reply_markup: kb };
}

guardedCommand(onboardingHandlers, "profil", async (ctx) => {
  const card = await profileCard(ctx);
  await ctx.reply(card.text, { reply_markup: card.reply_markup });
});

guardedCallback(onboardingHandlers, PROF.match("_edit"), "volunteer", async (ctx) => {
  const field = PROF.parse("_edit", ctx)?.field;
  if (field === "area" && ctx.user?.role !== "volunteer") {
    await ctx.answerCallbackQuery({ text: ctx.t("profile.area_by_invite").slice(0, 200), show_alert: true });
    return;
  }
  await enterFlow(ctx, PROFILE_FLOW, { field });
});
