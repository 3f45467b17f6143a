import { sql, type Selectable } from "kysely";
import {
  applyBlock,
  mayDecide,
  generateInviteCode,
  isInviteCodeShape,
  joinBlock,
  mayInviteFor,
  type ApplyBlock,
  type InviteRole,
} from "../../domain/onboarding.js";
import { isWithinArea, regionLevel } from "../../domain/region-names.js";
import type { PiiCrypto } from "../../pii.js";
import type { Db, InvitesTable, User, VolunteerApplicationsTable } from "../schema.js";
import { audit } from "./audit.js";
import { enqueueJob } from "./jobs.js";
import { getRegion } from "./regions.js";

export { mayDecide };

/**
 * Background work of onboarding (handlers in src/bot/onboarding/jobs.ts). Jobs are enqueued
 * in the caller's transaction, so they run only when the change was committed.
 */
export const ONBOARDING_JOBS = {
  /** `{ applicationId, event }`: tell staff about an application, or update their messages. */
  notify: "onboarding.notify",
  /** `{ userId, inviteId }`: someone joined through an invite (menu, inviter told). */
  joined: "onboarding.joined",
  /** `{ applicationId }`: no coordinator could be asked for 48 hours: tell the volunteer and the admins. */
  unreached: "onboarding.unreached",
} as const;

/** What happened to an application, for {@link ONBOARDING_JOBS.notify}. */
export type ApplicationEvent = "requested" | "decided" | "closed";

export type Application = Selectable<VolunteerApplicationsTable>;
export type Invite = Selectable<InvitesTable>;

/** The topic of the staff messages about one application (see bot/notices.ts). */
export const approvalTopic = (applicationId: number) => `approval:${applicationId}`;

/** Enqueues the staff/volunteer messages about an application, due at the app's `now`. */
async function notify(db: Db, applicationId: number, event: ApplicationEvent, now: Date): Promise<void> {
  await enqueueJob(db, ONBOARDING_JOBS.notify, { applicationId, event }, { now });
}

/** The user's row, locked for the rest of the transaction (serialises a user's own changes). */
async function lockUser(db: Db, userId: number): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", userId).forUpdate().executeTakeFirst();
}

/** True when the code is a village (level 4) that exists, inside `within` when given. */
export async function isVillage(db: Db, code: string, within: string | null = null): Promise<boolean> {
  if (regionLevel(code) !== 4 || !isWithinArea(code, within)) return false;
  return (await getRegion(db, code)) !== null;
}

// === Applications

