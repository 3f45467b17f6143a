import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { nowIso, withDb } from "./kit/ask.js";
import { runForm, type FormIO, type SaveOutcome } from "./kit/form.js";
import { HOUSEHOLD_STEPS, householdReview, toHouseholdDraft, type HouseholdForm, type MemberForm } from "./household/form.js";
import { describeDuplicate } from "./household/duplicates.js";
import { canViewHousehold } from "../domain/access.js";
import { formatRefCode } from "../domain/refcode.js";
import { regionLevel } from "../domain/region-names.js";
import { updateHousehold } from "../db/queries/households.js";
import { findDuplicate, type DuplicateCheck } from "../db/queries/duplicates.js";
import { regionLabel } from "../db/queries/regions.js";
import { audit } from "../db/queries/audit.js";
import type { HousingCondition, MainNeed, PpksCode, ProgrammeCode, Relationship } from "../domain/ppks.js";

export const HOUSEHOLD_EDIT = "household-edit";

interface Loaded {
  /** The stored answers (the steps' `env` is added when the edit starts). */
  form: Omit<HouseholdForm, "env">;
  refCode: string;
  homeVillage: string | null;
}

type Saved = { kind: "saved" } | { kind: "duplicate"; dup: DuplicateCheck } | { kind: "not_allowed" };

async function load(conversation: Convo, householdId: number): Promise<Loaded | null> {
  return withDb<Loaded | null>(conversation, async (db, deps, octx) => {
    const h = await db.selectFrom("households").selectAll().where("id", "=", householdId).executeTakeFirst();
    if (!h || h.anonymized_at || !canViewHousehold(octx.user, h)) return null;
    const members = await db.selectFrom("household_members").selectAll().where("household_id", "=", h.id).orderBy("id").execute();
    const photos = await db.selectFrom("household_photos").select(["file_id", "file_unique_id"]).where("household_id", "=", h.id).orderBy("id").execute();
    const consent = await db.selectFrom("household_consents").select("consented_at").where("household_id", "=", h.id).orderBy("id").executeTakeFirst();
    const headNik = h.head_nik_enc ? deps.pii.decrypt(h.head_nik_enc) : null;
    const area = octx.user?.area_code ?? null;
    const form: Omit<HouseholdForm, "env"> = {
      consentAt: (consent?.consented_at ?? h.created_at).toISOString(),
      householdId: h.id,
      headName: h.head_name,
      headNik,
      identity: "yes",
      identityFor: headNik,
      headSex: h.head_sex,
      headBirthDate: h.head_birth_date,
      kk: h.kk_enc ? deps.pii.decrypt(h.kk_enc) : null,
      villageCode: h.village_code,
      villageLabel: await regionLabel(db, h.village_code),
      rt: h.rt,
      rw: h.rw,
      address: h.address,
      location: h.latitude !== null && h.longitude !== null ? { latitude: h.latitude, longitude: h.longitude } : null,
      memberCount: h.member_count,
      memberDetails: members.length > 0 ? "now" : h.member_count > 1 ? "skip" : null,
      membersStoppedAt: members.length > 0 && members.length < h.member_count - 1 ? members.length : null,
      members: members.map(
        (m): MemberForm => ({
          name: m.name,
          relationship: m.relationship as Relationship,
          nik: m.nik_enc ? deps.pii.decrypt(m.nik_enc) : null,
          sex: m.sex,
          birthDate: m.birth_date,
        }),
      ),
      ppks: h.ppks as PpksCode[],
      housing: (h.housing ?? null) as HousingCondition | null,
      programmes: h.programmes as ProgrammeCode[],
      programmeOther: h.programme_other,
      needs: h.needs as MainNeed[],
      needsOther: h.needs_other,
      desil: h.desil,
      photos: photos.map((p) => ({ fileId: p.file_id, fileUniqueId: p.file_unique_id })),
      similar: null,
      similarConfirmed: true,
      changed: [],
    };
    return { form, refCode: h.ref_code, homeVillage: area && regionLevel(area) === 4 ? area : null };
  });
}

/** Saves the changes in one transaction, after checking access and duplicates again. */
function saveFor(householdId: number, refCode: string) {
  return async (io: FormIO, d: HouseholdForm): Promise<SaveOutcome<HouseholdForm>> => {
    const c = io.ctx;
    if (d.changed.length === 0) {
      await c.reply(c.t("keluarga.nothing_changed"));
      return { kind: "done" };
    }
    const draft = toHouseholdDraft(d);
    const fields = [...d.changed];
    const outcome = await withDb<Saved>(io.conversation, async (db, deps, octx) => {
      const h = await db.selectFrom("households").selectAll().where("id", "=", householdId).executeTakeFirst();
      if (!h || h.anonymized_at || !canViewHousehold(octx.user, h) || !octx.user) return { kind: "not_allowed" };
      const dup = await findDuplicate(db, deps.pii, octx.user, { nik: draft.headNik, kk: draft.kk, excludeId: h.id, villageCode: draft.villageCode, now: deps.now() });
      if (dup.kind !== "none") return { kind: "duplicate", dup };
      await updateHousehold(db, deps.pii, h, draft, { userId: octx.user.id, fields });
      await audit(db, { actorId: octx.user.id, action: "household.updated", entity: "household", entityId: h.id, details: { fields } });
      return { kind: "saved" };
    });
    if (outcome.kind === "not_allowed") {
      await c.reply(c.t("access.not_yours"));
      return { kind: "done" };
    }
    if (outcome.kind === "duplicate") {
      await c.reply(describeDuplicate(c.t, outcome.dup, "save") ?? "");
      return { kind: "review" };
    }
    await c.reply(c.t("keluarga.edit_saved", { code: formatRefCode(refCode) }));
    return { kind: "done" };
  };
}

/**
 * Edits a saved household (the card's "Ubah data"): the household form opened at its
 * review, the same questions as registration, saved in one transaction with the changed
 * field names audited. Access is checked when the flow starts and again when saving.
 */
async function householdEdit(conversation: Convo, ctx: FlowContext, householdId: number): Promise<void> {
  const loaded = typeof householdId === "number" ? await load(conversation, householdId) : null;
  if (!loaded) {
    await ctx.reply(ctx.t("access.not_yours"));
    return;
  }
  const now = await nowIso(conversation);
  await ctx.reply(ctx.t("keluarga.edit_intro", { code: formatRefCode(loaded.refCode) }));
  await runForm(
    conversation,
    ctx,
    {
      id: HOUSEHOLD_EDIT,
      flow: "form.flow_household_edit",
      steps: HOUSEHOLD_STEPS,
      start: "review",
      review: (d, c) => householdReview(d, c, "keluarga.save_changes"),
      save: saveFor(householdId, loaded.refCode),
    },
    { ...loaded.form, env: { now, homeVillage: loaded.homeVillage } },
  );
}

export const householdEditFlow: FlowDefinition = { id: HOUSEHOLD_EDIT, builder: householdEdit };
