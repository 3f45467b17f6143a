import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import type { Role, UserStatus } from "../../src/db/schema.js";
import { COMMANDS } from "../../src/bot/commands/registry.js";
import { createInvite, submitRegistration } from "../../src/db/queries/onboarding.js";

let t: TestApp;

const ADMIN = 9000;
const CIBADAK = "32.02.11"; // Kec. Cibadak, Kab. Sukabumi
const SUKABUMI = "32.02"; // Kab. Sukabumi
const BOGOR = "32.01"; // Kab. Bogor
const WARNAJATI = "32.02.11.2006"; // Desa Warnajati — Kec. Cibadak, Kab. Sukabumi

async function seedUser(v: { telegram_id: number; role: Role; status?: UserStatus; name: string | null; area_code: string | null; phone?: string }) {
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
  });
});

describe("forgiving registration steps", () => {
  it("explains bad input, accepts only the user's own contact, goes back and changes fields without losing anything", async () => {
    const lina = t.driver.user({ id: 1010, firstName: "Lina", languageCode: "id" });
    await lina.send("/start");
    await lina.tap("🙋 Saya relawan (PSM)");
    await lina.sendSticker();
    expect(lina.lastText()).toContain("ketik nama lengkap Anda sebagai pesan teks");
    await lina.send("Lina 3201123456780001");
    expect(lina.lastText()).toContain("tanpa angka atau simbol");
    await lina.send("LINA MARLINA");

    // Someone else's contact, a landline, and a foreign number are refused.
    await lina.sendContact({ userId: 4242, phone: "+6281311112222", firstName: "Teman" });
    expect(lina.lastText()).toContain("Itu nomor orang lain");
    await lina.sendContact({ userId: null, phone: "+6281311112222" });
    expect(lina.lastText()).toContain("Itu nomor orang lain");
    await lina.send("(022) 123456");
    expect(lina.lastText()).toContain("nomor telepon rumah/kantor");
    await lina.send("+60 12 345 6789");
    expect(lina.lastText()).toContain("nomor HP Indonesia (+62)");
    // Tapping "Saya relawan" again does not restart the form.
    await lina.tap("🙋 Saya relawan (PSM)");
    expect(lina.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("sedang berjalan") });

    // Back to the name: the stored value is shown, and nothing is lost.
    await lina.tap("⬅️ Kembali");
    expect(lina.lastText()).toContain("Tersimpan sekarang: Lina Marlina");
    await lina.send("Lina Marlina Sari");
    await lina.send("0812 7777 8888");
    expect(lina.newTexts().join("\n")).toContain("✅ Nomor HP: +6281277778888");
    await lina.send("warnajati");
    await lina.tap("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");

    // Change the name from the review screen; the other fields stay.
    await lina.tap("✏️ Ubah nama");
    await lina.tap("⬅️ Kembali");
    expect(lina.lastText()).toContain("Periksa data Anda");
    await lina.tap("✏️ Ubah nama");
    await lina.editLastText("Lina M. Sari");
    expect(lina.lastText()).toContain("Pesan yang diedit tidak kami baca ulang");
    await lina.send("Lina M. Sari");
    const review = lina.lastText() ?? "";
    expect(review).toContain("Nama: Lina M. Sari");
    expect(review).toContain("Nomor HP: +6281277778888");
    expect(review).toContain("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    await lina.send("/batal");
    expect(await userRow(1010)).toMatchObject({ role: "beneficiary", name: null });
  });
});

