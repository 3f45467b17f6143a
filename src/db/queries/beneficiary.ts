import { sql, type Selectable } from "kysely";
import type { PiiCrypto } from "../../pii.js";
import { verificationMatches, type Verification } from "../../domain/status-verify.js";
import type { DataRequestKind, DataRequestsTable, Db, Household, User } from "../schema.js";
import { audit } from "./audit.js";
import { enqueueJob } from "./jobs.js";
import { visibleTo } from "./households.js";

/**
 * Beneficiary self-service: the private status check with its lockout, verified sessions,
 * status subscriptions and data-subject requests (UU PDP). Everything runs in the caller's
 * transaction; times come from the caller (the app clock), never from the database.
 */

/** Failed checks counted per chat and per code… */
export const MAX_FAILURES = 5;
/** …within this window; a lock lasts until the window no longer holds that many failures. */
export const LOCK_WINDOW_MS = 60 * 60 * 1000;
/** How long the buttons under a status card work after a successful check. */
export const SESSION_MS = 30 * 60 * 1000;
/** UU PDP: data-subject requests are answered within 3×24 hours. */
export const DSR_DEADLINE_MS = 72 * 60 * 60 * 1000;

/** Background work of this feature (handlers in src/bot/beneficiary/jobs.ts). */
export const BENEFICIARY_JOBS = {
  /** `{ historyId, chatId }`: tell one subscriber about a status change. */
  statusNotify: "status.notify",
  /** `{ requestId }`: tell the area's coordinators about a new data-subject request. */
  dsrNotify: "dsr.notify",
  /** `{ requestId }`: tell the requester the outcome and update the coordinators' messages. */
  dsrOutcome: "dsr.outcome",
  /** `{ requestId }`: redraw the coordinators' messages about a request (e.g. after an erasure). */
  dsrRefresh: "dsr.refresh",
  /** `{ chatId, messageId }`: remove a message that shows identity numbers in full. */
  deleteMessage: "dsr.delete_message",
} as const;

/** The topic of the coordinators' messages about one request (see bot/notices.ts). */
export const dsrTopic = (requestId: number) => `dsr:${requestId}`;

export interface Lock {
  scope: "chat" | "code";
  /** ISO time when the lock ends. */
  until: string;
}

// === Lockout

/**
 * The lock on a chat and/or a code (given as its keyed hash), if any: a scope is locked while
 * it has {@link MAX_FAILURES} failures in the last hour, until the oldest of the last five of
 * them is an hour old. When both are locked, the later end wins.
 */
export async function currentLock(db: Db, opts: { chatId: number; codeHash?: string; now: Date }): Promise<Lock | null> {
  const since = new Date(opts.now.getTime() - LOCK_WINDOW_MS);
  const fifthNewest = async (column: "chat_id" | "code_hash", value: number | string): Promise<Date | undefined> => {
    const row = await db
      .selectFrom("status_attempts")
      .select("at")
      .where(column, "=", value as never)
      .where("success", "=", false)
      .where("at", ">", since)
      .where("at", "<=", opts.now)
      .orderBy("at", "desc")
      .offset(MAX_FAILURES - 1)
      .limit(1)
      .executeTakeFirst();
    return row?.at;
  };
  const locks: Lock[] = [];
  const chatAt = await fifthNewest("chat_id", opts.chatId);
  if (chatAt) locks.push({ scope: "chat", until: new Date(chatAt.getTime() + LOCK_WINDOW_MS).toISOString() });
  if (opts.codeHash !== undefined) {
    const codeAt = await fifthNewest("code_hash", opts.codeHash);
    if (codeAt) locks.push({ scope: "code", until: new Date(codeAt.getTime() + LOCK_WINDOW_MS).toISOString() });
  }
  locks.sort((a, b) => b.until.localeCompare(a.until));
  return locks[0] ?? null;
}

/** Audits a refused or newly started lockout (no code, no typed values). */
async function auditLockout(db: Db, actorId: number | null, chatId: number, lock: Lock, trigger: "refused" | "limit_reached"): Promise<void> {
  await audit(db, {
    actorId,
    action: "status_check.lockout",
    entity: "status_check",
    details: { chatId, scope: lock.scope, until: lock.until, trigger },
  });
}

