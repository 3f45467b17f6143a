/**
 * /profil changes: the user's own name or phone number (saved at once), or — for volunteers —
 * a move to another village, which a coordinator of that village must approve. Until then
 * the volunteer keeps working in their current village.
 */
import { requestAreaChange, updateOwnContact } from "../../db/queries/onboarding.js";
import { regionLabel } from "../../db/queries/regions.js";
import { ask, choiceKeyboard, flowData, withDb, type Parsed } from "../kit/ask.js";
import { pickRegion } from "../kit/region-picker.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { askName, askPhone } from "./steps.js";

export const PROFILE_FLOW = "onboarding-profile";

export type ProfileField = "name" | "phone" | "area";

export interface ProfileArgs {
  field: ProfileField;
}

export async function profileFlow(conversation: Convo, ctx: FlowContext, args?: ProfileArgs): Promise<void> {
  const field: ProfileField = args?.field === "phone" || args?.field === "area" ? args.field : "name";
  const t = ctx.t;
  const start = await withDb(conversation, async (db, _deps, octx) => {
    const user = octx.user;
    const registered = user && user.status === "active" && (user.role === "volunteer" || user.role === "coordinator" || user.role === "admin");
    if (!user || !registered || (field === "area" && user.role !== "volunteer")) return { ok: false as const };
    return {
      ok: true as const,
      name: user.name,
      phone: user.phone,
      area: user.area_code,
      areaLabel: user.area_code ? await regionLabel(db, user.area_code, { full: false }) : null,
    };
  });
  if (!start.ok) {
    await ctx.reply(t("profile.not_allowed"));
    return;
  }

  if (field === "name" || field === "phone") {
    const a =
      field === "name"
        ? await askName(conversation, ctx, { current: start.name, back: true })
        : await askPhone(conversation, ctx, { current: start.phone, back: true });
    if (a.kind === "back") {
      await a.ctx.reply(t("profile.unchanged"));
      return;
    }
    const value = a.value;
    await withDb(conversation, async (db, _deps, octx) => {
      if (!octx.user) return false;
      await updateOwnContact(db, octx.user.id, field === "name" ? { name: value } : { phone: value });
      return true;
    });
    await a.ctx.reply(t(field === "name" ? "profile.saved_name" : "profile.saved_phone", { value }));
    return;
  }

  // A move to another village.
  const picked = await pickRegion(conversation, ctx, {
    level: 4,
    prompt: t("profile.ask_village", { current: start.areaLabel ?? "-" }),
  });
  if (picked.kind === "back") {
    await picked.ctx.reply(t("profile.unchanged"));
    return;
  }
  if (picked.value === start.area) {
    await picked.ctx.reply(t("profile.same_village"));
    return;
  }
  const via = picked.ctx;
  const confirm = await ask(conversation, {
    question: () =>
      via.reply(t("profile.confirm_move", { from: start.areaLabel ?? "-", to: picked.label }), {
        reply_markup: choiceKeyboard([{ label: t("profile.send_move"), data: "f:pm" }], { back: t("profile.cancel_move") }),
      }),
    parse: (c): Parsed<true> | undefined => (flowData(c) === "f:pm" ? { ok: true, value: true } : undefined),
    hintKey: "flow.use_buttons",
  });
  if (confirm.kind === "back") {
    await confirm.ctx.reply(t("profile.unchanged"));
    return;
  }
  const village = picked.value;
  const result = await withDb(conversation, async (db, deps, octx) => {
    if (!octx.user) return { ok: false as const, reason: "not_active_volunteer" };
    const r = await requestAreaChange(db, octx.user.id, village, deps.now());
    return r.ok ? { ok: true as const } : { ok: false as const, reason: r.reason };
  });
  await confirm.ctx.reply(result.ok ? t("profile.move_requested", { to: picked.label }) : t(`profile.move_${result.reason}`));
}
