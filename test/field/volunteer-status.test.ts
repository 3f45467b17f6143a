import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { User } from "../../src/db/schema.js";
import { seedHousehold, seedUser } from "../bot/visit-support.js";

// Issue 18, bug 7: suspend and reactivate a volunteer from /relawan, with a reason, audited,
// the volunteer told. Friction: /relawan details show the volunteer's phone.

let t: TestApp;
let siti: User;
let joko: User;
let rinaChat: TestUser;
let sitiChat: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  await seedUser(t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: "32.01" });
  siti = await seedUser(t, { tg: 2001, role: "volunteer", name: "Siti Rahma", area: "32.01.01.1002" });
  joko = await seedUser(t, { tg: 2002, role: "volunteer", name: "Joko Susilo", area: "33.74.01.1001" }); // Kota Semarang
  await t.app.deps.db.updateTable("users").set({ phone: "+6281234567890" }).where("id", "=", siti.id).execute();
  await seedHousehold(t, siti, "32.01.01.1002", "Wartini");
  rinaChat = t.driver.user({ id: 3001, firstName: "Rina" });
  sitiChat = t.driver.user({ id: 2001, firstName: "Siti" });
  t.driver.user({ id: 2002, firstName: "Joko" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const audits = (action: string) =>
  t.app.deps.db.selectFrom("audit_log").select(["actor_id", "entity_id", "details"]).where("action", "=", action).execute();

describe("/relawan: suspend and reactivate a volunteer", () => {
  it("shows the volunteer's phone in the details, to call them", async () => {
    await rinaChat.send("/relawan");
    await rinaChat.tap("1. Siti Rahma");
    const detail = rinaChat.lastText() ?? "";
    expect(detail).toContain("Siti Rahma");
    expect(detail).toContain("📞 Telepon: +6281234567890");
    expect(rinaChat.buttons()).toContain("⏸ Nonaktifkan relawan");
  });

  it("asks for the reason, suspends with it, audits it and tells the volunteer", async () => {
    await rinaChat.tap("⏸ Nonaktifkan relawan");
    expect(rinaChat.lastText()).toContain("Nonaktifkan Siti Rahma?");
    expect(rinaChat.lastText()).toContain("1 keluarga dampingannya tetap tercatat");
    expect(rinaChat.buttons()).toEqual(
      expect.arrayContaining(["Sudah lama tidak aktif", "Pindah atau berhenti bertugas", "Melanggar aturan / menyalahgunakan data", "Atas permintaan sendiri", "⬅️ Kembali"]),
    );
    await rinaChat.tap("Pindah atau berhenti bertugas");
    const after = rinaChat.lastText() ?? "";
    expect(after).toContain("Siti Rahma sudah dinonaktifkan dan diberi tahu");
    expect(after).toContain("Status: nonaktif");
    expect(after).toContain("Alasan dinonaktifkan: Pindah atau berhenti bertugas");
    expect(rinaChat.buttons()).toContain("▶️ Aktifkan kembali");

    const row = await t.app.deps.db.selectFrom("users").select(["status", "status_reason"]).where("id", "=", siti.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "suspended", status_reason: "Pindah atau berhenti bertugas" });
    const logged = await audits("volunteer.suspended");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ entity_id: String(siti.id), details: { area: "32.01.01.1002", reason: "moved" } });

    await t.app.worker.runDue();
    const told = sitiChat.lastText() ?? "";
    expect(told).toContain("Akun relawan Anda dinonaktifkan oleh koordinator Rina Marlina");
    expect(told).toContain("Alasan: Pindah atau berhenti bertugas");
    // Their command menu follows the new status.
    expect(t.fake.callsOf("setMyCommands").some((c) => JSON.stringify(c.payload["scope"]).includes("2001"))).toBe(true);
  });

  it("the suspended volunteer can no longer work, and /status_saya says why", async () => {
    await sitiChat.send("/keluarga");
    expect(sitiChat.lastText()).toContain("dinonaktifkan");
    await sitiChat.send("/status_saya");
    expect(sitiChat.lastText()).toContain("Alasan dinonaktifkan: Pindah atau berhenti bertugas");
  });

  it("a second tap of an old reason button changes nothing", async () => {
    await rinaChat.tapData(`rl:sr:${siti.id}:0`);
    expect(String(rinaChat.lastCallbackAnswer()?.["text"])).toContain("sudah berubah");
    expect(await audits("volunteer.suspended")).toHaveLength(1);
    const row = await t.app.deps.db.selectFrom("users").select("status_reason").where("id", "=", siti.id).executeTakeFirstOrThrow();
    expect(row.status_reason).toBe("Pindah atau berhenti bertugas");
  });

  it("refuses forged taps for a volunteer outside the coordinator's area, and malformed reasons", async () => {
    await rinaChat.tapData(`rl:sr:${joko.id}:0`);
    expect(String(rinaChat.lastCallbackAnswer()?.["text"])).toMatch(/bukan|tidak/i);
    await rinaChat.tapData(`rl:s:${joko.id}`);
    await rinaChat.tapData(`rl:sr:${siti.id}:9`);
    const row = await t.app.deps.db.selectFrom("users").select("status").where("id", "=", joko.id).executeTakeFirstOrThrow();
    expect(row.status).toBe("active");
    // A volunteer cannot use the buttons at all.
    const jokoChat = t.driver.user({ id: 2002, firstName: "Joko" });
    await jokoChat.tapData(`rl:ry:${siti.id}`);
    const still = await t.app.deps.db.selectFrom("users").select("status").where("id", "=", siti.id).executeTakeFirstOrThrow();
    expect(still.status).toBe("suspended");
  });

  it("reactivates after a confirmation; audited, the volunteer told and working again", async () => {
    await rinaChat.send("/relawan");
    await rinaChat.tap(/^1\. Siti Rahma/);
    await rinaChat.tap("▶️ Aktifkan kembali");
    expect(rinaChat.lastText()).toContain("Aktifkan kembali Siti Rahma?");
    await rinaChat.tap("✅ Ya, aktifkan kembali");
    expect(rinaChat.lastText()).toContain("Siti Rahma sudah aktif kembali dan diberi tahu");
    expect(rinaChat.lastText()).toContain("Status: aktif");
    const row = await t.app.deps.db.selectFrom("users").select(["status", "status_reason"]).where("id", "=", siti.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "active", status_reason: null });
    expect(await audits("volunteer.reactivated")).toHaveLength(1);
    await t.app.worker.runDue();
    expect(sitiChat.lastText()).toContain("Akun relawan Anda aktif kembali (oleh Rina Marlina)");
    await sitiChat.send("/keluarga");
    expect(sitiChat.lastText()).toContain("Wartini");
  });
});
