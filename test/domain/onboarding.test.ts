import { describe, expect, it } from "vitest";
import {
  applyBlock,
  formatLocalDateTime,
  generateInviteCode,
  inviteLink,
  isInviteCodeShape,
  joinBlock,
  mayDecide,
  mayInviteCoordinators,
  mayInviteFor,
  type Person,
} from "../../src/domain/onboarding.js";

const admin: Person = { role: "admin", status: "active", area_code: null };
const regency: Person = { role: "coordinator", status: "active", area_code: "32.02" };
const district: Person = { role: "coordinator", status: "active", area_code: "32.02.11" };
const village: Person = { role: "coordinator", status: "active", area_code: "32.02.11.2006" };

describe("invite codes", () => {
  it("are 16 base64url characters from 12 random bytes, and differ every time", () => {
    const codes = new Set(Array.from({ length: 1000 }, () => generateInviteCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(isInviteCodeShape(code)).toBe(true);
    }
    expect(generateInviteCode((n) => Buffer.alloc(n, 0xff))).toBe("________________");
    expect(isInviteCodeShape("short")).toBe(false);
    expect(isInviteCodeShape("AAAAAAAAAAAAAAA%")).toBe(false);
    expect(inviteLink("pendamping_bot", "abc")).toBe("https://t.me/pendamping_bot?start=inv_abc");
  });
});

describe("who may invite whom where", () => {
  it("lets admins invite anywhere below province level", () => {
    expect(mayInviteFor(admin, "coordinator", "35.75")).toBe(true);
    expect(mayInviteFor(admin, "volunteer", "53.07.01.2021")).toBe(true);
    expect(mayInviteFor(admin, "coordinator", "35")).toBe(false);
  });

  it("lets coordinators invite volunteers in their area and coordinators strictly inside it", () => {
    expect(mayInviteFor(regency, "volunteer", "32.02")).toBe(true);
    expect(mayInviteFor(regency, "volunteer", "32.02.11.2006")).toBe(true);
    expect(mayInviteFor(regency, "coordinator", "32.02")).toBe(false);
    expect(mayInviteFor(regency, "coordinator", "32.02.11")).toBe(true);
    expect(mayInviteFor(regency, "volunteer", "32.01.01")).toBe(false);
    expect(mayInviteFor(regency, "volunteer", "32.020")).toBe(false);
    expect(mayInviteFor(district, "coordinator", "32.02.11.2006")).toBe(true);
    expect(mayInviteFor(village, "coordinator", "32.02.11.2006")).toBe(false);
    expect(mayInviteCoordinators(village)).toBe(false);
    expect(mayInviteCoordinators(district)).toBe(true);
  });

  it("refuses suspended staff and volunteers", () => {
    expect(mayInviteFor({ ...regency, status: "suspended" }, "volunteer", "32.02")).toBe(false);
    expect(mayInviteFor({ role: "volunteer", status: "active", area_code: "32.02.11.2006" }, "volunteer", "32.02.11.2006")).toBe(false);
  });
});

describe("who may apply or join", () => {
  it("lets new people and pending or rejected volunteers apply", () => {
    expect(applyBlock({ role: "beneficiary", status: "active", area_code: null })).toBeNull();
    expect(applyBlock({ role: "volunteer", status: "pending", area_code: "32.02.11.2006" })).toBeNull();
    expect(applyBlock({ role: "volunteer", status: "rejected", area_code: "32.02.11.2006" })).toBeNull();
    expect(applyBlock({ role: "volunteer", status: "active", area_code: "32.02.11.2006" })).toBe("already_volunteer");
    expect(applyBlock(district)).toBe("already_staff");
    expect(applyBlock({ role: "volunteer", status: "suspended", area_code: null })).toBe("suspended");
  });

  it("lets an active volunteer be promoted by a coordinator invite only", () => {
    const active: Person = { role: "volunteer", status: "active", area_code: "32.02.11.2006" };
    expect(joinBlock(active, "coordinator")).toBeNull();
    expect(joinBlock(active, "volunteer")).toBe("already_volunteer");
    expect(joinBlock(admin, "coordinator")).toBe("already_staff");
    expect(joinBlock({ ...active, status: "suspended" }, "coordinator")).toBe("suspended");
  });
});

describe("formatLocalDateTime", () => {
  it("writes the time of the region's zone", () => {
    const at = new Date("2026-11-28T23:30:00Z");
    expect(formatLocalDateTime(at, "id", { tz: "Asia/Jakarta", label: "WIB" })).toBe("29 November 2026, 06.30 WIB");
    expect(formatLocalDateTime(at, "en", { tz: "Asia/Jayapura", label: "WIT" })).toBe("29 November 2026, 08:30 WIT");
  });
});

describe("mayDecide", () => {
  const app = { area_code: "32.02.11.2006", user_id: 7 };
  it("allows admins and coordinators whose area contains the village, nobody else", () => {
    expect(mayDecide({ ...admin, id: 1 }, app)).toBe(true);
    expect(mayDecide({ ...regency, id: 2 }, app)).toBe(true);
    expect(mayDecide({ ...village, id: 3 }, app)).toBe(true);
    expect(mayDecide({ role: "coordinator", status: "active", area_code: "32.01", id: 4 }, app)).toBe(false);
    expect(mayDecide({ role: "coordinator", status: "active", area_code: "32.02.11.2002", id: 5 }, app)).toBe(false);
    expect(mayDecide({ ...regency, status: "suspended", id: 6 }, app)).toBe(false);
    expect(mayDecide({ role: "volunteer", status: "active", area_code: "32.02.11.2006", id: 8 }, app)).toBe(false);
    expect(mayDecide({ ...admin, id: 7 }, app)).toBe(false);
    expect(mayDecide(undefined, app)).toBe(false);
  });
});
