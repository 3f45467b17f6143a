import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { createDataRequest } from "../../src/db/queries/beneficiary/index.js";
import { insertVisit } from "../../src/db/queries/visits.js";
import { checkStatus, seedHousehold, seedUser } from "../bot/beneficiary-support.js";

// Issue 18, wording: what a volunteer, a coordinator and a family read at three moments of the
// day no longer contradicts itself.

let t: TestApp;
let sitiId: number;

beforeAll(async () => {
  t = await createTestApp();
  await seedUser(t, { telegramId: 3001, role: "coordinator", name: "Rina Marlina", area: "32.01" });
  sitiId = await seedUser(t, { telegramId: 2001, role: "volunteer", name: "Siti Rahma", area: "32.01.01.1002" });
  t.driver.user({ id: 3001, firstName: "Rina" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

async function runJobs(): Promise<void> {
  for (let i = 0; i < 5 && (await t.app.worker.runDue()) > 0; i++);
}

describe("wording", () => {
  it("an approved volunteer is pointed to the first thing to do: /daftar", async () => {
    const db = t.app.deps.db;
    const dewi = await db
      .insertInto("users")
      .values({ telegram_id: 2002, role: "volunteer", status: "pending", name: "Dewi Lestari", locale: "id", area_code: "32.01.01.1002", phone: "+6281200002002" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db.insertInto("volunteer_applications").values({ user_id: dewi.id, kind: "registration", area_code: "32.01.01.1002" }).execute();
    const dewiChat = t.driver.user({ id: 2002, firstName: "Dewi" });
    const rina = t.driver.user({ id: 3001, firstName: "Rina" });
    await rina.send("/persetujuan");
    await rina.tap("✅ Setujui");
    await runJobs();
    const told = dewiChat.lastText() ?? "";
    expect(told).toContain("sudah disetujui oleh Rina Marlina");
    expect(told).toContain("Ketik /daftar untuk mendata keluarga pertama Anda");
  });

  it("a data request the bot fulfilled at once says so instead of showing a deadline", async () => {
    const h = await seedHousehold(t, sitiId);
    await t.app.deps.db.transaction().execute((trx) =>
      createDataRequest(trx, t.app.deps.pii, { householdId: h.id, chatId: 7001, requesterId: null, kind: "access", details: null, now: t.app.deps.now() }),
    );
    await runJobs();
    const notice = t.fake
      .callsOf("sendMessage")
      .map((c) => String(c.payload["text"]))
      .find((x) => x.includes("Permintaan data pribadi") && x.includes("Lihat data"));
    expect(notice).toBeDefined();
    expect(notice).toContain("✅ Sudah dipenuhi");
    expect(notice).not.toContain("Batas:");
  });

  it("after a visit, the family's status card shows the last visit instead of 'akan berkunjung'", async () => {
    const h = await seedHousehold(t, sitiId, { headNik: "3201014508680011", kk: "3201012001150013" });
    const family = t.driver.user({ id: 7002, firstName: "Aminah" });
    const before = await checkStatus(family, h.display, h.pin);
    expect(before).toContain("pendamping akan berkunjung");
    const visitAt = new Date("2026-11-28T21:30:00Z"); // 04:30 WIB on 29 November
    t.clock.now = visitAt.getTime() + 60 * 60_000;
    await t.app.deps.db.transaction().execute((trx) =>
      insertVisit(
        trx,
        {
          householdId: h.id,
          writtenAt: visitAt.toISOString(),
          visitedOn: "2026-11-29",
          purpose: "asesmen",
          intervention: "preventif",
          conditions: ["stabil"],
          conditionNote: null,
          helpGiven: null,
          referral: null,
          referralNote: null,
          urgency: "biasa",
          followUp: true,
          nextVisitDate: "2026-12-29",
          photos: [],
          voices: [],
          location: null,
        },
        { userId: sitiId, now: visitAt, visitedAt: visitAt },
      ),
    );
    const after = await checkStatus(family, h.display, h.pin);
    expect(after).toContain("Status: Terdaftar");
    expect(after).toContain("Kunjungan terakhir pendamping: 29 November 2026");
    expect(after).not.toContain("akan berkunjung");
  });
});
