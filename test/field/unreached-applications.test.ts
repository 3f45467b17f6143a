import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { submitRegistration } from "../../src/db/queries/onboarding.js";
import { createDataRequest } from "../../src/db/queries/beneficiary/index.js";
import { seedHousehold, seedUser } from "../bot/visit-support.js";

// Issue 18, bug 1: an application that reaches nobody is retried when staff of the area
// start the bot, shows in the morning digest and /persetujuan, and after 48 hours the
// volunteer and the admins are told. Bug 8: admins get the digest, with waiting
// applications and open data requests.

const ADMIN_TG = 9001;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BOGOR_VILLAGE = "32.01.01.1002"; // Karadenan, Kec. Cibinong, Kab. Bogor
const MAKASSAR_VILLAGE = "73.71.01.1001"; // Kota Makassar (WITA)

let t: TestApp;

async function applicant(tg: number, name: string): Promise<number> {
  const row = await t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: tg, role: "beneficiary", status: "active", name: null, locale: "id", area_code: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  t.driver.user({ id: tg, firstName: name });
  return row.id;
}

/** The volunteer registration as the registration flow stores it. */
async function apply(userId: number, name: string, village: string): Promise<number> {
  const res = await t.app.deps.db.transaction().execute((trx) =>
    submitRegistration(trx, userId, { name, phone: "+6281299990000", villageCode: village }, t.app.deps.now()),
  );
  if (!res.ok) throw new Error(res.reason);
  return res.applicationId;
}

async function runJobs(): Promise<void> {
  for (let i = 0; i < 5 && (await t.app.worker.runDue()) > 0; i++);
}

