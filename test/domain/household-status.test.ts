import { describe, it, expect } from "vitest";
import {
  ACTOR_ROLES,
  canTransition,
  nextStatuses,
  requiresReason,
} from "../../src/domain/household-status.js";
import { HOUSEHOLD_STATUSES, type HouseholdStatus } from "../../src/domain/ppks.js";

const ALLOWED: ReadonlyArray<readonly [HouseholdStatus, HouseholdStatus]> = [
  ["terdaftar", "diverifikasi"],
  ["terdaftar", "ditolak"],
  ["diverifikasi", "diusulkan"],
  ["diverifikasi", "ditolak"],
  ["diverifikasi", "terdaftar"],
  ["diusulkan", "menerima_bantuan"],
  ["diusulkan", "ditolak"],
  ["menerima_bantuan", "selesai"],
  ["ditolak", "terdaftar"],
  ["selesai", "terdaftar"],
];

function isAllowed(from: HouseholdStatus, to: HouseholdStatus): boolean {
  return ALLOWED.some(([f, t]) => f === from && t === to);
}

describe("canTransition", () => {
  it.each(ALLOWED)("coordinator and admin may move %s → %s", (from, to) => {
    expect(canTransition(from, to, "coordinator")).toEqual({ ok: true });
    expect(canTransition(from, to, "admin")).toEqual({ ok: true });
  });

  it("volunteers may only verify a registered household", () => {
    expect(canTransition("terdaftar", "diverifikasi", "volunteer")).toEqual({ ok: true });
    for (const [from, to] of ALLOWED) {
      if (from === "terdaftar" && to === "diverifikasi") {
        continue;
      }
      expect(canTransition(from, to, "volunteer")).toEqual({
        ok: false,
        reason: "not_allowed_for_role",
      });
    }
  });

  it("refuses staying in the same status", () => {
    for (const status of HOUSEHOLD_STATUSES) {
      for (const role of ACTOR_ROLES) {
        expect(canTransition(status, status, role)).toEqual({ ok: false, reason: "same" });
      }
    }
  });

  it("refuses every other transition as invalid, for every role", () => {
    for (const from of HOUSEHOLD_STATUSES) {
      for (const to of HOUSEHOLD_STATUSES) {
        if (from === to || isAllowed(from, to)) {
          continue;
        }
        for (const role of ACTOR_ROLES) {
          expect(canTransition(from, to, role), `${from} → ${to} (${role})`).toEqual({
            ok: false,
            reason: "invalid_transition",
          });
        }
      }
    }
  });

  it.each([
    ["terdaftar", "menerima_bantuan"],
    ["terdaftar", "selesai"],
    ["menerima_bantuan", "ditolak"],
    ["ditolak", "diverifikasi"],
    ["selesai", "menerima_bantuan"],
    ["diusulkan", "terdaftar"],
  ] as const)("examples of invalid transitions: %s → %s", (from, to) => {
    expect(canTransition(from, to, "admin")).toEqual({ ok: false, reason: "invalid_transition" });
  });
});

describe("nextStatuses", () => {
  it("lists targets for coordinators in status order", () => {
    expect(nextStatuses("terdaftar", "coordinator")).toEqual(["diverifikasi", "ditolak"]);
    expect(nextStatuses("diverifikasi", "coordinator")).toEqual([
      "terdaftar",
      "diusulkan",
      "ditolak",
    ]);
    expect(nextStatuses("diusulkan", "admin")).toEqual(["menerima_bantuan", "ditolak"]);
    expect(nextStatuses("menerima_bantuan", "admin")).toEqual(["selesai"]);
    expect(nextStatuses("selesai", "admin")).toEqual(["terdaftar"]);
    expect(nextStatuses("ditolak", "coordinator")).toEqual(["terdaftar"]);
  });

  it("lists only verification for volunteers", () => {
    expect(nextStatuses("terdaftar", "volunteer")).toEqual(["diverifikasi"]);
    for (const from of HOUSEHOLD_STATUSES.filter((s) => s !== "terdaftar")) {
      expect(nextStatuses(from, "volunteer")).toEqual([]);
    }
  });

  it("agrees with canTransition", () => {
    for (const role of ACTOR_ROLES) {
      for (const from of HOUSEHOLD_STATUSES) {
        for (const to of HOUSEHOLD_STATUSES) {
          expect(nextStatuses(from, role).includes(to)).toBe(canTransition(from, to, role).ok);
        }
      }
    }
  });
});

describe("requiresReason", () => {
  it("is true for ditolak and selesai only", () => {
    expect(HOUSEHOLD_STATUSES.filter((s) => requiresReason(s))).toEqual(["selesai", "ditolak"]);
  });
});
