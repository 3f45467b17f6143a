import type { Db } from "../../schema.js";
import { audit } from "../audit.js";

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

