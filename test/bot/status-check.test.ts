import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { parseVerification, verificationMatches } from "../../src/domain/status-verify.js";
import { ADDRESS, CHILD, CHILD_NIK, HEAD_NAME, HUSBAND, KK, NIK, checkStatus, seedHousehold, seedUser } from "./beneficiary-support.js";

let t: TestApp;
let household: { id: number; refCode: string; display: string };
let other: { id: number; refCode: string; display: string };

const MINUTE = 60 * 1000;

/** A valid-looking code that belongs to no household. */
function unknownCode(): string {
  for (const candidate of ["ZZ-ZZZZZ", "YY-YYYYY", "XX-XXXXX"]) {
    if (candidate.replace("-", "") !== household.refCode && candidate.replace("-", "") !== other.refCode) return candidate;
  }
  throw new Error("no free code");
}

beforeAll(async () => {
  t = await createTestApp();
  const volunteer = await seedUser(t, { telegramId: 7001, role: "volunteer", name: "Siti Rahma", area: "32.01.01.1002" });
  household = await seedHousehold(t, volunteer);
  other = await seedHousehold(t, volunteer, {
    headName: "Joko Widodo",
    headNik: "3201011203700005",
    kk: "3201012001150099",
    headSex: "L",
    headBirthDate: "1970-03-12",
    members: [],
    memberCount: 1,
  });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

describe("verification input", () => {
  it("reads dates in every accepted form and four NIK digits", () => {
    for (const input of ["05-08-1968", "5/8/1968", "5 Agustus 1968", "5 agt 1968", "05081968", "5 August 1968", "05.08.1968"]) {
      expect(parseVerification(input)).toEqual({ kind: "birth_date", isoDate: "1968-08-05" });
    }
    expect(parseVerification(" 0001 ")).toEqual({ kind: "nik_last4", digits: "0001" });
    expect(parseVerification("00 01")).toEqual({ kind: "nik_last4", digits: "0001" });
    for (const bad of ["", "abc", "123", "12345", "31-02-1968", "5 Agustus 68"]) expect(parseVerification(bad)).toBeNull();
    expect(verificationMatches({ kind: "nik_last4", digits: "0001" }, { birthDate: null, nik: NIK })).toBe(true);
    expect(verificationMatches({ kind: "nik_last4", digits: "0002" }, { birthDate: null, nik: NIK })).toBe(false);
    expect(verificationMatches({ kind: "birth_date", isoDate: "1968-08-05" }, { birthDate: null, nik: NIK })).toBe(false);
  });
});

describe("/status: the private status check", () => {
  it("shows the status card for each accepted date format and for the last four NIK digits", async () => {
    const ani = t.driver.user({ id: 7101, firstName: "Ani" });
    const inputs = ["05-08-1968", "5/8/1968", "5 Agustus 1968", "0001"];
    for (const [i, verification] of inputs.entries()) {
      // The code as people type it: lower case, without or with the dash.
      const code = i % 2 === 0 ? household.refCode.toLowerCase() : household.display;
      const card = await checkStatus(ani, code, verification);
      expect(card, verification).toContain(`Status bantuan keluarga ${household.display}`);
      expect(card).toContain("Status: Terdaftar");
      expect(card).toContain("Data keluarga sudah dicatat oleh pendamping (PSM).");
      expect(card).toContain("Berikutnya: pendamping akan berkunjung");
      expect(card).toContain("Terakhir diperbarui: 28 November 2026");
      expect(card).toContain("Pendamping: Siti");
      expect(ani.buttons()).toEqual(["🔔 Kabari saya", "📄 Data saya", "✏️ Perbaiki data", "🗑️ Hapus data"]);
    }
    const attempts = await t.app.deps.db.selectFrom("status_attempts").selectAll().where("chat_id", "=", 7101).execute();
    expect(attempts.map((a) => a.success)).toEqual([true, true, true, true]);
    // Only a keyed hash of the code is stored, never the code itself.
    expect(attempts.every((a) => a.code_hash !== household.refCode && !a.code_hash.includes(household.refCode))).toBe(true);
    const session = await t.app.deps.db.selectFrom("status_sessions").selectAll().where("chat_id", "=", 7101).executeTakeFirstOrThrow();
    expect(session.household_id).toBe(household.id);
    expect(session.expires_at.getTime() - session.verified_at.getTime()).toBe(30 * MINUTE);
    // The flow is over: what was typed is no longer held in the conversation state.
    expect(await t.app.deps.db.selectFrom("conversation_state").selectAll().where("key", "=", "conv:7101").execute()).toEqual([]);
  });

  it("shows nothing that identifies anyone: no NIK, KK, name, address or members", async () => {
    const ani = t.driver.user({ id: 7101, firstName: "Ani" });
    const card = await checkStatus(ani, household.display, "0001");
    for (const secret of [NIK, KK, CHILD_NIK, "3201••••••••0001", "••••", HEAD_NAME, "Aminah", ADDRESS, "Melati", HUSBAND, CHILD, "RT", "RW", "Karadenan", "anggota", "1968", "PPKS", "Lansia"]) {
      expect(card, secret).not.toContain(secret);
    }
  });

  it("starts from the /start button and works in English", async () => {
    const bob = t.driver.user({ id: 7102, firstName: "Bob", languageCode: "en" });
    await bob.send("/start");
    await bob.tap("🔎 Check aid status");
    expect(bob.lastText()).toContain("Type your family code");
    await bob.send(household.display);
    await bob.send("5 August 1968");
    expect(bob.lastText()).toContain("Status: Registered");
    expect(bob.lastText()).toContain("Last updated: 28 November 2026");
    expect(bob.buttons()).toContain("🔔 Notify me");
  });

  it("answers a wrong code and a wrong verification with exactly the same message", async () => {
    const u1 = t.driver.user({ id: 7103, firstName: "Wrong code" });
    const u2 = t.driver.user({ id: 7104, firstName: "Wrong date" });
    const u3 = t.driver.user({ id: 7105, firstName: "Wrong digits" });
    const wrongCode = await checkStatus(u1, unknownCode(), "05-08-1968");
    const wrongCodeButtons = u1.buttons();
    const wrongDate = await checkStatus(u2, household.display, "06-08-1968");
    const wrongDigits = await checkStatus(u3, household.display, "0002");
    expect(wrongCode).toContain("Data tidak cocok");
    expect(wrongDate).toBe(wrongCode);
    expect(wrongDigits).toBe(wrongCode);
    expect(u2.buttons()).toEqual(wrongCodeButtons);
    expect(u3.buttons()).toEqual(wrongCodeButtons);
    // Another family's date with this code does not match either.
    const u4 = t.driver.user({ id: 7106, firstName: "Other family" });
    expect(await checkStatus(u4, household.display, "12-03-1970")).toBe(wrongCode);

    // "Coba lagi" starts over.
    await u2.tap("🔁 Coba lagi");
    expect(u2.lastText()).toContain("kode keluarga");
    await u2.send(household.display);
    await u2.send("05-08-1968");
    expect(u2.lastText()).toContain("Status: Terdaftar");
  });

  it("gives the same answer for a household whose data was erased", async () => {
    const erased = await seedHousehold(t, (await t.app.deps.db.selectFrom("users").select("id").where("telegram_id", "=", 7001).executeTakeFirstOrThrow()).id, {
      headNik: "3201010101800003",
      kk: "3201012001150111",
      headBirthDate: "1980-01-01",
    });
    await t.app.deps.db.updateTable("households").set({ anonymized_at: new Date(t.clock.now) }).where("id", "=", erased.id).execute();
    const u = t.driver.user({ id: 7107, firstName: "Erased" });
    const reference = t.driver.user({ id: 7108, firstName: "Reference" });
    const wrong = await checkStatus(reference, unknownCode(), "01-01-1980");
    expect(await checkStatus(u, erased.display, "01-01-1980")).toBe(wrong);
  });

  it("explains bad input without losing the code already typed", async () => {
    const u = t.driver.user({ id: 7109, firstName: "Dina" });
    await u.send("/status");
    await u.sendSticker();
    expect(u.lastText()).toContain("kode keluarga sebagai teks");
    await u.send("K0-1OIL5"); // letters and digits that never occur in a code
    expect(u.lastText()).toContain("salah ketik");
    await u.send(household.display);
    expect(u.lastText()).toContain("tanggal lahir kepala keluarga");
    await u.send("kemarin");
    expect(u.lastText()).toContain("belum terbaca sebagai tanggal atau 4 angka");
    await u.send("31-02-1968");
    expect(u.lastText()).toContain("belum terbaca");
    await u.editLastText("05-08-1968");
    expect(u.lastText()).toContain("Pesan yang diedit tidak kami baca ulang");
    await u.send("05-08-1968");
    expect(u.lastText()).toContain("Status: Terdaftar");
    // Format errors are not failed attempts.
    const failures = await t.app.deps.db.selectFrom("status_attempts").select("id").where("chat_id", "=", 7109).where("success", "=", false).execute();
    expect(failures).toHaveLength(0);
  });

  it("lets the person go back and type another code", async () => {
    const u = t.driver.user({ id: 7110, firstName: "Eka" });
    await u.send("/status");
    await u.send(unknownCode());
    await u.tap("⬅️ Ganti kode");
    expect(u.lastText()).toContain("kode keluarga");
    await u.send(other.display);
    await u.send("0005");
    expect(u.lastText()).toContain(`Status bantuan keluarga ${other.display}`);
  });

  it("only works in a private chat", async () => {
    const group = t.driver.group({ id: -100777, title: "Warga RT 4" });
    const member = group.member({ id: 7111, firstName: "Fajar" });
    await member.send("/status");
    expect(group.lastText()).toContain("chat pribadi");
  });
});

describe("anti-enumeration lockout", () => {
  it("locks a chat after 5 failures within an hour, says until when, and lifts the lock after the hour", async () => {
    const start = t.clock.now;
    const u = t.driver.user({ id: 7201, firstName: "Guesser" });
    const codes = ["22-22222", "33-33333", "44-44444", "55-55555"];
    for (const code of codes) {
      expect(await checkStatus(u, code, "01-01-1970")).toContain("Data tidak cocok");
      t.clock.now += MINUTE;
    }
    // The fifth failure (4 minutes after the first) locks the chat until the first is an hour old.
    const fifth = await checkStatus(u, "66-66666", "01-01-1970");
    expect(fifth).toContain("Data tidak cocok");
    expect(fifth).toContain("dikunci sementara");
    const until = new Date(start + 60 * MINUTE);
    const hhmm = `${String((until.getUTCHours() + 7) % 24).padStart(2, "0")}.${String(until.getUTCMinutes()).padStart(2, "0")}`;
    expect(fifth).toContain(`pukul ${hhmm} WIB`);

    // Even the right code and date are refused now, before anything is asked.
    await u.send("/status");
    expect(u.lastText()).toContain("dikunci sementara");
    expect(u.lastText()).toContain(`pukul ${hhmm} WIB`);
    expect(u.lastText()).toContain("sekitar 56 menit lagi");

    // Other chats are not affected by this chat's lock.
    const neighbour = t.driver.user({ id: 7202, firstName: "Neighbour" });
    expect(await checkStatus(neighbour, household.display, "05-08-1968")).toContain("Status: Terdaftar");

    // One minute before the hour: still locked. At the hour: the oldest failure left the window.
    t.clock.now = start + 59 * MINUTE;
    await u.send("/status");
    expect(u.lastText()).toContain("dikunci sementara");
    t.clock.now = start + 60 * MINUTE;
    expect(await checkStatus(u, household.display, "05-08-1968")).toContain("Status: Terdaftar");

    const db = t.app.deps.db;
    const lockouts = await db.selectFrom("audit_log").selectAll().where("action", "=", "status_check.lockout").execute();
    const mine = lockouts.filter((a) => a.details["chatId"] === 7201);
    expect(mine.map((a) => [a.details["scope"], a.details["trigger"]])).toEqual([
      ["chat", "limit_reached"],
      ["chat", "refused"],
      ["chat", "refused"],
    ]);
    expect(mine[0]!.details["until"]).toBe(until.toISOString());
  });

  it("locks a code after 5 failures from any chats, for every chat, until the hour is over", async () => {
    const start = t.clock.now;
    // Three chats try the other family's code with wrong dates: 2 + 2 + 1 failures.
    const guessers = [7301, 7302, 7303].map((id) => t.driver.user({ id, firstName: `G${id}` }));
    for (const [i, g] of guessers.entries()) {
      for (let k = 0; k < (i < 2 ? 2 : 1); k++) {
        await checkStatus(g, other.display, `0${k + 1}-0${i + 1}-1970`);
        t.clock.now += MINUTE;
      }
    }
    expect(guessers[2]!.lastText()).toContain("dikunci sementara");

    // The family itself, from a fresh chat with the right date: locked, told until when.
    const family = t.driver.user({ id: 7304, firstName: "Joko" });
    await family.send("/status");
    await family.send(other.display);
    expect(family.lastText()).toContain("dikunci sementara");
    // The other household's code is not affected.
    expect(await checkStatus(family, household.display, "05-08-1968")).toContain("Status: Terdaftar");

    t.clock.now = start + 60 * MINUTE;
    expect(await checkStatus(family, other.display, "12-03-1970")).toContain(`Status bantuan keluarga ${other.display}`);

    const lockouts = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "status_check.lockout").execute();
    expect(lockouts.some((a) => a.details["scope"] === "code" && a.details["chatId"] === 7304 && a.details["trigger"] === "refused")).toBe(true);
  });

  it("writes successes, failures and lockouts to the audit log without any typed value", async () => {
    const rows = await t.app.deps.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "like", "status_check.%")
      .execute();
    const actions = new Set(rows.map((r) => r.action));
    expect(actions).toEqual(new Set(["status_check.success", "status_check.failure", "status_check.lockout"]));
    const success = rows.find((r) => r.action === "status_check.success")!;
    expect(success.entity_id).toBe(String(household.id));
    const text = JSON.stringify(rows);
    for (const typed of [household.refCode, household.display, other.refCode, "22222", "1968", "1970", "0001", "0005", "Agustus", "ZZZZZ"]) {
      expect(text, typed).not.toContain(typed);
    }
    const logs = t.logs.join("\n");
    for (const typed of [household.refCode, other.refCode, "05-08-1968", "12-03-1970", NIK, HEAD_NAME]) expect(logs, typed).not.toContain(typed);
  });
});

