/**
 * Export benchmark: seeds N households (default 100,000) and as many visits in one regency,
 * then writes the XLSX (households + visits) and the households CSV exactly as /ekspor does,
 * and reports time, file sizes and peak memory (RSS and heap). Shows that exports stream:
 * memory stays flat whatever N is.
 *
 *   npx tsx bench/export.ts                 # embedded PGlite, 100,000 households
 *   BENCH_N=20000 npx tsx bench/export.ts
 *   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/bench npx tsx bench/export.ts   # an empty database
 *   (a database that already holds exactly BENCH_N households from an earlier run is reused)
 *   BENCH_KINDS=x,h (default): which exports to write (x = XLSX, h/a/v = CSV of households/members/visits)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { getHeapStatistics } from "node:v8";
import { join } from "node:path";
import { sql } from "kysely";
import { createPgDb, createPgliteDb } from "../src/db/client.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { AppClockPlugin } from "../src/db/clock-plugin.js";
import { createPiiCrypto } from "../src/pii.js";
import { createI18n } from "../src/i18n.js";
import { writeExport } from "../src/bot/coordinator/export.js";
import type { ExportKind } from "../src/bot/coordinator/export.js";

const N = Number(process.env.BENCH_N ?? 100_000);
const AREA = "32.01"; // Kab. Bogor
const VILLAGES = ["32.01.01.1001", "32.01.01.1002", "32.01.02.2001", "32.01.02.2002"];

const ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A valid, unique reference code for row i (base 30, 7 characters). */
function refCode(i: number): string {
  let s = "";
  for (let n = i + 30 ** 6, k = 0; k < 7; k++, n = Math.floor(n / 30)) s = ALPHABET[n % 30] + s;
  return s;
}

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  // Cheap probes (process.memoryUsage() walks every heap space: too slow to call this often).
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
}, 50);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const handle = process.env.BENCH_DATABASE_URL ? createPgDb({ url: process.env.BENCH_DATABASE_URL }) : await createPgliteDb({});
  // Written-at columns come from the app clock, as in the app.
  const db = handle.db.withPlugin(new AppClockPlugin(() => new Date("2026-11-28T02:00:00Z")));
  // A fixed key: a database seeded by an earlier run can be reused (benchmark data only).
  const pii = createPiiCrypto(process.env.BENCH_PII_KEY ?? "5e".repeat(32));
  const t0 = Date.now();
  await migrateToLatest(db);
  console.log(`migrated in ${((Date.now() - t0) / 1000).toFixed(1)} s (${handle.kind})`);

  const existing = Number((await db.selectFrom("households").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  if (existing === N) {
    console.log(`reusing the ${N} households and visits already in the database`);
  } else {
  const volunteer = await db
    .insertInto("users")
    .values({ telegram_id: 1, role: "volunteer", status: "active", name: "Relawan Bench", locale: "id", area_code: VILLAGES[0]! })
    .returning("id")
    .executeTakeFirstOrThrow();
  const t1 = Date.now();
  const CHUNK = 1000;
  for (let start = 0; start < N; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(N, start + CHUNK); i++) {
      const nik = `3201014508${String(i).padStart(6, "0")}`;
      const kk = `3201012001${String(i).padStart(6, "0")}`;
      rows.push({
        ref_code: refCode(i),
        volunteer_id: volunteer.id,
        registered_by: volunteer.id,
        head_name: `Kepala Keluarga ${i}`,
        head_name_norm: `kepala keluarga ${i}`,
        head_nik_enc: pii.encrypt(nik),
        head_nik_hash: pii.hash(nik),
        kk_enc: pii.encrypt(kk),
        kk_hash: pii.hash(kk),
        head_sex: (i % 2 === 0 ? "L" : "P") as "L" | "P",
        head_birth_date: "1970-01-01",
        village_code: VILLAGES[i % VILLAGES.length]!,
        rt: "001",
        rw: "002",
        address: `Jl. Mawar No. ${i}`,
        member_count: 1 + (i % 7),
        ppks: ["fakir_miskin"],
        programmes: ["pkh"],
        needs: ["pangan", "kesehatan"],
        housing: "tidak_layak",
        desil: 1 + (i % 10),
      });
    }
    const ids = await db.insertInto("households").values(rows).returning("id").execute();
    await db
      .insertInto("visits")
      .values(
        ids.map((h, k) => ({
          household_id: h.id,
          volunteer_id: volunteer.id,
          visited_on: "2026-11-20",
          written_at: "2026-11-20T03:00:00Z",
          purpose: "monitoring",
          intervention: "preventif",
          conditions: ["stabil"],
          condition_note: k % 3 === 0 ? "Keadaan baik, anak sekolah" : null,
          follow_up: false,
          next_visit_date: null,
          urgency: "biasa",
        })),
      )
      .execute();
  }
  console.log(`seeded ${N} households and ${N} visits in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }
  // Planner statistics, as autovacuum keeps them in a running database a minute after a bulk
  // load. Without them PostgreSQL guesses the area filter selective and sorts the whole area
  // for every page (the export then takes two to three times as long).
  await sql`analyze`.execute(db);

  const i18n = createI18n("id");
  const kinds = (process.env.BENCH_KINDS ?? "x,h").split(",") as ExportKind[];
  for (const kind of kinds) {
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    peakRss = before.rss;
    peakHeap = before.heapUsed;
    const dir = mkdtempSync(join(tmpdir(), "bench-export-"));
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    const result = await writeExport(
      dir,
      kind,
      { db, pii, t: i18n.t("id"), area: AREA, full: false },
      { base: `bench_${kind}`, splitBytes: 48_000_000 },
    );
    const ms = Date.now() - started;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `${kind === "x" ? "XLSX (households + members + visits)" : "CSV households"}: ${result.households} households, ${result.visits} visits, ` +
        `${(ms / 1000).toFixed(1)} s (this process used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU), files ${result.parts.map((p) => mb(p.bytes)).join(" + ")}, ` +
        `RSS ${mb(before.rss)} before, peak ${mb(peakRss)}; heap ${mb(before.heapUsed)} before, peak ${mb(peakHeap)}`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  clearInterval(sampler);
  await handle.close();
}

main().catch((err) => {
  clearInterval(sampler);
  console.error(err);
  process.exit(1);
});
