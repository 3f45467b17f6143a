import { sql, type RawBuilder, type Selectable } from "kysely";
import type { PiiCrypto } from "../../pii.js";
import {
  canMoveProposal,
  completeness,
  isEvidenceItem,
  isFinalStatus,
  isProposalKind,
  isProposalStatus,
  type Completeness,
  type EvidenceItem,
  type PhotoItem,
  type ProposalCapacity,
  type ProposalKind,
  type ProposalRefusal,
  type ProposalStatus,
} from "../../domain/dtsen.js";
import { CONSENT_VERSION } from "../../domain/household.js";
import type { Db, DtsenEvidenceTable, DtsenPackagesTable, DtsenProposalsTable, Household } from "../schema.js";
import { audit } from "./audit.js";
import { enqueueJob } from "./jobs.js";

/**
 * DTSEN proposals, their evidence, history and hand-over packages. Everything runs in the
 * caller's transaction; times come from the caller (the app clock). Audit entries carry ids,
 * kinds, reasons and statuses only — never names, notes or identity numbers.
 */

export type Proposal = Selectable<DtsenProposalsTable>;
export type EvidenceRow = Selectable<DtsenEvidenceTable>;
export type Package = Selectable<DtsenPackagesTable>;

/** Background work of the feature (handlers in src/bot/dtsen/jobs.ts). */
export const DTSEN_JOBS = {
  /** `{ historyId }`: tell whoever a status change concerns (coordinators, the volunteer). */
  notify: "dtsen.notify",
  /** `{ historyId, chatId }`: tell a subscribed family the outcome in plain words. */
  familyNotify: "dtsen.family_notify",
  /** `{ packageId }`: tell each volunteer which of their proposals were handed over. */
  handoverNotify: "dtsen.handover_notify",
  /** `{ packageId, userId, chatId, full }`: build and send the hand-over files. */
  buildPackage: "dtsen.package",
  /** `{ chatId, messageId }`: remove the KK photo shown to a coordinator. */
  deleteMessage: "dtsen.delete_message",
  /** `{ window, zone }`: find who gets the update-window reminder in one time zone. */
  reminderZone: "dtsen.reminder_zone",
  /** `{ window, userId }`: one reminder. */
  reminderUser: "dtsen.reminder_user",
  /** `{}`: evidence of erased households is deleted. */
  purge: "dtsen.purge",
} as const;

/** A village-code column inside an area (null: the whole country). */
function villageIn(column: string, area: string | null): RawBuilder<boolean> {
  if (area === null) return sql<boolean>`true`;
  return sql<boolean>`(${sql.ref(column)} = ${area} or ${sql.ref(column)} like ${`${area}.%`})`;
}

// === Reading

