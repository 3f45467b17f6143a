import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { createChatDriver } from "../support/chat.js";
import { botInfo } from "../support/bot-info.js";
import type { BotContext } from "../../src/bot/context.js";
import { createPgDb, type DbHandle } from "../../src/db/client.js";
import { PG_URL, scratchDatabase } from "../support/pg.js";
import type { User } from "../../src/db/schema.js";
import { startEvent } from "../../src/db/queries/cekaman.js";
import { CIBINONG, PONDOK_RAJEG, KARADENAN, runJobs, seedHousehold, seedUser } from "./support.js";

const MIN = 60_000;

interface World {
  coord: User;
  volunteers: User[];
  households: { id: number; volunteer: User }[];
}

/** A coordinator, three volunteers (two villages) and 12 households; the event started through the same query the flow uses. */
async function seedWorld(t: TestApp): Promise<World & { eventId: number }> {
  const coord = await seedUser(t, { tg: 9100, role: "coordinator", name: "Koordinator", area: CIBINONG });
  const volunteers = [
    await seedUser(t, { tg: 8101, role: "volunteer", name: "Ani", area: PONDOK_RAJEG }),
    await seedUser(t, { tg: 8102, role: "volunteer", name: "Budi", area: PONDOK_RAJEG }),
    await seedUser(t, { tg: 8103, role: "volunteer", name: "Citra", area: KARADENAN }),
  ];
  const households: World["households"] = [];
  for (const v of volunteers) {
    for (let i = 0; i < 4; i++) {
      const h = await seedHousehold(t, v, v.area_code!, `Keluarga ${v.name} ${i}`);
      households.push({ id: h.id, volunteer: v });
    }
  }
  const r = await t.app.deps.db.transaction().execute((trx) =>
    startEvent(trx, { actor: coord, areaCode: CIBINONG, regions: [CIBINONG], description: "Banjir", selection: "all", remindMinutes: 60, now: new Date(t.clock.now) }),
  );
  return { coord, volunteers, households, eventId: r.eventId };
}

function messagesTo(apps: TestApp[], chatId: number, marker: string): number {
  return apps.flatMap((a) => a.fake.calls).filter((c) => c.method === "sendMessage" && c.payload.chat_id === chatId && c.response?.ok === true && String(c.payload.text).includes(marker)).length;
}

async function ehId(t: TestApp, eventId: number, householdId: number): Promise<number> {
  const r = await t.app.deps.db.selectFrom("cekaman_households").select("id").where("event_id", "=", eventId).where("household_id", "=", householdId).executeTakeFirstOrThrow();
  return r.id;
}

