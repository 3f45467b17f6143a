import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { GrammyError, InlineKeyboard, InputFile, Keyboard } from "grammy";
import { createApp } from "../../src/app.js";
import { parseConfig } from "../../src/config.js";
import { createSimulator, decodeHtmlEntities, parseTelegramHtml, renderEntities, type SimulatorHandle } from "../../src/dev/simulator/index.js";
import { freshDb } from "../support/db.js";

const TIMEOUT = 60_000;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A simulator on a fresh in-memory database (the migrated snapshot), a temp PII key and a string output. */
function startSimulator(input: NodeJS.ReadableStream, extra: { demo?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "pendamping-sim-"));
  dirs.push(dir);
  const config = parseConfig({ PII_KEY_FILE: join(dir, "pii.key"), LOG_LEVEL: "info" });
  const output = { text: "", write(chunk: string) { this.text += chunk; } };
  const sim = createSimulator({
    startApp: async (opts) => createApp(config, { ...opts, dbHandle: await freshDb() }),
    input,
    output,
    config,
    logFile: join(dir, "simulator.log"),
    filesDir: join(dir, "files"),
    ...extra,
  });
  return { sim, output, dir, config };
}

async function waitFor(sim: SimulatorHandle, output: { text: string }, needle: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (output.text.includes(needle)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for "${needle}" in:\n${output.text}`);
}

describe("simulator", () => {
  it(
    "runs the real bot for piped lines and exits at the end of input",
    async () => {
      const input = Readable.from([":user 4\n", "/start\n", "#3\n", ":user 2\n", "/bantuan\n"]);
      const { sim, output, config, dir } = startSimulator(input);
      await sim.done;
      const text = output.text;

      expect(text).toContain("MODE SIMULASI (SIMULATION)");
      expect(text).toContain("TIDAK ADA pesan yang dikirim ke Telegram");
      expect(text).toContain("@BotFather");
      expect(config.ADMIN_TELEGRAM_IDS).toContain(700000002);
      // The first screen says who is registered and that a new volunteer registers first.
      expect(text).toContain("Siti Rahma (:user 1): relawan terdaftar");
      expect(text).toContain('Dewi Lestari (:user 4): BELUM terdaftar. Relawan harus mendaftar dulu: /start → "Saya relawan"');

      // /start as Dewi (not registered): the Indonesian welcome (HTML rendered as plain text) with numbered buttons.
      const afterStart = text.slice(text.indexOf("Dewi (relawan)> /start"));
      expect(afterStart).toContain("🤖 Halo Dewi, selamat datang di Pendamping 👋");
      expect(afterStart).not.toContain("<b>");
      expect(afterStart).toContain("[1] 🙋 Saya relawan (PSM)");
      expect(afterStart).toContain("[2] 🔎 Cek status bantuan");
      expect(afterStart).toContain("[3] 🏢 Saya koordinator / Dinas Sosial");

      // #3 taps the coordinator button: the invitation explanation.
      const afterTap = text.slice(text.indexOf("Dewi (relawan)> #3"));
      expect(afterTap).toContain("tautan undangan");

      // :user 2 switches to the admin coordinator, whose /bantuan lists the admin commands.
      const afterSwitch = text.slice(text.indexOf("Dewi (relawan)> :user 2"));
      expect(afterSwitch).toContain("sekarang Anda Budi Santoso");
      const afterHelp = text.slice(text.indexOf("Budi (koordinator)> /bantuan"));
      expect(afterHelp).toContain("Perintah untuk admin:");
      expect(afterHelp).toContain("/bantuan — Daftar perintah");

      expect(text).toContain("simulasi selesai");
      expect(sim.app()).toBeUndefined();
      // The app logs to the file, not to the terminal.
      expect(readFileSync(join(dir, "simulator.log"), "utf8")).toContain("new user");
      expect(text).not.toContain('"level"');
    },
    TIMEOUT,
  );

  it(
    "starts with a demo world: a registered volunteer with families and visits, so /keluarga and /rekap show them",
    async () => {
      const input = Readable.from(["/keluarga\n", ":user 2\n", "/rekap\n"]);
      const { sim, output, dir } = startSimulator(input);
      await sim.done;
      const text = output.text;
      expect(text).toContain("Dunia demo dibuat: Siti Rahma sudah terdaftar dan disetujui sebagai relawan di Desa Pondok Rajeg");
      const list = text.slice(text.indexOf("Siti (relawan)> /keluarga"), text.indexOf("Siti (relawan)> :user 2"));
      for (const name of ["Suparman", "Wartini", "Ujang Sutisna"]) expect(list).toContain(name);
      const rekap = text.slice(text.indexOf("Budi (koordinator)> /rekap"));
      expect(rekap).toMatch(/Keluarga[^\n]*3/);
      // The chart is saved and its path printed, as documents are.
      expect(rekap).toMatch(/\[foto, \d+ KB → [^\]]*kunjungan-per-minggu\.png\]/);
      expect(existsSync(join(dir, "files", "kunjungan-per-minggu.png"))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "without the demo world a fresh volunteer is told to register first",
    async () => {
      const input = Readable.from(["/keluarga\n"]);
      const { sim, output } = startSimulator(input, { demo: false });
      await sim.done;
      expect(output.text).not.toContain("Dunia demo dibuat");
      expect(output.text).toContain("Siti Rahma (:user 1): BELUM terdaftar. Relawan harus mendaftar dulu");
    },
    TIMEOUT,
  );

  it(
    "fakes the Bot API like Telegram: uploads, edits, deletions, toasts and messages to other users",
    async () => {
      const input = new PassThrough();
      const { sim, output, dir } = startSimulator(input, { demo: false });
      input.write("/start\n");
      await waitFor(sim, output, "Siapa Anda?");
      const app = sim.app();
      expect(app).toBeDefined();
      const api = app!.bot.api;

      const doc = await api.sendDocument(700000001, new InputFile(Buffer.from("a,b\n1,2\n"), "rekap.csv"), { caption: "<b>Ekspor</b> siap" });
      expect(doc.document?.file_name).toBe("rekap.csv");
      expect(doc.caption).toBe("Ekspor siap");
      expect(output.text).toContain("[dokumen: rekap.csv, 8 B");
      expect(readFileSync(join(dir, "files", "rekap.csv"), "utf8")).toBe("a,b\n1,2\n");

      const sent = await api.sendMessage(700000001, "a &lt; b &amp; <i>c</i> &#128075;", {
        reply_markup: new InlineKeyboard().text("Ya", "x:yes").text("Tidak", "x:no"),
      });
      expect(sent.text).toBe("a < b & c 👋");
      expect(sent.entities).toEqual([{ type: "italic", offset: 8, length: 1 }]);
      expect(output.text).toContain("[1] Ya   [2] Tidak");
      await api.editMessageText(700000001, sent.message_id, "diubah");
      expect(output.text).toContain("(diubah) diubah");
      await expect(api.editMessageText(700000001, sent.message_id, "diubah")).rejects.toThrow(/message is not modified/);
      await expect(api.sendMessage(700000001, "<b>tidak ditutup")).rejects.toBeInstanceOf(GrammyError);
      await api.deleteMessage(700000001, sent.message_id);
      expect(output.text).toContain('(pesan dihapus: "diubah")');

      // Ibu Aminah never started the bot: Telegram refuses; after /start she gets messages, queued.
      await expect(api.sendMessage(700000003, "halo")).rejects.toThrow(/can't initiate conversation/);
      input.write(":user 3\n/start\n:user 1\n");
      await waitFor(sim, output, "(warga)> :user 1");
      await api.sendMessage(700000003, "Pesan untuk Ibu Aminah");
      expect(output.text).toContain("📨 untuk Ibu Aminah (warga): Pesan untuk Ibu Aminah");
      input.write(":user 3\n");
      await waitFor(sim, output, "1 pesan belum dibaca");

      // Reply keyboards are numbered too; a contact button shares the user's own contact.
      input.write(":user 1\n");
      await waitFor(sim, output, "(warga)> :user 1");
      await api.sendMessage(700000001, "Nomor HP Anda?", { reply_markup: new Keyboard().requestContact("📱 Kirim nomor").text("Lewati").resized() });
      expect(output.text).toContain("[1] 📱 Kirim nomor (📱 kirim kontak)   [2] Lewati");
      input.write("#1\n");
      await waitFor(sim, output, "→ 📱 Kirim nomor");

      // A stale inline button gets the fallback toast ("(notifikasi) …").
      await api.sendMessage(700000001, "Lanjut?", { reply_markup: new InlineKeyboard().text("Ya", "nothing:here") });
      input.write("#1\n:quit\n");
      await sim.done;
      expect(output.text).toContain("(notifikasi) Tombol ini sudah tidak berlaku.");
      expect(existsSync(join(dir, "simulator.log"))).toBe(true);
    },
    TIMEOUT,
  );
});

describe("Telegram HTML in the terminal", () => {
  it("parses entities with UTF-16 offsets and rejects what Telegram rejects", () => {
    expect(parseTelegramHtml('<b>Halo</b> 👋 <a href="https://x.id/?a=1&amp;b=2">tautan</a>')).toEqual({
      text: "Halo 👋 tautan",
      entities: [
        { type: "bold", offset: 0, length: 4 },
        { type: "text_link", offset: 8, length: 6, url: "https://x.id/?a=1&b=2" },
      ],
    });
    expect(() => parseTelegramHtml("a < b")).toThrow(/can't parse entities/);
    expect(() => parseTelegramHtml("<br>")).toThrow(/unsupported start tag "br"/);
    expect(() => parseTelegramHtml("<b><i>x</b></i>")).toThrow(/unmatched end tag/);
    expect(decodeHtmlEntities("&lt;&gt;&amp;&quot;&#65;&#x42;&nbsp;")).toBe('<>&"AB&nbsp;');
  });

  it("renders bold with ANSI only when colour is on, and shows link targets", () => {
    const { text, entities } = parseTelegramHtml('<b>Pendamping</b> <a href="https://t.me/x">buka</a>');
    expect(renderEntities(text, entities, false)).toBe("Pendamping buka (https://t.me/x)");
    expect(renderEntities(text, entities, true)).toContain("\x1b[1mPendamping");
  });
});