/**
 * Checks for a lock before a step of the status check; a refused step is audited. The code,
 * when given, is already normalised.
 */
export async function checkLock(
  db: Db,
  pii: PiiCrypto,
  opts: { chatId: number; code?: string; now: Date; actorId: number | null },
): Promise<Lock | null> {
  const lock = await currentLock(db, {
    chatId: opts.chatId,
    ...(opts.code !== undefined ? { codeHash: codeHash(pii, opts.code) } : {}),
    now: opts.now,
  });
  if (lock) await auditLockout(db, opts.actorId, opts.chatId, lock, "refused");
  return lock;
}

/** The keyed hash of a normalised reference code (what status_attempts stores). */
export function codeHash(pii: PiiCrypto, code: string): string {
  return pii.hash(`status-code:${code}`);
}

export type CheckOutcome =
  | { kind: "ok"; householdId: number }
  /** Wrong code or wrong verification (never told apart); `lock` when this failure started one. */
  | { kind: "mismatch"; lock: Lock | null }
  | { kind: "locked"; lock: Lock };

/**
 * One status check: the normalised code and the verification. Serialised per code (advisory
 * lock), refused while the chat or the code is locked; records the attempt, audits the
 * outcome and, on success, opens a session for the chat. A household whose data was erased
 * never matches.
 */
export async function runStatusCheck(
  db: Db,
  pii: PiiCrypto,
  opts: { chatId: number; code: string; verification: Verification; now: Date; actorId: number | null },
): Promise<CheckOutcome> {
  const hash = codeHash(pii, opts.code);
  await sql`select pg_advisory_xact_lock(hashtextextended(${`status:${hash}`}::text, 0))`.execute(db);
  const lock = await currentLock(db, { chatId: opts.chatId, codeHash: hash, now: opts.now });
  if (lock) {
    await auditLockout(db, opts.actorId, opts.chatId, lock, "refused");
    return { kind: "locked", lock };
  }
  const household = await db
    .selectFrom("households")
    .select(["id", "head_birth_date", "head_nik_enc"])
    .where("ref_code", "=", opts.code)
    .where("anonymized_at", "is", null)
    .executeTakeFirst();
  let matched = false;
  if (household) {
    const nik = opts.verification.kind === "nik_last4" && household.head_nik_enc ? pii.decrypt(household.head_nik_enc) : null;
    matched = verificationMatches(opts.verification, { birthDate: household.head_birth_date, nik });
  }
  await db.insertInto("status_attempts").values({ chat_id: opts.chatId, code_hash: hash, success: matched, at: opts.now }).execute();
  if (matched && household) {
    await openSession(db, opts.chatId, household.id, opts.now);
    await audit(db, {
      actorId: opts.actorId,
      action: "status_check.success",
      entity: "household",
      entityId: household.id,
      details: { chatId: opts.chatId, method: opts.verification.kind },
    });
    return { kind: "ok", householdId: household.id };
  }
  await audit(db, {
    actorId: opts.actorId,
    action: "status_check.failure",
    entity: "status_check",
    details: { chatId: opts.chatId, method: opts.verification.kind },
  });
  const after = await currentLock(db, { chatId: opts.chatId, codeHash: hash, now: opts.now });
  if (after) await auditLockout(db, opts.actorId, opts.chatId, after, "limit_reached");
  return { kind: "mismatch", lock: after };
}

// === Sessions

/** Opens (or renews) the chat's session for a household; expired sessions are swept. */
export async function openSession(db: Db, chatId: number, householdId: number, now: Date): Promise<void> {
  await db.deleteFrom("status_sessions").where("expires_at", "<=", now).execute();
  const expires = new Date(now.getTime() + SESSION_MS);
  await db
    .insertInto("status_sessions")
    .values({ chat_id: chatId, household_id: householdId, verified_at: now, expires_at: expires })
    .onConflict((oc) => oc.columns(["chat_id", "household_id"]).doUpdateSet({ verified_at: now, expires_at: expires }))
    .execute();
}

/**
 * The household if this chat verified it and the session is still live (and its data was not
 * erased since); undefined otherwise. Every button under a status card goes through this.
 */
