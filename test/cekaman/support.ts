import { sql } from "kysely";
import { insertHousehold } from "../../src/db/queries/households.js";
import type { HouseholdDraft } from "../../src/domain/household.js";
import type { Role, User } from "../../src/db/schema.js";
import type { TestApp } from "../support/app.js";
import type { FakeCall } from "../support/fake-telegram.js";

/** Kab. Bogor: Kec. Cibinong (two villages) is hit; Kec. Gunung Putri is not. */
export const KAB_BOGOR = "32.01";
export const CIBINONG = "32.01.01";
export const PONDOK_RAJEG = "32.01.01.1001"; // Kel. Pondok Rajeg
export const KARADENAN = "32.01.01.1002"; // Kel. Karadenan
export const GUNUNG_PUTRI = "32.01.02";
export const WANAHERANG = "32.01.02.2001"; // Desa Wanaherang, Kec. Gunung Putri
export const SUKABUMI = "32.02";

let tgCounter = 0;

export async function seedUser(t: TestApp, u: { tg: number; role: Role; name: string; area: string | null; status?: User["status"] }): Promise<User> {
  return t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: u.tg, role: u.role, status: u.status ?? "active", name: u.name, locale: "id", area_code: u.area })
    .returningAll()
    .executeTakeFirstOrThrow();
}

let nikCounter = 0;

/** A valid household draft with distinct NIK/KK on every call. */
export function draft(village: string, headName: string, opts: { ppks?: string[]; rt?: string; rw?: string } = {}): HouseholdDraft {
  nikCounter += 1;
  const prefix = village.replace(/\./g, "").slice(0, 6);
  const n = String(nikCounter).padStart(4, "0");
  return {
    consentAt: "2026-11-01T03:00:00.000Z",
    headName,
    headNik: `${prefix}450868${n}`,
    kk: `${prefix}200115${n}`,
    headSex: "P",
    headBirthDate: "1968-08-05",
    villageCode: village,
    rt: opts.rt ?? "003",
    rw: opts.rw ?? "005",
    address: `Jl. Melati No. ${nikCounter}`,
    location: null,
    memberCount: 3,
    members: [],
    ppks: (opts.ppks ?? ["fakir_miskin"]) as HouseholdDraft["ppks"],
    housing: "tidak_layak",
    programmes: [],
    programmeOther: null,
    needs: ["pangan"],
    needsOther: null,
    desil: 1,
    photos: [],
  };
}

export async function seedHousehold(t: TestApp, volunteer: User, village: string, name: string, opts: { ppks?: string[]; rt?: string; rw?: string } = {}) {
  return insertHousehold(t.app.deps.db, t.app.deps.pii, draft(village, name, opts), { userId: volunteer.id, locale: "id" });
}

/**
 * A family chat subscribed to a household: `proven` makes the subscription come after the
 * household's family PIN was issued (the only way to subscribe now); otherwise it predates
 * the PIN (made with the old, NIK-derivable proof) and must not count.
 */
export async function seedFamily(t: TestApp, householdId: number, tg: number, proven: boolean): Promise<User> {
  const user = await seedUser(t, { tg, role: "beneficiary", name: `Keluarga ${tg}`, area: null });
  const now = new Date(t.clock.now);
  const issued = new Date(now.getTime() - 2 * 86_400_000);
  await t.app.deps.db
    .insertInto("household_pins")
    .values({ household_id: householdId, pin_hash: "00", salt: "test", issued_by: null, issued_at: issued })
    .onConflict((oc) => oc.column("household_id").doNothing())
    .execute();
  await t.app.deps.db
    .insertInto("status_subscriptions")
    .values({ household_id: householdId, chat_id: tg, created_at: new Date(issued.getTime() + (proven ? 3_600_000 : -86_400_000)) })
    .execute();
  return user;
}

export function nextTg(): number {
  tgCounter += 1;
  return 60_000 + tgCounter;
}

/** Runs background jobs (and thereby the broadcast sender's drain) until nothing is due. */
export async function runJobs(t: TestApp, rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if ((await t.app.worker.runDue()) === 0) return;
  }
}

/** Moves the app clock (and the fake Telegram's) by `ms`. */
export function advance(t: TestApp, ms: number): void {
  t.clock.now += ms;
}

/** Successful sendMessage calls to a chat. */
export function sentTo(t: TestApp, chatId: number, method = "sendMessage"): FakeCall[] {
  return t.fake.calls.filter((c) => c.method === method && c.payload.chat_id === chatId && c.response?.ok === true);
}

/** Every chat that got any message (or document, photo…) from the bot since `from` (call index). */
export function chatsReached(t: TestApp, from = 0): Set<number> {
  return new Set(
    t.fake.calls
      .slice(from)
      .filter((c) => c.method.startsWith("send") && c.response?.ok === true)
      .map((c) => Number(c.payload.chat_id)),
  );
}

/** Rows of cekaman_households for the event. */
export async function eventRows(t: TestApp, eventId: number) {
  return t.app.deps.db.selectFrom("cekaman_households").selectAll().where("event_id", "=", eventId).orderBy("id").execute();
}

/** A fingerprint of every Cek Aman row, to prove a refused tap changed nothing. */
export async function snapshot(t: TestApp): Promise<string> {
  const parts: string[] = [];
  for (const table of ["cekaman_events", "cekaman_households", "cekaman_answers", "cekaman_help", "cekaman_priority_flags", "broadcast_deliveries"]) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t order by 1`.execute(t.app.deps.db);
    parts.push(`${table}: ${rows.rows.map((r) => r.row).join("\n")}`);
  }
  return parts.join("\n");
}
