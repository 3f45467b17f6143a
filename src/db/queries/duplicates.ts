/**
 * Scope-aware duplicate checks for household registration and editing (issue 11). The rules
 * are in src/domain/duplicates.ts; the lookups use the keyed hashes of NIK and No. KK.
 *
 * How to call them from a flow (inside `withDb`, with the outside context's user):
 *
 *   // Right after the NIK or the KK is typed, and again at save:
 *   const dup = await findDuplicate(db, deps.pii, user, { nik, kk, excludeId, villageCode, now: deps.now() });
 *   // dup: { kind: "none" }
 *   //    | { kind: "own"; householdId: number; refCode: string; match: "nik" | "kk"; volunteerName: string | null }
 *   //    | { kind: "elsewhere"; match: "nik" | "kk" }
 *   // "own": show the code (t("daftar.duplicate_nik" | "daftar.duplicate_kk", { code })).
 *   // "elsewhere": show t("trust.duplicate_elsewhere_nik" | "trust.duplicate_elsewhere_kk")
 *   //   — no code; the coordinators of both areas were notified (once per volunteer and
 *   //   household), and the attempt is audited.
 *
 *   const similar = await findSimilarNames(db, user, headName, villageCode, { excludeId });
 *   // similar: { kind: "none" } | { kind: "own"; refCodes: string[] } | { kind: "elsewhere" }
 *   // "elsewhere": t("trust.similar_elsewhere", { name }) — no codes.
 *
 * `excludeId` is the household being edited; `villageCode` the village the new or edited
 * household is in (omit it before the village is known: the user's area is used for the
 * notice). `user` is the acting user (`octx.user`).
 *
 * @module
 */

import type { PiiCrypto } from "../../pii.js";
import { normalizePersonName } from "../../domain/names.js";
import { scopeOf } from "../../domain/scope.js";
import { classifyHits, classifySimilar, type HouseholdHit, type IdentityMatch } from "../../domain/duplicates.js";
import type { Db, User } from "../schema.js";
import { audit } from "./audit.js";
import { enqueueJob } from "./jobs.js";

export type { IdentityMatch };

export type DuplicateCheck =
  | { kind: "none" }
  | { kind: "own"; householdId: number; refCode: string; match: IdentityMatch; volunteerName: string | null }
  | { kind: "elsewhere"; match: IdentityMatch };

export type SimilarCheck = { kind: "none" } | { kind: "own"; refCodes: string[] } | { kind: "elsewhere" };

/** Job that tells the coordinators of both areas about a duplicate outside the user's scope. */
export const DUPLICATE_NOTICE_JOB = "trust.duplicate_notice";

interface Hit extends HouseholdHit {
  match: IdentityMatch;
}

const HIT_COLUMNS = ["id", "ref_code", "volunteer_id", "village_code"] as const;

/** Every household (erased ones excluded) holding this NIK (as head or member) or this No. KK. */
async function identityHits(db: Db, pii: PiiCrypto, q: { nik?: string | null; kk?: string | null; excludeId?: number }): Promise<Hit[]> {
  const hits: Hit[] = [];
  const exclude = q.excludeId ?? -1;
  const toHit = (r: { id: number; ref_code: string; volunteer_id: number | null; village_code: string }, match: IdentityMatch): Hit => ({
    id: r.id,
    refCode: r.ref_code,
    volunteerId: r.volunteer_id,
    villageCode: r.village_code,
    match,
  });
  if (q.nik) {
    const h = pii.hash(q.nik);
    const rows = await db
      .selectFrom("households")
      .select(HIT_COLUMNS)
      .where("id", "!=", exclude)
      .where("anonymized_at", "is", null)
      .where((eb) =>
        eb.or([eb("head_nik_hash", "=", h), eb("id", "in", eb.selectFrom("household_members").select("household_id").where("nik_hash", "=", h))]),
      )
      .orderBy("id")
      .execute();
    hits.push(...rows.map((r) => toHit(r, "nik")));
  }
  if (q.kk) {
    const h = pii.hash(q.kk);
    const rows = await db
      .selectFrom("households")
      .select(HIT_COLUMNS)
      .where("id", "!=", exclude)
      .where("anonymized_at", "is", null)
      .where("kk_hash", "=", h)
      .orderBy("id")
      .execute();
    for (const r of rows) if (!hits.some((x) => x.id === r.id)) hits.push(toHit(r, "kk"));
  }
  return hits;
}

/**
 * Whether a household with this NIK (head or member) or No. KK exists, as far as `user` may
 * know (see the module documentation). Outside the user's scope the answer carries no code;
 * the attempt is audited and the coordinators of both areas get a notice (a keyed job: once
 * per user, household and kind of match).
 */
export async function findDuplicate(
  db: Db,
  pii: PiiCrypto,
  user: User,
  q: { nik?: string | null; kk?: string | null; excludeId?: number; villageCode?: string | null; now: Date },
): Promise<DuplicateCheck> {
  const verdict = classifyHits(scopeOf(user), await identityHits(db, pii, q));
  if (verdict.kind === "none") return verdict;
  const { hit } = verdict;
  await audit(db, {
    actorId: user.id,
    action: "household.duplicate_blocked",
    entity: "household",
    entityId: hit.id,
    details: { match: hit.match, inScope: verdict.kind === "own", ...(q.excludeId !== undefined ? { editedId: q.excludeId } : {}) },
  });
  if (verdict.kind === "own") {
    const vol = hit.volunteerId ? await db.selectFrom("users").select("name").where("id", "=", hit.volunteerId).executeTakeFirst() : undefined;
    return { kind: "own", householdId: hit.id, refCode: hit.refCode, match: hit.match, volunteerName: vol?.name ?? null };
  }
  await enqueueJob(
    db,
    DUPLICATE_NOTICE_JOB,
    {
      userId: user.id,
      householdId: hit.id,
      match: hit.match,
      ...(q.excludeId !== undefined ? { editedId: q.excludeId } : {}),
      ...(q.villageCode ? { villageCode: q.villageCode } : {}),
    },
    { key: `dup-notice:${user.id}:${hit.id}:${hit.match}`, now: q.now },
  );
  return { kind: "elsewhere", match: hit.match };
}

/**
 * Households in the same village whose head has the same normalised name (erased ones
 * excluded): their codes when they are in the user's scope, otherwise only that there are
 * some. The village must be one the user may register in (the village picker sees to it).
 */
export async function findSimilarNames(
  db: Db,
  user: User,
  headName: string,
  villageCode: string,
  opts: { excludeId?: number } = {},
): Promise<SimilarCheck> {
  const rows = await db
    .selectFrom("households")
    .select(HIT_COLUMNS)
    .where("village_code", "=", villageCode)
    .where("head_name_norm", "=", normalizePersonName(headName))
    .where("anonymized_at", "is", null)
    .where("id", "!=", opts.excludeId ?? -1)
    .orderBy("id")
    .execute();
  const verdict = classifySimilar(
    scopeOf(user),
    rows.map((r) => ({ id: r.id, refCode: r.ref_code, volunteerId: r.volunteer_id, villageCode: r.village_code })),
  );
  if (verdict.kind === "own") return { kind: "own", refCodes: verdict.hits.map((h) => h.refCode) };
  return verdict;
}
