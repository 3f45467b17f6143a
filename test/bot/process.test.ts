import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "grammy/types";
import { createFakeTelegram, type FakeTelegram } from "../support/fake-telegram.js";
import { startFakeBotApiServer } from "../support/fake-server.js";
import { startMain, waitFor, type RunningProcess } from "../support/process.js";

// These tests start the real program (`src/main.ts`) as a child process, as an operator would.
const TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghij";
const ADMIN = 424242;

let fake: FakeTelegram;
let server: Awaited<ReturnType<typeof startFakeBotApiServer>>;
let updateId = 5000;
let messageId = 1;

function textUpdate(text: string) {
  const entities = text.startsWith("/") ? [{ type: "bot_command" as const, offset: 0, length: text.split(" ")[0]!.length }] : undefined;
  return {
    update_id: ++updateId,
    message: {
      message_id: ++messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: ADMIN, type: "private", first_name: "Rina" },
      from: { id: ADMIN, is_bot: false, first_name: "Rina", language_code: "id" },
      text,
      ...(entities ? { entities } : {}),
    },
  };
}

function tapUpdate(label: string) {
  const messages = fake.messages(ADMIN) as Message[];
  for (const m of [...messages].reverse()) {
    const rows = (m.reply_markup?.inline_keyboard ?? []) as { text: string; callback_data?: string }[][];
    const button = rows.flat().find((b) => b.text === label);
    if (button?.callback_data) {
      fake.registerCallbackQuery(`cb${updateId + 1}`);
      return {
        update_id: ++updateId,
        callback_query: {
          id: `cb${updateId}`,
          from: { id: ADMIN, is_bot: false, first_name: "Rina", language_code: "id" },
          chat_instance: "ci",
          message: m,
          data: button.callback_data,
        },
      };
    }
  }
  throw new Error(`no button ${label}`);
}

const textsTo = () => (fake.messages(ADMIN) as Message[]).map((m) => m.text ?? "").filter(Boolean);

function env(dir: string): Record<string, string> {
  return {
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: server.url,
    PGLITE_DIR: join(dir, "pglite"),
    PII_KEY_FILE: join(dir, "pii.key"),
    ADMIN_TELEGRAM_IDS: String(ADMIN),
  };
}

async function stop(p: RunningProcess, signal: NodeJS.Signals) {
  p.child.kill(signal);
  return p.exited;
}

beforeAll(async () => {
  fake = createFakeTelegram({ getUpdatesDelayMs: 200 });
  server = await startFakeBotApiServer(fake);
});
afterAll(async () => {
  await server?.close();
});

describe("the real process on Telegram (long polling over HTTP)", () => {
  it("answers /start, survives kill -9 mid-flow and resumes at the same step, and stops cleanly on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pendamping-proc-"));
    let p = startMain(env(dir));
    try {
      fake.queueUpdate(textUpdate("/start"));
      await waitFor(() => textsTo().some((t) => t.includes("selamat datang kembali")), 60_000, "the answer to /start");
      expect(p.stderr()).toContain("RUNNING ON THE EMBEDDED PGlite DATABASE");
      expect(fake.callsOf("setMyCommands").length).toBeGreaterThan(0);

      // Start a household registration and answer two questions.
      fake.queueUpdate(textUpdate("/daftar"));
      await waitFor(() => textsTo().some((t) => t.includes("bacakan ini kepada keluarga")), 20_000, "the consent text");
      fake.queueUpdate(tapUpdate("✅ Keluarga setuju"));
      await waitFor(() => textsTo().some((t) => t.includes("nama lengkap Kepala Keluarga")), 20_000, "the name question").catch((e) => { throw new Error(e.message + "\n" + p.stderr().slice(-3000)); });
      fake.queueUpdate(textUpdate("Siti Aminah"));
      await waitFor(() => textsTo().some((t) => t.includes("Ketik NIK Siti Aminah")), 20_000, "the NIK question");

      // kill -9: no chance to clean up.
      expect(await stop(p, "SIGKILL")).toBe("SIGKILL");
      p = startMain(env(dir));
      fake.queueUpdate(textUpdate("3201014508680001"));
      await waitFor(() => textsTo().some((t) => t.includes("NIK diterima: 3201••••••••0001")), 60_000, "the NIK confirmation after restart");
      await waitFor(() => textsTo().some((t) => t.includes("Perempuan, lahir 5 Agustus 1968")), 20_000, "the next step");

      // SIGTERM: finishes and exits 0, releasing the embedded database.
      expect(await stop(p, "SIGTERM")).toBe(0);
      expect(p.stderr()).toContain("stopped");
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) await stop(p, "SIGKILL");
    }
  }, 180_000);
});

describe("start-up checks", () => {
  it("stops with one clear message for a bad DATABASE_URL and for malformed ADMIN_TELEGRAM_IDS", async () => {
    const p = startMain({ DATABASE_URL: "mysql://localhost/db", ADMIN_TELEGRAM_IDS: "123,abc" }, { stdin: "" });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain("DATABASE_URL expects a PostgreSQL connection URL");
    expect(p.stderr()).toContain('ADMIN_TELEGRAM_IDS expects comma-separated numeric Telegram user ids (e.g. 123456789,987654321); "abc" is not one');
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("says plainly when PostgreSQL cannot be reached", async () => {
    const p = startMain({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" }, { stdin: "" });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain("Cannot reach the database (PostgreSQL at 127.0.0.1:1/none)");
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("refuses a second process on the same embedded database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pendamping-lock-"));
    const first = startMain({ PGLITE_DIR: join(dir, "pglite"), PII_KEY_FILE: join(dir, "pii.key") });
    try {
      await waitFor(() => first.stdout().includes("SIMULASI") || first.stdout().includes("SIMULATION"), 60_000, "the simulator");
      const second = startMain({ PGLITE_DIR: join(dir, "pglite"), PII_KEY_FILE: join(dir, "pii.key") }, { stdin: "" });
      expect(await second.exited).toBe(1);
      expect(second.stderr()).toContain("is in use by another Pendamping process");
    } finally {
      first.child.stdin!.end();
      await first.exited;
    }
  }, 120_000);
});
