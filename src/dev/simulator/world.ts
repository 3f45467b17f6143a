/**
 * The simulated world: the people the developer plays, the group chat, the simulated clock,
 * and what survives between runs (message-id counters and added people, kept beside the
 * database they belong to).
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Chat, User as TgUser } from "grammy/types";

export const ROLES = ["relawan", "koordinator", "warga"] as const;
export type SimRole = (typeof ROLES)[number];

export interface SimUser {
  /** Number shown in :users (":user 2"). */
  n: number;
  /** Telegram user id (= private chat id). */
  id: number;
  firstName: string;
  lastName?: string;
  username?: string;
  role: SimRole;
  phone: string;
  /** In ADMIN_TELEGRAM_IDS. */
  admin: boolean;
  /** What the banner says about this person (e.g. "registered volunteer with demo data"). */
  about?: string;
}

export const BASE_USER_ID = 700000000;
export const GROUP_CHAT = { id: -1001700000001, type: "supergroup" as const, title: "Grup Koordinator" };
/** A point in Kab. Bogor (Cibinong). */
export const DEFAULT_LOCATION = { latitude: -6.481517, longitude: 106.854136 };
const NEW_USER_NAMES: Record<SimRole, string[]> = {
  relawan: ["Agus Wibowo", "Rina Marlina", "Joko Susilo", "Dewi Anggraini"],
  koordinator: ["Hendra Gunawan", "Yuni Kartika", "Bambang Prasetyo"],
  warga: ["Pak Darto", "Ibu Sumiati", "Pak Slamet", "Ibu Wati"],
};

export function makeUser(n: number, role: SimRole, name: string, extra: { admin?: boolean; username?: string; about?: string } = {}): SimUser {
  const [first, ...rest] = name.trim().split(/\s+/);
  const user: SimUser = { n, id: BASE_USER_ID + n, firstName: first ?? name, role, phone: `+62812000000${n}`, admin: extra.admin === true };
  if (rest.length > 0) user.lastName = rest.join(" ");
  if (extra.username !== undefined) user.username = extra.username;
  if (extra.about !== undefined) user.about = extra.about;
  return user;
}

/** The people every simulation starts with (ids are stable: the database remembers them). */
export function defaultUsers(): SimUser[] {
  return [
    makeUser(1, "relawan", "Siti Rahma", { username: "siti_rahma" }),
    makeUser(2, "koordinator", "Budi Santoso", { admin: true, username: "budi_dinsos" }),
    makeUser(3, "warga", "Ibu Aminah"),
    makeUser(4, "relawan", "Dewi Lestari", { username: "dewi_lestari" }),
  ];
}
const DEFAULT_USER_COUNT = 4;

export function fullName(u: SimUser): string {
  return [u.firstName, u.lastName].filter(Boolean).join(" ");
}

export function tgUser(u: SimUser): TgUser {
  const user: TgUser = { id: u.id, is_bot: false, first_name: u.firstName, language_code: "id" };
  if (u.lastName !== undefined) user.last_name = u.lastName;
  if (u.username !== undefined) user.username = u.username;
  return user;
}

export function privateChat(u: SimUser): Chat {
  const chat: Chat.PrivateChat = { id: u.id, type: "private", first_name: u.firstName };
  if (u.lastName !== undefined) chat.last_name = u.lastName;
  if (u.username !== undefined) chat.username = u.username;
  return chat;
}

// === Persistence between runs

export interface PersistedState {
  nextMessageIds?: Record<string, number>;
  users?: { n: number; role: SimRole; name: string }[];
  groupJoined?: boolean;
}

export function loadState(file: string | undefined): PersistedState {
  if (file === undefined || !existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as PersistedState) : {};
  } catch {
    return {};
  }
}

export function saveState(file: string | undefined, state: PersistedState): void {
  if (file === undefined) return;
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  } catch {
    // Losing the counters only means message ids restart; not worth failing the exit for.
  }
}

