import { insertHousehold } from "../../src/db/queries/households.js";
import type { HouseholdDraft } from "../../src/domain/household.js";
import type { Role, User } from "../../src/db/schema.js";
import type { TestApp } from "../support/app.js";

/** Villages used by the visit tests (Kab. Bogor: Kec. Cibinong and the neighbouring Kec. Gunung Putri). */
export const CIBINONG_VILLAGE = "32.01.01.1001"; // Pondok Rajeg, Kec. Cibinong
export const CIBINONG_VILLAGE_2 = "32.01.01.1002"; // Karadenan, Kec. Cibinong
export const GUNUNG_PUTRI_VILLAGE = "32.01.02.2001"; // Wanaherang, Kec. Gunung Putri
export const MAKASSAR_VILLAGE = "73.71.01.1001"; // Bontorannu, Kota Makassar (WITA)

export async function seedUser(
  t: TestApp,
  u: { tg: number; role: Role; name: string; area: string | null; locale?: string },
): Promise<User> {
  return t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: u.tg, role: u.role, status: "active", name: u.name, locale: u.locale ?? "id", area_code: u.area })
    .returningAll()
    .executeTakeFirstOrThrow();
}

let counter = 0;

/** A valid registration draft (distinct NIK and KK on every call). */
export function householdDraft(villageCode: string, headName: string): HouseholdDraft {
  counter += 1;
  const n = String(counter).padStart(4, "0");
  const prefix = villageCode.replace(/\./g, "").slice(0, 6);
  return {
    consentAt: "2026-11-01T03:00:00.000Z",
    headName,
    headNik: `${prefix}4508680${n.slice(1)}`.slice(0, 16).padEnd(16, "0"),
    kk: `${prefix}2001150${n.slice(1)}`.slice(0, 16).padEnd(16, "0"),
    headSex: "P",
    headBirthDate: "1968-08-05",
    villageCode,
    rt: "003",
    rw: "005",
    address: "Jl. Melati No. 4",
    location: null,
    memberCount: 4,
    members: [],
    ppks: ["fakir_miskin"],
    housing: "tidak_layak",
    programmes: ["pkh"],
    programmeOther: null,
    needs: ["pangan"],
    needsOther: null,
    desil: 1,
    photos: [],
  };
}

export async function seedHousehold(
  t: TestApp,
  volunteer: User,
  villageCode: string,
  headName: string,
  extra: { nextVisitDate?: string | null } = {},
): Promise<{ id: number; refCode: string }> {
  const res = await insertHousehold(t.app.deps.db, t.app.deps.pii, householdDraft(villageCode, headName), {
    userId: volunteer.id,
    locale: "id",
  });
  if (extra.nextVisitDate !== undefined) {
    await t.app.deps.db.updateTable("households").set({ next_visit_date: extra.nextVisitDate }).where("id", "=", res.id).execute();
  }
  return res;
}

/** "K73QX9D" → "K7-3QX9D", as shown on buttons. */
export function shownCode(refCode: string): string {
  return `${refCode.slice(0, 2)}-${refCode.slice(2)}`;
}
