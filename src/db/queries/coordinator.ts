import { sql, type ExpressionBuilder } from "kysely";
import { addDays, localDate } from "../../domain/visit.js";
import type { Database, Db, User, UserStatus } from "../schema.js";
import { audit } from "./audit.js";

/** A region code and everything inside it (null: the whole country). */
export function inArea<T extends keyof Database>(column: string, area: string | null) {
  return (eb: ExpressionBuilder<Database, T>) => {
    if (area === null) return eb.val(true);
    const ref = sql.ref(column);
    return eb.or([eb(ref, "=", area), eb(ref, "like", `${area}.%`)]);
  };
}

/** UTC offset of the Indonesian zones (no daylight saving). */
const ZONE_OFFSET_HOURS: Record<string, number> = { WIB: 7, WITA: 8, WIT: 9 };

/** The instant a local calendar day starts, for a zone label ("WIB"). */
export function localMidnight(isoDate: string, zoneLabel: string): Date {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) - (ZONE_OFFSET_HOURS[zoneLabel] ?? 7) * 3_600_000);
}

/** Monday of the week of a local date (ISO weeks start on Monday). */
export function weekStart(isoDate: string): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return addDays(isoDate, -((dow + 6) % 7));
}

export interface AreaSummary {
  today: string;
  weekStart: string;
  monthStart: string;
  households: number;
  byStatus: Record<string, number>;
  byPpks: { code: string; n: number }[];
  registrations: { week: number; month: number };
  visits: { week: number; month: number };
  overdue: number;
  volunteers: { active: number; active30: number; pending: number };
  alerts: { open: number; unresolved: number };
  /** Visits per week, oldest first, `weeks` weeks ending with the current one. */
  weekly: { weekStart: string; count: number }[];
}

/**
 * The figures of /rekap for an area (null = the whole country), in the area's local time:
 * "this week" starts on Monday, "this month" on the 1st. A household is overdue, as in the
 * coordinators' morning digest, when its case is not closed, its data not erased, and its
 * planned next visit is more than `overdueDays` days past.
 */
export async function areaSummary(
  db: Db,
  area: string | null,
  opts: { now: Date; tz: string; zoneLabel: string; overdueDays: number; weeks?: number },
): Promise<AreaSummary> {
  const today = localDate(opts.now, opts.tz);
  const week = weekStart(today);
  const month = `${today.slice(0, 8)}01`;
  const weeks = opts.weeks ?? 12;
  const firstWeek = addDays(week, -7 * (weeks - 1));
  const hh = inArea<"households">("households.village_code", area);

  const statusRows = await db
    .selectFrom("households")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where(hh)
    .groupBy("status")
    .execute();
  const byStatus: Record<string, number> = {};
  let households = 0;
  for (const r of statusRows) {
    byStatus[r.status] = Number(r.n);
    households += Number(r.n);
  }

  const ppksRows = await sql<{ code: string; n: number }>`
    select p.code, count(*)::int as n
    from households, unnest(households.ppks) as p(code)
    where ${area === null ? sql`true` : sql`(households.village_code = ${area} or households.village_code like ${`${area}.%`})`}
    group by p.code
    order by n desc, p.code`.execute(db);

  const reg = await db
    .selectFrom("households")
    .select([
      sql<number>`count(*) filter (where created_at >= ${localMidnight(week, opts.zoneLabel).toISOString()}::timestamptz)::int`.as("week"),
      sql<number>`count(*) filter (where created_at >= ${localMidnight(month, opts.zoneLabel).toISOString()}::timestamptz)::int`.as("month"),
    ])
    .where(hh)
    .executeTakeFirstOrThrow();

  const vis = await db
    .selectFrom("visits")
    .innerJoin("households", "households.id", "visits.household_id")
    .select([
      sql<number>`count(*) filter (where visits.visited_on >= ${week}::date)::int`.as("week"),
      sql<number>`count(*) filter (where visits.visited_on >= ${month}::date)::int`.as("month"),
    ])
    .where(hh)
    .where("visits.visited_on", ">=", month < week ? month : week)
    .executeTakeFirstOrThrow();

  // Same rule as the coordinators' morning digest: planned visit more than overdueDays ago.
  const overdue = await db
    .selectFrom("households")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where(hh)
    .where("anonymized_at", "is", null)
    .where("status", "!=", "selesai")
    .where("next_visit_date", "is not", null)
    .where("next_visit_date", "<", addDays(today, -opts.overdueDays))
    .executeTakeFirstOrThrow();

  const active30Cutoff = new Date(opts.now.getTime() - 30 * 86_400_000).toISOString();
  const vol = await db
    .selectFrom("users")
    .select([
      sql<number>`count(*) filter (where status = 'active')::int`.as("active"),
      sql<number>`count(*) filter (where status = 'active' and last_active_at >= ${active30Cutoff}::timestamptz)::int`.as("active30"),
      sql<number>`count(*) filter (where status = 'pending')::int`.as("pending"),
    ])
    .where("role", "=", "volunteer")
    .where(inArea<"users">("users.area_code", area))
    .executeTakeFirstOrThrow();

  const alerts = await db
    .selectFrom("alerts")
    .select([
      sql<number>`count(*) filter (where status = 'open')::int`.as("open"),
      sql<number>`count(*) filter (where status in ('open', 'acknowledged'))::int`.as("unresolved"),
    ])
    .where(inArea<"alerts">("alerts.area_code", area))
    .executeTakeFirstOrThrow();

  const weeklyRows = await sql<{ wk: string; n: number }>`
    select to_char(date_trunc('week', v.visited_on), 'YYYY-MM-DD') as wk, count(*)::int as n
    from visits v join households h on h.id = v.household_id
    where v.visited_on >= ${firstWeek}::date
      and ${area === null ? sql`true` : sql`(h.village_code = ${area} or h.village_code like ${`${area}.%`})`}
    group by 1`.execute(db);
  const perWeek = new Map(weeklyRows.rows.map((r) => [r.wk, Number(r.n)]));
  const weekly = Array.from({ length: weeks }, (_, i) => {
    const start = addDays(firstWeek, 7 * i);
    return { weekStart: start, count: perWeek.get(start) ?? 0 };
  });

  return {
    today,
    weekStart: week,
    monthStart: month,
    households,
    byStatus,
    byPpks: ppksRows.rows.map((r) => ({ code: r.code, n: Number(r.n) })),
    registrations: { week: Number(reg.week), month: Number(reg.month) },
    visits: { week: Number(vis.week), month: Number(vis.month) },
    overdue: Number(overdue.n),
    volunteers: { active: Number(vol.active), active30: Number(vol.active30), pending: Number(vol.pending) },
    alerts: { open: Number(alerts.open), unresolved: Number(alerts.unresolved) },
    weekly,
  };
}

