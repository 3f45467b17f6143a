import { sql } from "kysely";
import type { Db } from "../../db/schema.js";
import { HOUSEHOLD_STATUSES, URGENCY_LEVELS } from "../../domain/ppks.js";
import { inScopeSql, narrowScope, type StaffScope } from "../scope.js";

/** Coordinates are sent rounded to this many decimals (~1 m), as integers. */
export const MAP_SCALE = 1e5;

/**
 * Every household of the scope that has a location, for the map, as a JSON text in a compact
 * form: `points` is a flat list of five integers per household, sorted by id — the id as the
 * difference from the previous one, latitude and longitude × 100,000, the status (index into
 * `statuses`) and the last visit's urgency (index into `urgencies`; 0 = never visited). No
 * names: a tapped point asks for the household's card, which is checked and audited as usual.
 *
 * The list is built by the database as one text (100,000 points: no row-by-row parsing and no
 * JSON encoding here). Returns null when `area` is outside the scope.
 */
export async function mapPointsJson(db: Db, scope: StaffScope, opts: { area?: string }): Promise<string | null> {
  const sub = narrowScope(scope, opts.area);
  if (!sub) return null;
  const statuses = [...HOUSEHOLD_STATUSES];
  const urgencies = [...URGENCY_LEVELS];
  const result = await sql<{ n: number; points: string | null }>`
    with p as (
      select h.id,
        round(h.latitude * ${MAP_SCALE})::int as la,
        round(h.longitude * ${MAP_SCALE})::int as lo,
        coalesce(array_position(${statuses}::text[], h.status) - 1, 0) as s,
        coalesce(array_position(${urgencies}::text[], lv.urgency), 0) as u
      from households h
      left join household_last_visit lv on lv.household_id = h.id
      where ${inScopeSql("h.village_code", sub)}
        and h.latitude is not null and h.longitude is not null and h.anonymized_at is null
    ), d as (
      select id, id - coalesce(lag(id) over (order by id), 0) as di, la, lo, s, u from p
    )
    select count(*)::int as n, string_agg(concat_ws(',', di, la, lo, s, u), ',' order by id) as points
    from d`.execute(db);
  const r = result.rows[0] ?? { n: 0, points: null };
  return (
    `{"n":${Number(r.n)},"scale":${MAP_SCALE},"statuses":${JSON.stringify(statuses)},"urgencies":${JSON.stringify(["none", ...urgencies])},` +
    `"points":[${r.points ?? ""}]}`
  );
}
