/**
 * The local simulator: `npm start` without BOT_TOKEN. It runs the REAL bot (every handler,
 * flow, job and the embedded database) against the in-process fake Bot API, and lets a
 * developer play several Telegram users from the terminal. No message ever leaves the
 * machine.
 *
 *   printf '/start\n#1\n' | npm start      (piped: one line = one message, exits at the end)
 *   npm start                              (interactive: a prompt per simulated user)
 *
 * Layout: world.ts (people, clock, what persists), telegram.ts (the fake Bot API with the
 * world's rules, drawing on the terminal), render.ts (Telegram messages as terminal text),
 * terminal.ts (the screen), actions.ts (what a person does), commands.ts (":help" …),
 * startup.ts (seeding and notes at start-up), demo.ts (the demo world).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { BotError, type ApiClientOptions } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { App, createApp } from "../../app.js";
import type { Config } from "../../config.js";
import { createLogger } from "../../logger.js";
import { registerDefaultCommands } from "../../bot/commands/menu.js";
import { SimActions } from "./actions.js";
import { runCommand, userLine, type CommandContext } from "./commands.js";
import { shownPath } from "./render.js";
import { STARTUP_STEPS, type StartupResult } from "./startup.js";
import { createSimulatedTelegram } from "./telegram.js";
import { Terminal, type SimulatorOutput } from "./terminal.js";
import { GROUP_CHAT, World, fullName, loadState, saveState } from "./world.js";

export { decodeHtmlEntities, parseTelegramHtml } from "../fake-bot-api/html.js";
export { renderEntities } from "./render.js";
export type { SimulatorOutput } from "./terminal.js";

/** Starts the app with the given options (main.ts wraps createApp with friendly start-up errors). */
export type StartApp = (opts: Parameters<typeof createApp>[1]) => Promise<App>;

export interface SimulatorOptions {
  startApp: StartApp;
  /** One message per line. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: SimulatorOutput;
  /** The app's configuration. The simulated admin is added to ADMIN_TELEGRAM_IDS. */
  config: Config;
  /** Application log file (default ./data/simulator.log). */
  logFile?: string;
  /** Where files the bot sends (exports, charts) are saved (default ./data/simulator-files). */
  filesDir?: string;
  /** Keeps message-id counters and added users across runs (the database persists too). */
  stateFile?: string;
  /** ANSI styling; default: when the output is a TTY. */
  color?: boolean;
  /** Prompt and line editing; default: when the input is a TTY. Otherwise input lines are echoed. */
  interactive?: boolean;
  /** Start with the demo world (a registered volunteer with families and visits); default true. */
  demo?: boolean;
}

export interface SimulatorHandle {
  /** Resolves when the input has ended (or :quit) and the app is closed. */
  done: Promise<void>;
  /** Stops reading input; `done` resolves once the current line is handled and the app closed. */
  stop(): void;
  /** The running app (undefined before start-up and after close); tests call its Bot API. */
  app(): App | undefined;
}

