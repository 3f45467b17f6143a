import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: "5000" } });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("/start", () => {
  it("answers a new Indonesian user in Indonesian and stores the account with the least privilege", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani", languageCode: "id" });
    await ani.send("/start");
    expect(ani.lastText()).toContain("selamat datang di Pendamping");
    expect(ani.buttons()).toEqual(["🙋 Saya relawan (PSM)", "🔎 Cek status bantuan", "🏢 Saya koordinator / Dinas Sosial"]);
    const row = await t.app.deps.db.selectFrom("users").selectAll().where("telegram_id", "=", 1001).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: "beneficiary", status: "active", locale: "id" });
  });

  it("guesses English from Telegram's language code", async () => {
    const bob = t.driver.user({ id: 1002, firstName: "Bob", languageCode: "en-GB" });
    await bob.send("/start");
    expect(bob.lastText()).toContain("welcome to Pendamping");
  });

  it("explains that coordinators join by invitation", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani" });
    await ani.tap("🏢 Saya koordinator / Dinas Sosial");
    expect(ani.lastText()).toContain("tautan undangan");
  });

  it("makes ADMIN_TELEGRAM_IDS admins from the first message", async () => {
    const admin = t.driver.user({ id: 5000, firstName: "Admin" });
    await admin.send("/start");
    const row = await t.app.deps.db.selectFrom("users").selectAll().where("telegram_id", "=", 5000).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: "admin", status: "active", area_code: null });
  });
});

describe("/bantuan, /bahasa, /batal", () => {
  it("lists only the commands the user's role may use", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani" });
    await ani.send("/bantuan");
    const text = ani.lastText() ?? "";
    expect(text).toContain("/bantuan");
    expect(text).toContain("/bahasa");
    expect(text).not.toMatch(/\/siaran|\/ekspor|\/undang/);
  });

  it("switches the language, stores it, and answers /help in English afterwards", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani" });
    await ani.send("/bahasa");
    await ani.tap("🇬🇧 English");
    expect(ani.lastText()).toBe("OK, the bot will speak English.");
    const row = await t.app.deps.db.selectFrom("users").select("locale").where("telegram_id", "=", 1001).executeTakeFirstOrThrow();
    expect(row.locale).toBe("en");
    await ani.send("/help");
    expect(ani.lastText()).toContain("/help — Commands you can use");
    const menu = t.fake.calls.filter((c) => c.method === "setMyCommands").at(-1);
    expect(menu?.payload).toMatchObject({ scope: { type: "chat", chat_id: 1001 } });
    await ani.send("/language");
    await ani.tap("🇮🇩 Bahasa Indonesia");
    expect(ani.lastText()).toBe("Baik, bot akan memakai Bahasa Indonesia.");
  });

  it("says there is nothing to cancel outside a flow", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani" });
    await ani.send("/batal");
    expect(ani.lastText()).toContain("Tidak ada isian yang sedang berjalan");
  });

  it("answers unknown commands and stray text with a pointer to /bantuan", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani" });
    await ani.send("/entahlah");
    expect(ani.lastText()).toContain("Perintah /entahlah tidak dikenal");
    await ani.send("halo bot");
    expect(ani.lastText()).toContain("/bantuan");
    await ani.sendSticker();
    expect(ani.lastText()).toContain("/bantuan");
  });

  it("skips an update that was already processed (redelivery)", async () => {
    const before = t.fake.calls.length;
    const update = {
      update_id: 999_999_001,
      message: {
        message_id: 90_001,
        date: Math.floor(t.clock.now / 1000),
        chat: { id: 1001, type: "private" as const, first_name: "Ani" },
        from: { id: 1001, is_bot: false, first_name: "Ani" },
        text: "halo",
      },
    };
    await t.app.bot.handleUpdate(update);
    const afterFirst = t.fake.calls.length;
    await t.app.bot.handleUpdate(update);
    expect(afterFirst).toBeGreaterThan(before);
    expect(t.fake.calls.length).toBe(afterFirst);
  });
});
