import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { statusCardActions } from "../../src/bot/beneficiary/status.js";
import { findHousehold } from "../../src/db/queries/households.js";
import type { User } from "../../src/db/schema.js";
import { VILLAGE, checkStatus, runJobs, seedHousehold, seedUser } from "./beneficiary-support.js";

let t: TestApp;
let volunteerId: number;
let coordinatorId: number;

const COORD = 8001; // coordinator of Kec. Cibinong
const FAR_COORD = 8002; // coordinator of another regency
const VOL = 8003; // the households' volunteer
const OTHER_VOL = 8004;

beforeAll(async () => {
  t = await createTestApp();
  coordinatorId = await seedUser(t, { telegramId: COORD, role: "coordinator", name: "Bambang Koordinator", area: "32.01.01" });
  await seedUser(t, { telegramId: FAR_COORD, role: "coordinator", name: "Rina Jauh", area: "32.02" });
  volunteerId = await seedUser(t, { telegramId: VOL, role: "volunteer", name: "Siti Rahma", area: VILLAGE });
  await seedUser(t, { telegramId: OTHER_VOL, role: "volunteer", name: "Dewi Lain", area: VILLAGE });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

/** A user who has talked to the bot already (so that forged taps come from a real message). */
async function actor(id: number, firstName: string) {
  const u = t.driver.user({ id, firstName });
  if (u.messages().length === 0) await u.send("/start");
  return u;
}

async function userRow(telegramId: number): Promise<User> {
  return t.app.deps.db.selectFrom("users").selectAll().where("telegram_id", "=", telegramId).executeTakeFirstOrThrow();
}

let nikCounter = 100;
async function newHousehold() {
  nikCounter += 1;
  return seedHousehold(t, volunteerId, {
    headNik: `32010145086${String(nikCounter).padStart(5, "0")}`,
    kk: `32010120011${String(nikCounter).padStart(5, "0")}`,
    members: [],
    memberCount: 1,
  });
}

describe("status changes by coordinators", () => {
  it("offers 🔄 Ubah status on the card, changes the status, records history and audit, and notifies every subscriber", async () => {
    const h = await newHousehold();
    // Two family members subscribe from their own chats.
    const mother = t.driver.user({ id: 8101, firstName: "Ibu" });
    const son = t.driver.user({ id: 8102, firstName: "Anak", languageCode: "en" });
    await checkStatus(mother, h.display, h.pin);
    await mother.tap("🔔 Kabari saya");
    expect(mother.lastText()).toContain(`bila status keluarga ${h.display} berubah`);
    // The card now offers "Berhenti" instead.
    expect(mother.messages().at(-2)?.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toContain("🔕 Berhenti");
    await checkStatus(son, h.display, h.pin);
    await son.tap("🔔 Notify me");
    const subs = await t.app.deps.db.selectFrom("status_subscriptions").select("chat_id").where("household_id", "=", h.id).orderBy("chat_id").execute();
    expect(subs.map((s) => s.chat_id)).toEqual([8101, 8102]);

    // The coordinator opens the card (households feature) and sees the status button.
    const coord = await actor(COORD, "Bambang");
    await coord.tapData(`hh:open:${h.id}`);
    expect(coord.buttons()).toContain("🔄 Ubah status");
    await coord.tap("🔄 Ubah status");
    expect(coord.lastText()).toContain(`Ubah status keluarga ${h.display}`);
    expect(coord.buttons()).toEqual(["Diverifikasi", "Ditolak ✍️"]);
    await coord.tap("Diverifikasi");
    await coord.tap("✅ Ya, tandai Diverifikasi");
    expect(coord.lastText()).toContain(`Status keluarga ${h.display} diubah: Terdaftar → Diverifikasi`);
    expect(coord.lastText()).toContain("2 penerima kabar akan diberi tahu");

    const db = t.app.deps.db;
    const row = await findHousehold(db, h.id);
    expect(row).toMatchObject({ status: "diverifikasi", status_reason: null });
    expect(row!.status_changed_at.getTime()).toBe(t.clock.now);
    const history = await db.selectFrom("household_status_history").selectAll().where("household_id", "=", h.id).orderBy("id").execute();
    expect(history.map((r) => [r.from_status, r.to_status, r.changed_by])).toEqual([
      [null, "terdaftar", volunteerId],
      ["terdaftar", "diverifikasi", coordinatorId],
    ]);
    const audit = await db.selectFrom("audit_log").selectAll().where("action", "=", "household.status_changed").where("entity_id", "=", String(h.id)).execute();
    expect(audit.map((a) => [a.actor_id, a.details])).toEqual([[coordinatorId, { from: "terdaftar", to: "diverifikasi", role: "coordinator", withReason: false }]]);

    // The subscribers are told, each in their language.
    mother.markSeen();
    son.markSeen();
    await runJobs(t);
    const toMother = mother.newTexts().join("\n");
    expect(toMother).toContain(`Ada kabar baru untuk keluarga ${h.display}`);
    expect(toMother).toContain("Status: Diverifikasi");
    expect(toMother).toContain("Pendamping sudah berkunjung dan memeriksa keadaan keluarga.");
    expect(mother.buttons()).toEqual(["🔕 Berhenti"]);
    expect(son.newTexts().join("\n")).toContain("Status: Verified");

    // The mother stops; the next change reaches only the son.
    await mother.tap("🔕 Berhenti");
    expect(mother.lastText()).toContain("tidak akan menerima kabar lagi");
    expect(await db.selectFrom("status_subscriptions").select("chat_id").where("household_id", "=", h.id).execute()).toEqual([{ chat_id: 8102 }]);
    const audits = await db.selectFrom("audit_log").select("action").where("entity_id", "=", String(h.id)).where("action", "like", "status.%").execute();
    expect(audits.map((a) => a.action)).toEqual(["status.subscribe", "status.subscribe", "status.unsubscribe"]);

    await coord.tapData(`st:${h.id}`);
    await coord.tap("Diusulkan");
    mother.markSeen();
    son.markSeen();
    await runJobs(t);
    expect(mother.newTexts()).toEqual([]);
    expect(son.newTexts().join("\n")).toContain("Status: Proposed");
    // A second tap on the stale "Berhenti" does nothing more.
    await mother.tapData(`bs:stop:${h.id}`);
    expect(mother.lastCallbackAnswer()?.["text"]).toContain("tidak sedang menerima kabar");
  });

  it("asks a reason for a rejection and shows it to the family in plain words", async () => {
    const h = await newHousehold();
    const family = t.driver.user({ id: 8103, firstName: "Keluarga" });
    await checkStatus(family, h.display, h.pin);
    expect(family.lastText()).toContain("Status: Terdaftar");
    await family.tap("🔔 Kabari saya");

    const coord = await actor(COORD, "Bambang");
    await coord.tapData(`st:${h.id}`);
    await coord.tap("Ditolak ✍️");
    expect(coord.lastText()).toContain("Tuliskan alasan keluarga ini ditolak");
    await coord.send("ok");
    expect(coord.lastText()).toContain("terlalu singkat");
    await coord.send("Penghasilan keluarga di atas batas penerima bantuan.");
    expect(coord.lastText()).toContain("Terdaftar → Ditolak");
    const row = await findHousehold(t.app.deps.db, h.id);
    expect(row).toMatchObject({ status: "ditolak", status_reason: "Penghasilan keluarga di atas batas penerima bantuan." });
    // The reason is in the history, never in the audit log.
    const audit = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "household.status_changed").where("entity_id", "=", String(h.id)).executeTakeFirstOrThrow();
    expect(JSON.stringify(audit)).not.toContain("Penghasilan");

    family.markSeen();
    await runJobs(t);
    const told = family.newTexts().join("\n");
    expect(told).toContain("Status: Ditolak");
    expect(told).toContain("Alasan: Penghasilan keluarga di atas batas penerima bantuan.");

    // The family checks again: the card shows the reason too.
    expect(await checkStatus(family, h.display, h.pin)).toContain("Alasan: Penghasilan keluarga di atas batas");

    // From a rejection the only way on is re-opening.
    await coord.tapData(`st:${h.id}`);
    expect(coord.buttons()).toEqual(["Terdaftar"]);
  });

  it("refuses an invalid transition with an explanation and changes nothing", async () => {
    const h = await newHousehold();
    const coord = await actor(COORD, "Bambang");
    // Leaving the reason question with /batal changes nothing either.
    await coord.tapData(`st:${h.id}:ditolak`);
    expect(coord.lastText()).toContain("Tuliskan alasan keluarga ini ditolak");
    await coord.send("/batal");
    expect(coord.lastText()).toContain("isian dibatalkan");
    await coord.tapData(`st:${h.id}:menerima_bantuan`);
    expect(coord.lastText()).toContain("Status tidak bisa diubah dari Terdaftar langsung ke Menerima bantuan");
    expect(coord.lastText()).toContain("hanya bisa diubah ke: Diverifikasi, Ditolak");
    await coord.tapData(`st:${h.id}:terdaftar`);
    expect(coord.lastText()).toContain("Status keluarga ini sudah Terdaftar");
    await coord.tapData(`st:${h.id}:hilang`);
    expect(coord.lastText()).toContain("Status itu tidak dikenal");
    expect((await findHousehold(t.app.deps.db, h.id))?.status).toBe("terdaftar");
    expect(await t.app.deps.db.selectFrom("household_status_history").select("id").where("household_id", "=", h.id).execute()).toHaveLength(1);
  });

  it("refuses staff of another area and anyone else", async () => {
    const h = await newHousehold();
    const far = await actor(FAR_COORD, "Rina");
    await far.tapData(`st:${h.id}:diverifikasi`);
    expect(far.lastCallbackAnswer()?.["text"]).toContain("tidak termasuk wilayah");
    const stranger = t.driver.user({ id: 8199, firstName: "Warga" });
    await stranger.send("/start");
    await stranger.tapData(`st:${h.id}:diverifikasi`);
    expect(stranger.lastCallbackAnswer()?.["text"]).toContain("khusus untuk relawan");
    expect((await findHousehold(t.app.deps.db, h.id))?.status).toBe("terdaftar");
  });
});

describe("the volunteer's ✅ Tandai diverifikasi", () => {
  it("is offered only after a visit, and moves only terdaftar → diverifikasi", async () => {
    const h = await newHousehold();
    const vol = await userRow(VOL);
    const t0 = t.app.deps.i18n.t("id");
    let household = (await findHousehold(t.app.deps.db, h.id))!;
    expect(await statusCardActions({ user: vol, t: t0, db: t.app.deps.db }, household)).toEqual([]);
    expect(await statusCardActions({ user: await userRow(COORD), t: t0, db: t.app.deps.db }, household)).toEqual([{ label: "🔄 Ubah status", data: `st:${h.id}` }]);
    expect(await statusCardActions({ user: await userRow(OTHER_VOL), t: t0, db: t.app.deps.db }, household)).toEqual([]);
    expect(await statusCardActions({ user: await userRow(FAR_COORD), t: t0, db: t.app.deps.db }, household)).toEqual([]);

    const siti = await actor(VOL, "Siti");
    // Before any visit: refused with the reason.
    await siti.tapData(`st:${h.id}:diverifikasi`);
    expect(siti.lastText()).toContain("belum punya laporan kunjungan");
    // A coordinator-only change and the picker are refused too.
    await siti.tapData(`st:${h.id}:ditolak`);
    expect(siti.lastText()).toContain("hanya bisa dilakukan koordinator");
    await siti.tapData(`st:${h.id}`);
    expect(siti.lastCallbackAnswer()?.["text"]).toContain("hanya bisa dilakukan koordinator");

    await t.app.deps.db
      .insertInto("visits")
      .values({ household_id: h.id, volunteer_id: volunteerId, visited_on: "2026-11-28", written_at: new Date(t.clock.now), purpose: "asesmen", intervention: "preventif", follow_up: false, urgency: "biasa" })
      .execute();
    household = (await findHousehold(t.app.deps.db, h.id))!;
    expect(await statusCardActions({ user: vol, t: t0, db: t.app.deps.db }, household)).toEqual([{ label: "✅ Tandai diverifikasi", data: `st:${h.id}:diverifikasi` }]);
    await siti.tapData(`hh:open:${h.id}`);
    await siti.tap("✅ Tandai diverifikasi");
    await siti.tap("✅ Ya, tandai Diverifikasi");
    expect(siti.lastText()).toContain("Terdaftar → Diverifikasi");
    const history = await t.app.deps.db.selectFrom("household_status_history").selectAll().where("household_id", "=", h.id).orderBy("id").execute();
    expect(history.at(-1)).toMatchObject({ from_status: "terdaftar", to_status: "diverifikasi", changed_by: volunteerId });

    // Now verified: no button, and the next step is the coordinator's.
    household = (await findHousehold(t.app.deps.db, h.id))!;
    expect(await statusCardActions({ user: vol, t: t0, db: t.app.deps.db }, household)).toEqual([]);
    await siti.tapData(`st:${h.id}:diusulkan`);
    expect(siti.lastText()).toContain("hanya bisa dilakukan koordinator");
    expect((await findHousehold(t.app.deps.db, h.id))?.status).toBe("diverifikasi");

    // Another volunteer may not touch it.
    const dewi = await actor(OTHER_VOL, "Dewi");
    await dewi.tapData(`st:${h.id}:terdaftar`);
    expect(dewi.lastCallbackAnswer()?.["text"]).toContain("tidak termasuk wilayah");
  });
});