// === Volunteers of an area

export interface VolunteerRow {
  id: number;
  name: string | null;
  area_code: string | null;
  status: UserStatus;
  last_active_at: Date | null;
  households: number;
  last_visit_at: Date | null;
  /** E.164; shown to the volunteer's own coordinators (to call them). */
  phone: string | null;
  /** Why the account is suspended, while it is. */
  status_reason: string | null;
}

function volunteerBase(db: Db, area: string | null) {
  return db
    .selectFrom("users")
    .where("users.role", "=", "volunteer")
    .where("users.status", "in", ["active", "suspended"])
    .where(inArea<"users">("users.area_code", area));
}

/**
 * Volunteers (active and suspended) working in an area, by name, with how many households
 * they accompany and when they were last active (last message to the bot, last visit).
 */
export async function listAreaVolunteers(
  db: Db,
  area: string | null,
  opts: { limit: number; offset: number; excludeId?: number; activeOnly?: boolean; query?: string },
): Promise<{ rows: VolunteerRow[]; total: number }> {
  let base = volunteerBase(db, area);
  if (opts.excludeId !== undefined) base = base.where("users.id", "!=", opts.excludeId);
  if (opts.activeOnly) base = base.where("users.status", "=", "active");
  const q = opts.query?.trim().toLowerCase().replace(/[\\%_]/g, "");
  if (q) base = base.where(sql`lower(coalesce(users.name, ''))`, "like", `%${q}%`);
  const rows = await base
    .select([
      "users.id",
      "users.name",
      "users.area_code",
      "users.status",
      "users.last_active_at",
      "users.phone",
      "users.status_reason",
      (eb) =>
        eb
          .selectFrom("households")
          .select(eb.fn.countAll<number>().as("n"))
          .whereRef("households.volunteer_id", "=", "users.id")
          .as("households"),
      (eb) =>
        eb
          .selectFrom("visits")
          .select(sql<Date | null>`max(visits.created_at)`.as("m"))
          .whereRef("visits.volunteer_id", "=", "users.id")
          .as("last_visit_at"),
    ])
    .orderBy(sql`lower(coalesce(users.name, ''))`)
    .orderBy("users.id")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return {
    rows: rows.map((r) => ({
      id: r.id,
      name: r.name,
      area_code: r.area_code,
      status: r.status,
      last_active_at: r.last_active_at,
      households: Number(r.households ?? 0),
      last_visit_at: r.last_visit_at ? new Date(r.last_visit_at as Date | string) : null,
      phone: r.phone,
      status_reason: r.status_reason,
    })),
    total: Number(count.n),
  };
}

