import { z } from "zod";
import { HOUSING_CONDITIONS, MAIN_NEEDS, PPKS_CODES, PROGRAMMES, RELATIONSHIPS } from "./ppks.js";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const identity = z.string().regex(/^\d{16}$/);

export const memberDraftSchema = z.object({
  name: z.string().min(2).max(100),
  relationship: z.enum(RELATIONSHIPS),
  nik: identity.nullable(),
  sex: z.enum(["L", "P"]).nullable(),
  birthDate: isoDate.nullable(),
});
export type MemberDraft = z.infer<typeof memberDraftSchema>;

/**
 * Everything a volunteer enters for one household, as held by the registration flow and
 * validated once more before saving. Identity numbers are plain digits here; they are
 * encrypted by the repository and never stored as they are.
 */
export const householdDraftSchema = z.object({
  consentAt: z.string().min(10),
  headName: z.string().min(2).max(100),
  headNik: identity,
  kk: identity,
  headSex: z.enum(["L", "P"]),
  headBirthDate: isoDate,
  villageCode: z.string().regex(/^\d{2}\.\d{2}\.\d{2}\.\d{4}$/),
  rt: z.string().regex(/^\d{1,3}$/).nullable(),
  rw: z.string().regex(/^\d{1,3}$/).nullable(),
  address: z.string().max(200).nullable(),
  location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).nullable(),
  memberCount: z.number().int().min(1).max(50),
  members: z.array(memberDraftSchema).max(50),
  ppks: z.array(z.enum(PPKS_CODES as [string, ...string[]])).min(1),
  housing: z.enum(HOUSING_CONDITIONS),
  programmes: z.array(z.enum(PROGRAMMES)),
  programmeOther: z.string().max(100).nullable(),
  needs: z.array(z.enum(MAIN_NEEDS)),
  needsOther: z.string().max(200).nullable(),
  desil: z.number().int().min(1).max(10).nullable(),
  photos: z.array(z.object({ fileId: z.string().min(1), fileUniqueId: z.string().nullable() })).max(10),
});
export type HouseholdDraft = z.infer<typeof householdDraftSchema>;

/** Version of the consent text read to families; stored with each consent. */
export const CONSENT_VERSION = "2026-11-v1";
