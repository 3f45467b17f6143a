import { sql } from "kysely";
import type { HouseholdDraft } from "../../src/domain/household.js";
import { insertHousehold } from "../../src/db/queries/households.js";
import type { Role, UserStatus } from "../../src/db/schema.js";
import type { TestApp } from "../support/app.js";
import type { TestUser } from "../support/chat.js";

/**
 * Fixtures of the trust tests (issue 11). Only the bot's public behaviour and the oldest
 * repository functions are used, so that the tests of the findings also run against the code
 * from before the fixes (to show that they failed there).
 */

export const BOGOR_VILLAGE = "32.01.01.1002"; // Karadenan, Kec. Cibinong, Kab. Bogor (WIB)
export const BOGOR_VILLAGE_2 = "32.01.01.1006"; // Cibinong, Kec. Cibinong
export const MAKASSAR_VILLAGE = "73.71.01.1001"; // Bontorannu, Kec. Mariso, Kota Makassar (WITA)

export const H_NIK = "3201014508680001"; // head: female, born 05-08-1968
export const H_KK = "3201012001150003";
export const H_NAME = "Siti Aminah";
export const H_ADDRESS = "Jl. Melati No. 5, dekat masjid";
export const H_CHILD_NIK = "3201015203100002";

export function draft(overrides: Partial<HouseholdDraft> = {}): HouseholdDraft {
  return {
    consentAt: "2026-11-20T02:00:00.000Z",
    headName: H_NAME,
    headNik: H_NIK,
    kk: H_KK,
    headSex: "P",
    headBirthDate: "1968-08-05",
    villageCode: BOGOR_VILLAGE,
    rt: "004",
    rw: "006",
    address: H_ADDRESS,
    location: { latitude: -6.4812, longitude: 106.8345 },
    memberCount: 2,
    members: [{ name: "Ani Rahmawati", relationship: "anak", nik: H_CHILD_NIK, sex: "P", birthDate: "2010-03-12" }],
    ppks: ["fakir_miskin"],
    housing: "tidak_layak",
    programmes: ["pkh"],
    programmeOther: null,
    needs: ["pangan"],
    needsOther: null,
    desil: 2,
    photos: [],
    ...overrides,
  };
}

