/**
 * Start-up of the simulator: what runs once the app is ready and before the first prompt.
 * Each step may seed data (demo people, families, a month of visits…), start something (a
 * local dashboard) and return the notes it wants shown under the banner (e.g. "Dasbor lokal:
 * http://127.0.0.1:…"). Steps run in this order; a failing step is reported and the
 * simulator goes on.
 *
 * To add something to the simulator's start, write a {@link StartupStep} and list it in
 * {@link STARTUP_STEPS}.
 *
 * @module
 */
import type { App } from "../../app.js";
import { seedDemoWorld } from "./demo.js";
import { seedFieldworkDemo } from "../seed-fieldwork.js";
import type { World } from "./world.js";
import { localDashboardStep } from "../../web/simulator-step.js";

export interface StartupContext {
  app: App;
  world: World;
  /** The simulator's options: `demo: false` asks for an empty world. */
  demo: boolean;
}

/** What a step did: lines to show under the banner, and how to stop what it started. */
export interface StartupResult {
  notes?: string[];
  /** Stops what the step started (a local server…) when the simulator ends. */
  stop?(): Promise<void>;
}

export interface StartupStep {
  name: string;
  /** Runs once per start of the simulator. */
  run(ctx: StartupContext): Promise<StartupResult>;
}

/** Siti registered and approved in a demo village with families and visits (demo.ts). */
const demoWorld: StartupStep = {
  name: "demo world",
  run: async (ctx) => ({ notes: ctx.demo ? await seedDemoWorld(ctx.app, ctx.world) : [] }),
};

/**
 * A month of field work for the demo volunteer: families by RT with GPS points, visits and
 * this month's targets, so that /rencana, /laporan and /target show something (seed-fieldwork.ts).
 */
const fieldworkDemo: StartupStep = {
  name: "field-work demo",
  run: async (ctx) => {
    const volunteer = ctx.world.users.find((u) => u.n === 1);
    const admin = ctx.world.users.find((u) => u.n === 2);
    if (!ctx.demo || !volunteer) return {};
    const db = ctx.app.deps.db;
    const row = await db.selectFrom("users").select(["id", "area_code"]).where("telegram_id", "=", volunteer.id).executeTakeFirst();
    if (!row?.area_code) return {};
    const setter = admin ? await db.selectFrom("users").select("id").where("telegram_id", "=", admin.id).executeTakeFirst() : undefined;
    const notes = await seedFieldworkDemo(db, ctx.app.deps.pii, {
      volunteerId: row.id,
      villageCode: row.area_code,
      targetSetBy: setter?.id ?? null,
      targetArea: row.area_code.split(".").slice(0, 3).join("."),
      now: ctx.app.deps.now(),
    });
    return { notes };
  },
};

/** Every start-up step, in order. */
export const STARTUP_STEPS: readonly StartupStep[] = [demoWorld, fieldworkDemo, localDashboardStep];
