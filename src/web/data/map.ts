import { sql } from "kysely";
import type { Db } from "../../db/schema.js";
import { HOUSEHOLD_STATUSES, URGENCY_LEVELS } from "../../domain/ppks.js";
import { inScopeSql, narrowScope, type StaffScope } from "../scope.js";

/** Coordinates are sent rounded to this many decimals (~1 m), as integers. */
const SCALE = 1e5;

/**
 * Every household of the scope that has a location, for the map, in a compact columnar form
 * (100,000 points are ~1 MB before compression): ids as differences from the previous id
 * (sorted), latitude and longitude × 100,000 as integers, status and last visit urgency as one
 * digit each (indexes into `statuses` and `urgencies`; urgency 0 = never visited). No names:
 * a tapped point asks for the household's card, which is checked and audited as usual.
 */
export async function mapPoints(db: Db, scope: StaffScope, opts: { area?: string }) {
  const sub = narrowScope(scope, opts.area);
  if (!sub) return null;
  const rows = await sql<{ id: number; lat: number; lon: number; status: string; urgency: string | null }>`
    select h.id, h.latitude as lat, h.longitude as lon, h.status, lv.urgency
    from households h
    left join household_last_visit lv on lv.household_id = h.id
    where ${inScopeSql("h.village_code", sub)}
      and h.latitude is not null and h.longitude is not null and h.anonymized_at is null
    order by h.id`.execute(db);
  const statusIndex = new Map<string, number>(HOUSEHOLD_STATUSES.map((s, i) => [s, i]));
  const urgencyIndex = new Map<string, number>(URGENCY_LEVELS.map((u, i) => [u, i + 1]));
  const n = rows.rows.length;
  const ids = new Array<number>(n);
  const lat = new Array<number>(n);
  const lon = new Array<number>(n);
  let st = "";
  let ur = "";
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const r = rows.rows[i]!;
    ids[i] = r.id - prev;
    prev = r.id;
    lat[i] = Math.round(r.lat * SCALE);
    lon[i] = Math.round(r.lon * SCALE);
    st += String(statusIndex.get(r.status) ?? 0);
    ur += String(r.urgency ? (urgencyIndex.get(r.urgency) ?? 0) : 0);
  }
  return { n, scale: SCALE, statuses: HOUSEHOLD_STATUSES, urgencies: ["none", ...URGENCY_LEVELS], ids, lat, lon, st, ur };
}
