/**
 * Issue 11, "Done when": a person who knows a household's NIK, No. KK, birth date, name and
 * village — everything printed on its documents — but not its family PIN cannot get its status
 * card or its data, and the lockout still holds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import { issueFamilyPin } from "../../src/db/queries/beneficiary/index.js";
import { parseFamilyPin } from "../../src/domain/family-pin.js";
import { BOGOR_VILLAGE, H_ADDRESS, H_CHILD_NIK, H_KK, H_NAME, H_NIK, seedHousehold, seedUser } from "./support.js";

let t: TestApp;
let h: { id: number; refCode: string; display: string };
let pin: string;

beforeAll(async () => {
  t = await createTestApp();
  const volunteer = await seedUser(t, { telegramId: 13001, role: "volunteer", name: "Rahmat Hidayat", area: BOGOR_VILLAGE });
  h = await seedHousehold(t, volunteer);
  const household = await t.app.deps.db.selectFrom("households").selectAll().where("id", "=", h.id).executeTakeFirstOrThrow();
  pin = (await issueFamilyPin(t.app.deps.db, t.app.deps.pii, { household, by: volunteer, now: new Date(t.clock.now) })).pin;
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.fake.assertNoViolations();
});

/** Everything that can be read off the KTP and the KK, in the forms people would try. */
function documentGuesses(): string[] {
  const dd = "05";
  const mm = "08";
  return [
    "05-08-1968",
    "5 Agustus 1968",
    "05081968",
    `${dd}${mm}68`,
    `68${mm}${dd}`,
    `${Number(dd) + 40}${mm}68`, // the NIK's own day field (women: day + 40)
    H_NIK.slice(-4),
    H_NIK.slice(-6),
    H_NIK.slice(0, 6),
    H_NIK.slice(6, 12),
    H_KK.slice(-6),
    H_KK.slice(0, 6),
    H_KK.slice(6, 12),
    H_CHILD_NIK.slice(-6),
    H_NIK,
    H_KK,
    H_NAME,
    "Karadenan",
    "Cibinong",
    "004006",
  ].filter((g) => parseFamilyPin(g) !== pin);
}

describe("knowing the documents is not enough", () => {
  it("never shows the status card or any data, whatever is tried from the documents, and locks after five wrong PINs", async () => {
    const attacker = t.driver.user({ id: 13100, firstName: "Tetangga" });
    let pinShaped = 0;
    for (const guess of documentGuesses()) {
      await attacker.send("/status");
      if ((attacker.lastText() ?? "").includes("dikunci")) break;
      await attacker.send(h.display);
      await attacker.send(guess);
      if (parseFamilyPin(guess)) pinShaped++;
      const answer = attacker.lastText() ?? "";
      expect(answer, guess).not.toContain("Status bantuan keluarga");
      if (pinShaped >= 5) break;
    }
    expect(pinShaped, attacker.texts().slice(-6).join("\n====\n")).toBe(5);
    expect(attacker.lastText()).toContain("dikunci sementara");
    const everything = attacker.texts().join("\n");
    for (const secret of [H_NIK, H_KK, H_CHILD_NIK, H_NAME, H_ADDRESS, "3201••••••••0001", "Terdaftar"]) expect(everything, secret).not.toContain(secret);

    // The lockout holds: now even the right PIN is refused, from this chat…
    await attacker.send("/status");
    expect(attacker.lastText()).toContain("dikunci sementara");
    // …and the code is locked for every chat (five failures with it, whichever chats they came from).
    const helpers = [13101, 13102].map((id) => t.driver.user({ id, firstName: `Teman${id}` }));
    for (const helper of helpers) {
      await helper.send("/status");
      await helper.send(h.display);
      expect(helper.lastText()).toContain("dikunci sementara");
    }

    // The buttons of a status card cannot be forged without a session.
    for (const action of ["data", "full", "fullok", "sub", "fix", "del", "delok"]) {
      await attacker.tapData(`bs:${action}:${h.id}`);
      expect(attacker.lastCallbackAnswer()?.["text"]).toContain("Waktu pemeriksaan sudah habis");
    }
    expect(await t.app.deps.db.selectFrom("data_requests").selectAll().execute()).toEqual([]);
    expect(await t.app.deps.db.selectFrom("status_sessions").selectAll().execute()).toEqual([]);

    // An hour later the family, with its PIN, gets in (and only then sees its data, masked).
    t.clock.now += 61 * 60 * 1000;
    const family = t.driver.user({ id: 13200, firstName: "Siti" });
    await family.send("/status");
    await family.send(h.display);
    await family.send(pin);
    expect(family.lastText()).toContain(`Status bantuan keluarga ${h.display}`);
    await family.tap("📄 Data saya");
    const copy = family.texts().join("\n");
    expect(copy).toContain("3201••••••••0001");
    expect(copy).not.toContain(H_NIK);
  });
});