describe("rejection", () => {
  it("asks the coordinator for a reason, tells the volunteer, and records who decided", async () => {
    const dedi = await register(1002, "Dedi", "Dedi Kurniawan", "sekarwangi", /^Desa Sekarwangi — Kec\. Cibadak/);
    await drainJobs();
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    const sari = t.driver.user({ id: 8002, firstName: "Sari" });
    expect(sari.lastText()).toContain("Dedi Kurniawan");

    await budi.tap("❌ Tolak");
    expect(budi.lastText()).toContain("Tulis alasan singkat penolakan untuk <b>Dedi Kurniawan</b>".replace(/<\/?b>/g, ""));
    // "Batal menolak" leaves the application waiting.
    await budi.tap("⬅️ Batal menolak");
    expect(budi.lastText()).toContain("tidak jadi ditolak");
    const user = await userRow(1002);
    expect((await applicationsOf(user.id))[0]?.status).toBe("pending");

    // While Budi is busy in another form, "Tolak" does not throw that form away.
    await budi.send("/undang");
    await budi.tap("🙋 Undang relawan");
    await budi.tap("❌ Tolak");
    expect(budi.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("sedang mengisi data lain") });
    await budi.send("/batal");

    await budi.tap("❌ Tolak");
    await budi.send("ok");
    expect(budi.lastText()).toContain("terlalu singkat");
    await budi.send("Belum dikenal di Desa Sekarwangi, mohon datang ke kantor desa dulu");
    expect(budi.lastText()).toContain("Pendaftaran Dedi Kurniawan ditolak");

    expect(await userRow(1002)).toMatchObject({
      status: "rejected",
      status_reason: "Belum dikenal di Desa Sekarwangi, mohon datang ke kantor desa dulu",
    });
    const [app] = await applicationsOf(user.id);
    expect(app).toMatchObject({ status: "rejected", reason: "Belum dikenal di Desa Sekarwangi, mohon datang ke kantor desa dulu" });
    const audits = (await auditRows("application.rejected")).filter((a) => a.entity_id === String(user.id));
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits[0]?.details)).not.toContain("Belum dikenal");

    await drainJobs();
    const told = dedi.newTexts().join("\n");
    expect(told).toContain("belum disetujui");
    expect(told).toContain("Alasan: Belum dikenal di Desa Sekarwangi, mohon datang ke kantor desa dulu");
    expect(sari.lastText()).toContain("Ditolak oleh Budi Cibadak");
    expect(sari.lastText()).toContain("Alasan: Belum dikenal");
    expect(sari.buttons()).toEqual([]);

    // Sari's old Approve button now only says who decided.
    await sari.tapData(`appr:ok:${app?.id}`);
    expect(sari.lastCallbackAnswer()).toMatchObject({ text: "Pendaftaran ini sudah diputuskan oleh Budi Cibadak.", show_alert: true });
    expect((await userRow(1002)).status).toBe("rejected");

    // A rejected volunteer sees the reason and may apply again; volunteer commands stay closed.
    await dedi.send("/status_saya");
    expect(dedi.lastText()).toContain("Alasan: Belum dikenal");
    expect(dedi.buttons()).toEqual(["📝 Daftar lagi"]);
    await dedi.send("/daftar");
    expect(dedi.lastText()).toContain("belum disetujui, jadi perintah ini tidak bisa dipakai");
  });
});

