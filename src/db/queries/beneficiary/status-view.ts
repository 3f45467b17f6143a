import type { Db } from "../../schema.js";

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
  /** ISO time of the volunteer's last visit, if any (optional: views stored before it existed). */
  lastVisitAt?: string | null;
  /** IANA zone of the household's province (for dates). */
  tz: string;
  subscribed: boolean;
}

export async function loadStatusView(db: Db, householdId: number, chatId: number): Promise<StatusView | undefined> {
  const h = await db
    .selectFrom("households")
    .leftJoin("users", "users.id", "households.volunteer_id")
    .select(["households.id", "households.ref_code", "households.status", "households.status_reason", "households.status_changed_at"])
    .select(["households.village_code", "households.last_visit_at", "users.name as volunteer_name"])
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
    lastVisitAt: h.last_visit_at ? h.last_visit_at.toISOString() : null,
    tz: tz?.tz ?? "Asia/Jakarta",
    subscribed: sub !== undefined,
  };
}

