import { it } from "vitest";
import { createTestApp } from "../support/app.js";
import { seedHousehold, seedUser, CIBINONG_VILLAGE, shownCode } from "../bot/visit-support.js";
it("dbg", async () => {
  const t = await createTestApp();
  const budi = await seedUser(t, { tg: 2001, role: "volunteer", name: "Budi", area: CIBINONG_VILLAGE });
  const h1 = await seedHousehold(t, budi, CIBINONG_VILLAGE, "Siti Aminah");
  const u = t.driver.user({ id: 2001, firstName: "Budi" });
  await u.send("/kunjungan");
  await u.tap(`${shownCode(h1.refCode)} · Siti Aminah`);
  process.stdout.write("B " + JSON.stringify(u.newTexts()) + " " + JSON.stringify(u.lastCallbackAnswer()) + " " + JSON.stringify(t.logs.filter(l=>l.includes("update failed")).map(l=>l.slice(0,600))) + "\n");
  await t.close();
});
