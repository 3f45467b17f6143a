import type { Db, Household, User } from "../../db/schema.js";
import type { PiiCrypto } from "../../pii.js";
import { regionLabel } from "../../db/queries/regions.js";
import { statusActorRole } from "../../db/queries/status-change.js";
import { nextStatuses, requiresReason } from "../../domain/household-status.js";
import { isHouseholdStatus } from "../../domain/ppks.js";
import { maskKk, maskNik } from "../../domain/mask.js";
import { isStaffFor } from "../../domain/access.js";
import { inScopeSql, type StaffScope } from "../scope.js";
import { overdueCutoff, scopeZone, todayIn } from "./common.js";

/** Visits shown on a card (newest first); older ones are counted. */
const MAX_VISITS = 50;

/** The household if it lies in the scope (forged ids get nothing). */
export async function findScopedHousehold(db: Db, scope: StaffScope, id: number): Promise<Household | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return db.selectFrom("households").selectAll().where("id", "=", id).where(inScopeSql("households.village_code", scope)).executeTakeFirst();
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function safeMask(pii: PiiCrypto, sealed: string | null, mask: (s: string) => string): string | null {
  if (!sealed) return null;
  try {
    return mask(pii.decrypt(sealed));
  } catch {
    return mask("");
  }
}

/**
 * Everything the household card shows: data with NIK and No. KK masked, members, photos, the
 * visit timeline with its photos and voice notes, the status history, and what this user may
 * do (the next statuses for their role, whether a reason is needed, reassigning).
 */
