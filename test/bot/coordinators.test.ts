import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { User } from "../../src/db/schema.js";
import { insertHousehold } from "../../src/db/queries/households.js";
import type { HouseholdDraft } from "../../src/domain/household.js";
import { formatRefCode } from "../../src/domain/refcode.js";


/** Runs due jobs until none is left (one run claims only a few). */
async function runJobs(app: TestApp): Promise<void> {
  for (let i = 0; i < 20 && (await app.app.worker.runDue()) > 0; i++);
}

const BOGOR = "32.01";
const CIBINONG = "32.01.01";
const SUKABUMI = "32.02";
const PONDOK_RAJEG = "32.01.01.1001";
const WANAHERANG = "32.01.02.2001";
const WARNAJATI = "32.02.11.2006";

let t: TestApp;
const u: Record<string, User> = {};
const hh: Record<string, { id: number; refCode: string }> = {};

let counter = 0;
function draft(village: string, name: string): HouseholdDraft {
  counter++;
  const n = String(counter).padStart(4, "0");
  return {
    consentAt: "2026-11-01T03:00:00.000Z",
    headName: name,
    headNik: `320101450868${n}`,
    kk: `320101200115${n}`,
    headSex: "L",
    headBirthDate: "1970-01-01",
    villageCode: village,
    rt: "001",
    rw: "002",
    address: null,
    location: null,
    memberCount: 3,
    members: [],
    ppks: ["fakir_miskin"],
    housing: "layak",
    programmes: [],
    programmeOther: null,
    needs: [],
    needsOther: null,
    desil: null,
    photos: [],
  };
}

