import type { PiiCrypto } from "../../../pii.js";
import type { Db } from "../../schema.js";

/** Everything held about a household, decrypted: only ever sent to the verified person. */
export interface HouseholdData {
  refCode: string;
  headName: string;
  headNik: string | null;
  kk: string | null;
  headSex: string | null;
  headBirthDate: string | null;
  villageCode: string;
  rt: string | null;
  rw: string | null;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  memberCount: number;
  members: { name: string; relationship: string; nik: string | null; sex: string | null; birthDate: string | null }[];
  ppks: string[];
  housing: string | null;
  programmes: string[];
  programmeOther: string | null;
  needs: string[];
  needsOther: string | null;
  desil: number | null;
  status: string;
  statusReason: string | null;
  volunteerFirstName: string | null;
  registeredAt: string;
  lastVisitAt: string | null;
  visits: number;
  photos: number;
  consentAt: string | null;
  tz: string;
}

export async function loadHouseholdData(db: Db, pii: PiiCrypto, householdId: number): Promise<HouseholdData | undefined> {
  const h = await db.selectFrom("households").selectAll().where("id", "=", householdId).executeTakeFirst();
  if (!h) return undefined;
  const members = await db
    .selectFrom("household_members")
    .select(["name", "relationship", "nik_enc", "sex", "birth_date"])
    .where("household_id", "=", householdId)
    .orderBy("id")
    .execute();
  const volunteer = h.volunteer_id ? await db.selectFrom("users").select("name").where("id", "=", h.volunteer_id).executeTakeFirst() : undefined;
  const photos = await db
    .selectFrom("household_photos")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("household_id", "=", householdId)
    .executeTakeFirstOrThrow();
  const consent = await db
    .selectFrom("household_consents")
    .select("consented_at")
    .where("household_id", "=", householdId)
    .orderBy("consented_at", "desc")
    .executeTakeFirst();
  const tz = await db.selectFrom("regions").select("tz").where("code", "=", h.village_code.slice(0, 2)).where("level", "=", 1).executeTakeFirst();
  return {
    refCode: h.ref_code,
    headName: h.head_name,
    headNik: h.head_nik_enc ? pii.decrypt(h.head_nik_enc) : null,
    kk: h.kk_enc ? pii.decrypt(h.kk_enc) : null,
    headSex: h.head_sex,
    headBirthDate: h.head_birth_date,
    villageCode: h.village_code,
    rt: h.rt,
    rw: h.rw,
    address: h.address,
    latitude: h.latitude,
    longitude: h.longitude,
    memberCount: h.member_count,
    members: members.map((m) => ({
      name: m.name,
      relationship: m.relationship,
      nik: m.nik_enc ? pii.decrypt(m.nik_enc) : null,
      sex: m.sex,
      birthDate: m.birth_date,
    })),
    ppks: h.ppks,
    housing: h.housing,
    programmes: h.programmes,
    programmeOther: h.programme_other,
    needs: h.needs,
    needsOther: h.needs_other,
    desil: h.desil,
    status: h.status,
    statusReason: h.status_reason,
    volunteerFirstName: volunteer?.name?.trim().split(/\s+/)[0] ?? null,
    registeredAt: h.created_at.toISOString(),
    lastVisitAt: h.last_visit_at ? h.last_visit_at.toISOString() : null,
    visits: await countVisits(db, householdId),
    photos: Number(photos.n),
    consentAt: consent ? consent.consented_at.toISOString() : null,
    tz: tz?.tz ?? "Asia/Jakarta",
  };
}

/** Visits recorded for the household. */
async function countVisits(db: Db, householdId: number): Promise<number> {
  const row = await db
    .selectFrom("visits")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("household_id", "=", householdId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
