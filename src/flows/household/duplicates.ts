/**
 * The one call site of the household flows for "is this NIK or No. KK already registered?"
 * (scope-aware: src/db/queries/duplicates.ts). Asked right after the number is typed and
 * again when saving; what the person may learn about the other household depends on their
 * scope (its code only when they may see it).
 *
 * @module
 */
import { withDb } from "../kit/ask.js";
import type { FormIO } from "../kit/form.js";
import { findDuplicate, type DuplicateCheck } from "../../db/queries/duplicates.js";
import { formatRefCode } from "../../domain/refcode.js";
import type { TFunction } from "../../i18n.js";

export interface DuplicateQuery {
  nik?: string | null;
  kk?: string | null;
  /** The household being edited. */
  excludeId?: number | null;
  /** The village of the new or edited household, when known. */
  villageCode?: string | null;
}

/** Asks the scope-aware duplicate check, in the update's transaction. */
export async function checkDuplicate(io: FormIO, q: DuplicateQuery): Promise<DuplicateCheck> {
  return withDb(io.conversation, async (db, deps, octx) => {
    if (!octx.user) return { kind: "none" };
    return findDuplicate(db, deps.pii, octx.user, {
      nik: q.nik ?? null,
      kk: q.kk ?? null,
      ...(q.excludeId !== null && q.excludeId !== undefined ? { excludeId: q.excludeId } : {}),
      villageCode: q.villageCode ?? null,
      now: deps.now(),
    });
  });
}

/** What to say about a duplicate, for the moment it is found ("entry": the number was just typed). */
export function describeDuplicate(t: TFunction, dup: DuplicateCheck, at: "entry" | "save"): string | null {
  if (dup.kind === "none") return null;
  const what = dup.match === "kk" ? "kk" : "nik";
  if (dup.kind === "elsewhere") return at === "entry" ? t(`form.duplicate_elsewhere_${what}`) : t(`trust.duplicate_elsewhere_${what}`);
  const lines = [t(`daftar.duplicate_${what}`, { code: formatRefCode(dup.refCode) })];
  if (dup.volunteerName) lines.push(t("daftar.duplicate_volunteer", { name: dup.volunteerName }));
  return `${lines.join("\n")}\n\n${t(at === "entry" ? `form.duplicate_retype_${what}` : "daftar.duplicate_next")}`;
}

/** The refusal for a number just typed, or null when it is not registered yet. */
export async function duplicateAtEntry(io: FormIO, q: DuplicateQuery): Promise<string | null> {
  return describeDuplicate(io.ctx.t, await checkDuplicate(io, q), "entry");
}
