import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { Role, UserStatus } from "../../src/db/schema.js";
import { COMMANDS } from "../../src/bot/commands/registry.js";
import { createInvite } from "../../src/db/queries/onboarding.js";

let t: TestApp;

const ADMIN = 9000;
const CIBADAK = "32.02.11"; // Kec. Cibadak, Kab. Sukabumi
const SUKABUMI = "32.02"; // Kab. Sukabumi
const BOGOR = "32.01"; // Kab. Bogor
const WARNAJATI = "32.02.11.2006"; // Desa Warnajati — Kec. Cibadak, Kab. Sukabumi

async function seedUser(v: { telegram_id: number; role: Role; status?: UserStatus; name: string; area_code: string | null; phone?: string }) {
  return t.app.deps.db
    .insertInto("users")
    .values({ status: "active", locale: "id", phone: "+6281100000000", ...v })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function userRow(telegramId: number) {
  return t.app.deps.db.selectFrom("users").selectAll().where("telegram_id", "=", telegramId).executeTakeFirstOrThrow();
}

async function applicationsOf(userId: number) {
  return t.app.deps.db.selectFrom("volunteer_applications").selectAll().where("user_id", "=", userId).orderBy("id").execute();
}

async function auditRows(action: string) {
  return t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", action).orderBy("id").execute();
}

/** The commands last set for one chat's menu. */
function menuOf(chatId: number): string[] {
  const call = t.fake.calls.filter((c) => c.method === "setMyCommands" && (c.payload["scope"] as { chat_id?: number } | undefined)?.chat_id === chatId).at(-1);
  return ((call?.payload["commands"] as { command: string }[] | undefined) ?? []).map((c) => c.command);
}

/** Runs queued background jobs until none is due. */
async function drainJobs() {
  for (let i = 0; i < 10 && (await t.app.worker.runDue()) > 0; i++);
}

/** Registers a volunteer through the real flow: /start → name → phone → village search → submit. */
async function register(id: number, firstName: string, name: string, search: string, label: string | RegExp) {
  const u = t.driver.user({ id, firstName, languageCode: "id" });
  await u.send("/start");
  await u.tap("🙋 Saya relawan (PSM)");
  await u.send(name);
  await u.tap("📱 Bagikan nomor HP saya");
  await u.send(search);
  await u.tap(label);
  await u.tap("✅ Kirim pendaftaran");
  return u;
}

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_TELEGRAM_IDS: String(ADMIN) } });
  await seedUser({ telegram_id: ADMIN, role: "admin", name: "Admin Pusat", area_code: null });
  await seedUser({ telegram_id: 8001, role: "coordinator", name: "Budi Cibadak", area_code: CIBADAK });
  await seedUser({ telegram_id: 8002, role: "coordinator", name: "Sari Sukabumi", area_code: SUKABUMI });
  await seedUser({ telegram_id: 8003, role: "coordinator", name: "Joko Bogor", area_code: BOGOR });
  for (const [id, firstName] of [
    [ADMIN, "Admin"],
    [8001, "Budi"],
    [8002, "Sari"],
    [8003, "Joko"],
  ] as const) {
    t.driver.user({ id, firstName, languageCode: "id" });
  }
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("volunteer registration and approval", () => {
  it("walks a new volunteer through name, phone, village and review, then a coordinator approves", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani", languageCode: "id" });
    await ani.send("/start");
    await ani.tap("🙋 Saya relawan (PSM)");
    expect(ani.lastText()).toContain("nama lengkap");

    await ani.send("ani suryani");
    expect(ani.lastText()).toContain("Bagikan nomor HP Anda");
    expect(ani.replyKeyboard()).toContain("📱 Bagikan nomor HP saya");

    await ani.tap("📱 Bagikan nomor HP saya");
    expect(ani.newTexts().join("\n")).toContain("✅ Nomor HP: +628120001001");
    expect(ani.replyKeyboard()).toEqual([]);
    expect(ani.lastText()).toContain("desa/kelurahan");

    await ani.send("warnajati");
    expect(ani.buttons()).toContain("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    await ani.tap("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");

    const review = ani.lastText() ?? "";
    expect(review).toContain("Periksa data Anda");
    expect(review).toContain("Ani Suryani");
    expect(review).toContain("+628120001001");
    expect(review).toContain("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    expect(ani.buttons()).toEqual(["✏️ Ubah nama", "✏️ Ubah nomor HP", "✏️ Ubah desa/kelurahan", "✅ Kirim pendaftaran"]);

    await ani.tap("✅ Kirim pendaftaran");
    expect(ani.lastText()).toContain("sudah kami kirim ke koordinator");
    expect(ani.replyKeyboard()).toEqual(["📋 Status pendaftaran saya"]);

    const row = await userRow(1001);
    expect(row).toMatchObject({ role: "volunteer", status: "pending", name: "Ani Suryani", phone: "+628120001001", area_code: WARNAJATI });
    const [app] = await applicationsOf(row.id);
    expect(app).toMatchObject({ kind: "registration", status: "pending", area_code: WARNAJATI });

    // Coordinators whose area contains the village, and the admin, are asked; Bogor is not.
    await drainJobs();
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    const sari = t.driver.user({ id: 8002, firstName: "Sari" });
    const joko = t.driver.user({ id: 8003, firstName: "Joko" });
    const admin = t.driver.user({ id: ADMIN, firstName: "Admin" });
    for (const staff of [budi, sari, admin]) {
      const text = staff.lastText() ?? "";
      expect(text).toContain("Pendaftaran relawan baru");
      expect(text).toContain("Ani Suryani");
      expect(text).toContain("+62 812••••1001");
      expect(text).not.toContain("+628120001001");
      expect(text).toContain("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
      expect(staff.buttons()).toEqual(["✅ Setujui", "❌ Tolak"]);
    }
    expect(joko.texts().join("\n")).not.toContain("Ani Suryani");

    await budi.tap("✅ Setujui");
    expect(budi.lastCallbackAnswer()).toMatchObject({ text: expect.stringContaining("Disetujui") });
    expect(budi.lastText()).toContain("Disetujui</b> oleh Budi Cibadak".replace("</b>", ""));
    expect(budi.buttons()).toEqual([]);
    expect(await userRow(1001)).toMatchObject({ status: "active" });

    await drainJobs();
    for (const staff of [sari, admin]) {
      expect(staff.lastText()).toContain("Disetujui oleh Budi Cibadak");
      expect(staff.buttons()).toEqual([]);
    }
    const told = ani.newTexts().filter((x) => x.includes("sudah disetujui"));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain("Budi Cibadak");
    expect(ani.replyKeyboard()).toEqual([]);
    // The volunteer's command menu now has the volunteer commands.
    expect(menuOf(1001)).toContain("profil");

    const audits = await auditRows("application.approved");
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ entity: "user", entity_id: String(row.id) });
    expect(JSON.stringify(audits[0]?.details)).not.toContain("Ani");

    await ani.send("/profil");
    expect(ani.lastText()).toContain("Profil Anda");
    if (process.env.SHOW_CHATS) console.log([...ani.texts(), "-----", ...budi.texts(), "----", ...admin.texts()].join("\n~~\n"));
  });
});
