import { sql } from "kysely";
import type { Db } from "../../db/schema.js";
import { areaSummary, localMidnight } from "../../db/queries/coordinator.js";
import { displayRegionName } from "../../domain/region-names.js";
import { inScopeSql, scopeCode, type StaffScope } from "../scope.js";
import { CODE_LENGTH, childLevel, overdueCutoff, scopePath, scopeZone } from "./common.js";

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

/**
 * Ringkasan: the figures of /rekap for the scope (households by status and PPKS, visits and
 * registrations this week and month, overdue households, alerts, volunteers, 12 weeks of
 * visits), plus the same figures per region directly under the scope (kecamatan of a kabupaten,
 * desa of a kecamatan…) for the drill-down table.
 */
export async function dashboardSummary(db: Db, scope: StaffScope, opts: { now: Date; overdueDays: number }) {
  const zone = await scopeZone(db, scope);
  const area = scopeCode(scope);
  const figures = await areaSummary(db, area, { now: opts.now, tz: zone.tz, zoneLabel: zone.label, overdueDays: opts.overdueDays, weeks: 12 });
  const breakdown = await childBreakdown(db, scope, {
    monthStart: figures.monthStart,
    monthStartAt: localMidnight(figures.monthStart, zone.label),
    cutoff: overdueCutoff(figures.today, opts.overdueDays),
  });
  return { zone, path: await scopePath(db, scope), level: childLevel(scope), figures, breakdown };
}

async function childBreakdown(db: Db, scope: StaffScope, opts: { monthStart: string; monthStartAt: Date; cutoff: string }): Promise<BreakdownRow[]> {
  const level = childLevel(scope);
  if (level === null) return [];
  const len = CODE_LENGTH[level];
  const parent = scopeCode(scope);
  const kids = parent === null ? sql`parent_code is null` : sql`parent_code = ${parent}`;
  const result = await sql<{
    code: string;
    name: string;
    households: number;
    overdue: number;
    registrations: number;
    visits: number;
    alerts: number;
    volunteers: number;
  }>`
    with hh as (
      select left(village_code, ${len}) as child,
        count(*)::int as households,
        count(*) filter (where anonymized_at is null and status <> 'selesai' and next_visit_date < ${opts.cutoff}::date)::int as overdue,
        count(*) filter (where created_at >= ${opts.monthStartAt.toISOString()}::timestamptz)::int as registrations
      from households
      where ${inScopeSql("village_code", scope)}
      group by 1
    ), vis as (
      select left(h.village_code, ${len}) as child, count(*)::int as visits
      from visits v join households h on h.id = v.household_id
      where v.visited_on >= ${opts.monthStart}::date and ${inScopeSql("h.village_code", scope)}
      group by 1
    ), al as (
      select left(area_code, ${len}) as child, count(*)::int as alerts
      from alerts
      where status in ('open', 'acknowledged') and ${inScopeSql("area_code", scope)}
      group by 1
    ), vol as (
      select left(area_code, ${len}) as child, count(*)::int as volunteers
      from users
      where role = 'volunteer' and status = 'active' and area_code is not null and ${inScopeSql("area_code", scope)}
      group by 1
    )
    select r.code, r.name,
      coalesce(hh.households, 0) as households, coalesce(hh.overdue, 0) as overdue,
      coalesce(hh.registrations, 0) as registrations, coalesce(vis.visits, 0) as visits,
      coalesce(al.alerts, 0) as alerts, coalesce(vol.volunteers, 0) as volunteers
    from regions r
    left join hh on hh.child = r.code
    left join vis on vis.child = r.code
    left join al on al.child = r.code
    left join vol on vol.child = r.code
    where ${kids}
    order by coalesce(hh.households, 0) desc, r.search_name, r.code`.execute(db);
  return result.rows.map((r) => ({
    code: r.code,
    name: displayRegionName(r),
    households: Number(r.households),
    overdue: Number(r.overdue),
    visitsMonth: Number(r.visits),
    registrationsMonth: Number(r.registrations),
    openAlerts: Number(r.alerts),
    volunteers: Number(r.volunteers),
  }));
}