/** A complete getMe result for the simulated bot. */
export const SIMULATOR_BOT_INFO: UserFromGetMe = {
  id: 1000000001,
  is_bot: true,
  first_name: "Pendamping",
  username: "PendampingSimBot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

export function createSimulator(opts: SimulatorOptions): SimulatorHandle {
  const { config, output } = opts;
  const interactive = opts.interactive ?? opts.input.isTTY === true;
  const logFile = resolve(opts.logFile ?? "./data/simulator.log");
  const filesDir = resolve(opts.filesDir ?? "./data/simulator-files");
  const world = new World(loadState(opts.stateFile));
  const terminal = new Terminal(output, world, opts.color ?? output.isTTY === true);
  const fake = createSimulatedTelegram({ botInfo: SIMULATOR_BOT_INFO, world, terminal, filesDir });
  let app: App | undefined;

  async function dispatch(update: Record<string, unknown>): Promise<void> {
    if (app === undefined) return;
    try {
      await app.bot.handleUpdate(update as unknown as Update);
    } catch (err) {
      const inner = err instanceof BotError ? err.error : err;
      terminal.out(`⚠️  ${terminal.bold("Kesalahan saat memproses pesan ini:")} ${inner instanceof Error ? inner.message : String(inner)}`);
      app.deps.logger.error({ update_id: update["update_id"], err: inner instanceof Error ? { message: inner.message, stack: inner.stack } : String(inner) }, "simulator: update failed");
    }
  }

  const actions = new SimActions(world, fake, terminal, dispatch);

  async function runJobs(verbose: boolean): Promise<void> {
    if (app === undefined) return;
    let total = 0;
    for (let round = 0; round < 20; round++) {
      let ran = 0;
      try {
        ran = await app.worker.runDue();
      } catch (err) {
        terminal.out(`⚠️  Tugas latar gagal: ${(err as Error).message}`);
        break;
      }
      total += ran;
      if (ran === 0) break;
    }
    if (verbose) terminal.note(total === 0 ? "(tidak ada tugas latar yang jatuh tempo)" : `(${total} tugas latar dijalankan)`);
  }

  const commands: CommandContext = { world, terminal, actions, fake, app: () => app, runJobs };

  /** Handles one input line; returns false to quit. */
  async function handleLine(raw: string): Promise<boolean> {
    const line = raw.trim();
    if (line === "") return true;
    if (line.startsWith(":")) return runCommand(commands, line);
    const tapMatch = /^#(\d+)$/.exec(line);
    if (tapMatch !== null) await actions.tap(Number(tapMatch[1]));
    else await actions.sendText(line);
    return true;
  }

  function promptText(): string {
    const who = `${world.current.firstName} (${world.current.role})`;
    const where = world.inGroup ? ` @ ${GROUP_CHAT.title}` : "";
    const clock = world.clockOffsetMs === 0 ? "" : ` [${world.now().toISOString().replace("T", " ").slice(5, 16)}]`;
    return `${who}${where}${clock}> `;
  }

  function banner(): void {
    const rule = "═".repeat(72);
    const db = config.DATABASE_URL ? "PostgreSQL dari DATABASE_URL" : `basis data lokal PGlite di ${config.PGLITE_DIR}`;
    terminal.out(rule);
    terminal.out(terminal.bold("  PENDAMPING — MODE SIMULASI (SIMULATION)"));
    terminal.out("  Ini simulasi lokal: TIDAK ADA pesan yang dikirim ke Telegram.");
    terminal.out(`  Bot yang sebenarnya berjalan di sini, dengan ${db}.`);
    terminal.out(rule);
    terminal.out("Perintah penting:");
    terminal.out("  #N  tekan tombol N      :user N  ganti pengguna      :users  daftar pengguna");
    terminal.out("  :contact  :location  :photo  :doc      :group  tulis di Grup Koordinator");
    terminal.out("  :jobs  jalankan tugas latar   :pagi  pesan pagi   :time +1d  majukan jam   :help  semua   :quit  keluar");
    terminal.out("Menghubungkan ke Telegram sungguhan: buat bot lewat @BotFather, tulis BOT_TOKEN=… di .env,");
    terminal.out("lalu jalankan npm start. Untuk produksi set juga DATABASE_URL (PostgreSQL) dan PII_KEY.");
    terminal.note(`Log aplikasi: ${shownPath(logFile)}`);
  }

  /** Who is who in the bot now, and where to begin: a volunteer must register (and be approved) first. */
  async function guide(a: App): Promise<void> {
    const rows = await a.deps.db.selectFrom("users").select(["telegram_id", "role", "status", "area_code"]).where("telegram_id", "in", world.users.map((u) => u.id)).execute();
    terminal.out(`Anda sekarang: ${terminal.bold(`${fullName(world.current)} (${world.current.role})`)}. Pengguna simulasi:`);
    for (const u of world.users) terminal.out(userLine(world, terminal, u));
    terminal.out(terminal.bold("Mulai dari sini:"));
    for (const u of world.users) {
      const row = rows.find((r) => Number(r.telegram_id) === u.id);
      const who = `  • ${fullName(u)} (:user ${u.n})`;
      if (u.role === "relawan") {
        if (row?.role === "volunteer" && row.status === "active") terminal.out(`${who}: relawan terdaftar — coba /keluarga, /kunjungan, /daftar (keluarga baru).`);
        else if (row?.role === "volunteer" && row.status === "pending") terminal.out(`${who}: pendaftaran relawan menunggu persetujuan koordinator/admin.`);
        else terminal.out(`${who}: BELUM terdaftar. Relawan harus mendaftar dulu: /start → "Saya relawan", lalu disetujui koordinator/admin.`);
      } else if (u.role === "koordinator") {
        terminal.out(`${who}: ${u.admin ? "admin" : "koordinator"} — /rekap, /ekspor, /relawan, /persetujuan, /peringatan; :pagi untuk ringkasan pagi.`);
      } else {
        terminal.out(`${who}: warga — /start → "Cek status bantuan" dengan kode keluarga.`);
      }
    }
  }

  let rl: ReturnType<typeof createInterface> | undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    rl?.close();
  };

  async function run(): Promise<void> {
    banner();
    for (const u of world.users) if (u.admin && !config.ADMIN_TELEGRAM_IDS.includes(u.id)) config.ADMIN_TELEGRAM_IDS.push(u.id);

    mkdirSync(dirname(logFile), { recursive: true });
    const file = pino.destination({ dest: logFile, mkdir: true, sync: true });
    const destination = {
      write(chunk: string): void {
        file.write(chunk);
        try {
          const entry = JSON.parse(chunk) as { level?: number; msg?: string; err?: { message?: string } };
          if ((entry.level ?? 0) >= 50) terminal.note(`(log ${entry.msg ?? "error"}${entry.err?.message ? `: ${entry.err.message}` : ""} — lihat ${shownPath(logFile)})`);
        } catch {
          // not JSON: nothing to show
        }
      },
    };
    const logger = createLogger({ level: config.LOG_LEVEL, destination });

    const started = Date.now();
    terminal.note("⏳ Menyiapkan basis data dan bot…");
    app = await opts.startApp({
      logger,
      now: () => world.now(),
      botConfig: { botInfo: SIMULATOR_BOT_INFO, client: { fetch: fake.fetch as unknown as NonNullable<ApiClientOptions["fetch"]> } },
    });
    const stops: StartupResult["stop"][] = [];
    try {
      const row = await app.deps.db.selectFrom("processed_update").select((eb) => eb.fn.max("update_id").as("max")).executeTakeFirst();
      world.nextUpdateId = Number(row?.max ?? 0) + 1;
      const known = await app.deps.db.selectFrom("users").select("telegram_id").where("telegram_id", "in", world.users.map((u) => u.id)).execute();
      for (const r of known) world.startedChats.add(Number(r.telegram_id));
      await registerDefaultCommands(app.bot.api, app.deps.i18n).catch((err) => logger.warn({ err: (err as Error).message }, "could not register the command menu"));
      for (const step of STARTUP_STEPS) {
        try {
          const result = await step.run({ app, world, demo: opts.demo ?? true });
          for (const line of result.notes ?? []) terminal.out(line);
          if (result.stop) stops.push(result.stop);
        } catch (err) {
          terminal.out(`⚠️  Langkah awal "${step.name}" gagal: ${(err as Error).message}`);
        }
      }
      await guide(app);
      terminal.note(`✅ Siap dalam ${((Date.now() - started) / 1000).toFixed(1)} dtk. Ketik /start untuk mulai (sebagai ${fullName(world.current)}), :help untuk bantuan.`);

      rl = createInterface({
        input: opts.input,
        ...(interactive ? { output: output as NodeJS.WritableStream, terminal: true } : { terminal: false }),
        crlfDelay: Infinity,
      });
      if (interactive) {
        rl.on("SIGINT", () => {
          terminal.out("");
          stop();
        });
        rl.setPrompt(promptText());
        rl.prompt();
      }
      if (!stopped) {
        for await (const line of rl) {
          if (!interactive && line.trim() !== "") terminal.out(`${terminal.bold(promptText())}${line}`);
          let keepGoing = true;
          try {
            keepGoing = await handleLine(line);
            await runJobs(false);
          } catch (err) {
            terminal.out(`⚠️  ${(err as Error).message}`);
          }
          if (!keepGoing || stopped) break;
          if (interactive) {
            rl.setPrompt(promptText());
            rl.prompt();
          }
        }
      }
      rl.close();
    } finally {
      const nextIds: Record<string, number> = {};
      for (const chat of world.chats()) {
        const next = fake.nextMessageId(chat.id);
        if (next !== undefined) nextIds[String(chat.id)] = next;
      }
      saveState(opts.stateFile, world.toPersist(nextIds));
      for (const s of stops) await s?.().catch(() => undefined);
      await app.close();
      file.flushSync();
      file.end();
      terminal.note("(simulasi selesai; basis data disimpan)");
    }
  }

  const done = run().finally(() => {
    app = undefined;
  });
  return { done, stop, app: () => app };
}

/** `npm start` without BOT_TOKEN: the simulator on stdin/stdout, exiting 0 when done. */
export async function runSimulator(config: Config, startApp: StartApp): Promise<void> {
  // The simulated world (message-id counters, added users) lives beside the database it belongs to.
  const stateFile = config.DATABASE_URL ? "./data/simulator-state.json" : join(dirname(resolve(config.PGLITE_DIR)), "simulator-state.json");
  const sim = createSimulator({ startApp, input: process.stdin, output: process.stdout, config, stateFile });
  const onSignal = () => sim.stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await sim.done;
  } catch (err) {
    process.stderr.write(`\nThe simulator stopped: ${(err as Error).message}\n\n`);
    process.exit(1);
  }
  process.exit(0);
}
