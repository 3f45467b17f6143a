import { describe, it, expect } from "vitest";
import { maskKk, maskNik } from "../../src/domain/mask.js";

describe("maskNik", () => {
  it("keeps the first and last four digits", () => {
    expect(maskNik("3201123456780001")).toBe("3201••••••••0001");
  });

  it("normalises before masking", () => {
    expect(maskNik("3201 1234 5678 0001")).toBe("3201••••••••0001");
    expect(maskNik("٣٢٠١١٢٣٤٥٦٧٨٠٠٠١")).toBe("3201••••••••0001");
  });

  it("masks all but the last two characters of malformed input", () => {
    expect(maskNik("320112345678000")).toBe("•••••••••••••00");
    expect(maskNik("12345")).toBe("•••45");
    expect(maskNik("32011234567800011")).toBe("•••••••••••••••11");
    expect(maskNik("abc")).toBe("•bc");
  });

  it("masks very short input entirely", () => {
    expect(maskNik("12")).toBe("••");
    expect(maskNik("1")).toBe("•");
    expect(maskNik("")).toBe("");
  });
});

describe("maskKk", () => {
  it("masks like maskNik", () => {
    expect(maskKk("3201120101150003")).toBe("3201••••••••0003");
    expect(maskKk("123")).toBe("•23");
  });
});
