import { sql, type SqlBool, type Expression } from "kysely";
import { z } from "zod";
import type { Db } from "../../db/schema.js";
import { HOUSEHOLD_STATUSES, PPKS_CODES, URGENCY_LEVELS } from "../../domain/ppks.js";
import { normalizePersonName } from "../../domain/names.js";
import { normalizeRefCode } from "../../domain/refcode.js";
import { displayRegionName, regionLevel } from "../../domain/region-names.js";
import { inScopeSql, narrowScope, type StaffScope } from "../scope.js";
import { overdueCutoff, scopeZone, todayIn } from "./common.js";

export const SORTS = ["created", "code", "name", "status", "last_visit", "next_visit", "village"] as const;
export type HouseholdSort = (typeof SORTS)[number];

const optionalString = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/** The Keluarga page's filters, from the query string (anything unknown is ignored). */
export const householdQuerySchema = z.object({
  status: z.enum(HOUSEHOLD_STATUSES).optional().catch(undefined),
  ppks: z.enum(PPKS_CODES as [string, ...string[]]).optional().catch(undefined),
  desil: z
    .string()
    .regex(/^(10|[1-9]|none)$/)
    .optional()
    .catch(undefined),
  area: z
    .string()
    .optional()
    .refine((v) => v === undefined || regionLevel(v) !== null)
    .catch(undefined),
  volunteer: z
    .string()
    .regex(/^(\d{1,9}|none)$/)
    .optional()
    .catch(undefined),
  overdue: z.enum(["1"]).optional().catch(undefined),
  urgency: z.enum([...URGENCY_LEVELS, "none"] as [string, ...string[]]).optional().catch(undefined),
  q: optionalString(60).catch(undefined),
  sort: z.enum(SORTS).default("created").catch("created"),
  dir: z.enum(["asc", "desc"]).optional().catch(undefined),
  page: z.coerce.number().int().min(0).max(100_000).default(0).catch(0),
  size: z.coerce.number().int().min(10).max(100).default(25).catch(25),
});
export type HouseholdQuery = z.infer<typeof householdQuerySchema>;

export interface HouseholdListRow {
  id: number;
  refCode: string;
  headName: string;
  status: string;
  ppks: string[];
  desil: number | null;
  villageCode: string;
  village: string;
  volunteerId: number | null;
  volunteer: string | null;
  lastVisitAt: string | null;
  lastUrgency: string | null;
  nextVisitDate: string | null;
  overdue: boolean;
  anonymized: boolean;
}

/** Natural direction of each sort (newest / most urgent first where that is what one wants). */
const DEFAULT_DIR: Record<HouseholdSort, "asc" | "desc"> = {
  created: "desc",
  code: "asc",
  name: "asc",
  status: "asc",
  last_visit: "desc",
  next_visit: "asc",
  village: "asc",
};

/**
 * ORDER BY of each sort, written so that an index of migration 0015 serves it (a page of
 * 25 out of 100,000 is read from the index, not sorted): never-visited households last when
 * the newest visit comes first, first when the oldest does; no next visit date at the end.
 */
const ORDER_SQL: Record<HouseholdSort, (dir: "asc" | "desc") => string> = {
  created: (d) => `h.created_at ${d}, h.id ${d}`,
  code: (d) => `h.ref_code ${d}`,
  name: (d) => `h.head_name_norm ${d}, h.id ${d}`,
  status: (d) => `h.status ${d}, h.id ${d}`,
  last_visit: (d) => (d === "desc" ? "h.last_visit_at desc nulls last, h.id desc" : "h.last_visit_at asc nulls first, h.id asc"),
  next_visit: (d) => (d === "asc" ? "h.next_visit_date asc nulls last, h.id asc" : "h.next_visit_date desc nulls first, h.id desc"),
  village: (d) => `h.village_code ${d}, h.head_name_norm ${d}, h.id ${d}`,
};

/**
 * One page of the households in the scope, filtered, searched and sorted in the database
 * (100,000 households: nothing is filtered in memory). Returns null when a filter names a
 * region outside the scope.
 */