export async function getApplication(db: Db, id: number): Promise<Application | undefined> {
  return db.selectFrom("volunteer_applications").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The newest application of a user (of one kind, when given). */
export async function latestApplication(
  db: Db,
  userId: number,
  kind?: Application["kind"],
): Promise<Application | undefined> {
  let q = db.selectFrom("volunteer_applications").selectAll().where("user_id", "=", userId);
  if (kind) q = q.where("kind", "=", kind);
  return q.orderBy("id", "desc").limit(1).executeTakeFirst();
}

/** Marks a user's open applications (of one kind, or all) closed and tells staff. */
async function closePending(
  db: Db,
  userId: number,
  status: "superseded" | "withdrawn",
  now: Date,
  kind?: Application["kind"],
): Promise<void> {
  let q = db
    .updateTable("volunteer_applications")
    .set({ status })
    .where("user_id", "=", userId)
    .where("status", "=", "pending");
  if (kind) q = q.where("kind", "=", kind);
  const closed = await q.returning("id").execute();
  for (const row of closed) await notify(db, row.id, "closed", now);
}

export interface RegistrationDraft {
  name: string;
  /** E.164, +62… */
  phone: string;
  villageCode: string;
}

export type SubmitResult =
  | { ok: true; applicationId: number; resubmitted: boolean }
  | { ok: false; reason: ApplyBlock | "unknown_user" | "bad_village" };

/**
 * Stores a volunteer registration and asks the coordinators of the village (and the admins)
 * to decide: the user becomes a `pending` volunteer. A pending volunteer who submits again
 * replaces their open application; a rejected one applies anew.
 */
export async function submitRegistration(db: Db, userId: number, draft: RegistrationDraft, now: Date): Promise<SubmitResult> {
  const user = await lockUser(db, userId);
  if (!user) return { ok: false, reason: "unknown_user" };
  const block = applyBlock(user);
  if (block) return { ok: false, reason: block };
  if (!(await isVillage(db, draft.villageCode))) return { ok: false, reason: "bad_village" };
  const open = await db
    .selectFrom("volunteer_applications")
    .select("id")
    .where("user_id", "=", userId)
    .where("status", "=", "pending")
    .executeTakeFirst();
  await closePending(db, userId, "superseded", now);
  await db
    .updateTable("users")
    .set({
      role: "volunteer",
      status: "pending",
      name: draft.name,
      phone: draft.phone,
      area_code: draft.villageCode,
      status_reason: null,
      decided_by: null,
      decided_at: null,
    })
    .where("id", "=", userId)
    .execute();
  const app = await db
    .insertInto("volunteer_applications")
    .values({ user_id: userId, kind: "registration", area_code: draft.villageCode, created_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(db, {
    actorId: userId,
    action: "volunteer.applied",
    entity: "user",
    entityId: userId,
    details: { applicationId: app.id, area: draft.villageCode, resubmitted: open !== undefined },
  });
  await notify(db, app.id, "requested", now);
  return { ok: true, applicationId: app.id, resubmitted: open !== undefined };
}

export type AreaChangeResult =
  | { ok: true; applicationId: number }
  | { ok: false; reason: "not_active_volunteer" | "bad_village" | "same_village" };

/**
 * An active volunteer asks to move to another village. They keep working in their current
 * village until a coordinator of the new one approves.
 */
export async function requestAreaChange(db: Db, userId: number, villageCode: string, now: Date): Promise<AreaChangeResult> {
  const user = await lockUser(db, userId);
  if (!user || user.role !== "volunteer" || user.status !== "active") return { ok: false, reason: "not_active_volunteer" };
  if (user.area_code === villageCode) return { ok: false, reason: "same_village" };
  if (!(await isVillage(db, villageCode))) return { ok: false, reason: "bad_village" };
  await closePending(db, userId, "superseded", now, "area_change");
  const app = await db
    .insertInto("volunteer_applications")
    .values({ user_id: userId, kind: "area_change", area_code: villageCode, previous_area_code: user.area_code, created_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(db, {
    actorId: userId,
    action: "volunteer.area_change_requested",
    entity: "user",
    entityId: userId,
    details: { applicationId: app.id, from: user.area_code, to: villageCode },
  });
  await notify(db, app.id, "requested", now);
  return { ok: true, applicationId: app.id };
}

export type DecideResult =
  | { kind: "done"; application: Application }
  | { kind: "not_found" }
  | { kind: "forbidden" }
  | { kind: "already"; application: Application; deciderName: string | null };

/**
 * Records a coordinator's decision. Atomic: the application is updated only while it is
 * still pending (a conditional update that waits for a concurrent decision to commit and
 * then finds nothing), so when two coordinators decide at the same moment exactly one
 * decision is stored; the other gets `already` with the winner's name.
 */
export async function decideApplication(
  db: Db,
  opts: { applicationId: number; decider: User; decision: "approved" | "rejected"; reason?: string | null; now: Date },
): Promise<DecideResult> {
  const current = await getApplication(db, opts.applicationId);
  if (!current) return { kind: "not_found" };
  if (!mayDecide(opts.decider, current)) return { kind: "forbidden" };
  const decided = await db
    .updateTable("volunteer_applications")
    .set({
      status: opts.decision,
      reason: opts.decision === "rejected" ? (opts.reason ?? null) : null,
      decided_by: opts.decider.id,
      decided_at: opts.now,
    })
    .where("id", "=", opts.applicationId)
    .where("status", "=", "pending")
    .returningAll()
    .executeTakeFirst();
  if (!decided) {
    const latest = (await getApplication(db, opts.applicationId)) ?? current;
    const decider = latest.decided_by === null ? undefined : await db.selectFrom("users").select("name").where("id", "=", latest.decided_by).executeTakeFirst();
    return { kind: "already", application: latest, deciderName: decider?.name ?? null };
  }
  if (decided.kind === "registration") {
    await db
      .updateTable("users")
      .set({
        status: opts.decision === "approved" ? "active" : "rejected",
        status_reason: opts.decision === "rejected" ? (opts.reason ?? null) : null,
        decided_by: opts.decider.id,
        decided_at: opts.now,
        })
      .where("id", "=", decided.user_id)
      .where("role", "=", "volunteer")
      .where("status", "=", "pending")
      .execute();
  } else if (opts.decision === "approved") {
    await db
      .updateTable("users")
      .set({ area_code: decided.area_code })
      .where("id", "=", decided.user_id)
      .where("role", "=", "volunteer")
      .execute();
  }
  await audit(db, {
    actorId: opts.decider.id,
    action: opts.decision === "approved" ? "application.approved" : "application.rejected",
    entity: "user",
    entityId: decided.user_id,
    details: { applicationId: decided.id, kind: decided.kind, area: decided.area_code },
  });
  await notify(db, decided.id, "decided", opts.now);
  return { kind: "done", application: decided };
}

/** What staff see about an application: the applicant and the names of the places. */
export interface ApplicationDetails {
  application: Application;
  applicant: User;
  deciderName: string | null;
}

export async function applicationDetails(db: Db, applicationId: number): Promise<ApplicationDetails | undefined> {
  const application = await getApplication(db, applicationId);
  if (!application) return undefined;
  const applicant = await db.selectFrom("users").selectAll().where("id", "=", application.user_id).executeTakeFirst();
  if (!applicant) return undefined;
  const decider =
    application.decided_by === null
      ? undefined
      : await db.selectFrom("users").select("name").where("id", "=", application.decided_by).executeTakeFirst();
  return { application, applicant, deciderName: decider?.name ?? null };
}

// === Waiting applications (digests, /persetujuan, the retry of undelivered ones)

/** A pending application as staff lists show it. */
export interface PendingApplicationRow {
  id: number;
  kind: Application["kind"];
  area_code: string;
  created_at: Date;
  applicant_id: number;
  applicant_name: string | null;
  /** Whether a coordinator has received the request (an admin's copy does not count). */
  reached_coordinator: boolean;
}

/** "approval:<id>" for an application row, in SQL (see {@link approvalTopic}). */
const topicOfApplication = sql<string>`concat('approval:', volunteer_applications.id)`;

/** True when a coordinator got the staff message of the application (recorded in staff_notice). */
const coordinatorNotified = sql<boolean>`exists (
  select 1 from staff_notice n join users u on u.id = n.user_id
  where n.topic = ${topicOfApplication} and u.role = 'coordinator')`;

/**
 * Pending applications in an area (a village inside it; null = everywhere, for admins),
 * oldest first, with the total. `excludeUserId` leaves out the viewer's own application;
 * `sentBefore` leaves out those sent since (unless they reached no coordinator).
 */
export async function pendingApplicationsIn(
  db: Db,
  opts: { area: string | null; excludeUserId?: number; limit: number; sentBefore?: Date },
): Promise<{ rows: PendingApplicationRow[]; total: number }> {
  let q = db
    .selectFrom("volunteer_applications")
    .innerJoin("users", "users.id", "volunteer_applications.user_id")
    .where("volunteer_applications.status", "=", "pending");
  if (opts.excludeUserId !== undefined) q = q.where("volunteer_applications.user_id", "!=", opts.excludeUserId);
  if (opts.sentBefore !== undefined) {
    // Older ones, and any that reached no coordinator (nobody got a message about them).
    const before = opts.sentBefore;
    q = q.where((eb) => eb.or([eb("volunteer_applications.created_at", "<", before), eb(sql<boolean>`not ${coordinatorNotified}`, "=", true)]));
  }
  if (opts.area !== null) {
    const area = opts.area;
    q = q.where((eb) => eb.or([eb("volunteer_applications.area_code", "=", area), eb("volunteer_applications.area_code", "like", `${area}.%`)]));
  }
  const rows = await q
    .select([
      "volunteer_applications.id",
      "volunteer_applications.kind",
      "volunteer_applications.area_code",
      "volunteer_applications.created_at",
      "users.id as applicant_id",
      "users.name as applicant_name",
    ])
    .select(coordinatorNotified.as("reached_coordinator"))
    .orderBy("volunteer_applications.created_at")
    .orderBy("volunteer_applications.id")
    .limit(opts.limit)
    .execute();
  const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return { rows: rows.map((r) => ({ ...r, reached_coordinator: Boolean(r.reached_coordinator) })), total: Number(count.n) };
}

/** Pending applications that no coordinator has received yet (nobody of the area could be asked). */
export async function applicationsWithoutCoordinator(db: Db): Promise<Application[]> {
  return db
    .selectFrom("volunteer_applications")
    .selectAll()
    .where("status", "=", "pending")
    .where(sql<boolean>`not ${coordinatorNotified}`)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** Staff who have a message about the application (recorded under its topic). */
export async function notifiedStaffIds(db: Db, applicationId: number): Promise<Set<number>> {
  const rows = await db.selectFrom("staff_notice").select("user_id").where("topic", "=", approvalTopic(applicationId)).execute();
  return new Set(rows.flatMap((r) => (r.user_id === null ? [] : [r.user_id])));
}

// === Profile

/** Changes a user's own name or phone number (audited without the values). */
export async function updateOwnContact(db: Db, userId: number, change: { name: string } | { phone: string }): Promise<User> {
  const user = await db
    .updateTable("users")
    .set(change)
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(db, {
    actorId: userId,
    action: "user.profile_changed",
    entity: "user",
    entityId: userId,
    details: { field: "name" in change ? "name" : "phone" },
  });
  return user;
}

// === Invites

export type InviteProblem = "unknown" | "revoked" | "expired" | "used_up" | "inviter_inactive";

/** An invite with what its recipient and the checks need. */
export interface InviteInfo {
  invite: Invite;
  inviter: User;
}

/** Why an invite cannot be used now, or null. */
export function inviteProblem(info: InviteInfo, now: Date): InviteProblem | null {
  const { invite, inviter } = info;
  if (invite.revoked_at !== null) return "revoked";
  if (invite.expires_at.getTime() <= now.getTime()) return "expired";
  if (invite.uses >= invite.max_uses) return "used_up";
  // An invite stops working when its creator may no longer create it (suspended, moved).
  if (!mayInviteFor(inviter, invite.role, invite.area_code)) return "inviter_inactive";
  return null;
}

async function withInviter(db: Db, invite: Invite | undefined): Promise<InviteInfo | undefined> {
  if (!invite) return undefined;
  const inviter = await db.selectFrom("users").selectAll().where("id", "=", invite.created_by).executeTakeFirst();
  return inviter ? { invite, inviter } : undefined;
}

export async function findInviteByCode(db: Db, pii: PiiCrypto, code: string): Promise<InviteInfo | undefined> {
  if (!isInviteCodeShape(code)) return undefined;
  const invite = await db.selectFrom("invites").selectAll().where("code_hash", "=", pii.hash(code)).executeTakeFirst();
  return withInviter(db, invite);
}

export async function findInviteById(db: Db, id: number): Promise<InviteInfo | undefined> {
  return withInviter(db, await db.selectFrom("invites").selectAll().where("id", "=", id).executeTakeFirst());
}

export type CreateInviteResult = { ok: true; invite: Invite; code: string } | { ok: false; reason: "not_allowed" | "bad_area" };

/** Creates an invite code (checked against the inviter's own area) and audits it. */
export async function createInvite(
  db: Db,
  pii: PiiCrypto,
  opts: { creatorId: number; role: InviteRole; areaCode: string; maxUses: number; expiresAt: Date; now?: Date },
): Promise<CreateInviteResult> {
  const creator = await db.selectFrom("users").selectAll().where("id", "=", opts.creatorId).executeTakeFirst();
  if (!creator || !mayInviteFor(creator, opts.role, opts.areaCode)) return { ok: false, reason: "not_allowed" };
  if ((await getRegion(db, opts.areaCode)) === null) return { ok: false, reason: "bad_area" };
  const code = generateInviteCode();
  const invite = await db
    .insertInto("invites")
    .values({
      code_hash: pii.hash(code),
      code_enc: pii.encrypt(code),
      role: opts.role,
      area_code: opts.areaCode,
      created_by: creator.id,
      max_uses: opts.maxUses,
      expires_at: opts.expiresAt,
      ...(opts.now ? { created_at: opts.now } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(db, {
    actorId: creator.id,
    action: "invite.created",
    entity: "invite",
    entityId: invite.id,
    details: { role: opts.role, area: opts.areaCode, maxUses: opts.maxUses, expiresAt: opts.expiresAt.toISOString() },
  });
  return { ok: true, invite, code };
}

/** The inviter's invites, newest first, with the total. */
export async function listOwnInvites(
  db: Db,
  creatorId: number,
  page: { limit: number; offset: number },
): Promise<{ rows: Invite[]; total: number }> {
  const rows = await db
    .selectFrom("invites")
    .selectAll()
    .where("created_by", "=", creatorId)
    .orderBy("id", "desc")
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const count = await db
    .selectFrom("invites")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("created_by", "=", creatorId)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.n) };
}

/** Revokes one of the user's own invites; false when it is not theirs or already revoked. */
export async function revokeInvite(db: Db, opts: { inviteId: number; userId: number; now: Date }): Promise<boolean> {
  const row = await db
    .updateTable("invites")
    .set({ revoked_at: opts.now })
    .where("id", "=", opts.inviteId)
    .where("created_by", "=", opts.userId)
    .where("revoked_at", "is", null)
    .returning(["id", "role", "area_code"])
    .executeTakeFirst();
  if (!row) return false;
  await audit(db, {
    actorId: opts.userId,
    action: "invite.revoked",
    entity: "invite",
    entityId: row.id,
    details: { role: row.role, area: row.area_code },
  });
  return true;
}

export type JoinResult =
  | { ok: true; role: InviteRole; areaCode: string }
  | { ok: false; reason: InviteProblem | ApplyBlock | "unknown_user" | "bad_village" };

/**
 * Joins through an invite: a volunteer (in a village inside the invite's area) or a
 * coordinator (of the invite's area) becomes active at once. The use is counted with a
 * conditional update, so an invite is never used more often than allowed, even by people
 * joining at the same moment. An open application of the user is withdrawn.
 */
export async function joinWithInvite(
  db: Db,
  opts: { userId: number; inviteId: number; name: string; phone: string; villageCode: string | null; now: Date },
): Promise<JoinResult> {
  const user = await lockUser(db, opts.userId);
  if (!user) return { ok: false, reason: "unknown_user" };
  const info = await findInviteById(db, opts.inviteId);
  if (!info) return { ok: false, reason: "unknown" };
  const { invite } = info;
  const block = joinBlock(user, invite.role);
  if (block) return { ok: false, reason: block };
  const problem = inviteProblem(info, opts.now);
  if (problem) return { ok: false, reason: problem };
  let area = invite.area_code;
  if (invite.role === "volunteer") {
    const village = opts.villageCode ?? (regionLevel(invite.area_code) === 4 ? invite.area_code : null);
    if (village === null || !(await isVillage(db, village, invite.area_code))) return { ok: false, reason: "bad_village" };
    area = village;
  }
  const claimed = await db
    .updateTable("invites")
    .set((eb) => ({ uses: eb("uses", "+", 1) }))
    .where("id", "=", invite.id)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", opts.now)
    .where((eb) => eb("uses", "<", eb.ref("max_uses")))
    .returning("id")
    .executeTakeFirst();
  if (!claimed) {
    const again = await findInviteById(db, invite.id);
    return { ok: false, reason: (again && inviteProblem(again, opts.now)) ?? "used_up" };
  }
  await db
    .insertInto("invite_uses")
    .values({ invite_id: invite.id, user_id: user.id, used_at: opts.now })
    .onConflict((oc) => oc.columns(["invite_id", "user_id"]).doNothing())
    .execute();
  await closePending(db, user.id, "withdrawn", opts.now);
  await db
    .updateTable("users")
    .set({
      role: invite.role,
      status: "active",
      name: opts.name,
      phone: opts.phone,
      area_code: area,
      status_reason: null,
      decided_by: invite.created_by,
      decided_at: opts.now,
    })
    .where("id", "=", user.id)
    .execute();
  await audit(db, {
    actorId: user.id,
    action: "invite.used",
    entity: "invite",
    entityId: invite.id,
    details: { userId: user.id, role: invite.role, area },
  });
  if (user.role !== invite.role) {
    await audit(db, {
      actorId: invite.created_by,
      action: "user.role_changed",
      entity: "user",
      entityId: user.id,
      details: { from: user.role, to: invite.role, area, inviteId: invite.id },
    });
  }
  await enqueueJob(db, ONBOARDING_JOBS.joined, { userId: user.id, inviteId: invite.id }, { now: opts.now });
  return { ok: true, role: invite.role, areaCode: area };
}
