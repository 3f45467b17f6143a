import { sql } from "kysely";
import type { HouseholdDraft } from "../../src/domain/household.js";
import { insertHousehold } from "../../src/db/queries/households.js";
import type { Role, User, UserStatus } from "../../src/db/schema.js";
import type { TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";

/** Fixtures of the DTSEN tests. Kab. Bogor, Kec. Cibinong (WIB). */
export const VILLAGE = "32.01.01.1002"; // Karadenan
export const VILLAGE_2 = "32.01.01.1001"; // Pondok Rajeg
export const FAR_VILLAGE = "32.01.02.2001"; // Wanaherang, Kec. Gunung Putri

let counter = 0;

/** A household draft with its own NIK and KK (16 digits, valid shapes). */
export function householdDraft(villageCode: string, headName: string, overrides: Partial<HouseholdDraft> = {}): HouseholdDraft {
  counter += 1;
  const n = String(counter).padStart(4, "0");
  return {
    consentAt: "2026-11-20T02:00:00.000Z",
    headName,
    headNik: `320101450868${n}`,
    kk: `320101200115${n}`,
    headSex: "P",
    headBirthDate: "1968-08-05",
    villageCode,
    rt: "004",
    rw: "006",
    address: "Jl. Melati No. 5",
    location: null,
    memberCount: 3,
    members: [],
    ppks: ["fakir_miskin"],
    housing: "tidak_layak",
    programmes: [],
    programmeOther: null,
    needs: ["pangan"],
    needsOther: null,
    desil: null,
    photos: [],
    ...overrides,
  };
}

export async function seedUser(
  t: TestApp,
  spec: { telegramId: number; role: Role; name: string; area: string | null; status?: UserStatus; locale?: string },
): Promise<User> {
  return t.app.deps.db
    .insertInto("users")
    .values({
      telegram_id: spec.telegramId,
      role: spec.role,
      status: spec.status ?? "active",
      name: spec.name,
      locale: spec.locale ?? "id",
      area_code: spec.area,
      phone: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface SeededHousehold {
  id: number;
  refCode: string;
  /** As shown: "K7-3QX9D". */
  code: string;
  nik: string;
  kk: string;
  name: string;
}

export async function seedHousehold(t: TestApp, volunteer: User, villageCode: string, headName: string, overrides: Partial<HouseholdDraft> = {}): Promise<SeededHousehold> {
  const draft = householdDraft(villageCode, headName, overrides);
  const { id, refCode } = await insertHousehold(t.app.deps.db, t.app.deps.pii, draft, { userId: volunteer.id, locale: "id" });
  return { id, refCode, code: `${refCode.slice(0, 2)}-${refCode.slice(2)}`, nik: draft.headNik, kk: draft.kk, name: headName };
}

/** Runs background jobs until none is due (notifications, packages). */
export async function runJobs(t: TestApp): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if ((await t.app.worker.runDue()) === 0) return;
  }
}

/** A user who has talked to the bot already. */
export async function actor(t: TestApp, id: number, firstName: string): Promise<TestUser> {
  const u = t.driver.user({ id, firstName });
  if (u.messages().length === 0) await u.send("/bantuan");
  return u;
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

/** Bytes that stand for a photo (recognisable in uploads, ZIPs and table dumps). */
export function fakePhoto(label: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`FAKE-JPEG:${label}:`.padEnd(64, "#"), "utf8")]);
}
