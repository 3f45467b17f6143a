import type { Db } from "../../schema.js";
import { audit } from "../audit.js";
import { enqueueJob } from "../jobs.js";
import { BENEFICIARY_JOBS } from "./jobs.js";

/** What an erased household's name reads as. */
export const ERASED_NAME = "(dihapus)";

/**
 * Erases a household's personal data on request (UU PDP): names, identity numbers, birth
 * date, address and location, members, photos, KK history, free-text notes, correction texts,
 * subscriptions, sessions and the family PIN, visit free text and media. What stays
 * is anonymous: the reference code, village, status, PPKS categories and counts. Audited.
 */
export async function anonymizeHousehold(db: Db, opts: { householdId: number; by: number | null; now: Date; requestId?: number }): Promise<void> {
  const id = opts.householdId;
  await db
    .updateTable("households")
    .set({
      head_name: ERASED_NAME,
      head_name_norm: "",
      head_nik_enc: null,
      head_nik_hash: null,
      kk_enc: null,
      kk_hash: null,
      head_sex: null,
      head_birth_date: null,
      rt: null,
      rw: null,
      address: null,
      latitude: null,
      longitude: null,
      programme_other: null,
      needs_other: null,
      status_reason: null,
      next_visit_date: null,
      anonymized_at: opts.now,
      updated_at: opts.now,
    })
    .where("id", "=", id)
    .execute();
  await db.deleteFrom("household_members").where("household_id", "=", id).execute();
  await db.deleteFrom("household_photos").where("household_id", "=", id).execute();
  await db.deleteFrom("household_kk_history").where("household_id", "=", id).execute();
  await db.updateTable("household_status_history").set({ reason: null }).where("household_id", "=", id).execute();
  await db.deleteFrom("status_subscriptions").where("household_id", "=", id).execute();
  await db.deleteFrom("status_sessions").where("household_id", "=", id).execute();
  await db.deleteFrom("household_pins").where("household_id", "=", id).execute();
  await db.updateTable("data_requests").set({ details_enc: null }).where("household_id", "=", id).execute();
  await eraseVisitData(db, id);
  // The coordinators' messages about this family's other requests showed the name: redraw them.
  const others = await db.selectFrom("data_requests").select("id").where("household_id", "=", id).execute();
  for (const r of others) {
    if (r.id === opts.requestId) continue;
    await enqueueJob(db, BENEFICIARY_JOBS.dsrRefresh, { requestId: r.id }, { key: `dsr-refresh:${r.id}:${opts.now.getTime()}`, now: opts.now });
  }
  await audit(db, {
    actorId: opts.by,
    action: "household.anonymized",
    entity: "household",
    entityId: id,
    details: opts.requestId !== undefined ? { requestId: opts.requestId } : {},
  });
}

/**
 * Visit reports of the household: their free text (condition notes, help given, referral
 * notes) and the home's location are cleared and their photos and voice notes removed; the
 * coded facts (date, purpose, intervention, conditions, urgency) stay for the counts. Alert
 * resolution notes (free text) are cleared too.
 */
async function eraseVisitData(db: Db, householdId: number): Promise<void> {
  const visitIds = db.selectFrom("visits").select("id").where("household_id", "=", householdId);
  await db.deleteFrom("visit_media").where("visit_id", "in", visitIds).execute();
  await db
    .updateTable("visits")
    .set({ condition_note: null, help_given: null, referral_note: null, latitude: null, longitude: null })
    .where("household_id", "=", householdId)
    .execute();
  await db.updateTable("alerts").set({ resolution_note: null }).where("household_id", "=", householdId).execute();
}

