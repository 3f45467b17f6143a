/**
 * The dashboard served by the real program (`src/main.ts` as a child process, as an operator
 * runs it): in polling mode on PORT, in webhook mode by the webhook's own HTTP server, which
 * keeps taking updates on its path. The front end is built at start-up; nothing needs building
 * before `npm start`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeTelegram, type FakeTelegram } from "../support/fake-telegram.js";
import { startFakeBotApiServer } from "../support/fake-server.js";
import { freePort } from "../support/pg.js";
import { startMain, waitFor, type RunningProcess } from "../support/process.js";

const TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghij";
const WEB_APP_URL = "https://dash.example.org/app/";

let fake: FakeTelegram;
let server: Awaited<ReturnType<typeof startFakeBotApiServer>>;
const dirs: string[] = [];

beforeAll(async () => {
  fake = createFakeTelegram({ getUpdatesDelayMs: 200 });
  server = await startFakeBotApiServer(fake);
});
afterAll(async () => {
  await server?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function env(extra: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "pendamping-web-proc-"));
  dirs.push(dir);
  return { BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: server.url, PGLITE_DIR: join(dir, "pglite"), PII_KEY_FILE: join(dir, "pii.key"), WEB_APP_URL, ...extra };
}

async function stop(p: RunningProcess): Promise<number | string> {
  p.child.kill("SIGTERM");
  return p.exited;
}

async function page(port: number): Promise<Response | undefined> {
  try {
    return await fetch(`http://127.0.0.1:${port}/app/`);
  } catch {
    return undefined;
  }
}

describe("the dashboard in the running program", () => {
  it("polling mode: listens on PORT with the page, its assets and the API", async () => {
    const port = await freePort();
    const p = startMain(env({ PORT: String(port) }));
    try {
      const res = await waitFor(() => page(port), 90_000, "the dashboard page").catch((e: Error) => {
        throw new Error(`${e.message}\n${p.stderr().slice(-2000)}`);
      });
      expect(res.status).toBe(200);
      const html = await res.text();
      const script = /src="(assets\/main-[A-Z0-9]+\.js)"/.exec(html)![1]!;
      const js = await fetch(`http://127.0.0.1:${port}/app/${script}`);
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toContain("javascript");
      expect((await fetch(`http://127.0.0.1:${port}/app/api/summary`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      expect(await stop(p)).toBe(0);
    }
  });

  it("webhook mode: the webhook's server serves the dashboard beside the update path", async () => {
    const port = await freePort();
    const p = startMain(
      env({ BOT_MODE: "webhook", PORT: String(port), WEBHOOK_SECRET: "s3cret-s3cret-s3cret", WEBHOOK_URL: "https://bot.example.org/telegram/hook" }),
    );
    try {
      const res = await waitFor(() => page(port), 90_000, "the dashboard page").catch((e: Error) => {
        throw new Error(`${e.message}\n${p.stderr().slice(-2000)}`);
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      const noSecret = await fetch(`http://127.0.0.1:${port}/telegram/hook`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(noSecret.status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/app/api/me`)).status).toBe(401);
    } finally {
      expect(await stop(p)).toBe(0);
    }
  });
});
