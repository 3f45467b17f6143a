import { describe, it, expect } from "vitest";
import { checkKk } from "../../src/domain/kk.js";

describe("checkKk", () => {
  it("accepts a valid number and returns the region prefix", () => {
    expect(checkKk("3201120101150003")).toEqual({
      ok: true,
      kk: "3201120101150003",
      regionPrefix: { province: "32", regency: "32.01", district: "32.01.12" },
      warnings: [],
    });
  });

  it("normalises separators and non-ASCII digits", () => {
    const r = checkKk("3201 1201-0115.0003");
    expect(r.ok && r.kk).toBe("3201120101150003");
    const arabic = checkKk("٣٢٠١١٢٠١٠١١٥٠٠٠٣");
    expect(arabic.ok && arabic.kk).toBe("3201120101150003");
    const fullWidth = checkKk("３２０１１２０１０１１５０００３");
    expect(fullWidth.ok && fullWidth.kk).toBe("3201120101150003");
  });

  it("length", () => {
    expect(checkKk("320112010115000")).toEqual({
      ok: false,
      problems: [{ code: "length", params: { length: 15 } }],
    });
    expect(checkKk("")).toEqual({ ok: false, problems: [{ code: "length", params: { length: 0 } }] });
  });

  it("not_digits", () => {
    expect(checkKk("32011201011500O3")).toEqual({ ok: false, problems: [{ code: "not_digits" }] });
  });

  it("serial_zero", () => {
    expect(checkKk("3201120101150000")).toEqual({ ok: false, problems: [{ code: "serial_zero" }] });
  });

  it("same_as_nik, also when the NIK is written differently", () => {
    expect(checkKk("3602041211870001", { nik: "3602041211870001" })).toEqual({
      ok: false,
      problems: [{ code: "same_as_nik" }],
    });
    expect(checkKk("3602041211870001", { nik: "3602 0412 1187 0001" })).toEqual({
      ok: false,
      problems: [{ code: "same_as_nik" }],
    });
  });

  it("accepts a different NIK", () => {
    expect(checkKk("3201120101150003", { nik: "3602041211870001" }).ok).toBe(true);
  });

  it("reports serial_zero and same_as_nik together", () => {
    expect(checkKk("3201120101150000", { nik: "3201120101150000" })).toEqual({
      ok: false,
      problems: [{ code: "serial_zero" }, { code: "same_as_nik" }],
    });
  });

  it("warns, without rejecting, about an unusual day", () => {
    expect(checkKk("3201124501150003")).toEqual({
      ok: true,
      kk: "3201124501150003",
      regionPrefix: { province: "32", regency: "32.01", district: "32.01.12" },
      warnings: [{ code: "date_unusual", params: { day: 45, month: 1 } }],
    });
  });

  it("warns about day 00 and an unusual month", () => {
    const r = checkKk("3201120013150003");
    expect(r.ok && r.warnings).toEqual([{ code: "date_unusual", params: { day: 0, month: 13 } }]);
    const m0 = checkKk("3201121500150003");
    expect(m0.ok && m0.warnings).toEqual([{ code: "date_unusual", params: { day: 15, month: 0 } }]);
  });

  it("does not apply the calendar or the +40 rule beyond the warning", () => {
    // 31-02 passes without warning: only the ranges are checked.
    const r = checkKk("3201123102150003");
    expect(r.ok && r.warnings).toEqual([]);
  });
});