/** One volunteer of the area (active or suspended), or undefined (outside the area: forged ids get nothing). */
export async function findAreaVolunteer(db: Db, area: string | null, id: number): Promise<VolunteerRow | undefined> {
  const row = await volunteerBase(db, area)
    .where("users.id", "=", id)
    .select([
      "users.id",
      "users.name",
      "users.area_code",
      "users.status",
      "users.last_active_at",
      "users.phone",
      "users.status_reason",
      (eb) =>
        eb.selectFrom("households").select(eb.fn.countAll<number>().as("n")).whereRef("households.volunteer_id", "=", "users.id").as("households"),
      (eb) =>
        eb.selectFrom("visits").select(sql<Date | null>`max(visits.created_at)`.as("m")).whereRef("visits.volunteer_id", "=", "users.id").as("last_visit_at"),
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    area_code: row.area_code,
    status: row.status,
    last_active_at: row.last_active_at,
    households: Number(row.households ?? 0),
    last_visit_at: row.last_visit_at ? new Date(row.last_visit_at as Date | string) : null,
    phone: row.phone,
    status_reason: row.status_reason,
  };
}

/**
 * Suspends an active volunteer of the area, or reactivates a suspended one: a conditional
 * update (a second tap, or another coordinator at the same moment, changes nothing), audited
 * with the reason's code. Returns the updated account, or undefined when nothing changed.
 */
export async function setVolunteerStatus(
  db: Db,
  opts: { area: string | null; volunteerId: number; to: "active" | "suspended"; reason: { code: string; text: string } | null; by: number; now: Date },
): Promise<User | undefined> {
  const from = opts.to === "active" ? "suspended" : "active";
  const updated = await db
    .updateTable("users")
    .set({
      status: opts.to,
      status_reason: opts.to === "suspended" ? (opts.reason?.text ?? null) : null,
      decided_by: opts.by,
      decided_at: opts.now,
    })
    .where("id", "=", opts.volunteerId)
    .where("role", "=", "volunteer")
    .where("status", "=", from)
    .where(inArea<"users">("users.area_code", opts.area))
    .returningAll()
    .executeTakeFirst();
  if (!updated) return undefined;
  await audit(db, {
    actorId: opts.by,
    action: opts.to === "active" ? "volunteer.reactivated" : "volunteer.suspended",
    entity: "user",
    entityId: updated.id,
    details: { area: updated.area_code, ...(opts.reason ? { reason: opts.reason.code } : {}) },
  });
  return updated;
}

// === Reassigning households

/**
 * Moves households from one volunteer to another. Only households that the actor may see
 * (their area), that still belong to `fromId`, and only to an active volunteer of the
 * actor's area; returns the ids actually moved (others changed meanwhile are left alone).
 */
export async function reassignHouseholds(
  db: Db,
  opts: { area: string | null; householdIds: number[]; fromId: number | null; toId: number; now: Date },
): Promise<{ moved: { id: number; ref_code: string }[] }> {
  if (opts.householdIds.length === 0) return { moved: [] };
  const target = await db
    .selectFrom("users")
    .select("id")
    .where("id", "=", opts.toId)
    .where("role", "=", "volunteer")
    .where("status", "=", "active")
    .where(inArea<"users">("users.area_code", opts.area))
    .executeTakeFirst();
  if (!target || target.id === opts.fromId) return { moved: [] };
  const moved = await db
    .updateTable("households")
    .set({ volunteer_id: opts.toId, updated_at: opts.now })
    .where("id", "in", opts.householdIds)
    .where(inArea<"households">("households.village_code", opts.area))
    .where((eb) => (opts.fromId === null ? eb("volunteer_id", "is", null) : eb("volunteer_id", "=", opts.fromId)))
    .returning(["id", "ref_code"])
    .execute();
  return { moved };
}

// === Coordinators

export interface CoordinatorRow {
  id: number;
  name: string | null;
  area_code: string | null;
  status: UserStatus;
  last_active_at: Date | null;
  broadcasts30: number;
}

/**
 * The coordinators an actor manages: admins all; a coordinator those whose area lies
 * strictly inside theirs. Active and suspended ones.
 */
export function managedCoordinators(actor: User) {
  return (eb: ExpressionBuilder<Database, "users">) => {
    if (actor.status !== "active") return eb.val(false);
    const base = eb.and([eb("users.role", "=", "coordinator"), eb("users.status", "in", ["active", "suspended"]), eb("users.id", "!=", actor.id)]);
    if (actor.role === "admin") return base;
    if (actor.role !== "coordinator" || !actor.area_code) return eb.val(false);
    return eb.and([base, eb("users.area_code", "like", `${actor.area_code}.%`)]);
  };
}

export async function listCoordinators(
  db: Db,
  actor: User,
  opts: { limit: number; offset: number; now: Date },
): Promise<{ rows: CoordinatorRow[]; total: number }> {
  const since = new Date(opts.now.getTime() - 30 * 86_400_000);
  const base = db.selectFrom("users").where(managedCoordinators(actor));
  const rows = await base
    .select([
      "users.id",
      "users.name",
      "users.area_code",
      "users.status",
      "users.last_active_at",
      (eb) =>
        eb
          .selectFrom("broadcasts")
          .select(eb.fn.countAll<number>().as("n"))
          .whereRef("broadcasts.created_by", "=", "users.id")
          .where("broadcasts.created_at", ">=", since)
          .as("broadcasts30"),
    ])
    .orderBy("users.area_code")
    .orderBy(sql`lower(coalesce(users.name, ''))`)
    .orderBy("users.id")
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  const count = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return {
    rows: rows.map((r) => ({ ...r, broadcasts30: Number(r.broadcasts30 ?? 0) })),
    total: Number(count.n),
  };
}

/** A coordinator the actor manages, or undefined. */
export async function findManagedCoordinator(db: Db, actor: User, id: number): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("users.id", "=", id).where(managedCoordinators(actor)).executeTakeFirst();
}