async function seed(key: string, v: { tg: number; role: User["role"]; status?: User["status"]; name: string; area: string | null }) {
  u[key] = await t.app.deps.db
    .insertInto("users")
    .values({ telegram_id: v.tg, role: v.role, status: v.status ?? "active", name: v.name, locale: "id", area_code: v.area, last_active_at: new Date(t.clock.now - 3 * 86_400_000) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function userRow(key: string): Promise<User> {
  return t.app.deps.db.selectFrom("users").selectAll().where("id", "=", u[key]!.id).executeTakeFirstOrThrow();
}

async function volunteerOf(key: string): Promise<number | null> {
  return (await t.app.deps.db.selectFrom("households").select("volunteer_id").where("id", "=", hh[key]!.id).executeTakeFirstOrThrow()).volunteer_id;
}

async function auditActions(prefix: string): Promise<string[]> {
  return (await t.app.deps.db.selectFrom("audit_log").select("action").where("action", "like", `${prefix}%`).orderBy("id").execute()).map((r) => r.action);
}

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: "9500" } });
  await seed("bogor", { tg: 9400, role: "coordinator", name: "Koordinator Bogor", area: BOGOR });
  await seed("cibinong", { tg: 9401, role: "coordinator", name: "Koordinator Cibinong", area: CIBINONG });
  await seed("sukabumi", { tg: 9402, role: "coordinator", name: "Koordinator Sukabumi", area: SUKABUMI });
  await seed("ani", { tg: 9410, role: "volunteer", name: "Ani", area: PONDOK_RAJEG });
  await seed("budi", { tg: 9411, role: "volunteer", name: "Budi", area: WANAHERANG });
  await seed("sukma", { tg: 9412, role: "volunteer", name: "Sukma", area: WARNAJATI });
  await seed("warga", { tg: 9420, role: "beneficiary", name: null as unknown as string, area: null });
  await seed("calon", { tg: 9421, role: "volunteer", status: "pending", name: "Calon", area: PONDOK_RAJEG });
  for (const [key, owner, village, name] of [
    ["h1", "ani", PONDOK_RAJEG, "Siti Aminah"],
    ["h2", "ani", PONDOK_RAJEG, "Rahmat Hidayat"],
    ["h3", "ani", PONDOK_RAJEG, "Dewi Lestari"],
    ["hs", "sukma", WARNAJATI, "Orang Sukabumi"],
  ] as const) {
    hh[key] = await insertHousehold(t.app.deps.db, t.app.deps.pii, draft(village, name), { userId: u[owner]!.id, locale: "id" });
  }
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("access", () => {
  const COMMANDS = ["siaran", "broadcast", "rekap", "summary", "ekspor", "export", "relawan", "volunteers", "koordinator", "coordinators"];

  it("refuses every coordinator command and every forged button to volunteers, applicants and beneficiaries", async () => {
    const callbacks = () => [
      "bc:new",
      "bc:stop:1",
      "ex:menu",
      "ex:full",
      "ex:go:x:f",
      "ex:go:h:m",
      "rl:p:0",
      `rl:v:${u.budi!.id}`,
      `rl:h:${u.budi!.id}:0`,
      `rl:mv:${u.budi!.id}`,
      `rl:hm:${hh.h1!.id}`,
      "ko:p:0",
      `ko:c:${u.cibinong!.id}`,
      `ko:s:${u.cibinong!.id}`,
      `ko:sy:${u.cibinong!.id}`,
      `ko:r:${u.cibinong!.id}`,
      `ko:a:${u.cibinong!.id}`,
    ];
    for (const [key, tg, denial] of [
      ["ani", 9410, "khusus untuk koordinator"],
      ["warga", 9420, "khusus untuk koordinator"],
      ["calon", 9421, "masih menunggu persetujuan"],
    ] as const) {
      const person = t.driver.user({ id: tg, firstName: key });
      for (const cmd of COMMANDS) {
        await person.send(`/${cmd}`);
        expect(person.lastText(), `/${cmd} for ${key}`).toContain(denial);
      }
      for (const data of callbacks()) {
        await person.tapData(data);
        expect(person.lastCallbackAnswer(), `${data} for ${key}`).toMatchObject({ show_alert: true, text: expect.stringContaining(denial) });
      }
    }
    expect(await t.app.deps.db.selectFrom("job").select("id").where("name", "in", ["coordinator-export", "coordinator-notify"]).execute()).toHaveLength(0);
    expect((await userRow("cibinong")).status).toBe("active");
    expect(await volunteerOf("h1")).toBe(u.ani!.id);
    expect(await t.app.deps.db.selectFrom("conversation_state").select("key").execute()).toHaveLength(0);
  });

  it("does not list the coordinator commands in /bantuan for volunteers, but does for coordinators", async () => {
    const ani = t.driver.user({ id: 9410, firstName: "Ani" });
    await ani.send("/bantuan");
    expect(ani.lastText()).not.toMatch(/\/siaran|\/rekap|\/ekspor|\/relawan|\/koordinator/);
    const coord = t.driver.user({ id: 9400, firstName: "Koordinator" });
    await coord.send("/bantuan");
    for (const cmd of ["/siaran", "/rekap", "/ekspor", "/relawan", "/koordinator"]) expect(coord.lastText()).toContain(cmd);
  });
});