describe("the buttons under the card cannot be forged", () => {
  it("does nothing for a chat that has not verified that household", async () => {
    const db = t.app.deps.db;
    const stranger = t.driver.user({ id: 7401, firstName: "Stranger" });
    await stranger.send("/start");
    for (const action of ["sub", "data", "fix", "del", "delok"]) {
      const before = t.fake.calls.filter((c) => c.method === "sendMessage").length;
      await stranger.tapData(`bs:${action}:${household.id}`);
      expect(stranger.lastCallbackAnswer()?.["text"]).toContain("Waktu pemeriksaan sudah habis");
      expect(t.fake.calls.filter((c) => c.method === "sendMessage").length).toBe(before);
    }
    expect(await db.selectFrom("status_subscriptions").selectAll().where("chat_id", "=", 7401).execute()).toEqual([]);
    expect(await db.selectFrom("data_requests").selectAll().where("chat_id", "=", 7401).execute()).toEqual([]);

    // A chat that verified the OTHER household cannot use its session on this one.
    const joko = t.driver.user({ id: 7402, firstName: "Joko" });
    expect(await checkStatus(joko, other.display, "12-03-1970")).toContain("Status bantuan");
    await joko.tapData(`bs:data:${household.id}`);
    expect(joko.lastCallbackAnswer()?.["text"]).toContain("Waktu pemeriksaan sudah habis");
    expect(joko.texts().join("\n")).not.toContain(NIK);
    await joko.tapData(`bs:sub:${household.id}`);
    expect(await db.selectFrom("status_subscriptions").selectAll().where("chat_id", "=", 7402).execute()).toEqual([]);
  });

  it("ends the session after 30 minutes", async () => {
    const u = t.driver.user({ id: 7403, firstName: "Late" });
    await checkStatus(u, household.display, "05-08-1968");
    t.clock.now += 31 * MINUTE;
    await u.tap("🔔 Kabari saya");
    expect(u.lastCallbackAnswer()?.["text"]).toContain("Ketik /status untuk memeriksa lagi");
    expect(await t.app.deps.db.selectFrom("status_subscriptions").selectAll().where("chat_id", "=", 7403).execute()).toEqual([]);
  });
});

describe("restart in the middle of a check", () => {
  it("continues at the verification question on a new process", async () => {
    const u = t.driver.user({ id: 7501, firstName: "Restart" });
    await u.send("/status");
    await u.send(household.display);
    expect(u.lastText()).toContain("tanggal lahir kepala keluarga");
    const t2 = await t.restart();
    const u2 = t2.driver.user({ id: 7501, firstName: "Restart" });
    await u2.send("5/8/1968");
    expect(u2.lastText()).toContain(`Status bantuan keluarga ${household.display}`);
    t.app = t2.app;
    t.driver = t2.driver;
  });
});