describe("forged and concurrent decisions", () => {
  it("ignores an approval forged by a volunteer, the applicant, or a coordinator of another area", async () => {
    const eko = await register(1003, "Eko", "Eko Prasetyo", "warnajati", "Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    await drainJobs();
    const user = await userRow(1003);
    const [app] = await applicationsOf(user.id);
    const before = (await auditRows("application.approved")).length;

    const ani = t.driver.user({ id: 1001, firstName: "Ani" }); // an active volunteer
    await ani.tapData(`appr:ok:${app?.id}`);
    expect(ani.lastCallbackAnswer()).toMatchObject({ text: "Perintah ini khusus untuk koordinator.", show_alert: true });
    await eko.tapData(`appr:ok:${app?.id}`);
    expect(eko.lastCallbackAnswer()).toMatchObject({ text: expect.stringContaining("menunggu persetujuan"), show_alert: true });
    const joko = t.driver.user({ id: 8003, firstName: "Joko" }); // coordinator of Kab. Bogor
    await joko.tapData(`appr:ok:${app?.id}`);
    expect(joko.lastCallbackAnswer()).toMatchObject({ text: "Data ini tidak termasuk wilayah atau dampingan Anda.", show_alert: true });
    await joko.tapData(`appr:no:${app?.id}`);
    expect(joko.lastCallbackAnswer()).toMatchObject({ text: "Data ini tidak termasuk wilayah atau dampingan Anda.", show_alert: true });
    expect(joko.texts().join("\n")).not.toContain("alasan");

    expect(await userRow(1003)).toMatchObject({ status: "pending" });
    expect((await applicationsOf(user.id))[0]?.status).toBe("pending");
    expect(await auditRows("application.approved")).toHaveLength(before);
  });

  it("records exactly one decision when two coordinators approve at the same moment", async () => {
    const eko = t.driver.user({ id: 1003, firstName: "Eko" });
    eko.markSeen();
    const user = await userRow(1003);
    const [app] = await applicationsOf(user.id);
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    const sari = t.driver.user({ id: 8002, firstName: "Sari" });
    expect(budi.buttons()).toEqual(["✅ Setujui", "❌ Tolak"]);
    expect(sari.buttons()).toEqual(["✅ Setujui", "❌ Tolak"]);

    await Promise.all([budi.tap("✅ Setujui"), sari.tap("✅ Setujui")]);

    const answers = [budi.lastCallbackAnswer()?.["text"], sari.lastCallbackAnswer()?.["text"]];
    const winners = answers.filter((a) => typeof a === "string" && a.startsWith("✅ Disetujui"));
    const losers = answers.filter((a) => typeof a === "string" && a.startsWith("Pendaftaran ini sudah diputuskan oleh"));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const decided = (await applicationsOf(user.id))[0];
    expect(decided?.status).toBe("approved");
    const winnerName = decided?.decided_by === (await userRow(8001)).id ? "Budi Cibadak" : "Sari Sukabumi";
    expect(losers[0]).toBe(`Pendaftaran ini sudah diputuskan oleh ${winnerName}.`);
    expect((await auditRows("application.approved")).filter((a) => a.entity_id === String(user.id))).toHaveLength(1);
    const jobs = await t.app.deps.db
      .selectFrom("job")
      .select("payload")
      .where("name", "=", "onboarding.notify")
      .execute();
    expect(jobs.filter((j) => j.payload["applicationId"] === app?.id && j.payload["event"] === "decided")).toHaveLength(1);

    await drainJobs();
    expect(eko.newTexts().filter((x) => x.includes("sudah disetujui"))).toHaveLength(1);
    expect(await userRow(1003)).toMatchObject({ status: "active" });
    for (const staff of [budi, sari]) expect(staff.lastText()).toContain(`Disetujui oleh ${winnerName}`);
  });

  it("keeps one decision per application over repeated races (approve against approve, and against reject)", async () => {
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    const sari = t.driver.user({ id: 8002, firstName: "Sari" });
    for (let round = 0; round < 4; round++) {
      const tg = 1100 + round;
      const volunteer = t.driver.user({ id: tg, firstName: `Relawan${round}` });
      const row = await seedUser({ telegram_id: tg, role: "beneficiary", name: null, area_code: null });
      await submitRegistration(t.app.deps.db, row.id, { name: `Relawan Uji ${round}`, phone: "+6281299990000", villageCode: WARNAJATI }, new Date(t.clock.now));
      await drainJobs();
      volunteer.markSeen();
      const [app] = await applicationsOf(row.id);
      // Round 3: Sari opens the rejection (asks for the reason) while Budi approves.
      if (round === 3) await sari.tap("❌ Tolak");
      await Promise.all([budi.tap("✅ Setujui"), round === 3 ? sari.send("Tidak dikenal warga") : sari.tap("✅ Setujui")]);
      const decided = (await applicationsOf(row.id))[0];
      expect(["approved", "rejected"]).toContain(decided?.status);
      const audits = [...(await auditRows("application.approved")), ...(await auditRows("application.rejected"))].filter(
        (a) => a.entity_id === String(row.id),
      );
      expect(audits, `round ${round}`).toHaveLength(1);
      expect((await userRow(tg)).status).toBe(decided?.status === "approved" ? "active" : "rejected");
      await drainJobs();
      const outcome = volunteer.newTexts().filter((x) => x.includes("sudah disetujui") || x.includes("belum disetujui"));
      expect(outcome, `round ${round}`).toHaveLength(1);
      expect(app?.id).toBe(decided?.id);
    }
  });
});

describe("a pending volunteer", () => {
  it("cannot reach any volunteer or staff command, but sees their status and may correct it", async () => {
    const fitri = await register(1004, "Fitri", "Fitri Handayani", "warnajati", "Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    expect((await userRow(1004)).status).toBe("pending");
    const restricted = COMMANDS.filter((c) => c.access !== "anyone");
    expect(restricted.map((c) => c.command)).toEqual(expect.arrayContaining(["profil", "undang"]));
    for (const spec of restricted) {
      for (const name of [spec.command, ...(spec.aliases ?? [])]) {
        await fitri.send(`/${name}`);
        expect(fitri.lastText(), name).toContain("masih menunggu persetujuan koordinator");
      }
    }
    // Buttons of volunteer and staff features are refused too.
    for (const data of ["prof:name", "prof:area", "inv:new:v", "inv:ls:0", "appr:ok:1"]) {
      await fitri.tapData(data);
      expect(fitri.lastCallbackAnswer(), data).toMatchObject({ text: expect.stringContaining("menunggu persetujuan") });
    }
    expect((await userRow(1004)).status).toBe("pending");

    // The status button and command.
    await fitri.tap("📋 Status pendaftaran saya");
    expect(fitri.lastText()).toContain("Menunggu persetujuan koordinator");
    expect(fitri.lastText()).toContain("Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    await fitri.send("/status_saya");
    expect(fitri.lastText()).toContain("Menunggu persetujuan koordinator");

    // Correcting the village replaces the application; the old staff messages say so.
    await drainJobs();
    const user = await userRow(1004);
    const [first] = await applicationsOf(user.id);
    await fitri.tap("✏️ Ubah data pendaftaran");
    expect(fitri.lastText()).toContain("Periksa data Anda");
    await fitri.tap("✏️ Ubah desa/kelurahan");
    expect(fitri.buttons()[0]).toBe("📍 Pakai Desa Warnajati — Kec. Cibadak, Kab. Sukabumi");
    await fitri.send("sekarwangi");
    await fitri.tap(/^Desa Sekarwangi — Kec\. Cibadak/);
    await fitri.tap("✅ Kirim pendaftaran");
    expect(fitri.lastText()).toContain("Perubahan data pendaftaran");
    const apps = await applicationsOf(user.id);
    expect(apps.map((a) => a.status)).toEqual(["superseded", "pending"]);
    expect(apps[1]?.area_code).toBe("32.02.11.2002");
    await drainJobs();
    const sari = t.driver.user({ id: 8002, firstName: "Sari" });
    expect(sari.lastText()).toContain("Desa Sekarwangi");
    expect(sari.texts().some((x) => x.includes(`(#${first?.id})`) && x.includes("sudah diganti"))).toBe(true);
  });
});

/** The invite link in a bot message. */
function linkIn(text: string | undefined): { link: string; code: string } {
  const m = /(https:\/\/t\.me\/\w+\?start=inv_([A-Za-z0-9_-]+))/.exec(text ?? "");
  if (!m?.[1] || !m[2]) throw new Error(`no invite link in ${text}`);
  return { link: m[1], code: m[2] };
}

describe("invites", () => {
  let volunteerCode = "";

  it("lets a coordinator create a single-use volunteer link for their area", async () => {
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    await budi.send("/undang");
    expect(budi.buttons()).toEqual(["🙋 Undang relawan", "🏢 Undang koordinator", "📋 Tautan undangan saya"]);
    await budi.tap("🙋 Undang relawan");
    await budi.tap("📍 Pakai Kec. Cibadak — Kab. Sukabumi");
    await budi.tap("1 orang");
    await budi.tap("7 hari");
    expect(budi.lastText()).toContain("Periksa undangan");
    await budi.tap("✅ Buat tautan");
    const text = budi.lastText();
    expect(text).toContain("Kec. Cibadak — Kab. Sukabumi");
    expect(text).toContain("berlaku sampai 5 Desember 2026, 09.00 WIB");
    const { link, code } = linkIn(text);
    expect(link.startsWith(`https://t.me/${t.app.bot.botInfo.username}?start=inv_`)).toBe(true);
    // 16 base64url characters = 96 random bits; only a keyed hash and ciphertext are stored.
    expect(code).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const row = await t.app.deps.db.selectFrom("invites").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: "volunteer", area_code: CIBADAK, max_uses: 1, uses: 0 });
    expect(JSON.stringify(row)).not.toContain(code);
    expect((await auditRows("invite.created")).at(-1)).toMatchObject({ entity: "invite", entity_id: String(row.id) });
    volunteerCode = code;
  });

  it("makes a volunteer who joins through the link active at once, in a village inside the invite's area", async () => {
    const gina = t.driver.user({ id: 1005, firstName: "Gina", languageCode: "id" });
    await gina.send(`/start inv_${volunteerCode}`);
    expect(gina.newTexts().join("\n")).toContain("Budi Cibadak mengundang Anda menjadi relawan PSM di Kec. Cibadak — Kab. Sukabumi");
    await gina.send("Gina Lestari");
    await gina.tap("📱 Bagikan nomor HP saya");
    await gina.send("cibinong");
    expect(gina.lastText()).toContain("Tidak ada tempat yang cocok"); // outside the invite's area
    await gina.send("pamuruyan");
    await gina.tap(/^Desa Pamuruyan — Kec\. Cibadak/);
    expect(gina.buttons()).toContain("✅ Gabung sekarang");
    await gina.tap("✅ Gabung sekarang");
    expect(gina.lastText()).toContain("Anda sekarang relawan PSM di Desa Pamuruyan — Kec. Cibadak, Kab. Sukabumi");
    const row = await userRow(1005);
    expect(row).toMatchObject({ role: "volunteer", status: "active", area_code: "32.02.11.2003", name: "Gina Lestari" });
    expect(await applicationsOf(row.id)).toEqual([]);
    const invite = await t.app.deps.db.selectFrom("invites").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(invite.uses).toBe(1);
    expect(await t.app.deps.db.selectFrom("invite_uses").selectAll().where("user_id", "=", row.id).execute()).toHaveLength(1);
    expect((await auditRows("invite.used")).at(-1)).toMatchObject({ actor_id: row.id, entity_id: String(invite.id) });
    await drainJobs();
    expect(menuOf(1005)).toContain("profil");
    expect(t.driver.user({ id: 8001, firstName: "Budi" }).lastText()).toContain("Gina Lestari bergabung sebagai relawan");
  });

  it("refuses a used, an expired, a revoked and an unknown code with a clear message", async () => {
    const hana = t.driver.user({ id: 1006, firstName: "Hana", languageCode: "id" });
    await hana.send(`/start inv_${volunteerCode}`);
    expect(hana.lastText()).toContain("sudah terpakai semua");
    await hana.send("/start inv_AAAAAAAAAAAAAAAAAAAAAA");
    expect(hana.lastText()).toContain("tidak kami kenali");
    await hana.send("/start inv_AAAAAAAAAAAAAAAA");
    expect(hana.lastText()).toContain("tidak kami kenali");

    const budiRow = await userRow(8001);
    const now = new Date(t.clock.now);
    const expiring = await createInvite(t.app.deps.db, t.app.deps.pii, {
      creatorId: budiRow.id,
      role: "volunteer",
      areaCode: CIBADAK,
      maxUses: 10,
      expiresAt: new Date(now.getTime() + 24 * 3600_000),
    });
    if (!expiring.ok) throw new Error("invite not created");
    t.clock.now += 25 * 3600_000;
    try {
      await hana.send(`/start inv_${expiring.code}`);
      expect(hana.lastText()).toContain("sudah kedaluwarsa");
    } finally {
      t.clock.now -= 25 * 3600_000;
    }

    // Revoked from the inviter's list.
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    await budi.send("/undang");
    await budi.tap("📋 Tautan undangan saya");
    expect(budi.lastText()).toContain(`#${expiring.invite.id}`);
    expect(budi.lastText()).toContain("🟢 aktif");
    expect(budi.lastText()).toContain("✔️ sudah terpakai semua");
    await budi.tap(`🚫 Cabut #${expiring.invite.id}`);
    expect(budi.lastText()).toContain(`Cabut undangan #${expiring.invite.id}`);
    await budi.tap("🚫 Ya, cabut");
    expect(budi.lastText()).toContain(`Undangan #${expiring.invite.id} sudah dicabut`);
    expect((await auditRows("invite.revoked")).at(-1)).toMatchObject({ actor_id: budiRow.id, entity_id: String(expiring.invite.id) });
    await hana.send(`/start inv_${expiring.code}`);
    expect(hana.lastText()).toContain("sudah dicabut");
    expect(await userRow(1006)).toMatchObject({ role: "beneficiary", status: "active" });

    // Someone else's invite cannot be revoked by a forged button.
    const joko = t.driver.user({ id: 8003, firstName: "Joko" });
    const other = await createInvite(t.app.deps.db, t.app.deps.pii, {
      creatorId: budiRow.id,
      role: "volunteer",
      areaCode: CIBADAK,
      maxUses: 1,
      expiresAt: new Date(now.getTime() + 24 * 3600_000),
    });
    if (!other.ok) throw new Error("invite not created");
    await joko.tapData(`inv:rvy:${other.invite.id}`);
    expect(joko.lastCallbackAnswer()).toMatchObject({ show_alert: true });
    const still = await t.app.deps.db.selectFrom("invites").select("revoked_at").where("id", "=", other.invite.id).executeTakeFirstOrThrow();
    expect(still.revoked_at).toBeNull();
  });

  it("lets a pending volunteer join through an invite: the open application is withdrawn", async () => {
    const budiRow = await userRow(8001);
    const inv = await createInvite(t.app.deps.db, t.app.deps.pii, {
      creatorId: budiRow.id,
      role: "volunteer",
      areaCode: CIBADAK,
      maxUses: 10,
      expiresAt: new Date(t.clock.now + 24 * 3600_000),
    });
    if (!inv.ok) throw new Error("invite not created");
    const fitri = t.driver.user({ id: 1004, firstName: "Fitri" });
    const user = await userRow(1004);
    expect(user.status).toBe("pending");
    await fitri.send(`/start inv_${inv.code}`);
    // Everything is known already: straight to the review, with the village kept.
    expect(fitri.lastText()).toContain("Periksa data Anda");
    expect(fitri.lastText()).toContain("Desa Sekarwangi — Kec. Cibadak, Kab. Sukabumi");
    await fitri.tap("✅ Gabung sekarang");
    expect(await userRow(1004)).toMatchObject({ status: "active", area_code: "32.02.11.2002" });
    const apps = await applicationsOf(user.id);
    expect(apps.at(-1)?.status).toBe("withdrawn");
    await drainJobs();
    const sari = t.driver.user({ id: 8002, firstName: "Sari" });
    expect(sari.texts().some((x) => x.includes(`(#${apps.at(-1)?.id})`) && x.includes("sudah bergabung lewat tautan undangan"))).toBe(true);
  });

  it("keeps what was typed when the invite expires during the form: it can be sent as a normal registration", async () => {
    const budiRow = await userRow(8001);
    const inv = await createInvite(t.app.deps.db, t.app.deps.pii, {
      creatorId: budiRow.id,
      role: "volunteer",
      areaCode: CIBADAK,
      maxUses: 1,
      expiresAt: new Date(t.clock.now + 3600_000),
    });
    if (!inv.ok) throw new Error("invite not created");
    const joni = t.driver.user({ id: 1008, firstName: "Joni", languageCode: "id" });
    await joni.send(`/start inv_${inv.code}`);
    await joni.send("Joni Iskandar");
    await joni.tap("📱 Bagikan nomor HP saya");
    await joni.send("karangtengah");
    await joni.tap(/^Desa Karangtengah — Kec\. Cibadak/);
    t.clock.now += 2 * 3600_000;
    try {
      await joni.tap("✅ Gabung sekarang");
      const texts = joni.newTexts().join("\n");
      expect(texts).toContain("sudah kedaluwarsa");
      expect(texts).toContain("Data Anda tidak hilang");
      expect(joni.lastText()).toContain("Joni Iskandar");
      await joni.tap("✅ Kirim pendaftaran");
    } finally {
      t.clock.now -= 2 * 3600_000;
    }
    expect(await userRow(1008)).toMatchObject({ role: "volunteer", status: "pending", area_code: "32.02.11.2004" });
    const invite = await t.app.deps.db.selectFrom("invites").select("uses").where("id", "=", inv.invite.id).executeTakeFirstOrThrow();
    expect(invite.uses).toBe(0);
  });

  it("makes a coordinator only through a coordinator invite, for an area inside the inviter's", async () => {
    const sari = t.driver.user({ id: 8002, firstName: "Sari" });
    await sari.send("/undang");
    await sari.tap("🏢 Undang koordinator");
    await sari.send("cikembar");
    await sari.tap("Kec. Cikembar — Kab. Sukabumi");
    await sari.tap("1 orang");
    await sari.tap("1 hari");
    await sari.tap("✅ Buat tautan");
    const { code } = linkIn(sari.lastText());

    const irfan = t.driver.user({ id: 1007, firstName: "Irfan", languageCode: "id" });
    await irfan.send(`/start inv_${code}`);
    expect(irfan.newTexts().join("\n")).toContain("menjadi koordinator untuk Kec. Cikembar — Kab. Sukabumi");
    await irfan.send("Irfan Hakim");
    await irfan.send("0813 2222 3333");
    expect(irfan.newTexts().join("\n")).toContain("✅ Nomor HP: +6281322223333");
    // No village step for a coordinator.
    expect(irfan.lastText()).toContain("Wilayah koordinator: Kec. Cikembar — Kab. Sukabumi");
    expect(irfan.buttons()).toEqual(["✏️ Ubah nama", "✏️ Ubah nomor HP", "✅ Gabung sekarang"]);
    await irfan.tap("✅ Gabung sekarang");
    expect(irfan.lastText()).toContain("Anda sekarang koordinator untuk Kec. Cikembar — Kab. Sukabumi");
    const row = await userRow(1007);
    expect(row).toMatchObject({ role: "coordinator", status: "active", area_code: "32.02.10", phone: "+6281322223333" });
    const sariRow = await userRow(8002);
    expect((await auditRows("user.role_changed")).at(-1)).toMatchObject({ actor_id: sariRow.id, entity_id: String(row.id) });
    await drainJobs();
    expect(menuOf(1007)).toContain("undang");

    // A district coordinator may invite coordinators only below the district; a village one not at all.
    await t.app.deps.db.insertInto("users").values({ telegram_id: 8004, role: "coordinator", status: "active", name: "Wati Desa", area_code: WARNAJATI, locale: "id" }).execute();
    const wati = t.driver.user({ id: 8004, firstName: "Wati" });
    await wati.send("/undang");
    expect(wati.buttons()).toEqual(["🙋 Undang relawan", "📋 Tautan undangan saya"]);
    await wati.tapData("inv:new:c");
    expect(wati.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("hanya bisa mengundang koordinator") });

    // Volunteers cannot invite.
    const ani = t.driver.user({ id: 1001, firstName: "Ani" });
    await ani.send("/undang");
    expect(ani.lastText()).toBe("Perintah ini khusus untuk koordinator.");
    await ani.tapData("inv:new:c");
    expect(ani.lastCallbackAnswer()).toMatchObject({ show_alert: true });
  });
});

