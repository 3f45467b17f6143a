import type { FlowDefinition } from "./index.js";
import type { Convo, FlowContext } from "./kit/types.js";
import { ask, withDb } from "./kit/ask.js";
import { runStep, summary, reviewKeyboard, toHouseholdDraft, STEPS, type Draft, type StepId } from "./kit/household-steps.js";
import { canViewHousehold } from "../domain/access.js";
import { findIdentityDuplicates, updateHousehold } from "../db/queries/households.js";
import { audit } from "../db/queries/audit.js";
import { formatRefCode } from "../domain/refcode.js";
import type { MemberDraft } from "../domain/household.js";
import type { HousingCondition, MainNeed, PpksCode, ProgrammeCode, Relationship } from "../domain/ppks.js";

export const HOUSEHOLD_EDIT = "household-edit";

interface Loaded {
  draft: Draft;
  refCode: string;
}

/**
 * Edits a saved household (the card's "Ubah data"): the same questions as registration,
 * chosen from the summary, saved in one transaction with the changed field names audited.
 * Access is checked when the flow starts and again when saving.
 */
async function householdEdit(conversation: Convo, ctx: FlowContext, householdId: number): Promise<void> {
  const t = ctx.t;
  const loaded = await withDb<Loaded | null>(conversation, async (db, deps, octx) => {
    const h = await db.selectFrom("households").selectAll().where("id", "=", householdId).executeTakeFirst();
    if (!h || h.anonymized_at || !canViewHousehold(octx.user, h)) return null;
    const members = await db.selectFrom("household_members").selectAll().where("household_id", "=", h.id).orderBy("id").execute();
    const photos = await db.selectFrom("household_photos").select(["file_id", "file_unique_id"]).where("household_id", "=", h.id).orderBy("id").execute();
    const consent = await db.selectFrom("household_consents").select("consented_at").where("household_id", "=", h.id).orderBy("id").executeTakeFirst();
    const draft: Draft = {
      consentAt: (consent?.consented_at ?? h.created_at).toISOString(),
      headName: h.head_name,
      headNik: h.head_nik_enc ? deps.pii.decrypt(h.head_nik_enc) : undefined,
      headSex: h.head_sex ?? undefined,
      headBirthDate: h.head_birth_date ?? undefined,
      kk: h.kk_enc ? deps.pii.decrypt(h.kk_enc) : undefined,
      villageCode: h.village_code,
      rt: h.rt,
      rw: h.rw,
      address: h.address,
      location: h.latitude !== null && h.longitude !== null ? { latitude: h.latitude, longitude: h.longitude } : null,
      memberCount: h.member_count,
      members: members.map(
        (m): MemberDraft => ({
          name: m.name,
          relationship: m.relationship as Relationship,
          nik: m.nik_enc ? deps.pii.decrypt(m.nik_enc) : null,
          sex: m.sex,
          birthDate: m.birth_date,
        }),
      ),
      ppks: h.ppks as PpksCode[],
      housing: (h.housing ?? undefined) as HousingCondition | undefined,
      programmes: h.programmes as ProgrammeCode[],
      programmeOther: h.programme_other,
      needs: h.needs as MainNeed[],
      needsOther: h.needs_other,
      desil: h.desil,
      photos: photos.map((p) => ({ fileId: p.file_id, fileUniqueId: p.file_unique_id })),
    };
    return { draft, refCode: h.ref_code };
  });
  if (!loaded) {
    await ctx.reply(t("access.not_yours"));
    return;
  }
  const d = loaded.draft;
  const changed = new Set<StepId>();
  let c: FlowContext = ctx;
  await c.reply(t("keluarga.edit_intro", { code: formatRefCode(loaded.refCode) }));
  for (;;) {
    const review = await ask<string>(conversation, {
      question: async () => {
        await c.reply(await summary(conversation, c, d), { reply_markup: reviewKeyboard(c, "keluarga.save_changes") });
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
      const step = review.value as StepId;
      if ((await runStep(conversation, c, d, step, null)) === "next") changed.add(step);
      continue;
    }
    if (changed.size === 0) {
      await c.reply(t("keluarga.nothing_changed"));
      return;
    }
    const draft = toHouseholdDraft(d);
    const fields = [...changed];
    const outcome = await withDb<{ kind: "saved" } | { kind: "duplicate"; refCode: string; match: string } | { kind: "not_allowed" }>(
      conversation,
      async (db, deps, octx) => {
        const h = await db.selectFrom("households").selectAll().where("id", "=", householdId).executeTakeFirst();
        if (!h || h.anonymized_at || !canViewHousehold(octx.user, h)) return { kind: "not_allowed" };
        const dup = (await findIdentityDuplicates(db, deps.pii, { nik: draft.headNik, kk: draft.kk, excludeId: h.id }))[0];
        if (dup) return { kind: "duplicate", refCode: dup.refCode, match: dup.match };
        await updateHousehold(db, deps.pii, h, draft, { userId: octx.user!.id, fields });
        await audit(db, { actorId: octx.user!.id, action: "household.updated", entity: "household", entityId: h.id, details: { fields } });
        return { kind: "saved" };
      },
    );
    if (outcome.kind === "not_allowed") {
      await c.reply(t("access.not_yours"));
      return;
    }
    if (outcome.kind === "duplicate") {
      await c.reply(t(outcome.match === "kk" ? "daftar.duplicate_kk" : "daftar.duplicate_nik", { code: formatRefCode(outcome.refCode) }));
      continue;
    }
    await c.reply(t("keluarga.edit_saved", { code: formatRefCode(loaded.refCode) }));
    return;
  }
}

export const householdEditFlow: FlowDefinition = { id: HOUSEHOLD_EDIT, builder: householdEdit };
