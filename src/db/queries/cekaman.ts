/**
 * Disaster check-in ("Cek Aman", issue 15): events, their households and answers, help
 * requests, the tally, escalation. Everything runs in the caller's transaction; times come
 * from the caller (the app clock), never from the database. Starting an event, escalating and
 * queueing messages are set-based (INSERT … SELECT), so an event over tens of thousands of
 * households costs a handful of statements.
 */
import { sql, type RawBuilder, type Selectable } from "kysely";
import { PPKS_PRIORITY, TALLY_EVERY_MS, emptyCounts, type CekamanAnswer, type Counts } from "../../domain/cekaman.js";
import { displayRegionName } from "../../domain/region-names.js";
import type { CekamanEventsTable, CekamanHelpTable, CekamanHouseholdsTable, CekamanVia, Db, User } from "../schema.js";
import { audit } from "./audit.js";
import { queueSpecialBroadcast } from "./broadcasts.js";
import { enqueueJob } from "./jobs.js";

export type CekamanEvent = Selectable<CekamanEventsTable>;
export type EventHousehold = Selectable<CekamanHouseholdsTable>;

/** Background work of the feature (handlers in src/bot/cekaman/jobs.ts). */
export const CEKAMAN_JOBS = {
  /** `{ eventId, stage }`: stage 1 re-sends unanswered households to their volunteer, stage 2 offers them to the village. */
  escalate: "cekaman.escalate",
  /** `{ eventId }`: edits the coordinators' tally messages (at most every 10 s). */
  tally: "cekaman.tally",
  /** `{ helpId, event }`: a need-help request to the area's coordinators, or its update. */
  help: "cekaman.help",
  /** `{ eventId }`: the first tally to the other coordinators of the affected area. */
  started: "cekaman.started",
  /** `{ eventId, userId, chatId }`: the final report as XLSX. */
  report: "cekaman.report",
  /** `{ eventId }`: after the second period, the households still without news, to the coordinators. */
  offered: "cekaman.offered",
} as const;

/** Topic of the coordinators' messages about one help request (src/bot/notices.ts). */
export const helpTopic = (helpId: number) => `cekaman-help:${helpId}`;

// === Which households an event covers

/** Households whose village lies in one of the regions (each a district or village code). */
function inRegions(regions: readonly string[], column: RawBuilder<unknown>): RawBuilder<boolean> {
  const exact = [...regions];
  const prefixes = regions.map((r) => `${r}.%`);
  return sql<boolean>`(${column} = any(${exact}::text[]) or ${column} like any(${prefixes}::text[]))`;
}

/** The priority groups of household `h` (flag row `f`), as a text[] expression. */
function groupsExpr(): RawBuilder<string[]> {
  const { lansia, disabilitas, balita } = PPKS_PRIORITY;
  return sql<string[]>`array_remove(array[
    case when h.ppks && ${[...lansia]}::text[] then 'lansia' end,
    case when h.ppks && ${[...disabilitas]}::text[] then 'disabilitas' end,
    case when h.ppks && ${[...balita]}::text[] then 'balita' end,
    case when f.household_id is not null then 'bencana' end]::text[], null)`;
}

/** The user `u` can do field work (an active volunteer, or staff who keep households themselves). */
const activeWorker = sql<boolean>`(u.status = 'active' and u.role in ('volunteer', 'coordinator', 'admin'))`;

/**
 * A subscription `s` counts for Cek Aman only when it was made with the household's current
 * family PIN (src/db/queries/beneficiary/pins.ts): after that PIN was issued. A subscription
 * from before the PIN proof existed, or from before the PIN was re-issued, does not: nobody
 * can answer for a family whose proof they do not hold.
 */
const provenSubscription = sql<boolean>`exists (
  select 1 from household_pins p where p.household_id = s.household_id and s.created_at >= p.issued_at)`;

export interface Preview {
  total: number;
  priority: number;
  groups: { lansia: number; disabilitas: number; balita: number; bencana: number };
  /** Per selection: volunteers who get a checklist, households without an active volunteer, family chats. */
  all: { volunteers: number; unassigned: number; families: number };
  prioritized: { volunteers: number; unassigned: number; families: number };
  villages: number;
}

