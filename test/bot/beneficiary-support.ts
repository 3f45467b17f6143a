import { sql } from "kysely";
import type { HouseholdDraft } from "../../src/domain/household.js";
import { insertHousehold } from "../../src/db/queries/households.js";
import { issueFamilyPin } from "../../src/db/queries/beneficiary/index.js";
import type { Role } from "../../src/db/schema.js";
import type { TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";

/** Shared fixtures of the beneficiary self-service tests (status check, data requests, status changes). */

export const VILLAGE = "32.01.01.1002"; // Karadenan, Kec. Cibinong, Kab. Bogor (WIB)
export const NIK = "3201014508680001"; // head: female, born 05-08-1968
export const KK = "3201012001150003";
export const CHILD_NIK = "3201015203100002";
export const HEAD_NAME = "Siti Aminah";
export const ADDRESS = "Jl. Melati No. 5, dekat masjid";
export const HUSBAND = "Budi Santoso";
export const CHILD = "Ani Rahmawati";

export function householdDraft(overrides: Partial<HouseholdDraft> = {}): HouseholdDraft {
  return {
    consentAt: "2026-11-20T02:00:00.000Z",
    headName: HEAD_NAME,
    headNik: NIK,
    kk: KK,
    headSex: "P",
    headBirthDate: "1968-08-05",
    villageCode: VILLAGE,
    rt: "004",
    rw: "006",
    address: ADDRESS,
    location: { latitude: -6.4812, longitude: 106.8345 },
    memberCount: 3,
    members: [
      { name: HUSBAND, relationship: "suami", nik: null, sex: "L", birthDate: null },
      { name: CHILD, relationship: "anak", nik: CHILD_NIK, sex: "P", birthDate: "2010-03-12" },
    ],
    ppks: ["lanjut_usia_terlantar", "fakir_miskin"],
    housing: "tidak_layak",
    programmes: ["pkh"],
    programmeOther: null,
    needs: ["pangan", "kesehatan"],
    needsOther: "Kursi roda untuk ibu",
    desil: 2,
    photos: [{ fileId: "photo-file-1", fileUniqueId: "photo-unique-1" }],
    ...overrides,
  };
}

export async function seedUser(
  t: TestApp,
  spec: { telegramId: number; role: Role; name: string; area: string | null; locale?: string },
): Promise<number> {
  const row = await t.app.deps.db
    .insertInto("users")
    .values({
      telegram_id: spec.telegramId,
      role: spec.role,
      status: "active",
      name: spec.name,
      locale: spec.locale ?? "id",
      area_code: spec.area,
      phone: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface SeededHousehold {
  id: number;
  refCode: string;
  display: string;
  /** The family PIN issued for it ("" with `{ pin: false }`: a household from before PINs). */
  pin: string;
}

export async function seedHousehold(
  t: TestApp,
  volunteerId: number,
  overrides: Partial<HouseholdDraft> = {},
  opts: { pin?: boolean } = {},
): Promise<SeededHousehold> {
  const db = t.app.deps.db;
  const { id, refCode } = await insertHousehold(db, t.app.deps.pii, householdDraft(overrides), { userId: volunteerId, locale: "id" });
  // Registered "now" on the test clock (the database's own clock is the real one).
  const now = new Date(t.clock.now);
  await db.updateTable("households").set({ status_changed_at: now }).where("id", "=", id).execute();
  await sql`update households set created_at = ${now} where id = ${id}`.execute(db);
  let pin = "";
  if (opts.pin !== false) {
    const household = await db.selectFrom("households").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    pin = (await issueFamilyPin(db, t.app.deps.pii, { household, by: volunteerId, now })).pin;
  }
  return { id, refCode, display: `${refCode.slice(0, 2)}-${refCode.slice(2)}`, pin };
}

/** /status, the code, then the proof (the family PIN); returns the bot's last answer. */
export async function checkStatus(u: TestUser, code: string, proof: string): Promise<string> {
  await u.send("/status");
  await u.send(code);
  await u.send(proof);
  return u.lastText() ?? "";
}

/** A six-digit PIN that is not `pin` (for wrong-PIN attempts). */
export function otherPin(pin: string, n = 1): string {
  return String((Number(pin) + 1 + n * 7919) % 1_000_000).padStart(6, "0");
}

/** Every row of every table (except the read-only regions), as text. */
export async function dumpAllTables(t: TestApp): Promise<string> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(t.app.deps.db);
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    if (table_name === "regions") continue;
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t`.execute(t.app.deps.db);
    parts.push(...rows.rows.map((r) => `${table_name}: ${r.row}`));
  }
  return parts.join("\n");
}

/** Runs background jobs until none is due (notifications, notices). */
export async function runJobs(t: TestApp): Promise<void> {
  for (let i = 0; i < 10; i++) {
    if ((await t.app.worker.runDue()) === 0) return;
  }
}
