import { randomBytes } from "node:crypto";
import { describe, it, expect } from "vitest";
import {
  REF_CODE_ALPHABET,
  REF_CODE_LENGTH,
  formatRefCode,
  generateRefCode,
  isCanonicalRefCode,
  normalizeRefCode,
} from "../../src/domain/refcode.js";

/** A fake random source that replays the given bytes, then zeros. */
function replay(bytes: number[]): (n: number) => Uint8Array {
  let pos = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 1) {
      out[i] = bytes[pos] ?? 0;
      pos += 1;
    }
    return out;
  };
}

describe("REF_CODE_ALPHABET", () => {
  it("has 30 distinct characters without 0, O, 1, I, L or U", () => {
    expect(REF_CODE_ALPHABET).toHaveLength(30);
    expect(new Set(REF_CODE_ALPHABET).size).toBe(30);
    for (const ch of "0O1ILU") {
      expect(REF_CODE_ALPHABET).not.toContain(ch);
    }
    expect(REF_CODE_ALPHABET).toMatch(/^[2-9A-Z]+$/);
  });
});

describe("generateRefCode", () => {
  it("maps bytes through the alphabet (byte % 30)", () => {
    expect(generateRefCode(replay([0, 1, 29, 30, 59, 60, 239]))).toBe("23Z2Z2Z");
  });

  it("rejects bytes 240–255 to avoid modulo bias", () => {
    const code = generateRefCode(replay([240, 255, 250, 5, 241, 6, 7, 8, 9, 10, 11]));
    expect(code).toBe("789ABCD");
  });

  it("asks for more bytes when a batch is not enough", () => {
    const bytes = [...Array<number>(16).fill(250), 9, 9, 9, 9, 9, 9, 9];
    expect(generateRefCode(replay(bytes))).toBe("BBBBBBB");
  });

  it("throws when the random source yields only unusable bytes", () => {
    expect(() => generateRefCode((n) => new Uint8Array(n).fill(255))).toThrow(/random source/);
  });

  it("generates 10,000 well-formed, (practically) unique codes", () => {
    const generated = Array.from({ length: 10_000 }, () => generateRefCode((n) => randomBytes(n)));
    const malformed = generated.filter(
      (code) =>
        code.length !== REF_CODE_LENGTH ||
        !isCanonicalRefCode(code) ||
        !/^[2-9A-HJKMNP-TV-Z]{2}-[2-9A-HJKMNP-TV-Z]{5}$/.test(formatRefCode(code)),
    );
    expect(malformed).toEqual([]);
    const codes = new Set(generated);
    // 30^7 ≈ 2.2e10 codes: a collision among 10,000 has probability ≈ 0.2 %.
    expect(codes.size).toBeGreaterThanOrEqual(9_998);
  });

  it("uses every character of the alphabet roughly uniformly", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3_000; i += 1) {
      for (const ch of generateRefCode((n) => randomBytes(n))) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
      }
    }
    expect(counts.size).toBe(30);
    // 21,000 characters / 30 = 700 expected each; allow a wide margin.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(500);
      expect(count).toBeLessThan(900);
    }
  });
});

describe("normalizeRefCode", () => {
  it.each([
    ["K73QX9D", "K73QX9D"],
    ["K7-3QX9D", "K73QX9D"],
    ["k7-3qx9d", "K73QX9D"],
    ["k73qx9d", "K73QX9D"],
    [" K7 3QX9D ", "K73QX9D"],
    ["K7--3QX-9D", "K73QX9D"],
    ["K 7 3 Q X 9 D", "K73QX9D"],
    ["K7_3QX9D", "K73QX9D"],
    ["K7.3QX9D", "K73QX9D"],
    ["K7–3QX9D", "K73QX9D"],
    ["Ｋ７－３ＱＸ９Ｄ", "K73QX9D"],
  ])("%j → %s", (input, expected) => {
    expect(normalizeRefCode(input)).toBe(expected);
  });

  it.each([
    ["", "empty"],
    ["K7-3QX9", "too short"],
    ["K7-3QX9DD", "too long"],
    ["K7-3QX0D", "contains 0"],
    ["K7-3QXOD", "contains O"],
    ["k7-3qxod", "contains o"],
    ["K7-3QX1D", "contains 1"],
    ["K7-3QXID", "contains I"],
    ["K7-3QXLD", "contains L"],
    ["k7-3qxld", "contains l"],
    ["K7-3QXUD", "contains U"],
    ["K7-3QX#D", "contains a symbol"],
  ])("%j is rejected (%s)", (input) => {
    expect(normalizeRefCode(input)).toBeNull();
  });
});

describe("formatRefCode", () => {
  it("formats as XX-XXXXX", () => {
    expect(formatRefCode("K73QX9D")).toBe("K7-3QX9D");
  });

  it("accepts anything normalizeRefCode accepts", () => {
    expect(formatRefCode("k7 3qx9d")).toBe("K7-3QX9D");
  });

  it("round-trips with normalizeRefCode", () => {
    const code = generateRefCode((n) => randomBytes(n));
    expect(normalizeRefCode(formatRefCode(code))).toBe(code);
  });

  it("throws on an invalid code", () => {
    expect(() => formatRefCode("K7-3QX0D")).toThrow(RangeError);
  });
});

describe("isCanonicalRefCode", () => {
  it("accepts only the compact upper-case form", () => {
    expect(isCanonicalRefCode("K73QX9D")).toBe(true);
    expect(isCanonicalRefCode("K7-3QX9D")).toBe(false);
    expect(isCanonicalRefCode("k73qx9d")).toBe(false);
  });
});
