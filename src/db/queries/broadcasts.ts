import { sql, type ExpressionBuilder, type RawBuilder, type Selectable } from "kysely";
import type { BroadcastAudience, BroadcastKind, BroadcastsTable, Database, Db, DeliveryStatus, User } from "../schema.js";
import { audit } from "./audit.js";

export type Broadcast = Selectable<BroadcastsTable>;

/** Who receives a broadcast: a kind, and for "region" the district or village. */
export interface Audience {
  kind: BroadcastAudience;
  code: string | null;
}

/** The area an actor speaks for: a coordinator's area; null (everywhere) for admins. */
export function actorArea(actor: User): string | null {
  return actor.role === "admin" ? null : actor.area_code;
}

function within(eb: ExpressionBuilder<Database, "users">, area: string | null, strict: boolean) {
  if (area === null) return eb.val(true);
  const inside = eb("users.area_code", "like", `${area}.%`);
  return strict ? inside : eb.or([eb("users.area_code", "=", area), inside]);
}

/**
 * The recipients of an audience, as a condition on `users`, seen from the actor (never the
 * actor themselves). Area rules are applied here again, whatever the caller checked:
 * - area: active volunteers of the actor's area;
 * - region: active volunteers of one region inside the actor's area;
 * - coordinators: active coordinators whose area lies strictly inside the actor's;
 * - pending: volunteers waiting for approval in the actor's area.
 * A coordinator without an area reaches nobody.
 */
export function audienceFilter(actor: User, audience: Audience) {
  const area = actorArea(actor);
  return (eb: ExpressionBuilder<Database, "users">) => {
    if (actor.status !== "active" || (actor.role !== "admin" && actor.role !== "coordinator")) return eb.val(false);
    if (actor.role === "coordinator" && area === null) return eb.val(false);
    const notMe = eb("users.id", "!=", actor.id);
    switch (audience.kind) {
      case "area":
        return eb.and([notMe, eb("users.role", "=", "volunteer"), eb("users.status", "=", "active"), within(eb, area, false)]);
      case "region": {
        const code = audience.code;
        if (!code || (area !== null && !(code === area || code.startsWith(`${area}.`)))) return eb.val(false);
        return eb.and([notMe, eb("users.role", "=", "volunteer"), eb("users.status", "=", "active"), within(eb, code, false)]);
      }
      case "coordinators":
        return eb.and([notMe, eb("users.role", "=", "coordinator"), eb("users.status", "=", "active"), within(eb, area, true)]);
      case "pending":
        return eb.and([notMe, eb("users.role", "=", "volunteer"), eb("users.status", "=", "pending"), within(eb, area, false)]);
      default:
        return eb.val(false);
    }
  };
}

/** How many people an audience reaches now. */
export async function countAudience(db: Db, actor: User, audience: Audience): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where(audienceFilter(actor, audience))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Creates a broadcast in status "sending" with one pending delivery per recipient (one
 * INSERT … SELECT, so thousands of recipients cost one statement), in the caller's
 * transaction. Returns the broadcast id and the number of recipients.
 */
