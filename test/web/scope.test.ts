/**
 * Every dashboard endpoint × role × area: a coordinator of Kec. Cibinong sees nothing of Kec.
 * Gunung Putri (lists, cards, map, alerts, files, sub-areas, and no action reaches it); the
 * coordinator of Kab. Bogor and the admin see both; a volunteer gets no session at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "../../src/db/schema.js";
import { createLoginLink, createSession } from "../../src/web/sessions.js";
import {
  CIBINONG,
  CIBINONG_V1,
  CIBINONG_V2,
  GUNUNG_PUTRI,
  GUNUNG_PUTRI_V1,
  call,
  initDataFor,
  loginAs,
  seedAlert,
  seedHousehold,
  seedUser,
  seedVisit,
  startWebApp,
  type WebTestApp,
} from "./support.js";

let w: WebTestApp;
let budi: User; // volunteer, Cibinong
let dewi: User; // volunteer, Gunung Putri
let rina: User;
let dedi: User;
let hC1: { id: number; refCode: string };
let hC2: { id: number; refCode: string };
let hG1: { id: number; refCode: string };
let aC: number;
let aG: number;
let photoG: number;
let mediaG: number;
let mediaC: number;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  w = await startWebApp();
  budi = await seedUser(w.t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_V1 });
  dewi = await seedUser(w.t, { tg: 2002, role: "volunteer", name: "Dewi Lestari", area: GUNUNG_PUTRI_V1 });
  rina = await seedUser(w.t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: CIBINONG });
  dedi = await seedUser(w.t, { tg: 3003, role: "coordinator", name: "Dedi Kurnia", area: GUNUNG_PUTRI });
  await seedUser(w.t, { tg: 3002, role: "coordinator", name: "Agus Salim", area: "32.01" });
  await seedUser(w.t, { tg: 5000, role: "admin", name: "Admin Pusat", area: null });
  hC1 = await seedHousehold(w.t, budi, CIBINONG_V1, "Siti Aminah", { lat: -6.48, lon: 106.84 });
  hC2 = await seedHousehold(w.t, budi, CIBINONG_V2, "Nur Halimah", { lat: -6.49, lon: 106.85 });
  hG1 = await seedHousehold(w.t, dewi, GUNUNG_PUTRI_V1, "Wati Gunawan", { lat: -6.43, lon: 106.92 });
  await w.t.app.deps.db.insertInto("household_photos").values({ household_id: hG1.id, file_id: "gp-house", file_unique_id: null, uploaded_by: dewi.id, created_at: w.t.app.deps.now() }).execute();
  photoG = (await w.t.app.deps.db.selectFrom("household_photos").select("id").where("household_id", "=", hG1.id).executeTakeFirstOrThrow()).id;
  await seedVisit(w.t, dewi, hG1.id, { on: "2026-11-20", photos: 1 });
  await seedVisit(w.t, budi, hC1.id, { on: "2026-11-21", photos: 1 });
  const media = await w.t.app.deps.db
    .selectFrom("visit_media")
    .innerJoin("visits", "visits.id", "visit_media.visit_id")
    .select(["visit_media.id", "visits.household_id"])
    .execute();
  mediaG = media.find((m) => m.household_id === hG1.id)!.id;
  mediaC = media.find((m) => m.household_id === hC1.id)!.id;
  aC = await seedAlert(w.t, budi, hC2.id, CIBINONG_V2);
  aG = await seedAlert(w.t, dewi, hG1.id, GUNUNG_PUTRI_V1);
  for (const [who, tg] of [["rina", 3001], ["dedi", 3003], ["agus", 3002], ["admin", 5000]] as const) tokens[who] = await loginAs(w, tg);
});
afterAll(async () => {
  await w?.close();
});

const codesOf = (rows: { refCode: string }[]) => rows.map((r) => r.refCode).sort();
const db = () => w.t.app.deps.db;

describe("a volunteer gets nothing", () => {
  it("no session from initData or from a login link", async () => {
    const res = await call(w, "POST", "auth/telegram", { body: { initData: initDataFor(w.t, 2001) } });
    expect(res.status).toBe(403);
    const link = await createLoginLink(db(), budi.id, w.t.app.deps.now());
    expect((await call(w, "POST", "auth/link", { body: { token: link.token } })).status).toBe(403);
  });

  it("a session left from when they were staff answers 403 on every endpoint", async () => {
    const s = await createSession(db(), budi.id, "link", w.t.app.deps.now());
    const endpoints: [string, string, unknown?][] = [
      ["GET", "me"],
      ["GET", "summary"],
      ["GET", "targets"],
      ["GET", "households"],
      ["GET", `households/${hC1.id}`],
      ["GET", `households/${hC1.id}/candidates`],
      ["GET", "volunteers"],
      ["GET", "regions"],
      ["GET", "map"],
      ["GET", "alerts"],
      ["GET", `files/media/${mediaC}`],
      ["POST", `households/${hC1.id}/reveal`, {}],
      ["POST", `households/${hC1.id}/status`, { from: "terdaftar", to: "diverifikasi" }],
      ["POST", `households/${hC1.id}/reassign`, { from: budi.id, to: budi.id }],
      ["POST", `alerts/${aC}/ack`, {}],
      ["POST", `alerts/${aC}/resolve`, { note: "sudah ditangani" }],
    ];
    const first = await call(w, endpoints[0]![0], endpoints[0]![1], { token: s.token });
    expect(first.status).toBe(403);
    // The session was ended by the first refusal; a new one for each endpoint proves each refuses.
    for (const [method, path, body] of endpoints) {
      const again = await createSession(db(), budi.id, "link", w.t.app.deps.now());
      const res = await call(w, method, path, { token: again.token, ...(body !== undefined ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toBe("not_staff");
    }
  });
});

describe("Kec. Cibinong's coordinator sees nothing of Kec. Gunung Putri", () => {
  it("lists, search and filters", async () => {
    const list = await call(w, "GET", "households", { token: tokens.rina });
    expect(list.status).toBe(200);
    expect(codesOf(list.body.rows)).toEqual([hC1.refCode, hC2.refCode].sort());
    expect(list.body.total).toBe(2);
    const search = await call(w, "GET", "households?q=Wati", { token: tokens.rina });
    expect(search.body.rows).toEqual([]);
    const byCode = await call(w, "GET", `households?q=${hG1.refCode}`, { token: tokens.rina });
    expect(byCode.body.total).toBe(0);
    const byVolunteer = await call(w, "GET", `households?volunteer=${dewi.id}`, { token: tokens.rina });
    expect(byVolunteer.body.total).toBe(0);
    expect((await call(w, "GET", `households?area=${GUNUNG_PUTRI}`, { token: tokens.rina })).status).toBe(404);
    expect((await call(w, "GET", `households?area=${GUNUNG_PUTRI_V1}`, { token: tokens.rina })).status).toBe(404);
    expect((await call(w, "GET", `households?area=${CIBINONG_V2}`, { token: tokens.rina })).body.total).toBe(1);
  });

  it("cards, files and candidates", async () => {
    expect((await call(w, "GET", `households/${hG1.id}`, { token: tokens.rina })).status).toBe(404);
    expect((await call(w, "GET", `households/${hG1.id}/candidates`, { token: tokens.rina })).status).toBe(404);
    expect((await call(w, "GET", `files/photo/${photoG}`, { token: tokens.rina })).status).toBe(404);
    expect((await call(w, "GET", `files/media/${mediaG}`, { token: tokens.rina })).status).toBe(404);
    const own = await call(w, "GET", `households/${hC1.id}`, { token: tokens.rina });
    expect(own.status).toBe(200);
    expect(own.body.refCode).toBe(hC1.refCode);
  });

  it("actions on Gunung Putri's household and alert change nothing", async () => {
    const before = await db().selectFrom("households").selectAll().where("id", "=", hG1.id).executeTakeFirstOrThrow();
    expect((await call(w, "POST", `households/${hG1.id}/reveal`, { token: tokens.rina, body: {} })).status).toBe(404);
    expect(
      (await call(w, "POST", `households/${hG1.id}/status`, { token: tokens.rina, body: { from: "terdaftar", to: "diverifikasi" } })).status,
    ).toBe(404);
    expect((await call(w, "POST", `households/${hG1.id}/reassign`, { token: tokens.rina, body: { from: dewi.id, to: budi.id } })).status).toBe(404);
    expect((await call(w, "POST", `alerts/${aG}/ack`, { token: tokens.rina, body: {} })).status).toBe(404);
    expect((await call(w, "POST", `alerts/${aG}/resolve`, { token: tokens.rina, body: { note: "selesai ditangani" } })).status).toBe(404);
    const after = await db().selectFrom("households").selectAll().where("id", "=", hG1.id).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect((await db().selectFrom("alerts").select("status").where("id", "=", aG).executeTakeFirstOrThrow()).status).toBe("open");
    const audits = await db().selectFrom("audit_log").select(["entity", "entity_id"]).where("actor_id", "=", rina.id).execute();
    expect(audits.filter((a) => (a.entity === "household" && a.entity_id === String(hG1.id)) || (a.entity === "alert" && a.entity_id === String(aG)))).toEqual([]);
  });

  it("moving a household to another area's volunteer is refused", async () => {
    const res = await call(w, "POST", `households/${hC1.id}/reassign`, { token: tokens.rina, body: { from: budi.id, to: dewi.id } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("reassign_target");
    expect((await db().selectFrom("households").select("volunteer_id").where("id", "=", hC1.id).executeTakeFirstOrThrow()).volunteer_id).toBe(budi.id);
    const candidates = await call(w, "GET", `households/${hC1.id}/candidates`, { token: tokens.rina });
    expect(candidates.body.rows.map((r: { id: number }) => r.id)).not.toContain(dewi.id);
  });

  it("map, alerts, summary, targets, volunteers and regions", async () => {
    const map = await call(w, "GET", "map", { token: tokens.rina });
    expect(map.body.n).toBe(2);
    let id = 0;
    const ids = (map.body.points as number[]).filter((_, i) => i % 5 === 0).map((d) => (id += d));
    expect(ids.sort()).toEqual([hC1.id, hC2.id].sort());
    expect((await call(w, "GET", `map?area=${GUNUNG_PUTRI}`, { token: tokens.rina })).status).toBe(404);

    const alerts = await call(w, "GET", "alerts", { token: tokens.rina });
    expect(alerts.body.rows.map((a: { id: number }) => a.id)).toEqual([aC]);

    const summary = await call(w, "GET", "summary", { token: tokens.rina });
    expect(summary.body.figures.households).toBe(2);
    expect(summary.body.figures.alerts.open).toBe(1);
    expect(summary.body.breakdown.map((r: { code: string }) => r.code).every((c: string) => c.startsWith(`${CIBINONG}.`))).toBe(true);
    expect((await call(w, "GET", `summary?area=${GUNUNG_PUTRI}`, { token: tokens.rina })).status).toBe(404);
    expect((await call(w, "GET", "summary?area=32.01", { token: tokens.rina })).status).toBe(404);

    const targets = await call(w, "GET", "targets", { token: tokens.rina });
    expect(targets.body.rows.map((r: { id: number }) => r.id)).toEqual([budi.id]);
    expect((await call(w, "GET", `targets?area=${GUNUNG_PUTRI}`, { token: tokens.rina })).status).toBe(404);

    const vols = await call(w, "GET", "volunteers", { token: tokens.rina });
    expect(vols.body.rows.map((r: { id: number }) => r.id)).toEqual([budi.id]);
    expect((await call(w, "GET", `regions?parent=${GUNUNG_PUTRI}`, { token: tokens.rina })).status).toBe(404);
    const regions = await call(w, "GET", "regions", { token: tokens.rina });
    expect(regions.body.rows.every((r: { code: string }) => r.code.startsWith(`${CIBINONG}.`))).toBe(true);
  });

  it("the same holds the other way round for Gunung Putri's coordinator", async () => {
    const list = await call(w, "GET", "households", { token: tokens.dedi });
    expect(codesOf(list.body.rows)).toEqual([hG1.refCode]);
    expect((await call(w, "GET", `households/${hC1.id}`, { token: tokens.dedi })).status).toBe(404);
    expect((await call(w, "GET", `files/media/${mediaC}`, { token: tokens.dedi })).status).toBe(404);
    expect((await call(w, "POST", `alerts/${aC}/ack`, { token: tokens.dedi, body: {} })).status).toBe(404);
    expect((await call(w, "GET", "alerts", { token: tokens.dedi })).body.rows.map((a: { id: number }) => a.id)).toEqual([aG]);
    expect((await call(w, "GET", "map", { token: tokens.dedi })).body.n).toBe(1);
    expect((await call(w, "GET", "targets", { token: tokens.dedi })).body.rows.map((r: { id: number }) => r.id)).toEqual([dewi.id]);
    void dedi;
  });
});

describe("wider scopes", () => {
  it("Kab. Bogor's coordinator and the admin see both districts", async () => {
    for (const who of ["agus", "admin"]) {
      const list = await call(w, "GET", "households", { token: tokens[who] });
      expect(codesOf(list.body.rows), who).toEqual([hC1.refCode, hC2.refCode, hG1.refCode].sort());
      expect((await call(w, "GET", `households/${hG1.id}`, { token: tokens[who] })).status).toBe(200);
      expect((await call(w, "GET", "map", { token: tokens[who] })).body.n).toBe(3);
      expect((await call(w, "GET", "alerts", { token: tokens[who] })).body.total).toBe(2);
      expect((await call(w, "GET", `households?area=${GUNUNG_PUTRI}`, { token: tokens[who] })).body.total).toBe(1);
    }
    const bogor = await call(w, "GET", "summary", { token: tokens.agus });
    const kids = bogor.body.breakdown as { code: string; households: number }[];
    expect(kids.find((k) => k.code === CIBINONG)?.households).toBe(2);
    expect(kids.find((k) => k.code === GUNUNG_PUTRI)?.households).toBe(1);
    const drill = await call(w, "GET", `summary?area=${CIBINONG}`, { token: tokens.agus });
    expect(drill.body.figures.households).toBe(2);
    expect(drill.body.breakdown.find((k: { code: string }) => k.code === CIBINONG_V1)?.households).toBe(1);
    const country = await call(w, "GET", "summary", { token: tokens.admin });
    expect(country.body.breakdown.find((k: { code: string }) => k.code === "32")?.households).toBe(3);
  });
});
