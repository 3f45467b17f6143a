import { sql } from "kysely";
import type { Db } from "../../db/schema.js";
import { localMidnight, weekStart } from "../../db/queries/coordinator.js";
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
 * Read from the counters migration 0015 keeps by triggers (households per village by status and
 * PPKS, visits per village and day) and two index ranges (this month's registrations, overdue
 * households), plus alerts and volunteers — all grouped by the child region, the totals being
 * the sums of the children — so a regency of 100,000 households is summed from a few thousand
 * rows. The queries run at once (each on its own pooled connection on PostgreSQL).
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

  // Households by status and PPKS: counters per village (village_household_counts).
  const countsQ = sql<{ child: string; key: string; n: number }>`
    select left(village_code, ${len}) as child, key, sum(n)::int as n
    from village_household_counts
    where ${inScopeSql("village_code", scope)}
    group by 1, 2`.execute(db);

  // Registrations this week and this month: a range of the registration-time index.
  const regQ = sql<{ child: string; week: number; month: number }>`
    select left(village_code, ${len}) as child,
      count(*) filter (where created_at >= ${weekAt}::timestamptz)::int as week,
      count(*) filter (where created_at >= ${monthAt}::timestamptz)::int as month
    from households
    where created_at >= ${weekAt < monthAt ? weekAt : monthAt}::timestamptz and ${inScopeSql("village_code", scope)}
    group by 1`.execute(db);

  // Overdue, as in the coordinators' morning digest: a range of the planned-date index.
  const dueQ = sql<{ child: string; n: number }>`
    select left(village_code, ${len}) as child, count(*)::int as n
    from households
    where next_visit_date < ${cutoff}::date and anonymized_at is null and status <> 'selesai' and ${inScopeSql("village_code", scope)}
    group by 1`.execute(db);

  // Visits per village and day (visit_daily, kept by triggers: migration 0015).
  const visQ = sql<{ child: string; wk: string; n: number; in_month: number | null }>`
    select left(village_code, ${len}) as child, visited_on - (extract(isodow from visited_on)::int - 1) as wk,
      sum(n)::int as n, (sum(n) filter (where visited_on >= ${month}::date))::int as in_month
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
  const [counts, reg, due, vis, al, vol, kids, path] = await Promise.all([countsQ, regQ, dueQ, visQ, alQ, volQ, kidsQ, scopePath(db, scope)]);

  const children = new Map<string, Bucket>();
  const of = (code: string) => {
    let b = children.get(code);
    if (!b) children.set(code, (b = bucket()));
    return b;
  };
  for (const r of counts.rows) {
    const b = of(r.child);
    const n = Number(r.n);
    if (r.key === "total") b.households += n;
    else if (r.key.startsWith("status:")) b.byStatus[r.key.slice(7)] = (b.byStatus[r.key.slice(7)] ?? 0) + n;
    else if (r.key.startsWith("ppks:")) b.byPpks[r.key.slice(5)] = (b.byPpks[r.key.slice(5)] ?? 0) + n;
  }
  for (const r of reg.rows) {
    const b = of(r.child);
    b.regWeek += Number(r.week);
    b.regMonth += Number(r.month);
  }
  for (const r of due.rows) of(r.child).overdue += Number(r.n);
  for (const r of vis.rows) {
    const b = of(r.child);
    const n = Number(r.n);
    if (r.wk >= firstWeek) b.weekly.set(r.wk, (b.weekly.get(r.wk) ?? 0) + n);
    if (r.wk === week) b.visitsWeek += n;
    b.visitsMonth += Number(r.in_month ?? 0);
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
  for (const b of children.values()) {
    total.households += b.households;
    for (const [k, v] of Object.entries(b.byStatus)) total.byStatus[k] = (total.byStatus[k] ?? 0) + v;
    for (const [k, v] of Object.entries(b.byPpks)) total.byPpks[k] = (total.byPpks[k] ?? 0) + v;
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
