import { z } from "zod";
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { enterFlowFromButton } from "../flow-entry.js";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { isStaffFor } from "../access.js";
import type { CardActionProvider } from "../card-actions.js";
import { defineJob } from "../jobs.js";
import { REASSIGN_FLOW, type ReassignArgs } from "../../flows/coordinator/index.js";
import { findAreaVolunteer, inArea, listAreaVolunteers, setVolunteerStatus, type VolunteerRow } from "../../db/queries/coordinator.js";
import { findUserById } from "../../db/queries/users.js";
import { RL } from "../../ui/coordinator/callback-data.js";
import { HH } from "../../ui/households/callback-data.js";
import { syncUserCommands } from "../commands/menu.js";
import { findVisibleHousehold } from "../../db/queries/households.js";
import { regionLabel } from "../../db/queries/regions.js";
import { audit } from "../../db/queries/audit.js";
import { formatRefCode } from "../../domain/refcode.js";
import { formatDateId } from "../../domain/dates.js";
import { isLocale, type TFunction } from "../../i18n.js";
import { localDate } from "../../domain/visit.js";
import { areaName, showTapped, zoneOf, type Zone } from "./common.js";
import { requireStaffArea } from "../scope.js";

export const volunteerHandlers = new Composer<BotContext>();

const PAGE_SIZE = 8;

/** Why a coordinator suspends a volunteer (codes are audited; the label is shown to the volunteer). */
export const SUSPEND_REASONS = ["inactive", "moved", "misconduct", "own_request"] as const;

/** "3 hari lalu", "hari ini", "belum pernah". */
export function ago(t: TFunction, date: Date | null, now: Date, zone: Zone, locale: string): string {
  if (!date) return t("relawan.never");
  const days = Math.round(
    (Date.parse(localDate(now, zone.tz)) - Date.parse(localDate(date, zone.tz))) / 86_400_000,
  );
  if (days <= 0) return t("relawan.today");
  if (days === 1) return t("relawan.yesterday");
  if (days < 60) return t("relawan.days_ago", { count: days });
  return formatDateId(localDate(date, zone.tz), locale === "en" ? "en" : "id");
}

function lastActivity(v: VolunteerRow): Date | null {
  const a = v.last_active_at?.getTime() ?? 0;
  const b = v.last_visit_at?.getTime() ?? 0;
  const m = Math.max(a, b);
  return m === 0 ? null : new Date(m);
}

async function villageName(ctx: BotContext, code: string | null): Promise<string> {
  if (!code) return "–";
  return (await regionLabel(ctx.db, code, { full: false }))?.split(" — ")[0] ?? code;
}

async function showList(ctx: BotContext, page: number, edit: boolean): Promise<void> {
  const area = await requireStaffArea(ctx);
  if (area === undefined) return;
  const zone = await zoneOf(ctx.db, area);
  const total = (await listAreaVolunteers(ctx.db, area, { limit: 1, offset: 0 })).total;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const { rows } = await listAreaVolunteers(ctx.db, area, { limit: PAGE_SIZE, offset: p * PAGE_SIZE });
  const header = ctx.t("relawan.header", { area: await areaName(ctx, area), total });
  if (total === 0) {
    const text = `${header}\n\n${ctx.t("relawan.none")}`;
    if (edit) await showTapped(ctx, text);
    else await ctx.reply(text);
    return;
  }
  const now = ctx.deps.now();
  const lines: string[] = [];
  const kb = new InlineKeyboard();
  for (const [i, v] of rows.entries()) {
    const n = p * PAGE_SIZE + i + 1;
    lines.push(
      ctx.t("relawan.item", {
        n,
        name: v.name ?? "–",
        village: await villageName(ctx, v.area_code),
        households: v.households,
        last: ago(ctx.t, lastActivity(v), now, zone, ctx.locale),
        suspended: v.status === "suspended" ? ctx.t("relawan.suspended_mark") : "",
      }),
    );
    kb.text(`${n}. ${v.name ?? "–"}`.slice(0, 40), RL.encode("v", { id: v.id }));
    if (i % 2 === 1) kb.row();
  }
  kb.row();
  if (p > 0) kb.text(ctx.t("common.prev_page"), RL.encode("p", { page: p - 1 }));
  if (p < pages - 1) kb.text(ctx.t("common.next_page"), RL.encode("p", { page: p + 1 }));
  const text = `${header}\n\n${lines.join("\n")}\n\n${ctx.t("common.page", { page: p + 1, pages })}`;
  if (edit) await showTapped(ctx, text, kb);
  else await ctx.reply(text, { reply_markup: kb });
}

