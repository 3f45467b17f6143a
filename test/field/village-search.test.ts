import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { searchRegions } from "../../src/db/queries/regions.js";

// Issue 18, friction: the village search forgives a one-letter typo ("cibinog" → Cibinong),
// with pg_trgm (PostgreSQL contrib; PGlite loads it in src/db/client.ts).

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("searching a village with a typo", () => {
  it.each([
    ["cibinog", "Cibinong"],
    ["cibnong", "Cibinong"],
    ["kel cibinnong", "Cibinong"],
    ["pondok rajek", "Pondok Rajeg"],
    ["karadenn", "Karadenan"],
  ])("%j finds %s, closest first", async (query, name) => {
    const page = await searchRegions(t.app.deps.db, query, { within: "32.01", limit: 5 });
    expect(page.fuzzy).toBe(true);
    expect(page.rows[0]?.name).toBe(name);
  });

  it("an exact or partial name is matched as before, not as a guess", async () => {
    const page = await searchRegions(t.app.deps.db, "cibin", { levels: [3], limit: 5 });
    expect(page.fuzzy).toBeUndefined();
    expect(page.rows.map((r) => r.name)).toContain("Cibinong");
  });

  it("a word far from every name still finds nothing", async () => {
    expect((await searchRegions(t.app.deps.db, "qwxzvk", { limit: 5 })).rows).toEqual([]);
    // Too short to guess from.
    expect((await searchRegions(t.app.deps.db, "cbx", { limit: 5 })).rows).toEqual([]);
  });

  it("keeps the filters: a guess never leaves the area", async () => {
    const page = await searchRegions(t.app.deps.db, "cibinog", { within: "32.02", limit: 10 });
    expect(page.rows.every((r) => r.code.startsWith("32.02"))).toBe(true);
  });

  it("in the registration's village step, the typo brings Cibinong", async () => {
    const u = t.driver.user({ id: 3901, firstName: "Uji", languageCode: "id" });
    await u.send("/start");
    await u.tap("🙋 Saya relawan (PSM)");
    await u.send("Uji Coba");
    await u.tap("📱 Bagikan nomor HP saya");
    expect(u.lastText()).toContain("desa/kelurahan mana");
    await u.send("cibinog");
    expect(u.buttons()).toContain("Kel. Cibinong — Kec. Cibinong, Kab. Bogor");
  });
});
