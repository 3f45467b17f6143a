import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURES } from "../../src/bot/features.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { PONDOK_RAJEG, seedHousehold, seedUser } from "../cekaman/support.js";

/**
 * Features assemble explicitly (src/bot/features.ts): what a feature adds to the household
 * card comes with the feature, so an app without it shows none of its buttons, and two apps
 * in one process do not share them.
 */
let full: TestApp;
let partial: TestApp;

beforeAll(async () => {
  full = await createTestApp();
  partial = await createTestApp({ features: FEATURES.filter((f) => f.name !== "visits" && f.name !== "dtsen") });
});
afterAll(async () => {
  await full?.close();
  await partial?.close();
});

async function cardButtons(t: TestApp): Promise<string[]> {
  const volunteer = await seedUser(t, { tg: 5501, role: "volunteer", name: "Rina", area: PONDOK_RAJEG });
  const { id } = await seedHousehold(t, volunteer, PONDOK_RAJEG, "Sri Mulyani");
  const u = t.driver.user({ id: 5501, firstName: "Rina", languageCode: "id" });
  await u.send("/start");
  await u.tapData(`hh:open:${id}`);
  expect(u.lastText()).toContain("Sri Mulyani");
  return u.buttons();
}

describe("features", () => {
  it("bring their household-card buttons with them, and an app without a feature shows none of its buttons", async () => {
    const all = await cardButtons(full);
    const some = await cardButtons(partial);
    expect(all).toEqual(expect.arrayContaining(["✏️ Ubah data", "📝 Laporkan kunjungan", "📋 Riwayat kunjungan", "📝 Usulan DTSEN"]));
    expect(some).toContain("✏️ Ubah data");
    expect(some.filter((b) => /kunjungan|DTSEN/.test(b))).toEqual([]);
    // The rest is the same buttons in the same order.
    expect(all.filter((b) => !/kunjungan|DTSEN/.test(b))).toEqual(some);
    full.fake.assertNoViolations();
    partial.fake.assertNoViolations();
  });
});
