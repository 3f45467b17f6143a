/**
 * Dashboard benchmark (issue 14): 100,000 households and 300,000 visits in PostgreSQL, one
 * regency (Kab. Bogor, 435 villages); the dashboard's API served on a loopback port as in
 * production, for the regency's coordinator (the whole 100,000) and for a district's.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/test npm run bench -- dashboard
 *   DATABASE_URL=… npx tsx bench/dashboard.ts            # the same
 *   BENCH_N=20000 …                                       # fewer households (visits: 3 × N)
 *   BENCH_DASHBOARD_DB=dash_keep …                        # keep (and on later runs reuse) the seeded database
 *
 * DATABASE_URL names an existing database used only to create (and at the end drop) a
 * scratch database. Measured per request on the loopback (the request, the queries, JSON and
 * compression: what the server spends), 40 runs after 3 warm-ups: the households page (first
 * page, filtered, searched, sorted), the summary, targets, the map's data. Targets: households
 * and summary p95 < 150 ms; the map data for the whole area < 1 s.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { sql } from "kysely";
import { sign } from "@tma.js/init-data-node";
import { parseConfig } from "../src/config.js";
import { createApp } from "../src/app.js";
import { createPgDb } from "../src/db/client.js";
import type { Db } from "../src/db/schema.js";
import { createLogger } from "../src/logger.js";
import { createDashboard, startDashboardServer } from "../src/web/server.js";

const N = Number(process.env.BENCH_N ?? 100_000);
const VISITS = 3 * N;
const REGENCY = "32.01";
const TOKEN = "1234567890:AAbench-dashboard-token-000000000";
const NOW = new Date("2026-11-28T03:00:00Z");
const RUNS = 40;

const FIRST = ["Siti", "Budi", "Rahmat", "Yohana", "Wayan", "Agus", "Dewi", "Ratna", "Made", "Nyoman", "Ketut", "Fitri", "Intan", "Joko", "Slamet", "Sri", "Tuti", "Yusuf", "Zainal", "Hendra", "Lukas", "Maria", "Petrus", "Rina", "Sinta", "Teguh", "Umar", "Vina", "Wulan", "Yanti", "Asep", "Cecep", "Dadang", "Euis", "Iwan", "Nining", "Oman", "Popon", "Ujang", "Entin"];
const LAST = ["Aminah", "Santoso", "Hidayat", "Mariani", "Sudarma", "Salim", "Lestari", "Sari", "Wijaya", "Saputra", "Kusuma", "Pratama", "Nugroho", "Wibowo", "Setiawan", "Gunawan", "Hakim", "Rahman", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Tambunan", "Manurung", "Pane", "Lubis", "Daulay", "Sembiring", "Ginting", "Tarigan"];
const STATUSES = ["terdaftar", "terdaftar", "terdaftar", "diverifikasi", "diverifikasi", "diusulkan", "menerima_bantuan", "selesai", "ditolak"];
const PPKS = ["fakir_miskin", "lanjut_usia_terlantar", "penyandang_disabilitas", "anak_terlantar", "perempuan_rawan_sosial_ekonomi", "keluarga_bermasalah_sosial_psikologis"];
const URGENCY = ["biasa", "biasa", "biasa", "biasa", "biasa", "biasa", "perhatian", "perhatian", "darurat"];
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A deterministic pseudo-random sequence (the same data on every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function refCode(i: number): string {
  let s = "";
  for (let n = i + 30 ** 6, k = 0; k < 7; k++, n = Math.floor(n / 30)) s = ALPHABET[n % 30] + s;
  return s;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function die(message: string): never {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(2);
}

/** 400 volunteers, N households and 3 × N visits in Kab. Bogor, deterministic. */
async function seed(db: Db): Promise<void> {
  process.stderr.write(`seeding ${N} households and ${VISITS} visits…\n`);
  // Villages of the regency (435) and their districts.
  const villages = (await db.selectFrom("regions").select("code").where("level", "=", 4).where("code", "like", `${REGENCY}.%`).orderBy("code").execute()).map((r) => r.code);
  const districts = [...new Set(villages.map((v) => v.slice(0, 8)))];
  const rand = rng(42);

  // 400 volunteers (about 250 households each); coordinators are added per measured case.
  const volunteerIds: number[] = [];
  const volunteerVillage: string[] = [];
  const volunteers = await db
    .insertInto("users")
    .values(
      Array.from({ length: 400 }, (_, i) => ({
        telegram_id: 800_000 + i,
        role: "volunteer" as const,
        status: "active" as const,
        name: `${FIRST[i % FIRST.length]} Relawan ${i}`,
        locale: "id",
        area_code: villages[i % villages.length]!,
        last_active_at: new Date(NOW.getTime() - Math.floor(rand() * 30) * 86_400_000),
      })),
    )
    .returning(["id", "area_code"])
    .execute();
  for (const v of volunteers) {
    volunteerIds.push(v.id);
    volunteerVillage.push(v.area_code!);
  }

  // Households, in chunks through unnest (one statement per chunk); the dashboard's counter
  // trigger is off for the bulk load and its table filled once afterwards (as the migration does).
  await sql`alter table households disable trigger households_counts_trg`.execute(db);
  const centre = new Map(villages.map((v) => [v, { lat: -6.75 + rand() * 0.6, lon: 106.55 + rand() * 0.7 }]));
  const householdVolunteer = new Int32Array(N);
  const CHUNK = 10_000;
  const householdIds: number[] = [];
  for (let start = 0; start < N; start += CHUNK) {
    const cols = {
      ref: [] as string[],
      name: [] as string[],
      norm: [] as string[],
      status: [] as string[],
      vol: [] as number[],
      village: [] as string[],
      lat: [] as (number | null)[],
      lon: [] as (number | null)[],
      ppks: [] as string[],
      desil: [] as (number | null)[],
      next: [] as (string | null)[],
      created: [] as string[],
    };
    for (let i = start; i < Math.min(N, start + CHUNK); i++) {
      const v = Math.floor(rand() * volunteerIds.length);
      householdVolunteer[i] = v;
      const village = volunteerVillage[v]!;
      const c = centre.get(village)!;
      const headName = `${FIRST[Math.floor(rand() * FIRST.length)]} ${LAST[Math.floor(rand() * LAST.length)]}`;
      cols.ref.push(refCode(i));
      cols.name.push(headName);
      cols.norm.push(headName.toLowerCase());
      cols.status.push(STATUSES[Math.floor(rand() * STATUSES.length)]!);
      cols.vol.push(volunteerIds[v]!);
      cols.village.push(village);
      const located = rand() < 0.97;
      cols.lat.push(located ? c.lat + (rand() - 0.5) * 0.02 : null);
      cols.lon.push(located ? c.lon + (rand() - 0.5) * 0.02 : null);
      cols.ppks.push(`{${PPKS[Math.floor(rand() * PPKS.length)]}${rand() < 0.2 ? `,${PPKS[Math.floor(rand() * PPKS.length)]}` : ""}}`);
      cols.desil.push(rand() < 0.9 ? 1 + Math.floor(rand() * 10) : null);
      cols.next.push(isoDay(NOW.getTime() + Math.floor((rand() - 0.6) * 60) * 86_400_000));
      cols.created.push(new Date(NOW.getTime() - Math.floor(rand() * 365 * 86_400_000)).toISOString());
    }
    const rows = await sql<{ id: number }>`
      insert into households (ref_code, head_name, head_name_norm, status, status_changed_at, volunteer_id, registered_by,
        village_code, latitude, longitude, member_count, ppks, housing, desil, next_visit_date, created_at, updated_at)
      select r, n, nn, s, c::timestamptz, v, v, vc, la, lo, 4, p::text[], 'tidak_layak', d, nx::date, c::timestamptz, c::timestamptz
      from unnest(${cols.ref}::text[], ${cols.name}::text[], ${cols.norm}::text[], ${cols.status}::text[], ${cols.vol}::int[],
        ${cols.village}::text[], ${cols.lat}::float8[], ${cols.lon}::float8[], ${cols.ppks}::text[], ${cols.desil}::smallint[],
        ${cols.next}::text[], ${cols.created}::text[]) as t(r, n, nn, s, v, vc, la, lo, p, d, nx, c)
      returning id`.execute(db);
    householdIds.push(...rows.rows.map((r) => r.id));
  }

  await sql`alter table households enable trigger households_counts_trg`.execute(db);
  await sql`
    insert into village_household_counts (village_code, key, n)
    select village_code, k, count(*)::int from (
      select village_code, 'total' as k from households
      union all select village_code, 'status:' || status from households
      union all select h.village_code, 'ppks:' || p.code from households h, lateral (select distinct unnest(h.ppks) as code) as p
    ) as x
    group by 1, 2`.execute(db);

  // Visits: the dashboard's trigger is switched off for the bulk load and its tables filled
  // in one statement each afterwards (what the migration's backfill does).
  await sql`alter table visits disable trigger visits_last_visit_trg`.execute(db);
  const VCHUNK = 20_000;
  for (let start = 0; start < VISITS; start += VCHUNK) {
    const cols = { hh: [] as number[], vol: [] as number[], on: [] as string[], urgency: [] as string[], at: [] as string[] };
    for (let i = start; i < Math.min(VISITS, start + VCHUNK); i++) {
      const h = Math.floor(rand() * N);
      const day = NOW.getTime() - Math.floor(rand() * 180) * 86_400_000;
      cols.hh.push(householdIds[h]!);
      cols.vol.push(volunteerIds[householdVolunteer[h]!]!);
      cols.on.push(isoDay(day));
      cols.urgency.push(URGENCY[Math.floor(rand() * URGENCY.length)]!);
      cols.at.push(new Date(day + 10 * 3_600_000).toISOString());
    }
    await sql`
      insert into visits (household_id, volunteer_id, visited_on, written_at, purpose, intervention, conditions, follow_up, next_visit_date, urgency, created_at)
      select h, v, o::date, a::timestamptz, 'monitoring', 'kuratif', '{stabil}', false, null, u, a::timestamptz
      from unnest(${cols.hh}::int[], ${cols.vol}::int[], ${cols.on}::text[], ${cols.urgency}::text[], ${cols.at}::text[]) as t(h, v, o, u, a)`.execute(db);
  }
  await sql`alter table visits enable trigger visits_last_visit_trg`.execute(db);
  await sql`
    insert into household_last_visit (household_id, visit_id, visited_on, urgency)
    select distinct on (household_id) household_id, id, visited_on, urgency from visits
    order by household_id, visited_on desc, id desc`.execute(db);
  await sql`
    insert into visit_daily (village_code, visited_on, n)
    select h.village_code, v.visited_on, count(*)::int from visits v join households h on h.id = v.household_id
    group by 1, 2`.execute(db);
  await sql`
    update households h set last_visit_at = lv.visited_on::timestamptz + interval '10 hours'
    from household_last_visit lv where lv.household_id = h.id`.execute(db);
  // A few hundred open alerts.
  await sql`
    insert into alerts (visit_id, household_id, area_code, status, created_at)
    select v.id, v.household_id, h.village_code, 'open', v.created_at
    from visits v join households h on h.id = v.household_id
    where v.urgency = 'darurat' and v.visited_on > ${isoDay(NOW.getTime() - 7 * 86_400_000)}::date
    limit 300`.execute(db);
  // A steady state: autovacuum has run (index-only scans need the visibility map).
  await sql`vacuum analyze`.execute(db);
}

