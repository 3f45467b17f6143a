import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, nowIso, withDb } from "./kit/ask.js";
import { askChoice } from "./kit/choice.js";
import { runStep, summary, reviewKeyboard, toHouseholdDraft, STEPS, type Draft, type StepId } from "./kit/household-steps.js";
import { formatRefCode } from "../domain/refcode.js";
import { findIdentityDuplicates, findSimilarNames, insertHousehold } from "../db/queries/households.js";
import { audit } from "../db/queries/audit.js";

export const HOUSEHOLD_REGISTRATION = "household-registration";

/** Days after registration by which the first (verification) visit is due. */
export const FIRST_VISIT_DAYS = 7;

function firstVisitDate(consentAt: string): string {
  const d = new Date(consentAt);
  d.setUTCDate(d.getUTCDate() + FIRST_VISIT_DAYS);
  return d.toISOString().slice(0, 10);
}

type SaveOutcome =
  | { kind: "saved"; id: number; refCode: string }
  | { kind: "duplicate"; refCode: string; match: "nik" | "kk"; volunteerName: string | null }
  | { kind: "similar"; refCodes: string[] }
  | { kind: "not_allowed" };

/**
 * The household-registration flow (/daftar): consent, head of household with NIK and KK
 * checks, address, household, photos, review with edit of any field, duplicate checks,
 * and one transaction to save. Identity numbers never sit in plain text in the database:
 * the conversation storage seals them and the repository encrypts them.
 */
async function householdRegistration(conversation: Convo, ctx: FlowContext): Promise<void> {
  const t = ctx.t;
  const me = await withDb(conversation, async (_db, _deps, octx) =>
    octx.user ? { id: octx.user.id, area: octx.user.area_code, locale: octx.user.locale } : null,
  );
  if (!me) return;

  // 1. Consent: nothing is saved without it.
  const consent = await askChoice(conversation, ctx, {
    text: t("daftar.consent"),
    options: [
      { value: "yes", label: t("daftar.consent_yes") },
      { value: "no", label: t("daftar.consent_no") },
    ],
    back: false,
  });
  if (consent.kind === "back" || consent.value === "no") {
    await consent.ctx.reply(t("daftar.consent_refused"));
    return;
  }
  const d: Draft = {
    consentAt: await nowIso(conversation),
    rt: null,
    rw: null,
    address: null,
    location: null,
    members: [],
    ppks: [],
    programmes: [],
    programmeOther: null,
    needs: [],
    needsOther: null,
    desil: null,
    photos: [],
  };
  await consent.ctx.reply(t("daftar.consent_recorded"));

  // 2. The questions, in order; "Kembali" goes one step back.
  let c: FlowContext = consent.ctx;
  let i = 0;
  while (i < STEPS.length) {
    const result = await runStep(conversation, c, d, STEPS[i]!, me.area);
    i = result === "back" ? Math.max(0, i - 1) : i + 1;
  }

  // 3. Review: jump to any field, then back to the summary; save.
  for (;;) {
    const review = await ask<string>(conversation, {
      question: async () => {
        await c.reply(await summary(conversation, c, d), { reply_markup: reviewKeyboard(c) });
      },
      parse: (x) => {
        const data = x.callbackQuery?.data;
        if (data === "f:save") return { ok: true, value: "save" };
        if (data?.startsWith("f:e:") && STEPS.includes(data.slice(4) as StepId)) return { ok: true, value: data.slice(4) };
        return undefined;
      },
      hintKey: "daftar.review_hint",
    });
    c = review.ctx;
    if (review.kind === "back") continue;
    if (review.value !== "save") {
      await runStep(conversation, c, d, review.value as StepId, me.area);
      continue;
    }
    const draft = toHouseholdDraft(d);
    let confirmedSimilar = false;
    for (;;) {
      const outcome = await withDb<SaveOutcome>(conversation, async (db, deps, octx) => {
        const user = octx.user;
        if (!user || user.status !== "active" || !["volunteer", "coordinator", "admin"].includes(user.role)) return { kind: "not_allowed" };
        const dup = (await findIdentityDuplicates(db, deps.pii, { nik: draft.headNik, kk: draft.kk }))[0];
        if (dup) {
          const mayKnow = user.role !== "volunteer" || dup.volunteerId === user.id;
          const vol = mayKnow && dup.volunteerId ? await db.selectFrom("users").select("name").where("id", "=", dup.volunteerId).executeTakeFirst() : undefined;
          await audit(db, { actorId: user.id, action: "household.duplicate_blocked", entity: "household", entityId: dup.id, details: { match: dup.match } });
          return { kind: "duplicate", refCode: dup.refCode, match: dup.match === "kk" ? "kk" : "nik", volunteerName: vol?.name ?? null };
        }
        if (!confirmedSimilar) {
          const similar = await findSimilarNames(db, draft.villageCode, draft.headName);
          if (similar.length > 0) return { kind: "similar", refCodes: similar.map((s) => s.refCode) };
        }
        const saved = await insertHousehold(db, deps.pii, draft, {
          userId: user.id,
          locale: user.locale,
          firstVisitDate: firstVisitDate(draft.consentAt),
        });
        await audit(db, { actorId: user.id, action: "household.created", entity: "household", entityId: saved.id, details: { village: draft.villageCode, members: draft.memberCount } });
        return { kind: "saved", ...saved };
      });
      if (outcome.kind === "saved") {
        await c.reply(t("daftar.saved", { code: formatRefCode(outcome.refCode), name: d.headName }));
        return;
      }
      if (outcome.kind === "not_allowed") {
        await c.reply(t("access.volunteers_only"));
        return;
      }
      if (outcome.kind === "duplicate") {
        await c.reply(
          t(outcome.match === "kk" ? "daftar.duplicate_kk" : "daftar.duplicate_nik", { code: formatRefCode(outcome.refCode) }) +
            (outcome.volunteerName ? `\n${t("daftar.duplicate_volunteer", { name: outcome.volunteerName })}` : "") +
            `\n\n${t("daftar.duplicate_next")}`,
        );
        break;
      }
      const decision = await askChoice(conversation, c, {
        text: t("daftar.similar_found", { codes: outcome.refCodes.map(formatRefCode).join(", "), name: d.headName }),
        options: [
          { value: "different", label: t("daftar.similar_different") },
          { value: "same", label: t("daftar.similar_same") },
        ],
      });
      c = decision.ctx;
      if (decision.kind === "back") break;
      if (decision.value === "same") {
        await c.reply(t("daftar.similar_cancelled"));
        return;
      }
      confirmedSimilar = true;
    }
  }
}

export const householdRegistrationFlow: FlowDefinition = {
  id: HOUSEHOLD_REGISTRATION,
  builder: householdRegistration,
};
