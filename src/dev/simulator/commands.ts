/**
 * The simulator's own commands (":help", ":user 2", ":photo", ":pagi", ":time +1d"…): what
 * a developer types to act as someone else, share media, run background work or move the
 * clock. Anything else typed is sent to the bot as the current person.
 *
 * @module
 */
import type { App } from "../../app.js";
import { triggerMorning } from "../../bot/visits/index.js";
import type { FakeBotApi } from "../fake-bot-api/index.js";
import type { SimActions } from "./actions.js";
import type { Terminal } from "./terminal.js";
import { GROUP_CHAT, ROLES, fullName, type SimRole, type SimUser, type World } from "./world.js";

export const HELP = [
  "Tulis pesan biasa atau /perintah untuk mengirimnya ke bot sebagai pengguna saat ini.",
  "  #N                    tekan tombol N dari pesan terbaru yang punya tombol (inline atau keyboard)",
  "  :users                daftar pengguna simulasi",
  "  :user N | relawan | koordinator | warga    ganti pengguna (chat pribadinya)",
  "  :new relawan|koordinator|warga [nama]      tambah pengguna simulasi",
  "  :contact [+62…]       kirim kontak sendiri (atau nomor orang lain)",
  "  :location [LAT LON]   kirim lokasi (bawaan: Cibinong, Kab. Bogor)",
  "  :photo [keterangan]   kirim foto      :sticker   :voice   :doc [nama-file]",
  "  :edit TEKS            ubah pesan terakhir Anda (edited_message)",
  "  :say TEKS             kirim TEKS apa adanya (mis. teks yang diawali # atau :)",
  '  :group / :private     menulis di "Grup Koordinator" / kembali ke chat pribadi',
  "  :menu                 menu perintah Telegram untuk chat ini",
  "  :jobs                 jalankan tugas latar yang sudah jatuh tempo",
  "  :pagi                 jalankan pengingat pagi (07.00) dan ringkasan koordinator/admin sekarang",
  "  :time +Nd|+Nh|+Nm|reset   geser jam simulasi (saat ini: {time})",
  "  :help                 bantuan ini      :quit   keluar (juga Ctrl-C / Ctrl-D)",
];

export interface CommandContext {
  world: World;
  terminal: Terminal;
  actions: SimActions;
  fake: FakeBotApi;
  app(): App | undefined;
  /** Runs due background jobs until none is left (verbose: says how many ran). */
  runJobs(verbose: boolean): Promise<void>;
}

export function userLine(world: World, terminal: Terminal, u: SimUser): string {
  const me = u.id === world.current.id ? terminal.bold("  ← Anda") : "";
  return `  ${u.n}. ${fullName(u).padEnd(16)} ${world.roleLabel(u).padEnd(19)} id ${u.id}  ${u.phone}${me}`;
}

/** "2026-11-28 02:00 UTC (+24 jam)". */
export function formatClock(world: World): string {
  const off = world.clockOffsetMs;
  const shifted = off === 0 ? "" : ` (${off > 0 ? "+" : "-"}${Math.round(Math.abs(off) / 3_600_000)} jam)`;
  return `${world.now().toISOString().replace("T", " ").slice(0, 16)} UTC${shifted}`;
}

function parseShift(arg: string): number | undefined {
  const m = /^([+-]?\d+(?:\.\d+)?)([dhm])$/.exec(arg);
  if (m === null) return undefined;
  const unit = m[2] === "d" ? 86_400_000 : m[2] === "h" ? 3_600_000 : 60_000;
  return Number(m[1]) * unit;
}

export function switchTo(ctx: CommandContext, u: SimUser): void {
  ctx.world.current = u;
  ctx.world.inGroup = false;
  ctx.terminal.note(`(sekarang Anda ${fullName(u)}, ${ctx.world.roleLabel(u)})`);
  ctx.terminal.showUnread(u.id);
}

async function listUsers(ctx: CommandContext): Promise<void> {
  const { world, terminal } = ctx;
  const app = ctx.app();
  const ids = world.users.map((u) => u.id);
  const rows = app === undefined ? [] : await app.deps.db.selectFrom("users").select(["telegram_id", "role", "status"]).where("telegram_id", "in", ids).execute();
  for (const u of world.users) {
    const row = rows.find((r) => Number(r.telegram_id) === u.id);
    terminal.out(`${userLine(world, terminal, u)}${terminal.dim(row === undefined ? "  (belum terdaftar di bot)" : `  (bot: ${row.role}/${row.status})`)}`);
  }
}

function showMenu(ctx: CommandContext): void {
  const { world, fake, terminal } = ctx;
  const scopes = [{ type: "chat", chat_id: world.currentChatId() }, { type: world.inGroup ? "all_group_chats" : "all_private_chats" }, { type: "default" }];
  const found = scopes.map((scope) => fake.myCommands(scope)).find((c) => c !== undefined) as { command: string; description: string }[] | undefined;
  if (found === undefined || found.length === 0) {
    terminal.note("(bot belum mengatur menu perintah untuk chat ini)");
    return;
  }
  for (const c of found) terminal.out(`  /${c.command} — ${c.description}`);
}

