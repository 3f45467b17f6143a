/**
 * The chat side of the dashboard: /dasbor opens the Mini App in one tap or sends a one-time
 * login link for a computer; the chat's menu button opens the dashboard for staff and goes
 * away when they stop being staff; volunteers and groups get a clear refusal.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InlineKeyboardButton } from "grammy/types";
import type { User } from "../../src/db/schema.js";
import { scheduleCommandSync } from "../../src/bot/commands/menu.js";
import { CIBINONG, WEB_APP_URL, call, loginAs, runJobs, seedUser, startWebApp, type WebTestApp } from "./support.js";

let w: WebTestApp;
let rina: User;

beforeAll(async () => {
  w = await startWebApp();
  rina = await seedUser(w.t, { tg: 9401, role: "coordinator", name: "Koordinator Cibinong", area: CIBINONG });
  await seedUser(w.t, { tg: 9400, role: "coordinator", name: "Koordinator Bogor", area: "32.01" });
  await seedUser(w.t, { tg: 2001, role: "volunteer", name: "Budi Santoso", area: "32.01.01.1001" });
});
afterAll(async () => {
  await w?.close();
});
afterEach(() => {
  w.t.fake.assertNoViolations();
});

function buttonsOf(chat: { lastMessage(): unknown }): InlineKeyboardButton[] {
  const m = chat.lastMessage() as { reply_markup?: { inline_keyboard?: InlineKeyboardButton[][] } } | undefined;
  return (m?.reply_markup?.inline_keyboard ?? []).flat();
}

describe("/dasbor", () => {
  it("offers the Mini App in one tap and sets the chat's menu button", async () => {
    const chat = w.t.driver.user({ id: 9401, firstName: "Rina" });
    await chat.send("/dasbor");
    expect(chat.lastText()).toContain("Dasbor koordinator");
    const [open, desktop] = buttonsOf(chat);
    expect(open).toMatchObject({ text: "📊 Buka dasbor", web_app: { url: WEB_APP_URL } });
    expect(desktop).toMatchObject({ text: "💻 Buka di komputer", callback_data: "db:link" });
    expect(w.t.fake.menuButton(9401)).toEqual({ type: "web_app", text: "Dasbor", web_app: { url: WEB_APP_URL } });
  });

  it("'Buka di komputer' sends a link that logs in once, within 10 minutes", async () => {
    const chat = w.t.driver.user({ id: 9401, firstName: "Rina" });
    await chat.send("/dasbor");
    await chat.tap("💻 Buka di komputer");
    expect(chat.lastText()).toContain("Berlaku 10 menit");
    const url = (buttonsOf(chat)[0] as { url: string }).url;
    expect(url.startsWith(`${WEB_APP_URL}#login=`)).toBe(true);
    const token = url.split("#login=")[1]!;
    expect(chat.lastText()).toContain(url);
    const login = await call(w, "POST", "auth/link", { body: { token } });
    expect(login.status).toBe(200);
    expect((await call(w, "GET", "me", { token: login.body.token })).body.user.id).toBe(rina.id);
    expect((await call(w, "POST", "auth/link", { body: { token } })).body.error).toBe("link_invalid");
    const audit = await w.t.app.deps.db.selectFrom("audit_log").select("action").where("actor_id", "=", rina.id).orderBy("id").execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["dashboard.link_created", "dashboard.login"]));
    expect(w.t.logs.join("\n")).not.toContain(token);
  });

  it("a forged 'db:link' tap from a volunteer gets nothing", async () => {
    const budi = w.t.driver.user({ id: 2001, firstName: "Budi" });
    await budi.send("/dasbor");
    expect(budi.lastText()).toContain("koordinator");
    expect(buttonsOf(budi)).toEqual([]);
    await budi.tapData("db:link");
    expect(budi.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    const links = await w.t.app.deps.db.selectFrom("dashboard_login_links").selectAll().execute();
    expect(links.every((l) => l.user_id === rina.id)).toBe(true);
  });

  it("in a group it only points to the private chat", async () => {
    const group = w.t.driver.group({ id: -1001000000077, title: "TKSK Cibinong" });
    const member = group.member({ id: 9401, firstName: "Rina" });
    await member.send("/dasbor");
    expect(group.lastText()).toContain("/dasbor");
    expect(JSON.stringify(group.lastMessage())).not.toContain("web_app");
  });
});

describe("the chat menu button", () => {
  it("is set for staff and reset for everyone else when the menus are synced", async () => {
    await scheduleCommandSync(w.t.app.deps);
    await runJobs(w.t);
    expect(w.t.fake.menuButton(9400)).toMatchObject({ type: "web_app", web_app: { url: WEB_APP_URL } });
    expect(w.t.fake.menuButton(2001)).toEqual({ type: "default" });
  });

  it("goes away when a coordinator is suspended (and their dashboard session ends), and comes back when reactivated", async () => {
    const token = await loginAs(w, 9401);
    const bogor = w.t.driver.user({ id: 9400, firstName: "Koordinator" });
    await bogor.send("/koordinator");
    await bogor.tap("1. Koordinator Cibinong");
    await bogor.tap("⛔ Nonaktifkan");
    await bogor.tap("⛔ Ya, nonaktifkan");
    await runJobs(w.t);
    expect(w.t.fake.menuButton(9401)).toEqual({ type: "default" });
    expect((await call(w, "GET", "summary", { token })).status).toBe(403);

    await bogor.tap("✅ Aktifkan kembali");
    await runJobs(w.t);
    expect(w.t.fake.menuButton(9401)).toMatchObject({ type: "web_app" });
    // The old session stays ended; opening the dashboard again starts a new one.
    expect((await call(w, "GET", "summary", { token })).status).toBe(401);
    expect((await call(w, "GET", "summary", { token: await loginAs(w, 9401) })).status).toBe(200);
  });

  it("is in English for a coordinator who uses English", async () => {
    const chat = w.t.driver.user({ id: 9401, firstName: "Rina" });
    await chat.send("/bahasa");
    await chat.tap(/English/);
    expect(w.t.fake.menuButton(9401)).toMatchObject({ type: "web_app", text: "Dashboard" });
    await chat.send("/dashboard");
    expect(buttonsOf(chat)[0]).toMatchObject({ text: "📊 Open dashboard" });
  });
});