export async function listHouseholds(db: Db, scope: StaffScope, q: HouseholdQuery, opts: { now: Date; overdueDays: number }) {
  const sub = narrowScope(scope, q.area);
  if (!sub) return null;
  const zone = await scopeZone(db, scope);
  const cutoff = overdueCutoff(todayIn(zone, opts.now), opts.overdueDays);
  const overdueExpr = sql<SqlBool>`(h.anonymized_at is null and h.status <> 'selesai' and h.next_visit_date < ${cutoff}::date)`;

  const conditions: Expression<SqlBool>[] = [inScopeSql("h.village_code", sub)];
  if (q.status) conditions.push(sql<SqlBool>`h.status = ${q.status}`);
  if (q.ppks) conditions.push(sql<SqlBool>`h.ppks @> array[${q.ppks}]::text[]`);
  if (q.desil === "none") conditions.push(sql<SqlBool>`h.desil is null`);
  else if (q.desil) conditions.push(sql<SqlBool>`h.desil = ${Number(q.desil)}`);
  if (q.volunteer === "none") conditions.push(sql<SqlBool>`h.volunteer_id is null`);
  else if (q.volunteer) conditions.push(sql<SqlBool>`h.volunteer_id = ${Number(q.volunteer)}`);
  if (q.overdue) conditions.push(overdueExpr);
  if (q.urgency === "none") conditions.push(sql<SqlBool>`lv.urgency is null`);
  else if (q.urgency) conditions.push(sql<SqlBool>`lv.urgency = ${q.urgency}`);
  if (q.q) {
    const code = normalizeRefCode(q.q);
    const name = normalizePersonName(q.q).replace(/[\\%_]/g, (m) => `\\${m}`);
    const either: Expression<SqlBool>[] = [];
    if (code) either.push(sql<SqlBool>`h.ref_code = ${code}`);
    if (name !== "") either.push(sql<SqlBool>`h.head_name_norm like ${`%${name}%`}`);
    const prefix = q.q.toUpperCase().replace(/[^A-Z0-9]/g, "");
    if (prefix.length >= 2 && prefix.length < 7) either.push(sql<SqlBool>`h.ref_code like ${`${prefix}%`}`);
    conditions.push(either.length > 0 ? sql<SqlBool>`(${sql.join(either, sql` or `)})` : sql<SqlBool>`false`);
  }
  const where = sql.join(conditions, sql` and `);
  const needsLastVisit = q.urgency !== undefined;

  const dir = q.dir ?? DEFAULT_DIR[q.sort];
  const order = sql.raw(ORDER_SQL[q.sort](dir));
  const offset = q.page * q.size;

  // The page is chosen from the households alone (an index serves the order); only its rows
  // are then joined with volunteers, villages and last visits.
  const lastVisitJoin = needsLastVisit ? sql`left join household_last_visit lv on lv.household_id = h.id` : sql``;
  const rowsQ = sql<{
    id: number;
    ref_code: string;
    head_name: string;
    status: string;
    ppks: string[];
    desil: number | null;
    village_code: string;
    village_name: string | null;
    volunteer_id: number | null;
    volunteer_name: string | null;
    last_visit_at: Date | null;
    last_urgency: string | null;
    next_visit_date: string | null;
    overdue: boolean;
    anonymized_at: Date | null;
  }>`
    with page as (
      select h.id, h.ref_code, h.head_name, h.head_name_norm, h.status, h.ppks, h.desil, h.village_code, h.volunteer_id,
        h.last_visit_at, h.next_visit_date, h.anonymized_at, h.created_at, ${overdueExpr} as overdue
      from households h
      ${lastVisitJoin}
      where ${where}
      order by ${order}
      limit ${q.size} offset ${offset}
    )
    select h.id, h.ref_code, h.head_name, h.status, h.ppks, h.desil, h.village_code, r.name as village_name,
      h.volunteer_id, u.name as volunteer_name, h.last_visit_at, lv.urgency as last_urgency,
      h.next_visit_date, h.overdue, h.anonymized_at
    from page h
    left join household_last_visit lv on lv.household_id = h.id
    left join users u on u.id = h.volunteer_id
    left join regions r on r.code = h.village_code
    order by ${order}`.execute(db);
  const countQ = sql<{ n: number }>`
    select count(*)::int as n
    from households h
    ${lastVisitJoin}
    where ${where}`.execute(db);
  // Page and count at once (two pooled connections on PostgreSQL).
  const [rows, count] = await Promise.all([rowsQ, countQ]);

  const total = Number(count.rows[0]?.n ?? 0);
  return {
    total,
    page: q.page,
    size: q.size,
    sort: q.sort,
    dir,
    rows: rows.rows.map(
      (r): HouseholdListRow => ({
        id: r.id,
        refCode: r.ref_code,
        headName: r.head_name,
        status: r.status,
        ppks: r.ppks,
        desil: r.desil,
        villageCode: r.village_code,
        village: r.village_name ? displayRegionName({ code: r.village_code, name: r.village_name }) : r.village_code,
        volunteerId: r.volunteer_id,
        volunteer: r.volunteer_name,
        lastVisitAt: r.last_visit_at ? new Date(r.last_visit_at).toISOString() : null,
        lastUrgency: r.last_urgency,
        nextVisitDate: r.next_visit_date,
        overdue: Boolean(r.overdue),
        anonymized: r.anonymized_at !== null,
      }),
    ),
  };
}
