import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe("housekeeping", () => {
  it("forgets old processed update ids and finished jobs, and keeps recent ones", async () => {
    const db = t.app.deps.db;
    const now = t.clock.now;
    await db
      .insertInto("processed_update")
      .values([
        { update_id: 1, processed_at: new Date(now - 4 * 86_400_000) },
        { update_id: 2, processed_at: new Date(now - 3600_000) },
      ])
      .execute();
    await db.insertInto("job").values({ name: "housekeeping-test-done", payload: "{}", done_at: new Date(now - 8 * 86_400_000) }).execute();
    await t.app.deps.jobs.enqueue(db, "housekeeping", {});
    await t.app.worker.runDue();
    const ids = (await db.selectFrom("processed_update").select("update_id").execute()).map((r) => r.update_id);
    expect(ids).toContain(2);
    expect(ids).not.toContain(1);
    expect(await db.selectFrom("job").selectAll().where("name", "=", "housekeeping-test-done").execute()).toHaveLength(0);
  });
});
