import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { createAlert, enqueueAlertJobs, linkAlertGroup } from "../../src/db/queries/alerts.js";
import type { User } from "../../src/db/schema.js";
import { CIBINONG_VILLAGE, seedHousehold, seedUser } from "../bot/visit-support.js";

// Issue 18, friction: a darurat alert says what a coordinator needs to act at once: the
// address with RT/RW, the GPS point (a map link) and the volunteer's phone (tap to call) — in
// private chats; a linked group sees none of it.

const START = new Date("2026-11-27T20:00:00Z"); // 03:00 WIB, no morning messages due

let t: TestApp;
let budi: User;

beforeAll(async () => {
  t = await createTestApp({ start: START });
  budi = await seedUser(t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: CIBINONG_VILLAGE });
  await t.app.deps.db.updateTable("users").set({ phone: "+6281311112222" }).where("id", "=", budi.id).execute();
  const rina = await seedUser(t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: "32.01.01" });
  t.driver.user({ id: 3001, firstName: "Rina" });
  const group = t.driver.group({ id: -1001000000009, title: "TKSK Cibinong" });
  await linkAlertGroup(t.app.deps.db, { chatId: -1001000000009, areaCode: "32.01.01", userId: rina.id, now: t.app.deps.now() });
  expect(group).toBeDefined();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

/** A darurat visit saved as the visit report saves it, with its alert and jobs. */
async function darurat(householdId: number, location: { latitude: number; longitude: number } | null): Promise<number> {
  const now = t.app.deps.now();
  return t.app.deps.db.transaction().execute(async (trx) => {
    const visit = await trx
      .insertInto("visits")
      .values({
        household_id: householdId,
        volunteer_id: budi.id,
        visited_on: "2026-11-28",
        written_at: now,
        purpose: "monitoring",
        intervention: "kuratif",
        conditions: ["kekerasan"],
        follow_up: false,
        urgency: "darurat",
        latitude: location?.latitude ?? null,
        longitude: location?.longitude ?? null,
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const id = await createAlert(trx, { visitId: visit.id, householdId, areaCode: CIBINONG_VILLAGE, now });
    await enqueueAlertJobs(trx, id, { now, escalateMinutes: 60 });
    return id;
  });
}

function sent(chatId: number, needle: string) {
  return t.fake.callsOf("sendMessage").filter((c) => c.payload["chat_id"] === chatId && String(c.payload["text"]).includes(needle));
}

describe("the darurat alert", () => {
  it("gives the coordinator the address with RT/RW, a map link to the GPS point and the volunteer's phone", async () => {
    const h = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Siti Aminah");
    const id = await darurat(h.id, { latitude: -6.4765123, longitude: 106.8441234 });
    await t.app.worker.runDue();
    const [call] = sent(3001, `#${id}`);
    const text = String(call?.payload["text"]);
    expect(text).toContain("📍 Alamat: Jl. Melati No. 4, RT 003/RW 005");
    expect(text).toContain('<a href="https://www.google.com/maps?q=-6.476512,106.844123">-6.47651, 106.84412</a>');
    // Plain digits: Telegram shows a phone number as a link to call.
    expect(text).toContain("📞 Telepon relawan: +6281311112222");
    expect(JSON.stringify(call?.payload["reply_markup"])).toContain("https://www.google.com/maps?q=-6.476512,106.844123");

    // The linked group gets the alert without the address, the point or the phone.
    const [group] = sent(-1001000000009, `#${id}`);
    const groupText = String(group?.payload["text"]);
    expect(groupText).toContain(`#${id}`);
    expect(groupText).not.toContain("Jl. Melati");
    expect(groupText).not.toContain("+6281311112222");
    expect(groupText).not.toContain("maps");
    expect(groupText).toContain("dikirim lewat chat pribadi");
  });

  it("falls back to the home's recorded location, and says when there is no GPS point at all", async () => {
    const withHome = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Nur Halimah");
    await t.app.deps.db.updateTable("households").set({ latitude: -6.5, longitude: 106.85 }).where("id", "=", withHome.id).execute();
    const a = await darurat(withHome.id, null);
    const none = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Wati Susanti");
    const b = await darurat(none.id, null);
    await t.app.worker.runDue();
    expect(String(sent(3001, `#${a}`)[0]?.payload["text"])).toContain("maps?q=-6.500000,106.850000");
    expect(String(sent(3001, `#${b}`)[0]?.payload["text"])).toContain("🗺️ Lokasi: belum ada titik GPS");
  });
});
