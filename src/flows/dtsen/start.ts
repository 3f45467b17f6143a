import type { FlowDefinition } from "../index.js";
import type { Convo, FlowContext } from "../kit/types.js";
import { ask, backKeyboard, textOf, withDb } from "../kit/ask.js";
import { askChoice } from "../kit/choice.js";
import { findHousehold } from "../../db/queries/households.js";
import { createProposal, findOpenProposal } from "../../db/queries/dtsen.js";
import { NOTE_MAX, NOTE_MIN, PROPOSAL_KINDS, REASONS, checkFreeText, proposalCapacities, type ProposalKind } from "../../domain/dtsen.js";
import { formatRefCode } from "../../domain/refcode.js";
import { markup, renderProposal, type Rendered } from "../../ui/dtsen/render.js";

export const DTSEN_START = "dtsen-start";

type Start =
  | { kind: "denied" }
  | { kind: "open"; card: Rendered | null }
  | { kind: "ok"; code: string; name: string; desil: number | null };

type Saved = { kind: "saved"; card: Rendered | null } | { kind: "denied" } | { kind: "open"; card: Rendered | null };

/** The message for a free text that does not pass {@link checkFreeText}. */
export function freeTextError(c: FlowContext, problem: "too_short" | "too_long" | "identity_number", length: number): string {
  if (problem === "too_short") return c.t("dtsen.text_too_short", { min: NOTE_MIN });
  if (problem === "too_long") return c.t("dtsen.text_too_long", { max: NOTE_MAX, length });
  return c.t("dtsen.text_identity_number");
}

/**
 * Starting a DTSEN proposal from the household card: the kind, a reason from the list, and
 * the volunteer's own words; then the proposal is saved as a draft and its evidence checklist
 * shown. Entered after the access check; checked again when saving.
 */
async function dtsenStart(conversation: Convo, ctx: FlowContext, householdId: number): Promise<void> {
  if (!Number.isSafeInteger(householdId)) return;
  const info = await withDb<Start>(conversation, async (db, _deps, octx) => {
    const h = await findHousehold(db, householdId);
    if (!h || !proposalCapacities(octx.user, h).includes("field")) return { kind: "denied" };
    const open = await findOpenProposal(db, h.id);
    if (open) return { kind: "open", card: await renderProposal(db, octx.t, octx.locale, octx.user, open.id) };
    return { kind: "ok", code: formatRefCode(h.ref_code), name: h.head_name, desil: h.desil };
  });
  if (info.kind === "denied") {
    await ctx.reply(ctx.t("access.not_yours"));
    return;
  }
  if (info.kind === "open") {
    if (info.card) await ctx.reply(`${ctx.t("dtsen.already_open")}\n\n${info.card.text}`, markup(info.card));
    return;
  }

  let c: FlowContext = ctx;
  let kind: ProposalKind | undefined;
  let reason: string | undefined;
  let step: "kind" | "reason" | "note" = "kind";
  for (;;) {
    if (step === "kind") {
      const intro = [c.t("dtsen.ask_kind", { code: info.code, name: info.name })];
      if (info.desil !== null) intro.push("", c.t("dtsen.desil_hint", { desil: info.desil }));
      const a = await askChoice<ProposalKind>(conversation, c, {
        text: intro.join("\n"),
        options: PROPOSAL_KINDS.map((k) => ({ value: k, label: c.t(`dtsen.kind_option.${k}`) })),
      });
      c = a.ctx;
      if (a.kind === "back") {
        await c.reply(c.t("dtsen.start_cancelled"));
        return;
      }
      kind = a.value;
      step = "reason";
      continue;
    }
    const k = kind!;
    if (step === "reason") {
      const a = await askChoice<string>(conversation, c, {
        text: c.t("dtsen.ask_reason", { kind: c.t(`dtsen.kind.${k}`) }),
        options: REASONS[k].map((r) => ({ value: r.code, label: c.t(`dtsen.reason.${k}.${r.code}`) })),
      });
      c = a.ctx;
      if (a.kind === "back") {
        step = "kind";
        continue;
      }
      reason = a.value;
      step = "note";
      continue;
    }
    const r = reason!;
    const note = await ask<string>(conversation, {
      question: () =>
        c.reply(c.t("dtsen.ask_note", { reason: c.t(`dtsen.reason.${k}.${r}`) }), { reply_markup: backKeyboard(c.t("common.back")) }),
      parse: (x) => {
        const text = textOf(x);
        if (text === undefined) return undefined;
        const checked = checkFreeText(text);
        return checked.ok ? { ok: true, value: checked.value } : { ok: false, error: freeTextError(x, checked.problem, [...text].length) };
      },
      hintKey: "dtsen.note_hint",
    });
    c = note.ctx;
    if (note.kind === "back") {
      step = "reason";
      continue;
    }
    const saved = await withDb<Saved>(conversation, async (db, deps, octx) => {
      const h = await findHousehold(db, householdId);
      const user = octx.user;
      if (!h || !user || !proposalCapacities(user, h).includes("field")) return { kind: "denied" };
      const open = await findOpenProposal(db, h.id);
      if (open) return { kind: "open", card: await renderProposal(db, octx.t, octx.locale, user, open.id) };
      const p = await createProposal(db, { household: h, kind: k, reason: r, note: note.value, actorId: user.id, now: deps.now() });
      return { kind: "saved", card: await renderProposal(db, octx.t, octx.locale, user, p.id) };
    });
    if (saved.kind === "denied") {
      await c.reply(c.t("access.not_yours"));
      return;
    }
    if (saved.kind === "open") {
      if (saved.card) await c.reply(`${c.t("dtsen.already_open")}\n\n${saved.card.text}`, markup(saved.card));
      return;
    }
    await c.reply(c.t("dtsen.created"));
    if (saved.card) await c.reply(saved.card.text, markup(saved.card));
    return;
  }
}

export const dtsenStartFlow: FlowDefinition = { id: DTSEN_START, builder: dtsenStart };
