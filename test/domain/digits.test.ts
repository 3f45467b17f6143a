import { describe, it, expect } from "vitest";
import { normalizeDigits, toAsciiDigits } from "../../src/domain/digits.js";

describe("toAsciiDigits", () => {
  it("converts Arabic-Indic digits", () => {
    expect(toAsciiDigits("٠١٢٣٤٥٦٧٨٩")).toBe("0123456789");
  });

  it("converts Extended Arabic-Indic digits", () => {
    expect(toAsciiDigits("۰۱۲۳۴۵۶۷۸۹")).toBe("0123456789");
  });

  it("converts full-width digits", () => {
    expect(toAsciiDigits("０１２３４５６７８９")).toBe("0123456789");
  });

  it("keeps everything else, including separators", () => {
    expect(toAsciiDigits("a-1. ٢/b")).toBe("a-1. 2/b");
  });
});

describe("normalizeDigits", () => {
  it("strips spaces, dots, dashes and slashes", () => {
    expect(normalizeDigits(" 3201.1234-5678/0001 ")).toBe("3201123456780001");
  });

  it("strips Unicode dashes, no-break and zero-width spaces", () => {
    expect(normalizeDigits("3201\u2013123\u00a0456\u200b78\u2212 0001")).toBe("3201123456780001");
  });

  it("strips full-width separators", () => {
    expect(normalizeDigits("３２０１\uff0d１２\uff0e３４\uff0f５")).toBe("320112345");
  });

  it("handles mixed digit systems", () => {
    expect(normalizeDigits("٣٢۰１ 12")).toBe("320112");
  });

  it("keeps letters and plus signs so callers can reject them", () => {
    expect(normalizeDigits("+62 812-ABC")).toBe("+62812ABC");
  });

  it("returns an empty string for separators only", () => {
    expect(normalizeDigits(" - . / ")).toBe("");
  });
});
