import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { formatFamilyPin, generateFamilyPin, isWeakPin, parseFamilyPin } from "../../src/domain/family-pin.js";
import { ADDRESS, CHILD, CHILD_NIK, HEAD_NAME, HUSBAND, KK, NIK, checkStatus, otherPin, seedHousehold, seedUser, type SeededHousehold } from "./beneficiary-support.js";

let t: TestApp;
let volunteerId: number;
let household: SeededHousehold;
let other: SeededHousehold;

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
  volunteerId = await seedUser(t, { telegramId: 7001, role: "volunteer", name: "Siti Rahma", area: "32.01.01.1002" });
  household = await seedHousehold(t, volunteerId);
  other = await seedHousehold(t, volunteerId, {
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

describe("the family PIN", () => {
  it("is six random digits, never weak and never a piece of the household's NIK or KK", () => {
    for (const weak of ["000000", "111111", "123456", "654321", "890123", "121212", "123123"]) expect(isWeakPin(weak), weak).toBe(true);
    expect(isWeakPin("482915")).toBe(false);
    // A source that first yields a piece of the NIK, then a weak PIN, then a good one.
    const digits = [..."450868", ..."111111", ..."482915"].map(Number);
    let i = 0;
    expect(generateFamilyPin(() => digits[i++]!, [NIK, KK])).toBe("482915");
    for (let n = 0; n < 200; n++) {
      const pin = generateFamilyPin(() => Math.floor(Math.random() * 10), [NIK, KK]);
      expect(pin).toMatch(/^[0-9]{6}$/);
      expect(NIK.includes(pin) || KK.includes(pin) || isWeakPin(pin)).toBe(false);
    }
  });

  it("is read however it is typed, and nothing else is taken for one", () => {
    for (const input of ["482915", " 482 915 ", "482-915", "482.915", "４８２９１５", "٤٨٢٩١٥", "482\u200b915"]) expect(parseFamilyPin(input), input).toBe("482915");
    for (const bad of ["", "48291", "4829155", "05-08-1968", "0001", "abcdef", "K7-3QX9D"]) expect(parseFamilyPin(bad), bad).toBeNull();
    expect(formatFamilyPin("482915")).toBe("482 915");
  });
});

describe("/status: the private status check", () => {
  it("shows the status card for the code and the PIN, however they are typed", async () => {
    const ani = t.driver.user({ id: 7101, firstName: "Ani" });
    const pins = [household.pin, formatFamilyPin(household.pin), household.pin.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))];
    for (const [i, pin] of pins.entries()) {
      // The code as people type it: lower case, without or with the dash.
      const code = i % 2 === 0 ? household.refCode.toLowerCase() : household.display;
      const card = await checkStatus(ani, code, pin);
      expect(card, pin).toContain(`Status bantuan keluarga ${household.display}`);
      expect(card).toContain("Status: Terdaftar");
      expect(card).toContain("Data keluarga sudah dicatat oleh pendamping (PSM).");
      expect(card).toContain("Terakhir diperbarui: 28 November 2026");
      expect(card).toContain("Pendamping: Siti");
      expect(ani.buttons()).toEqual(["🔔 Kabari saya", "📄 Data saya", "✏️ Perbaiki data", "🗑️ Hapus data"]);
    }
    // The message with the PIN was deleted from the chat.
    const typed = t.fake.messages(7101, { includeUser: true }).filter((m) => m.from?.id === 7101 && "text" in m && parseFamilyPin(m.text ?? "") !== null);
    expect(typed).toEqual([]);
    const attempts = await t.app.deps.db.selectFrom("status_attempts").selectAll().where("chat_id", "=", 7101).execute();
    expect(attempts.map((a) => a.success)).toEqual([true, true, true]);
    // Only a keyed hash of the code is stored, never the code itself.
    expect(attempts.every((a) => a.code_hash !== household.refCode && !a.code_hash.includes(household.refCode))).toBe(true);
    const session = await t.app.deps.db.selectFrom("status_sessions").selectAll().where("chat_id", "=", 7101).executeTakeFirstOrThrow();
    expect(session.household_id).toBe(household.id);
    expect(session.expires_at.getTime() - session.verified_at.getTime()).toBe(30 * MINUTE);
    // The flow is over: what was typed is no longer held in the conversation state.
    expect(await t.app.deps.db.selectFrom("conversation_state").selectAll().where("key", "=", "conv:7101").execute()).toEqual([]);
    // The PIN is stored only as a keyed hash.
    const stored = await t.app.deps.db.selectFrom("household_pins").selectAll().where("household_id", "=", household.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(household.pin);
  });

  it("shows nothing that identifies anyone: no NIK, KK, name, address or members", async () => {
    const ani = t.driver.user({ id: 7101, firstName: "Ani" });
    const card = await checkStatus(ani, household.display, household.pin);
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
    expect(bob.lastText()).toContain("family PIN");
    await bob.send(household.pin);
    expect(bob.lastText()).toContain("Status: Registered");
    expect(bob.lastText()).toContain("Last updated: 28 November 2026");
    expect(bob.buttons()).toContain("🔔 Notify me");
  });

  it("answers a wrong code, a wrong PIN, a household without a PIN and an erased one with exactly the same message", async () => {
    const noPin = await seedHousehold(t, volunteerId, { headNik: "3201010101800004", kk: "3201012001150112", headBirthDate: "1980-01-01" }, { pin: false });
    const erased = await seedHousehold(t, volunteerId, { headNik: "3201010101800003", kk: "3201012001150111", headBirthDate: "1980-01-01" });
    await t.app.deps.db.updateTable("households").set({ anonymized_at: new Date(t.clock.now) }).where("id", "=", erased.id).execute();
    const u1 = t.driver.user({ id: 7103, firstName: "Wrong code" });
    const u2 = t.driver.user({ id: 7104, firstName: "Wrong PIN" });
    const u3 = t.driver.user({ id: 7105, firstName: "No PIN" });
    const u4 = t.driver.user({ id: 7106, firstName: "Other family" });
    const u5 = t.driver.user({ id: 7107, firstName: "Erased" });
    const wrongCode = await checkStatus(u1, unknownCode(), household.pin);
    const wrongCodeButtons = u1.buttons();
    expect(wrongCode).toContain("Kode keluarga atau PIN tidak cocok");
    expect(await checkStatus(u2, household.display, otherPin(household.pin))).toBe(wrongCode);
    expect(await checkStatus(u3, noPin.display, "482915")).toBe(wrongCode);
    // Another family's PIN with this code does not match either.
    expect(await checkStatus(u4, household.display, other.pin)).toBe(wrongCode);
    expect(await checkStatus(u5, erased.display, erased.pin)).toBe(wrongCode);
    for (const u of [u2, u3, u4, u5]) expect(u.buttons()).toEqual(wrongCodeButtons);

    // "Coba lagi" starts over.
    await u2.tap("🔁 Coba lagi");
    expect(u2.lastText()).toContain("kode keluarga");
    await u2.send(household.display);
    await u2.send(household.pin);
    expect(u2.lastText()).toContain("Status: Terdaftar");
  });

  it("does not let what can be read off an NIK or a KK pass as the proof", async () => {
    const u = t.driver.user({ id: 7120, firstName: "Knows the NIK" });
    const guesses = ["05-08-1968", "0001", NIK.slice(-6), NIK.slice(6, 12), KK.slice(-6), "050868", "196808"];
    for (const g of guesses) {
      await u.send("/status");
      await u.send(household.display);
      await u.send(g);
      if (parseFamilyPin(g)) expect(u.lastText(), g).toContain("Kode keluarga atau PIN tidak cocok");
      else expect(u.lastText(), g).toContain("6 angka");
      if (u.lastText()?.includes("dikunci")) break;
    }
    expect(u.texts().join("\n")).not.toContain("Status: Terdaftar");
  });

  it("explains bad input without losing the code already typed", async () => {
    const u = t.driver.user({ id: 7109, firstName: "Dina" });
    await u.send("/status");
    await u.sendSticker();
    expect(u.lastText()).toContain("kode keluarga sebagai teks");
    await u.send("K0-1OIL5"); // letters and digits that never occur in a code
    expect(u.lastText()).toContain("salah ketik");
    await u.send(household.display);
    expect(u.lastText()).toContain("PIN keluarga");
    await u.send("kemarin");
    expect(u.lastText()).toContain("6 angka");
    await u.send("12345");
    expect(u.lastText()).toContain("6 angka");
    await u.sendPhoto();
    expect(u.lastText()).toContain("PIN keluarga (6 angka) sebagai teks");
    await u.editLastText(household.pin);
    expect(u.lastText()).toContain("Pesan yang diedit tidak kami baca ulang");
    await u.send("/bantuan");
    await u.send(household.pin);
    expect(u.lastText()).toContain("Status: Terdaftar");
    // Format errors are not failed attempts.
    const failures = await t.app.deps.db.selectFrom("status_attempts").select("id").where("chat_id", "=", 7109).where("success", "=", false).execute();
    expect(failures).toHaveLength(0);
  });

  it("takes a code typed at the PIN question as the new code, restarts on /status, and starts from a bare code", async () => {
    const u = t.driver.user({ id: 7110, firstName: "Eka" });
    await u.send("/status");
    await u.send(unknownCode());
    expect(u.lastText()).toContain("PIN keluarga");
    // The family notices the typo and types the right code where the PIN is asked.
    await u.send(other.display.toLowerCase());
    expect(u.lastText()).toContain(`kodenya diganti menjadi ${other.display}`);
    await u.send(other.pin);
    expect(u.lastText()).toContain(`Status bantuan keluarga ${other.display}`);

    // /status in the middle starts the check over (it is not refused as "another command").
    await u.send("/status");
    await u.send(household.display);
    await u.send("/status");
    expect(u.lastText()).toContain("Ketik <b>kode keluarga</b>".replace(/<\/?b>/g, ""));
    await u.send(other.display);
    await u.send(other.pin);
    expect(u.lastText()).toContain(`Status bantuan keluarga ${other.display}`);

    // Outside any flow, a code typed on its own starts the check and asks for the PIN.
    await u.send(household.display);
    expect(u.lastText()).toContain(`Kode keluarga: ${household.display}`);
    await u.send(household.pin);
    expect(u.lastText()).toContain(`Status bantuan keluarga ${household.display}`);
    // And "/status CODE" too.
    await u.send(`/status ${other.refCode.toLowerCase()}`);
    expect(u.lastText()).toContain(`Kode keluarga: ${other.display}`);
    await u.send(formatFamilyPin(other.pin));
    expect(u.lastText()).toContain(`Status bantuan keluarga ${other.display}`);
    // Ordinary text is still "not understood".
    await u.send("halo");
    expect(u.lastText()).not.toContain("PIN");
  });

  it("lets the person go back and type another code", async () => {
    const u = t.driver.user({ id: 7111, firstName: "Eko" });
    await u.send("/status");
    await u.send(unknownCode());
    await u.tap("⬅️ Ganti kode");
    expect(u.lastText()).toContain("kode keluarga");
    await u.send(other.display);
    await u.send(other.pin);
    expect(u.lastText()).toContain(`Status bantuan keluarga ${other.display}`);
  });

  it("only works in a private chat", async () => {
    const group = t.driver.group({ id: -100777, title: "Warga RT 4" });
    const member = group.member({ id: 7112, firstName: "Fajar" });
    await member.send("/status");
    expect(group.lastText()).toContain("chat pribadi");
    await member.send(household.display);
    expect(group.texts()).toHaveLength(1);
  });
});

describe("a new PIN", () => {
  it("replaces the old one at once and ends the sessions opened with it", async () => {
    const h = await seedHousehold(t, volunteerId, { headNik: "3201010202800006", kk: "3201012001150113", headBirthDate: "1980-02-02" });
    const family = t.driver.user({ id: 7130, firstName: "Keluarga" });
    expect(await checkStatus(family, h.display, h.pin)).toContain("Status: Terdaftar");
    const vol = t.driver.user({ id: 7001, firstName: "Siti" });
    await vol.send("/start");
    await vol.tapData(`hh:open:${h.id}`);
    await vol.tap("🔑 Ganti PIN keluarga");
    expect(vol.lastText()).toContain("sudah punya PIN");
    await vol.tap("🔑 Ya, buat PIN baru");
    const slip = vol.lastText()!;
    expect(slip).toContain(`Kode keluarga: ${h.display}`);
    expect(slip).toContain("PIN lama keluarga ini sudah tidak berlaku");
    const pin = /PIN: (\d{3} \d{3})/.exec(slip)![1]!.replace(" ", "");
    // The old session's buttons stop working; the old PIN no longer passes; the new one does.
    await family.tap("🔔 Kabari saya");
    expect(family.lastCallbackAnswer()?.["text"]).toContain("Waktu pemeriksaan sudah habis");
    expect(await checkStatus(family, h.display, h.pin)).toContain("tidak cocok");
    expect(await checkStatus(family, h.display, pin)).toContain("Status: Terdaftar");
  });
});

describe("anti-enumeration lockout", () => {
  it("locks a chat after 5 failures within an hour, says until when, and lifts the lock after the hour", async () => {
    const start = t.clock.now;
    const u = t.driver.user({ id: 7201, firstName: "Guesser" });
    const codes = ["22-22222", "33-33333", "44-44444", "55-55555"];
    for (const code of codes) {
      expect(await checkStatus(u, code, "482915")).toContain("tidak cocok");
      t.clock.now += MINUTE;
    }
    // The fifth failure (4 minutes after the first) locks the chat until the first is an hour old.
    const fifth = await checkStatus(u, "66-66666", "482915");
    expect(fifth).toContain("tidak cocok");
    expect(fifth).toContain("dikunci sementara");
    const until = new Date(start + 60 * MINUTE);
    const hhmm = `${String((until.getUTCHours() + 7) % 24).padStart(2, "0")}.${String(until.getUTCMinutes()).padStart(2, "0")}`;
    expect(fifth).toContain(`pukul ${hhmm} WIB`);

    // Even the right code and PIN are refused now, before anything is asked.
    await u.send("/status");
    expect(u.lastText()).toContain("dikunci sementara");
    expect(u.lastText()).toContain(`pukul ${hhmm} WIB`);
    expect(u.lastText()).toContain("sekitar 56 menit lagi");

    // Other chats are not affected by this chat's lock.
    const neighbour = t.driver.user({ id: 7202, firstName: "Neighbour" });
    expect(await checkStatus(neighbour, household.display, household.pin)).toContain("Status: Terdaftar");

    // One minute before the hour: still locked. At the hour: the oldest failure left the window.
    t.clock.now = start + 59 * MINUTE;
    await u.send("/status");
    expect(u.lastText()).toContain("dikunci sementara");
    t.clock.now = start + 60 * MINUTE;
    expect(await checkStatus(u, household.display, household.pin)).toContain("Status: Terdaftar");

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
    // Three chats try the other family's code with wrong PINs: 2 + 2 + 1 failures.
    const guessers = [7301, 7302, 7303].map((id) => t.driver.user({ id, firstName: `G${id}` }));
    let n = 0;
    for (const [i, g] of guessers.entries()) {
      for (let k = 0; k < (i < 2 ? 2 : 1); k++) {
        await checkStatus(g, other.display, otherPin(other.pin, ++n));
        t.clock.now += MINUTE;
      }
    }
    expect(guessers[2]!.lastText()).toContain("dikunci sementara");

    // The family itself, from a fresh chat with the right PIN: locked, told until when.
    const family = t.driver.user({ id: 7304, firstName: "Joko" });
    await family.send("/status");
    await family.send(other.display);
    expect(family.lastText()).toContain("dikunci sementara");
    // The other household's code is not affected.
    expect(await checkStatus(family, household.display, household.pin)).toContain("Status: Terdaftar");

    t.clock.now = start + 60 * MINUTE;
    expect(await checkStatus(family, other.display, other.pin)).toContain(`Status bantuan keluarga ${other.display}`);

    const lockouts = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "=", "status_check.lockout").execute();
    expect(lockouts.some((a) => a.details["scope"] === "code" && a.details["chatId"] === 7304 && a.details["trigger"] === "refused")).toBe(true);
  });

  it("writes successes, failures and lockouts to the audit log without any typed value", async () => {
    const rows = await t.app.deps.db.selectFrom("audit_log").selectAll().where("action", "like", "status_check.%").execute();
    const actions = new Set(rows.map((r) => r.action));
    expect(actions).toEqual(new Set(["status_check.success", "status_check.failure", "status_check.lockout"]));
    const success = rows.find((r) => r.action === "status_check.success")!;
    expect(success.entity_id).toBe(String(household.id));
    const text = JSON.stringify(rows);
    for (const typed of [household.refCode, household.display, other.refCode, "22222", household.pin, other.pin, "482915", "ZZZZZ"]) {
      expect(text, typed).not.toContain(typed);
    }
    const logs = t.logs.join("\n");
    for (const typed of [household.refCode, other.refCode, household.pin, other.pin, NIK, HEAD_NAME]) expect(logs, typed).not.toContain(typed);
  });
});

