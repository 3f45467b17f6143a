import { sql } from "kysely";
import type { Db } from "../../db/schema.js";
import { localMidnight, weekStart } from "../../db/queries/coordinator.js";
import { HOUSEHOLD_STATUSES } from "../../domain/ppks.js";
import { displayRegionName } from "../../domain/region-names.js";
import { addDays, localDate } from "../../domain/visit.js";
import { inScopeSql, scopeCode, type StaffScope } from "../scope.js";
import { CODE_LENGTH, childLevel, overdueCutoff, scopePath, scopeZone } from "./common.js";

/** Weeks in the chart. */
export const WEEKS = 12;

export interface BreakdownRow {
  code: string;
  name: string;
  households: number;
  overdue: number;
  visitsMonth: number;
  registrationsMonth: number;
  openAlerts: number;
  volunteers: number;
}

interface Bucket {
  households: number;
  byStatus: Record<string, number>;
  byPpks: Record<string, number>;
  regWeek: number;
  regMonth: number;
  overdue: number;
  visitsWeek: number;
  visitsMonth: number;
  weekly: Map<string, number>;
  alertsOpen: number;
  alertsUnresolved: number;
  volunteers: number;
  active30: number;
  pending: number;
}

function bucket(): Bucket {
  return {
    households: 0,
    byStatus: {},
    byPpks: {},
    regWeek: 0,
    regMonth: 0,
    overdue: 0,
    visitsWeek: 0,
    visitsMonth: 0,
    weekly: new Map(),
    alertsOpen: 0,
    alertsUnresolved: 0,
    volunteers: 0,
    active30: 0,
    pending: 0,
  };
}

/**
 * Ringkasan: the figures of /rekap for the scope — households by status and PPKS, visits and
 * registrations this week and this month (Monday / the 1st, in the area's time zone), overdue
 * households (the digest's rule), alerts, volunteers, visits per week for 12 weeks — and the
 * same per region directly under the scope (kecamatan of a kabupaten, desa of a kecamatan…)
 * for the drill-down table.
 *
 * Computed with one pass over the scope's households (and one over their PPKS categories), one
 * over its visits per village and day of the last 12 weeks, and two small ones (alerts,
 * volunteers), each grouped by the child region; the
 * totals are the sums of the children. Households whose village code is not under a listed
 * region still count in the totals.
 */
