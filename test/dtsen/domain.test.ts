import { describe, expect, it } from "vitest";
import {
  REASONS,
  canMoveProposal,
  checkFreeText,
  completeness,
  letterFor,
  parseDtsenWindows,
  proposalCapacities,
  reminderDate,
  reminderDue,
  requiredEvidence,
  windowAt,
  windowById,
  windowLabel,
} from "../../src/domain/dtsen.js";
import { decodeDtsen, encodeDtsen, type DtsenAction } from "../../src/ui/dtsen/callback.js";
import type { User } from "../../src/db/schema.js";
import { parseConfig } from "../../src/config.js";

describe("evidence checklists", () => {
  it("differ per kind and reason", () => {
    expect(requiredEvidence("baru", "belum_terdaftar")).toEqual(["consent", "kk", "house_front", "house_inside", "location"]);
    expect(requiredEvidence("baru", "sktm")).toEqual(["consent", "kk", "house_front", "house_inside", "location", "letter"]);
    expect(requiredEvidence("perubahan", "alamat")).toEqual(["consent", "kk", "house_front", "location"]);
    expect(requiredEvidence("perubahan", "kondisi")).toEqual(["consent", "kk", "house_front", "house_inside", "location"]);
    expect(requiredEvidence("perubahan", "anggota_meninggal")).toEqual(["consent", "kk", "house_front", "location", "letter"]);
    expect(requiredEvidence("sanggah", "pindah")).toEqual(["house_front", "location", "letter"]);
    expect(requiredEvidence("sanggah", "ganda")).toEqual(["kk", "house_front", "location"]);
  });

  it("name the letter a reason needs", () => {
    expect(letterFor("baru", "sktm")).toBe("sktm");
    expect(letterFor("perubahan", "anggota_meninggal")).toBe("kematian");
    expect(letterFor("perubahan", "pindah_datang")).toBe("pindah");
    expect(letterFor("sanggah", "meninggal")).toBe("kematian");
    expect(letterFor("sanggah", "pindah")).toBe("pindah");
    expect(letterFor("sanggah", "mampu")).toBeNull();
    for (const kind of ["baru", "perubahan", "sanggah"] as const) expect(REASONS[kind].at(-1)?.code).toBe("lainnya");
  });

  it("report what is still missing", () => {
    expect(completeness("sanggah", "pindah", ["location"])).toEqual({ done: 1, total: 3, missing: ["house_front", "letter"], complete: false });
    expect(completeness("sanggah", "pindah", ["location", "letter", "house_front", "kk"]).complete).toBe(true);
  });
});

describe("status transitions", () => {
  const done = { complete: true, hasReason: false };
  it("let the field submit complete proposals and staff verify, return, hand over and record outcomes", () => {
    expect(canMoveProposal("draft", "menunggu", ["field"], done)).toEqual({ ok: true });
    expect(canMoveProposal("draft", "menunggu", ["field"], { complete: false, hasReason: false })).toEqual({ ok: false, reason: "incomplete" });
    expect(canMoveProposal("menunggu", "terverifikasi", ["field"], done)).toEqual({ ok: false, reason: "not_allowed" });
    expect(canMoveProposal("menunggu", "terverifikasi", ["staff"], done)).toEqual({ ok: true });
    expect(canMoveProposal("menunggu", "dikembalikan", ["staff"], done)).toEqual({ ok: false, reason: "reason_required" });
    expect(canMoveProposal("menunggu", "dikembalikan", ["staff"], { complete: true, hasReason: true })).toEqual({ ok: true });
    expect(canMoveProposal("dikembalikan", "menunggu", ["field"], done)).toEqual({ ok: true });
    expect(canMoveProposal("terverifikasi", "diserahkan", ["staff"], done)).toEqual({ ok: true });
    expect(canMoveProposal("diserahkan", "ditolak", ["staff"], done)).toEqual({ ok: false, reason: "reason_required" });
    expect(canMoveProposal("diserahkan", "diterima", ["staff"], done)).toEqual({ ok: true });
    expect(canMoveProposal("draft", "terverifikasi", ["staff", "field"], done)).toEqual({ ok: false, reason: "invalid_transition" });
    expect(canMoveProposal("diterima", "ditolak", ["staff"], { complete: true, hasReason: true })).toEqual({ ok: false, reason: "invalid_transition" });
    expect(canMoveProposal("menunggu", "dibatalkan", ["field", "staff"], done)).toEqual({ ok: false, reason: "invalid_transition" });
  });
});

describe("who may act", () => {
  const user = (u: Partial<User>): User => ({ id: 1, role: "volunteer", status: "active", area_code: "32.01.01.1002", ...u }) as User;
  const household = { volunteer_id: 1, village_code: "32.01.01.1002", anonymized_at: null };
  it("follows the scope: own households, the coordinator's area, admins everywhere, nobody else", () => {
    expect(proposalCapacities(user({}), household)).toEqual(["field"]);
    expect(proposalCapacities(user({ id: 2 }), household)).toEqual([]);
    expect(proposalCapacities(user({ id: 3, role: "coordinator", area_code: "32.01.01" }), household)).toEqual(["field", "staff"]);
    expect(proposalCapacities(user({ id: 3, role: "coordinator", area_code: "32.01.02" }), household)).toEqual([]);
    expect(proposalCapacities(user({ id: 3, role: "coordinator", area_code: null }), household)).toEqual([]);
    expect(proposalCapacities(user({ id: 4, role: "admin", area_code: null }), household)).toEqual(["field", "staff"]);
    expect(proposalCapacities(user({ status: "pending" }), household)).toEqual([]);
    expect(proposalCapacities(user({ role: "beneficiary" }), household)).toEqual([]);
    expect(proposalCapacities(undefined, household)).toEqual([]);
    expect(proposalCapacities(user({}), { ...household, anonymized_at: new Date() })).toEqual([]);
  });
});

