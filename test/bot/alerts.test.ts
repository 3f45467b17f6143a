import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestGroup, TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { CIBINONG_VILLAGE, CIBINONG_VILLAGE_2, GUNUNG_PUTRI_VILLAGE, seedHousehold, seedUser, shownCode } from "./visit-support.js";

// 03:00 WIB: the morning messages of the Indonesian zones are not due during these tests.
const START = new Date("2026-11-27T20:00:00Z");
const MINUTE = 60_000;

let t: TestApp;
let budi: User;
let rina: User; // coordinator of Kec. Cibinong
let agus: User; // coordinator of Kab. Bogor (contains Cibinong)
let dedi: User; // coordinator of the neighbouring Kec. Gunung Putri
let admin: User;
let h1: { id: number; refCode: string };
let budiChat: TestUser;
let rinaChat: TestUser;
let agusChat: TestUser;
let dediChat: TestUser;
let adminChat: TestUser;
let bogorGroup: TestGroup;
let gunungPutriGroup: TestGroup;

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_VILLAGE });
  rina = await seedUser(t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: "32.01.01" });
  agus = await seedUser(t, { tg: 3002, role: "coordinator", name: "Agus Salim", area: "32.01", locale: "en" });
  dedi = await seedUser(t, { tg: 3003, role: "coordinator", name: "Dedi Kurnia", area: "32.01.02" });
  admin = await seedUser(t, { tg: 5000, role: "admin", name: "Admin Pusat", area: null });
  h1 = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Siti Aminah");
  await seedHousehold(t, budi, CIBINONG_VILLAGE_2, "Nur Halimah");
  budiChat = t.driver.user({ id: 2001, firstName: "Budi" });
  rinaChat = t.driver.user({ id: 3001, firstName: "Rina" });
  agusChat = t.driver.user({ id: 3002, firstName: "Agus" });
  dediChat = t.driver.user({ id: 3003, firstName: "Dedi" });
  adminChat = t.driver.user({ id: 5000, firstName: "Admin" });
  bogorGroup = t.driver.group({ id: -1001000000001, title: "Koordinator Kab. Bogor" });
  gunungPutriGroup = t.driver.group({ id: -1001000000002, title: "TKSK Gunung Putri" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const db = () => t.app.deps.db;

async function runJobs(): Promise<void> {
  for (let i = 0; i < 10 && (await t.app.worker.runDue()) > 0; i++);
}

/** Budi reports a darurat visit to the household named `name`. */
async function reportDarurat(name: RegExp): Promise<number> {
  await budiChat.send("/kunjungan");
  await budiChat.tap(name);
  await budiChat.tap(/^Hari ini/);
  await budiChat.tap("Monitoring");
  await budiChat.tap("Kuratif (penanganan)");
  await budiChat.tap("▫️ Tanda kekerasan");
  await budiChat.tap("Lanjut ➡️");
  await budiChat.send("Ibu dipukul suami, anak-anak ketakutan");
  await budiChat.send("Menenangkan keluarga");
  await budiChat.tap("Polisi");
  await budiChat.tap("🚨 Darurat");
  await budiChat.tap("Ya");
  expect(budiChat.buttons()[0]).toMatch(/\(7 hari setelah kunjungan\) — disarankan$/);
  await budiChat.tap(/disarankan$/);
  await budiChat.tap("Lewati");
  expect(budiChat.lastText()).toContain("koordinator wilayah langsung diberi tahu");
  await budiChat.tap("💾 Simpan laporan");
  expect(budiChat.lastText()).toContain("Koordinator wilayah Anda sedang diberi tahu");
  const alert = await db().selectFrom("alerts").select("id").orderBy("id", "desc").executeTakeFirstOrThrow();
  return alert.id;
}

const alertTexts = (chat: { texts(): string[] }) => chat.texts().filter((x) => /LAPORAN DARURAT|EMERGENCY REPORT|DARURAT, BELUM|EMERGENCY NOT/.test(x));

describe("alert groups (/hubungkan_grup)", () => {
  it("links a group to the coordinator's area, answering in the group; others are refused", async () => {
    await rinaChat.send("/hubungkan_grup");
    expect(rinaChat.lastText()).toContain("dipakai di dalam grup");

    const stranger = bogorGroup.member({ id: 9001, firstName: "Tamu" });
    await stranger.send("/hubungkan_grup");
    expect(bogorGroup.lastText()).toContain("koordinator");
    expect(await db().selectFrom("alert_groups").selectAll().execute()).toEqual([]);

    const volunteerInGroup = bogorGroup.member({ id: 2001, firstName: "Budi" });
    await volunteerInGroup.send("/hubungkan_grup");
    expect(await db().selectFrom("alert_groups").selectAll().execute()).toEqual([]);

    const rinaInGroup = gunungPutriGroup.member({ id: 3001, firstName: "Rina" });
    await rinaInGroup.send("/hubungkan_grup 32.01.02");
    expect(gunungPutriGroup.lastText()).toContain("di luar wilayah kerja Anda");

    const agusInGroup = bogorGroup.member({ id: 3002, firstName: "Agus" });
    await agusInGroup.send("/link_group@pendamping_test_bot");
    expect(bogorGroup.lastText()).toContain("This group is linked to Kab. Bogor");
    const dediInGroup = gunungPutriGroup.member({ id: 3003, firstName: "Dedi" });
    await dediInGroup.send("/hubungkan_grup");
    expect(gunungPutriGroup.lastText()).toContain("Grup ini terhubung dengan wilayah Kec. Gunungputri");

    const rows = await db().selectFrom("alert_groups").selectAll().orderBy("area_code").execute();
    expect(rows.map((r) => [Number(r.chat_id), r.area_code, r.linked_by])).toEqual([
      [-1001000000001, "32.01", agus.id],
      [-1001000000002, "32.01.02", dedi.id],
    ]);
    const audits = await db().selectFrom("audit_log").selectAll().where("action", "=", "alert_group.linked").execute();
    expect(audits).toHaveLength(2);
  });
});

describe("darurat alerts", () => {
  let alertId: number;

  it("reach exactly the coordinators of the household's area (and its groups), at once", async () => {
    alertId = await reportDarurat(/Siti Aminah/);
    await runJobs();

    const rinaAlert = alertTexts(rinaChat);
    expect(rinaAlert).toHaveLength(1);
    expect(rinaAlert[0]).toContain(`LAPORAN DARURAT · peringatan #${alertId}`);
    // The household is masked; the volunteer and the report are there.
    expect(rinaAlert[0]).toContain(`Keluarga: ${shownCode(h1.refCode)} · S. A., Kel. Pondok Rajeg`);
    expect(rinaAlert[0]).not.toContain("Siti Aminah");
    expect(rinaAlert[0]).toContain("Pendamping: Budi Santoso · ditulis 28 November 2026, 03.00 WIB");
    expect(rinaAlert[0]).toContain("Keadaan: Tanda kekerasan");
    expect(rinaAlert[0]).toContain("Cerita keadaan: Ibu dipukul suami, anak-anak ketakutan");
    expect(rinaAlert[0]).toContain("Rujukan: Polisi");
    expect(rinaChat.buttons()).toEqual(["✋ Tindak lanjuti", "✅ Selesai", "📄 Lihat laporan lengkap"]);
    // The Kab. Bogor coordinator reads it in English.
    expect(alertTexts(agusChat)).toEqual([expect.stringContaining(`EMERGENCY REPORT · alert #${alertId}`)]);
    // Not the neighbouring district, not the admin (the area has coordinators).
    expect(alertTexts(dediChat)).toEqual([]);
    expect(alertTexts(adminChat)).toEqual([]);
    // The Kab. Bogor group gets it too (without the full-report button); the Gunung Putri group does not.
    expect(alertTexts(bogorGroup)).toHaveLength(1);
    expect(bogorGroup.buttons()).toEqual(["✋ Tindak lanjuti", "✅ Selesai"]);
    expect(alertTexts(gunungPutriGroup)).toEqual([]);

    const alert = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(alert).toMatchObject({ household_id: h1.id, area_code: CIBINONG_VILLAGE, status: "open", acknowledged_by: null });
    const notices = await db().selectFrom("staff_notice").selectAll().where("topic", "=", `alert:${alertId}`).execute();
    expect(notices.map((n) => Number(n.chat_id)).sort()).toEqual([-1001000000001, 3001, 3002].sort());
    // Running the worker again sends nothing more.
    await runJobs();
    expect(alertTexts(rinaChat)).toHaveLength(1);
  });

  it("ignores forged acknowledgements from outside the area", async () => {
    await dediChat.tapData(`al:ack:${alertId}`);
    expect(String(dediChat.lastCallbackAnswer()?.["text"])).toContain("bukan untuk wilayah Anda");
    const sari = await seedUser(t, { tg: 2002, role: "volunteer", name: "Sari", area: GUNUNG_PUTRI_VILLAGE });
    const sariChat = t.driver.user({ id: 2002, firstName: "Sari" });
    await sariChat.tapData(`al:ack:${alertId}`);
    expect(sariChat.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    await sariChat.tapData(`al:res:${alertId}`);
    expect(sari.id).toBeGreaterThan(0);
    const alert = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(alert).toMatchObject({ status: "open", acknowledged_by: null, resolved_by: null });
  });

  it("records who acknowledged, edits the other coordinators' messages and tells the volunteer", async () => {
    t.clock.now += 12 * MINUTE;
    await rinaChat.tap("✋ Tindak lanjuti");
    expect(String(rinaChat.lastCallbackAnswer()?.["text"])).toContain("Anda menindaklanjuti");
    const alert = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(alert).toMatchObject({ status: "acknowledged", acknowledged_by: rina.id });
    expect(alert.acknowledged_at?.toISOString()).toBe(new Date(START.getTime() + 12 * MINUTE).toISOString());
    budiChat.markSeen();
    await runJobs();
    expect(alertTexts(agusChat)[0]).toContain("Taken up by Rina Marlina · 28 November 2026, 03.12 WIB");
    expect(agusChat.buttons()).toEqual(["✅ Resolved", "📄 Full report"]);
    expect(alertTexts(rinaChat)[0]).toContain("Ditindaklanjuti oleh Rina Marlina");
    expect(alertTexts(bogorGroup)[0]).toContain("Ditindaklanjuti oleh Rina Marlina");
    expect(budiChat.newTexts()).toEqual([expect.stringContaining(`sedang ditindaklanjuti oleh Rina Marlina`)]);
    // A second acknowledgement (the first one wins).
    await agusChat.tapData(`al:ack:${alertId}`);
    expect(String(agusChat.lastCallbackAnswer()?.["text"])).toContain("already taken up by Rina Marlina");
    expect((await db().selectFrom("alerts").select("acknowledged_by").where("id", "=", alertId).executeTakeFirstOrThrow()).acknowledged_by).toBe(rina.id);
  });

  it("resolves with a note; everyone's message shows it and the volunteer is told", async () => {
    t.clock.now += 30 * MINUTE;
    await agusChat.tap("✅ Resolved");
    expect(agusChat.lastText()).toContain(`Resolving alert #${alertId}`);
    await agusChat.send("ok");
    expect(agusChat.lastText()).toContain("too short");
    await agusChat.sendSticker();
    expect(agusChat.lastText()).toContain("Write the resolution note");
    await agusChat.send("Dilaporkan ke Polsek Cibinong, ibu dan anak aman di rumah saudara");
    expect(agusChat.lastText()).toContain(`Alert #${alertId} marked resolved`);
    const alert = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(alert).toMatchObject({
      status: "resolved",
      acknowledged_by: rina.id,
      resolved_by: agus.id,
      resolution_note: "Dilaporkan ke Polsek Cibinong, ibu dan anak aman di rumah saudara",
    });
    expect(alert.resolved_at?.toISOString()).toBe(new Date(START.getTime() + 42 * MINUTE).toISOString());
    budiChat.markSeen();
    await runJobs();
    const rinaNow = alertTexts(rinaChat)[0] ?? "";
    expect(rinaNow).toContain("Selesai oleh Agus Salim · 28 November 2026, 03.42 WIB");
    expect(rinaNow).toContain("Catatan: Dilaporkan ke Polsek Cibinong");
    expect(rinaChat.messages().find((m) => m.text?.includes(`peringatan #${alertId}`))?.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      "📄 Lihat laporan lengkap",
    ]);
    expect(alertTexts(bogorGroup)[0]).toContain("Selesai oleh Agus Salim");
    expect(budiChat.newTexts()).toEqual([expect.stringMatching(/sudah diselesaikan oleh Agus Salim\.\nCatatan: Dilaporkan ke Polsek Cibinong/)]);
    // Resolving again: already done.
    await rinaChat.tapData(`al:res:${alertId}`);
    expect(String(rinaChat.lastCallbackAnswer()?.["text"])).toContain("sudah diselesaikan oleh Agus Salim");
    const actions = await db().selectFrom("audit_log").select(["action", "actor_id", "details"]).where("entity", "=", "alert").orderBy("id").execute();
    expect(actions.map((a) => [a.action, a.actor_id])).toEqual([
      ["alert.acknowledged", rina.id],
      ["alert.resolved", agus.id],
    ]);
    expect(JSON.stringify(actions)).not.toMatch(/Polsek|Siti/);
  });

  it("an acknowledged alert is not escalated when its timeout passes", async () => {
    t.clock.now = START.getTime() + 61 * MINUTE;
    await runJobs();
    const alert = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(alert.escalated_at).toBeNull();
    expect(alertTexts(adminChat)).toEqual([]);
  });
});

describe("escalation", () => {
  it("sends an unacknowledged alert again after ALERT_ESCALATE_MINUTES and escalates it to admins", async () => {
    const created = t.clock.now;
    const alertId = await reportDarurat(/Nur Halimah/);
    await runJobs();
    expect(alertTexts(rinaChat).filter((x) => x.includes(`#${alertId}`))).toHaveLength(1);

    t.clock.now = created + 59 * MINUTE;
    await runJobs();
    expect((await db().selectFrom("alerts").select("escalated_at").where("id", "=", alertId).executeTakeFirstOrThrow()).escalated_at).toBeNull();
    expect(alertTexts(adminChat)).toEqual([]);

    t.clock.now = created + 61 * MINUTE;
    await runJobs();
    const alert = await db().selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirstOrThrow();
    expect(alert.status).toBe("open");
    expect(alert.escalated_at?.toISOString()).toBe(new Date(created + 61 * MINUTE).toISOString());
    // The admin now has it; the coordinators got it again; their first message says it was escalated.
    expect(alertTexts(adminChat)).toEqual([expect.stringContaining(`DARURAT, BELUM DITINDAKLANJUTI setelah 60 menit · peringatan #${alertId}`)]);
    expect(adminChat.buttons()).toEqual(["✋ Tindak lanjuti", "✅ Selesai", "📄 Lihat laporan lengkap"]);
    const rinaAboutIt = alertTexts(rinaChat).filter((x) => x.includes(`#${alertId}`));
    expect(rinaAboutIt).toHaveLength(2);
    expect(rinaAboutIt[0]).toContain("sudah diteruskan ke admin");
    expect(rinaAboutIt[1]).toContain("DARURAT, BELUM DITINDAKLANJUTI");
    expect(alertTexts(bogorGroup).filter((x) => x.includes(`#${alertId}`))).toHaveLength(2);
    expect(alertTexts(dediChat)).toEqual([]);
    const audit = await db().selectFrom("audit_log").selectAll().where("action", "=", "alert.escalated").execute();
    expect(audit.map((a) => a.entity_id)).toEqual([String(alertId)]);

    // Once only.
    t.clock.now += 120 * MINUTE;
    await runJobs();
    expect(alertTexts(adminChat)).toHaveLength(1);

    // The admin may take it up from the escalated message; every copy is updated.
    await adminChat.tap("✋ Tindak lanjuti");
    await runJobs();
    expect(alertTexts(rinaChat).filter((x) => x.includes(`#${alertId}`)).every((x) => x.includes("Ditindaklanjuti oleh Admin Pusat"))).toBe(true);
    expect(admin.id).toBeGreaterThan(0);
  });

  it("goes to the admins when no coordinator covers the area", async () => {
    await db().updateTable("users").set({ status: "suspended" }).where("id", "in", [rina.id, agus.id]).execute();
    try {
      adminChat.markSeen();
      rinaChat.markSeen();
      const alertId = await reportDarurat(/Siti Aminah/);
      await runJobs();
      expect(adminChat.newTexts()).toEqual([expect.stringContaining(`LAPORAN DARURAT · peringatan #${alertId}`)]);
      expect(rinaChat.newTexts()).toEqual([]);
    } finally {
      await db().updateTable("users").set({ status: "active" }).where("id", "in", [rina.id, agus.id]).execute();
    }
  });
});

describe("/peringatan", () => {
  it("lists the open alerts of the coordinator's area with their age", async () => {
    t.clock.now += 125 * MINUTE;
    await rinaChat.send("/peringatan");
    const text = rinaChat.lastText() ?? "";
    expect(text).toMatch(/Peringatan terbuka di wilayah Anda: 2/);
    // Oldest first: the escalated one (taken up by the admin), then the newest.
    expect(text).toMatch(/#\d+ · [A-Z0-9-]+ · N\. H\. · 5 jam lalu · ✋ Admin Pusat\n#\d+ · [A-Z0-9-]+ · S\. A\. · 2 jam lalu · ⏳ belum ditindaklanjuti/);
    expect(text).not.toMatch(/Siti Aminah|Nur Halimah/);
    await dediChat.send("/peringatan");
    expect(dediChat.lastText()).toContain("Tidak ada peringatan terbuka di wilayah Anda");
    // Opening one sends the alert again, with its buttons.
    await rinaChat.tap(/^#\d+ · /);
    expect(rinaChat.lastText()).toContain("LAPORAN DARURAT");
    expect(rinaChat.buttons()).toContain("✅ Selesai");
    // Volunteers may not use it.
    await budiChat.send("/peringatan");
    expect(budiChat.lastText()).toContain("koordinator");
  });

  it("resolving from a group continues in the private chat", async () => {
    const open = await db().selectFrom("alerts").select("id").where("status", "=", "open").orderBy("id").executeTakeFirstOrThrow();
    const rinaInGroup = bogorGroup.member({ id: 3001, firstName: "Rina" });
    const groupMessage = bogorGroup.messages().filter((m) => m.text?.includes(`#${open.id}`)).at(-1)!;
    rinaChat.markSeen();
    await rinaInGroup.tapData(`al:res:${open.id}`, groupMessage.message_id);
    expect(String(rinaInGroup.lastCallbackAnswer()?.["text"])).toContain("chat pribadi");
    expect(rinaChat.newTexts()).toEqual([expect.stringContaining(`Untuk menyelesaikan peringatan #${open.id}`)]);
    await rinaChat.tap("✅ Selesai");
    await rinaChat.send("Keluarga sudah didampingi Babinsa dan ketua RT");
    expect(rinaChat.lastText()).toContain(`Peringatan #${open.id} ditandai selesai`);
    expect((await db().selectFrom("alerts").select("status").where("id", "=", open.id).executeTakeFirstOrThrow()).status).toBe("resolved");
  });

  it("unlinks a group with /putuskan_grup and when the bot is removed", async () => {
    const dediInGroup = gunungPutriGroup.member({ id: 3003, firstName: "Dedi" });
    const rinaInGroup = bogorGroup.member({ id: 3001, firstName: "Rina" });
    // Rina (Kec. Cibinong) may not unlink the Kab. Bogor group.
    await rinaInGroup.send("/putuskan_grup");
    expect(bogorGroup.lastText()).toContain("di luar wilayah kerja Anda");
    await dediInGroup.send("/putuskan_grup");
    expect(gunungPutriGroup.lastText()).toContain("tidak akan menerima peringatan lagi");
    const agusInGroup = bogorGroup.member({ id: 3002, firstName: "Agus" });
    await agusInGroup.block();
    expect(await db().selectFrom("alert_groups").selectAll().execute()).toEqual([]);
    const actions = await db().selectFrom("audit_log").select("action").where("action", "=", "alert_group.unlinked").execute();
    expect(actions).toHaveLength(2);
  });
});
