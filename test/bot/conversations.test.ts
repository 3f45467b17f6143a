import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createTestApp, type TestApp } from "../support/app.js";
import { FLOWS_VERSION } from "../../src/flows/index.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: "3001" } });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const stateOf = async (chatId: number) =>
  (await t.app.deps.db.selectFrom("conversation_state").select("state").where("key", "=", `conv:${chatId}`).executeTakeFirst())?.state as
    | { version: [number, number]; state: unknown }
    | undefined;

describe("persistent conversations", () => {
  it("stores the flow's state versioned in the database", async () => {
    const admin = t.driver.user({ id: 3001, firstName: "Rina" });
    await admin.send("/daftar");
    const state = await stateOf(3001);
    expect(state?.version).toEqual([0, FLOWS_VERSION]);
    await admin.send("/batal");
    expect(await stateOf(3001)).toBeUndefined();
  });

  it("drops state stored by an older version of the flows and tells the user, instead of replaying it", async () => {
    const admin = t.driver.user({ id: 3001, firstName: "Rina" });
    await admin.send("/daftar");
    await t.app.deps.db
      .updateTable("conversation_state")
      .set({ state: sql`jsonb_set(state, '{version,1}', to_jsonb(${FLOWS_VERSION - 1}::int))` })
      .where("key", "=", "conv:3001")
      .execute();
    await admin.tap("✅ Keluarga setuju");
    expect(admin.lastCallbackAnswer()?.text).toBe("Tombol ini sudah tidak berlaku.");
    expect(admin.lastText()).toContain("aplikasi baru saja diperbarui");
    expect(await stateOf(3001)).toBeUndefined();
  });

  it("resets a chat whose stored state cannot be replayed, with an apology, and the chat works again", async () => {
    const admin = t.driver.user({ id: 3001, firstName: "Rina" });
    await admin.send("/daftar");
    await admin.tap("✅ Keluarga setuju");
    // Corrupt the recorded op log: the replay will see a different op than the code requests.
    const raw = JSON.stringify(await stateOf(3001));
    const broken = raw.replace('"sendMessage"', '"sendVoice"');
    expect(broken).not.toBe(raw);
    await t.app.deps.db.updateTable("conversation_state").set({ state: broken }).where("key", "=", "conv:3001").execute();
    await admin.send("Siti Aminah");
    expect(admin.lastText()).toContain("isian yang sedang berjalan terpaksa dihentikan");
    expect(await stateOf(3001)).toBeUndefined();
    const failures = t.logs.filter((l) => l.includes('"update failed"'));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.join()).not.toContain("Siti Aminah");
    await admin.send("/bantuan");
    expect(admin.lastText()).toContain("/daftar");
  });

  it("keeps /bantuan and /bahasa working inside a flow without leaving it", async () => {
    const admin = t.driver.user({ id: 3001, firstName: "Rina" });
    await admin.send("/daftar");
    await admin.tap("✅ Keluarga setuju");
    await admin.send("/bantuan");
    expect(admin.lastText()).toContain("/batal");
    await admin.send("/keluarga");
    expect(admin.lastText()).toContain("Anda sedang mengisi data");
    await admin.send("Siti Aminah");
    expect(admin.lastText()).toContain("Ketik NIK Siti Aminah");
    await admin.send("/batal");
  });

  it("tells the user when the database is unavailable, without a stack trace", async () => {
    const other = await createTestApp();
    try {
      const u = other.driver.user({ id: 3100, firstName: "Yani" });
      await u.send("/start");
      await other.app.dbHandle.close();
      await u.send("/bantuan");
      expect(u.lastText(), other.logs.slice(-3).join("\n")).toBe("Layanan sedang gangguan, silakan coba lagi sebentar lagi. Pesan Anda belum tersimpan.");
    } finally {
      await other.app.worker.stop();
    }
  });
});