describe("the buttons under the card cannot be forged", () => {
  it("does nothing for a chat that has not verified that household", async () => {
    const db = t.app.deps.db;
    const stranger = t.driver.user({ id: 7401, firstName: "Stranger" });
    await stranger.send("/start");
    for (const action of ["sub", "data", "full", "fullok", "fix", "del", "delok"]) {
      const before = t.fake.calls.filter((c) => c.method === "sendMessage").length;
      await stranger.tapData(`bs:${action}:${household.id}`);
      expect(stranger.lastCallbackAnswer()?.["text"]).toContain("Waktu pemeriksaan sudah habis");
      expect(t.fake.calls.filter((c) => c.method === "sendMessage").length).toBe(before);
    }
    expect(await db.selectFrom("status_subscriptions").selectAll().where("chat_id", "=", 7401).execute()).toEqual([]);
    expect(await db.selectFrom("data_requests").selectAll().where("chat_id", "=", 7401).execute()).toEqual([]);

    // A chat that verified the OTHER household cannot use its session on this one.
    const joko = t.driver.user({ id: 7402, firstName: "Joko" });
    expect(await checkStatus(joko, other.display, other.pin)).toContain("Status bantuan");
    await joko.tapData(`bs:data:${household.id}`);
    expect(joko.lastCallbackAnswer()?.["text"]).toContain("Waktu pemeriksaan sudah habis");
    await joko.tapData(`bs:fullok:${household.id}`);
    expect(joko.texts().join("\n")).not.toContain(NIK);
    await joko.tapData(`bs:sub:${household.id}`);
    expect(await db.selectFrom("status_subscriptions").selectAll().where("chat_id", "=", 7402).execute()).toEqual([]);
  });

  it("ends the session after 30 minutes", async () => {
    const u = t.driver.user({ id: 7403, firstName: "Late" });
    await checkStatus(u, household.display, household.pin);
    t.clock.now += 31 * MINUTE;
    await u.tap("🔔 Kabari saya");
    expect(u.lastCallbackAnswer()?.["text"]).toContain("Ketik /status untuk memeriksa lagi");
    expect(await t.app.deps.db.selectFrom("status_subscriptions").selectAll().where("chat_id", "=", 7403).execute()).toEqual([]);
  });
});

describe("restart in the middle of a check", () => {
  it("continues at the PIN question on a new process", async () => {
    const u = t.driver.user({ id: 7501, firstName: "Restart" });
    await u.send("/status");
    await u.send(household.display);
    expect(u.lastText()).toContain("PIN keluarga");
    const t2 = await t.restart();
    const u2 = t2.driver.user({ id: 7501, firstName: "Restart" });
    await u2.send(household.pin);
    expect(u2.lastText()).toContain(`Status bantuan keluarga ${household.display}`);
    t.app = t2.app;
    t.driver = t2.driver;
  });
});
