import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { User } from "../../src/db/schema.js";
import { householdInScope, regionInStaffScope, scopeOf, staffAreaOf, workAreaOf } from "../../src/domain/scope.js";
import { canViewHousehold, coversArea, deniedMessageKey, hasAccess, isStaffFor } from "../../src/domain/access.js";
import { classifyHits, classifySimilar } from "../../src/domain/duplicates.js";
import { findDigitRuns, normalizeDigits, toAsciiDigits } from "../../src/domain/digits.js";
import { checkNik } from "../../src/domain/nik.js";
import { checkKk } from "../../src/domain/kk.js";
import { MIN_SEALED_DIGITS, sealIdentityNumbers, unsealIdentityNumbers } from "../../src/db/conversation-storage.js";
import { createPiiCrypto } from "../../src/pii.js";
import { sanitizeUpdate, storableText } from "../../src/lib/sanitize.js";

function user(over: Partial<User>): User {
  return {
    id: 1,
    telegram_id: 1,
    role: "volunteer",
    status: "active",
    name: "X",
    phone: null,
    locale: "id",
    area_code: "32.01.01.1002",
    username: null,
    status_reason: null,
    decided_by: null,
    decided_at: null,
    unreachable_at: null,
    last_active_at: null,
    created_at: new Date(),
    updated_at: new Date(),
    ...over,
  } as User;
}

const BOGOR = { volunteer_id: 7, village_code: "32.01.01.1002" };

describe("scope: one place decides what a user may see", () => {
  it("gives volunteers their own households, coordinators their area, admins everything, everyone else nothing", () => {
    expect(scopeOf(user({ id: 7 }))).toEqual({ kind: "own", userId: 7, area: "32.01.01.1002" });
    expect(householdInScope(scopeOf(user({ id: 7 })), BOGOR)).toBe(true);
    expect(householdInScope(scopeOf(user({ id: 8 })), BOGOR)).toBe(false);
    expect(householdInScope(scopeOf(user({ role: "coordinator", area_code: "32.01" })), BOGOR)).toBe(true);
    expect(householdInScope(scopeOf(user({ role: "coordinator", area_code: "32.010" })), BOGOR)).toBe(false);
    expect(householdInScope(scopeOf(user({ role: "coordinator", area_code: "73.71" })), BOGOR)).toBe(false);
    expect(householdInScope(scopeOf(user({ role: "admin", area_code: null })), BOGOR)).toBe(true);
    for (const status of ["pending", "rejected", "suspended"] as const) {
      for (const role of ["volunteer", "coordinator", "admin", "beneficiary"] as const) {
        expect(scopeOf(user({ id: 7, role, status })), `${role}/${status}`).toEqual({ kind: "none" });
      }
    }
    expect(scopeOf(user({ role: "beneficiary" }))).toEqual({ kind: "none" });
    expect(scopeOf(undefined)).toEqual({ kind: "none" });
  });

  it("never treats a coordinator without an area as the whole country", () => {
    const c = user({ role: "coordinator", area_code: null });
    expect(scopeOf(c)).toEqual({ kind: "none" });
    expect(householdInScope(scopeOf(c), BOGOR)).toBe(false);
    expect(regionInStaffScope(scopeOf(c), "32")).toBe(false);
    expect(staffAreaOf(scopeOf(c))).toBeUndefined();
    expect(workAreaOf(scopeOf(c))).toEqual({ kind: "nowhere" });
    expect(hasAccess(c, "staff")).toBe(false);
    expect(hasAccess(c, "volunteer")).toBe(false);
    expect(hasAccess(c, "anyone")).toBe(true);
    expect(deniedMessageKey(c, "staff")).toBe("access.no_area");
    expect(coversArea(c, "32.01")).toBe(false);
    expect(canViewHousehold(c, BOGOR)).toBe(false);
    expect(isStaffFor(c, BOGOR)).toBe(false);
    // Admins: everywhere (null = the whole country only for them).
    expect(staffAreaOf(scopeOf(user({ role: "admin", area_code: null })))).toBeNull();
    expect(staffAreaOf(scopeOf(user({ role: "coordinator", area_code: "32.01" })))).toBe("32.01");
  });

  it("limits where households are registered: the volunteer's village, the coordinator's area", () => {
    expect(workAreaOf(scopeOf(user({})))).toEqual({ kind: "within", code: "32.01.01.1002" });
    expect(workAreaOf(scopeOf(user({ area_code: null })))).toEqual({ kind: "nowhere" });
    expect(workAreaOf(scopeOf(user({ role: "coordinator", area_code: "32.01" })))).toEqual({ kind: "within", code: "32.01" });
    expect(workAreaOf(scopeOf(user({ role: "admin", area_code: null })))).toEqual({ kind: "everywhere" });
  });
});