// === The world

export class World {
  readonly users: SimUser[];
  current: SimUser;
  /** Writing in the group chat instead of the current person's private chat. */
  inGroup = false;
  groupJoined: boolean;
  groupCreator: number | undefined;
  /** Private chats the bot may write to (the person has started the bot). */
  readonly startedChats = new Set<number>();
  /** Shift of the simulated clock against the machine's clock. */
  clockOffsetMs = 0;
  nextUpdateId = 1;
  /** Per chat: a bot message with force_reply that the next text message answers. */
  readonly forceReplyTo = new Map<number, number>();
  /** Per chat and person: their last message (for :edit). */
  readonly lastUserMessage = new Map<string, number>();
  /** Files the bot sent that were saved to disk, by file_id. */
  readonly savedFiles = new Map<string, string>();
  private readonly persisted: PersistedState;

  constructor(persisted: PersistedState) {
    this.persisted = persisted;
    this.users = defaultUsers();
    for (const u of persisted.users ?? []) {
      if (!this.users.some((x) => x.n === u.n) && ROLES.includes(u.role)) this.users.push(makeUser(u.n, u.role, u.name));
    }
    this.users.sort((a, b) => a.n - b.n);
    this.current = this.users[0] as SimUser;
    this.groupJoined = persisted.groupJoined === true;
  }

  /** The app clock of the simulation: the machine's clock, shifted by :time. */
  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  unixNow(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  currentChatId(): number {
    return this.inGroup ? GROUP_CHAT.id : this.current.id;
  }

  /** Every chat the simulation has: the people's private chats and the group. */
  chats(): Chat[] {
    return [...this.users.map(privateChat), { ...GROUP_CHAT }];
  }

  /** The first message id of a chat in this run (ids below were used by earlier runs). */
  firstMessageId(chatId: number): number {
    return this.persisted.nextMessageIds?.[String(chatId)] ?? 1;
  }

  userById(id: number): SimUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  findUser(arg: string): SimUser | undefined {
    if (/^\d+$/.test(arg)) return this.users.find((u) => u.n === Number(arg));
    const lower = arg.toLowerCase();
    return this.users.find((u) => u.role === lower) ?? this.users.find((u) => fullName(u).toLowerCase().includes(lower));
  }

  addUser(role: SimRole, name?: string): SimUser {
    const n = Math.max(...this.users.map((u) => u.n)) + 1;
    const taken = new Set(this.users.map(fullName));
    const chosen = name || NEW_USER_NAMES[role].find((x) => !taken.has(x)) || `${role[0]!.toUpperCase()}${role.slice(1)} ${n}`;
    const u = makeUser(n, role, chosen);
    this.users.push(u);
    return u;
  }

  roleLabel(u: SimUser): string {
    return u.admin ? `${u.role}, admin` : u.role;
  }

  chatLabel(chatId: number): string {
    if (chatId === GROUP_CHAT.id) return GROUP_CHAT.title;
    const u = this.userById(chatId);
    return u === undefined ? `chat ${chatId}` : `${fullName(u)} (${u.role})`;
  }

  /** The simulator command that shows a chat. */
  switchHint(chatId: number): string {
    if (chatId === GROUP_CHAT.id) return ":group";
    const u = this.userById(chatId);
    if (u === undefined) return "";
    return u.id === this.current.id ? ":private" : `:user ${u.n}`;
  }

  /** What to keep for the next run, given each chat's next message id. */
  toPersist(nextMessageIds: Record<string, number>): PersistedState {
    return {
      nextMessageIds: { ...(this.persisted.nextMessageIds ?? {}), ...nextMessageIds },
      users: this.users.filter((u) => u.n > DEFAULT_USER_COUNT).map((u) => ({ n: u.n, role: u.role, name: fullName(u) })),
      groupJoined: this.groupJoined,
    };
  }
}
