import { randomBytes } from "node:crypto";
import type { PiiCrypto } from "../../pii.js";
import { generateRefCode } from "../../domain/refcode.js";
import { normalizePersonName } from "../../domain/names.js";
import { CONSENT_VERSION, type HouseholdDraft } from "../../domain/household.js";
import type { ExpressionBuilder } from "kysely";
import { scopeOf } from "../../domain/scope.js";
import type { Database, Db, Household, User } from "../schema.js";

/**
 * SQL condition for the households a user may see: their scope (src/domain/scope.ts, the same
 * rule as `canViewHousehold`): volunteers their own, coordinators their area, admins all.
 * Anyone else — a coordinator without an area included — sees nothing.
 */
export function visibleTo(user: User) {
  const scope = scopeOf(user);
  return (eb: ExpressionBuilder<Database, "households">) => {
    switch (scope.kind) {
      case "all":
        return eb.val(true);
      case "area":
        return eb.or([eb("households.village_code", "=", scope.area), eb("households.village_code", "like", `${scope.area}.%`)]);
      case "own":
        return eb("households.volunteer_id", "=", scope.userId);
      case "none":
        return eb.val(false);
    }
  };
}

export async function findHousehold(db: Db, id: number): Promise<Household | undefined> {
  return db.selectFrom("households").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The household if this user may see it, otherwise undefined (forged ids get nothing). */
export async function findVisibleHousehold(db: Db, user: User, id: number): Promise<Household | undefined> {
  return db.selectFrom("households").selectAll().where("id", "=", id).where(visibleTo(user)).executeTakeFirst();
}

export async function findHouseholdByRefCode(db: Db, refCode: string): Promise<Household | undefined> {
  return db.selectFrom("households").selectAll().where("ref_code", "=", refCode).executeTakeFirst();
}


/**
 * Saves a new household with its members, photos, consent and first status, in the
 * caller's transaction. NIK and KK are stored only as ciphertext and keyed hash. The
 * reference code is drawn at random (retried on the rare collision). Returns id and code.
 */
export async function insertHousehold(
  db: Db,
  pii: PiiCrypto,
  draft: HouseholdDraft,
  by: { userId: number; locale: string; firstVisitDate?: string },
): Promise<{ id: number; refCode: string }> {
  let inserted: { id: number; ref_code: string } | undefined;
  for (let attempt = 0; attempt < 5 && !inserted; attempt++) {
    const refCode = generateRefCode((n) => randomBytes(n));
    inserted = await db
      .insertInto("households")
      .values({
        ref_code: refCode,
        volunteer_id: by.userId,
        registered_by: by.userId,
        head_nik_enc: pii.encrypt(draft.headNik),
        head_nik_hash: pii.hash(draft.headNik),
        kk_enc: pii.encrypt(draft.kk),
        kk_hash: pii.hash(draft.kk),
        ...draftColumns(draft),
        next_visit_date: by.firstVisitDate ?? null,
      })
      .onConflict((oc) => oc.column("ref_code").doNothing())
      .returning(["id", "ref_code"])
      .executeTakeFirst();
  }
  if (!inserted) throw new Error("could not draw a free reference code");
  const id = inserted.id;
  await insertMembers(db, pii, id, draft.members);
  await insertPhotos(db, id, draft.photos, by.userId);
  await db
    .insertInto("household_consents")
    .values({ household_id: id, volunteer_id: by.userId, consented_at: draft.consentAt, consent_version: CONSENT_VERSION, locale: by.locale })
    .execute();
  await db
    .insertInto("household_status_history")
    .values({ household_id: id, from_status: null, to_status: "terdaftar", changed_by: by.userId })
    .execute();
  return { id, refCode: inserted.ref_code };
}

/** The household columns that come straight from the draft (identity numbers aside). */
function draftColumns(draft: HouseholdDraft) {
  return {
    head_name: draft.headName,
    head_name_norm: normalizePersonName(draft.headName),
    head_sex: draft.headSex,
    head_birth_date: draft.headBirthDate,
    village_code: draft.villageCode,
    rt: draft.rt,
    rw: draft.rw,
    address: draft.address,
    latitude: draft.location?.latitude ?? null,
    longitude: draft.location?.longitude ?? null,
    member_count: draft.memberCount,
    ppks: draft.ppks,
    housing: draft.housing,
    programmes: draft.programmes,
    programme_other: draft.programmeOther,
    needs: draft.needs,
    needs_other: draft.needsOther,
    desil: draft.desil,
  };
}

/** Members with their NIK encrypted (and hashed for duplicate checks). */
async function insertMembers(db: Db, pii: PiiCrypto, householdId: number, members: HouseholdDraft["members"]): Promise<void> {
  if (members.length === 0) return;
  await db
    .insertInto("household_members")
    .values(
      members.map((m) => ({
        household_id: householdId,
        name: m.name,
        relationship: m.relationship,
        nik_enc: m.nik ? pii.encrypt(m.nik) : null,
        nik_hash: m.nik ? pii.hash(m.nik) : null,
        sex: m.sex,
        birth_date: m.birthDate,
      })),
    )
    .execute();
}

async function insertPhotos(db: Db, householdId: number, photos: HouseholdDraft["photos"], userId: number): Promise<void> {
  if (photos.length === 0) return;
  await db
    .insertInto("household_photos")
    .values(photos.map((p) => ({ household_id: householdId, file_id: p.fileId, file_unique_id: p.fileUniqueId, uploaded_by: userId })))
    .execute();
}

/**
 * Writes an edited household (same rules as insert: identity numbers encrypted). Members
 * and photos are replaced by the draft's; a changed No. KK keeps the old one in
 * household_kk_history (the number changes when a family moves or splits).
 */
export async function updateHousehold(
  db: Db,
  pii: PiiCrypto,
  current: Household,
  draft: HouseholdDraft,
  by: { userId: number; fields: string[] },
): Promise<void> {
  const newKkHash = pii.hash(draft.kk);
  if (current.kk_hash && current.kk_enc && current.kk_hash !== newKkHash) {
    await db
      .insertInto("household_kk_history")
      .values({ household_id: current.id, kk_enc: current.kk_enc, kk_hash: current.kk_hash, replaced_by: by.userId })
      .execute();
  }
  const nikHash = pii.hash(draft.headNik);
  await db
    .updateTable("households")
    .set({
      ...draftColumns(draft),
      ...(current.head_nik_hash !== nikHash ? { head_nik_enc: pii.encrypt(draft.headNik), head_nik_hash: nikHash } : {}),
      ...(current.kk_hash !== newKkHash ? { kk_enc: pii.encrypt(draft.kk), kk_hash: newKkHash } : {}),
      // updated_at: the app clock, written by AppClockPlugin
    })
    .where("id", "=", current.id)
    .execute();
  if (by.fields.includes("members")) {
    await db.deleteFrom("household_members").where("household_id", "=", current.id).execute();
    await insertMembers(db, pii, current.id, draft.members);
  }
  if (by.fields.includes("photos")) {
    await db.deleteFrom("household_photos").where("household_id", "=", current.id).execute();
    await insertPhotos(db, current.id, draft.photos, by.userId);
  }
}
