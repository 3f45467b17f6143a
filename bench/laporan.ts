/**
 * Monthly activity report benchmark (/laporan): one volunteer's month of 200 visits (and 40
 * registrations) on a migrated database, then exactly what the report job does — the two
 * queries, the PDF (pdfkit, Noto Sans embedded) and the XLSX — timed over several runs.
 * The target is under 5 s for a 200-visit month.
 *
 *   npx tsx bench/laporan.ts                      # embedded PGlite
 *   BENCH_VISITS=1000 npx tsx bench/laporan.ts
 *   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/bench npx tsx bench/laporan.ts   # an EMPTY database
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { createPgDb, createPgliteDb } from "../src/db/client.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { createPiiCrypto } from "../src/pii.js";
import { createI18n } from "../src/i18n.js";
import { buildReportData } from "../src/bot/fieldwork/report.js";
import { renderReportPdf, renderReportXlsx } from "../src/bot/fieldwork/report-render.js";
import { INTERVENTION_TYPES, VISIT_PURPOSES } from "../src/domain/ppks.js";

const VISITS = Number(process.env.BENCH_VISITS ?? 200);
const REGISTRATIONS = Math.max(1, Math.round(VISITS / 5));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MONTH = "2026-11";
const VILLAGE = "32.01.01.1001";
const NOW = new Date("2026-12-01T03:00:00Z");

const ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
function refCode(i: number): string {
  let s = "";
  for (let n = i + 30 ** 6, k = 0; k < 7; k++, n = Math.floor(n / 30)) s = ALPHABET[n % 30] + s;
  return s;
}

async function main(): Promise<void> {
  const handle = process.env.BENCH_DATABASE_URL ? createPgDb({ url: process.env.BENCH_DATABASE_URL }) : await createPgliteDb({});
  const db = handle.db;
  const pii = createPiiCrypto(randomBytes(32).toString("hex"));
  const t0 = Date.now();
  await migrateToLatest(db);
  console.log(`migrated in ${((Date.now() - t0) / 1000).toFixed(1)} s (${handle.kind})`);

  const volunteer = await db
    .insertInto("users")
    .values({ telegram_id: 1, role: "volunteer", status: "active", name: "Relawan Bench", locale: "id", area_code: VILLAGE, created_at: NOW, updated_at: NOW })
    .returningAll()
    .executeTakeFirstOrThrow();
  const households = Math.max(REGISTRATIONS, Math.ceil(VISITS / 3));
  const ids: number[] = [];
  for (let i = 0; i < households; i++) {
    const nik = `3201014508${String(i).padStart(6, "0")}`;
    // The first REGISTRATIONS households were registered in the month; the rest before it.
    const created = i < REGISTRATIONS ? new Date(Date.UTC(2026, 10, 1 + (i % 29), 3)) : new Date("2026-09-01T03:00:00Z");
    const row = await db
      .insertInto("households")
      .values({
        ref_code: refCode(i),
        volunteer_id: volunteer.id,
        registered_by: volunteer.id,
        head_name: `Kepala Keluarga ${i}`,
        head_name_norm: `kepala keluarga ${i}`,
        head_nik_enc: pii.encrypt(nik),
        head_nik_hash: pii.hash(nik),
        head_sex: "P",
        head_birth_date: "1970-01-01",
        village_code: VILLAGE,
        rt: String(1 + (i % 9)).padStart(3, "0"),
        rw: "002",
        address: `Jl. Mawar No. ${i}`,
        member_count: 1 + (i % 7),
        ppks: i % 3 === 0 ? ["lanjut_usia_terlantar", "fakir_miskin"] : ["fakir_miskin"],
        programmes: ["pkh"],
        needs: ["pangan"],
        housing: "tidak_layak",
        desil: 1,
        status_changed_at: created,
        created_at: created,
        updated_at: created,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  const rows = Array.from({ length: VISITS }, (_, i) => {
    const on = `${MONTH}-${String(1 + (i % 30)).padStart(2, "0")}`;
    return {
      household_id: ids[i % ids.length]!,
      volunteer_id: volunteer.id,
      visited_on: on,
      written_at: new Date(`${on}T03:00:00Z`),
      purpose: VISIT_PURPOSES[i % VISIT_PURPOSES.length]!,
      intervention: INTERVENTION_TYPES[i % INTERVENTION_TYPES.length]!,
      conditions: i % 2 === 0 ? ["stabil"] : ["sakit", "kurang_pangan"],
      help_given: i % 4 === 0 ? "Mengantar paket sembako dan membantu mengurus rujukan ke puskesmas" : null,
      referral: i % 10 === 0 ? "puskesmas_rs" : null,
      follow_up: i % 3 !== 0,
      next_visit_date: i % 3 !== 0 ? "2026-12-15" : null,
      urgency: i % 25 === 0 ? "perhatian" : "biasa",
      created_at: new Date(`${on}T03:00:00Z`),
    };
  });
  for (let i = 0; i < rows.length; i += 500) await db.insertInto("visits").values(rows.slice(i, i + 500)).execute();
  await sql`analyze`.execute(db);
  console.log(`seeded ${households} households (${REGISTRATIONS} registered in ${MONTH}) and ${VISITS} visits`);

  const t = createI18n("id").t("id");
  // Wall time, and the CPU time the process used meanwhile (what the work costs on an idle
  // core: on a shared, busy machine wall time is mostly waiting for a core).
  const times: { query: number; pdf: number; xlsx: number; total: number; cpu: number }[] = [];
  let pdfBytes = 0;
  let xlsxBytes = 0;
  let pages = 0;
  for (let run = 0; run < RUNS; run++) {
    const cpu0 = process.cpuUsage();
    const a = performance.now();
    const data = await buildReportData({ db, pii, now: () => NOW }, t, volunteer, { kind: "volunteer", volunteer, area: null }, MONTH);
    const b = performance.now();
    const pdf = await renderReportPdf(t, data, NOW);
    const c = performance.now();
    const xlsx = await renderReportXlsx(t, data);
    const d = performance.now();
    if (data.visits.length !== VISITS || data.registrations.length !== REGISTRATIONS) throw new Error(`expected ${VISITS} visits, got ${data.visits.length}`);
    const cpu = process.cpuUsage(cpu0);
    times.push({ query: b - a, pdf: c - b, xlsx: d - c, total: d - a, cpu: (cpu.user + cpu.system) / 1000 });
    pdfBytes = pdf.length;
    xlsxBytes = xlsx.length;
    pages = (pdf.toString("latin1").match(/\/Type \/Page\b/g) ?? []).length;
    if (run === 0) writeFileSync(join(tmpdir(), "bench-laporan.pdf"), pdf);
  }
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const median = (k: keyof (typeof times)[number]) => [...times].sort((x, y) => x[k] - y[k])[Math.floor(times.length / 2)]![k];
  const max = (k: keyof (typeof times)[number]) => Math.max(...times.map((x) => x[k]));
  console.log(`report of ${VISITS} visits + ${REGISTRATIONS} registrations, ${RUNS} runs (first run includes font loading):`);
  for (const k of ["query", "pdf", "xlsx", "total", "cpu"] as const) console.log(`  ${k.padEnd(5)} median ${fmt(median(k))}, max ${fmt(max(k))}`);
  console.log(`  PDF ${(pdfBytes / 1024).toFixed(0)} KB, ${pages} pages (${join(tmpdir(), "bench-laporan.pdf")}); XLSX ${(xlsxBytes / 1024).toFixed(0)} KB`);
  console.log(`${max("total") < 5000 ? "OK" : "SLOW"}: slowest run ${fmt(max("total"))} wall, ${fmt(max("cpu"))} CPU (target: under 5 s); load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  await handle.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