describe("a restart during an event", () => {
  let t: TestApp;
  let w: World & { eventId: number };
  beforeAll(async () => {
    t = await createTestApp({ env: { BROADCAST_RATE: "30" } });
    w = await seedWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("loses no answer and sends no reminder twice", async () => {
    const start = t.clock.now;
    await runJobs(t);
    for (const v of w.volunteers) expect(messagesTo([t], v.telegram_id, "Cek Aman #")).toBe(1);

    // Before the restart: Ani answers one household.
    const ani = t.driver.user({ id: 8101, firstName: "Ani" });
    await ani.tapData(`ca:a:${await ehId(t, w.eventId, w.households[0]!.id)}:s:v:0`);

    const t2 = await t.restart();
    // After it: Budi answers one on the new process, Ani another.
    const budi = t2.driver.user({ id: 8102, firstName: "Budi" });
    await budi.tapData(`ca:a:${await ehId(t2, w.eventId, w.households[4]!.id)}:u:v:0`);
    const ani2 = t2.driver.user({ id: 8101, firstName: "Ani" });
    await ani2.tapData(`ca:a:${await ehId(t2, w.eventId, w.households[1]!.id)}:s:v:0`);

    t2.clock.now = start + 60 * MIN;
    await runJobs(t2);
    for (const v of w.volunteers) expect(messagesTo([t2], v.telegram_id, "Pengingat")).toBe(1);

    // The stage job "died" after its commit, before it was marked done: running it again sends nothing.
    await t2.app.deps.db.updateTable("job").set({ done_at: null, locked_until: null }).where("key", "=", `cekaman-escalate:${w.eventId}:1`).execute();
    const t3 = await t2.restart();
    t3.clock.now = start + 61 * MIN;
    await runJobs(t3);
    for (const v of w.volunteers) expect(messagesTo([t3], v.telegram_id, "Pengingat")).toBe(1);

    const rows = await t3.app.deps.db.selectFrom("cekaman_households").selectAll().where("event_id", "=", w.eventId).orderBy("id").execute();
    expect(rows).toHaveLength(12);
    expect(rows.filter((r) => r.status !== "pending").map((r) => [r.household_id, r.status]).sort()).toEqual(
      [
        [w.households[0]!.id, "aman"],
        [w.households[1]!.id, "aman"],
        [w.households[4]!.id, "tidak_terhubung"],
      ].sort(),
    );
    expect(rows.filter((r) => r.reminded_at !== null)).toHaveLength(9);
    const answers = await t3.app.deps.db.selectFrom("cekaman_answers").select("id").where("event_id", "=", w.eventId).execute();
    expect(answers).toHaveLength(3);
    const stage = await t3.app.deps.db.selectFrom("audit_log").select("id").where("action", "=", "cekaman.reminded").execute();
    expect(stage).toHaveLength(1);
    t = t3;
  });
});

describe.skipIf(!PG_URL)("two processes on one PostgreSQL during an event", () => {
  let a: TestApp;
  let b: TestApp;
  let handles: DbHandle[] = [];
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    scratch = await scratchDatabase();
    handles = [createPgDb({ url: scratch.url, max: 4 }), createPgDb({ url: scratch.url, max: 4 })];
    a = await createTestApp({ dbHandle: handles[0], env: { BROADCAST_RATE: "30" } });
    b = await createTestApp({ dbHandle: handles[1], env: { BROADCAST_RATE: "30" } });
    b.clock.now = a.clock.now;
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await scratch?.drop();
  });

  const both = async () => {
    for (let i = 0; i < 30; i++) {
      const ran = await Promise.all([a.app.worker.runDue(), b.app.worker.runDue()]);
      if (ran[0] + ran[1] === 0) return;
    }
  };

  it("each checklist and each reminder goes out once, and every answer given on either process is kept", async () => {
    const w = await seedWorld(a);
    const start = a.clock.now;
    await both();
    for (const v of w.volunteers) expect(messagesTo([a, b], v.telegram_id, "Cek Aman #")).toBe(1);

    // Answers arrive on both processes at once (each volunteer's chat on one of them).
    // Telegram numbers updates once for all processes: the second driver continues elsewhere.
    const driverB = createChatDriver<BotContext>({ bot: b.app.bot, fake: b.fake, botInfo, errors: "catch", firstUpdateId: 900_000 });
    const [ani, budi, citra] = [a.driver.user({ id: 8101, firstName: "Ani" }), driverB.user({ id: 8102, firstName: "Budi" }), driverB.user({ id: 8103, firstName: "Citra" })];
    for (const u of [ani, budi, citra]) await u.send("/start");
    const ids = await Promise.all(w.households.map((h) => ehId(a, w.eventId, h.id)));
    await Promise.all([
      ani.tapData(`ca:a:${ids[0]}:s:v:0`).then(() => ani.tapData(`ca:a:${ids[1]}:u:v:0`)),
      budi.tapData(`ca:a:${ids[4]}:s:v:0`).then(() => budi.tapData(`ca:a:${ids[5]}:s:v:0`)),
      citra.tapData(`ca:a:${ids[8]}:s:v:0`),
    ]);

    for (const at of [59, 60, 61, 90]) {
      a.clock.now = b.clock.now = start + at * MIN;
      await both();
    }
    for (const v of w.volunteers) expect(messagesTo([a, b], v.telegram_id, "Pengingat")).toBe(1);
    const rows = await a.app.deps.db.selectFrom("cekaman_households").select(["id", "status"]).where("event_id", "=", w.eventId).execute();
    expect(rows.filter((r) => r.status !== "pending").map((r) => r.id).sort((x, y) => x - y)).toEqual([ids[0], ids[1], ids[4], ids[5], ids[8]].sort((x, y) => x! - y!));
    const answers = await a.app.deps.db.selectFrom("cekaman_answers").select("id").where("event_id", "=", w.eventId).execute();
    expect(answers).toHaveLength(5);
  });
});