export async function findProposal(db: Db, id: number): Promise<Proposal | undefined> {
  if (!Number.isSafeInteger(id)) return undefined;
  return db.selectFrom("dtsen_proposals").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The household's proposal in progress (not final), if any. */
export async function findOpenProposal(db: Db, householdId: number): Promise<Proposal | undefined> {
  return db
    .selectFrom("dtsen_proposals")
    .selectAll()
    .where("household_id", "=", householdId)
    .where("status", "not in", ["diterima", "ditolak", "dibatalkan"])
    .executeTakeFirst();
}

/** The household's proposals, newest first. */
export async function listHouseholdProposals(db: Db, householdId: number, limit = 10): Promise<Proposal[]> {
  return db.selectFrom("dtsen_proposals").selectAll().where("household_id", "=", householdId).orderBy("id", "desc").limit(limit).execute();
}

/** Evidence photo rows of proposals (no KK bytes: `content_enc` is left out). */
export async function evidenceRows(db: Db, proposalIds: number[]): Promise<Omit<EvidenceRow, "content_enc">[]> {
  if (proposalIds.length === 0) return [];
  return db
    .selectFrom("dtsen_evidence")
    .select(["id", "proposal_id", "item", "file_id", "file_unique_id", "mime", "media", "bytes", "added_by", "added_at"])
    .where("proposal_id", "in", proposalIds)
    .orderBy("id")
    .execute();
}

/** The evidence items a proposal has: its photos, the consent and the GPS point. */
export function presentItems(p: Pick<Proposal, "consent_at" | "latitude">, photos: { item: string }[]): EvidenceItem[] {
  const items: EvidenceItem[] = photos.map((e) => e.item).filter(isEvidenceItem);
  if (p.consent_at) items.push("consent");
  if (p.latitude !== null) items.push("location");
  return items;
}

export function kindOf(p: Pick<Proposal, "kind">): ProposalKind {
  return isProposalKind(p.kind) ? p.kind : "baru";
}

export function statusOf(p: Pick<Proposal, "status">): ProposalStatus {
  return isProposalStatus(p.status) ? p.status : "draft";
}

/** How complete a proposal's evidence is. */
export async function proposalCompleteness(db: Db, p: Proposal): Promise<Completeness> {
  const photos = await evidenceRows(db, [p.id]);
  return completeness(kindOf(p), p.reason, presentItems(p, photos));
}

/** Completeness of several proposals at once (lists). */
export async function completenessOf(db: Db, proposals: Proposal[]): Promise<Map<number, Completeness>> {
  const photos = await evidenceRows(db, proposals.map((p) => p.id));
  const out = new Map<number, Completeness>();
  for (const p of proposals) {
    out.set(p.id, completeness(kindOf(p), p.reason, presentItems(p, photos.filter((e) => e.proposal_id === p.id))));
  }
  return out;
}

export interface HistoryRow {
  id: number;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  changed_at: Date;
  changed_by_name: string | null;
}

export async function proposalHistory(db: Db, proposalId: number): Promise<HistoryRow[]> {
  return db
    .selectFrom("dtsen_proposal_history as h")
    .leftJoin("users as u", "u.id", "h.changed_by")
    .select(["h.id", "h.from_status", "h.to_status", "h.reason", "h.changed_at", "u.name as changed_by_name"])
    .where("h.proposal_id", "=", proposalId)
    .orderBy("h.id")
    .execute();
}

// === Writing

export async function createProposal(
  db: Db,
  opts: { household: Household; kind: ProposalKind; reason: string; note: string; actorId: number; now: Date },
): Promise<Proposal> {
  const p = await db
    .insertInto("dtsen_proposals")
    .values({
      household_id: opts.household.id,
      kind: opts.kind,
      reason: opts.reason,
      note: opts.note,
      status: "draft",
      created_by: opts.actorId,
      created_at: opts.now,
      updated_at: opts.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto("dtsen_proposal_history")
    .values({ proposal_id: p.id, from_status: null, to_status: "draft", reason: null, changed_by: opts.actorId, changed_at: opts.now })
    .execute();
  await audit(db, {
    actorId: opts.actorId,
    action: "dtsen.proposal_created",
    entity: "dtsen_proposal",
    entityId: p.id,
    details: { household: opts.household.id, kind: opts.kind, reason: opts.reason },
  });
  return p;
}

async function touch(db: Db, proposalId: number, now: Date): Promise<void> {
  await db.updateTable("dtsen_proposals").set({ updated_at: now }).where("id", "=", proposalId).execute();
}

/** Stores (or replaces) an evidence photo by its Telegram file id (everything but the KK). */
export async function storeEvidencePhoto(
  db: Db,
  opts: {
    proposalId: number;
    item: Exclude<PhotoItem, "kk">;
    fileId: string;
    fileUniqueId: string | null;
    media: "photo" | "document";
    mime: string;
    bytes: number | null;
    actorId: number;
    now: Date;
  },
): Promise<void> {
  const values = {
    file_id: opts.fileId,
    file_unique_id: opts.fileUniqueId,
    content_enc: null,
    media: opts.media,
    mime: opts.mime,
    bytes: opts.bytes,
    added_by: opts.actorId,
    added_at: opts.now,
  };
  await db
    .insertInto("dtsen_evidence")
    .values({ proposal_id: opts.proposalId, item: opts.item, ...values })
    .onConflict((oc) => oc.columns(["proposal_id", "item"]).doUpdateSet(values))
    .execute();
  await touch(db, opts.proposalId, opts.now);
  await audit(db, { actorId: opts.actorId, action: "dtsen.evidence_added", entity: "dtsen_proposal", entityId: opts.proposalId, details: { item: opts.item } });
}

/**
 * Stores (or replaces) the KK photo: the bytes only as ciphertext under the PII key (the
 * photo is base64-encoded, then sealed with AES-256-GCM). No Telegram file id is kept.
 */
export async function storeKkPhoto(
  db: Db,
  pii: PiiCrypto,
  opts: { proposalId: number; content: Buffer; mime: string; actorId: number; now: Date },
): Promise<void> {
  const values = {
    file_id: null,
    file_unique_id: null,
    content_enc: pii.encrypt(opts.content.toString("base64")),
    media: "photo" as const,
    mime: opts.mime,
    bytes: opts.content.length,
    added_by: opts.actorId,
    added_at: opts.now,
  };
  await db
    .insertInto("dtsen_evidence")
    .values({ proposal_id: opts.proposalId, item: "kk", ...values })
    .onConflict((oc) => oc.columns(["proposal_id", "item"]).doUpdateSet(values))
    .execute();
  await touch(db, opts.proposalId, opts.now);
  await audit(db, { actorId: opts.actorId, action: "dtsen.evidence_added", entity: "dtsen_proposal", entityId: opts.proposalId, details: { item: "kk" } });
}

/** The KK photo, decrypted (for the person who asked to see it, or a full package). */
export async function readKkPhoto(db: Db, pii: PiiCrypto, proposalId: number): Promise<{ content: Buffer; mime: string } | null> {
  const row = await db
    .selectFrom("dtsen_evidence")
    .select(["content_enc", "mime"])
    .where("proposal_id", "=", proposalId)
    .where("item", "=", "kk")
    .executeTakeFirst();
  if (!row?.content_enc) return null;
  return { content: Buffer.from(pii.decrypt(row.content_enc), "base64"), mime: row.mime ?? "image/jpeg" };
}

export async function recordConsent(db: Db, opts: { proposalId: number; actorId: number; now: Date }): Promise<void> {
  await db
    .updateTable("dtsen_proposals")
    .set({ consent_at: opts.now, consent_version: CONSENT_VERSION, consent_by: opts.actorId, updated_at: opts.now })
    .where("id", "=", opts.proposalId)
    .execute();
  await audit(db, { actorId: opts.actorId, action: "dtsen.consent_recorded", entity: "dtsen_proposal", entityId: opts.proposalId, details: { version: CONSENT_VERSION } });
}

export async function recordLocation(db: Db, opts: { proposalId: number; latitude: number; longitude: number; actorId: number; now: Date }): Promise<void> {
  await db
    .updateTable("dtsen_proposals")
    .set({ latitude: opts.latitude, longitude: opts.longitude, location_at: opts.now, updated_at: opts.now })
    .where("id", "=", opts.proposalId)
    .execute();
  await audit(db, { actorId: opts.actorId, action: "dtsen.evidence_added", entity: "dtsen_proposal", entityId: opts.proposalId, details: { item: "location" } });
}

export type MoveResult = { ok: true; historyId: number; from: ProposalStatus; to: ProposalStatus } | { ok: false; reason: ProposalRefusal | "changed" };

/**
 * Moves a proposal to a new status: checks the transition for the actor's capacities (and the
 * evidence when submitting), updates it only if its status is still the one read (two people
 * acting at once: one wins), writes the history and the audit log (never the reason text), and
 * queues the notifications. A returned proposal leaves its package; a final one loses its KK
 * photo (it is no longer needed: data minimisation).
 */
export async function moveProposal(
  db: Db,
  opts: {
    proposal: Proposal;
    to: ProposalStatus;
    reason: string | null;
    actorId: number;
    capacities: readonly ProposalCapacity[];
    now: Date;
    /** Queue the per-change notification (the hand-over notifies per package instead). */
    notify?: boolean;
  },
): Promise<MoveResult> {
  const from = statusOf(opts.proposal);
  const complete = (await proposalCompleteness(db, opts.proposal)).complete;
  const check = canMoveProposal(from, opts.to, opts.capacities, { complete, hasReason: opts.reason !== null && opts.reason !== "" });
  if (!check.ok) return { ok: false, reason: check.reason };
  const to = opts.to;
  const set: Record<string, unknown> = { status: to, updated_at: opts.now };
  if (to === "dikembalikan" || to === "ditolak") set["status_reason"] = opts.reason;
  if (to === "menunggu") set["status_reason"] = null;
  if (to === "menunggu" && !opts.proposal.submitted_at) set["submitted_at"] = opts.now;
  if (to === "terverifikasi") {
    set["verified_at"] = opts.now;
    set["verified_by"] = opts.actorId;
  }
  if (to === "dikembalikan") {
    set["package_id"] = null;
    set["verified_at"] = null;
    set["verified_by"] = null;
  }
  if (to === "diterima" || to === "ditolak") {
    set["outcome_at"] = opts.now;
    set["outcome_by"] = opts.actorId;
  }
  const updated = await db
    .updateTable("dtsen_proposals")
    .set(set)
    .where("id", "=", opts.proposal.id)
    .where("status", "=", from)
    .returning("id")
    .executeTakeFirst();
  if (!updated) return { ok: false, reason: "changed" };
  const history = await db
    .insertInto("dtsen_proposal_history")
    .values({ proposal_id: opts.proposal.id, from_status: from, to_status: to, reason: opts.reason, changed_by: opts.actorId, changed_at: opts.now })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (isFinalStatus(to)) {
    await db.deleteFrom("dtsen_evidence").where("proposal_id", "=", opts.proposal.id).where("item", "=", "kk").execute();
  }
  await audit(db, {
    actorId: opts.actorId,
    action: "dtsen.status_changed",
    entity: "dtsen_proposal",
    entityId: opts.proposal.id,
    details: { from, to, kind: opts.proposal.kind, withReason: opts.reason !== null },
  });
  if (opts.notify !== false) {
    await enqueueJob(db, DTSEN_JOBS.notify, { historyId: history.id }, { key: `dtsen-notify:${history.id}`, now: opts.now });
  }
  return { ok: true, historyId: history.id, from, to };
}

// === Lists for coordinators and volunteers

export interface ListedProposal {
  proposal: Proposal;
  refCode: string;
  headName: string;
  villageCode: string;
  volunteerName: string | null;
}

function listBase(db: Db) {
  return db
    .selectFrom("dtsen_proposals as p")
    .innerJoin("households as h", "h.id", "p.household_id")
    .leftJoin("users as v", "v.id", "h.volunteer_id")
    .selectAll("p")
    .select(["h.ref_code", "h.head_name", "h.village_code", "v.name as volunteer_name"])
    .where("h.anonymized_at", "is", null);
}

type ListRow = Proposal & { ref_code: string; head_name: string; village_code: string; volunteer_name: string | null };

function toListed(r: ListRow): ListedProposal {
  const { ref_code, head_name, village_code, volunteer_name, ...proposal } = r;
  return { proposal: proposal as Proposal, refCode: ref_code, headName: head_name, villageCode: village_code, volunteerName: volunteer_name };
}

/** Proposals of an area (null: the whole country) in the given statuses, oldest submission first. */
export async function listAreaProposals(
  db: Db,
  area: string | null,
  statuses: readonly ProposalStatus[],
  opts: { limit: number; offset: number },
): Promise<{ rows: ListedProposal[]; total: number }> {
  const base = listBase(db).where("p.status", "in", [...statuses]).where(villageIn("h.village_code", area));
  const total = Number(
    (
      await db
        .selectFrom("dtsen_proposals as p")
        .innerJoin("households as h", "h.id", "p.household_id")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("h.anonymized_at", "is", null)
        .where("p.status", "in", [...statuses])
        .where(villageIn("h.village_code", area))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const rows = (await base
    .orderBy((eb) => eb.fn.coalesce("p.submitted_at", "p.created_at"))
    .orderBy("p.id")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute()) as ListRow[];
  return { rows: rows.map(toListed), total };
}

/** Counts of an area's proposals per status (open ones and outcomes). */
export async function areaCounts(db: Db, area: string | null): Promise<Record<ProposalStatus, number>> {
  const rows = await db
    .selectFrom("dtsen_proposals as p")
    .innerJoin("households as h", "h.id", "p.household_id")
    .select(["p.status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("h.anonymized_at", "is", null)
    .where(villageIn("h.village_code", area))
    .groupBy("p.status")
    .execute();
  const out = { draft: 0, menunggu: 0, dikembalikan: 0, terverifikasi: 0, diserahkan: 0, diterima: 0, ditolak: 0, dibatalkan: 0 } as Record<ProposalStatus, number>;
  for (const r of rows) if (isProposalStatus(r.status)) out[r.status] = Number(r.n);
  return out;
}

/** A volunteer's proposals (households assigned to them): open ones first, then the latest outcomes. */
export async function listVolunteerProposals(db: Db, userId: number, opts: { limit: number; offset: number }): Promise<{ rows: ListedProposal[]; total: number }> {
  const total = Number(
    (
      await db
        .selectFrom("dtsen_proposals as p")
        .innerJoin("households as h", "h.id", "p.household_id")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("h.anonymized_at", "is", null)
        .where("h.volunteer_id", "=", userId)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const rows = (await listBase(db)
    .where("h.volunteer_id", "=", userId)
    .orderBy((eb) => eb.case().when("p.status", "in", ["diterima", "ditolak", "dibatalkan"]).then(1).else(0).end())
    .orderBy("p.updated_at", "desc")
    .orderBy("p.id", "desc")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute()) as ListRow[];
  return { rows: rows.map(toListed), total };
}

// === Hand-over packages

/** Villages of the area with verified proposals waiting for a package, or with an open package. */
export async function villagesForHandover(db: Db, area: string | null): Promise<{ villageCode: string; verified: number; packageId: number | null }[]> {
  const verified = await db
    .selectFrom("dtsen_proposals as p")
    .innerJoin("households as h", "h.id", "p.household_id")
    .select(["h.village_code", (eb) => eb.fn.countAll<number>().as("n")])
    .where("p.status", "=", "terverifikasi")
    .where("h.anonymized_at", "is", null)
    .where(villageIn("h.village_code", area))
    .groupBy("h.village_code")
    .execute();
  const open = await db
    .selectFrom("dtsen_packages")
    .select(["id", "village_code"])
    .where("status", "=", "terbuka")
    .where(villageIn("village_code", area))
    .execute();
  const byVillage = new Map<string, { villageCode: string; verified: number; packageId: number | null }>();
  for (const r of verified) byVillage.set(r.village_code, { villageCode: r.village_code, verified: Number(r.n), packageId: null });
  for (const o of open) {
    const v = byVillage.get(o.village_code) ?? { villageCode: o.village_code, verified: 0, packageId: null };
    v.packageId = o.id;
    byVillage.set(o.village_code, v);
  }
  return [...byVillage.values()].sort((a, b) => a.villageCode.localeCompare(b.villageCode));
}

export async function findPackage(db: Db, id: number): Promise<Package | undefined> {
  if (!Number.isSafeInteger(id)) return undefined;
  return db.selectFrom("dtsen_packages").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * The village's open package for the current update window, created when there is none, with
 * every verified proposal of the village added to it. Null when the village has neither an
 * open package nor a verified proposal.
 */
export async function openPackage(db: Db, opts: { villageCode: string; period: string; actorId: number; now: Date }): Promise<Package | null> {
  let pkg = await db
    .selectFrom("dtsen_packages")
    .selectAll()
    .where("village_code", "=", opts.villageCode)
    .where("status", "=", "terbuka")
    .forUpdate()
    .executeTakeFirst();
  if (!pkg) {
    const verified = await db
      .selectFrom("dtsen_proposals as p")
      .innerJoin("households as h", "h.id", "p.household_id")
      .select("p.id")
      .where("p.status", "=", "terverifikasi")
      .where("h.village_code", "=", opts.villageCode)
      .where("h.anonymized_at", "is", null)
      .limit(1)
      .executeTakeFirst();
    // Nothing to hand over: no empty package is made.
    if (!verified) return null;
    pkg = await db
      .insertInto("dtsen_packages")
      .values({ village_code: opts.villageCode, period: opts.period, status: "terbuka", created_by: opts.actorId, created_at: opts.now })
      .onConflict((oc) => oc.column("village_code").where("status", "=", "terbuka").doNothing())
      .returningAll()
      .executeTakeFirst();
    pkg ??= await db
      .selectFrom("dtsen_packages")
      .selectAll()
      .where("village_code", "=", opts.villageCode)
      .where("status", "=", "terbuka")
      .executeTakeFirstOrThrow();
    await audit(db, { actorId: opts.actorId, action: "dtsen.package_opened", entity: "dtsen_package", entityId: pkg.id, details: { village: opts.villageCode, period: opts.period } });
  } else if (pkg.period !== opts.period) {
    // Not handed over yet: it belongs to the window it will be handed over in.
    pkg = await db.updateTable("dtsen_packages").set({ period: opts.period }).where("id", "=", pkg.id).returningAll().executeTakeFirstOrThrow();
  }
  await db
    .updateTable("dtsen_proposals")
    .set({ package_id: pkg.id })
    .where("status", "=", "terverifikasi")
    .where("package_id", "is", null)
    .where("household_id", "in", (eb) =>
      eb.selectFrom("households").select("id").where("village_code", "=", opts.villageCode).where("anonymized_at", "is", null),
    )
    .execute();
  return pkg;
}

/** The proposals of a package, with their households (oldest verification first). */
export async function packageProposals(db: Db, packageId: number): Promise<{ proposal: Proposal; household: Household }[]> {
  const proposals = await db
    .selectFrom("dtsen_proposals")
    .selectAll()
    .where("package_id", "=", packageId)
    .orderBy("verified_at")
    .orderBy("id")
    .execute();
  if (proposals.length === 0) return [];
  const households = await db
    .selectFrom("households")
    .selectAll()
    .where(
      "id",
      "in",
      proposals.map((p) => p.household_id),
    )
    .where("anonymized_at", "is", null)
    .execute();
  const byId = new Map(households.map((h) => [h.id, h]));
  return proposals.flatMap((p) => {
    const household = byId.get(p.household_id);
    return household ? [{ proposal: p, household }] : [];
  });
}

/**
 * Marks a package handed over: every verified proposal in it moves to "diserahkan" (history and
 * audit per proposal), the package is closed, and the volunteers are told (one message each).
 * Returns how many proposals moved, or null when the package was handed over meanwhile.
 */
export async function handOverPackage(db: Db, opts: { packageId: number; actorId: number; now: Date }): Promise<number | null> {
  const pkg = await db
    .updateTable("dtsen_packages")
    .set({ status: "diserahkan", handed_over_by: opts.actorId, handed_over_at: opts.now })
    .where("id", "=", opts.packageId)
    .where("status", "=", "terbuka")
    .returningAll()
    .executeTakeFirst();
  if (!pkg) return null;
  let moved = 0;
  for (const { proposal } of await packageProposals(db, pkg.id)) {
    if (proposal.status !== "terverifikasi") continue;
    const r = await moveProposal(db, { proposal, to: "diserahkan", reason: null, actorId: opts.actorId, capacities: ["staff"], now: opts.now, notify: false });
    if (r.ok) moved++;
  }
  // Whatever was not verified any more leaves the package.
  await db.updateTable("dtsen_proposals").set({ package_id: null }).where("package_id", "=", pkg.id).where("status", "=", "terverifikasi").execute();
  await audit(db, { actorId: opts.actorId, action: "dtsen.package_handed_over", entity: "dtsen_package", entityId: pkg.id, details: { village: pkg.village_code, period: pkg.period, proposals: moved } });
  await enqueueJob(db, DTSEN_JOBS.handoverNotify, { packageId: pkg.id }, { key: `dtsen-handover:${pkg.id}`, now: opts.now });
  return moved;
}

/** Packages of an area that were handed over and still have proposals waiting for an outcome. */
export async function packagesAwaitingOutcome(db: Db, area: string | null): Promise<{ id: number; villageCode: string; period: string; waiting: number }[]> {
  const rows = await db
    .selectFrom("dtsen_packages as k")
    .innerJoin("dtsen_proposals as p", "p.package_id", "k.id")
    .select(["k.id", "k.village_code", "k.period", (eb) => eb.fn.countAll<number>().as("n")])
    .where("k.status", "=", "diserahkan")
    .where("p.status", "=", "diserahkan")
    .where(villageIn("k.village_code", area))
    .groupBy(["k.id", "k.village_code", "k.period"])
    .orderBy("k.id")
    .execute();
  return rows.map((r) => ({ id: r.id, villageCode: r.village_code, period: r.period, waiting: Number(r.n) }));
}

// === Reminders and clean-up

/** Open, not yet submitted proposals of a volunteer's households (for the window reminder). */
export async function volunteerUnsubmitted(db: Db, userId: number): Promise<ListedProposal[]> {
  const rows = (await listBase(db)
    .where("h.volunteer_id", "=", userId)
    .where("p.status", "in", ["draft", "dikembalikan"])
    .orderBy("p.created_at")
    .orderBy("p.id")
    .execute()) as ListRow[];
  return rows.map(toListed);
}

/** Evidence of households whose personal data was erased is deleted and their open proposals cancelled. */
export async function purgeErasedEvidence(db: Db, now: Date): Promise<{ evidence: number; cancelled: number }> {
  const proposals = await db
    .selectFrom("dtsen_proposals as p")
    .innerJoin("households as h", "h.id", "p.household_id")
    .select("p.id")
    .where("h.anonymized_at", "is not", null)
    .where((eb) =>
      eb.or([
        eb("p.note", "!=", "–"),
        eb("p.latitude", "is not", null),
        eb("p.status", "not in", ["diterima", "ditolak", "dibatalkan"]),
        eb.exists(eb.selectFrom("dtsen_evidence as e").select("e.id").whereRef("e.proposal_id", "=", "p.id")),
      ]),
    )
    .execute();
  if (proposals.length === 0) return { evidence: 0, cancelled: 0 };
  const ids = proposals.map((p) => p.id);
  const deleted = await db.deleteFrom("dtsen_evidence").where("proposal_id", "in", ids).executeTakeFirst();
  const cancelled = await db
    .updateTable("dtsen_proposals")
    .set({ status: "dibatalkan", updated_at: now })
    .where("id", "in", ids)
    .where("status", "not in", ["diterima", "ditolak", "dibatalkan"])
    .executeTakeFirst();
  await db
    .updateTable("dtsen_proposals")
    .set({ note: "–", status_reason: null, latitude: null, longitude: null, package_id: null })
    .where("id", "in", ids)
    .execute();
  await db.updateTable("dtsen_proposal_history").set({ reason: null }).where("proposal_id", "in", ids).execute();
  return { evidence: Number(deleted.numDeletedRows), cancelled: Number(cancelled.numUpdatedRows) };
}