describe("free text", () => {
  it("is trimmed and bounded, and never carries an identity number", () => {
    expect(checkFreeText("  Rumah   kosong sejak Juli ")).toEqual({ ok: true, value: "Rumah kosong sejak Juli" });
    expect(checkFreeText("ok")).toEqual({ ok: false, problem: "too_short" });
    expect(checkFreeText("x".repeat(501))).toEqual({ ok: false, problem: "too_long" });
    expect(checkFreeText("NIK 3201014508680001 salah")).toEqual({ ok: false, problem: "identity_number" });
    expect(checkFreeText("KK 3201-0120-0115-0003")).toEqual({ ok: false, problem: "identity_number" });
    expect(checkFreeText("RT 004 RW 006, telp 081234567890")).toMatchObject({ ok: true });
  });
});

describe("update calendar (DTSEN_WINDOWS)", () => {
  const quarterly = parseConfig({}).DTSEN_WINDOWS;
  it("defaults to the first month of each quarter", () => {
    expect(quarterly).toEqual([
      { from: 1, to: 1 },
      { from: 4, to: 4 },
      { from: 7, to: 7 },
      { from: 10, to: 10 },
    ]);
  });

  it("accepts months and ranges, refuses anything else with a clear message", () => {
    expect(parseDtsenWindows(" 7-8, 1-2 ")).toEqual({ ok: true, value: [{ from: 1, to: 2 }, { from: 7, to: 8 }] });
    for (const bad of ["", "13", "0", "3-1", "1,1", "1-3,2", "Januari"]) expect(parseDtsenWindows(bad).ok).toBe(false);
    expect(() => parseConfig({ DTSEN_WINDOWS: "1-3,2" })).toThrow(/DTSEN_WINDOWS expects comma-separated months/);
  });

  it("finds the open or next window, and its reminder day two weeks before it closes", () => {
    const jan = windowAt("2026-11-28", quarterly);
    expect(jan).toMatchObject({ id: "2027-01", start: "2027-01-01", end: "2027-01-31" });
    expect(windowAt("2027-01-31", quarterly).id).toBe("2027-01");
    expect(windowAt("2027-02-01", quarterly).id).toBe("2027-04");
    expect(windowAt("2027-12-15", quarterly).id).toBe("2028-01");
    expect(reminderDate(jan)).toBe("2027-01-17");
    expect(reminderDue(jan, "2027-01-16")).toBe(false);
    expect(reminderDue(jan, "2027-01-17")).toBe(true);
    expect(reminderDue(jan, "2027-02-01")).toBe(false);
    const spring = windowAt("2028-01-10", [{ from: 2, to: 3 }]);
    expect(spring).toMatchObject({ id: "2028-02", end: "2028-03-31" });
    expect(windowAt("2028-02-10", [{ from: 2, to: 2 }]).end).toBe("2028-02-29");
    expect(windowLabel(spring, "id")).toBe("Februari–Maret 2028");
    expect(windowLabel(jan, "en")).toBe("January 2027");
    expect(windowById("2027-04", quarterly)).toMatchObject({ end: "2027-04-30" });
    expect(windowById("2027-05", quarterly)).toBeNull();
  });
});

describe("callback data", () => {
  const actions: DtsenAction[] = [
    { a: "house", householdId: 123456789 },
    { a: "open", proposalId: 7 },
    { a: "item", proposalId: 7, item: "house_inside" },
    { a: "item", proposalId: 7, item: "consent" },
    { a: "submit", proposalId: 7 },
    { a: "cancel", proposalId: 7 },
    { a: "cancelYes", proposalId: 7 },
    { a: "evidence", proposalId: 7 },
    { a: "kk", proposalId: 7 },
    { a: "verify", proposalId: 7 },
    { a: "return", proposalId: 7 },
    { a: "accept", proposalId: 7 },
    { a: "reject", proposalId: 7 },
    { a: "history", proposalId: 7 },
    { a: "queue", page: 2 },
    { a: "progress", page: 0 },
    { a: "mine", page: 1 },
    { a: "packages" },
    { a: "awaiting" },
    { a: "village", villageCode: "32.01.01.1002" },
    { a: "fullWarn", packageId: 3 },
    { a: "download", packageId: 3, full: true },
    { a: "download", packageId: 3, full: false },
    { a: "handover", packageId: 3 },
    { a: "handoverYes", packageId: 3 },
    { a: "outcomes", packageId: 3 },
  ];
  it("round-trips every action within 64 bytes", () => {
    for (const action of actions) {
      const data = encodeDtsen(action);
      expect(data.startsWith("pu:")).toBe(true);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decodeDtsen(data)).toEqual(action);
    }
    expect(new Set(actions.map(encodeDtsen)).size).toBe(actions.length);
  });

  it("refuses malformed or foreign data", () => {
    for (const data of ["pu:", "pu:o", "pu:o:x", "pu:o:-1", "pu:o:1:2", "pu:e:1", "pu:e:1:q", "pu:pd:1", "pu:pd:1:y", "pu:pv:32.01", "pu:pk:1", "hh:open:1", `pu:o:${"1".repeat(10)}`, "pu:nope:1"]) {
      expect(decodeDtsen(data)).toBeNull();
    }
  });
});