export async function verifiedHousehold(db: Db, chatId: number, householdId: number, now: Date): Promise<Household | undefined> {
  return db
    .selectFrom("households")
    .innerJoin("status_sessions", "status_sessions.household_id", "households.id")
    .selectAll("households")
    .where("status_sessions.chat_id", "=", chatId)
    .where("status_sessions.household_id", "=", householdId)
    .where("status_sessions.expires_at", ">", now)
    .where("households.anonymized_at", "is", null)
    .executeTakeFirst();
}

// === What the status card shows

/** The few facts a verified person sees: nothing that identifies anyone. */
export interface StatusView {
  householdId: number;
  refCode: string;
  status: string;
  /** Only for a rejection: the reason, in the coordinator's words. */
  reason: string | null;
  /** ISO time of the last status change. */
  changedAt: string;
  volunteerFirstName: string | null;
  /** IANA zone of the household's province (for dates). */
  tz: string;
  subscribed: boolean;
}

export async function loadStatusView(db: Db, householdId: number, chatId: number): Promise<StatusView | undefined> {
  const h = await db
    .selectFrom("households")
    .leftJoin("users", "users.id", "households.volunteer_id")
    .select(["households.id", "households.ref_code", "households.status", "households.status_reason", "households.status_changed_at"])
    .select(["households.village_code", "users.name as volunteer_name"])
    .where("households.id", "=", householdId)
    .executeTakeFirst();
  if (!h) return undefined;
  const tz = await db
    .selectFrom("regions")
    .select("tz")
    .where("code", "=", h.village_code.slice(0, 2))
    .where("level", "=", 1)
    .executeTakeFirst();
  const sub = await db
    .selectFrom("status_subscriptions")
    .select("id")
    .where("household_id", "=", householdId)
    .where("chat_id", "=", chatId)
    .executeTakeFirst();
  return {
    householdId: h.id,
    refCode: h.ref_code,
    status: h.status,
    reason: h.status === "ditolak" ? h.status_reason : null,
    changedAt: h.status_changed_at.toISOString(),
    volunteerFirstName: h.volunteer_name?.trim().split(/\s+/)[0] ?? null,
    tz: tz?.tz ?? "Asia/Jakarta",
    subscribed: sub !== undefined,
  };
}

// === Subscriptions

