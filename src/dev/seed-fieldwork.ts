/**
 * Field-work demo data for the simulator (issue 16): a month of visits so that /rencana,
 * /laporan and /target show something real. For one volunteer in one village: ten more
 * families in three RTs around the demo world's first family (most with a GPS point, a few
 * without), registered before the demo world's families, visits over the last 30 days (one
 * "perlu perhatian", one sent days late, one far from the house), several of them due or
 * overdue today, and this month's targets.
 *
 * Written once per volunteer (nothing happens when the demo families exist), in one
 * transaction, with the app's own repositories. Visits are written as rows, not through the
 * save path, so that starting the simulator does not send follow-up questions about them.
 *
 * @module
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { PiiCrypto } from "../pii.js";
import { insertHousehold } from "../db/queries/households.js";
import { upsertTarget } from "../db/queries/fieldwork.js";
import type { HouseholdDraft } from "../domain/household.js";
import { addDays, localDate, localNoon } from "../domain/visit.js";
import { distanceMeters } from "../domain/fieldwork/distance.js";
import { monthOf } from "../domain/fieldwork/targets.js";

export interface FieldworkDemoOptions {
  /** users.id of the volunteer whose field work this is. */
  volunteerId: number;
  /** Their village (the families live there; WIB assumed for the demo's dates). */
  villageCode: string;
  /** users.id of whoever "set" the targets (an admin or a coordinator); null: no targets. */
  targetSetBy: number | null;
  /** The area whose target is set besides the volunteer's own (e.g. the district). */
  targetArea?: string | null;
  now: Date;
}

interface DemoHome {
  name: string;
  sex: "L" | "P";
  rt: string;
  rw: string;
  /** Metres north and east of the first home; null: no GPS point. */
  at: [number, number] | null;
  ppks: string[];
  registeredDaysAgo: number;
  /** Planned next visit, in days from today (negative: overdue). */
  next: number;
  visits: { daysAgo: number; intervention: "preventif" | "kuratif" | "rehabilitatif" | "pengembangan"; purpose: string; urgency?: "perhatian"; help?: string; lateDays?: number; farM?: number }[];
}

/** The demo's first family's house (Suparman, RT 003/RW 005): the new houses are around it. */
const BASE = { latitude: -6.47651, longitude: 106.84412 };

// Ten families registered before the demo world's three (so those stay on the first page of
// /keluarga), visited over the last month.
const HOMES: DemoHome[] = [
  { name: "Sukarsih", sex: "P", rt: "003", rw: "005", at: [60, 40], ppks: ["lanjut_usia_terlantar"], registeredDaysAgo: 70, next: -3,
    visits: [{ daysAgo: 29, intervention: "preventif", purpose: "monitoring" }, { daysAgo: 13, intervention: "kuratif", purpose: "monitoring", help: "Mengantar ke posyandu lansia" }] },
  { name: "Dadang Kurnia", sex: "L", rt: "003", rw: "005", at: [140, -30], ppks: ["fakir_miskin"], registeredDaysAgo: 66, next: 0,
    visits: [{ daysAgo: 27, intervention: "preventif", purpose: "monitoring" }, { daysAgo: 9, intervention: "pengembangan", purpose: "monitoring", help: "Pendampingan usaha warung" }] },
  { name: "Iyah Rohayati", sex: "P", rt: "003", rw: "005", at: [90, 150], ppks: ["perempuan_rawan_sosial_ekonomi"], registeredDaysAgo: 62, next: -1,
    visits: [{ daysAgo: 24, intervention: "preventif", purpose: "monitoring" }, { daysAgo: 6, intervention: "kuratif", purpose: "monitoring", urgency: "perhatian" }] },
  { name: "Asep Saepudin", sex: "L", rt: "003", rw: "005", at: [200, 90], ppks: ["penyandang_disabilitas"], registeredDaysAgo: 58, next: 0,
    visits: [{ daysAgo: 22, intervention: "rehabilitatif", purpose: "monitoring" }, { daysAgo: 4, intervention: "rehabilitatif", purpose: "rujukan" }] },
  { name: "Enok Sumirah", sex: "P", rt: "002", rw: "005", at: [420, -90], ppks: ["fakir_miskin", "lanjut_usia_terlantar"], registeredDaysAgo: 55, next: -6,
    visits: [{ daysAgo: 20, intervention: "preventif", purpose: "monitoring" }] },
  { name: "Tatang Sutarya", sex: "L", rt: "002", rw: "005", at: [520, -40], ppks: ["fakir_miskin"], registeredDaysAgo: 52, next: 0,
    visits: [{ daysAgo: 18, intervention: "preventif", purpose: "monitoring" }, { daysAgo: 1, intervention: "kuratif", purpose: "pengantaran_bantuan", help: "Paket sembako", farM: 1800 }] },
  { name: "Nining Kurniasih", sex: "P", rt: "002", rw: "005", at: [470, 60], ppks: ["korban_tindak_kekerasan"], registeredDaysAgo: 49, next: 2,
    visits: [{ daysAgo: 15, intervention: "kuratif", purpose: "monitoring" }, { daysAgo: 3, intervention: "rehabilitatif", purpose: "monitoring", lateDays: 2 }] },
  { name: "Ujang Rusmana", sex: "L", rt: "002", rw: "005", at: null, ppks: ["fakir_miskin"], registeredDaysAgo: 47, next: -2,
    visits: [{ daysAgo: 12, intervention: "preventif", purpose: "monitoring" }] },
  { name: "Omah Maryamah", sex: "P", rt: "001", rw: "002", at: null, ppks: ["lanjut_usia_terlantar"], registeredDaysAgo: 45, next: 0,
    visits: [{ daysAgo: 7, intervention: "preventif", purpose: "monitoring" }] },
  { name: "Cecep Hidayat", sex: "L", rt: "001", rw: "002", at: null, ppks: ["anak_terlantar", "fakir_miskin"], registeredDaysAgo: 42, next: 4,
    visits: [{ daysAgo: 2, intervention: "preventif", purpose: "monitoring" }] },
];

