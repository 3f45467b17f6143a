import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { PiiCrypto } from "../../../pii.js";
import { generateFamilyPin, pinHashInput } from "../../../domain/family-pin.js";
import type { Db, Household } from "../../schema.js";
import { audit } from "../audit.js";
import { endHouseholdSessions } from "./sessions.js";

/**
 * Family PINs (src/domain/family-pin.ts): issued by the household's volunteer or the area's
 * staff, stored as a salted keyed hash. The caller checks who may issue (scope).
 */

function hashPin(pii: PiiCrypto, householdId: number, salt: string, pin: string): string {
  return pii.hash(pinHashInput(householdId, salt, pin));
}

/**
 * Issues a new PIN for the household and returns it (the only time it exists in plain text:
 * show it on the slip and forget it). The old PIN stops working at once, and so do the
 * sessions opened with it. Audited (without the PIN).
 */
export async function issueFamilyPin(
  db: Db,
  pii: PiiCrypto,
  opts: { household: Household; by: number; now: Date },
): Promise<{ pin: string; reissued: boolean }> {
  const h = opts.household;
  const avoid = [h.head_nik_enc, h.kk_enc].flatMap((enc) => (enc ? [pii.decrypt(enc)] : []));
  const pin = generateFamilyPin(() => randomInt(10), avoid);
  const salt = randomBytes(12).toString("base64url");
  const pinHash = hashPin(pii, h.id, salt, pin);
  const previous = await db
    .selectFrom("household_pins")
    .select("household_id")
    .where("household_id", "=", h.id)
    .executeTakeFirst();
  await db
    .insertInto("household_pins")
    .values({ household_id: h.id, pin_hash: pinHash, salt, issued_by: opts.by, issued_at: opts.now })
    .onConflict((oc) => oc.column("household_id").doUpdateSet({ pin_hash: pinHash, salt, issued_by: opts.by, issued_at: opts.now }))
    .execute();
  if (previous) await endHouseholdSessions(db, h.id);
  await audit(db, {
    actorId: opts.by,
    action: previous ? "household.pin_reissued" : "household.pin_issued",
    entity: "household",
    entityId: h.id,
  });
  return { pin, reissued: previous !== undefined };
}

/** When the household's current PIN was issued (undefined: it has none yet). */
export async function pinIssuedAt(db: Db, householdId: number): Promise<Date | undefined> {
  const row = await db.selectFrom("household_pins").select("issued_at").where("household_id", "=", householdId).executeTakeFirst();
  return row?.issued_at;
}

/** Whether `pin` is the household's current PIN (constant-time comparison of the hashes). */
export async function pinMatches(db: Db, pii: PiiCrypto, householdId: number, pin: string): Promise<boolean> {
  const row = await db.selectFrom("household_pins").select(["pin_hash", "salt"]).where("household_id", "=", householdId).executeTakeFirst();
  if (!row) {
    // Same work as for a real PIN: the answer time does not tell which codes exist.
    hashPin(pii, householdId, "none", pin);
    return false;
  }
  const expected = Buffer.from(row.pin_hash, "hex");
  const actual = Buffer.from(hashPin(pii, householdId, row.salt, pin), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
