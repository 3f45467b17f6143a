/**
 * Volunteer registration, and joining through an invite link.
 *
 * Steps: full name → own phone number (share-contact button or typed) → village (typed or
 * browsed, see the region picker) → review screen where any field can be changed → submit.
 * - Without an invite the volunteer becomes `pending` and the coordinators of the village
 *   (and the admins) are asked to decide.
 * - With a volunteer invite the village is inside the invite's area (fixed when the invite is
 *   for one village) and the volunteer is active at once.
 * - With a coordinator invite there is no village step: the person becomes coordinator of
 *   the invite's area.
 * A pending volunteer who enters again edits and resubmits their application; a rejected one
 * applies anew. Fields already known are prefilled and the flow opens on the review screen.
 */
import { Keyboard } from "grammy";
import { findInviteById, inviteProblem, joinWithInvite, submitRegistration } from "../../db/queries/onboarding.js";
import { regionLabel } from "../../db/queries/regions.js";
import { applyBlock, joinBlock } from "../../domain/onboarding.js";
import { isWithinArea, regionLevel } from "../../domain/region-names.js";
import { withDb } from "../kit/ask.js";
import { custom, field, runForm, type FormIO, type ReviewScreen, type SaveOutcome, type Step } from "../kit/form.js";
import { pickRegion } from "../kit/region-picker.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { nameQuestion, phoneQuestion } from "./steps.js";

export const REGISTER_FLOW = "onboarding-register";

/** Arguments of {@link REGISTER_FLOW} (JSON). */
export interface RegisterArgs {
  inviteId?: number;
}

interface InviteView {
  id: number;
  role: "volunteer" | "coordinator";
  areaCode: string;
  areaLabel: string;
  inviterName: string;
}

interface Known {
  name: string | null;
  phone: string | null;
  village: string | null;
  villageLabel: string | null;
}

/** What the form holds (plain JSON). */
interface Draft extends Known {
  /** The invite being used; null once it stopped working (then it is a normal application). */
  invite: InviteView | null;
}

type Start =
  | { ok: false; message: string }
  | { ok: true; invite: InviteView | null; draft: Known; state: "new" | "pending" | "rejected" | "other" };

/** A village is asked unless the invite fixes it (one village) or makes a coordinator. */
function needsVillage(d: Draft): boolean {
  return !(d.invite?.role === "coordinator") && !(d.invite && regionLevel(d.invite.areaCode) === 4);
}

const steps: Step<Draft>[] = [
  field<Draft, string | null>("name", {
    label: "form.step_name",
    missing: (d) => !d.name,
    question: (d, c, view) => nameQuestion(c, { current: d.name, back: view.mode === "edit" || !view.first }),
    set: (d, name) => ({ ...d, name: name ?? d.name }),
  }),
  field<Draft, string>("phone", {
    label: "form.step_phone",
    missing: (d) => !d.phone,
    question: (d, c) => phoneQuestion(c, { current: d.phone, back: true }),
    set: (d, phone) => ({ ...d, phone }),
  }),
  custom<Draft, { code: string; label: string }>("village", {
    label: "form.step_work_village",
    applies: needsVillage,
    missing: (d) => !d.village,
    run: async (io, d) => {
      const picked = await pickRegion(io.conversation, io.ctx, {
        level: 4,
        within: d.invite?.role === "volunteer" ? d.invite.areaCode : null,
        defaultCode: d.village,
        prompt: io.ctx.t("onboarding.ask_village"),
      });
      return picked.kind === "back" ? picked : { kind: "value", value: { code: picked.value, label: picked.label } };
    },
    set: (d, v) => ({ ...d, village: v.code, villageLabel: v.label }),
  }),
];

function review(d: Draft, c: FlowContext): ReviewScreen {
  const t = c.t;
  const invite = d.invite;
  const text = [
    t("onboarding.review_title"),
    "",
    t("onboarding.review_name", { value: d.name ?? "-" }),
    t("onboarding.review_phone", { value: d.phone ?? "-" }),
    invite?.role === "coordinator"
      ? t("onboarding.review_coordinator_area", { value: invite.areaLabel })
      : t("onboarding.review_village", { value: d.villageLabel ?? "-" }),
    t(invite?.role === "coordinator" ? "onboarding.review_role_coordinator" : "onboarding.review_role_volunteer"),
    "",
    t(invite ? "onboarding.review_hint_invite" : "onboarding.review_hint"),
  ].join("\n");
  const edits = [
    { id: "name", label: t("onboarding.edit_name") },
    { id: "phone", label: t("onboarding.edit_phone") },
    ...(needsVillage(d) ? [{ id: "village", label: t("onboarding.edit_village") }] : []),
  ];
  return { text, edits, save: t(invite ? "onboarding.join_now" : "onboarding.submit"), columns: 1, hint: t("onboarding.review_use_buttons") };
}