describe("/relawan and moving households", () => {
  it("lists the area's volunteers with their households and last activity, and moves chosen households; both volunteers are told", async () => {
    const coord = t.driver.user({ id: 9400, firstName: "Koordinator" });
    await coord.send("/relawan");
    const list = coord.lastText() ?? "";
    expect(list).toContain("Relawan Kab. Bogor — Jawa Barat — 2 orang");
    // Ani used the bot today (above); Budi three days ago.
    expect(list).toContain("Ani — Kel. Pondok Rajeg\n    3 keluarga · terakhir aktif: hari ini");
    expect(list).toContain("Budi — Desa Wanaherang\n    0 keluarga · terakhir aktif: 3 hari lalu");
    expect(list).not.toContain("Sukma");
    expect(list).not.toContain("Calon");
    await coord.tap("1. Ani");
    expect(coord.lastText()).toContain("Keluarga dampingan: 3");
    await coord.tap("📋 Keluarga dampingan");
    expect(coord.lastText()).toContain("Siti Aminah");
    await coord.tap("🔁 Pindahkan keluarga");
    expect(coord.lastText()).toContain("Pilih keluarga dampingan Ani");
    await coord.tap(`▫️ ${formatRefCode(hh.h1!.refCode)} · Siti Aminah`);
    await coord.tap(`▫️ ${formatRefCode(hh.h2!.refCode)} · Rahmat Hidayat`);
    await coord.tap("✅ Selesai (2 dipilih)");
    expect(coord.lastText()).toContain("Pilih pendamping baru untuk 2 keluarga");
    expect(coord.buttons()).toContain("Budi · Desa Wanaherang (0)");
    await coord.send("bud");
    await coord.tap("Budi · Desa Wanaherang (0)");
    expect(coord.lastText()).toContain("Pindahkan 2 keluarga dari Ani ke Budi?");
    await coord.tap("✅ Ya, pindahkan");
    expect(coord.lastText()).toContain("2 keluarga sekarang didampingi Budi");

    expect(await volunteerOf("h1")).toBe(u.budi!.id);
    expect(await volunteerOf("h2")).toBe(u.budi!.id);
    expect(await volunteerOf("h3")).toBe(u.ani!.id);
    expect(await auditActions("household.reassigned")).toHaveLength(2);
    const detail = await t.app.deps.db.selectFrom("audit_log").select(["actor_id", "details"]).where("action", "=", "household.reassigned").executeTakeFirstOrThrow();
    expect(detail).toEqual({ actor_id: u.bogor!.id, details: { from: u.ani!.id, to: u.budi!.id } });

    await runJobs(t);
    const ani = t.driver.user({ id: 9410, firstName: "Ani" });
    const budi = t.driver.user({ id: 9411, firstName: "Budi" });
    // (Other morning messages may arrive in the same run.)
    const toAni = ani.texts().find((x) => x.includes("memindahkan"));
    expect(toAni).toContain("memindahkan 2 keluarga dampingan Anda ke pendamping lain (Budi)");
    expect(toAni).toContain(formatRefCode(hh.h1!.refCode));
    expect(budi.texts().join("\n")).toContain("Anda mendapat 2 keluarga dampingan baru (sebelumnya didampingi Ani)");
    // The new volunteer sees them in /keluarga.
    await budi.send("/keluarga");
    expect(budi.lastText()).toContain("Siti Aminah");
  });

  it("offers 'Pindahkan pendamping' on the household card to staff only, and refuses households outside the area", async () => {
    const coord = t.driver.user({ id: 9400, firstName: "Koordinator" });
    await coord.tapData(`hh:open:${hh.h3!.id}`);
    expect(coord.buttons()).toContain("🔁 Pindahkan pendamping");
    const ani = t.driver.user({ id: 9410, firstName: "Ani" });
    await ani.tapData(`hh:open:${hh.h3!.id}`);
    expect(ani.lastText()).toContain("Dewi Lestari");
    expect(ani.buttons()).not.toContain("🔁 Pindahkan pendamping");

    await coord.tap("🔁 Pindahkan pendamping");
    expect(coord.lastText()).toContain("Pilih pendamping baru untuk 1 keluarga");
    await coord.tap("Budi · Desa Wanaherang (2)");
    await coord.tap("✅ Ya, pindahkan");
    expect(await volunteerOf("h3")).toBe(u.budi!.id);

    // Forged: a household and a volunteer of Kab. Sukabumi.
    await coord.tapData(`rl:hm:${hh.hs!.id}`);
    expect(coord.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("tidak termasuk wilayah") });
    await coord.tapData(`rl:v:${u.sukma!.id}`);
    expect(coord.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    await coord.tapData(`rl:mv:${u.sukma!.id}`);
    expect(coord.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    expect(await volunteerOf("hs")).toBe(u.sukma!.id);
  });
});

describe("/koordinator", () => {
  it("shows a coordinator only the coordinators inside their area; suspends and reactivates them; they are told", async () => {
    const bogor = t.driver.user({ id: 9400, firstName: "Koordinator" });
    await bogor.send("/koordinator");
    const list = bogor.lastText() ?? "";
    expect(list).toContain("Koordinator di bawah Kab. Bogor — Jawa Barat — 1 orang");
    expect(list).toContain("Koordinator Cibinong — Kec. Cibinong — Kab. Bogor");
    expect(list).not.toContain("Sukabumi");
    await bogor.tap("1. Koordinator Cibinong");
    expect(bogor.lastText()).toContain("Status: aktif");
    await bogor.tap("⛔ Nonaktifkan");
    expect(bogor.lastText()).toContain("Nonaktifkan Koordinator Cibinong?");
    await bogor.tap("⛔ Ya, nonaktifkan");
    expect(bogor.lastText()).toContain("sudah dinonaktifkan");
    expect((await userRow("cibinong")).status).toBe("suspended");
    expect(await auditActions("coordinator.")).toEqual(["coordinator.suspended"]);

    await runJobs(t);
    const cib = t.driver.user({ id: 9401, firstName: "Cibinong" });
    expect(cib.lastText()).toContain("Akun koordinator Anda dinonaktifkan");
    await cib.send("/rekap");
    expect(cib.lastText()).toContain("Akun Anda sedang dinonaktifkan");

    // A second tap on the same confirmation changes nothing.
    await bogor.tapData(`ko:sy:${u.cibinong!.id}`);
    expect(await auditActions("coordinator.")).toEqual(["coordinator.suspended"]);

    await bogor.tap("✅ Aktifkan kembali");
    expect((await userRow("cibinong")).status).toBe("active");
    await runJobs(t);
    expect(cib.lastText()).toContain("aktif kembali");
    expect(await auditActions("coordinator.")).toEqual(["coordinator.suspended", "coordinator.reactivated"]);

    // Not above or beside them.
    await bogor.tapData(`ko:sy:${u.sukabumi!.id}`);
    expect(bogor.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("tidak berada di bawah wilayah Anda") });
    expect((await userRow("sukabumi")).status).toBe("active");
    await cib.tapData(`ko:c:${u.bogor!.id}`);
    expect(cib.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    await cib.send("/koordinator");
    expect(cib.lastText()).toContain("Belum ada koordinator di bawah wilayah ini");
  });

  it("changes a coordinator's area with the region picker, only inside the actor's area", async () => {
    const bogor = t.driver.user({ id: 9400, firstName: "Koordinator" });
    await bogor.tapData(`ko:c:${u.cibinong!.id}`);
    await bogor.tap("🗺 Ubah wilayah");
    expect(bogor.lastText()).toContain("Wilayah kerja baru untuk Koordinator Cibinong");
    await bogor.send("warnajati");
    expect(bogor.lastText()).toContain("Tidak ada tempat");
    await bogor.send("gunungputri");
    await bogor.tap("Kec. Gunungputri — Kab. Bogor");
    expect(bogor.lastText()).toContain("Wilayah kerja Koordinator Cibinong sekarang: Kec. Gunungputri — Kab. Bogor");
    expect((await userRow("cibinong")).area_code).toBe("32.01.02");
    const row = await t.app.deps.db.selectFrom("audit_log").select("details").where("action", "=", "coordinator.area_changed").executeTakeFirstOrThrow();
    expect(row.details).toEqual({ from: CIBINONG, to: "32.01.02" });
    await runJobs(t);
    expect(t.driver.user({ id: 9401, firstName: "Cibinong" }).lastText()).toContain("Kec. Gunungputri");
  });

  it("shows admins every coordinator", async () => {
    const admin = t.driver.user({ id: 9500, firstName: "Admin" });
    await admin.send("/start");
    await admin.send("/coordinators");
    const text = admin.lastText() ?? "";
    expect(text).toContain("Semua koordinator — 3 orang");
    for (const name of ["Koordinator Bogor", "Koordinator Cibinong", "Koordinator Sukabumi"]) expect(text).toContain(name);
  });
});