guardedCommand(volunteerHandlers, "relawan", async (ctx) => {
  if (ctx.user!.role === "coordinator" && !ctx.user!.area_code) {
    await ctx.reply(ctx.t("koordinator.no_area"));
    return;
  }
  await showList(ctx, 0, false);
});

guardedCallback(volunteerHandlers, RL.match("p"), "staff", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showList(ctx, RL.parse("p", ctx)?.page ?? 0, true);
});

/** The volunteer if they work in the tapping user's area; otherwise the tap is refused. */
async function areaVolunteer(ctx: BotContext, id: number): Promise<VolunteerRow | undefined> {
  const area = await requireStaffArea(ctx);
  if (area === undefined) return undefined;
  const v = await findAreaVolunteer(ctx.db, area, id);
  if (!v) await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours"), show_alert: true });
  return v;
}

/** A volunteer's details (phone to call them, status and why) with what staff can do. */
async function showDetail(ctx: BotContext, v: VolunteerRow, note?: string): Promise<void> {
  const zone = await zoneOf(ctx.db, v.area_code);
  const now = ctx.deps.now();
  const lines = [
    ctx.t("relawan.detail", {
      name: v.name ?? "–",
      village: await villageName(ctx, v.area_code),
      status: ctx.t(v.status === "suspended" ? "relawan.status_suspended" : "relawan.status_active"),
      households: v.households,
      active: ago(ctx.t, v.last_active_at, now, zone, ctx.locale),
      visit: ago(ctx.t, v.last_visit_at, now, zone, ctx.locale),
    }),
    // Plain E.164: Telegram shows it as a number to tap and call.
    ctx.t("field.volunteer_phone", { phone: v.phone ?? "–" }),
  ];
  if (v.status === "suspended" && v.status_reason) lines.push(ctx.t("field.volunteer_suspended_reason", { reason: v.status_reason }));
  const kb = new InlineKeyboard();
  if (v.households > 0) {
    kb.text(ctx.t("relawan.btn_households"), RL.encode("h", { id: v.id, page: 0 })).row();
    kb.text(ctx.t("relawan.btn_reassign"), RL.encode("mv", { id: v.id })).row();
  }
  if (v.status === "active") kb.text(ctx.t("field.btn_suspend"), RL.encode("s", { id: v.id })).row();
  else kb.text(ctx.t("field.btn_reactivate"), RL.encode("r", { id: v.id })).row();
  kb.text(ctx.t("relawan.btn_list"), RL.encode("p", { page: 0 }));
  const text = lines.join("\n");
  await showTapped(ctx, note ? `${note}\n\n${text}` : text, kb);
}

guardedCallback(volunteerHandlers, RL.match("v"), "staff", async (ctx) => {
  const v = await areaVolunteer(ctx, RL.parse("v", ctx)?.id ?? 0);
  if (!v) return;
  await ctx.answerCallbackQuery();
  await audit(ctx.db, { actorId: ctx.user!.id, action: "volunteer.viewed", entity: "user", entityId: v.id, details: {} });
  await showDetail(ctx, v);
});

// === Suspend and reactivate

guardedCallback(volunteerHandlers, RL.match("s"), "staff", async (ctx) => {
  const v = await areaVolunteer(ctx, RL.parse("s", ctx)?.id ?? 0);
  if (!v) return;
  await ctx.answerCallbackQuery();
  if (v.status !== "active") {
    await showDetail(ctx, v);
    return;
  }
  const kb = new InlineKeyboard();
  SUSPEND_REASONS.forEach((code, reason) => kb.text(ctx.t(`field.suspend_reason_${code}`), RL.encode("sr", { id: v.id, reason })).row());
  kb.text(ctx.t("common.back"), RL.encode("v", { id: v.id }));
  await showTapped(ctx, ctx.t("field.suspend_ask_reason", { name: v.name ?? "–", households: v.households }), kb);
});

guardedCallback(volunteerHandlers, RL.match("sr"), "staff", async (ctx) => {
  const data = RL.parse("sr", ctx);
  const code = data ? SUSPEND_REASONS[data.reason] : undefined;
  const v = await areaVolunteer(ctx, data?.id ?? 0);
  if (!v) return;
  if (!code) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
    return;
  }
  await changeStatus(ctx, v, "suspended", code);
});

guardedCallback(volunteerHandlers, RL.match("r"), "staff", async (ctx) => {
  const v = await areaVolunteer(ctx, RL.parse("r", ctx)?.id ?? 0);
  if (!v) return;
  await ctx.answerCallbackQuery();
  if (v.status !== "suspended") {
    await showDetail(ctx, v);
    return;
  }
  const kb = new InlineKeyboard().text(ctx.t("field.btn_reactivate_yes"), RL.encode("ry", { id: v.id })).row().text(ctx.t("common.back"), RL.encode("v", { id: v.id }));
  await showTapped(ctx, ctx.t("field.reactivate_confirm", { name: v.name ?? "–" }), kb);
});