export async function createBroadcast(
  db: Db,
  b: {
    actor: User;
    audience: Audience;
    textHtml: string;
    media: { kind: "photo" | "document"; fileId: string } | null;
    progress: { chatId: number; messageId: number } | null;
    now: Date;
    /** "Minta konfirmasi baca": recipients get a "Sudah dibaca" button. */
    ackRequested?: boolean;
  },
): Promise<{ id: number; total: number }> {
  const row = await db
    .insertInto("broadcasts")
    .values({
      created_by: b.actor.id,
      area_code: actorArea(b.actor),
      audience_kind: b.audience.kind,
      audience_code: b.audience.kind === "region" ? b.audience.code : null,
      text_html: b.textHtml,
      media_kind: b.media?.kind ?? null,
      media_file_id: b.media?.fileId ?? null,
      status: "sending",
      progress_chat_id: b.progress?.chatId ?? null,
      progress_message_id: b.progress?.messageId ?? null,
      created_at: b.now,
      ack_requested: b.ackRequested ?? false,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("broadcast_deliveries")
    .columns(["broadcast_id", "user_id", "chat_id", "next_attempt_at"])
    .expression((eb) =>
      eb
        .selectFrom("users")
        .select([
          sql.lit(row.id).as("broadcast_id"),
          "users.id as user_id",
          "users.telegram_id as chat_id",
          sql<Date>`${b.now.toISOString()}::timestamptz`.as("next_attempt_at"),
        ])
        .where(audienceFilter(b.actor, b.audience))
        .orderBy("users.id"),
    )
    .execute();
  const counted = await db
    .selectFrom("broadcast_deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("broadcast_id", "=", row.id)
    .executeTakeFirstOrThrow();
  const total = Number(counted.n);
  await db.updateTable("broadcasts").set({ total }).where("id", "=", row.id).execute();
  return { id: row.id, total };
}

export async function findBroadcast(db: Db, id: number): Promise<Broadcast | undefined> {
  return db.selectFrom("broadcasts").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A claimed delivery, with what the sender needs to render it. */
export interface ClaimedDelivery {
  id: number;
  broadcast_id: number;
  user_id: number;
  chat_id: number;
  attempts: number;
  locale: string | null;
}

/**
 * Claims up to `limit` deliveries that are due, for `me`, until `now + leaseSeconds`: pending
 * rows whose time has come, and rows left in "sending" whose lease ran out (their sender
 * died mid-call: they are sent again). Only broadcasts still "sending" are served, urgent
 * ones (disaster check-ins) first, then oldest first. SKIP LOCKED: concurrent claimers never
 * get the same row.
 */
export async function claimDeliveries(
  db: Db,
  opts: { me: string; limit: number; now: Date; leaseSeconds: number },
): Promise<ClaimedDelivery[]> {
  if (opts.limit <= 0) return [];
  const now = opts.now.toISOString();
  const res = await sql<ClaimedDelivery>`
    update broadcast_deliveries d
    set status = 'sending', claimed_by = ${opts.me}, attempts = d.attempts + 1,
        lease_until = ${now}::timestamptz + make_interval(secs => ${opts.leaseSeconds})
    from (
      select x.id, u.locale from broadcast_deliveries x
      join broadcasts b on b.id = x.broadcast_id
      left join users u on u.id = x.user_id
      where b.status = 'sending'
        and ((x.status = 'pending' and x.next_attempt_at <= ${now}::timestamptz)
          or (x.status = 'sending' and x.lease_until < ${now}::timestamptz))
      order by b.priority desc, x.broadcast_id, x.id
      limit ${opts.limit}
      for update of x skip locked
    ) c
    where d.id = c.id
    returning d.id, d.broadcast_id, d.user_id, d.chat_id, d.attempts, c.locale`.execute(db);
  return res.rows.map((r) => ({ ...r, id: Number(r.id), chat_id: Number(r.chat_id) }));
}

/** Conditional on the claim: a sender whose row was taken over writes nothing. */
function mine(db: Db, id: number, me: string) {
  return db.updateTable("broadcast_deliveries").where("id", "=", id).where("claimed_by", "=", me).where("status", "=", "sending");
}

export async function markDeliverySent(db: Db, id: number, me: string, at: Date, messageId: number | null): Promise<boolean> {
  const res = await mine(db, id, me)
    .set({ status: "sent", sent_at: at, message_id: messageId, claimed_by: null, lease_until: null, error: null })
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Back to pending, due at `at` (a 429 does not count as an attempt). */
export async function markDeliveryRetry(
  db: Db,
  id: number,
  me: string,
  opts: { at: Date; error: string; countAttempt: boolean },
): Promise<void> {
  await mine(db, id, me)
    .set((eb) => ({
      status: "pending" as DeliveryStatus,
      next_attempt_at: opts.at,
      claimed_by: null,
      lease_until: null,
      error: opts.error.slice(0, 300),
      ...(opts.countAttempt ? {} : { attempts: eb("attempts", "-", 1) }),
    }))
    .execute();
}

export async function markDeliveryFinal(
  db: Db,
  id: number,
  me: string,
  status: "failed" | "unreachable",
  error: string,
): Promise<boolean> {
  const res = await mine(db, id, me)
    .set({ status, claimed_by: null, lease_until: null, error: error.slice(0, 300) })
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Gives back claimed rows that were never handed to Telegram (graceful stop). */
export async function releaseDelivery(db: Db, id: number, me: string): Promise<void> {
  await mine(db, id, me)
    .set((eb) => ({ status: "pending" as DeliveryStatus, claimed_by: null, lease_until: null, attempts: eb("attempts", "-", 1) }))
    .execute();
}

export interface DeliveryCounts {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  unreachable: number;
}

export async function deliveryCounts(db: Db, broadcastId: number): Promise<DeliveryCounts> {
  const rows = await db
    .selectFrom("broadcast_deliveries")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("broadcast_id", "=", broadcastId)
    .groupBy("status")
    .execute();
  const c: DeliveryCounts = { pending: 0, sending: 0, sent: 0, failed: 0, unreachable: 0 };
  for (const r of rows) c[r.status] = Number(r.n);
  return c;
}

/**
 * Ends a broadcast once nothing is left to send, writing its final figures. Conditional, so
 * exactly one caller gets the row back (and reports); undefined when work remains or it
 * was already ended.
 */
export async function finishBroadcastIfDone(db: Db, id: number, now: Date): Promise<Broadcast | undefined> {
  const counts = await deliveryCounts(db, id);
  if (counts.pending + counts.sending > 0) return undefined;
  return db
    .updateTable("broadcasts")
    .set({ status: "done", finished_at: now, sent_count: counts.sent, failed_count: counts.failed, unreachable_count: counts.unreachable })
    .where("id", "=", id)
    .where("status", "=", "sending")
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("broadcast_deliveries")
            .select("broadcast_deliveries.id")
            .where("broadcast_deliveries.broadcast_id", "=", id)
            .where("broadcast_deliveries.status", "in", ["pending", "sending"]),
        ),
      ),
    )
    .returningAll()
    .executeTakeFirst();
}

/** Stops a running broadcast: what was not sent yet stays unsent. */
export async function cancelBroadcast(db: Db, id: number, now: Date): Promise<Broadcast | undefined> {
  const b = await db
    .updateTable("broadcasts")
    .set({ status: "cancelled", finished_at: now })
    .where("id", "=", id)
    .where("status", "=", "sending")
    .returningAll()
    .executeTakeFirst();
  if (!b) return undefined;
  const counts = await deliveryCounts(db, id);
  return db
    .updateTable("broadcasts")
    .set({ sent_count: counts.sent, failed_count: counts.failed, unreachable_count: counts.unreachable })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Broadcasts still sending (for progress reports). */
export async function sendingBroadcasts(db: Db): Promise<Broadcast[]> {
  return db.selectFrom("broadcasts").selectAll().where("status", "=", "sending").orderBy("id").execute();
}

/** The earliest time a pending delivery of a sending broadcast becomes due, if any. */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const row = await db
    .selectFrom("broadcast_deliveries")
    .innerJoin("broadcasts", "broadcasts.id", "broadcast_deliveries.broadcast_id")
    .select((eb) => eb.fn.min("broadcast_deliveries.next_attempt_at").as("at"))
    .where("broadcasts.status", "=", "sending")
    .where("broadcast_deliveries.status", "=", "pending")
    .executeTakeFirst();
  const at = row?.at as Date | string | null | undefined;
  return at ? new Date(at) : null;
}

/**
 * The latest broadcasts an actor may look at: their own, and (for staff) those sent by
 * anyone for an area inside theirs; admins see all.
 */
export async function recentBroadcasts(db: Db, actor: User, limit: number): Promise<Broadcast[]> {
  const area = actorArea(actor);
  return db
    .selectFrom("broadcasts")
    .selectAll()
    .where((eb) => {
      if (actor.role === "admin") return eb.val(true);
      const own = eb("created_by", "=", actor.id);
      if (area === null) return own;
      return eb.or([own, eb("area_code", "=", area), eb("area_code", "like", `${area}.%`)]);
    })
    .where("status", "!=", "draft")
    .where("kind", "=", "message")
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

/** Marks a recipient unreachable (Telegram answered 403: they blocked the bot). */
export async function markUserUnreachable(db: Db, userId: number, now: Date): Promise<void> {
  await db.updateTable("users").set({ unreachable_at: now }).where("id", "=", userId).execute();
}

/**
 * Takes or renews the sending lease for `me` until `now + seconds`; false when another live
 * process holds it.
 */
export async function acquireSenderLease(db: Db, me: string, now: Date, seconds: number): Promise<boolean> {
  const until = new Date(now.getTime() + seconds * 1000);
  const res = await db
    .updateTable("broadcast_sender_lease")
    .set({ holder: me, lease_until: until })
    .where("name", "=", "broadcast")
    .where((eb) => eb.or([eb("holder", "is", null), eb("holder", "=", me), eb("lease_until", "is", null), eb("lease_until", "<", now)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function releaseSenderLease(db: Db, me: string): Promise<void> {
  await db
    .updateTable("broadcast_sender_lease")
    .set({ holder: null, lease_until: null })
    .where("name", "=", "broadcast")
    .where("holder", "=", me)
    .execute();
}

// === Messages the bot queues itself (check-in lists, reminders)

/**
 * Queues one message per recipient row `(user_id, chat_id)` of `recipients` (a SELECT) as a
 * broadcast of `kind`, delivered by the broadcast sender at the global rate and rendered at
 * send time (src/bot/coordinator/broadcast-sender.ts). Served before coordinators' ordinary
 * broadcasts. One statement for any number of recipients; a recipient appears once. A
 * broadcast that reaches nobody is recorded as done at once.
 */
export async function queueSpecialBroadcast(
  db: Db,
  m: { kind: Exclude<BroadcastKind, "message">; refId: number; createdBy: number | null; areaCode: string | null; recipients: RawBuilder<unknown>; now: Date },
): Promise<{ broadcastId: number; total: number }> {
  const b = await db
    .insertInto("broadcasts")
    .values({
      created_by: m.createdBy,
      area_code: m.areaCode,
      // Recorded as the actor's area; the recipients come from `recipients`.
      audience_kind: "area",
      audience_code: null,
      text_html: "",
      status: "sending",
      kind: m.kind,
      ref_id: m.refId,
      priority: m.kind === "ack_remind" ? 0 : 10,
      created_at: m.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const res = await sql`
    insert into broadcast_deliveries (broadcast_id, user_id, chat_id, next_attempt_at)
    select ${b.id}, r.user_id, r.chat_id, ${m.now.toISOString()}::timestamptz
    from (${m.recipients}) r
    order by r.user_id
    on conflict do nothing`.execute(db);
  const total = Number(res.numAffectedRows ?? 0);
  await db
    .updateTable("broadcasts")
    .set(total === 0 ? { total, status: "done", finished_at: m.now } : { total })
    .where("id", "=", b.id)
    .execute();
  return { broadcastId: b.id, total };
}

// === Acknowledged broadcasts ("minta konfirmasi baca")

/** Job names of acknowledged broadcasts (handlers in src/bot/coordinator/broadcast.ts). */
export const BROADCAST_ACK_JOBS = {
  /** `{ broadcastId }`: BROADCAST_ACK_HOURS later, remind those who did not confirm (once) and tell the sender who they are. */
  remind: "broadcast.ack_remind",
  /** `{ broadcastId }`: show the new confirmation count in the progress message (at most every 10 s). */
  progress: "broadcast.ack_progress",
} as const;

export type AckOutcome = "acked" | "already" | "not_recipient";

/**
 * Records that the user read the broadcast: only their own delivery of it, once. A tap on a
 * button of someone else's broadcast (forged, or forwarded) finds no delivery of theirs and
 * changes nothing.
 */
export async function acknowledgeDelivery(db: Db, broadcastId: number, userId: number, now: Date): Promise<AckOutcome> {
  const res = await db
    .updateTable("broadcast_deliveries")
    .set({ acked_at: now })
    .where("broadcast_id", "=", broadcastId)
    .where("user_id", "=", userId)
    .where("status", "in", ["sent", "sending"])
    .where("acked_at", "is", null)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom("broadcasts").select("broadcasts.id").where("broadcasts.id", "=", broadcastId).where("broadcasts.ack_requested", "=", true)),
    )
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 1) {
    await audit(db, { actorId: userId, action: "broadcast.acknowledged", entity: "broadcast", entityId: broadcastId });
    return "acked";
  }
  const mine = await db
    .selectFrom("broadcast_deliveries")
    .innerJoin("broadcasts", "broadcasts.id", "broadcast_deliveries.broadcast_id")
    .select("broadcast_deliveries.acked_at")
    .where("broadcast_deliveries.broadcast_id", "=", broadcastId)
    .where("broadcast_deliveries.user_id", "=", userId)
    .where("broadcasts.ack_requested", "=", true)
    .executeTakeFirst();
  return mine?.acked_at ? "already" : "not_recipient";
}

/** Confirmations so far, out of the messages delivered. */
export async function ackCounts(db: Db, broadcastId: number): Promise<{ acked: number; delivered: number }> {
  const row = await db
    .selectFrom("broadcast_deliveries")
    .select((eb) => [
      eb.fn.count<number>("id").filterWhere("acked_at", "is not", null).as("acked"),
      eb.fn.count<number>("id").filterWhere("status", "=", "sent").as("delivered"),
    ])
    .where("broadcast_id", "=", broadcastId)
    .executeTakeFirstOrThrow();
  return { acked: Number(row.acked), delivered: Number(row.delivered) };
}

export interface AckPerson {
  user_id: number;
  name: string | null;
  username: string | null;
  acked_at: Date | null;
}

/** Who confirmed (first first) and who did not (of those the message reached), up to `limit` each. */
export async function ackLists(db: Db, broadcastId: number, limit: number): Promise<{ confirmed: AckPerson[]; waiting: AckPerson[]; confirmedTotal: number; waitingTotal: number }> {
  const base = db
    .selectFrom("broadcast_deliveries as d")
    .innerJoin("users as u", "u.id", "d.user_id")
    .select(["d.user_id", "u.name", "u.username", "d.acked_at"])
    .where("d.broadcast_id", "=", broadcastId);
  const confirmed = await base.where("d.acked_at", "is not", null).orderBy("d.acked_at").orderBy("d.id").limit(limit).execute();
  const waiting = await base.where("d.acked_at", "is", null).where("d.status", "=", "sent").orderBy("u.name").orderBy("d.id").limit(limit).execute();
  const counts = await ackCounts(db, broadcastId);
  return { confirmed, waiting, confirmedTotal: counts.acked, waitingTotal: Math.max(0, counts.delivered - counts.acked) };
}

/**
 * BROADCAST_ACK_HOURS after an acknowledged broadcast: queues one reminder to each recipient
 * who got it and did not confirm — once (conditional on `ack_reminded_at`, so a second run, a
 * restart or another process queues nothing). Null when it already ran, or the broadcast was
 * stopped or asks for no confirmation.
 */
export async function queueAckReminder(db: Db, broadcastId: number, now: Date): Promise<{ broadcast: Broadcast; reminded: number } | null> {
  const b = await db
    .updateTable("broadcasts")
    .set({ ack_reminded_at: now })
    .where("id", "=", broadcastId)
    .where("ack_requested", "=", true)
    .where("ack_reminded_at", "is", null)
    .where("status", "in", ["sending", "done"])
    .returningAll()
    .executeTakeFirst();
  if (!b) return null;
  const q = await queueSpecialBroadcast(db, {
    kind: "ack_remind",
    refId: broadcastId,
    createdBy: b.created_by,
    areaCode: b.area_code,
    now,
    recipients: sql`select d.user_id, d.chat_id from broadcast_deliveries d
      where d.broadcast_id = ${broadcastId} and d.status = 'sent' and d.acked_at is null`,
  });
  await audit(db, { actorId: null, action: "broadcast.ack_reminded", entity: "broadcast", entityId: broadcastId, details: { reminded: q.total } });
  return { broadcast: b, reminded: q.total };
}
