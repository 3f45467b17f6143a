import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { guardedCallback, guardedCommand } from "../commands/registry.js";
import { isMonth, monthOf, parseMonthInput } from "../../domain/fieldwork/targets.js";
import { decodeFw } from "../../ui/fieldwork/callback-data.js";
import { renderPlanGroup, showInPlace, showPlan, startPostpone } from "./plan.js";
import { answerLocation } from "./plausibility.js";
import { showTargets, startSetTarget } from "./targets.js";
import { reportCommand, requestReport, showMonthPicker, showWhoPicker } from "./report.js";
import { userZone } from "./common.js";
import { localDate } from "../../domain/visit.js";

export const fieldworkHandlers = new Composer<BotContext>();

const argOf = (ctx: BotContext) => (typeof ctx.match === "string" ? ctx.match.trim().slice(0, 40) : "");

// Every command here works in private chats only (the registry's default) and checks the
// role; each handler then checks the area or ownership of what it shows.

guardedCommand(fieldworkHandlers, "rencana", async (ctx) => {
  await showPlan(ctx);
});

guardedCommand(fieldworkHandlers, "target", async (ctx) => {
  const arg = argOf(ctx);
  if (arg === "") {
    await showTargets(ctx, null);
    return;
  }
  const zone = await userZone(ctx.db, ctx.user!);
  const month = parseMonthInput(arg, monthOf(localDate(ctx.deps.now(), zone.tz)));
  if (!month) {
    await ctx.reply(ctx.t("fieldwork.target_month_invalid"));
    return;
  }
  await showTargets(ctx, month);
});

guardedCommand(fieldworkHandlers, "laporan", async (ctx) => {
  await reportCommand(ctx, argOf(ctx));
});

/**
 * Every "fw:" button. The access level here is the lowest any of them needs (field work);
 * each action checks the rest itself: the plan only ever shows the tapper's own households,
 * "Tunda" and the location answer check ownership, targets and area reports need staff
 * scope, and a report's subject is resolved from the tapper's scope, never from the data.
 */
guardedCallback(fieldworkHandlers, /^fw:/, "volunteer", async (ctx) => {
  const action = decodeFw(ctx.callbackQuery?.data ?? "");
  if (!action) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.button_expired").slice(0, 200) });
    return;
  }
  switch (action.k) {
    case "plan":
      await ctx.answerCallbackQuery();
      await showPlan(ctx);
      return;
    case "group":
      await ctx.answerCallbackQuery();
      await showInPlace(ctx, await renderPlanGroup(ctx, action));
      return;
    case "postpone":
      await startPostpone(ctx, action.householdId);
      return;
    case "location":
      await answerLocation(ctx, action.visitId, action.update);
      return;
    case "targets":
      await showTargets(ctx, isMonth(action.month) ? action.month : null);
      return;
    case "setTarget":
      await startSetTarget(ctx, action.month);
      return;
    case "reportWho":
      await showWhoPicker(ctx, action.page);
      return;
    case "reportMonth":
      await showMonthPicker(ctx, action.subject);
      return;
    case "report":
      await requestReport(ctx, action.subject, action.month);
      return;
  }
});