const sentTo = (tg: number) => t.fake.callsOf("sendMessage").filter((c) => c.payload["chat_id"] === tg).map((c) => String(c.payload["text"]));

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: String(ADMIN_TG) } });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("an application nobody could be asked about", () => {
  let dewiApp: number;

  it("waits while no coordinator or admin of the area has started the bot", async () => {
    const dewi = await applicant(8001, "Dewi");
    dewiApp = await apply(dewi, "Dewi Lestari", BOGOR_VILLAGE);
    await runJobs();
    expect(t.fake.callsOf("sendMessage")).toHaveLength(0);
    expect(t.logs.some((l) => l.includes("nobody could be asked to decide an application"))).toBe(true);
  });

  it("reaches the admin within a minute of their first /start", async () => {
    const admin = t.driver.user({ id: ADMIN_TG, firstName: "Budi" });
    await admin.send("/start");
    t.clock.now += MINUTE;
    await runJobs();
    const notice = sentTo(ADMIN_TG).find((x) => x.includes(`#${dewiApp}`));
    expect(notice).toContain("Dewi Lestari");
    expect(notice).toContain("Karadenan");
    const call = t.fake.callsOf("sendMessage").find((c) => c.payload["chat_id"] === ADMIN_TG && String(c.payload["text"]).includes(`#${dewiApp}`));
    expect(JSON.stringify(call?.payload["reply_markup"])).toContain(`appr:ok:${dewiApp}`);
    // Retrying again finds nobody new: no second copy.
    t.clock.now += MINUTE;
    await runJobs();
    expect(sentTo(ADMIN_TG).filter((x) => x.includes(`#${dewiApp}`))).toHaveLength(1);
  });

  it("still goes to the area's coordinator when one joins later", async () => {
    await seedUser(t, { tg: 7001, role: "coordinator", name: "Rina Marlina", area: "32.01" });
    t.driver.user({ id: 7001, firstName: "Rina" });
    t.clock.now += MINUTE;
    await runJobs();
    expect(sentTo(7001).some((x) => x.includes(`#${dewiApp}`) && x.includes("Dewi Lestari"))).toBe(true);
  });

  it("after 48 hours without a coordinator, tells the volunteer and the admins, once", async () => {
    const andi = await applicant(8002, "Andi");
    const andiApp = await apply(andi, "Andi Baso", MAKASSAR_VILLAGE);
    await runJobs();
    // The admin has it (admins get every application); no coordinator covers Makassar.
    expect(sentTo(ADMIN_TG).some((x) => x.includes(`#${andiApp}`))).toBe(true);
    t.clock.now += 47 * HOUR;
    await runJobs();
    expect(sentTo(8002)).toHaveLength(0);
    t.clock.now += HOUR + MINUTE;
    await runJobs();
    const toAndi = sentTo(8002);
    expect(toAndi).toHaveLength(1);
    expect(toAndi[0]).toContain("48 jam belum diputuskan");
    expect(toAndi[0]).toContain("belum ada koordinator wilayah ini");
    const toAdmin = sentTo(ADMIN_TG).filter((x) => x.includes(`#${andiApp}`) && x.includes("48 jam"));
    expect(toAdmin).toHaveLength(1);
    expect(toAdmin[0]).toContain("/persetujuan");
    // Once only.
    t.clock.now += 2 * HOUR;
    await runJobs();
    expect(sentTo(8002)).toHaveLength(1);
    const audit = await t.app.deps.db.selectFrom("audit_log").select("details").where("action", "=", "application.unreached").execute();
    expect(audit).toHaveLength(1);
  });

  it("is in the admin's morning digest, marked as not reaching a coordinator, with open data requests", async () => {
    const siti = await seedUser(t, { tg: 8101, role: "volunteer", name: "Siti Rahma", area: BOGOR_VILLAGE });
    const h = await seedHousehold(t, siti, BOGOR_VILLAGE, "Wartini");
    await t.app.deps.db.transaction().execute((trx) =>
      createDataRequest(trx, t.app.deps.pii, { householdId: h.id, chatId: 5555, requesterId: null, kind: "correction", details: "Tanggal lahir salah", now: t.app.deps.now() }),
    );
    await runJobs();
    // The next morning, 07:00 WIB: the scheduled run.
    t.fake.clear();
    t.clock.now += 24 * HOUR;
    await runJobs();
    const digest = sentTo(ADMIN_TG).find((x) => x.startsWith("📊"));
    expect(digest).toBeDefined();
    expect(digest).toContain("seluruh Indonesia");
    expect(digest).toContain("Pendaftaran relawan menunggu keputusan: 2");
    expect(digest).toMatch(/Andi Baso · [^\n]*· ⚠️ belum sampai ke koordinator mana pun/);
    expect(digest).toMatch(/Dewi Lestari · Kel\. Karadenan · diajukan 3 hari lalu\n/);
    expect(digest).toContain("Permintaan data warga yang masih terbuka: 1");
    expect(digest).toMatch(/Perbaikan data · [A-Z0-9]{2}-[A-Z0-9]{5} · batas 2 hari lagi/);
    // The coordinator's digest covers their area only: Dewi's application, not Andi's.
    const rina = sentTo(7001).find((x) => x.startsWith("📊"));
    expect(rina).toContain("Pendaftaran relawan menunggu keputusan: 1");
    expect(rina).not.toContain("Andi Baso");
  });

  it("is listed by /persetujuan for the admin", async () => {
    const admin = t.driver.user({ id: ADMIN_TG, firstName: "Budi" });
    admin.markSeen();
    await admin.send("/persetujuan");
    const texts = admin.newTexts().join("\n");
    expect(texts).toContain("2 pendaftaran menunggu persetujuan");
    expect(texts).toContain("Andi Baso");
    expect(texts).toContain("Dewi Lestari");
  });
});

describe("an application when nobody at all is on the bot", () => {
  it("tells the volunteer after 48 hours that no coordinator or admin could be reached", async () => {
    const lone = await createTestApp();
    try {
      const db = lone.app.deps.db;
      const user = await db
        .insertInto("users")
        .values({ telegram_id: 8201, role: "beneficiary", status: "active", name: null, locale: "id", area_code: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      lone.driver.user({ id: 8201, firstName: "Yuni" });
      const res = await db.transaction().execute((trx) =>
        submitRegistration(trx, user.id, { name: "Yuni Kartika", phone: "+6281299990001", villageCode: BOGOR_VILLAGE }, lone.app.deps.now()),
      );
      expect(res.ok).toBe(true);
      await lone.app.worker.runDue();
      lone.clock.now += 48 * HOUR + MINUTE;
      for (let i = 0; i < 3; i++) await lone.app.worker.runDue();
      const texts = lone.fake.callsOf("sendMessage").filter((c) => c.payload["chat_id"] === 8201).map((c) => String(c.payload["text"]));
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain("belum ada koordinator atau admin wilayah ini yang aktif di bot");
      expect(texts[0]).toContain("Dinas Sosial");
      lone.fake.assertNoViolations();
    } finally {
      await lone.close();
    }
  });
});