/** Joins through the invite, or sends the application; a problem sends the person back where it can be fixed. */
async function submit(io: FormIO, d: Draft): Promise<SaveOutcome<Draft>> {
  const c = io.ctx;
  const t = c.t;
  const name = d.name ?? "";
  const phone = d.phone ?? "";
  if (d.invite) {
    const inv = d.invite;
    const joined = await withDb(io.conversation, async (db, deps, octx) => {
      if (!octx.user) return { ok: false as const, reason: "unknown_user" };
      const r = await joinWithInvite(db, {
        userId: octx.user.id,
        inviteId: inv.id,
        name,
        phone,
        villageCode: inv.role === "volunteer" ? d.village : null,
        now: deps.now(),
      });
      if (!r.ok) return { ok: false as const, reason: r.reason };
      return { ok: true as const, role: r.role, area: (await regionLabel(db, r.areaCode, { full: false })) ?? r.areaCode };
    });
    if (joined.ok) {
      await c.reply(t(joined.role === "coordinator" ? "onboarding.joined_coordinator" : "onboarding.joined_volunteer", { area: joined.area }), {
        reply_markup: { remove_keyboard: true },
      });
      return { kind: "done" };
    }
    if (joined.reason === "bad_village") return { kind: "step", step: "village", draft: { ...d, village: null, villageLabel: null } };
    const isInviteProblem = ["unknown", "revoked", "expired", "used_up", "inviter_inactive"].includes(joined.reason);
    if (isInviteProblem && inv.role === "volunteer" && d.village) {
      // The invite stopped working while they were typing: nothing is lost, they can apply normally.
      await c.reply(`${t(`invite.problem_${joined.reason}`)}\n\n${t("onboarding.invite_gone_apply")}`);
      return { kind: "review", draft: { ...d, invite: null } };
    }
    await c.reply(t(isInviteProblem ? `invite.problem_${joined.reason}` : `onboarding.block_${joined.reason}`));
    return { kind: "done" };
  }
  const village = d.village ?? "";
  const submitted = await withDb(io.conversation, async (db, deps, octx) => {
    if (!octx.user) return { ok: false as const, reason: "unknown_user" };
    const r = await submitRegistration(db, octx.user.id, { name, phone, villageCode: village }, deps.now());
    return r.ok ? { ok: true as const, resubmitted: r.resubmitted } : { ok: false as const, reason: r.reason };
  });
  if (!submitted.ok) {
    if (submitted.reason === "bad_village") return { kind: "step", step: "village", draft: { ...d, village: null, villageLabel: null } };
    await c.reply(t(`onboarding.block_${submitted.reason}`));
    return { kind: "done" };
  }
  await c.reply(t(submitted.resubmitted ? "onboarding.resubmitted" : "onboarding.submitted", { area: d.villageLabel ?? "" }), {
    reply_markup: new Keyboard().text(t("mystatus.button")).resized().persistent(),
  });
  return { kind: "done" };
}

export async function registerFlow(conversation: Convo, ctx: FlowContext, args?: RegisterArgs): Promise<void> {
  const inviteId = typeof args?.inviteId === "number" ? args.inviteId : null;
  const t = ctx.t;

  const start = await withDb(conversation, async (db, deps, octx): Promise<Start> => {
    const user = octx.user;
    if (!user) return { ok: false, message: "onboarding.block_unknown_user" };
    let invite: InviteView | null = null;
    if (inviteId !== null) {
      const info = await findInviteById(db, inviteId);
      if (!info) return { ok: false, message: "invite.problem_unknown" };
      const problem = inviteProblem(info, deps.now());
      if (problem) return { ok: false, message: `invite.problem_${problem}` };
      const block = joinBlock(user, info.invite.role);
      if (block) return { ok: false, message: `onboarding.block_${block}` };
      invite = {
        id: info.invite.id,
        role: info.invite.role,
        areaCode: info.invite.area_code,
        areaLabel: (await regionLabel(db, info.invite.area_code, { full: false })) ?? info.invite.area_code,
        inviterName: info.inviter.name ?? "-",
      };
    } else {
      const block = applyBlock(user);
      if (block) return { ok: false, message: `onboarding.block_${block}` };
    }
    // Prefill what we know: a volunteer's village only where it is still a valid choice.
    const village =
      user.role === "volunteer" && user.area_code && regionLevel(user.area_code) === 4 && (!invite || isWithinArea(user.area_code, invite.areaCode))
        ? user.area_code
        : null;
    return {
      ok: true,
      invite,
      state: user.role === "beneficiary" ? "new" : user.role === "volunteer" && user.status === "pending" ? "pending" : user.role === "volunteer" && user.status === "rejected" ? "rejected" : "other",
      draft: {
        name: user.name,
        phone: user.phone,
        village,
        villageLabel: village ? await regionLabel(db, village, { full: false }) : null,
      },
    };
  });
  if (!start.ok) {
    await ctx.reply(t(start.message));
    return;
  }

  const draft: Draft = { ...start.draft, invite: start.invite };
  // A volunteer invite for one village fixes the village.
  const invite = start.invite;
  if (invite && invite.role === "volunteer" && regionLevel(invite.areaCode) === 4) {
    draft.village = invite.areaCode;
    draft.villageLabel = invite.areaLabel;
  }

  // The intro also takes away the "status" reply keyboard a pending volunteer may still have.
  const noKeyboard = { reply_markup: { remove_keyboard: true as const } };
  if (invite) {
    await ctx.reply(
      t(invite.role === "coordinator" ? "onboarding.intro_invite_coordinator" : "onboarding.intro_invite_volunteer", {
        inviter: invite.inviterName,
        area: invite.areaLabel,
      }),
      noKeyboard,
    );
  } else {
    const intro = start.state === "pending" ? "onboarding.intro_edit" : start.state === "rejected" ? "onboarding.intro_reapply" : "onboarding.intro";
    await ctx.reply(t(intro), noKeyboard);
  }

  // Opens at the first field still unknown, or at the review when everything is known.
  const first = !draft.name ? "name" : !draft.phone ? "phone" : needsVillage(draft) && !draft.village ? "village" : "review";
  await runForm(conversation, ctx, { id: REGISTER_FLOW, flow: "form.flow_volunteer", steps, start: first, review, save: submit }, draft);
}
