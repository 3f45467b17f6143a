import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { nowIso, withDb } from "./kit/ask.js";
import { askQuestion, runForm, type FormIO, type SaveOutcome } from "./kit/form.js";
import { choice } from "./kit/questions.js";
import { HOUSEHOLD_STEPS, householdReview, newHouseholdForm, toHouseholdDraft, type HouseholdForm } from "./household/form.js";
import { describeDuplicate } from "./household/duplicates.js";
import { formatRefCode } from "../domain/refcode.js";
import { localDateOf, type ZoneLike } from "../domain/dates.js";
import { addDays } from "../domain/visit.js";
import { regionLevel } from "../domain/region-names.js";
import { insertHousehold } from "../db/queries/households.js";
import { findDuplicate, findSimilarNames, type DuplicateCheck } from "../db/queries/duplicates.js";
import { regionTimezone } from "../db/queries/regions.js";
import { audit } from "../db/queries/audit.js";
import { pinOfferMessage } from "../ui/beneficiary/pin-offer.js";

export const HOUSEHOLD_REGISTRATION = "household-registration";

/** Days after registration by which the first (verification) visit is due. */
export const FIRST_VISIT_DAYS = 7;

/** FIRST_VISIT_DAYS after the local date (in the household's zone) of the registration. */
function firstVisitDate(consentAt: string, zone: ZoneLike): string {
  return addDays(localDateOf(consentAt, zone), FIRST_VISIT_DAYS);
}

type Saved =
  | { kind: "saved"; id: number; refCode: string }
  | { kind: "duplicate"; dup: DuplicateCheck }
  | { kind: "similar"; refCodes: string[] }
  | { kind: "not_allowed" };

/** Saves the household in the update's transaction, after the duplicate checks. */
async function save(io: FormIO, d: HouseholdForm): Promise<SaveOutcome<HouseholdForm>> {
  const c = io.ctx;
  const draft = toHouseholdDraft(d);
  const outcome = await withDb<Saved>(io.conversation, async (db, deps, octx) => {
    const user = octx.user;
    if (!user || user.status !== "active" || !["volunteer", "coordinator", "admin"].includes(user.role)) return { kind: "not_allowed" };
    const dup = await findDuplicate(db, deps.pii, user, { nik: draft.headNik, kk: draft.kk, villageCode: draft.villageCode, now: deps.now() });
    if (dup.kind !== "none") return { kind: "duplicate", dup };
    if (!d.similarConfirmed) {
      // Codes only inside the user's scope; elsewhere only that such a family exists.
      const similar = await findSimilarNames(db, user, draft.headName, draft.villageCode);
      if (similar.kind !== "none") return { kind: "similar", refCodes: similar.kind === "own" ? similar.refCodes : [] };
    }
    const saved = await insertHousehold(db, deps.pii, draft, {
      userId: user.id,
      locale: user.locale,
      firstVisitDate: firstVisitDate(draft.consentAt, await regionTimezone(db, draft.villageCode)),
    });
    await audit(db, { actorId: user.id, action: "household.created", entity: "household", entityId: saved.id, details: { village: draft.villageCode, members: draft.memberCount } });
    return { kind: "saved", ...saved };
  });
  if (outcome.kind === "saved") {
    // One message: saved, the family's code, and the family PIN as the last step.
    const offer = pinOfferMessage(c.t, outcome.id, outcome.refCode);
    await c.reply(`${c.t("daftar.saved", { code: formatRefCode(outcome.refCode), name: draft.headName })}\n\n${offer.text}`, {
      reply_markup: offer.reply_markup,
    });
    return { kind: "done" };
  }
  if (outcome.kind === "not_allowed") {
    await c.reply(c.t("access.volunteers_only"));
    return { kind: "done" };
  }
  if (outcome.kind === "duplicate") {
    await c.reply(describeDuplicate(c.t, outcome.dup, "save") ?? "");
    return { kind: "review" };
  }
  return { kind: "step", step: "similar", draft: { ...d, similar: outcome.refCodes } };
}

/**
 * The household-registration flow (/daftar): consent, then the household form (see
 * `household/form.ts`): head of household with NIK and KK checks, address, members,
 * household, photos; a review where any field can be changed; duplicate checks; one
 * transaction to save. Identity numbers never sit in plain text in the database: the
 * conversation storage seals them and the repository encrypts them.
 */
async function householdRegistration(conversation: Convo, ctx: FlowContext): Promise<void> {
  const me = await withDb(conversation, async (_db, _deps, octx) => (octx.user ? { area: octx.user.area_code } : null));
  if (!me) return;

  // 1. Consent: nothing is saved without it.
  const consent = await askQuestion(
    conversation,
    ctx,
    choice(ctx, {
      text: ctx.t("daftar.consent"),
      options: [
        { value: "yes" as const, label: ctx.t("daftar.consent_yes") },
        { value: "no" as const, label: ctx.t("daftar.consent_no") },
      ],
      back: false,
    }),
  );
  if (consent.kind === "back" || consent.value === "no") {
    await consent.ctx.reply(ctx.t("daftar.consent_refused"));
    return;
  }
  const consentAt = await nowIso(conversation);
  await consent.ctx.reply(ctx.t("daftar.consent_recorded"));

  // 2. The form: the questions in order, "Kembali" one step back, the review, the save.
  const homeVillage = me.area && regionLevel(me.area) === 4 ? me.area : null;
  await runForm(
    conversation,
    ctx,
    {
      id: HOUSEHOLD_REGISTRATION,
      flow: "form.flow_household_registration",
      steps: HOUSEHOLD_STEPS,
      review: (d, c) => householdReview(d, c),
      save,
    },
    newHouseholdForm(consentAt, homeVillage),
  );
}

export const householdRegistrationFlow: FlowDefinition = {
  id: HOUSEHOLD_REGISTRATION,
  builder: householdRegistration,
};