/** What starting an event over these regions would reach, for both selections. */
export async function previewEvent(db: Db, regions: readonly string[]): Promise<Preview> {
  const base = sql`
    select h.id, h.village_code, h.volunteer_id, ${groupsExpr()} as groups,
           coalesce(${activeWorker}, false) as staffed
    from households h
    left join cekaman_priority_flags f on f.household_id = h.id
    left join users u on u.id = h.volunteer_id
    where h.anonymized_at is null and ${inRegions(regions, sql`h.village_code`)}`;
  const row = await sql<Record<string, number | string>>`
    with hh as (${base})
    select count(*) as total,
      count(*) filter (where groups <> '{}') as priority,
      count(*) filter (where 'lansia' = any(groups)) as lansia,
      count(*) filter (where 'disabilitas' = any(groups)) as disabilitas,
      count(*) filter (where 'balita' = any(groups)) as balita,
      count(*) filter (where 'bencana' = any(groups)) as bencana,
      count(distinct volunteer_id) filter (where staffed) as vol_all,
      count(distinct volunteer_id) filter (where staffed and groups <> '{}') as vol_pri,
      count(*) filter (where not staffed) as un_all,
      count(*) filter (where not staffed and groups <> '{}') as un_pri,
      count(distinct village_code) as villages
    from hh`.execute(db);
  const fam = await sql<Record<string, number | string>>`
    with hh as (${base})
    select count(distinct s.chat_id) as fam_all,
      count(distinct s.chat_id) filter (where hh.groups <> '{}') as fam_pri
    from hh join status_subscriptions s on s.household_id = hh.id
    join users fu on fu.telegram_id = s.chat_id
    where ${provenSubscription}`.execute(db);
  const r = row.rows[0] ?? {};
  const f = fam.rows[0] ?? {};
  const n = (v: unknown) => Number(v ?? 0);
  return {
    total: n(r["total"]),
    priority: n(r["priority"]),
    groups: { lansia: n(r["lansia"]), disabilitas: n(r["disabilitas"]), balita: n(r["balita"]), bencana: n(r["bencana"]) },
    all: { volunteers: n(r["vol_all"]), unassigned: n(r["un_all"]), families: n(f["fam_all"]) },
    prioritized: { volunteers: n(r["vol_pri"]), unassigned: n(r["un_pri"]), families: n(f["fam_pri"]) },
    villages: n(r["villages"]),
  };
}

// === Who gets which message (queued through the rate-limited broadcast sender)

/** Active field workers assigned to the event's households (one row each). */
function checklistRecipients(eventId: number, only?: RawBuilder<boolean>): RawBuilder<unknown> {
  return sql`select distinct u.id as user_id, u.telegram_id as chat_id
    from cekaman_households eh join users u on u.id = eh.volunteer_id
    where eh.event_id = ${eventId} and ${activeWorker} and ${only ?? sql`true`}`;
}

/** Family chats with a proven subscription to a household of the event. */
function familyRecipients(eventId: number): RawBuilder<unknown> {
  return sql`select distinct u.id as user_id, s.chat_id as chat_id
    from cekaman_households eh
    join status_subscriptions s on s.household_id = eh.household_id
    join households h on h.id = eh.household_id and h.anonymized_at is null
    join users u on u.telegram_id = s.chat_id
    where eh.event_id = ${eventId} and ${provenSubscription}`;
}

/** Active volunteers of the village of a household offered at `at` (not its own volunteer). */
function offerRecipients(eventId: number, at: Date): RawBuilder<unknown> {
  return sql`select distinct u.id as user_id, u.telegram_id as chat_id
    from cekaman_households eh
    join users u on u.role = 'volunteer' and u.status = 'active' and u.area_code = eh.village_code
    where eh.event_id = ${eventId} and eh.status = 'pending' and eh.offered_at = ${at.toISOString()}::timestamptz
      and (eh.volunteer_id is null or u.id <> eh.volunteer_id)`;
}

// === Starting an event

export interface StartResult {
  eventId: number;
  total: number;
  priority: number;
  volunteers: number;
  families: number;
  unassigned: number;
}

/**
 * Starts an event: the households (one INSERT … SELECT), one checklist per volunteer and one
 * message per family chat queued, households without an active volunteer offered to their
 * village at once, and the escalation stages scheduled (keyed jobs: once, whatever happens).
 * The caller has checked that the actor may act on every region.
 */