type Handler = (ctx: CommandContext, arg: string, words: string[]) => Promise<boolean | void> | boolean | void;

/** Each simulator command under all its names (English and Indonesian). */
const COMMANDS: { names: string[]; run: Handler }[] = [
  { names: ["help", "bantuan"], run: (c) => HELP.forEach((l) => c.terminal.out(l.replace("{time}", formatClock(c.world)))) },
  { names: ["users"], run: (c) => listUsers(c) },
  {
    names: ["user"],
    run: (c, arg) => {
      const u = c.world.findUser(arg);
      if (u === undefined) c.terminal.note(`(pengguna "${arg}" tidak ada; lihat :users)`);
      else switchTo(c, u);
    },
  },
  {
    names: ["new"],
    run: (c, _arg, words) => {
      const role = words[0]?.toLowerCase() as SimRole | undefined;
      if (role === undefined || !ROLES.includes(role)) {
        c.terminal.note("(pakai: :new relawan|koordinator|warga [nama])");
        return;
      }
      const u = c.world.addUser(role, words.slice(1).join(" "));
      c.fake.registerChat({ id: u.id, type: "private", first_name: u.firstName, ...(u.lastName ? { last_name: u.lastName } : {}) });
      c.terminal.note(`(pengguna baru ${u.n}: ${fullName(u)}, ${role}, id ${u.id})`);
      switchTo(c, u);
    },
  },
  {
    names: ["contact", "kontak"],
    run: (c, arg) => {
      if (arg !== "" && !/^\+?\d[\d\s-]{5,}$/.test(arg)) c.terminal.note("(pakai: :contact atau :contact +62812…)");
      else return c.actions.sendContact(arg === "" ? undefined : arg.replace(/[\s-]/g, ""));
    },
  },
  {
    names: ["location", "lokasi"],
    run: (c, arg, words) => {
      if (arg === "") return c.actions.sendLocation();
      const [lat, lon] = words.map(Number);
      if (lat === undefined || lon === undefined || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
        c.terminal.note("(pakai: :location -6.48 106.85)");
        return;
      }
      return c.actions.sendLocation(lat, lon);
    },
  },
  { names: ["photo", "foto"], run: (c, arg) => c.actions.sendPhoto(arg) },
  { names: ["sticker", "stiker"], run: (c) => c.actions.sendSticker() },
  { names: ["voice", "suara"], run: (c) => c.actions.sendVoice() },
  { names: ["doc", "dokumen"], run: (c, arg) => c.actions.sendDocument(arg || "dokumen.pdf") },
  { names: ["edit"], run: (c, arg) => c.actions.editLast(arg) },
  {
    names: ["say", "kirim"],
    run: (c, arg) => {
      if (arg === "") c.terminal.note("(pakai: :say TEKS)");
      else return c.actions.sendText(arg);
    },
  },
  {
    names: ["group", "grup"],
    run: (c) => {
      c.world.inGroup = true;
      c.terminal.note(`(Anda, ${fullName(c.world.current)}, sekarang menulis di ${GROUP_CHAT.title}${c.world.groupJoined ? "" : " — bot akan ditambahkan ke grup saat Anda menulis"})`);
      c.terminal.showUnread(GROUP_CHAT.id);
    },
  },
  { names: ["private", "pribadi"], run: (c) => switchTo(c, c.world.current) },
  { names: ["menu"], run: (c) => showMenu(c) },
  { names: ["jobs"], run: (c) => c.runJobs(true) },
  {
    names: ["pagi", "morning"],
    run: async (c) => {
      const app = c.app();
      if (!app) return;
      // The 07:00 run (reminders and digests) for every time zone, now; people already
      // served today get nothing again, as in production.
      const results = await triggerMorning(app.deps, app.bot.api);
      c.terminal.note(results.map((r) => `(pagi ${r.zone} ${r.date}: ${r.volunteers} relawan, ${r.digests} ringkasan koordinator/admin)`).join("\n"));
      await c.runJobs(false);
    },
  },
  {
    names: ["time", "waktu"],
    run: (c, arg) => {
      if (arg === "reset") c.world.clockOffsetMs = 0;
      else if (arg !== "") {
        const shift = parseShift(arg);
        if (shift === undefined) {
          c.terminal.note("(pakai: :time +2d, :time +3h, :time +30m, :time reset)");
          return;
        }
        c.world.clockOffsetMs += shift;
      }
      c.terminal.note(`(jam simulasi: ${formatClock(c.world)})`);
    },
  },
  { names: ["quit", "exit", "keluar"], run: () => false },
];

/** Runs a ":command" line; false means quit. */
export async function runCommand(ctx: CommandContext, line: string): Promise<boolean> {
  const [rawCmd = "", ...words] = line.slice(1).trim().split(/\s+/);
  const name = rawCmd.toLowerCase();
  const arg = line.slice(1).trim().slice(rawCmd.length).trim();
  const command = COMMANDS.find((c) => c.names.includes(name));
  if (command === undefined) {
    ctx.terminal.note(`(perintah simulator ":${name}" tidak dikenal; ketik :help)`);
    return true;
  }
  return (await command.run(ctx, arg, words)) !== false;
}
