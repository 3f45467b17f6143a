import type { StartupStep } from "../dev/simulator/startup.js";
import { createDashboard, startDashboardServer, type DashboardServer } from "./server.js";

/**
 * The simulator's local dashboard: served on 127.0.0.1 (PORT, or any free port when it is
 * taken), with a dev-only signed login for the simulated coordinator printed as a URL. The dev
 * login exists only without a bot token (the simulator); a production process refuses it.
 */
export const localDashboardStep: StartupStep = {
  name: "local dashboard",
  run: async (ctx) => {
    const dashboard = await createDashboard({ deps: ctx.app.deps, api: ctx.app.bot.api, devLogin: true });
    let server: DashboardServer;
    try {
      server = await startDashboardServer(dashboard, { port: ctx.app.config.PORT, host: "127.0.0.1", logger: ctx.app.deps.logger });
    } catch {
      server = await startDashboardServer(dashboard, { port: 0, host: "127.0.0.1", logger: ctx.app.deps.logger });
    }
    const base = `http://127.0.0.1:${server.port}/app/`;
    const notes: string[] = [];
    const staff = ctx.world.users.filter((u) => u.role === "koordinator");
    for (const u of staff) {
      const row = await ctx.app.deps.db.selectFrom("users").select("id").where("telegram_id", "=", u.id).executeTakeFirst();
      const fragment = row ? dashboard.devLoginFragment(row.id) : undefined;
      if (fragment) notes.push(`📊 Dasbor lokal sebagai ${u.firstName}${u.admin ? " (admin)" : ""}: ${base}#${fragment}`);
    }
    if (notes.length === 0) notes.push(`📊 Dasbor lokal: ${base} (masuk sebagai koordinator setelah ia terdaftar; jalankan ulang simulator)`);
    return { notes, stop: () => server.stop() };
  },
};