export async function householdCard(db: Db, pii: PiiCrypto, user: User, scope: StaffScope, h: Household, opts: { now: Date; overdueDays: number }) {
  const zone = await scopeZone(db, scope);
  const cutoff = overdueCutoff(todayIn(zone, opts.now), opts.overdueDays);
  const volunteer = h.volunteer_id
    ? await db.selectFrom("users").select(["id", "name", "status"]).where("id", "=", h.volunteer_id).executeTakeFirst()
    : undefined;
  const members = await db
    .selectFrom("household_members")
    .select(["id", "name", "relationship", "sex", "birth_date", "nik_enc"])
    .where("household_id", "=", h.id)
    .orderBy("id")
    .execute();
  const photos = await db.selectFrom("household_photos").select(["id"]).where("household_id", "=", h.id).orderBy("id").execute();
  const visits = await db
    .selectFrom("visits")
    .leftJoin("users", "users.id", "visits.volunteer_id")
    .select([
      "visits.id",
      "visits.visited_on",
      "visits.written_at",
      "visits.purpose",
      "visits.intervention",
      "visits.conditions",
      "visits.condition_note",
      "visits.help_given",
      "visits.referral",
      "visits.referral_note",
      "visits.follow_up",
      "visits.next_visit_date",
      "visits.urgency",
      "visits.latitude",
      "users.name as volunteer_name",
    ])
    .where("visits.household_id", "=", h.id)
    .orderBy("visits.visited_on", "desc")
    .orderBy("visits.id", "desc")
    .limit(MAX_VISITS)
    .execute();
  const visitCount = Number(
    (await db.selectFrom("visits").select((eb) => eb.fn.countAll<number>().as("n")).where("household_id", "=", h.id).executeTakeFirstOrThrow()).n,
  );
  const media =
    visits.length === 0
      ? []
      : await db
          .selectFrom("visit_media")
          .select(["id", "visit_id", "kind"])
          .where(
            "visit_id",
            "in",
            visits.map((v) => v.id),
          )
          .orderBy("id")
          .execute();
  const history = await db
    .selectFrom("household_status_history")
    .leftJoin("users", "users.id", "household_status_history.changed_by")
    .select([
      "household_status_history.id",
      "household_status_history.from_status",
      "household_status_history.to_status",
      "household_status_history.reason",
      "household_status_history.changed_at",
      "users.name as changed_by_name",
    ])
    .where("household_status_history.household_id", "=", h.id)
    .orderBy("household_status_history.changed_at", "desc")
    .orderBy("household_status_history.id", "desc")
    .limit(100)
    .execute();
  const lastUrgency = await db.selectFrom("household_last_visit").select("urgency").where("household_id", "=", h.id).executeTakeFirst();

  const role = statusActorRole(user, h);
  const staffRole = role === "coordinator" || role === "admin" ? role : null;
  const canAct = staffRole !== null && h.anonymized_at === null;
  const statusOptions =
    canAct && isHouseholdStatus(h.status) ? nextStatuses(h.status, staffRole).map((to) => ({ to, reasonRequired: requiresReason(to) })) : [];
  // Same rule as the list (ISO dates compare as strings).
  const overdue = h.anonymized_at === null && h.status !== "selesai" && h.next_visit_date !== null && h.next_visit_date < cutoff;

  return {
    id: h.id,
    refCode: h.ref_code,
    headName: h.head_name,
    headSex: h.head_sex,
    headBirthDate: h.head_birth_date,
    nik: safeMask(pii, h.head_nik_enc, maskNik),
    kk: safeMask(pii, h.kk_enc, maskKk),
    hasIdentity: h.head_nik_enc !== null || h.kk_enc !== null || members.some((m) => m.nik_enc !== null),
    status: h.status,
    statusReason: h.status_reason,
    statusChangedAt: iso(h.status_changed_at),
    villageCode: h.village_code,
    village: (await regionLabel(db, h.village_code)) ?? h.village_code,
    rt: h.rt,
    rw: h.rw,
    address: h.address,
    location: h.latitude !== null && h.longitude !== null ? { lat: h.latitude, lon: h.longitude } : null,
    memberCount: h.member_count,
    ppks: h.ppks,
    housing: h.housing,
    programmes: h.programmes,
    programmeOther: h.programme_other,
    needs: h.needs,
    needsOther: h.needs_other,
    desil: h.desil,
    volunteer: volunteer ? { id: volunteer.id, name: volunteer.name, status: volunteer.status } : null,
    registeredAt: iso(h.created_at),
    lastVisitAt: iso(h.last_visit_at),
    lastUrgency: lastUrgency?.urgency ?? null,
    nextVisitDate: h.next_visit_date,
    overdue,
    anonymized: h.anonymized_at !== null,
    zone,
    members: members.map((m) => ({
      id: m.id,
      name: m.name,
      relationship: m.relationship,
      sex: m.sex,
      birthDate: m.birth_date,
      nik: safeMask(pii, m.nik_enc, maskNik),
    })),
    photos: photos.map((p) => p.id),
    visits: visits.map((v) => ({
      id: v.id,
      visitedOn: v.visited_on,
      writtenAt: iso(v.written_at),
      purpose: v.purpose,
      intervention: v.intervention,
      conditions: v.conditions,
      conditionNote: v.condition_note,
      helpGiven: v.help_given,
      referral: v.referral,
      referralNote: v.referral_note,
      followUp: v.follow_up,
      nextVisitDate: v.next_visit_date,
      urgency: v.urgency,
      hasLocation: v.latitude !== null,
      volunteer: v.volunteer_name,
      media: media.filter((m) => m.visit_id === v.id).map((m) => ({ id: m.id, kind: m.kind })),
    })),
    visitCount,
    history: history.map((x) => ({
      id: x.id,
      from: x.from_status,
      to: x.to_status,
      reason: x.reason,
      at: iso(x.changed_at),
      by: x.changed_by_name,
    })),
    actions: {
      statuses: statusOptions,
      reassign: canAct && isStaffFor(user, h),
      reveal: h.anonymized_at === null,
    },
  };
}

/** The full identity numbers of a household (the audited "show full NIK" action). */
export async function revealIdentity(db: Db, pii: PiiCrypto, h: Household) {
  const members = await db
    .selectFrom("household_members")
    .select(["id", "nik_enc"])
    .where("household_id", "=", h.id)
    .where("nik_enc", "is not", null)
    .orderBy("id")
    .execute();
  const open = (s: string | null) => {
    if (!s) return null;
    try {
      return pii.decrypt(s);
    } catch {
      return null;
    }
  };
  return {
    nik: open(h.head_nik_enc),
    kk: open(h.kk_enc),
    members: members.map((m) => ({ id: m.id, nik: open(m.nik_enc) })),
  };
}
