import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseConfig } from "../../src/config.js";
import { createSimulator } from "../../src/dev/simulator/index.js";
import { seedFieldworkDemo } from "../../src/dev/seed-fieldwork.js";
import { freshDb } from "../support/db.js";
import { createTestApp } from "../support/app.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the simulator's field-work demo", () => {
  it(
    "seeds a month of visits at start-up, so /rencana and /laporan show something",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "pendamping-fw-sim-"));
      dirs.push(dir);
      const config = parseConfig({ PII_KEY_FILE: join(dir, "pii.key"), LOG_LEVEL: "info" });
      const output = { text: "", write(chunk: string) { this.text += chunk; } };
      let app: Awaited<ReturnType<typeof createApp>> | undefined;
      const sim = createSimulator({
        startApp: async (opts) => (app = await createApp(config, { ...opts, dbHandle: await freshDb() })),
        input: Readable.from([":user 1\n", "/rencana\n", "#3\n", "/laporan\n", "#1\n"]),
        output,
        config,
        logFile: join(dir, "simulator.log"),
        filesDir: join(dir, "files"),
      });
      await sim.done;
      const text = output.text;
      expect(text).toContain("Kerja lapangan demo: 10 keluarga lagi di 3 RT");
      const plan = text.slice(text.indexOf("Siti (relawan)> /rencana"));
      expect(plan).toContain("Rencana kunjungan");
      expect(plan).toMatch(/Ada \d+ keluarga yang perlu dikunjungi, di \d+ RT/);
      expect(plan).toContain("🎯 Target");
      // The RT of the demo's first family: its houses and the new ones around it have points.
      const group = text.slice(text.indexOf("Siti (relawan)> #3"));
      expect(group).toContain("RT 003/RW 005");
      expect(group).toContain("Buka rute");
      const report = text.slice(text.indexOf("Siti (relawan)> /laporan"));
      expect(report).toMatch(/laporan-kegiatan_siti-rahma_\d{4}-\d{2}\.pdf/);
      expect(report).toMatch(/laporan-kegiatan_siti-rahma_\d{4}-\d{2}\.xlsx/);
      expect(app).toBeDefined();
    },
    120_000,
  );

  it("writes its data once", async () => {
    const t = await createTestApp({ start: new Date("2026-12-10T03:00:00Z") });
    try {
      const db = t.app.deps.db;
      const v = await db
        .insertInto("users")
        .values({ telegram_id: 1, role: "volunteer", status: "active", name: "Siti", locale: "id", area_code: "32.01.01.1001" })
        .returning("id")
        .executeTakeFirstOrThrow();
      const opts = { volunteerId: v.id, villageCode: "32.01.01.1001", targetSetBy: v.id, targetArea: "32.01.01", now: t.app.deps.now() };
      expect((await seedFieldworkDemo(db, t.app.deps.pii, opts)).length).toBeGreaterThan(0);
      expect(await seedFieldworkDemo(db, t.app.deps.pii, opts)).toEqual([]);
      const visits = await db.selectFrom("visits").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      expect(Number(visits.n)).toBe(16);
      const targets = await db.selectFrom("monthly_target").selectAll().orderBy("id").execute();
      expect(targets.map((x) => [x.month, x.volunteer_id !== null, x.area_code])).toEqual([
        ["2026-12", true, null],
        ["2026-12", false, "32.01.01"],
      ]);
      // Nothing was enqueued for the seeded visits (no follow-up questions at start-up).
      expect(await db.selectFrom("job").select("id").where("name", "=", "fieldwork-location-check").execute()).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
