import type { BotContext } from "./context.js";
import { HOUSEHOLD_REGISTRATION } from "../flows/household-registration.js";
import { HOUSEHOLD_EDIT } from "../flows/household-edit.js";
import { VISIT_REPORT } from "../flows/visit-report.js";
import { REGISTER_FLOW } from "../flows/onboarding/register.js";

/**
 * The flows built on the form kit, with the i18n key naming each ("data keluarga baru").
 * /batal is handed to them (they ask first when they have answers). Read at call time (the
 * flow modules import bot code too).
 */
export function formFlowLabel(id: string): string | undefined {
  const labels: Record<string, string> = {
    [HOUSEHOLD_REGISTRATION]: "form.flow_household_registration",
    [HOUSEHOLD_EDIT]: "form.flow_household_edit",
    [VISIT_REPORT]: "form.flow_visit",
    [REGISTER_FLOW]: "form.flow_volunteer",
  };
  return labels[id];
}

/**
 * Starts a flow from a button. While another flow is running in the chat, a tap on an older
 * message's button reaches the bot's handlers (flows pass foreign buttons on): entering a
 * second flow then would fail, so the person is asked to finish or cancel the first one
 * (named, when it is a form). Answers the callback query either way — the caller must not
 * have answered it.
 */
export async function enterFlowFromButton(ctx: BotContext, id: string, ...args: unknown[]): Promise<boolean> {
  const active = Object.keys(ctx.conversation.active());
  if (active.length > 0) {
    const label = active.map(formFlowLabel).find((l) => l !== undefined);
    const text = label ? ctx.t("form.finish_first", { flow: ctx.t(label) }) : ctx.t("flow.finish_first");
    await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true });
    return false;
  }
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(id, ...args);
  return true;
}
