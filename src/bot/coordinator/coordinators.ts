import { z } from "zod";
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { enterFlowFromButton } from "../flow-entry.js";
import { sql } from "kysely";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { defineJob } from "../jobs.js";
import { syncUserCommands } from "../commands/menu.js";
import { COORDINATOR_AREA_FLOW, type CoordinatorAreaArgs } from "../../flows/coordinator/index.js";
import { findManagedCoordinator, listCoordinators, managedCoordinators } from "../../db/queries/coordinator.js";
import { regionLabel } from "../../db/queries/regions.js";
import { findUserById } from "../../db/queries/users.js";
import { audit } from "../../db/queries/audit.js";
import { isLocale } from "../../i18n.js";
import type { User } from "../../db/schema.js";
import { areaName, showTapped, staffArea, zoneOf } from "./common.js";
import { ago } from "./volunteers.js";
import { KO } from "../../ui/coordinator/callback-data.js";

export const coordinatorHandlers = new Composer<BotContext>();

const PAGE_SIZE = 8;

async function areaLabel(ctx: BotContext, code: string | null): Promise<string> {
  if (!code) return "–";
  return (await regionLabel(ctx.db, code, { full: false })) ?? code;
}

async function showList(ctx: BotContext, page: number, edit: boolean): Promise<void> {
  const user = ctx.user!;
  const now = ctx.deps.now();
  const first = await listCoordinators(ctx.db, user, { limit: PAGE_SIZE, offset: 0, now });
  const pages = Math.max(1, Math.ceil(first.total / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const { rows, total } = p === 0 ? first : await listCoordinators(ctx.db, user, { limit: PAGE_SIZE, offset: p * PAGE_SIZE, now });
  const header = ctx.t(user.role === "admin" ? "koordinator.header_admin" : "koordinator.header", {
    area: await areaName(ctx, staffArea(user)),
    total,
  });
  if (total === 0) {
    const text = `${header}\n\n${ctx.t("koordinator.none")}`;
    if (edit) await showTapped(ctx, text);
    else await ctx.reply(text);
    return;
  }
  const lines: string[] = [];
  const kb = new InlineKeyboard();
  for (const [i, c] of rows.entries()) {
    const n = p * PAGE_SIZE + i + 1;
    const zone = await zoneOf(ctx.db, c.area_code);
    lines.push(
      ctx.t("koordinator.item", {
        n,
        name: c.name ?? "–",
        area: await areaLabel(ctx, c.area_code),
        last: ago(ctx.t, c.last_active_at, now, zone, ctx.locale),
        broadcasts: c.broadcasts30,
        suspended: c.status === "suspended" ? ctx.t("koordinator.suspended_mark") : "",
      }),
    );
    kb.text(`${n}. ${c.name ?? "–"}`.slice(0, 40), KO.encode("c", { id: c.id }));
    if (i % 2 === 1) kb.row();
  }
  kb.row();
  if (p > 0) kb.text(ctx.t("common.prev_page"), KO.encode("p", { page: p - 1 }));
  if (p < pages - 1) kb.text(ctx.t("common.next_page"), KO.encode("p", { page: p + 1 }));
  const text = `${header}\n\n${lines.join("\n")}\n\n${ctx.t("common.page", { page: p + 1, pages })}`;
  if (edit) await showTapped(ctx, text, kb);
  else await ctx.reply(text, { reply_markup: kb });
}

guardedCommand(coordinatorHandlers, "koordinator", async (ctx) => {
  if (ctx.user!.role === "coordinator" && !ctx.user!.area_code) {
    await ctx.reply(ctx.t("koordinator.no_area"));
    return;
  }
  await showList(ctx, 0, false);
});

guardedCallback(coordinatorHandlers, KO.match("p"), "staff", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showList(ctx, KO.parse("p", ctx)?.page ?? 0, true);
});

/** The coordinator if the tapping user manages them (re-checked on every tap). */
async function managed(ctx: BotContext, id: number | undefined): Promise<User | undefined> {
  const c = id === undefined ? undefined : await findManagedCoordinator(ctx.db, ctx.user!, id);
  if (!c) await ctx.answerCallbackQuery({ text: ctx.t("koordinator.not_managed").slice(0, 200), show_alert: true });
  return c;
}

async function showDetail(ctx: BotContext, c: User, note?: string): Promise<void> {
  const zone = await zoneOf(ctx.db, c.area_code);
  const text = ctx.t("koordinator.detail", {
    name: c.name ?? "–",
    area: await areaLabel(ctx, c.area_code),
    status: ctx.t(c.status === "suspended" ? "koordinator.status_suspended" : "koordinator.status_active"),
    last: ago(ctx.t, c.last_active_at, ctx.deps.now(), zone, ctx.locale),
  });
  const kb = new InlineKeyboard();
  if (c.status === "active") kb.text(ctx.t("koordinator.btn_suspend"), KO.encode("s", { id: c.id })).row();
  else kb.text(ctx.t("koordinator.btn_reactivate"), KO.encode("r", { id: c.id })).row();
  kb.text(ctx.t("koordinator.btn_area"), KO.encode("a", { id: c.id })).row();
  kb.text(ctx.t("koordinator.btn_list"), KO.encode("p", { page: 0 }));
  await showTapped(ctx, note ? `${note}\n\n${text}` : text, kb);
}

guardedCallback(coordinatorHandlers, KO.match("c"), "staff", async (ctx) => {
  const c = await managed(ctx, KO.parse("c", ctx)?.id);
  if (!c) return;
  await ctx.answerCallbackQuery();
  await showDetail(ctx, c);
});

guardedCallback(coordinatorHandlers, KO.match("s"), "staff", async (ctx) => {
  const c = await managed(ctx, KO.parse("s", ctx)?.id);
  if (!c) return;
  await ctx.answerCallbackQuery();
  const kb = new InlineKeyboard().text(ctx.t("koordinator.btn_suspend_yes"), KO.encode("sy", { id: c.id })).row().text(ctx.t("common.back"), KO.encode("c", { id: c.id }));
  await showTapped(ctx, ctx.t("koordinator.suspend_confirm", { name: c.name ?? "–" }), kb);
});

/** Suspends or reactivates: a conditional update (a second tap changes nothing), audited, the coordinator is told. */
async function setStatus(ctx: BotContext, id: number | undefined, to: "active" | "suspended"): Promise<void> {
  const c = await managed(ctx, id);
  if (!c) return;
  const from = to === "active" ? "suspended" : "active";
  const actor = ctx.user!;
  const updated = await ctx.db
    .updateTable("users")
    .set({ status: to, decided_by: actor.id, decided_at: ctx.deps.now(), updated_at: ctx.deps.now() })
    .where("id", "=", c.id)
    .where("status", "=", from)
    .where(managedCoordinators(actor))
    .returningAll()
    .executeTakeFirst();
  if (!updated) {
    await ctx.answerCallbackQuery({ text: ctx.t("koordinator.already", { status: ctx.t(`koordinator.status_${c.status}`) }).slice(0, 200) });
    await showDetail(ctx, c);
    return;
  }
  await ctx.answerCallbackQuery();
  await audit(ctx.db, {
    actorId: actor.id,
    action: to === "active" ? "coordinator.reactivated" : "coordinator.suspended",
    entity: "user",
    entityId: c.id,
    details: { area: c.area_code },
  });
  await ctx.deps.jobs.enqueue(ctx.db, "coordinator-notify", { userId: c.id, kind: to === "active" ? "reactivated" : "suspended" });
  await showDetail(ctx, updated, ctx.t(to === "active" ? "koordinator.reactivated" : "koordinator.suspended", { name: c.name ?? "–" }));
}

guardedCallback(coordinatorHandlers, KO.match("sy"), "staff", async (ctx) => {
  await setStatus(ctx, KO.parse("sy", ctx)?.id, "suspended");
});

guardedCallback(coordinatorHandlers, KO.match("r"), "staff", async (ctx) => {
  await setStatus(ctx, KO.parse("r", ctx)?.id, "active");
});

guardedCallback(coordinatorHandlers, KO.match("a"), "staff", async (ctx) => {
  const c = await managed(ctx, KO.parse("a", ctx)?.id);
  if (!c) return;
  await enterFlowFromButton(ctx, COORDINATOR_AREA_FLOW, { coordinatorId: c.id } satisfies CoordinatorAreaArgs);
});

const NOTICE_KINDS = ["suspended", "reactivated", "area_changed"] as const;

/** Tells a coordinator that their account or area changed, and refreshes their command menu. */
const coordinatorNotifyPayload = z.object({ userId: z.number().int(), kind: z.string() });
export const coordinatorNotifyJob = defineJob("coordinator-notify", coordinatorNotifyPayload, async ({ deps, api, log }, payload) => {
  const kind = String(payload.kind);
  if (!(NOTICE_KINDS as readonly string[]).includes(kind)) return;
  const user = await findUserById(deps.db, Number(payload.userId));
  if (!user) return;
  const t = deps.i18n.t(isLocale(user.locale) ? user.locale : deps.i18n.defaultLocale);
  const area = user.area_code ? ((await regionLabel(deps.db, user.area_code, { full: false })) ?? user.area_code) : "–";
  try {
    await api.sendMessage(user.telegram_id, t(`koordinator.notify_${kind}`, { area }), { parse_mode: "HTML" });
  } catch (err) {
    if (err instanceof GrammyError && err.error_code === 403) {
      await deps.db.updateTable("users").set({ unreachable_at: deps.now() }).where("id", "=", user.id).execute();
    } else {
      log.warn({ userId: user.id, err: err instanceof Error ? err.message : String(err) }, "could not tell a coordinator");
    }
  }
  await syncUserCommands(api, deps, user).catch((err) => log.warn({ err: (err as Error).message }, "could not update the command menu"));
});