export async function seedUser(
  t: TestApp,
  spec: { telegramId: number; role: Role; name: string; area: string | null; status?: UserStatus; phone?: string | null },
): Promise<number> {
  const row = await t.app.deps.db
    .insertInto("users")
    .values({
      telegram_id: spec.telegramId,
      role: spec.role,
      status: spec.status ?? "active",
      name: spec.name,
      locale: "id",
      area_code: spec.area,
      phone: spec.phone ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function seedHousehold(t: TestApp, volunteerId: number, overrides: Partial<HouseholdDraft> = {}): Promise<{ id: number; refCode: string; display: string }> {
  const { id, refCode } = await insertHousehold(t.app.deps.db, t.app.deps.pii, draft(overrides), { userId: volunteerId, locale: "id" });
  return { id, refCode, display: `${refCode.slice(0, 2)}-${refCode.slice(2)}` };
}

/** Every row of every table except the read-only regions and the per-update bookkeeping (`columns`: only these of a table). */
export async function dumpDb(t: TestApp, skip: string[] = [], columns: Record<string, string[]> = {}): Promise<Record<string, string[]>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(t.app.deps.db);
  const out: Record<string, string[]> = {};
  for (const { table_name } of tables.rows) {
    if (["regions", "processed_update", "kysely_migration", "kysely_migration_lock", ...skip].includes(table_name)) continue;
    const cols = columns[table_name];
    const rows = cols
      ? await sql<{ row: string }>`select (${sql.join(cols.map((c) => sql.ref(`t.${c}`)))})::text as row from ${sql.table(table_name)} t order by 1`.execute(t.app.deps.db)
      : await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t order by 1`.execute(t.app.deps.db);
    out[table_name] = rows.rows.map((r) => r.row);
  }
  return out;
}

/** Runs background jobs until none is due. */
export async function runJobs(t: TestApp): Promise<void> {
  for (let i = 0; i < 10; i++) {
    if ((await t.app.worker.runDue()) === 0) return;
  }
}

export interface RegistrationAnswers {
  name: string;
  nik: string;
  kk: string;
  /** At the village question (default: take the offered village, the 📍 button). */
  village?: (u: TestUser) => Promise<void>;
  /** Typed at the address question (default: skipped). */
  address?: string;
}

const hasButton = (u: TestUser, label: RegExp) => u.buttons().some((b) => label.test(b));

/**
 * Goes through /daftar the way a volunteer would, answering whatever is asked (it reads the
 * question, so small changes in the order of the form do not matter), up to and including
 * "Simpan" — or until the bot says the family is already registered. Returns every text the
 * volunteer saw meanwhile.
 */
export async function registerHousehold(u: TestUser, a: RegistrationAnswers): Promise<string[]> {
  const seen: string[] = [];
  const take = () => {
    seen.push(...u.newTexts());
  };
  u.markSeen();
  await u.send("/daftar");
  take();
  let saved = false;
  for (let step = 0; step < 80 && !saved; step++) {
    if (seen.some((x) => /sudah terdaftar|sudah tersimpan|sudah dipakai/i.test(x))) break;
    const text = u.lastText() ?? "";
    const tapOr = async (label: RegExp, otherwise: () => Promise<unknown>) => (hasButton(u, label) ? u.tap(label) : otherwise());
    if (/Ringkasan data keluarga|Tekan tombol di bawah ringkasan/.test(text)) {
      await u.tap(/💾 Simpan/);
      saved = true;
    } else if (/bacakan ini kepada keluarga/.test(text)) await u.tap(/Keluarga setuju/);
    else if (/nama lengkap Kepala Keluarga/.test(text)) await u.send(a.name);
    else if (/Ketik <b>NIK<\/b>|Ketik NIK/.test(text) && !/anggota/i.test(text)) await u.send(a.nik);
    else if (/Benar\?/.test(text)) await u.tap(/^✅ Benar/);
    else if (/Kartu Keluarga/.test(text)) await u.send(a.kk);
    else if (/desa\/kelurahan/.test(text)) {
      if (a.village) await a.village(u);
      else await u.tap(/^📍/);
    } else if (/RT\/RW/.test(text)) await tapOr(/^Lewati|⏭/, () => u.send("-"));
    else if (/[Aa]lamat atau patokan/.test(text)) await (a.address !== undefined ? u.send(a.address) : tapOr(/^Lewati|⏭/, () => u.send("-")));
    else if (/lokasi rumah|kembali ke pertanyaan sebelumnya/.test(text)) await u.tap("Lewati lokasi");
    else if (/jumlah anggota keluarga/.test(text)) await u.tap("1");
    else if (/kategori PPKS/.test(text)) await (hasButton(u, /Selesai \([1-9]\d* dipilih\)/) ? u.tap(/Selesai \([1-9]/) : u.tap(/^▫️/));
    else if (/kondisi rumah/.test(text)) await u.tap(u.buttons()[0]!);
    else if (/Bantuan apa saja/.test(text)) await (hasButton(u, /Selesai \([1-9]\d* dipilih\)/) ? u.tap(/Selesai \([1-9]/) : u.tap(/Belum menerima/));
    else if (/kebutuhan utama/.test(text)) await u.tap(/Selesai/);
    else if (/kebutuhan lain/i.test(text)) await tapOr(/^Lewati|⏭/, () => u.send("-"));
    else if (/[Dd]esil/.test(text)) await u.tap("Tidak tahu");
    else if (/foto rumah|Foto ke-/.test(text)) await u.tap(/Selesai/);
    else if (u.buttons().some((b) => !/Kembali/.test(b))) await u.tap(u.buttons().find((b) => !/Kembali/.test(b))!);
    else throw new Error(`registerHousehold: no idea how to answer:\n${text}\n=== chat:\n${u.texts().slice(-8).join("\n---\n")}`);
    take();
  }
  take();
  if (!seen.some((x) => /sudah tersimpan/i.test(x))) await stopFlow(u);
  return seen;
}

/** /batal, confirming when the bot asks whether to throw the entry away. */
export async function stopFlow(u: TestUser): Promise<void> {
  await u.send("/batal");
  const confirm = u.buttons().find((b) => /^(✅ )?Ya|hentikan|hapus isian|batalkan/i.test(b));
  if (confirm) await u.tap(confirm);
}
