/**
 * The dashboard's side tables (migration 0015) follow every change of visits and households:
 * each household's last visit (the urgency filter and map colours) and visits per village and
 * day (the summary), checked against a recount after inserts, edits, moves and deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import type { User } from "../../src/db/schema.js";
import { dashboardSummary } from "../../src/web/data/summary.js";
import { CIBINONG, CIBINONG_V1, CIBINONG_V2, GUNUNG_PUTRI_V1, seedHousehold, seedUser, seedVisit, startWebApp, type WebTestApp } from "./support.js";

let w: WebTestApp;
let budi: User;
const db = () => w.t.app.deps.db;

beforeAll(async () => {
  w = await startWebApp();
  budi = await seedUser(w.t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_V1 });
});
afterAll(async () => {
  await w?.close();
});

async function daily(): Promise<string[]> {
  const rows = await sql<{ v: string; d: string; n: number }>`select village_code as v, to_char(visited_on, 'YYYY-MM-DD') as d, n from visit_daily where n <> 0 order by 1, 2`.execute(db());
  return rows.rows.map((r) => `${r.v} ${r.d} ${r.n}`);
}

async function recount(): Promise<string[]> {
  const rows = await sql<{ v: string; d: string; n: number }>`
    select h.village_code as v, to_char(v.visited_on, 'YYYY-MM-DD') as d, count(*)::int as n
    from visits v join households h on h.id = v.household_id group by 1, 2 order by 1, 2`.execute(db());
  return rows.rows.map((r) => `${r.v} ${r.d} ${r.n}`);
}

async function counts(): Promise<string[]> {
  const rows = await sql<{ v: string; k: string; n: number }>`select village_code as v, key as k, n from village_household_counts where n <> 0 order by 1, 2`.execute(db());
  return rows.rows.map((r) => `${r.v} ${r.k} ${r.n}`);
}

async function recountHouseholds(): Promise<string[]> {
  const rows = await sql<{ v: string; k: string; n: number }>`
    select village_code as v, k, count(*)::int as n from (
      select village_code, 'total' as k from households
      union all select village_code, 'status:' || status from households
      union all select h.village_code, 'ppks:' || p.code from households h, lateral (select distinct unnest(h.ppks) as code) as p
    ) as x group by 1, 2 order by 1, 2`.execute(db());
  return rows.rows.map((r) => `${r.v} ${r.k} ${r.n}`);
}

async function lastUrgency(id: number): Promise<string | null> {
  return (await db().selectFrom("household_last_visit").select("urgency").where("household_id", "=", id).executeTakeFirst())?.urgency ?? null;
}

describe("side tables kept by triggers", () => {
  it("follow visits reported, moved and deleted, and households moved or deleted", async () => {
    const a = await seedHousehold(w.t, budi, CIBINONG_V1, "Siti Aminah");
    const b = await seedHousehold(w.t, budi, CIBINONG_V2, "Nur Halimah");
    expect(await lastUrgency(a.id)).toBeNull();
    await seedVisit(w.t, budi, a.id, { on: "2026-11-20" });
    const v2 = await seedVisit(w.t, budi, a.id, { on: "2026-11-24", urgency: "darurat" });
    await seedVisit(w.t, budi, b.id, { on: "2026-11-21", urgency: "perhatian" });
    // A report for an earlier day does not become the last visit.
    await seedVisit(w.t, budi, a.id, { on: "2026-11-18", urgency: "perhatian" });
    expect(await lastUrgency(a.id)).toBe("darurat");
    expect(await daily()).toEqual(await recount());
    expect(await daily()).toEqual([`${CIBINONG_V1} 2026-11-18 1`, `${CIBINONG_V1} 2026-11-20 1`, `${CIBINONG_V1} 2026-11-24 1`, `${CIBINONG_V2} 2026-11-21 1`]);

    await db().updateTable("visits").set({ visited_on: "2026-11-25" }).where("id", "=", v2).execute();
    await db().updateTable("visits").set({ urgency: "biasa" }).where("id", "=", v2).execute();
    expect(await lastUrgency(a.id)).toBe("biasa");
    expect(await daily()).toEqual(await recount());

    // The household moves to another village (an edit that keeps the village changes nothing).
    await db().updateTable("households").set({ village_code: GUNUNG_PUTRI_V1 }).where("id", "=", a.id).execute();
    await db().updateTable("households").set({ village_code: GUNUNG_PUTRI_V1, head_name: "Siti A." }).where("id", "=", a.id).execute();
    expect(await daily()).toEqual(await recount());
    expect((await daily()).filter((x) => x.startsWith(GUNUNG_PUTRI_V1))).toHaveLength(3);

    await db().deleteFrom("visits").where("id", "=", v2).execute();
    expect(await lastUrgency(a.id)).toBe("biasa");
    expect(await daily()).toEqual(await recount());

    await db().deleteFrom("visits").where("household_id", "=", b.id).execute();
    expect(await lastUrgency(b.id)).toBeNull();
    expect(await daily()).toEqual(await recount());
  });

  it("count households per village by status and PPKS through registrations, changes, moves and deletions", async () => {
    const d = await seedHousehold(w.t, budi, CIBINONG_V2, "Dewi Lubis", { ppks: ["fakir_miskin", "lanjut_usia_terlantar"] });
    expect(await counts()).toEqual(await recountHouseholds());
    expect(await counts()).toContain(`${CIBINONG_V2} ppks:lanjut_usia_terlantar 1`);
    await db().updateTable("households").set({ status: "diverifikasi" }).where("id", "=", d.id).execute();
    await db().updateTable("households").set({ ppks: ["fakir_miskin", "fakir_miskin", "anak_terlantar"] }).where("id", "=", d.id).execute();
    await db().updateTable("households").set({ head_name: "Dewi L." }).where("id", "=", d.id).execute();
    expect(await counts()).toEqual(await recountHouseholds());
    await db().updateTable("households").set({ village_code: GUNUNG_PUTRI_V1 }).where("id", "=", d.id).execute();
    expect(await counts()).toEqual(await recountHouseholds());
    expect(await counts()).toContain(`${GUNUNG_PUTRI_V1} status:diverifikasi 1`);
    await db().deleteFrom("households").where("id", "=", d.id).execute();
    expect(await counts()).toEqual(await recountHouseholds());
  });

  it("the summary's weeks and months come out of them", async () => {
    const c = await seedHousehold(w.t, budi, CIBINONG_V1, "Rahmat Hidayat");
    const before = await dashboardSummary(db(), { kind: "area", area: CIBINONG }, { now: w.t.app.deps.now(), overdueDays: 14 });
    await seedVisit(w.t, budi, c.id, { on: "2026-11-27" });
    const after = await dashboardSummary(db(), { kind: "area", area: CIBINONG }, { now: w.t.app.deps.now(), overdueDays: 14 });
    expect(after.figures.visits.week).toBe(before.figures.visits.week + 1);
    expect(after.figures.visits.month).toBe(before.figures.visits.month + 1);
    expect(after.figures.weekly.at(-1)!.count).toBe(before.figures.weekly.at(-1)!.count + 1);
    expect(after.figures.weekly.at(-1)!.weekStart).toBe("2026-11-23");
    const row = after.breakdown.find((r) => r.code === CIBINONG_V1)!;
    expect(row.visitsMonth).toBe(before.breakdown.find((r) => r.code === CIBINONG_V1)!.visitsMonth + 1);
    // The figures agree with counting the households themselves.
    const direct = await sql<{ n: number; t: number }>`
      select count(*)::int as n, count(*) filter (where status = 'terdaftar')::int as t from households where village_code like ${`${CIBINONG}.%`}`.execute(db());
    expect(after.figures.households).toBe(direct.rows[0]!.n);
    expect(after.figures.byStatus["terdaftar"]).toBe(direct.rows[0]!.t);
    expect(after.figures.byPpks.find((p) => p.code === "fakir_miskin")?.n).toBe(direct.rows[0]!.n);
  });
});
