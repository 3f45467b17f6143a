/**
 * /koordinator → "Ubah wilayah": an admin (anywhere) or a coordinator (strictly inside their
 * own area) gives a coordinator another working area (a regency, district or village).
 * The change is audited and the coordinator is told.
 */
import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { withDb } from "../kit/ask.js";
import { pickRegion } from "../kit/region-picker.js";
import { hasAccess, isWithinArea } from "../../domain/access.js";
import { findManagedCoordinator } from "../../db/queries/coordinator.js";
import { regionLabel } from "../../db/queries/regions.js";
import { audit } from "../../db/queries/audit.js";
import { updateUser } from "../../db/queries/users.js";

export const COORDINATOR_AREA_FLOW = "coordinator-area";

export interface CoordinatorAreaArgs {
  coordinatorId: number;
}

async function coordinatorArea(conversation: Convo, ctx: FlowContext, args?: CoordinatorAreaArgs): Promise<void> {
  const t = ctx.t;
  const targetId = Number(args?.coordinatorId);
  const start = await withDb(conversation, async (db, _deps, octx) => {
    const actor = octx.user;
    if (!actor || !hasAccess(actor, "staff") || !Number.isInteger(targetId)) return null;
    const target = await findManagedCoordinator(db, actor, targetId);
    if (!target) return null;
    return {
      within: actor.role === "admin" ? null : actor.area_code,
      strictly: actor.role !== "admin",
      name: target.name ?? "–",
      current: target.area_code,
      currentLabel: target.area_code ? ((await regionLabel(db, target.area_code, { full: false })) ?? target.area_code) : "–",
    };
  });
  if (!start) {
    await ctx.reply(t("koordinator.not_managed"));
    return;
  }
  const picked = await pickRegion(conversation, ctx, {
    level: "coordinator-area",
    within: start.within,
    strictlyInside: start.strictly,
    prompt: t("koordinator.ask_area", { name: start.name, current: start.currentLabel }),
  });
  if (picked.kind === "back") {
    await picked.ctx.reply(t("koordinator.area_unchanged"));
    return;
  }
  const code = picked.value;
  const result = await withDb(conversation, async (db, deps, octx) => {
    const actor = octx.user;
    if (!actor || !hasAccess(actor, "staff")) return "denied" as const;
    const target = await findManagedCoordinator(db, actor, targetId);
    if (!target) return "denied" as const;
    // The new area must lie in the actor's (strictly inside for coordinators).
    if (actor.role !== "admin" && (!actor.area_code || code === actor.area_code || !isWithinArea(code, actor.area_code))) return "denied" as const;
    if (target.area_code === code) return "same" as const;
    await updateUser(db, target.id, { area_code: code });
    await audit(db, {
      actorId: actor.id,
      action: "coordinator.area_changed",
      entity: "user",
      entityId: target.id,
      details: { from: target.area_code, to: code },
    });
    await deps.jobs.enqueue(db, "coordinator-notify", { userId: target.id, kind: "area_changed" });
    return "ok" as const;
  });
  const c = picked.ctx;
  if (result === "denied") await c.reply(t("koordinator.not_managed"));
  else if (result === "same") await c.reply(t("koordinator.area_same", { area: picked.label }));
  else await c.reply(t("koordinator.area_changed", { name: start.name, area: picked.label }));
}

export const coordinatorAreaFlow: FlowDefinition = { id: COORDINATOR_AREA_FLOW, builder: coordinatorArea };
