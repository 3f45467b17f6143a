import { describe, it, expect } from "vitest";
import { maskPhone, normalizePhone } from "../../src/domain/phone.js";

describe("normalizePhone", () => {
  it.each([
    ["0812-3456-7890", "+6281234567890"],
    ["081234567890", "+6281234567890"],
    ["+62 812 3456 7890", "+6281234567890"],
    ["+62-812-3456-7890", "+6281234567890"],
    ["6281234567890", "+6281234567890"],
    ["0062 812 3456 7890", "+6281234567890"],
    ["81234567890", "+6281234567890"],
    ["812 3456 7890", "+6281234567890"],
    ["+62 0812 3456 7890", "+6281234567890"],
    ["(0812) 3456.7890", "+6281234567890"],
    ["٠٨١٢٣٤٥٦٧٨٩٠", "+6281234567890"],
    ["０８１２３４５６７８９０", "+6281234567890"],
    ["0811-234-567", "+62811234567"],
    ["0812-3456-78901", "+62812345678901"],
  ])("%j → %s", (input, e164) => {
    expect(normalizePhone(input)).toEqual({ ok: true, e164 });
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    [" - ", "empty"],
    ["0812-3456-789O", "not_digits"],
    ["+62 812 3456 7890 (WA)", "not_digits"],
    ["62+81234567890", "not_digits"],
    ["+1 202 555 0123", "not_indonesian"],
    ["+60 12 345 6789", "not_indonesian"],
    ["0060123456789", "not_indonesian"],
    ["0812-345-67", "length"],
    ["0812-3456-789012", "length"],
    ["+62", "length"],
    ["0", "length"],
    ["(021) 555-1234", "not_mobile"],
    ["+62 21 555 1234", "not_mobile"],
    ["0274 512345", "not_mobile"],
    ["+62 361 234567", "not_mobile"],
  ])("%j → %s", (input, problem) => {
    expect(normalizePhone(input)).toEqual({ ok: false, problem });
  });
});

describe("maskPhone", () => {
  it("shows the country code, first three and last four digits", () => {
    expect(maskPhone("+6281234567890")).toBe("+62 812••••7890");
  });

  it("uses four bullets whatever the length", () => {
    expect(maskPhone("+62811234567")).toBe("+62 811••••4567");
    expect(maskPhone("+62812345678901")).toBe("+62 812••••8901");
  });

  it("masks anything else except its last two digits", () => {
    expect(maskPhone("12345")).toBe("•••45");
    expect(maskPhone("+1 202 555 0123")).toBe("•••••••••23");
    expect(maskPhone("7")).toBe("•");
    expect(maskPhone("")).toBe("");
  });
});
