/**
 * /undang: a coordinator or admin creates an invite link for volunteers or coordinators.
 * Steps: area (inside the inviter's own; for coordinator invites by a coordinator strictly
 * inside it) → how many people → how long → confirm → the link.
 */
import { createInvite } from "../../db/queries/onboarding.js";
import { regionLabel, regionTimezone } from "../../db/queries/regions.js";
import {
  DEFAULT_ZONE,
  INVITE_DAYS,
  INVITE_MAX_USES,
  canInvite,
  formatLocalDateTime,
  inviteLink,
  mayInviteCoordinators,
  type InviteRole,
} from "../../domain/onboarding.js";
import { ask, choiceKeyboard, flowData, withDb, type Parsed } from "../kit/ask.js";
import { pickRegion } from "../kit/region-picker.js";
import type { Convo, FlowContext } from "../kit/types.js";

export const INVITE_FLOW = "onboarding-invite";

export interface InviteArgs {
  role: InviteRole;
}

const DAY_MS = 24 * 60 * 60 * 1000;

type Step = "area" | "uses" | "days" | "confirm";

export async function inviteFlow(conversation: Convo, ctx: FlowContext, args?: InviteArgs): Promise<void> {
  const role: InviteRole = args?.role === "coordinator" ? "coordinator" : "volunteer";
  const t = ctx.t;
  const start = await withDb(conversation, async (db, _deps, octx) => {
    const user = octx.user;
    if (!user || !canInvite(user) || (role === "coordinator" && !mayInviteCoordinators(user))) return { ok: false as const };
    return {
      ok: true as const,
      area: user.role === "admin" ? null : user.area_code,
      areaLabel: user.role === "admin" || !user.area_code ? null : await regionLabel(db, user.area_code, { full: false }),
    };
  });
  if (!start.ok) {
    await ctx.reply(t(role === "coordinator" ? "invite.no_coordinator_invites" : "access.staff_only"));
    return;
  }

  let area: { code: string; label: string } | null = null;
  let uses: number | null = null;
  let days: number | null = null;
  let step: Step = "area";
  let cur: FlowContext = ctx;
  const roleName = t(role === "coordinator" ? "invite.role_coordinator" : "invite.role_volunteer");

  for (;;) {
    if (step === "area") {
      const prompt = t(role === "coordinator" ? "invite.ask_area_coordinator" : "invite.ask_area_volunteer", {
        own: start.areaLabel ?? t("invite.whole_country"),
      });
      const picked = await pickRegion(conversation, cur, {
        level: "coordinator-area",
        within: start.area,
        strictlyInside: role === "coordinator" && start.area !== null,
        defaultCode: role === "volunteer" ? (area?.code ?? start.area) : (area?.code ?? null),
        prompt,
      });
      cur = picked.ctx;
      if (picked.kind === "back") {
        await cur.reply(t("invite.cancelled"));
        return;
      }
      area = { code: picked.value, label: picked.label };
      step = "uses";
      continue;
    }

    if (step === "uses" || step === "days") {
      const options =
        step === "uses"
          ? INVITE_MAX_USES.map((n) => ({ label: t(`invite.uses_${n}`), data: `f:iu:${n}` }))
          : INVITE_DAYS.map((n) => ({ label: t(`invite.days_${n}`), data: `f:id:${n}` }));
      const valid = new Set(options.map((o) => o.data));
      const question = step === "uses" ? t("invite.ask_uses") : t("invite.ask_days");
      const via = cur;
      const a = await ask(conversation, {
        question: () => via.reply(question, { reply_markup: choiceKeyboard(options, { back: t("common.back"), columns: 3 }) }),
        parse: (c): Parsed<number> | undefined => {
          const data = flowData(c);
          return data !== undefined && valid.has(data) ? { ok: true, value: Number(data.slice(5)) } : undefined;
        },
        hintKey: "flow.use_buttons",
      });
      cur = a.ctx;
      if (step === "uses") {
        if (a.kind === "back") step = "area";
        else {
          uses = a.value;
          step = "days";
        }
      } else if (a.kind === "back") step = "uses";
      else {
        days = a.value;
        step = "confirm";
      }
      continue;
    }

    // Confirm.
    const via = cur;
    const summary = t("invite.summary", {
      role: roleName,
      area: area?.label ?? "",
      uses: t(`invite.uses_${uses ?? 1}`),
      days: t(`invite.days_${days ?? 1}`),
    });
    const a = await ask(conversation, {
      question: () =>
        via.reply(summary, {
          reply_markup: choiceKeyboard([{ label: t("invite.create"), data: "f:ic" }], { back: t("common.back") }),
        }),
      parse: (c): Parsed<true> | undefined => (flowData(c) === "f:ic" ? { ok: true, value: true } : undefined),
      hintKey: "flow.use_buttons",
    });
    cur = a.ctx;
    if (a.kind === "back") {
      step = "days";
      continue;
    }
    const chosen = area;
    if (!chosen || uses === null || days === null) {
      step = "area";
      continue;
    }
    const lifetimeDays = days;
    const maxUses = uses;
    const created = await withDb(conversation, async (db, deps, octx) => {
      if (!octx.user) return { ok: false as const };
      const now = deps.now();
      const r = await createInvite(db, deps.pii, {
        creatorId: octx.user.id,
        role,
        areaCode: chosen.code,
        maxUses,
        expiresAt: new Date(now.getTime() + lifetimeDays * DAY_MS),
        now,
      });
      if (!r.ok) return { ok: false as const };
      const zone = (await regionTimezone(db, chosen.code)) ?? DEFAULT_ZONE;
      return {
        ok: true as const,
        id: r.invite.id,
        link: inviteLink(octx.me.username, r.code),
        until: formatLocalDateTime(r.invite.expires_at, octx.locale, zone),
      };
    });
    if (!created.ok) {
      await cur.reply(t("invite.not_allowed_area"));
      return;
    }
    await cur.reply(
      t("invite.created", {
        id: created.id,
        role: roleName,
        area: chosen.label,
        link: created.link,
        uses: t(`invite.uses_${maxUses}`),
        until: created.until,
      }),
      { link_preview_options: { is_disabled: true } },
    );
    return;
  }
}
