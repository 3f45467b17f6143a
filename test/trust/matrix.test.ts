/**
 * The access matrix of issue 11: every command and every callback prefix the bot registers ×
 * (private chat, group, supergroup) × every role and status. Asserted:
 *
 * - in a group or supergroup, nothing that shows household or volunteer data is sent (no
 *   message, no pop-up, no file), and the database does not change — whoever taps or types;
 * - in a private chat, a user outside the household's scope (another area's volunteer or
 *   coordinator, a coordinator without an area, a beneficiary, a pending, rejected or
 *   suspended account) sees none of its data, and a user without access changes nothing.
 *
 * The callback triggers are read from the bot itself: grammY's `callbackQuery` is wrapped
 * before the app is imported, so a feature added later is covered (or this test says which
 * trigger it could not build a sample for).
 */
import { Composer } from "grammy";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import type { Role, UserStatus } from "../../src/db/schema.js";
import { BOGOR_VILLAGE, H_ADDRESS, H_NAME, MAKASSAR_VILLAGE, dumpDb, seedHousehold, seedUser } from "./support.js";

// === Record every callback trigger the bot registers.

const triggers: (string | RegExp)[] = [];
const original = Composer.prototype.callbackQuery;
Composer.prototype.callbackQuery = function (this: Composer<never>, trigger: unknown, ...rest: unknown[]) {
  for (const t of Array.isArray(trigger) ? trigger : [trigger]) if (typeof t === "string" || t instanceof RegExp) triggers.push(t);
  return (original as (...a: unknown[]) => unknown).call(this, trigger, ...rest);
} as typeof original;

// Test files share their worker's module cache (vitest.config.ts): evaluate the app's modules
// again, so that their registrations reach the wrapper even when an earlier file loaded them.
// grammY itself is loaded by Node (an external dependency) and stays the wrapped one.
vi.resetModules();
const { createTestApp } = await import("../support/app.js");
const { COMMANDS } = await import("../../src/bot/commands/registry.js");
const { issueFamilyPin, createDataRequest } = await import("../../src/db/queries/beneficiary/index.js");

// === Data of one household in Kab. Bogor, and its surroundings.

let t: TestApp;
const ids: Record<string, number> = {};
let refCode = "";
let display = "";

const OWNER = 12001;
const BOGOR_COORD = 12002;
const OWNER_NAME = "Rahmat Hidayat";
const OWNER_PHONE = "+6281211112222";

/** Who acts: every role × status (foreign to the household, in Makassar), plus special cases. */
interface Actor {
  id: number;
  label: string;
  role?: Role;
  status?: UserStatus;
  area?: string | null;
  /** May see the household (its volunteer, its coordinator, admins): only checked in groups. */
  inScope?: boolean;
  /** Has access to staff/volunteer commands at all (then a private chat may change the database). */
  hasAccess?: boolean;
}

const ACTORS: Actor[] = [];
{
  let n = 12100;
  for (const role of ["volunteer", "coordinator", "admin", "beneficiary"] as Role[]) {
    for (const status of ["pending", "active", "rejected", "suspended"] as UserStatus[]) {
      const area = role === "volunteer" ? MAKASSAR_VILLAGE : role === "coordinator" ? "73.71" : null;
      ACTORS.push({
        id: n++,
        label: `${role}/${status}`,
        role,
        status,
        area,
        inScope: role === "admin" && status === "active",
        hasAccess: status === "active" && role !== "beneficiary",
      });
    }
  }
  ACTORS.push({ id: n++, label: "coordinator/active without area", role: "coordinator", status: "active", area: null });
  ACTORS.push({ id: n++, label: "no account" });
  ACTORS.push({ id: OWNER, label: "the household's volunteer", inScope: true });
  ACTORS.push({ id: BOGOR_COORD, label: "the household's coordinator", inScope: true });
}

/** The household's own numbers (the locale's examples use …0001). */
const NIK = "3201014508680017";
const KK = "3201012001150029";
const CHILD_NIK = "3201015203100038";

