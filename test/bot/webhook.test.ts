import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "grammy/types";
import { createTestApp, type TestApp } from "../support/app.js";
import { createFakeTelegram } from "../support/fake-telegram.js";
import { startFakeBotApiServer } from "../support/fake-server.js";
import { startMain, waitFor } from "../support/process.js";
import { startWebhook, type WebhookServer } from "../../src/bot/webhook.js";

const SECRET = "webhook-secret-0123456789abcdef";
const ADMIN = 5101;

let t: TestApp;
let hook: WebhookServer;
let base: string;
let updateId = 900_000;

function textUpdate(chatId: number, text: string) {
  const entities = text.startsWith("/") ? [{ type: "bot_command", offset: 0, length: text.split(" ")[0]!.length }] : undefined;
  return {
    update_id: ++updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: "Rina" },
      from: { id: chatId, is_bot: false, first_name: "Rina", language_code: "id" },
      text,
      ...(entities ? { entities } : {}),
    },
  };
}

async function post(body: unknown, headers: Record<string, string> = { "x-telegram-bot-api-secret-token": SECRET }, path = "/tg/hook") {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: String(ADMIN) } });
  hook = await startWebhook(t.app.bot, t.app.deps.db, t.app.deps.logger, {
    port: 0,
    host: "127.0.0.1",
    secret: SECRET,
    url: "https://bot.example.org/tg/hook",
  });
  base = `http://127.0.0.1:${hook.port}`;
});
afterAll(async () => {
  await hook?.stop();
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("webhook server", () => {
  it("registers the webhook with the secret and the update types at start-up", () => {
    const call = t.fake.last("setWebhook");
    expect(call?.payload).toMatchObject({
      url: "https://bot.example.org/tg/hook",
      secret_token: SECRET,
      allowed_updates: ["message", "edited_message", "callback_query", "my_chat_member"],
    });
  });

  it("rejects requests without the right secret token with 401 and handles nothing", async () => {
    const before = t.fake.calls.length;
    expect((await post(textUpdate(ADMIN, "/bantuan"), {})).status).toBe(401);
    expect((await post(textUpdate(ADMIN, "/bantuan"), { "x-telegram-bot-api-secret-token": "wrong-secret-0123456789abcdef" })).status).toBe(401);
    expect((await post(textUpdate(ADMIN, "/bantuan"), { "x-telegram-bot-api-secret-token": SECRET.slice(0, -1) })).status).toBe(401);
    expect(t.fake.calls.length).toBe(before);
    const rows = await t.app.deps.db.selectFrom("processed_update").select("update_id").where("update_id", ">", 900_000).execute();
    expect(rows).toEqual([]);
  });

  it("handles an update with the secret, answers after it is stored, and skips a redelivery", async () => {
    const update = textUpdate(ADMIN, "/bantuan");
    const res = await post(update);
    expect(res.status).toBe(200);
    // By the time Telegram gets the 200, the reply is out and the update id is stored.
    expect((t.fake.messages(ADMIN) as Message[]).at(-1)?.text).toContain("/batal");
    const stored = await t.app.deps.db.selectFrom("processed_update").select("update_id").where("update_id", "=", update.update_id).execute();
    expect(stored).toHaveLength(1);
    const sent = t.fake.callsOf("sendMessage").length;
    // Telegram redelivers after a timeout: same update_id, nothing happens twice.
    expect((await post(update)).status).toBe(200);
    expect(t.fake.callsOf("sendMessage").length).toBe(sent);
  });

  it("takes updates only on the webhook's path and answers 400 to a malformed body", async () => {
    expect((await post(textUpdate(ADMIN, "/bantuan"), undefined, "/other")).status).toBe(404);
    expect((await post("{not json")).status).toBe(400);
    expect((await fetch(`${base}/tg/hook`)).status).toBe(404);
  });

  it("serves /healthz and /readyz (database reachable, migrations done)", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true });
    expect((await fetch(`${base}/healthz`, { method: "POST" })).status).toBe(405);
  });

  it("reports not ready when migrations are missing or the database is gone, while /healthz stays up", async () => {
    const other = await createTestApp();
    const server = await startWebhook(other.app.bot, other.app.deps.db, other.app.deps.logger, { port: 0, host: "127.0.0.1", secret: SECRET });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // A migration recorded as not run (e.g. a new version deployed before migrating).
      const last = await other.app.deps.db.selectFrom("kysely_migration" as never).select("name" as never).orderBy("name" as never, "desc").executeTakeFirstOrThrow();
      await other.app.deps.db.deleteFrom("kysely_migration" as never).where("name" as never, "=", (last as { name: string }).name as never).execute();
      const pending = await fetch(`${url}/readyz`);
      expect(pending.status).toBe(503);
      expect(await pending.json()).toEqual({ ok: false, reason: "migrations pending" });
      await other.app.dbHandle.close();
      const down = await fetch(`${url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ ok: false, reason: "database unreachable" });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
      await other.app.worker.stop();
    }
  });

  it("on stop, refuses new updates (503, Telegram retries), finishes the ones in flight and reports not ready", async () => {
    const other = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: "5102" } });
    const server = await startWebhook(other.app.bot, other.app.deps.db, other.app.deps.logger, { port: 0, host: "127.0.0.1", secret: SECRET });
    const url = `http://127.0.0.1:${server.port}`;
    // Hold the bot's reply for a moment so that the update is in flight when stop begins.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const undo = other.fake.respond("sendMessage", async () => {
      await held;
      return undefined;
    });
    try {
      const inFlight = fetch(`${url}/hook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: JSON.stringify(textUpdate(5102, "/bantuan")),
      });
      await waitFor(() => server.inFlight() === 1, 5_000, "the update to start");
      const stopped = server.stop();
      expect((await fetch(`${url}/readyz`).catch(() => undefined))?.status ?? 503).toBe(503);
      release();
      expect((await inFlight).status).toBe(200);
      await stopped;
      expect(server.inFlight()).toBe(0);
      expect((other.fake.messages(5102) as Message[]).at(-1)?.text).toContain("/batal");
    } finally {
      undo();
      release();
      await server.stop();
      await other.close();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("the real process in webhook mode", () => {
  it("registers its webhook, answers Telegram's requests, serves health checks and exits 0 on SIGTERM", async () => {
    const fake = createFakeTelegram();
    const api = await startFakeBotApiServer(fake);
    const dir = mkdtempSync(join(tmpdir(), "pendamping-webhook-"));
    const port = await freePort();
    const p = startMain({
      BOT_TOKEN: "123456789:AAHfakeTokenForTestsOnly_abcdefghij",
      BOT_MODE: "webhook",
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_URL: `https://bot.example.org/telegram/${port}`,
      PORT: String(port),
      TELEGRAM_API_ROOT: api.url,
      PGLITE_DIR: join(dir, "pglite"),
      PII_KEY_FILE: join(dir, "pii.key"),
      ADMIN_TELEGRAM_IDS: "5201",
    });
    try {
      await waitFor(() => fake.webhookUrl() !== "", 90_000, "setWebhook").catch((e: Error) => {
        throw new Error(`${e.message}\n${p.stderr().slice(-2000)}`);
      });
      expect(fake.webhookUrl()).toBe(`https://bot.example.org/telegram/${port}`);
      expect(fake.last("setWebhook")?.payload["secret_token"]).toBe(SECRET);
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const update = textUpdate(5201, "/start");
      const unauthorized = await fetch(`${url}/telegram/${port}`, { method: "POST", body: JSON.stringify(update) });
      expect(unauthorized.status).toBe(401);
      const res = await fetch(`${url}/telegram/${port}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: JSON.stringify(update),
      });
      expect(res.status).toBe(200);
      expect((fake.messages(5201) as Message[]).some((m) => m.text?.includes("selamat datang"))).toBe(true);
      // getMe was called once, at start-up (the webhook adapter does not ask again).
      expect(fake.callsOf("getMe")).toHaveLength(1);
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
      expect(p.stderr()).toContain("stopped");
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await api.close();
    }
  }, 150_000);
});