describe("/profil", () => {
  it("changes the name at once and a volunteer's village only after a coordinator approves", async () => {
    const ani = t.driver.user({ id: 1001, firstName: "Ani" });
    await ani.send("/profil");
    expect(ani.buttons()).toEqual(["✏️ Ubah nama", "✏️ Ubah nomor HP", "📍 Pindah desa/kelurahan"]);
    await ani.tap("✏️ Ubah nama");
    expect(ani.lastText()).toContain("Tersimpan sekarang: Ani Suryani");
    await ani.send("Ani Suryani Putri");
    expect(ani.lastText()).toContain("Nama Anda sekarang: Ani Suryani Putri");
    const user = await userRow(1001);
    expect(user.name).toBe("Ani Suryani Putri");
    expect((await auditRows("user.profile_changed")).at(-1)).toMatchObject({ actor_id: user.id, details: { field: "name" } });

    await ani.send("/profil");
    await ani.tap("📍 Pindah desa/kelurahan");
    await ani.send("sekarwangi");
    await ani.tap(/^Desa Sekarwangi — Kec\. Cibadak/);
    expect(ani.lastText()).toContain("perlu disetujui koordinator");
    await ani.tap("✅ Kirim permintaan");
    expect(ani.lastText()).toContain("Permintaan pindah ke Desa Sekarwangi");
    // Still active in the old village while waiting.
    expect(await userRow(1001)).toMatchObject({ status: "active", area_code: WARNAJATI });

    await drainJobs();
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    expect(budi.lastText()).toContain("Permintaan pindah desa");
    expect(budi.lastText()).toContain("Dari: Desa Warnajati");
    await budi.tap("✅ Setujui");
    expect(await userRow(1001)).toMatchObject({ status: "active", area_code: "32.02.11.2002" });
    await drainJobs();
    expect(ani.lastText()).toContain("Mulai sekarang Anda bertugas di Desa Sekarwangi");
  });

  it("does not let a coordinator change their own area", async () => {
    const budi = t.driver.user({ id: 8001, firstName: "Budi" });
    await budi.send("/profil");
    expect(budi.buttons()).toEqual(["✏️ Ubah nama", "✏️ Ubah nomor HP"]);
    await budi.tapData("prof:area");
    expect(budi.lastCallbackAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("ditetapkan lewat undangan") });
    expect((await userRow(8001)).area_code).toBe(CIBADAK);
  });
});

describe("privacy", () => {
  it("never writes names or phone numbers to the log", () => {
    const all = t.logs.join("\n");
    for (const secret of ["Ani Suryani", "Dedi Kurniawan", "Gina Lestari", "6281322223333", "628120001001", "Belum dikenal"]) {
      expect(all).not.toContain(secret);
    }
  });
});
