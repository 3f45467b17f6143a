/**
 * The volunteer's side of the family PIN: the slip right after registration, a new PIN from
 * the household card (the old one stops working), who may issue one, and the one-time notice
 * for households registered before PINs existed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import { down as down0010, up as up0010 } from "../../src/db/migrations/2026_12_01_0010_trust.js";
import { BOGOR_VILLAGE, MAKASSAR_VILLAGE, registerHousehold, runJobs, seedHousehold, seedUser } from "./support.js";

let t: TestApp;
const VOL = 14001;
const COORD = 14002;
const FOREIGN = 14003;
const FOREIGN_COORD = 14004;

beforeAll(async () => {
  t = await createTestApp();
  await seedUser(t, { telegramId: VOL, role: "volunteer", name: "Rahmat Hidayat", area: BOGOR_VILLAGE });
  await seedUser(t, { telegramId: COORD, role: "coordinator", name: "Bambang Bogor", area: "32.01" });
  await seedUser(t, { telegramId: FOREIGN, role: "volunteer", name: "Andi Pratama", area: MAKASSAR_VILLAGE });
  await seedUser(t, { telegramId: FOREIGN_COORD, role: "coordinator", name: "Daeng Makassar", area: "73.71" });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

const HOUR = 3600 * 1000;

function pinOf(slip: string): string {
  const m = /PIN: (\d{3}) (\d{3})/.exec(slip);
  if (!m) throw new Error(`no PIN on the slip:\n${slip}`);
  return `${m[1]}${m[2]}`;
}

async function check(u: TestUser, code: string, pin: string): Promise<string> {
  await u.send("/status");
  await u.send(code);
  await u.send(pin);
  return u.lastText() ?? "";
}

describe("the PIN slip", () => {
  it("is the last step of registration; the family checks its status with it; the slip leaves the chat after an hour", async () => {
    const vol = t.driver.user({ id: VOL, firstName: "Rahmat" });
    const seen = await registerHousehold(vol, { name: "Wati Lestari", nik: "3201015507900008", kk: "3201012001150077" });
    const saved = seen.join("\n");
    expect(saved).toContain("sudah tersimpan");
    expect(saved).toContain("Langkah terakhir: PIN keluarga");
    const code = /([2-9A-Z]{2}-[2-9A-Z]{5})/.exec(saved)![1]!;
    await vol.tap("🔑 Buat PIN keluarga");
    const slip = vol.lastText()!;
    expect(slip).toContain(`Kode keluarga: ${code}`);
    expect(slip).toContain(`@${t.driver.botInfo.username}`);
    expect(slip).not.toContain("PIN lama");
    const pin = pinOf(slip);
    const slipId = vol.lastMessage()!.message_id;
    // Nothing stores the PIN: only its keyed hash, and no log line or audit entry has it.
    const row = await t.app.deps.db.selectFrom("household_pins").selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(pin);
    const audit = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "like", "household.pin%").execute();
    expect(audit.map((a) => a.action)).toEqual(["household.pin_issued"]);
    expect(JSON.stringify(audit) + t.logs.join("\n")).not.toContain(pin);
    expect(await t.app.deps.db.selectFrom("conversation_state").selectAll().where("key", "=", `conv:${VOL}`).execute()).toEqual([]);

    const family = t.driver.user({ id: 14100, firstName: "Wati" });
    expect(await check(family, code, pin)).toContain(`Status bantuan keluarga ${code}`);

    t.clock.now += HOUR;
    await runJobs(t);
    expect(vol.deletedMessageIds()).toContain(slipId);
  });

  it("can be made again by the volunteer or the area's coordinator, the old PIN stops working; nobody else may", async () => {
    const volId = (await t.app.deps.db.selectFrom("users").select("id").where("telegram_id", "=", VOL).executeTakeFirstOrThrow()).id;
    const h = await seedHousehold(t, volId, { headNik: "3201016001820009", kk: "3201012001150088", headName: "Ratna Sari" });
    const coord = t.driver.user({ id: COORD, firstName: "Bambang" });
    await coord.send("/start");
    await coord.tapData(`hh:open:${h.id}`, 1);
    await coord.tap("🔑 Buat PIN keluarga");
    const first = pinOf(coord.lastText()!);
    await coord.tapData(`hh:open:${h.id}`, 1);
    await coord.tap("🔑 Ganti PIN keluarga");
    expect(coord.lastText()).toContain("sudah punya PIN");
    await coord.tap("Tidak, tetap PIN lama");
    expect(coord.lastText()).toContain("PIN lama tetap berlaku");
    const vol = t.driver.user({ id: VOL, firstName: "Rahmat" });
    await vol.tapData(`pin:${h.id}`, 1);
    await vol.tap("🔑 Ya, buat PIN baru");
    const second = pinOf(vol.lastText()!);
    expect(second).not.toBe(first);
    const family = t.driver.user({ id: 14101, firstName: "Ratna" });
    expect(await check(family, h.display, first)).toContain("tidak cocok");
    expect(await check(family, h.display, second)).toContain(`Status bantuan keluarga ${h.display}`);

    // Another area's volunteer or coordinator: refused, no PIN made, nothing shown.
    for (const id of [FOREIGN, FOREIGN_COORD]) {
      const other = t.driver.user({ id, firstName: "Lain" });
      await other.send("/start");
      for (const data of [`pin:${h.id}`, `pin:ok:${h.id}`]) {
        await other.tapData(data, 1);
        expect(other.lastCallbackAnswer()?.["text"]).toContain("tidak termasuk wilayah");
      }
      expect(other.texts().join("\n")).not.toMatch(/PIN: \d{3} \d{3}/);
    }
    // In a group, even the household's own volunteer gets no slip.
    const group = t.driver.group({ id: -1001400000001, title: "PSM" });
    const inGroup = group.member({ id: VOL, firstName: "Rahmat" });
    await inGroup.tapData(`pin:ok:${h.id}`, 1);
    expect(inGroup.lastCallbackAnswer()?.["text"]).toContain("chat pribadi");
    expect(group.texts()).toEqual([]);
    const audit = await t.app.deps.db.selectFrom("audit_log").select("action").where("entity_id", "=", String(h.id)).where("action", "like", "household.pin%").execute();
    expect(audit.map((a) => a.action)).toEqual(["household.pin_issued", "household.pin_reissued"]);
  });
});

describe("households registered before PINs (migration 2026_12_01_0010)", () => {
  it("tells their volunteers once which families still need a PIN; suspends an active coordinator without an area", async () => {
    const db = t.app.deps.db;
    const volId = (await db.selectFrom("users").select("id").where("telegram_id", "=", VOL).executeTakeFirstOrThrow()).id;
    // The database as it was before this migration: households without PINs, and a
    // coordinator without an area.
    await down0010(db as never);
    await db.deleteFrom("job").where("key", "like", "pin-migration%").execute();
    const old = await seedHousehold(t, volId, { headNik: "3201014101600002", kk: "3201012001150099", headName: "Sumiati" });
    await seedUser(t, { telegramId: 14005, role: "coordinator", name: "Tanpa Wilayah", area: null });
    await up0010(db as never);
    expect((await db.selectFrom("users").select("status").where("telegram_id", "=", 14005).executeTakeFirstOrThrow()).status).toBe("suspended");
    // One of the volunteer's households gets its PIN before the notice goes out.
    const withPin = await seedHousehold(t, volId, { headNik: "3201014101600003", kk: "3201012001150098", headName: "Sumarni" });
    const coord = t.driver.user({ id: COORD, firstName: "Bambang" });
    await coord.tapData(`pin:${withPin.id}`, 1);

    const vol = t.driver.user({ id: VOL, firstName: "Rahmat" });
    const foreign = t.driver.user({ id: FOREIGN, firstName: "Andi" });
    vol.markSeen();
    foreign.markSeen();
    await runJobs(t);
    const notice = vol.newTexts().join("\n");
    expect(notice).toContain("PIN keluarga untuk cek status");
    expect(notice).toContain(old.display);
    expect(notice).not.toContain(withPin.display);
    expect(foreign.newTexts()).toEqual([]);
    // Once only.
    vol.markSeen();
    await db.insertInto("job").values({ name: "pin.migration", payload: JSON.stringify({}), key: "pin-migration:v1" }).onConflict((oc) => oc.column("key").doNothing()).execute();
    await runJobs(t);
    expect(vol.newTexts()).toEqual([]);
  });
});
