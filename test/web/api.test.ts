/**
 * What the dashboard's API shows and does, for a coordinator of Kec. Cibinong: the households
 * table (filters, search, sort, paging), the card (masked identity numbers, visits, photos,
 * status history), the audited full NIK, status changes and reassignments with the chat's
 * rules, alerts acknowledged and resolved with the chat copies edited, targets with red flags,
 * the summary and the map data.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { User } from "../../src/db/schema.js";
import type { TestUser } from "../support/chat.js";
import { upsertTarget } from "../../src/db/queries/fieldwork.js";
import {
  CIBINONG,
  CIBINONG_V1,
  CIBINONG_V2,
  call,
  loginAs,
  runJobs,
  seedAlert,
  seedHousehold,
  seedUser,
  seedVisit,
  startWebApp,
  type WebTestApp,
} from "./support.js";

let w: WebTestApp;
let budi: User;
let ani: User;
let rina: User;
let rinaToken: string;
let agusToken: string;
let rinaChat: TestUser;
let agusChat: TestUser;
let budiChat: TestUser;
let aniChat: TestUser;
let h: { id: number; refCode: string }[] = [];

const db = () => w.t.app.deps.db;

beforeAll(async () => {
  w = await startWebApp({ env: { DEFAULT_MONTHLY_VISIT_TARGET: "3" } });
  budi = await seedUser(w.t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_V1 });
  ani = await seedUser(w.t, { tg: 2003, role: "volunteer", name: "Ani Wulandari", area: CIBINONG_V2 });
  rina = await seedUser(w.t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: CIBINONG });
  await seedUser(w.t, { tg: 3002, role: "coordinator", name: "Agus Salim", area: "32.01" });
  rinaChat = w.t.driver.user({ id: 3001, firstName: "Rina" });
  agusChat = w.t.driver.user({ id: 3002, firstName: "Agus" });
  budiChat = w.t.driver.user({ id: 2001, firstName: "Budi" });
  aniChat = w.t.driver.user({ id: 2003, firstName: "Ani" });
  // 30 households of Budi in desa 1001 (one of them rejected, some overdue), 5 of Ani in 1002.
  for (let i = 0; i < 30; i++) {
    h.push(
      await seedHousehold(w.t, budi, CIBINONG_V1, `Keluarga Budi ${String(i).padStart(2, "0")}`, {
        lat: -6.48 + i / 1000,
        lon: 106.84,
        desil: (i % 10) + 1,
        ...(i < 4 ? { nextVisitDate: "2026-11-01" } : {}),
        ...(i === 29 ? { ppks: ["lanjut_usia_terlantar"] } : {}),
      }),
    );
  }
  for (let i = 0; i < 5; i++) h.push(await seedHousehold(w.t, ani, CIBINONG_V2, `Sari Ani ${i}`, { lat: -6.5, lon: 106.86 + i / 1000 }));
  await seedVisit(w.t, ani, h[30]!.id, { on: "2026-11-10", urgency: "perhatian" });
  await seedVisit(w.t, ani, h[31]!.id, { on: "2026-11-12" });
  await db().updateTable("households").set({ status: "ditolak", status_reason: "Pindah" }).where("id", "=", h[5]!.id).execute();
  rinaToken = await loginAs(w, 3001);
  agusToken = await loginAs(w, 3002);
});
afterAll(async () => {
  await w?.close();
});
afterEach(() => {
  w.t.fake.assertNoViolations();
});

describe("the households table", () => {
  it("pages through the area's households, newest first", async () => {
    const first = await call(w, "GET", "households?size=25", { token: rinaToken });
    expect(first.body.total).toBe(35);
    expect(first.body.rows).toHaveLength(25);
    expect(first.body.rows[0].headName).toBe("Sari Ani 4");
    const second = await call(w, "GET", "households?size=25&page=1", { token: rinaToken });
    expect(second.body.rows).toHaveLength(10);
    const all = [...first.body.rows, ...second.body.rows].map((r: { id: number }) => r.id);
    expect(new Set(all).size).toBe(35);
  });

  it("filters by status, PPKS, desil, village, volunteer, overdue and last visit's urgency", async () => {
    const q = async (query: string) => (await call(w, "GET", `households?${query}`, { token: rinaToken })).body;
    expect((await q("status=ditolak")).rows.map((r: { id: number }) => r.id)).toEqual([h[5]!.id]);
    expect((await q("ppks=lanjut_usia_terlantar")).rows.map((r: { id: number }) => r.id)).toEqual([h[29]!.id]);
    expect((await q("desil=3")).total).toBe(3);
    expect((await q(`area=${CIBINONG_V2}`)).total).toBe(5);
    expect((await q(`volunteer=${ani.id}`)).total).toBe(5);
    const overdue = await q("overdue=1");
    expect(overdue.total).toBe(4);
    expect(overdue.rows.every((r: { overdue: boolean }) => r.overdue)).toBe(true);
    expect((await q("urgency=perhatian")).rows.map((r: { id: number }) => r.id)).toEqual([h[30]!.id]);
    expect((await q("urgency=none")).total).toBe(33);
    expect((await q(`volunteer=${ani.id}&urgency=biasa`)).rows.map((r: { id: number }) => r.id)).toEqual([h[31]!.id]);
    // Unknown values are ignored, not errors.
    expect((await q("status=bogus&sort=evil;drop")).total).toBe(35);
  });

  it("searches by part of the name and by code, and sorts", async () => {
    const q = async (query: string) => (await call(w, "GET", `households?${query}`, { token: rinaToken })).body;
    expect((await q("q=budi%2007")).rows.map((r: { headName: string }) => r.headName)).toEqual(["Keluarga Budi 07"]);
    expect((await q("q=sari")).total).toBe(5);
    const code = h[12]!.refCode;
    expect((await q(`q=${code.slice(0, 2)}-${code.slice(2).toLowerCase()}`)).rows[0].id).toBe(h[12]!.id);
    const byName = await q("sort=name&dir=asc&size=10");
    expect(byName.rows[0].headName).toBe("Keluarga Budi 00");
    const byNameDesc = await q("sort=name&dir=desc&size=10");
    expect(byNameDesc.rows[0].headName).toBe("Sari Ani 4");
    const byLastVisit = await q("sort=last_visit&size=10");
    expect(byLastVisit.rows[0].id).toBe(h[31]!.id);
  });
});

describe("the household card", () => {
  it("shows the data with NIK and KK masked, visits with photos, status history; the view is audited", async () => {
    const vid = await seedVisit(w.t, budi, h[0]!.id, { on: "2026-11-25", urgency: "perhatian" });
    const file = w.t.fake.registerFile({ kind: "photo", content: Buffer.from("JPEGDATA") });
    await db().insertInto("visit_media").values({ visit_id: vid, kind: "photo", file_id: file.fileId, file_unique_id: file.fileUniqueId, created_at: w.t.app.deps.now() }).execute();
    const res = await call(w, "GET", `households/${h[0]!.id}`, { token: rinaToken });
    expect(res.status).toBe(200);
    const card = res.body;
    expect(card.headName).toBe("Keluarga Budi 00");
    expect(card.nik).toMatch(/^\d{4}•{8}\d{4}$/);
    expect(card.kk).toMatch(/^\d{4}•{8}\d{4}$/);
    expect(JSON.stringify(card)).not.toMatch(/\d{16}/);
    expect(card.visits[0]).toMatchObject({ visitedOn: "2026-11-25", urgency: "perhatian", volunteer: "Budi Santoso" });
    expect(card.visits[0].media).toEqual([{ id: expect.any(Number), kind: "photo" }]);
    expect(card.history[0]).toMatchObject({ from: null, to: "terdaftar" });
    expect(card.actions.statuses.map((s: { to: string }) => s.to)).toEqual(["diverifikasi", "ditolak"]);
    expect(card.actions.reassign).toBe(true);
    const photo = await fetch(`${w.base}/app/api/files/media/${card.visits[0].media[0].id}`, { headers: { authorization: `Bearer ${rinaToken}` } });
    expect(photo.status).toBe(200);
    expect(photo.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await photo.arrayBuffer()).toString()).toBe("JPEGDATA");
    const viewed = await db().selectFrom("audit_log").selectAll().where("action", "=", "household.viewed").where("entity_id", "=", String(h[0]!.id)).execute();
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.details).toEqual({ via: "dashboard" });
  });

  it("shows the full NIK and KK only on request, audited, never logged", async () => {
    const full = await call(w, "POST", `households/${h[1]!.id}/reveal`, { token: rinaToken, body: {} });
    expect(full.status).toBe(200);
    expect(full.body.nik).toMatch(/^\d{16}$/);
    expect(full.body.kk).toMatch(/^\d{16}$/);
    const stored = await db().selectFrom("households").select(["head_nik_enc"]).where("id", "=", h[1]!.id).executeTakeFirstOrThrow();
    expect(w.t.app.deps.pii.decrypt(stored.head_nik_enc!)).toBe(full.body.nik);
    const audit = await db().selectFrom("audit_log").selectAll().where("action", "=", "household.identity_revealed").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: rina.id, entity: "household", entity_id: String(h[1]!.id) });
    expect(JSON.stringify(audit[0]!.details)).not.toContain(full.body.nik);
    expect(w.t.logs.join("\n")).not.toContain(full.body.nik);
    expect(w.t.logs.join("\n")).not.toContain(full.body.kk);
    expect(full.headers.get("cache-control")).toBe("no-store");
  });
});

describe("changing a household's status (the chat's rules)", () => {
  it("applies an allowed change, with history and audit, and tells subscribed families", async () => {
    const id = h[2]!.id;
    await db().insertInto("status_subscriptions").values({ household_id: id, chat_id: 900001, created_at: w.t.app.deps.now() }).execute();
    const res = await call(w, "POST", `households/${id}/status`, { token: rinaToken, body: { from: "terdaftar", to: "diverifikasi" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, from: "terdaftar", to: "diverifikasi", notified: 1 });
    expect((await db().selectFrom("households").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status).toBe("diverifikasi");
    const history = await db().selectFrom("household_status_history").selectAll().where("household_id", "=", id).orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(history).toMatchObject({ from_status: "terdaftar", to_status: "diverifikasi", changed_by: rina.id });
    const audit = await db().selectFrom("audit_log").selectAll().where("action", "=", "household.status_changed").where("entity_id", "=", String(id)).executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(rina.id);
    await runJobs(w.t);
    expect(w.t.fake.messages(900001).at(-1)?.text).toBeTruthy();
  });

  it("refuses a change based on a status that is no longer current", async () => {
    const res = await call(w, "POST", `households/${h[2]!.id}/status`, { token: rinaToken, body: { from: "terdaftar", to: "ditolak", reason: "Tidak memenuhi" } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("status_stale");
    expect((await db().selectFrom("households").select("status").where("id", "=", h[2]!.id).executeTakeFirstOrThrow()).status).toBe("diverifikasi");
  });

  it("refuses transitions the workflow does not allow, and needs a reason for ditolak/selesai", async () => {
    const id = h[3]!.id;
    const post = (body: unknown) => call(w, "POST", `households/${id}/status`, { token: rinaToken, body });
    expect((await post({ from: "terdaftar", to: "menerima_bantuan" })).body.error).toBe("status_invalid_transition");
    expect((await post({ from: "terdaftar", to: "ditolak" })).body.error).toBe("status_reason_required");
    expect((await post({ from: "terdaftar", to: "ditolak", reason: "x" })).body.error).toBe("status_reason_length");
    expect((await post({ from: "terdaftar", to: "terbang" })).body.error).toBe("status_unknown_status");
    const ok = await post({ from: "terdaftar", to: "ditolak", reason: "Sudah pindah ke luar kota" });
    expect(ok.status).toBe(200);
    const row = await db().selectFrom("households").select(["status", "status_reason"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "ditolak", status_reason: "Sudah pindah ke luar kota" });
  });
});

describe("moving a household to another volunteer", () => {
  it("moves it, audits it and tells both volunteers", async () => {
    const id = h[6]!.id;
    const candidates = await call(w, "GET", `households/${id}/candidates`, { token: rinaToken });
    expect(candidates.body.rows.map((r: { id: number }) => r.id)).toEqual([ani.id]);
    const res = await call(w, "POST", `households/${id}/reassign`, { token: rinaToken, body: { from: budi.id, to: ani.id } });
    expect(res.status).toBe(200);
    expect((await db().selectFrom("households").select("volunteer_id").where("id", "=", id).executeTakeFirstOrThrow()).volunteer_id).toBe(ani.id);
    const audit = await db().selectFrom("audit_log").selectAll().where("action", "=", "household.reassigned").executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: rina.id, entity_id: String(id) });
    expect(audit.details).toEqual({ from: budi.id, to: ani.id, via: "dashboard" });
    await runJobs(w.t);
    expect(budiChat.lastText()).toContain(h[6]!.refCode.slice(0, 2));
    expect(aniChat.lastText()).toContain("Budi Santoso");
    // Confirmed on an old view: the household no longer belongs to Budi.
    const stale = await call(w, "POST", `households/${id}/reassign`, { token: rinaToken, body: { from: budi.id, to: ani.id } });
    expect(stale.body.error).toBe("reassign_stale");
  });
});

describe("alerts", () => {
  let alertId: number;

  it("acknowledging from the dashboard edits the alert messages in the chats and tells the volunteer", async () => {
    alertId = await seedAlert(w.t, budi, h[7]!.id, CIBINONG_V1);
    const sent = rinaChat.texts().filter((x) => x.includes(`#${alertId}`));
    expect(sent).toHaveLength(1);
    expect(rinaChat.buttons().length).toBeGreaterThan(0);
    const list = await call(w, "GET", "alerts", { token: rinaToken });
    expect(list.body.rows[0]).toMatchObject({ id: alertId, status: "open", refCode: h[7]!.refCode, volunteer: "Budi Santoso" });
    expect(list.body.rows[0].headName).toBe("K. B. 0.");

    const ack = await call(w, "POST", `alerts/${alertId}/ack`, { token: rinaToken, body: {} });
    expect(ack.status).toBe(200);
    const row = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "acknowledged", acknowledged_by: rina.id });
    await runJobs(w.t);
    const edited = rinaChat.messages().find((m) => "text" in m && m.text?.includes(`#${alertId}`));
    expect((edited as { text: string }).text).toContain("Rina Marlina");
    expect(agusChat.texts().find((x) => x.includes(`#${alertId}`))).toContain("Rina Marlina");
    expect(budiChat.lastText()).toContain("Rina Marlina");
    const audit = await db().selectFrom("audit_log").selectAll().where("action", "=", "alert.acknowledged").executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ via: "dashboard" });
  });

  it("a second acknowledgement is refused with who was first", async () => {
    const again = await call(w, "POST", `alerts/${alertId}/ack`, { token: agusToken, body: {} });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: "alert_taken", by: "Rina Marlina" });
  });

  it("resolving needs a note, then closes the alert everywhere", async () => {
    expect((await call(w, "POST", `alerts/${alertId}/resolve`, { token: rinaToken, body: { note: "ok" } })).body.error).toBe("note_length");
    const res = await call(w, "POST", `alerts/${alertId}/resolve`, { token: rinaToken, body: { note: "Keluarga diantar ke UPTD PPA" } });
    expect(res.status).toBe(200);
    const row = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "resolved", resolved_by: rina.id, resolution_note: "Keluarga diantar ke UPTD PPA" });
    await runJobs(w.t);
    const msg = rinaChat.messages().find((m) => "text" in m && m.text?.includes(`#${alertId}`)) as { text: string; reply_markup?: { inline_keyboard: { callback_data?: string }[][] } };
    expect(msg.text).toContain("Keluarga diantar ke UPTD PPA");
    const buttons = (msg.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
    expect(buttons.some((d) => d?.startsWith("al:ack") || d?.startsWith("al:res"))).toBe(false);
    expect((await call(w, "GET", "alerts", { token: rinaToken })).body.total).toBe(0);
    expect((await call(w, "POST", `alerts/${alertId}/resolve`, { token: agusToken, body: { note: "juga selesai" } })).body).toEqual({
      error: "alert_resolved",
      by: "Rina Marlina",
    });
  });
});

describe("targets, summary and map", () => {
  it("flags volunteers below target or inactive for 14 days", async () => {
    const res = await call(w, "GET", "targets", { token: rinaToken });
    expect(res.body.month).toBe("2026-11");
    const byId = new Map(res.body.rows.map((r: { id: number }) => [r.id, r]));
    const b = byId.get(budi.id) as Record<string, unknown>;
    const a = byId.get(ani.id) as Record<string, unknown>;
    // Target 3 a month; day 28 of 30: at least 2 visits expected by now.
    expect(a).toMatchObject({ visits: 2, expectedVisits: 2, belowTarget: false, inactive: false, target: { visits: 3, source: "default" } });
    expect(b).toMatchObject({ visits: 2, belowTarget: false, overdue: 3, households: 29 });
    // A volunteer with no visit this month and no message for 14 days: both flags, listed first.
    const quiet = await seedUser(w.t, { tg: 2009, role: "volunteer", name: "Tono", area: CIBINONG_V2 });
    await db().updateTable("users").set({ last_active_at: new Date(w.t.clock.now - 15 * 86_400_000) }).where("id", "=", quiet.id).execute();
    const again = await call(w, "GET", "targets", { token: rinaToken });
    expect(again.body.rows[0]).toMatchObject({ id: quiet.id, visits: 0, belowTarget: true, inactive: true });
    expect(again.body.flagged).toBe(1);
    const past = await call(w, "GET", "targets?month=2026-10", { token: rinaToken });
    expect(past.body).toMatchObject({ month: "2026-10", current: false });
    expect(past.body.rows.find((r: { id: number }) => r.id === ani.id)).toMatchObject({ visits: 0, expectedVisits: 3, belowTarget: true });
  });

  it("uses the targets set with /target: the volunteer's own, else their area's", async () => {
    await upsertTarget(db(), { month: "2026-11", volunteerId: ani.id, areaCode: null, visits: 8, registrations: 2, setBy: rina.id, now: w.t.app.deps.now() });
    await upsertTarget(db(), { month: "2026-11", volunteerId: null, areaCode: CIBINONG_V1, visits: 1, registrations: 0, setBy: rina.id, now: w.t.app.deps.now() });
    const res = await call(w, "GET", "targets", { token: rinaToken });
    const byId = new Map(res.body.rows.map((r: { id: number }) => [r.id, r]));
    // 8 visits a month: 7 expected by day 28 of 30; 2 done → below target. Registrations: 0 of 2.
    expect(byId.get(ani.id)).toMatchObject({ target: { visits: 8, registrations: 2, source: "volunteer" }, expectedVisits: 7, belowTarget: true });
    expect(byId.get(budi.id)).toMatchObject({ target: { visits: 1, registrations: null, source: "area" }, belowTarget: false });
  });

  it("summarises the area with 12 weeks of visits and a table by desa", async () => {
    const res = await call(w, "GET", "summary", { token: rinaToken });
    const f = res.body.figures;
    expect(f.households).toBe(35);
    expect(f.weekly).toHaveLength(12);
    expect(f.weekly.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBeGreaterThanOrEqual(3);
    const rows = res.body.breakdown as { code: string; households: number; visitsMonth: number }[];
    expect(rows.find((r) => r.code === CIBINONG_V1)?.households).toBe(30);
    expect(rows.find((r) => r.code === CIBINONG_V2)?.households).toBe(5);
    expect(rows.find((r) => r.code === CIBINONG_V2)?.visitsMonth).toBe(2);
    expect(res.body.path.map((p: { name: string }) => p.name)).toEqual(["Jawa Barat", "Kab. Bogor", "Kec. Cibinong"]);
  });

  it("sends the map points compactly, without names", async () => {
    const res = await call(w, "GET", "map", { token: rinaToken, headers: { "accept-encoding": "gzip" } });
    expect(res.body.n).toBe(35);
    const p = res.body.points as number[];
    expect(p).toHaveLength(35 * 5);
    expect(JSON.stringify(res.body)).not.toContain("Keluarga");
    let id = 0;
    const ids = p.filter((_, i) => i % 5 === 0).map((d) => (id += d));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const i29 = ids.indexOf(h[29]!.id);
    expect(p[i29 * 5 + 1]! / res.body.scale).toBeCloseTo(-6.451, 4);
    expect(p[i29 * 5 + 2]! / res.body.scale).toBeCloseTo(106.84, 4);
    expect(res.body.statuses[p[i29 * 5 + 3]!]).toBe("terdaftar");
    const iPerhatian = ids.indexOf(h[30]!.id);
    expect(res.body.urgencies[p[iPerhatian * 5 + 4]!]).toBe("perhatian");
    expect(res.body.urgencies[p[i29 * 5 + 4]!]).toBe("none");
  });
});