describe("duplicates: codes only inside the scope", () => {
  const hit = (id: number, volunteerId: number, villageCode: string) => ({ id, refCode: `C${id}`, volunteerId, villageCode });
  it("shows an in-scope hit, hides one outside", () => {
    const volunteer = scopeOf(user({ id: 7 }));
    expect(classifyHits(volunteer, [hit(1, 9, "73.71.01.1001"), hit(2, 7, "32.01.01.1002")])).toEqual({ kind: "own", hit: hit(2, 7, "32.01.01.1002") });
    expect(classifyHits(volunteer, [hit(1, 9, "32.01.01.1002")])).toMatchObject({ kind: "elsewhere" });
    expect(classifyHits(volunteer, [])).toEqual({ kind: "none" });
    expect(classifySimilar(volunteer, [hit(1, 9, "32.01.01.1002")])).toEqual({ kind: "elsewhere" });
    const coordinator = scopeOf(user({ role: "coordinator", area_code: "32.01" }));
    expect(classifySimilar(coordinator, [hit(1, 9, "32.01.01.1002"), hit(2, 9, "32.02.01.1001")])).toEqual({ kind: "own", hits: [hit(1, 9, "32.01.01.1002")] });
  });
});

describe("identity numbers: whatever the parser accepts, the sealing recognises", () => {
  const pii = createPiiCrypto(randomBytes(32).toString("hex"));
  const NIK = "3201014508680001";
  const ZEROS = [0x30, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0xff10, 0x1d7ce, 0x1d7f6];
  const SEPARATORS = ["", " ", "  ", ".", "-", "/", "\u200b", "\u200d", "\u2060", "\ufeff", "\u00a0", "\u2013", "\u2212", "\u00ad", "\u200e", "\uff0f", "_"];
  const inScript = (digits: string, zero: number) => [...digits].map((d) => String.fromCodePoint(zero + Number(d))).join("");

  it("reads every script's decimal digits", () => {
    for (const zero of ZEROS) expect(toAsciiDigits(inScript("0123456789", zero)), zero.toString(16)).toBe("0123456789");
  });

  it("accepts the NIK and the KK in any script with any separators, and seals every such form", () => {
    let n = 0;
    for (const zero of ZEROS) {
      for (const sep of SEPARATORS) {
        // Each group of four in the script of the loop, the second in another script (mixed input).
        const groups = [NIK.slice(0, 4), NIK.slice(4, 8), NIK.slice(8, 12), NIK.slice(12)].map((g, i) => inScript(g, i === 1 ? ZEROS[(n + 3) % ZEROS.length]! : zero));
        const typed = ` ${groups.join(sep)} `;
        n++;
        const check = checkNik(typed, { now: new Date("2026-11-28T00:00:00Z") });
        expect(check.ok, JSON.stringify(typed)).toBe(true);
        expect(checkKk(typed).ok).toBe(true);
        const state = { update: { message: { text: typed } }, note: `NIK: ${typed}.` };
        const sealed = sealIdentityNumbers(state, pii);
        const raw = JSON.stringify(sealed);
        expect(normalizeDigits(raw).includes(NIK), JSON.stringify(typed)).toBe(false);
        expect(unsealIdentityNumbers(sealed, pii)).toEqual(state);
      }
    }
  });

  it("seals mistyped numbers too, leaves dates, RT/RW and region codes readable", () => {
    expect(findDigitRuns("320101450868000", MIN_SEALED_DIGITS)).toHaveLength(1);
    expect(findDigitRuns("32010145086800011", MIN_SEALED_DIGITS)).toHaveLength(1);
    for (const readable of ["05-08-1968", "RT 003/004", "32.01.01.1002", "0812 3456"]) expect(findDigitRuns(readable, MIN_SEALED_DIGITS), readable).toHaveLength(0);
    const kept = sealIdentityNumbers({ s: "lahir 05-08-1968, desa 32.01.01.1002" }, pii);
    expect(kept).toEqual({ s: "lahir 05-08-1968, desa 32.01.01.1002" });
  });

  it("leaves a typed sealing marker alone rather than failing", () => {
    const state = { s: "\u27eapii:not-a-ciphertext\u27eb" };
    expect(unsealIdentityNumbers(sealIdentityNumbers(state, pii), pii)).toEqual(state);
  });
});

describe("storable text", () => {
  it("removes U+0000 and repairs half emoji, keeping entities aligned", () => {
    expect(storableText("a\u0000b\ud83d")).toBe("ab\ufffd");
    const update = {
      update_id: 1,
      message: { text: "\u0000/daftar x\u0000y", entities: [{ type: "bot_command", offset: 1, length: 7 }], chat: { first_name: "A\u0000" } },
    };
    sanitizeUpdate(update);
    expect(update.message.text).toBe("/daftar xy");
    expect(update.message.entities).toEqual([{ type: "bot_command", offset: 0, length: 7 }]);
    expect(update.message.chat.first_name).toBe("A");
  });
});
