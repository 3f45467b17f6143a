import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  const db = t.app.deps.db;
  await db
    .insertInto("users")
    .values([
      { telegram_id: 6001, role: "coordinator", status: "active", name: "Koor Bogor", locale: "id", area_code: "32.01" },
      { telegram_id: 6002, role: "coordinator", status: "active", name: "Koor Bandung", locale: "id", area_code: "32.73" },
      { telegram_id: 6003, role: "volunteer", status: "pending", name: "Relawan Baru", locale: "id", area_code: "32.01.01.1002", phone: "+6281211112222" },
    ])
    .execute();
  const applicant = await db.selectFrom("users").select("id").where("telegram_id", "=", 6003).executeTakeFirstOrThrow();
  await db.insertInto("volunteer_applications").values({ user_id: applicant.id, kind: "registration", area_code: "32.01.01.1002" }).execute();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("/persetujuan", () => {
  it("shows a coordinator the applications waiting in their area, and only there", async () => {
    const bandung = t.driver.user({ id: 6002, firstName: "Koor" });
    await bandung.send("/persetujuan");
    expect(bandung.lastText()).toContain("Tidak ada pendaftaran relawan yang menunggu");

    const bogor = t.driver.user({ id: 6001, firstName: "Koor" });
    await bogor.send("/persetujuan");
    const texts = bogor.newTexts().join("\n");
    expect(texts).toContain("1 pendaftaran menunggu persetujuan");
    expect(texts).toContain("Relawan Baru");
    expect(texts).toContain("+62 812••••2222");
    expect(texts).not.toContain("+6281211112222");
    await bogor.tap(/Setujui/);
    await t.app.worker.runDue();
    const applicant = await t.app.deps.db.selectFrom("users").select("status").where("telegram_id", "=", 6003).executeTakeFirstOrThrow();
    expect(applicant.status).toBe("active");
  });

  it("is refused to volunteers", async () => {
    const volunteer = t.driver.user({ id: 6003, firstName: "Relawan" });
    await volunteer.send("/persetujuan");
    expect(volunteer.lastText()).toContain("khusus untuk koordinator");
  });
});
