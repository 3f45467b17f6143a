import { sql } from "kysely";
import { insertHousehold } from "../../src/db/queries/households.js";
import type { HouseholdDraft } from "../../src/domain/household.js";
import type { Role, User } from "../../src/db/schema.js";
import type { TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";
import { householdDraft } from "../bot/visit-support.js";

/** Villages of the field-work tests. */
export const PONDOK_RAJEG = "32.01.01.1001"; // Kel. Pondok Rajeg, Kec. Cibinong, Kab. Bogor (WIB)
export const KARADENAN = "32.01.01.1002"; // Kel. Karadenan, Kec. Cibinong
export const WANAHERANG = "32.01.02.2001"; // Desa Wanaherang, Kec. Gunung Putri
export const BONTORANNU = "73.71.01.1001"; // Kel. Bontorannu, Kota Makassar (WITA)

/** A point `north` and `east` metres from a base point in Cibinong. */
export function pointAt(north: number, east: number, base = { latitude: -6.48, longitude: 106.83 }): { latitude: number; longitude: number } {
  return {
    latitude: base.latitude + north / 111_320,
    longitude: base.longitude + east / (111_320 * Math.cos((base.latitude * Math.PI) / 180)),
  };
}

export async function seedUser(t: TestApp, u: { tg: number; role: Role; name: string; area: string | null; locale?: string }): Promise<User> {
  return t.app.deps.db
    .insertInto("users")
    .values({
      telegram_id: u.tg,
      role: u.role,
      status: "active",
      name: u.name,
      locale: u.locale ?? "id",
      area_code: u.area,
      created_at: new Date(t.clock.now),
      updated_at: new Date(t.clock.now),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface SeededHousehold {
  id: number;
  refCode: string;
  name: string;
  nik: string;
}

/** A household of `volunteer` with the given fields (registration date = the clock, unless `createdAt`). */
export async function seedHousehold(
  t: TestApp,
  volunteer: User,
  o: {
    village: string;
    name: string;
    rt?: string | null;
    rw?: string | null;
    point?: { latitude: number; longitude: number } | null;
    next?: string | null;
    status?: string;
    createdAt?: Date;
    draft?: Partial<HouseholdDraft>;
  },
): Promise<SeededHousehold> {
  const draft: HouseholdDraft = {
    ...householdDraft(o.village, o.name),
    rt: o.rt === undefined ? "001" : o.rt,
    rw: o.rw === undefined ? "001" : o.rw,
    location: o.point ?? null,
    ...o.draft,
  };
  const res = await insertHousehold(t.app.deps.db, t.app.deps.pii, draft, { userId: volunteer.id, locale: "id" });
  await t.app.deps.db
    .updateTable("households")
    .set({
      next_visit_date: o.next ?? null,
      ...(o.status ? { status: o.status } : {}),
    })
    .where("id", "=", res.id)
    .execute();
  if (o.createdAt) await sql`update households set created_at = ${o.createdAt.toISOString()}::timestamptz where id = ${res.id}`.execute(t.app.deps.db);
  return { id: res.id, refCode: res.refCode, name: o.name, nik: draft.headNik };
}

/** A visit row written directly (no side effects on the household). */
export async function seedVisit(
  t: TestApp,
  v: {
    householdId: number;
    volunteerId: number;
    on: string;
    urgency?: "biasa" | "perhatian" | "darurat";
    intervention?: "preventif" | "kuratif" | "rehabilitatif" | "pengembangan";
    purpose?: string;
    writtenAt?: Date;
    createdAt?: Date;
    photos?: number;
    helpGiven?: string | null;
    referral?: string | null;
  },
): Promise<number> {
  const written = v.writtenAt ?? new Date(`${v.on}T03:00:00Z`);
  const row = await t.app.deps.db
    .insertInto("visits")
    .values({
      household_id: v.householdId,
      volunteer_id: v.volunteerId,
      visited_on: v.on,
      written_at: written,
      purpose: v.purpose ?? "monitoring",
      intervention: v.intervention ?? "preventif",
      conditions: ["stabil"],
      help_given: v.helpGiven ?? null,
      referral: v.referral ?? null,
      follow_up: false,
      next_visit_date: null,
      urgency: v.urgency ?? "biasa",
      created_at: v.createdAt ?? written,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  for (let i = 0; i < (v.photos ?? 0); i++) {
    await t.app.deps.db
      .insertInto("visit_media")
      .values({ visit_id: row.id, kind: "photo", file_id: `photo-${row.id}-${i}`, file_unique_id: `u-${row.id}-${i}`, created_at: written })
      .execute();
  }
  return row.id;
}

export async function runJobs(t: TestApp): Promise<void> {
  for (let i = 0; i < 20 && (await t.app.worker.runDue()) > 0; i++);
}

/** "K73QX9D" → "K7-3QX9D", as shown. */
export function shown(refCode: string): string {
  return `${refCode.slice(0, 2)}-${refCode.slice(2)}`;
}

/** The URL buttons of the newest message that has an inline keyboard. */
export function urlButtons(chat: TestUser): { text: string; url: string }[] {
  const markup = (chat.lastMessage() as unknown as { reply_markup?: { inline_keyboard?: { text: string; url?: string }[][] } } | undefined)?.reply_markup;
  return (markup?.inline_keyboard ?? []).flat().flatMap((b) => (b.url ? [{ text: b.text, url: b.url }] : []));
}

/** Callback buttons of the newest message, as [label, data], in order. */
export function callbackButtons(chat: TestUser): [string, string][] {
  const markup = (chat.lastMessage() as unknown as { reply_markup?: { inline_keyboard?: { text: string; callback_data?: string }[][] } } | undefined)
    ?.reply_markup;
  return (markup?.inline_keyboard ?? []).flat().flatMap((b): [string, string][] => (b.callback_data ? [[b.text, b.callback_data]] : []));
}

/** Callback data of the newest message's buttons, by label (labels must be unique). */
export function callbackData(chat: TestUser): Record<string, string> {
  return Object.fromEntries(callbackButtons(chat));
}