export async function dashboardSummary(db: Db, scope: StaffScope, opts: { now: Date; overdueDays: number }) {
  const zone = await scopeZone(db, scope);
  const today = localDate(opts.now, zone.tz);
  const week = weekStart(today);
  const month = `${today.slice(0, 8)}01`;
  const firstWeek = addDays(week, -7 * (WEEKS - 1));
  const since = month < firstWeek ? month : firstWeek;
  const cutoff = overdueCutoff(today, opts.overdueDays);
  const weekAt = localMidnight(week, zone.label).toISOString();
  const monthAt = localMidnight(month, zone.label).toISOString();
  const active30 = new Date(opts.now.getTime() - 30 * 86_400_000).toISOString();
  const level = childLevel(scope);
  // Group by the child region, or by the village itself under a village (no children).
  const len = level === null ? CODE_LENGTH[4] : CODE_LENGTH[level];

  const statusColumns = sql.join(
    HOUSEHOLD_STATUSES.map((s, i) => sql`count(*) filter (where status = ${s})::int as ${sql.ref(`s${i}`)}`),
    sql`, `,
  );
  // The five queries run at once (each on its own pooled connection on PostgreSQL).
  const hhQ = sql<Record<string, number | string>>`
    select left(village_code, ${len}) as child, count(*)::int as n, ${statusColumns},
      count(*) filter (where created_at >= ${weekAt}::timestamptz)::int as reg_week,
      count(*) filter (where created_at >= ${monthAt}::timestamptz)::int as reg_month,
      count(*) filter (where anonymized_at is null and status <> 'selesai' and next_visit_date < ${cutoff}::date)::int as overdue
    from households
    where ${inScopeSql("village_code", scope)}
    group by 1`.execute(db);

  // PPKS categories: totals only (a household may have several).
  const ppksQ = sql<{ code: string; n: number }>`
    select p.code, count(*)::int as n
    from households, unnest(households.ppks) as p(code)
    where ${inScopeSql("households.village_code", scope)}
    group by p.code`.execute(db);

  // Visits per village and day (visit_daily, kept by triggers: migration 0015).
  const visQ = sql<{ child: string; day: string; n: number }>`
    select left(village_code, ${len}) as child, visited_on as day, sum(n)::int as n
    from visit_daily
    where visited_on >= ${since}::date and ${inScopeSql("village_code", scope)}
    group by 1, 2`.execute(db);

  const alQ = sql<{ child: string; open: number; unresolved: number }>`
    select left(area_code, ${len}) as child,
      count(*) filter (where status = 'open')::int as open, count(*)::int as unresolved
    from alerts
    where status in ('open', 'acknowledged') and ${inScopeSql("area_code", scope)}
    group by 1`.execute(db);

  const volQ = sql<{ child: string; active: number; active30: number; pending: number }>`
    select left(area_code, ${len}) as child,
      count(*) filter (where status = 'active')::int as active,
      count(*) filter (where status = 'active' and last_active_at >= ${active30}::timestamptz)::int as active30,
      count(*) filter (where status = 'pending')::int as pending
    from users
    where role = 'volunteer' and area_code is not null and ${inScopeSql("area_code", scope)}
    group by 1`.execute(db);
  const parent = scopeCode(scope);
  const kidsQ =
    level === null
      ? Promise.resolve([])
      : db
          .selectFrom("regions")
          .select(["code", "name", "search_name"])
          .where((eb) => (parent === null ? eb("parent_code", "is", null) : eb("parent_code", "=", parent)))
          .execute();
  const [hh, ppks, vis, al, vol, kids, path] = await Promise.all([hhQ, ppksQ, visQ, alQ, volQ, kidsQ, scopePath(db, scope)]);

  const children = new Map<string, Bucket>();
  const of = (code: string) => {
    let b = children.get(code);
    if (!b) children.set(code, (b = bucket()));
    return b;
  };
  for (const r of hh.rows) {
    const b = of(String(r["child"]));
    b.households += Number(r["n"]);
    HOUSEHOLD_STATUSES.forEach((s, i) => (b.byStatus[s] = (b.byStatus[s] ?? 0) + Number(r[`s${i}`] ?? 0)));
    b.regWeek += Number(r["reg_week"]);
    b.regMonth += Number(r["reg_month"]);
    b.overdue += Number(r["overdue"]);
  }
  for (const r of vis.rows) {
    const b = of(r.child);
    const n = Number(r.n);
    const wk = weekStart(r.day);
    if (wk >= firstWeek) b.weekly.set(wk, (b.weekly.get(wk) ?? 0) + n);
    if (wk === week) b.visitsWeek += n;
    if (r.day >= month) b.visitsMonth += n;
  }
  for (const r of al.rows) {
    const b = of(r.child);
    b.alertsOpen += Number(r.open);
    b.alertsUnresolved += Number(r.unresolved);
  }
  for (const r of vol.rows) {
    const b = of(r.child);
    b.volunteers += Number(r.active);
    b.active30 += Number(r.active30);
    b.pending += Number(r.pending);
  }

  const total = bucket();
  for (const r of ppks.rows) total.byPpks[r.code] = Number(r.n);
  for (const b of children.values()) {
    total.households += b.households;
    for (const [k, v] of Object.entries(b.byStatus)) total.byStatus[k] = (total.byStatus[k] ?? 0) + v;
    total.regWeek += b.regWeek;
    total.regMonth += b.regMonth;
    total.overdue += b.overdue;
    total.visitsWeek += b.visitsWeek;
    total.visitsMonth += b.visitsMonth;
    for (const [k, v] of b.weekly) total.weekly.set(k, (total.weekly.get(k) ?? 0) + v);
    total.alertsOpen += b.alertsOpen;
    total.alertsUnresolved += b.alertsUnresolved;
    total.volunteers += b.volunteers;
    total.active30 += b.active30;
    total.pending += b.pending;
  }

  const figures = {
    today,
    weekStart: week,
    monthStart: month,
    households: total.households,
    byStatus: Object.fromEntries(Object.entries(total.byStatus).filter(([, n]) => n > 0)),
    byPpks: Object.entries(total.byPpks)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => ({ code, n }))
      .sort((a, b) => b.n - a.n || (a.code < b.code ? -1 : 1)),
    registrations: { week: total.regWeek, month: total.regMonth },
    visits: { week: total.visitsWeek, month: total.visitsMonth },
    overdue: total.overdue,
    volunteers: { active: total.volunteers, active30: total.active30, pending: total.pending },
    alerts: { open: total.alertsOpen, unresolved: total.alertsUnresolved },
    weekly: Array.from({ length: WEEKS }, (_, i) => {
      const start = addDays(firstWeek, 7 * i);
      return { weekStart: start, count: total.weekly.get(start) ?? 0 };
    }),
  };

  let breakdown: BreakdownRow[] = [];
  if (level !== null) {
    breakdown = kids
      .map((k) => {
        const b = children.get(k.code) ?? bucket();
        return {
          code: k.code,
          name: displayRegionName(k),
          sort: k.search_name,
          households: b.households,
          overdue: b.overdue,
          visitsMonth: b.visitsMonth,
          registrationsMonth: b.regMonth,
          openAlerts: b.alertsOpen,
          volunteers: b.volunteers,
        };
      })
      .sort((a, b) => b.households - a.households || (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : a.code < b.code ? -1 : 1))
      .map(({ sort: _sort, ...row }) => row);
  }
  return { zone, path, level, figures, breakdown };
}
