import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "../../src/db/schema.js";
import { createLoginLink, SESSION_IDLE_MINUTES, SESSION_MAX_HOURS } from "../../src/web/sessions.js";
import { staffScopeOf } from "../../src/web/scope.js";
import { CIBINONG, call, initDataFor, loginAs, seedUser, startWebApp, type WebTestApp } from "./support.js";

let w: WebTestApp;
let rina: User; // coordinator of Kec. Cibinong
let vol: User;
let suspended: User;
let admin: User;

beforeAll(async () => {
  w = await startWebApp();
  rina = await seedUser(w.t, { tg: 3001, role: "coordinator", name: "Rina Marlina", area: CIBINONG });
  vol = await seedUser(w.t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: "32.01.01.1001" });
  suspended = await seedUser(w.t, { tg: 3008, role: "coordinator", name: "Joko", area: CIBINONG, status: "suspended" });
  admin = await seedUser(w.t, { tg: 5000, role: "admin", name: "Admin Pusat", area: null });
});
afterAll(async () => {
  await w?.close();
});

const MIN = 60_000;

describe("login with Telegram initData", () => {
  it("a coordinator's valid initData opens a session that sees their area", async () => {
    const login = await call(w, "POST", "auth/telegram", { body: { initData: initDataFor(w.t, 3001) } });
    expect(login.status).toBe(200);
    expect(login.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await call(w, "GET", "me", { token: login.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: rina.id, role: "coordinator", name: "Rina Marlina" });
    expect(me.body.scope.code).toBe(CIBINONG);
    expect(me.body.scope.path.at(-1).name).toBe("Kec. Cibinong");
    const audit = await w.t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "dashboard.login").where("actor_id", "=", rina.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toEqual({ via: "telegram" });
  });

  it("refuses forged initData (wrong token, edited user, missing hash)", async () => {
    const wrongToken = initDataFor(w.t, 3001, { token: "999999:AAthis-is-not-the-bot-token-at-all" });
    expect((await call(w, "POST", "auth/telegram", { body: { initData: wrongToken } })).body.error).toBe("init_data_signature");
    // Change the user id inside a genuine initData: the signature no longer matches.
    const genuine = initDataFor(w.t, 2001);
    const forged = genuine.replace(encodeURIComponent('"id":2001'), encodeURIComponent('"id":3001'));
    expect(forged).not.toBe(genuine);
    const res = await call(w, "POST", "auth/telegram", { body: { initData: forged } });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("init_data_signature");
    const noHash = genuine.replace(/&hash=[0-9a-f]+/, "");
    expect((await call(w, "POST", "auth/telegram", { body: { initData: noHash } })).body.error).toBe("init_data_malformed");
    expect((await call(w, "POST", "auth/telegram", { body: {} })).status).toBe(401);
  });

  it("refuses expired initData (older than an hour by the app clock)", async () => {
    const old = initDataFor(w.t, 3001, { at: new Date(w.t.clock.now - 61 * MIN) });
    const res = await call(w, "POST", "auth/telegram", { body: { initData: old } });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("init_data_expired");
  });

  it("refuses replayed initData", async () => {
    const data = initDataFor(w.t, 5000, { at: new Date(w.t.clock.now - 5 * MIN) });
    expect((await call(w, "POST", "auth/telegram", { body: { initData: data } })).status).toBe(200);
    const again = await call(w, "POST", "auth/telegram", { body: { initData: data } });
    expect(again.status).toBe(401);
    expect(again.body.error).toBe("init_data_replayed");
  });

  it("a volunteer, a suspended coordinator and a stranger get no session", async () => {
    const cases: [number, string][] = [
      [2001, "not_staff"],
      [3008, "suspended"],
      [7777, "not_registered"],
    ];
    for (const [tg, error] of cases) {
      const res = await call(w, "POST", "auth/telegram", { body: { initData: initDataFor(w.t, tg) } });
      expect(res.status, String(tg)).toBe(403);
      expect(res.body.error).toBe(error);
    }
    const sessions = await w.t.app.deps.db
      .selectFrom("dashboard_sessions")
      .select("user_id")
      .where("user_id", "in", [vol.id, suspended.id])
      .execute();
    expect(sessions).toEqual([]);
  });

  it("stores only hashes of tokens and initData, and logs no personal data", async () => {
    const token = await loginAs(w, 3001);
    const rows = await w.t.app.deps.db.selectFrom("dashboard_sessions").select("token_hash").execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    const logs = w.t.logs.join("\n");
    expect(logs).not.toContain(token);
    expect(logs).not.toContain("Rina Marlina");
    expect(logs).not.toContain("initData");
  });
});

describe("sessions", () => {
  it("an API call without a session, or with an unknown one, is refused", async () => {
    expect((await call(w, "GET", "summary")).status).toBe(401);
    expect((await call(w, "GET", "summary", { token: "x".repeat(43) })).status).toBe(401);
    expect((await call(w, "GET", "households", { headers: { authorization: "Basic abc" } })).status).toBe(401);
  });

  it("a suspended coordinator's session stops working at once", async () => {
    const joko = await seedUser(w.t, { tg: 3010, role: "coordinator", name: "Joko Susilo", area: CIBINONG });
    const token = await loginAs(w, 3010);
    expect((await call(w, "GET", "summary", { token })).status).toBe(200);
    await w.t.app.deps.db.updateTable("users").set({ status: "suspended" }).where("id", "=", joko.id).execute();
    const refused = await call(w, "GET", "summary", { token });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("suspended");
    // The session is ended, not just refused: reactivating the account does not revive it.
    await w.t.app.deps.db.updateTable("users").set({ status: "active" }).where("id", "=", joko.id).execute();
    expect((await call(w, "GET", "summary", { token })).status).toBe(401);
  });

  it("a coordinator without an area has no scope (never the whole country)", () => {
    // The database refuses an active coordinator without an area; the rule holds anyway.
    const lost = { ...rina, area_code: null };
    expect(staffScopeOf(lost)).toBeNull();
    expect(staffScopeOf({ ...admin })).toEqual({ kind: "all" });
    expect(staffScopeOf(vol)).toBeNull();
  });

  it("ends after an hour without use, and after a working day in any case", async () => {
    const token = await loginAs(w, 3001);
    w.t.clock.now += (SESSION_IDLE_MINUTES + 1) * MIN;
    expect((await call(w, "GET", "me", { token })).status).toBe(401);

    const token2 = await loginAs(w, 3001);
    // Used every 50 minutes: still ends SESSION_MAX_HOURS after it started.
    for (let m = 50; m < SESSION_MAX_HOURS * 60; m += 50) {
      w.t.clock.now += 50 * MIN;
      expect((await call(w, "GET", "me", { token: token2 })).status).toBe(200);
    }
    w.t.clock.now += 50 * MIN;
    expect((await call(w, "GET", "me", { token: token2 })).status).toBe(401);
  });

  it("logout ends the session", async () => {
    const token = await loginAs(w, 3001);
    expect((await call(w, "POST", "auth/logout", { token, body: {} })).status).toBe(200);
    expect((await call(w, "GET", "me", { token })).status).toBe(401);
  });
});

describe("one-time desktop login link", () => {
  it("works once, within 10 minutes", async () => {
    const link = await createLoginLink(w.t.app.deps.db, rina.id, w.t.app.deps.now());
    const first = await call(w, "POST", "auth/link", { body: { token: link.token } });
    expect(first.status).toBe(200);
    expect((await call(w, "GET", "me", { token: first.body.token })).body.session.via).toBe("link");
    const second = await call(w, "POST", "auth/link", { body: { token: link.token } });
    expect(second.status).toBe(401);
    expect(second.body.error).toBe("link_invalid");

    const late = await createLoginLink(w.t.app.deps.db, rina.id, w.t.app.deps.now());
    w.t.clock.now += 10 * MIN + 1000;
    expect((await call(w, "POST", "auth/link", { body: { token: late.token } })).body.error).toBe("link_invalid");
  });

  it("a link of someone who is no longer staff opens nothing", async () => {
    const link = await createLoginLink(w.t.app.deps.db, vol.id, w.t.app.deps.now());
    const res = await call(w, "POST", "auth/link", { body: { token: link.token } });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe("not_staff");
  });
});

describe("development login", () => {
  it("is refused in production (a bot token is set), even with devLogin asked for", async () => {
    expect(w.dashboard.devLoginFragment(rina.id)).toBeUndefined();
    const res = await call(w, "POST", "auth/dev", { body: { token: "1.9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("dev_login_disabled");
  });
});

describe("the simulator's dev login", () => {
  it("opens the dashboard as a simulated coordinator only when no bot token is set", async () => {
    const sim = await startWebApp({ env: { BOT_TOKEN: "" }, devLogin: true });
    try {
      const coord = await seedUser(sim.t, { tg: 3101, role: "coordinator", name: "Koordinator Simulasi", area: CIBINONG });
      const fragment = sim.dashboard.devLoginFragment(coord.id)!;
      expect(fragment).toMatch(/^dev=/);
      const login = await call(sim, "POST", "auth/dev", { body: { token: fragment.slice(4) } });
      expect(login.status).toBe(200);
      expect((await call(sim, "GET", "me", { token: login.body.token })).body.session.via).toBe("dev");
      // A tampered signature, and Telegram logins (no token to check them with), are refused.
      const forged = fragment.slice(4).replace(/^\d+/, String(coord.id + 1));
      expect((await call(sim, "POST", "auth/dev", { body: { token: forged } })).status).toBe(401);
      expect((await call(sim, "POST", "auth/telegram", { body: { initData: initDataFor(sim.t, 3101) } })).body.error).toBe("telegram_login_unavailable");
    } finally {
      await sim.close();
    }
  });
});

describe("rate limits", () => {
  it("a flood of login attempts from one address gets 429", async () => {
    let limited = 0;
    for (let i = 0; i < 80; i++) {
      const res = await call(w, "POST", "auth/link", { body: { token: "y".repeat(43) } });
      if (res.status === 429) {
        limited++;
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    }
    expect(limited).toBeGreaterThan(0);
    w.t.clock.now += 2 * MIN;
    expect((await call(w, "POST", "auth/link", { body: { token: "y".repeat(43) } })).status).toBe(401);
  });

  it("one user's burst of requests gets 429, others are not affected", async () => {
    const token = await loginAs(w, 3001);
    const other = await loginAs(w, 5000);
    let limited = 0;
    for (let i = 0; i < 260; i++) {
      const res = await call(w, "GET", "me", { token });
      if (res.status === 429) limited++;
    }
    expect(limited).toBeGreaterThan(0);
    expect((await call(w, "GET", "me", { token: other })).status).toBe(200);
  });
});
