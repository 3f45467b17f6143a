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
import { InlineKeyboard, Keyboard } from "grammy";
import { findInviteById, inviteProblem, joinWithInvite, submitRegistration } from "../../db/queries/onboarding.js";
import { regionLabel } from "../../db/queries/regions.js";
import { applyBlock, joinBlock } from "../../domain/onboarding.js";
import { isWithinArea, regionLevel } from "../../domain/region-names.js";
import { ask, flowData, withDb, type Parsed } from "../kit/ask.js";
import { pickRegion } from "../kit/region-picker.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { askName, askPhone } from "./steps.js";

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

interface Draft {
  name: string | null;
  phone: string | null;
  village: string | null;
  villageLabel: string | null;
}

type Start =
  | { ok: false; message: string }
  | { ok: true; invite: InviteView | null; draft: Draft; state: "new" | "pending" | "rejected" | "other" };

type Step = "name" | "phone" | "village" | "review";

const REVIEW = {
  name: "f:rv:name",
  phone: "f:rv:phone",
  village: "f:rv:village",
  submit: "f:rv:submit",
} as const;

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

  let invite = start.invite;
  const draft: Draft = { ...start.draft };
  // A volunteer invite for one village fixes the village.
  const needsVillage = () => !(invite?.role === "coordinator") && !(invite && regionLevel(invite.areaCode) === 4);
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

  const missing = (): Step => {
    if (!draft.name) return "name";
    if (!draft.phone) return "phone";
    if (needsVillage() && !draft.village) return "village";
    return "review";
  };

  let step: Step = missing();
  // True while a field is changed from the review screen ("Kembali" returns there).
  let fromReview = false;
  let cur: FlowContext = ctx;
  for (;;) {
    if (step === "name") {
      const a = await askName(conversation, cur, { current: draft.name, back: fromReview });
      cur = a.ctx;
      if (a.kind === "value") draft.name = a.value;
      step = a.kind === "back" ? "review" : missing();
      fromReview = false;
      continue;
    }
    if (step === "phone") {
      const a = await askPhone(conversation, cur, { current: draft.phone, back: true });
      cur = a.ctx;
      if (a.kind === "value") draft.phone = a.value;
      step = a.kind === "value" ? missing() : fromReview ? "review" : "name";
      fromReview = false;
      continue;
    }
    if (step === "village") {
      const picked = await pickRegion(conversation, cur, {
        level: 4,
        within: invite?.role === "volunteer" ? invite.areaCode : null,
        defaultCode: draft.village,
        prompt: t("onboarding.ask_village"),
      });
      cur = picked.ctx;
      if (picked.kind === "value") {
        draft.village = picked.value;
        draft.villageLabel = picked.label;
      }
      step = picked.kind === "value" ? missing() : fromReview ? "review" : "phone";
      fromReview = false;
      continue;
    }

    // Review.
    const lines = [
      t("onboarding.review_title"),
      "",
      t("onboarding.review_name", { value: draft.name ?? "-" }),
      t("onboarding.review_phone", { value: draft.phone ?? "-" }),
      invite?.role === "coordinator"
        ? t("onboarding.review_coordinator_area", { value: invite.areaLabel })
        : t("onboarding.review_village", { value: draft.villageLabel ?? "-" }),
      t(invite?.role === "coordinator" ? "onboarding.review_role_coordinator" : "onboarding.review_role_volunteer"),
      "",
      t(invite ? "onboarding.review_hint_invite" : "onboarding.review_hint"),
    ];
    const kb = new InlineKeyboard()
      .text(t("onboarding.edit_name"), REVIEW.name)
      .row()
      .text(t("onboarding.edit_phone"), REVIEW.phone)
      .row();
    if (needsVillage()) kb.text(t("onboarding.edit_village"), REVIEW.village).row();
    kb.text(t(invite ? "onboarding.join_now" : "onboarding.submit"), REVIEW.submit);
    const valid = new Set<string>(Object.values(REVIEW));
    const reviewCtx = cur;
    const choice = await ask(conversation, {
      question: () => reviewCtx.reply(lines.join("\n"), { reply_markup: kb }),
      parse: (c): Parsed<string> | undefined => {
        const data = flowData(c);
        return data !== undefined && valid.has(data) ? { ok: true, value: data } : undefined;
      },
      hintKey: "onboarding.review_use_buttons",
    });
    cur = choice.ctx;
    if (choice.kind === "back") continue;
    if (choice.value === REVIEW.name || choice.value === REVIEW.phone || choice.value === REVIEW.village) {
      step = choice.value === REVIEW.name ? "name" : choice.value === REVIEW.phone ? "phone" : "village";
      fromReview = true;
      await removeButtons(cur);
      continue;
    }
    await removeButtons(cur);

    // Submit.
    const name = draft.name ?? "";
    const phone = draft.phone ?? "";
    if (invite) {
      const inv = invite;
      const joined = await withDb(conversation, async (db, deps, octx) => {
        if (!octx.user) return { ok: false as const, reason: "unknown_user" };
        const r = await joinWithInvite(db, {
          userId: octx.user.id,
          inviteId: inv.id,
          name,
          phone,
          villageCode: inv.role === "volunteer" ? draft.village : null,
          now: deps.now(),
        });
        if (!r.ok) return { ok: false as const, reason: r.reason };
        return { ok: true as const, role: r.role, area: (await regionLabel(db, r.areaCode, { full: false })) ?? r.areaCode };
      });
      if (joined.ok) {
        await cur.reply(t(joined.role === "coordinator" ? "onboarding.joined_coordinator" : "onboarding.joined_volunteer", { area: joined.area }), {
          reply_markup: { remove_keyboard: true },
        });
        return;
      }
      if (joined.reason === "bad_village") {
        draft.village = null;
        step = "village";
        continue;
      }
      const isInviteProblem = ["unknown", "revoked", "expired", "used_up", "inviter_inactive"].includes(joined.reason);
      if (isInviteProblem && inv.role === "volunteer" && draft.village) {
        // The invite stopped working while they were typing: nothing is lost, they can apply normally.
        await cur.reply(`${t(`invite.problem_${joined.reason}`)}\n\n${t("onboarding.invite_gone_apply")}`);
        invite = null;
        step = "review";
        continue;
      }
      await cur.reply(t(isInviteProblem ? `invite.problem_${joined.reason}` : `onboarding.block_${joined.reason}`));
      return;
    }

    const village = draft.village ?? "";
    const submitted = await withDb(conversation, async (db, deps, octx) => {
      if (!octx.user) return { ok: false as const, reason: "unknown_user" };
      const r = await submitRegistration(db, octx.user.id, { name, phone, villageCode: village }, deps.now());
      return r.ok ? { ok: true as const, resubmitted: r.resubmitted } : { ok: false as const, reason: r.reason };
    });
    if (!submitted.ok) {
      if (submitted.reason === "bad_village") {
        draft.village = null;
        step = "village";
        continue;
      }
      await cur.reply(t(`onboarding.block_${submitted.reason}`));
      return;
    }
    await cur.reply(t(submitted.resubmitted ? "onboarding.resubmitted" : "onboarding.submitted", { area: draft.villageLabel ?? "" }), {
      reply_markup: new Keyboard().text(t("mystatus.button")).resized().persistent(),
    });
    return;
  }
}

/** Removes the inline keyboard from the message that was tapped (ignores failures). */
async function removeButtons(c: FlowContext): Promise<void> {
  if (!c.callbackQuery?.message) return;
  try {
    await c.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() });
  } catch {
    // Old or already edited message: nothing to clean up.
  }
}
