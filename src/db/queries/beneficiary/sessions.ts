import { SESSION_MS } from "../../../domain/status-check.js";
import type { Db, Household } from "../../schema.js";

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
 * The household if this chat verified it (with the family PIN) and the session is still live
 * (and its data was not erased since); undefined otherwise. Every button under a status card
 * goes through this.
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

/** Ends every session of a household (its PIN was re-issued: whoever knew the old one is out). */
export async function endHouseholdSessions(db: Db, householdId: number): Promise<void> {
  await db.deleteFrom("status_sessions").where("household_id", "=", householdId).execute();
}
