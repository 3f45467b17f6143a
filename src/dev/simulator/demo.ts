/**
 * The demo world the simulator starts with, so that /keluarga, /rekap and /ekspor show
 * something at once: Siti Rahma is a registered volunteer, approved by the admin Budi
 * Santoso, in Desa Pondok Rajeg (Kec. Cibinong, Kab. Bogor), with three families and their
 * visits (one needing attention, one overdue). Dewi Lestari has not registered yet: she is
 * the one to try registration with.
 *
 * Written once per database (nothing happens when Siti's account exists already), with the
 * app's own repositories, in one transaction.
 *
 * @module
 */
import { sql } from "kysely";
import type { App } from "../../app.js";
import { insertHousehold } from "../../db/queries/households.js";
import { insertVisit } from "../../db/queries/visits.js";
import { localDateOf } from "../../domain/dates.js";
import type { HouseholdDraft } from "../../domain/household.js";
import { addDays, localNoon } from "../../domain/visit.js";
import { fullName, type World } from "./world.js";

/** Desa Pondok Rajeg, Kec. Cibinong, Kab. Bogor (WIB). */
export const DEMO_VILLAGE = "32.01.01.1001";

interface DemoFamily {
  draft: Omit<HouseholdDraft, "villageCode" | "consentAt">;
  registeredDaysAgo: number;
  visits: { daysAgo: number; urgency: "biasa" | "perhatian"; purpose: "asesmen" | "monitoring" | "pengantaran_bantuan"; nextInDays: number; note: string | null }[];
}

const FAMILIES: DemoFamily[] = [
  {
    draft: {
      headName: "Suparman",
      headNik: "3201011203650001",
      kk: "3201012001150007",
      headSex: "L",
      headBirthDate: "1965-03-12",
      rt: "003",
      rw: "005",
      address: "Gg. Melati No. 4",
      location: { latitude: -6.47651, longitude: 106.84412 },
      memberCount: 4,
      members: [
        { name: "Sumarni", relationship: "istri", nik: "3201015508700002", sex: "P", birthDate: "1970-08-15" },
        { name: "Rizki Suparman", relationship: "anak", nik: null, sex: "L", birthDate: "2012-01-20" },
        { name: "Ayu Lestari", relationship: "anak", nik: null, sex: "P", birthDate: "2016-06-02" },
      ],
      ppks: ["fakir_miskin"],
      housing: "tidak_layak",
      programmes: ["pkh", "bpnt"],
      programmeOther: null,
      needs: ["pangan", "perumahan"],
      needsOther: null,
      desil: 1,
      photos: [],
    },
    registeredDaysAgo: 24,
    visits: [
      { daysAgo: 23, urgency: "biasa", purpose: "asesmen", nextInDays: 30, note: null },
      { daysAgo: 6, urgency: "biasa", purpose: "pengantaran_bantuan", nextInDays: 24, note: "Paket sembako diterima." },
    ],
  },
  {
    draft: {
      headName: "Wartini",
      headNik: "3201014407480003",
      kk: "3201011105090004",
      headSex: "P",
      headBirthDate: "1948-07-04",
      rt: "001",
      rw: "002",
      address: "Kp. Cilangkap RT 01",
      location: null,
      memberCount: 1,
      members: [],
      ppks: ["lanjut_usia_terlantar"],
      housing: "layak",
      programmes: ["pbi_jk"],
      programmeOther: null,
      needs: ["kesehatan"],
      needsOther: null,
      desil: 2,
      photos: [],
    },
    registeredDaysAgo: 12,
    visits: [{ daysAgo: 2, urgency: "perhatian", purpose: "monitoring", nextInDays: 5, note: "Sering pusing, obat hipertensi habis." }],
  },
  {
    draft: {
      headName: "Ujang Sutisna",
      headNik: "3201010909800005",
      kk: "3201010203120006",
      headSex: "L",
      headBirthDate: "1980-09-09",
      rt: "004",
      rw: "005",
      address: "Jl. Raya Pondok Rajeg No. 17",
      location: null,
      memberCount: 3,
      members: [
        { name: "Euis Komariah", relationship: "istri", nik: null, sex: "P", birthDate: "1984-02-11" },
        { name: "Dede Sutisna", relationship: "anak", nik: null, sex: "L", birthDate: "2010-10-30" },
      ],
      ppks: ["penyandang_disabilitas", "fakir_miskin"],
      housing: "tidak_layak",
      programmes: [],
      programmeOther: null,
      needs: ["disabilitas_alat_bantu", "pekerjaan_modal_usaha"],
      needsOther: null,
      desil: 1,
      photos: [],
    },
    registeredDaysAgo: 40,
    visits: [{ daysAgo: 38, urgency: "biasa", purpose: "asesmen", nextInDays: 20, note: null }],
  },
];

