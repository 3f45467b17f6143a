import { it } from "vitest";
import { createTestApp } from "../support/app.js";
import { pendingApplicationsIn } from "../../src/db/queries/onboarding.js";
it("debug", async () => {
  const t = await createTestApp();
  const db = t.app.deps.db;
  await db.insertInto("users").values([{ telegram_id: 6001, role: "coordinator", status: "active", name: "Koor Bogor", locale: "id", area_code: "32.01" },
  { telegram_id: 6003, role: "volunteer", status: "pending", name: "Relawan Baru", locale: "id", area_code: "32.01.01.1002", phone: "+6281211112222" }]).execute();
  const applicant = await db.selectFrom("users").select("id").where("telegram_id", "=", 6003).executeTakeFirstOrThrow();
  await db.insertInto("volunteer_applications").values({ user_id: applicant.id, kind: "registration", area_code: "32.01.01.1002" }).execute();
  try { console.log(await pendingApplicationsIn(db, { area: "32.01", limit: 5 })); } catch (e) { console.log("ERR", (e as Error).message); }
  await t.close();
}, 60000);