function secrets(): string[] {
  return [display, refCode, H_NAME, "Aminah", NIK, KK, CHILD_NIK, "3201••••••••0017", "3201••••••••0029", "3201••••••••0038", H_ADDRESS, "Melati", OWNER_NAME, OWNER_PHONE, "Ani Rahmawati"];
}

beforeAll(async () => {
  t = await createTestApp();
  const db = t.app.deps.db;
  const now = new Date(t.clock.now);
  // A coordinator without an area cannot exist any more (constraint); the matrix still
  // proves that one would see nothing.
  await sql`alter table users drop constraint if exists users_active_coordinator_has_area`.execute(db);
  ids["owner"] = await seedUser(t, { telegramId: OWNER, role: "volunteer", name: OWNER_NAME, area: BOGOR_VILLAGE, phone: OWNER_PHONE });
  ids["coord"] = await seedUser(t, { telegramId: BOGOR_COORD, role: "coordinator", name: "Bambang Bogor", area: "32.01" });
  for (const a of ACTORS) {
    if (a.role) await seedUser(t, { telegramId: a.id, role: a.role, status: a.status!, name: `Aktor ${a.id}`, area: a.area ?? null });
  }
  const h = await seedHousehold(t, ids["owner"]!, {
    headNik: NIK,
    kk: KK,
    members: [{ name: "Ani Rahmawati", relationship: "anak", nik: CHILD_NIK, sex: "P", birthDate: "2010-03-12" }],
  });
  ids["h"] = h.id;
  refCode = h.refCode;
  display = h.display;
  const household = await db.selectFrom("households").selectAll().where("id", "=", h.id).executeTakeFirstOrThrow();
  await issueFamilyPin(db, t.app.deps.pii, { household, by: ids["owner"]!, now });
  ids["r"] = (await createDataRequest(db, t.app.deps.pii, { householdId: h.id, chatId: 99, requesterId: null, kind: "correction", details: "nama salah", now })).id;
  ids["visit"] = (
    await db
      .insertInto("visits")
      .values({
        household_id: h.id,
        volunteer_id: ids["owner"]!,
        visited_on: "2026-11-27",
        written_at: now,
        purpose: "asesmen",
        intervention: "kuratif",
        conditions: ["sakit"],
        condition_note: `Ibu ${H_NAME} sakit`,
        follow_up: false,
        urgency: "darurat",
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  ids["a"] = (
    await db
      .insertInto("alerts")
      .values({ visit_id: ids["visit"]!, household_id: h.id, area_code: BOGOR_VILLAGE, status: "resolved", resolved_by: ids["coord"]!, resolved_at: now, resolution_note: "sudah ditangani" })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  const pending = await seedUser(t, { telegramId: 12003, role: "volunteer", status: "pending", name: "Calon Relawan Bogor", area: BOGOR_VILLAGE });
  ids["app"] = (await db.insertInto("volunteer_applications").values({ user_id: pending, kind: "registration", area_code: BOGOR_VILLAGE }).returning("id").executeTakeFirstOrThrow()).id;
  ids["inv"] = (
    await db
      .insertInto("invites")
      .values({ code_hash: "matrix", code_enc: t.app.deps.pii.encrypt("INVMATRIX"), role: "volunteer", area_code: "32.01", created_by: ids["coord"]!, max_uses: 5, expires_at: new Date(t.clock.now + 86_400_000) })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  ids["b"] = (
    await db
      .insertInto("broadcasts")
      .values({ created_by: ids["coord"]!, area_code: "32.01", audience_kind: "area", audience_code: "32.01", text_html: "Rapat", status: "draft", created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  ids["v"] = ids["owner"]!;
  ids["k"] = ids["coord"]!;
}, 120_000);

afterAll(async () => {
  Composer.prototype.callbackQuery = original;
  await t?.close();
});

// === Samples: one piece of callback data per trigger, with the ids of the Bogor household's world.

/** Which id a prefix's numeric fields most likely carry (anything else: the household's). */
const ID_OF_PREFIX: Record<string, string> = { dsr: "r", al: "a", vv: "visit", vm: "visit", inv: "inv", appr: "app", ko: "k", bc: "b", bk: "b" };
const RL_ID: Record<string, string> = { hm: "h" };

/** Builds data matching a (simple) trigger regex: ids in numeric groups, the first alternative of a choice. */
function sampleFor(trigger: string | RegExp): string[] {
  if (typeof trigger === "string") return [trigger];
  const src = trigger.source.replace(/^\^/, "").replace(/\$$/, "");
  const prefix = /^([a-z]+)/.exec(src)?.[1] ?? "";
  const action = /^[a-z]+\\?:([a-z]+)/.exec(src)?.[1] ?? "";
  const kind = prefix === "rl" ? (RL_ID[action] ?? "v") : (ID_OF_PREFIX[prefix] ?? "h");
  const id = String(ids[kind] ?? ids["h"]);
  const build = (textValue: string, choice: (alts: string[]) => string) =>
    src
      .replace(/\\:/g, ":")
      .replace(/\(\\d(\{[\d,]+\}|\+)\)/g, id)
      .replace(/\\d(\{[\d,]+\}|\+)/g, "0")
      .replace(/\((:?[a-z]+)\)\?/g, (_m, lit: string) => choice(["", lit]))
      .replace(/\(\?:([^()]*)\)\?/g, "")
      .replace(/\(\.\*\)|\(\.\+\)/g, textValue)
      .replace(/\(\[([^\]]+)\](\{[\d,]+\}|\+)?\)/g, (_m, cls: string) => choice(cls.includes("a-z") ? ["diverifikasi", "en"] : cls.split("")))
      .replace(/\[([^\]]+)\]/g, (_m, cls: string) => choice(cls.split("")))
      .replace(/\(([a-z0-9_|:]+)\)/g, (_m, alts: string) => choice(alts.split("|")))
      .replace(/\(\\w\+\)/g, "en")
      .replace(/\\(.)/g, "$1");
  const samples = new Set([build("", (a) => a[0]!), build("Siti", (a) => a[a.length - 1]!), build("", (a) => a[Math.floor(a.length / 2)]!)]);
  return [...samples].filter((s) => trigger.test(s));
}

function callbackSamples(): { samples: string[]; uncovered: string[] } {
  const samples = new Set<string>();
  const uncovered: string[] = [];
  for (const trig of triggers) {
    const made = sampleFor(trig);
    if (made.length === 0) uncovered.push(String(trig));
    for (const s of made) samples.add(s);
  }
  return { samples: [...samples], uncovered };
}

function commandSamples(): string[] {
  const out: string[] = [];
  for (const c of COMMANDS) {
    out.push(`/${c.command}`);
    for (const alias of c.aliases ?? []) out.push(`/${alias}`);
  }
  out.push(`/keluarga ${H_NAME}`, `/keluarga ${display}`, `/kunjungan ${display}`, `/status ${display}`, "/hubungkan_grup 32.01", "/start inv_INVMATRIX", display, NIK);
  return out;
}

// === What a chat saw: every message sent or edited in it, and every pop-up of its taps.

function seenIn(chatId: number, since: number): string[] {
  return t.fake.calls.slice(since).flatMap((c) => {
    const p = c.payload as Record<string, unknown>;
    if (c.method === "answerCallbackQuery") return [String(p["text"] ?? "")];
    if (Number(p["chat_id"]) !== chatId) return [];
    const markup = JSON.stringify(p["reply_markup"] ?? "");
    return [String(p["text"] ?? p["caption"] ?? ""), markup];
  });
}

function filesTo(chatId: number, since: number): string[] {
  return t.fake.calls
    .slice(since)
    .filter((c) => ["sendDocument", "sendPhoto", "sendMediaGroup", "sendVoice", "sendLocation", "sendContact"].includes(c.method) && Number((c.payload as Record<string, unknown>)["chat_id"]) === chatId)
    .map((c) => c.method);
}

async function clearFlows(chatId: number): Promise<void> {
  await t.app.deps.db.deleteFrom("conversation_state").where("key", "=", `conv:${chatId}`).execute();
}

/** Runs every command and every callback sample in the chat; checks what each one showed. */
async function runAll(u: TestUser, chatId: number, label: string, opts: { isPrivate: boolean }): Promise<void> {
  const check = (since: number, action: string, typed: string[]) => {
    const seen = seenIn(chatId, since).join("\n");
    for (const s of secrets()) {
      if (typed.some((x) => x.includes(s) || s.includes(x))) continue; // the person's own words, echoed
      expect(seen.includes(s), `${label}: ${action} showed "${s}"`).toBe(false);
    }
    if (!opts.isPrivate) expect(filesTo(chatId, since), `${label}: ${action} sent a file to the group`).toEqual([]);
  };
  for (const text of commandSamples()) {
    const since = t.fake.calls.length;
    await u.send(text);
    const typed = text.startsWith("/") ? text.split(" ").slice(1).join(" ") : text;
    check(since, text, typed ? [typed] : []);
    if (opts.isPrivate) await clearFlows(chatId);
  }
  for (const data of callbackSamples().samples) {
    const since = t.fake.calls.length;
    await u.tapData(data, 1);
    check(since, data, []);
    if (opts.isPrivate) await clearFlows(chatId);
  }
}

/** Users' columns compared (a person's own language and last activity may change). */
const USER_COLUMNS = ["id", "telegram_id", "role", "status", "name", "phone", "area_code", "status_reason", "decided_by", "unreachable_at"];

describe("the access matrix", () => {
  it("reads the bot's callback triggers and can build a sample for every one", () => {
    expect(triggers.length).toBeGreaterThan(40);
    const { uncovered } = callbackSamples();
    expect(uncovered, `callback triggers without a sample (extend sampleFor()): ${uncovered.join(", ")}`).toEqual([]);
  });

  for (const kind of ["group", "supergroup"] as const) {
    it(`in a ${kind}: nobody gets household or volunteer data, and nothing changes`, async () => {
      const group = t.driver.group({ id: kind === "group" ? -4242 : -1004242424242, title: `Grup ${kind}`, type: kind });
      const before = await dumpDb(t);
      for (const a of ACTORS) {
        const member = group.member({ id: a.id, firstName: `Aktor${a.id}` });
        await runAll(member, group.chatId, `${a.label} in a ${kind}`, { isPrivate: false });
      }
      const after = await dumpDb(t);
      // Linking a group to an area and unlinking it are what groups are for (alert groups).
      const { alert_groups: _g1, audit_log: auditBefore, ...restBefore } = before;
      const { alert_groups: _g2, audit_log: auditAfter, ...restAfter } = after;
      expect(restAfter).toEqual(restBefore);
      const newAudit = (auditAfter ?? []).filter((r) => !(auditBefore ?? []).includes(r));
      expect(newAudit.filter((r) => !r.includes("alert_group."))).toEqual([]);
      expect(await t.app.deps.db.selectFrom("conversation_state").select("key").where("key", "=", `conv:${group.chatId}`).execute()).toEqual([]);
    }, 600_000);
  }

  it("would notice a leak: the household's own volunteer does see it, in a private chat", async () => {
    const owner = t.driver.user({ id: OWNER, firstName: "Rahmat" });
    await owner.send("/keluarga");
    expect(seenIn(OWNER, 0).join("\n")).toContain(display);
    await owner.tapData(`hh:open:${ids["h"]}`, 1);
    expect(owner.lastText()).toContain("3201••••••••0017");
  });

  it("in a private chat: nobody outside the household's scope sees its data; nobody without access changes anything", async () => {
    for (const a of ACTORS.filter((x) => !x.inScope)) {
      const u = t.driver.user({ id: a.id, firstName: `Aktor${a.id}` });
      // The first message of the hour records the person's activity; it is not part of the matrix.
      await u.send("/bantuan");
      const before = a.hasAccess ? undefined : await dumpDb(t, [], { users: USER_COLUMNS });
      await runAll(u, a.id, a.label, { isPrivate: true });
      if (before) {
        const after = await dumpDb(t, [], { users: USER_COLUMNS });
        expect(after, `${a.label} changed the database`).toEqual(before);
      }
    }
  }, 900_000);
});
