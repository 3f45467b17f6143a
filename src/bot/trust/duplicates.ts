import { z } from "zod";
import { defineJob } from "../jobs.js";
import { sendNotices } from "../notices.js";
import type { User } from "../../db/schema.js";
import { DUPLICATE_NOTICE_JOB } from "../../db/queries/duplicates.js";
import { findStaffCovering } from "../../db/queries/users.js";
import { activeAdmins } from "../../db/queries/alerts.js";
import { regionLabel } from "../../db/queries/regions.js";
import { formatRefCode } from "../../domain/refcode.js";
import { escapeHtml } from "../../lib/html.js";

/**
 * A volunteer (or coordinator) typed the NIK or No. KK of a household outside their scope:
 * they were told only that the family is registered elsewhere. The coordinators of both areas
 * — the household's and the one the user works in — get both codes (the existing household's
 * and, when an existing household was being edited, that one's), so that a real move between
 * areas can be handled. Admins get it when neither area has a coordinator.
 */
export const duplicateNoticeJob = defineJob(
  DUPLICATE_NOTICE_JOB,
  z.object({
    userId: z.number().int(),
    householdId: z.number().int(),
    match: z.enum(["nik", "kk"]),
    editedId: z.number().int().optional(),
    villageCode: z.string().max(20).optional(),
  }),
  async ({ deps, api, log }, p) => {
    const { db } = deps;
    const actor = await db.selectFrom("users").selectAll().where("id", "=", p.userId).executeTakeFirst();
    const existing = await db
      .selectFrom("households")
      .select(["ref_code", "village_code", "anonymized_at"])
      .where("id", "=", p.householdId)
      .executeTakeFirst();
    if (!actor || !existing || existing.anonymized_at) return;
    const edited = p.editedId
      ? await db.selectFrom("households").select(["ref_code", "village_code"]).where("id", "=", p.editedId).executeTakeFirst()
      : undefined;
    const otherArea = edited?.village_code ?? p.villageCode ?? actor.area_code;
    const recipients = new Map<number, User>();
    for (const code of [existing.village_code, otherArea]) {
      if (!code) continue;
      for (const u of await findStaffCovering(db, code, { roles: ["coordinator"] })) if (u.id !== actor.id) recipients.set(u.id, u);
    }
    if (recipients.size === 0) for (const u of await activeAdmins(db)) if (u.id !== actor.id) recipients.set(u.id, u);
    const existingVillage = (await regionLabel(db, existing.village_code, { full: false })) ?? existing.village_code;
    const actorArea = otherArea ? ((await regionLabel(db, otherArea, { full: false })) ?? otherArea) : "–";
    const sent = await sendNotices({ api, db, i18n: deps.i18n, logger: log, now: deps.now }, `dup:${p.householdId}`, [...recipients.values()], (t) => {
      const lines = [
        t("trust.duplicate_notice_title"),
        "",
        t("trust.duplicate_notice_body", {
          name: escapeHtml(actor.name ?? "–"),
          area: escapeHtml(actorArea),
          what: t(p.match === "kk" ? "trust.match_kk" : "trust.match_nik"),
          code: formatRefCode(existing.ref_code),
          village: escapeHtml(existingVillage),
        }),
      ];
      if (edited) lines.push(t("trust.duplicate_notice_edited", { code: formatRefCode(edited.ref_code) }));
      lines.push("", t("trust.duplicate_notice_next"));
      return { text: lines.join("\n") };
    });
    log.info({ householdId: p.householdId, match: p.match, recipients: recipients.size, sent }, "duplicate outside scope reported");
  },
);