guardedCallback(volunteerHandlers, RL.match("ry"), "staff", async (ctx) => {
  const v = await areaVolunteer(ctx, RL.parse("ry", ctx)?.id ?? 0);
  if (!v) return;
  await changeStatus(ctx, v, "active", null);
});

/**
 * Suspends (with a reason) or reactivates a volunteer of the tapper's area: once (a second tap
 * or another coordinator changes nothing), audited, and the volunteer is told (job).
 */
async function changeStatus(ctx: BotContext, v: VolunteerRow, to: "active" | "suspended", reasonCode: (typeof SUSPEND_REASONS)[number] | null): Promise<void> {
  const area = await requireStaffArea(ctx);
  if (area === undefined) return;
  const volunteerLocale = (await ctx.db.selectFrom("users").select("locale").where("id", "=", v.id).executeTakeFirst())?.locale;
  const tVolunteer = ctx.deps.i18n.t(isLocale(volunteerLocale) ? volunteerLocale : ctx.deps.i18n.defaultLocale);
  const updated = await setVolunteerStatus(ctx.db, {
    area,
    volunteerId: v.id,
    to,
    reason: reasonCode ? { code: reasonCode, text: tVolunteer(`field.suspend_reason_${reasonCode}`) } : null,
    by: ctx.user!.id,
    now: ctx.deps.now(),
  });
  if (!updated) {
    await ctx.answerCallbackQuery({ text: ctx.t("field.volunteer_status_unchanged", { name: v.name ?? "–" }).slice(0, 200), show_alert: true });
    const fresh = await findAreaVolunteer(ctx.db, area, v.id);
    if (fresh) await showDetail(ctx, fresh);
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.deps.jobs.enqueue(ctx.db, VOLUNTEER_STATUS_JOB, { userId: v.id, kind: to === "active" ? "reactivated" : "suspended", by: ctx.user!.id });
  const fresh = (await findAreaVolunteer(ctx.db, area, v.id)) ?? v;
  await showDetail(ctx, fresh, ctx.t(to === "active" ? "field.volunteer_reactivated" : "field.volunteer_suspended", { name: v.name ?? "–" }));
}

guardedCallback(volunteerHandlers, RL.match("h"), "staff", async (ctx) => {
  const tap = RL.parse("h", ctx);
  const v = await areaVolunteer(ctx, tap?.id ?? 0);
  if (!v) return;
  await ctx.answerCallbackQuery();
  const area = await requireStaffArea(ctx);
  if (area === undefined) return;
  const base = ctx.db
    .selectFrom("households")
    .where("volunteer_id", "=", v.id)
    .where(inArea<"households">("households.village_code", area));
  const total = Number((await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(0, tap?.page ?? 0), pages - 1);
  const rows = await base
    .select(["id", "ref_code", "head_name", "status"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(PAGE_SIZE)
    .offset(p * PAGE_SIZE)
    .execute();
  const lines = rows.map((r, i) =>
    ctx.t("relawan.household_item", {
      n: p * PAGE_SIZE + i + 1,
      code: formatRefCode(r.ref_code),
      name: r.head_name,
      status: ctx.t(`vocab.status.${r.status}`),
    }),
  );
  const kb = new InlineKeyboard();
  rows.forEach((r, i) => {
    kb.text(`${p * PAGE_SIZE + i + 1}. ${formatRefCode(r.ref_code)}`, HH.encode("open", { id: r.id }));
    if (i % 2 === 1) kb.row();
  });
  kb.row();
  if (p > 0) kb.text(ctx.t("common.prev_page"), RL.encode("h", { id: v.id, page: p - 1 }));
  if (p < pages - 1) kb.text(ctx.t("common.next_page"), RL.encode("h", { id: v.id, page: p + 1 }));
  kb.row().text(ctx.t("relawan.btn_reassign"), RL.encode("mv", { id: v.id })).row().text(ctx.t("common.back"), RL.encode("v", { id: v.id }));
  const text = `${ctx.t("relawan.households_of", { name: v.name ?? "–", total })}\n\n${lines.join("\n") || ctx.t("relawan.no_households")}\n\n${ctx.t("common.page", { page: p + 1, pages })}`;
  await showTapped(ctx, text, kb);
});

guardedCallback(volunteerHandlers, RL.match("mv"), "staff", async (ctx) => {
  const v = await areaVolunteer(ctx, RL.parse("mv", ctx)?.id ?? 0);
  if (!v) return;
  await enterFlowFromButton(ctx, REASSIGN_FLOW, { from: v.id } satisfies ReassignArgs);
});

/** On a household card, for the area's staff: move the household to another volunteer. */
/** The card's "move to another volunteer" button (area staff). */
export const reassignCardAction: CardActionProvider = (ctx, h) =>
  isStaffFor(ctx.user, h) && !h.anonymized_at ? [{ label: ctx.t("relawan.action_reassign"), data: RL.encode("hm", { id: h.id }) }] : [];

guardedCallback(volunteerHandlers, RL.match("hm"), "staff", async (ctx) => {
  const h = await findVisibleHousehold(ctx.db, ctx.user!, RL.parse("hm", ctx)?.id ?? 0);
  if (!h || !isStaffFor(ctx.user, h) || h.anonymized_at) {
    await ctx.answerCallbackQuery({ text: ctx.t("access.not_yours"), show_alert: true });
    return;
  }
  await enterFlowFromButton(ctx, REASSIGN_FLOW, { from: h.volunteer_id, householdIds: [h.id] } satisfies ReassignArgs);
});

const MAX_CODES = 15;

/** Tells both volunteers about a move (after it was saved), each in their language. */
const reassignPayload = z.object({ fromId: z.number().int(), toId: z.number().int(), householdIds: z.array(z.number().int()) });
export const reassignNotifyJob = defineJob("reassign-notify", reassignPayload, async ({ deps, api, log }, payload) => {
  const ids = Array.isArray(payload.householdIds) ? payload.householdIds.map(Number).filter(Number.isInteger) : [];
  if (ids.length === 0) return;
  const households = await deps.db.selectFrom("households").select(["ref_code"]).where("id", "in", ids).orderBy("ref_code").execute();
  const codes = households.map((h) => formatRefCode(h.ref_code));
  const users = await deps.db
    .selectFrom("users")
    .selectAll()
    .where("id", "in", [Number(payload.fromId ?? -1), Number(payload.toId ?? -1)])
    .execute();
  const from = users.find((u) => u.id === Number(payload.fromId));
  const to = users.find((u) => u.id === Number(payload.toId));
  const list = (t: TFunction) =>
    codes.slice(0, MAX_CODES).join(", ") + (codes.length > MAX_CODES ? ` ${t("relawan.and_more", { count: codes.length - MAX_CODES })}` : "");
  const send = async (user: typeof from, key: string, params: Record<string, unknown>) => {
    if (!user) return;
    const t = deps.i18n.t(isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale);
    try {
      await api.sendMessage(user.telegram_id, t(key, { ...params, count: codes.length, codes: list(t) }), { parse_mode: "HTML" });
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 403) {
        await deps.db.updateTable("users").set({ unreachable_at: deps.now() }).where("id", "=", user.id).execute();
      } else {
        log.warn({ userId: user.id, err: err instanceof Error ? err.message : String(err) }, "could not tell a volunteer about a move");
      }
    }
  };
  await send(from, "relawan.notify_from", { to: to?.name ?? "–" });
  await send(to, "relawan.notify_to", { from: from?.name ?? "–" });
});

export const VOLUNTEER_STATUS_JOB = "volunteer-status-notify";

/** Tells a volunteer that a coordinator suspended (with the reason) or reactivated them, and updates their command menu. */
export const volunteerStatusNotifyJob = defineJob(
  VOLUNTEER_STATUS_JOB,
  z.object({ userId: z.number().int(), kind: z.enum(["suspended", "reactivated"]), by: z.number().int() }),
  async ({ deps, api, log }, payload) => {
    const user = await findUserById(deps.db, payload.userId);
    if (!user) return;
    const by = await findUserById(deps.db, payload.by);
    const t = deps.i18n.t(isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale);
    const text =
      payload.kind === "suspended"
        ? t("field.notify_volunteer_suspended", { name: by?.name ?? "–", reason: user.status_reason ?? "–" })
        : t("field.notify_volunteer_reactivated", { name: by?.name ?? "–" });
    try {
      await api.sendMessage(user.telegram_id, text, { parse_mode: "HTML" });
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 403) {
        await deps.db.updateTable("users").set({ unreachable_at: deps.now() }).where("id", "=", user.id).execute();
      } else {
        log.warn({ userId: user.id, err: err instanceof Error ? err.message : String(err) }, "could not tell a volunteer about their account");
      }
    }
    await syncUserCommands(api, deps, user).catch((err) => log.warn({ err: (err as Error).message }, "could not update the command menu"));
  },
);