/** Subscribes a chat to a household's status changes; false when it already was. */
export async function subscribe(db: Db, householdId: number, chatId: number, actorId: number | null): Promise<boolean> {
  const row = await db
    .insertInto("status_subscriptions")
    .values({ household_id: householdId, chat_id: chatId })
    .onConflict((oc) => oc.columns(["household_id", "chat_id"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  if (row) await audit(db, { actorId, action: "status.subscribe", entity: "household", entityId: householdId, details: { chatId } });
  return row !== undefined;
}

/** Removes this chat's subscription (only its own); false when there was none. */
export async function unsubscribe(db: Db, householdId: number, chatId: number, actorId: number | null): Promise<boolean> {
  const res = await db
    .deleteFrom("status_subscriptions")
    .where("household_id", "=", householdId)
    .where("chat_id", "=", chatId)
    .executeTakeFirst();
  const removed = Number(res.numDeletedRows) > 0;
  if (removed) await audit(db, { actorId, action: "status.unsubscribe", entity: "household", entityId: householdId, details: { chatId } });
  return removed;
}

export async function isSubscribed(db: Db, householdId: number, chatId: number): Promise<boolean> {
  const row = await db
    .selectFrom("status_subscriptions")
    .select("id")
    .where("household_id", "=", householdId)
    .where("chat_id", "=", chatId)
    .executeTakeFirst();
  return row !== undefined;
}

// === Data-subject requests

export type DataRequest = Selectable<DataRequestsTable>;

export async function getDataRequest(db: Db, id: number): Promise<DataRequest | undefined> {
  return db.selectFrom("data_requests").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The open request of this kind for the household, if one is waiting already. */
export async function openRequestOf(db: Db, householdId: number, kind: DataRequestKind): Promise<DataRequest | undefined> {
  return db
    .selectFrom("data_requests")
    .selectAll()
    .where("household_id", "=", householdId)
    .where("kind", "=", kind)
    .where("status", "=", "open")
    .executeTakeFirst();
}

/**
 * Records a request (due 3×24 hours later) and tells the area's coordinators (job). An access
 * request is answered at once by the bot, so it is recorded as resolved. Correction details
 * are stored encrypted and never audited.
 */
export async function createDataRequest(
  db: Db,
  pii: PiiCrypto,
  opts: { householdId: number; chatId: number; requesterId: number | null; kind: DataRequestKind; details: string | null; now: Date },
): Promise<DataRequest> {
  const autoResolved = opts.kind === "access";
  const row = await db
    .insertInto("data_requests")
    .values({
      household_id: opts.householdId,
      chat_id: opts.chatId,
      requester_id: opts.requesterId,
      kind: opts.kind,
      details_enc: opts.details ? pii.encrypt(opts.details) : null,
      status: autoResolved ? "resolved" : "open",
      created_at: opts.now,
      due_at: new Date(opts.now.getTime() + DSR_DEADLINE_MS),
      resolved_at: autoResolved ? opts.now : null,
      resolution_note: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(db, {
    actorId: opts.requesterId,
    action: "dsr.created",
    entity: "data_request",
    entityId: row.id,
    details: { householdId: opts.householdId, kind: opts.kind, chatId: opts.chatId },
  });
  if (autoResolved) {
    await audit(db, {
      actorId: null,
      action: "dsr.resolved",
      entity: "data_request",
      entityId: row.id,
      details: { householdId: opts.householdId, kind: opts.kind, outcome: "resolved", automatic: true },
    });
  }
  await enqueueJob(db, BENEFICIARY_JOBS.dsrNotify, { requestId: row.id }, { key: `dsr-notify:${row.id}`, now: opts.now });
  return row;
}

/**
 * Closes an open request (resolved or rejected), audits it and queues the outcome for the
 * requester and the coordinators. Returns undefined when the request is no longer open
 * (someone else acted first).
 */
export async function closeDataRequest(
  db: Db,
  opts: { requestId: number; outcome: "resolved" | "rejected"; by: number; note: string | null; now: Date },
): Promise<DataRequest | undefined> {
  const row = await db
    .updateTable("data_requests")
    .set({ status: opts.outcome, resolved_by: opts.by, resolved_at: opts.now, resolution_note: opts.note })
    .where("id", "=", opts.requestId)
    .where("status", "=", "open")
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  await audit(db, {
    actorId: opts.by,
    action: "dsr.resolved",
    entity: "data_request",
    entityId: row.id,
    details: { householdId: row.household_id, kind: row.kind, outcome: opts.outcome },
  });
  await enqueueJob(db, BENEFICIARY_JOBS.dsrOutcome, { requestId: row.id }, { key: `dsr-outcome:${row.id}`, now: opts.now });
  return row;
}

/** An open request as listed for staff. */
export interface OpenRequestRow {
  id: number;
  kind: DataRequestKind;
  householdId: number;
  refCode: string;
  villageCode: string;
  dueAt: Date;
}

/** Open requests of the households this staff member may see, the most urgent (overdue) first. */
export async function listOpenRequests(db: Db, user: User, limit = 20): Promise<{ rows: OpenRequestRow[]; total: number }> {
  const base = db
    .selectFrom("data_requests")
    .innerJoin("households", "households.id", "data_requests.household_id")
    .where("data_requests.status", "=", "open")
    .where(visibleTo(user));
  const rows = await base
    .select(["data_requests.id", "data_requests.kind", "data_requests.household_id", "data_requests.due_at"])
    .select(["households.ref_code", "households.village_code"])
    .orderBy("data_requests.due_at")
    .orderBy("data_requests.id")
    .limit(limit)
    .execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return {
    rows: rows.map((r) => ({ id: r.id, kind: r.kind, householdId: r.household_id, refCode: r.ref_code, villageCode: r.village_code, dueAt: r.due_at })),
    total: Number(count.n),
  };
}

// === Erasure

/** What an erased household's name reads as. */
export const ERASED_NAME = "(dihapus)";

/**
 * Erases a household's personal data on request (UU PDP): names, identity numbers, birth
 * date, address and location, members, photos, KK history, free-text notes, correction texts,
 * subscriptions and sessions, visit free text and media. What stays
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

// === Access (the data subject's copy)

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
