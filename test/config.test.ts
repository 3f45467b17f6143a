import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.js";

describe("parseConfig", () => {
  it("has working defaults: simulator on PGlite, Indonesian", () => {
    const c = parseConfig({});
    expect(c.BOT_TOKEN).toBeUndefined();
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c).toMatchObject({
      PGLITE_DIR: "./data/pglite",
      TELEGRAM_API_ROOT: "https://api.telegram.org",
      DEFAULT_LOCALE: "id",
      ADMIN_TELEGRAM_IDS: [],
      ALERT_ESCALATE_MINUTES: 60,
      OVERDUE_DAYS: 14,
      BROADCAST_RATE: 25,
    });
  });

  it("parses admin ids and treats empty values as unset", () => {
    const c = parseConfig({ ADMIN_TELEGRAM_IDS: " 12, 345 ,", DATABASE_URL: "", LOG_LEVEL: "" });
    expect(c.ADMIN_TELEGRAM_IDS).toEqual([12, 345]);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.LOG_LEVEL).toBe("info");
  });

  it("names every bad variable and what it expects, in one message", () => {
    let error: unknown;
    try {
      parseConfig({
        DATABASE_URL: "mysql://x/y",
        ADMIN_TELEGRAM_IDS: "12,abc",
        DEFAULT_LOCALE: "fr",
        BOT_TOKEN: "nope",
        OVERDUE_DAYS: "-3",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("DATABASE_URL expects a PostgreSQL connection URL");
    expect(message).toContain('"abc" is not one');
    expect(message).toContain('DEFAULT_LOCALE expects "id" or "en"');
    expect(message).toContain("BOT_TOKEN expects the token from @BotFather");
    expect(message).toContain("OVERDUE_DAYS expects a whole number from 1 to 365");
  });

  it("requires PII_KEY in production and a secret in webhook mode", () => {
    expect(() => parseConfig({ BOT_TOKEN: "123:AAAAAAAAAAAAAAAAAAAAAAAA", DATABASE_URL: "postgres://u@h/d" })).toThrow(/PII_KEY is required/);
    expect(() => parseConfig({ BOT_TOKEN: "123:AAAAAAAAAAAAAAAAAAAAAAAA", BOT_MODE: "webhook" })).toThrow(/WEBHOOK_SECRET is required/);
  });
});