function pointAt(north: number, east: number): { latitude: number; longitude: number } {
  return {
    latitude: BASE.latitude + north / 111_320,
    longitude: BASE.longitude + east / (111_320 * Math.cos((BASE.latitude * Math.PI) / 180)),
  };
}

/** A well-formed NIK for the demo (Kec. Cibinong prefix, the birth date, women's day + 40). */
function demoNik(i: number, sex: "L" | "P", village: string): string {
  const prefix = village.replace(/\./g, "").slice(0, 6).padEnd(6, "0");
  const day = 10 + i + (sex === "P" ? 40 : 0);
  return `${prefix}${day}0575${String(101 + i).padStart(4, "0")}`;
}

/** Seeds the demo once; returns lines for the simulator's banner (empty when it was there). */
export async function seedFieldworkDemo(db: Kysely<Database>, pii: PiiCrypto, opts: FieldworkDemoOptions): Promise<string[]> {
  const already = await db
    .selectFrom("households")
    .select("id")
    .where("registered_by", "=", opts.volunteerId)
    .where("head_name", "=", HOMES[0]!.name)
    .executeTakeFirst();
  if (already) return [];
  const today = localDate(opts.now, "Asia/Jakarta");
  const daysAgo = (n: number) => new Date(opts.now.getTime() - n * 86_400_000);
  let visits = 0;
  await db.transaction().execute(async (trx) => {
    for (const [i, home] of HOMES.entries()) {
      const point = home.at ? pointAt(home.at[0], home.at[1]) : null;
      const registered = daysAgo(home.registeredDaysAgo);
      const nik = demoNik(i, home.sex, opts.villageCode);
      const draft: HouseholdDraft = {
        consentAt: registered.toISOString(),
        headName: home.name,
        headNik: nik,
        kk: `${nik.slice(0, 6)}0101150${String(201 + i).padStart(3, "0")}`,
        headSex: home.sex,
        headBirthDate: `1975-05-${String(10 + i).padStart(2, "0")}`,
        villageCode: opts.villageCode,
        rt: home.rt,
        rw: home.rw,
        address: `Gg. Mawar RT ${home.rt} RW ${home.rw}`,
        location: point,
        memberCount: 1 + (i % 5),
        members: [],
        ppks: home.ppks,
        housing: i % 2 === 0 ? "tidak_layak" : "layak",
        programmes: i % 3 === 0 ? ["pkh"] : [],
        programmeOther: null,
        needs: ["pangan"],
        needsOther: null,
        desil: 1 + (i % 3),
        photos: [],
      };
      const h = await insertHousehold(trx, pii, draft, { userId: opts.volunteerId, locale: "id" });
      const last = home.visits.reduce((m, v) => Math.min(m, v.daysAgo), Infinity);
      await sql`update households set created_at = ${registered}, status_changed_at = ${registered}, updated_at = ${opts.now},
        next_visit_date = ${addDays(today, home.next)}::date,
        last_visit_at = ${Number.isFinite(last) ? localNoon(addDays(today, -last), "WIB") : null}
        where id = ${h.id}`.execute(trx);
      for (const v of home.visits) {
        const visitedOn = addDays(today, -v.daysAgo);
        const written = localNoon(visitedOn, "WIB");
        const at = point && v.farM ? pointAt((home.at![0] + v.farM) as number, home.at![1]) : point;
        await trx
          .insertInto("visits")
          .values({
            household_id: h.id,
            volunteer_id: opts.volunteerId,
            visited_on: visitedOn,
            written_at: written,
            purpose: v.purpose,
            intervention: v.intervention,
            conditions: v.urgency ? ["sakit"] : ["stabil"],
            help_given: v.help ?? null,
            follow_up: true,
            next_visit_date: addDays(visitedOn, v.urgency ? 7 : 30),
            urgency: v.urgency ?? "biasa",
            latitude: at?.latitude ?? null,
            longitude: at?.longitude ?? null,
            distance_m: point && at ? Math.round(distanceMeters(point, at)) : null,
            review_reason: v.farM && point ? "far" : null,
            created_at: v.lateDays ? new Date(written.getTime() + v.lateDays * 86_400_000) : written,
          })
          .execute();
        visits++;
      }
    }
    if (opts.targetSetBy !== null) {
      const month = monthOf(today);
      await upsertTarget(trx, { month, volunteerId: opts.volunteerId, areaCode: null, visits: 24, registrations: 3, setBy: opts.targetSetBy, now: opts.now });
      if (opts.targetArea) {
        await upsertTarget(trx, { month, volunteerId: null, areaCode: opts.targetArea, visits: 20, registrations: 2, setBy: opts.targetSetBy, now: opts.now });
      }
    }
  });
  const rts = new Set(HOMES.map((h) => `${h.rw}/${h.rt}`)).size;
  return [
    `Kerja lapangan demo: ${HOMES.length} keluarga lagi di ${rts} RT (sebagian dengan titik lokasi) dan ${visits} kunjungan sebulan terakhir, dengan target bulan ini.`,
    "Coba /rencana (rute per RT), /laporan (PDF dan Excel), dan /target sebagai koordinator.",
  ];
}