export async function startEvent(
  db: Db,
  s: { actor: User; areaCode: string | null; regions: string[]; description: string; selection: "all" | "priority"; remindMinutes: number; now: Date },
): Promise<StartResult> {
  const event = await db
    .insertInto("cekaman_events")
    .values({
      created_by: s.actor.id,
      area_code: s.areaCode,
      regions: s.regions,
      description: s.description,
      selection: s.selection,
      status: "running",
      started_at: s.now,
      remind_minutes: s.remindMinutes,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const eventId = event.id;
  const inserted = await sql`
    insert into cekaman_households (event_id, household_id, village_code, volunteer_id, priority, groups)
    select ${eventId}, x.id, x.village_code, x.volunteer_id, x.groups <> '{}', x.groups
    from (
      select h.id, h.village_code, h.volunteer_id, ${groupsExpr()} as groups
      from households h
      left join cekaman_priority_flags f on f.household_id = h.id
      where h.anonymized_at is null and ${inRegions(s.regions, sql`h.village_code`)}
    ) x
    where ${s.selection === "all" ? sql`true` : sql`x.groups <> '{}'`}
    order by x.id`.execute(db);
  const total = Number(inserted.numAffectedRows ?? 0);
  await db.updateTable("cekaman_events").set({ total }).where("id", "=", eventId).execute();

  // Households nobody active looks after are offered to their village's volunteers at once.
  const unassigned = await sql`
    update cekaman_households eh set offered_at = ${s.now.toISOString()}::timestamptz
    where eh.event_id = ${eventId}
      and not exists (select 1 from users u where u.id = eh.volunteer_id and ${activeWorker})`.execute(db);

  const common = { refId: eventId, createdBy: s.actor.id, areaCode: s.areaCode, now: s.now };
  const checklists = await queueSpecialBroadcast(db, { ...common, kind: "cekaman_checklist", recipients: checklistRecipients(eventId) });
  const families = await queueSpecialBroadcast(db, { ...common, kind: "cekaman_family", recipients: familyRecipients(eventId) });
  await queueSpecialBroadcast(db, { ...common, kind: "cekaman_offer", recipients: offerRecipients(eventId, s.now) });

  const minutes = s.remindMinutes * 60_000;
  for (const stage of [1, 2] as const) {
    await enqueueJob(db, CEKAMAN_JOBS.escalate, { eventId, stage }, { key: `cekaman-escalate:${eventId}:${stage}`, runAt: new Date(s.now.getTime() + stage * minutes) });
  }
  await enqueueJob(db, CEKAMAN_JOBS.started, { eventId }, { key: `cekaman-started:${eventId}`, now: s.now });
  await enqueueJob(db, "broadcast-drain", {}, { now: s.now });
  const priority = await db
    .selectFrom("cekaman_households")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("event_id", "=", eventId)
    .where("priority", "=", true)
    .executeTakeFirstOrThrow();
  const result: StartResult = {
    eventId,
    total,
    priority: Number(priority.n),
    volunteers: checklists.total,
    families: families.total,
    unassigned: Number(unassigned.numAffectedRows ?? 0),
  };
  await audit(db, {
    actorId: s.actor.id,
    action: "cekaman.started",
    entity: "cekaman_event",
    entityId: eventId,
    details: { regions: s.regions, selection: s.selection, households: total, priority: result.priority, volunteers: result.volunteers, families: result.families, unassigned: result.unassigned },
  });
  return result;
}

// === Escalation

/**
 * Runs an escalation stage once (the event row records it, conditionally): stage 1 marks the
 * unanswered households reminded and queues one reminder per volunteer; stage 2 marks them
 * offered and queues one offer per volunteer of their villages. Returns the households
 * escalated, or null when the stage already ran or the event is closed.
 */
export async function escalate(db: Db, eventId: number, stage: 1 | 2, now: Date): Promise<{ households: number; messages: number; event: CekamanEvent } | null> {
  const column = stage === 1 ? "reminded_at" : "offered_at";
  const event = await db
    .updateTable("cekaman_events")
    .set({ [column]: now })
    .where("id", "=", eventId)
    .where("status", "=", "running")
    .where(column, "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!event) return null;
  const at = now.toISOString();
  let households: number;
  let messages: number;
  if (stage === 1) {
    const res = await sql`
      update cekaman_households eh set reminded_at = ${at}::timestamptz
      where eh.event_id = ${eventId} and eh.status = 'pending' and eh.reminded_at is null`.execute(db);
    households = Number(res.numAffectedRows ?? 0);
    const q = await queueSpecialBroadcast(db, {
      kind: "cekaman_remind",
      refId: eventId,
      createdBy: event.created_by,
      areaCode: event.area_code,
      now,
      recipients: checklistRecipients(eventId, sql<boolean>`eh.status = 'pending' and eh.reminded_at = ${at}::timestamptz`),
    });
    messages = q.total;
  } else {
    const res = await sql`
      update cekaman_households eh set offered_at = ${at}::timestamptz
      where eh.event_id = ${eventId} and eh.status = 'pending' and eh.offered_at is null`.execute(db);
    households = Number(res.numAffectedRows ?? 0);
    const q = await queueSpecialBroadcast(db, { kind: "cekaman_offer", refId: eventId, createdBy: event.created_by, areaCode: event.area_code, now, recipients: offerRecipients(eventId, now) });
    messages = q.total;
  }
  if (messages > 0) await enqueueJob(db, "broadcast-drain", {}, { now });
  if (stage === 2 && households > 0) await enqueueJob(db, CEKAMAN_JOBS.offered, { eventId }, { key: `cekaman-offered:${eventId}`, now });
  await scheduleTally(db, eventId, now);
  await audit(db, {
    actorId: null,
    action: stage === 1 ? "cekaman.reminded" : "cekaman.offered",
    entity: "cekaman_event",
    entityId: eventId,
    details: { households, messages, minutes: event.remind_minutes * stage },
  });
  return { households, messages, event };
}

// === Reading

export async function findEvent(db: Db, id: number): Promise<CekamanEvent | undefined> {
  return db.selectFrom("cekaman_events").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findEventHousehold(db: Db, id: number): Promise<EventHousehold | undefined> {
  return db.selectFrom("cekaman_households").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Events whose every region lies in `area` (null: all), newest first. */
export async function eventsWithin(db: Db, area: string | null, opts: { status: "running" | "closed"; limit: number }) {
  let q = db.selectFrom("cekaman_events").selectAll().where("status", "=", opts.status);
  if (area !== null) {
    q = q.where(sql<boolean>`not exists (select 1 from unnest(cekaman_events.regions) r where not (r = ${area} or r like ${`${area}.%`}))`);
  }
  return q.orderBy("started_at", "desc").orderBy("id", "desc").limit(opts.limit).execute();
}

export async function eventCounts(db: Db, eventId: number): Promise<Counts> {
  const rows = await db
    .selectFrom("cekaman_households")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("event_id", "=", eventId)
    .groupBy("status")
    .execute();
  const c = emptyCounts();
  for (const r of rows) c[r.status] = Number(r.n);
  return c;
}

/** Counts per village (with its display name) and status. */
export async function villageCounts(db: Db, eventId: number): Promise<{ code: string; label: string; counts: Counts }[]> {
  const rows = await db
    .selectFrom("cekaman_households as eh")
    .leftJoin("regions as r", "r.code", "eh.village_code")
    .select(["eh.village_code", "r.name", "eh.status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("eh.event_id", "=", eventId)
    .groupBy(["eh.village_code", "r.name", "eh.status"])
    .orderBy("r.name")
    .orderBy("eh.village_code")
    .execute();
  const out = new Map<string, { code: string; label: string; counts: Counts }>();
  for (const r of rows) {
    let v = out.get(r.village_code);
    if (!v) {
      v = { code: r.village_code, label: r.name ? displayRegionName({ code: r.village_code, name: r.name }) : r.village_code, counts: emptyCounts() };
      out.set(r.village_code, v);
    }
    v.counts[r.status] = Number(r.n);
  }
  return [...out.values()];
}

export interface ListedHousehold {
  id: number;
  household_id: number;
  ref_code: string;
  head_name: string;
  village_code: string;
  village_name: string | null;
  rt: string | null;
  rw: string | null;
  address: string | null;
  priority: boolean;
  groups: string[];
  status: EventHousehold["status"];
  needs: string[];
  answered_at: Date | null;
  answered_via: CekamanVia | null;
  answered_by_name: string | null;
  volunteer_name: string | null;
  offered_at: Date | null;
}

function listed(db: Db) {
  return db
    .selectFrom("cekaman_households as eh")
    .innerJoin("households as h", "h.id", "eh.household_id")
    .leftJoin("regions as r", "r.code", "eh.village_code")
    .leftJoin("users as ab", "ab.id", "eh.answered_by")
    .leftJoin("users as v", "v.id", "eh.volunteer_id")
    .select([
      "eh.id",
      "eh.household_id",
      "h.ref_code",
      "h.head_name",
      "eh.village_code",
      "r.name as village_name",
      "h.rt",
      "h.rw",
      "h.address",
      "eh.priority",
      "eh.groups",
      "eh.status",
      "eh.needs",
      "eh.answered_at",
      "eh.answered_via",
      "ab.name as answered_by_name",
      "v.name as volunteer_name",
      "eh.offered_at",
    ]);
}

export async function listedHousehold(db: Db, ehId: number): Promise<ListedHousehold | undefined> {
  return listed(db).where("eh.id", "=", ehId).executeTakeFirst();
}

/**
 * Which households a checklist shows:
 * - own: those assigned to the volunteer (when the event started, or now);
 * - offer: unanswered ones of the volunteer's village offered to everyone there (not their own);
 * - staff: every unanswered one in the staff member's area.
 */
export type ChecklistMode = { kind: "own"; userId: number } | { kind: "offer"; userId: number; village: string } | { kind: "staff"; area: string | null };

function inMode<Q extends ReturnType<typeof listed>>(q: Q, eventId: number, mode: ChecklistMode): Q {
  if (mode.kind === "own") {
    // Two index lookups (assigned when the event started; assigned now), not an OR across the join.
    return q.where("eh.id", "in", (eb) =>
      eb
        .selectFrom("cekaman_households as x")
        .select("x.id")
        .where("x.event_id", "=", eventId)
        .where("x.volunteer_id", "=", mode.userId)
        .union(
          eb
            .selectFrom("cekaman_households as x2")
            .innerJoin("households as h2", "h2.id", "x2.household_id")
            .select("x2.id")
            .where("x2.event_id", "=", eventId)
            .where("h2.volunteer_id", "=", mode.userId),
        ),
    ) as Q;
  }
  if (mode.kind === "offer") {
    return q
      .where("eh.village_code", "=", mode.village)
      .where("eh.offered_at", "is not", null)
      .where("eh.status", "=", "pending")
      .where((eb) => eb.or([eb("eh.volunteer_id", "is", null), eb("eh.volunteer_id", "!=", mode.userId)]))
      .where((eb) => eb.or([eb("h.volunteer_id", "is", null), eb("h.volunteer_id", "!=", mode.userId)])) as Q;
  }
  let out = q.where("eh.status", "=", "pending");
  if (mode.area !== null) {
    const area = mode.area;
    out = out.where((eb) => eb.or([eb("eh.village_code", "=", area), eb("eh.village_code", "like", `${area}.%`)]));
  }
  return out as Q;
}

/**
 * One page of a checklist (clamped to the pages there are): priority households first, then
 * by RW, RT and name; with the number of households and of those still without an answer.
 */
export async function checklistPage(
  db: Db,
  eventId: number,
  mode: ChecklistMode,
  page: { page: number; size: number },
): Promise<{ rows: ListedHousehold[]; total: number; pending: number; page: number; pages: number }> {
  // One round trip: the page and, with window functions, the counts over the whole list.
  const fetch = (p: number) =>
    inMode(listed(db).where("eh.event_id", "=", eventId), eventId, mode)
      .select([sql<number>`count(*) over ()`.as("total_count"), sql<number>`count(*) filter (where eh.status = 'pending') over ()`.as("pending_count")])
      .orderBy("eh.priority", "desc")
      .orderBy(sql`h.rw nulls last`)
      .orderBy(sql`h.rt nulls last`)
      .orderBy("h.head_name")
      .orderBy("eh.id")
      .limit(page.size)
      .offset(p * page.size)
      .execute();
  let p = Math.max(0, page.page);
  let rows = await fetch(p);
  if (rows.length === 0 && p > 0) {
    // Past the end (answers moved households, or a forged page): the last page there is.
    const c = await inMode(listed(db).where("eh.event_id", "=", eventId), eventId, mode)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    p = Math.max(0, Math.ceil(Number(c.n) / page.size) - 1);
    rows = Number(c.n) === 0 ? [] : await fetch(p);
  }
  const total = Number(rows[0]?.total_count ?? 0);
  const pending = Number(rows[0]?.pending_count ?? 0);
  return {
    rows: rows.map(({ total_count: _t, pending_count: _p, ...r }) => r),
    total,
    pending,
    page: p,
    pages: Math.max(1, Math.ceil(total / page.size)),
  };
}

/** Households of a status for the tally's lists (need help: newest first; no answer: priority first). */
export async function tallyList(db: Db, eventId: number, status: "butuh_bantuan" | "pending", limit: number): Promise<{ rows: ListedHousehold[]; total: number }> {
  let q = listed(db).where("eh.event_id", "=", eventId).where("eh.status", "=", status);
  q = status === "pending" ? q.orderBy("eh.priority", "desc").orderBy("r.name").orderBy("eh.id") : q.orderBy("eh.answered_at", "desc").orderBy("eh.id");
  const rows = await q.limit(limit).execute();
  const n = await db
    .selectFrom("cekaman_households")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("event_id", "=", eventId)
    .where("status", "=", status)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(n.n) };
}

// === Answers

export interface AnswerInput {
  ehId: number;
  status: CekamanAnswer;
  by: number | null;
  via: CekamanVia;
  chatId: number | null;
  needs?: string[];
  note?: string | null;
  shelter?: string | null;
  photoFileId?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  now: Date;
}

export interface AnswerResult {
  answerId: number;
  eventId: number;
  householdId: number;
  /** The help request a "Butuh bantuan" opened or updated. */
  helpId: number | null;
  helpCreated: boolean;
}

/** When the coordinators' tally is next edited: the next 10-second slot (a keyed job, once per slot). */
export async function scheduleTally(db: Db, eventId: number, now: Date): Promise<void> {
  const slot = Math.floor(now.getTime() / TALLY_EVERY_MS) + 1;
  await enqueueJob(db, CEKAMAN_JOBS.tally, { eventId }, { key: `cekaman-tally:${eventId}:${slot}`, runAt: new Date(slot * TALLY_EVERY_MS) });
}

/**
 * Records an answer (the caller checked who may give it): the household's latest state, the
 * answer history, for "Butuh bantuan" a help request for the coordinators (one open request per
 * household: a second answer updates it), the tally, and the audit log. Undefined when the
 * event is no longer running.
 */
export async function recordAnswer(db: Db, a: AnswerInput): Promise<AnswerResult | undefined> {
  const help = a.status === "butuh_bantuan";
  const values = {
    status: a.status,
    answered_at: a.now,
    answered_by: a.by,
    answered_via: a.via,
    needs: help ? (a.needs ?? []) : [],
    note: help ? (a.note ?? null) : null,
    shelter: a.status === "mengungsi" ? (a.shelter ?? null) : null,
    photo_file_id: help ? (a.photoFileId ?? null) : null,
    latitude: help ? (a.latitude ?? null) : null,
    longitude: help ? (a.longitude ?? null) : null,
  };
  const eh = await db
    .updateTable("cekaman_households")
    .set(values)
    .where("id", "=", a.ehId)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom("cekaman_events as e").select("e.id").whereRef("e.id", "=", "cekaman_households.event_id").where("e.status", "=", "running")),
    )
    .returning(["event_id", "household_id", "village_code"])
    .executeTakeFirst();
  if (!eh) return undefined;
  const answer = await db
    .insertInto("cekaman_answers")
    .values({
      event_household_id: a.ehId,
      event_id: eh.event_id,
      status: a.status,
      answered_by: a.by,
      via: a.via,
      chat_id: a.chatId,
      needs: values.needs,
      note: values.note,
      shelter: values.shelter,
      photo_file_id: values.photo_file_id,
      latitude: values.latitude,
      longitude: values.longitude,
      at: a.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  let helpId: number | null = null;
  let helpCreated = false;
  if (help) {
    const created = await sql<{ id: number }>`
      insert into cekaman_help (event_id, event_household_id, household_id, area_code, status, created_at)
      values (${eh.event_id}, ${a.ehId}, ${eh.household_id}, ${eh.village_code}, 'open', ${a.now.toISOString()}::timestamptz)
      on conflict (event_household_id) where status <> 'resolved' do nothing
      returning id`.execute(db);
    if (created.rows[0]) {
      helpId = created.rows[0].id;
      helpCreated = true;
    } else {
      const open = await db
        .selectFrom("cekaman_help")
        .select("id")
        .where("event_household_id", "=", a.ehId)
        .where("status", "!=", "resolved")
        .executeTakeFirst();
      helpId = open?.id ?? null;
    }
    if (helpId !== null) {
      await enqueueJob(db, CEKAMAN_JOBS.help, { helpId, event: helpCreated ? "new" : "update" }, { key: `cekaman-help:${helpId}:answer:${answer.id}`, now: a.now });
    }
  }
  await scheduleTally(db, eh.event_id, a.now);
  await audit(db, {
    actorId: a.by,
    action: "cekaman.answered",
    entity: "household",
    entityId: eh.household_id,
    details: { eventId: eh.event_id, status: a.status, via: a.via, ...(help ? { needs: values.needs, helpId, photo: values.photo_file_id !== null, location: values.latitude !== null } : {}) },
  });
  return { answerId: answer.id, eventId: eh.event_id, householdId: eh.household_id, helpId, helpCreated };
}

/**
 * The event household if this chat may answer for it as the family: the chat holds a proven
 * subscription to the household (see {@link provenSubscription}), the event runs and the
 * household's data was not erased. Forged ids get nothing.
 */
export async function familyHousehold(db: Db, ehId: number, chatId: number): Promise<EventHousehold | undefined> {
  const res = await sql<EventHousehold>`
    select eh.* from cekaman_households eh
    join cekaman_events e on e.id = eh.event_id and e.status = 'running'
    join households h on h.id = eh.household_id and h.anonymized_at is null
    join status_subscriptions s on s.household_id = eh.household_id and s.chat_id = ${chatId}
    where eh.id = ${ehId} and ${provenSubscription}`.execute(db);
  return res.rows[0];
}

/** The households of the event this family chat may answer for (its proven subscriptions). */
export async function familyHouseholds(db: Db, eventId: number, chatId: number): Promise<ListedHousehold[]> {
  return listed(db)
    .where("eh.event_id", "=", eventId)
    .where("h.anonymized_at", "is", null)
    .where(sql<boolean>`exists (select 1 from status_subscriptions s where s.household_id = eh.household_id and s.chat_id = ${chatId} and ${provenSubscription})`)
    .orderBy("eh.id")
    .execute();
}

// === Help requests (first tap wins)

export type HelpRow = Selectable<CekamanHelpTable>;

export async function findHelp(db: Db, id: number): Promise<HelpRow | undefined> {
  return db.selectFrom("cekaman_help").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Acknowledges an open request; false when someone else was first (or it is not open). */
export async function acknowledgeHelp(db: Db, id: number, userId: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable("cekaman_help")
    .set({ status: "acknowledged", acknowledged_by: userId, acknowledged_at: now })
    .where("id", "=", id)
    .where("status", "=", "open")
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Resolves an open or acknowledged request (acknowledging it too when nobody had); false when already resolved. */
export async function resolveHelp(db: Db, id: number, userId: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable("cekaman_help")
    .set((eb) => ({
      status: "resolved",
      resolved_by: userId,
      resolved_at: now,
      acknowledged_by: eb.fn.coalesce("acknowledged_by", eb.val(userId)),
      acknowledged_at: eb.fn.coalesce("acknowledged_at", eb.val(now)),
    }))
    .where("id", "=", id)
    .where("status", "in", ["open", "acknowledged"])
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface HelpView {
  id: number;
  status: HelpRow["status"];
  event_id: number;
  description: string;
  event_household_id: number;
  area_code: string;
  ref_code: string;
  head_name: string;
  rt: string | null;
  rw: string | null;
  address: string | null;
  village_name: string | null;
  needs: string[];
  note: string | null;
  photo_file_id: string | null;
  latitude: number | null;
  longitude: number | null;
  answered_at: Date | null;
  answered_via: CekamanVia | null;
  answered_by_name: string | null;
  volunteer_name: string | null;
  acknowledged_by_name: string | null;
  acknowledged_at: Date | null;
  resolved_by_name: string | null;
  resolved_at: Date | null;
  created_at: Date;
}

export async function loadHelpView(db: Db, id: number): Promise<HelpView | undefined> {
  return db
    .selectFrom("cekaman_help as x")
    .innerJoin("cekaman_events as e", "e.id", "x.event_id")
    .innerJoin("cekaman_households as eh", "eh.id", "x.event_household_id")
    .innerJoin("households as h", "h.id", "x.household_id")
    .leftJoin("regions as r", "r.code", "x.area_code")
    .leftJoin("users as ab", "ab.id", "eh.answered_by")
    .leftJoin("users as v", "v.id", "eh.volunteer_id")
    .leftJoin("users as ack", "ack.id", "x.acknowledged_by")
    .leftJoin("users as res", "res.id", "x.resolved_by")
    .select([
      "x.id",
      "x.status",
      "x.event_id",
      "e.description",
      "x.event_household_id",
      "x.area_code",
      "h.ref_code",
      "h.head_name",
      "h.rt",
      "h.rw",
      "h.address",
      "r.name as village_name",
      "eh.needs",
      "eh.note",
      "eh.photo_file_id",
      "eh.latitude",
      "eh.longitude",
      "eh.answered_at",
      "eh.answered_via",
      "ab.name as answered_by_name",
      "v.name as volunteer_name",
      "ack.name as acknowledged_by_name",
      "x.acknowledged_at",
      "res.name as resolved_by_name",
      "x.resolved_at",
      "x.created_at",
    ])
    .where("x.id", "=", id)
    .executeTakeFirst();
}

// === Tally messages and closing

export async function saveTallyMessage(db: Db, m: { eventId: number; chatId: number; userId: number | null; messageId: number }): Promise<void> {
  await db
    .insertInto("cekaman_tally_messages")
    .values({ event_id: m.eventId, chat_id: m.chatId, user_id: m.userId, message_id: m.messageId })
    .onConflict((oc) => oc.columns(["event_id", "chat_id"]).doUpdateSet({ message_id: m.messageId, user_id: m.userId }))
    .execute();
}

export async function tallyMessages(db: Db, eventId: number) {
  return db
    .selectFrom("cekaman_tally_messages as m")
    .leftJoin("users as u", "u.id", "m.user_id")
    .select(["m.chat_id", "m.message_id", "m.user_id", "u.locale"])
    .where("m.event_id", "=", eventId)
    .orderBy("m.chat_id")
    .execute();
}

/**
 * Claims the right to edit the tally now: true when the last edit is at least `everyMs` ago
 * (conditional update: several processes never edit within the same window). Otherwise returns
 * when the next edit may happen.
 */
export async function claimTallyEdit(db: Db, eventId: number, now: Date, everyMs: number): Promise<{ ok: true } | { ok: false; nextAt: Date | null }> {
  const res = await db
    .updateTable("cekaman_events")
    .set({ tally_edited_at: now })
    .where("id", "=", eventId)
    .where((eb) => eb.or([eb("tally_edited_at", "is", null), eb("tally_edited_at", "<=", new Date(now.getTime() - everyMs))]))
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 1) return { ok: true };
  const row = await db.selectFrom("cekaman_events").select("tally_edited_at").where("id", "=", eventId).executeTakeFirst();
  return { ok: false, nextAt: row?.tally_edited_at ? new Date(row.tally_edited_at.getTime() + everyMs) : null };
}

/**
 * Closes a running event (once): what was still queued for it is not sent any more, the
 * final report is scheduled. Undefined when it was already closed.
 */
export async function closeEvent(db: Db, eventId: number, by: User, chatId: number, now: Date): Promise<CekamanEvent | undefined> {
  const event = await db
    .updateTable("cekaman_events")
    .set({ status: "closed", closed_at: now, closed_by: by.id })
    .where("id", "=", eventId)
    .where("status", "=", "running")
    .returningAll()
    .executeTakeFirst();
  if (!event) return undefined;
  await db
    .updateTable("broadcasts")
    .set({ status: "cancelled", finished_at: now })
    .where("ref_id", "=", eventId)
    .where("kind", "in", ["cekaman_checklist", "cekaman_family", "cekaman_remind", "cekaman_offer"])
    .where("status", "=", "sending")
    .execute();
  const counts = await eventCounts(db, eventId);
  await enqueueJob(db, CEKAMAN_JOBS.report, { eventId, userId: by.id, chatId }, { key: `cekaman-report:${eventId}`, now });
  await enqueueJob(db, CEKAMAN_JOBS.tally, { eventId }, { key: `cekaman-tally:${eventId}:closed`, now });
  await audit(db, { actorId: by.id, action: "cekaman.closed", entity: "cekaman_event", entityId: eventId, details: { ...counts } });
  return event;
}

// === Priority flag (the household card)

export async function isPriorityFlagged(db: Db, householdId: number): Promise<boolean> {
  const row = await db.selectFrom("cekaman_priority_flags").select("household_id").where("household_id", "=", householdId).executeTakeFirst();
  return row !== undefined;
}

/** Sets or clears the "prioritas bencana" flag; returns the new state. Audited. */
export async function togglePriorityFlag(db: Db, householdId: number, by: number, now: Date): Promise<boolean> {
  const removed = await db.deleteFrom("cekaman_priority_flags").where("household_id", "=", householdId).executeTakeFirst();
  const on = Number(removed.numDeletedRows) === 0;
  if (on) await db.insertInto("cekaman_priority_flags").values({ household_id: householdId, set_by: by, set_at: now }).execute();
  await audit(db, { actorId: by, action: on ? "cekaman.priority_set" : "cekaman.priority_cleared", entity: "household", entityId: householdId });
  return on;
}

// === The final report

export interface ReportRow {
  ref_code: string;
  head_name: string;
  head_nik_enc: string | null;
  village_code: string;
  village_name: string | null;
  district_name: string | null;
  district_code: string | null;
  rt: string | null;
  rw: string | null;
  address: string | null;
  groups: string[];
  volunteer_name: string | null;
  status: EventHousehold["status"];
  needs: string[];
  note: string | null;
  shelter: string | null;
  photo_file_id: string | null;
  latitude: number | null;
  longitude: number | null;
  answered_at: Date | null;
  answered_via: CekamanVia | null;
  answered_by_name: string | null;
  reminded_at: Date | null;
  offered_at: Date | null;
  help_status: string | null;
  help_ack_name: string | null;
  help_resolved_name: string | null;
  answers: number;
}

/** Every household of the event, for the XLSX, in pages of `pageSize` (keyset on the row id). */
export async function* reportRows(db: Db, eventId: number, pageSize = 1000): AsyncGenerator<ReportRow> {
  let after = 0;
  for (;;) {
    const res = await sql<ReportRow & { id: number }>`
      select eh.id, h.ref_code, h.head_name, h.head_nik_enc, eh.village_code, v.name as village_name,
        d.name as district_name, d.code as district_code, h.rt, h.rw, h.address, eh.groups, vol.name as volunteer_name,
        eh.status, eh.needs, eh.note, eh.shelter, eh.photo_file_id, eh.latitude, eh.longitude, eh.answered_at,
        eh.answered_via, ab.name as answered_by_name, eh.reminded_at, eh.offered_at,
        x.status as help_status, ack.name as help_ack_name, res.name as help_resolved_name,
        (select count(*) from cekaman_answers a where a.event_household_id = eh.id)::int as answers
      from cekaman_households eh
      join households h on h.id = eh.household_id
      left join regions v on v.code = eh.village_code
      left join regions d on d.code = v.parent_code
      left join users vol on vol.id = eh.volunteer_id
      left join users ab on ab.id = eh.answered_by
      left join lateral (select * from cekaman_help hx where hx.event_household_id = eh.id order by hx.id desc limit 1) x on true
      left join users ack on ack.id = x.acknowledged_by
      left join users res on res.id = x.resolved_by
      where eh.event_id = ${eventId} and eh.id > ${after}
      order by eh.id
      limit ${pageSize}`.execute(db);
    for (const r of res.rows) yield r;
    if (res.rows.length < pageSize) return;
    after = Number(res.rows[res.rows.length - 1]!.id);
  }
}

export async function saveReportFile(db: Db, eventId: number, fileId: string): Promise<void> {
  await db.updateTable("cekaman_events").set({ report_file_id: fileId }).where("id", "=", eventId).execute();
}