export async function runDashboardBench(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL ?? process.env.BENCH_DATABASE_URL;
  if (!adminUrl || !/^postgres(ql)?:\/\//.test(adminUrl)) {
    die("The dashboard benchmark needs PostgreSQL: DATABASE_URL=postgres://root@127.0.0.1:5432/test npm run bench -- dashboard");
  }
  const keep = process.env.BENCH_DASHBOARD_DB;
  if (keep !== undefined && !/^[a-z_][a-z0-9_]{0,40}$/.test(keep)) die("BENCH_DASHBOARD_DB must be a plain database name");
  const name = keep ?? `pendamping_dash_${randomBytes(5).toString("hex")}`;
  const admin = createPgDb({ url: adminUrl, max: 1 });
  const exists = (await sql<{ n: number }>`select count(*)::int as n from pg_database where datname = ${name}`.execute(admin.db)).rows[0]!.n > 0;
  if (!exists) await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const logs: string[] = [];
  const logger = createLogger({
    level: "warn",
    destination: new Writable({
      write(chunk, _e, cb) {
        if (logs.length < 20) logs.push(String(chunk).slice(0, 400));
        cb();
      },
    }),
  });
  const dbHandle = createPgDb({ url: url.toString(), max: 10, logger });
  let stop: (() => Promise<void>) | undefined;
  try {
    const config = parseConfig({
      DATABASE_URL: url.toString(),
      PII_KEY: randomBytes(32).toString("hex"),
      BOT_TOKEN: TOKEN,
      WEB_APP_URL: "https://bench.example.org/app/",
      LOG_LEVEL: "warn",
    });
    // The app clock starts at NOW and runs (the rate limits refill as in production).
    const realStart = Date.now();
    const app = await createApp(config, { logger, dbHandle, now: () => new Date(NOW.getTime() + (Date.now() - realStart)) });
    const db = app.deps.db;
    const t0 = performance.now();
    const already = (await sql<{ n: number }>`select count(*)::int as n from households`.execute(db)).rows[0]!.n;
    if (already === 0) await seed(db);
    else process.stderr.write(`reusing ${name} (${already} households)\n`);
    const seeded = ((performance.now() - t0) / 1000).toFixed(1);
    const villages = (await db.selectFrom("regions").select("code").where("level", "=", 4).where("code", "like", `${REGENCY}.%`).orderBy("code").execute()).map((r) => r.code);
    const districts = [...new Set(villages.map((v) => v.slice(0, 8)))];
    const volunteerIds = (await db.selectFrom("users").select("id").where("role", "=", "volunteer").orderBy("id").execute()).map((r) => r.id);
    const householdIds = (await db.selectFrom("households").select("id").orderBy("id").execute()).map((r) => r.id);


    const dashboard = await createDashboard({ deps: app.deps, api: app.bot.api });
    const server = await startDashboardServer(dashboard, { port: 0, host: "127.0.0.1", logger });
    stop = async () => {
      await server.stop();
      await app.close();
    };
    const base = `http://127.0.0.1:${server.port}/app/api`;
    const login = async (tg: number) => {
      const initData = sign({ user: { id: tg, first_name: "Bench" }, query_id: `B${tg}` } as never, TOKEN, NOW);
      const res = await fetch(`${base}/auth/telegram`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ initData }) });
      if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    };
    // One coordinator per measured case: each stays far below the per-user rate limit.
    let nextTg = Number((await sql<{ m: number }>`select coalesce(max(telegram_id), 900000)::bigint as m from users`.execute(db)).rows[0]!.m) + 1;
    const coordinator = async (area: string) => {
      const tg = nextTg++;
      await db.insertInto("users").values({ telegram_id: tg, role: "coordinator", status: "active", name: `Koordinator ${tg}`, locale: "id", area_code: area }).execute();
      return login(tg);
    };

    const sample = await db.selectFrom("households").select(["ref_code", "head_name"]).where("id", "=", householdIds[Math.floor(N / 2)]!).executeTakeFirstOrThrow();
    const cases: { label: string; path: string; token: "regency" | "district"; target: number }[] = [
      { label: "households: first page (100k in scope)", path: "households", token: "regency", target: 150 },
      { label: "households: status + desil", path: "households?status=diverifikasi&desil=2", token: "regency", target: 150 },
      { label: "households: PPKS + overdue", path: "households?ppks=lanjut_usia_terlantar&overdue=1", token: "regency", target: 150 },
      { label: "households: last visit darurat", path: "households?urgency=darurat", token: "regency", target: 150 },
      { label: "households: one district, by name", path: `households?area=${districts[3]}&sort=name`, token: "regency", target: 150 },
      { label: "households: one volunteer", path: `households?volunteer=${volunteerIds[7]}`, token: "regency", target: 150 },
      { label: "households: page 200", path: "households?page=200", token: "regency", target: 150 },
      { label: "households: search name", path: `households?q=${encodeURIComponent(sample.head_name.split(" ")[1]!.slice(0, 5))}`, token: "regency", target: 150 },
      { label: "households: search code", path: `households?q=${sample.ref_code}`, token: "regency", target: 150 },
      { label: "summary (regency)", path: "summary", token: "regency", target: 150 },
      { label: "summary (district)", path: "summary", token: "district", target: 150 },
      { label: "targets (400 volunteers)", path: "targets", token: "regency", target: 1000 },
      { label: "alerts", path: "alerts", token: "regency", target: 150 },
      { label: "map data (whole regency)", path: "map", token: "regency", target: 1000 },
    ];
    const lines: string[] = [];
    let failed = false;
    for (const c of cases) {
      const token = await coordinator(c.token === "district" ? districts[0]! : REGENCY);
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < RUNS + 3; i++) {
        const started = performance.now();
        const res = await fetch(`${base}/${c.path}`, { headers: { authorization: `Bearer ${token}`, "accept-encoding": "br, gzip" } });
        const body = Buffer.from(await res.arrayBuffer());
        const ms = performance.now() - started;
        if (!res.ok) throw new Error(`${c.path}: ${res.status} ${body.toString().slice(0, 200)}`);
        if (i >= 3) times.push(ms);
        bytes = Number(res.headers.get("content-length") ?? body.length);
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50);
      const p95 = percentile(times, 95);
      const ok = p95 < c.target;
      failed ||= !ok;
      lines.push(
        `${c.label.padEnd(44)} ${p50.toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${`< ${c.target}`.padStart(8)} ${ok ? "ok" : "SLOW"}  ${(bytes / 1024).toFixed(0)} KB`,
      );
    }
    const counts = await sql<{ h: number; v: number }>`select (select count(*) from households)::int as h, (select count(*) from visits)::int as v`.execute(db);
    const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]!.v;
    process.stdout.write(
      [
        "",
        `Dashboard benchmark, PostgreSQL ${version}, Node ${process.version}`,
        `Data: ${counts.rows[0]!.h} households, ${counts.rows[0]!.v} visits, 435 villages of Kab. Bogor, 400 volunteers (seeded in ${seeded} s)`,
        `Front end built in ${dashboard.assets.builtInMs} ms; first page ${(dashboard.assets.firstPageGzipBytes / 1024).toFixed(1)} KB gzip, ${(dashboard.assets.firstPageBrotliBytes / 1024).toFixed(1)} KB brotli (budget 150 KB)`,
        `Per request on the loopback, ${RUNS} runs after 3 warm-ups (ms):`,
        `${"".padEnd(44)} ${"p50".padStart(8)} ${"p95".padStart(8)} ${"target".padStart(8)}`,
        ...lines,
        logs.length > 0 ? `Log lines at warn or above: ${logs.length}\n${logs.join("")}` : "",
        "",
      ].join("\n"),
    );
    if (failed) process.exitCode = 1;
  } finally {
    await stop?.().catch(() => undefined);
    if (!stop) await dbHandle.close().catch(() => undefined);
    if (keep === undefined) await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db).catch(() => undefined);
    await admin.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDashboardBench().catch((err: unknown) => {
    process.stderr.write(`dashboard benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