/** Seeds the demo world once; returns what the banner says about it (empty when it was there). */
export async function seedDemoWorld(app: App, world: World): Promise<string[]> {
  const { db, pii } = app.deps;
  const volunteer = world.users.find((u) => u.n === 1);
  const admin = world.users.find((u) => u.n === 2);
  if (!volunteer || !admin) return [];
  const exists = await db.selectFrom("users").select("id").where("telegram_id", "=", volunteer.id).executeTakeFirst();
  if (exists) return [];
  const now = app.deps.now();
  const today = localDateOf(now, "WIB");
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
  await db.transaction().execute(async (trx) => {
    const adminRow =
      (await trx.selectFrom("users").select("id").where("telegram_id", "=", admin.id).executeTakeFirst()) ??
      (await trx
        .insertInto("users")
        .values({ telegram_id: admin.id, role: "admin", status: "active", name: fullName(admin), phone: admin.phone, username: admin.username ?? null, locale: "id", area_code: null, last_active_at: now })
        .returning("id")
        .executeTakeFirstOrThrow());
    const siti = await trx
      .insertInto("users")
      .values({
        telegram_id: volunteer.id,
        role: "volunteer",
        status: "active",
        name: fullName(volunteer),
        phone: volunteer.phone,
        username: volunteer.username ?? null,
        locale: "id",
        area_code: DEMO_VILLAGE,
        decided_by: adminRow.id,
        decided_at: daysAgo(45),
        last_active_at: daysAgo(2),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("volunteer_applications")
      .values({ user_id: siti.id, kind: "registration", area_code: DEMO_VILLAGE, status: "approved", decided_by: adminRow.id, decided_at: daysAgo(45), created_at: daysAgo(46) })
      .execute();
    for (const family of FAMILIES) {
      const registered = daysAgo(family.registeredDaysAgo);
      const h = await insertHousehold(
        trx,
        pii,
        { ...family.draft, villageCode: DEMO_VILLAGE, consentAt: registered.toISOString() },
        { userId: siti.id, locale: "id", firstVisitDate: addDays(localDateOf(registered, "WIB"), 7) },
      );
      // Registered weeks ago (created_at is not updatable through the schema types on purpose).
      await sql`update households set created_at = ${registered}, status_changed_at = ${registered}, updated_at = ${registered} where id = ${h.id}`.execute(trx);
      for (const v of family.visits) {
        const visitedOn = addDays(today, -v.daysAgo);
        await insertVisit(
          trx,
          {
            householdId: h.id,
            writtenAt: localNoon(visitedOn, "WIB").toISOString(),
            visitedOn,
            purpose: v.purpose,
            intervention: v.purpose === "pengantaran_bantuan" ? "kuratif" : "preventif",
            conditions: v.urgency === "perhatian" ? ["sakit"] : ["stabil"],
            conditionNote: v.note,
            helpGiven: null,
            referral: null,
            referralNote: null,
            urgency: v.urgency,
            followUp: true,
            nextVisitDate: addDays(visitedOn, v.nextInDays),
            photos: [],
            voices: [],
            location: null,
          },
          { userId: siti.id, now: localNoon(visitedOn, "WIB"), visitedAt: localNoon(visitedOn, "WIB") },
        );
      }
    }
  });
  world.startedChats.add(volunteer.id);
  world.startedChats.add(admin.id);
  return [
    `Dunia demo dibuat: ${fullName(volunteer)} sudah terdaftar dan disetujui sebagai relawan di Desa Pondok Rajeg (Kec. Cibinong, Kab. Bogor),`,
    `dengan ${FAMILIES.length} keluarga dan ${FAMILIES.reduce((n, f) => n + f.visits.length, 0)} kunjungan. ${fullName(admin)} adalah admin.`,
  ];
}
