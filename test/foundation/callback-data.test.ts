import { describe, expect, it } from "vitest";
import { callbackCodec } from "../../src/bot/callback-data.js";

const hh = callbackCodec("hh", { open: ["id"], list: ["page", "q:text"], search: [] });

describe("callback codecs", () => {
  it("encodes and decodes each action's values, with text last and colons kept", () => {
    expect(hh.encode("open", { id: 42 })).toBe("hh:open:42");
    expect(hh.parse("open", "hh:open:42")).toEqual({ id: 42 });
    const data = hh.encode("list", { page: 3, q: "siti: aminah" });
    expect(data).toBe("hh:list:3:siti: aminah");
    expect(hh.parse("list", data)).toEqual({ page: 3, q: "siti: aminah" });
    expect(hh.encode("search", {})).toBe("hh:search");
    expect(hh.parse("search", { callbackQuery: { data: "hh:search" } } as never)).toEqual({});
  });

  it("matches only its own action, and refuses forged or oversized data", () => {
    expect(hh.match("open").test("hh:open:7")).toBe(true);
    expect(hh.match("open").test("hh:open:7:8")).toBe(false);
    expect(hh.match("open").test("hh:openx:7")).toBe(false);
    expect(hh.parse("open", "hh:open:-1")).toBeUndefined();
    expect(hh.parse("open", "hh:open:1234567890")).toBeUndefined();
    expect(hh.parse("open", "hh:open:1e3")).toBeUndefined();
    expect(hh.parse("open", undefined)).toBeUndefined();
    expect(() => hh.encode("open", { id: -1 })).toThrow();
    expect(() => hh.encode("open", { id: 1.5 })).toThrow();
    expect(() => hh.encode("list", { page: 1, q: "x".repeat(60) })).toThrow(/64 bytes/);
  });

  it("refuses a codec that could not decode", () => {
    expect(() => callbackCodec("toolong", { a: [] })).toThrow();
    expect(() => callbackCodec("x", { a: ["t:text", "id"] })).toThrow(/last/);
  });
});
