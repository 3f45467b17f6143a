import { describe, expect, it } from "vitest";
import { callbackCodec } from "../../src/ui/callback-data.js";

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

  it("takes words from a list, and actions without a segment of their own", () => {
    const ex = callbackCodec("ex", { go: ["kind=x|h|a|v", "mask=m|f"] });
    expect(ex.encode("go", { kind: "h", mask: "f" })).toBe("ex:go:h:f");
    expect(ex.parse("go", "ex:go:v:m")).toEqual({ kind: "v", mask: "m" });
    expect(ex.parse("go", "ex:go:z:m")).toBeUndefined();
    expect(() => ex.encode("go", { kind: "z" as never, mask: "m" })).toThrow(/one of/);
    const st = callbackCodec("st", { _pick: ["id"], _to: ["id", "status:text"], ok: ["id"] });
    expect(st.encode("_pick", { id: 42 })).toBe("st:42");
    expect(st.encode("_to", { id: 42, status: "diverifikasi" })).toBe("st:42:diverifikasi");
    expect(st.parse("_pick", "st:42")).toEqual({ id: 42 });
    expect(st.parse("_pick", "st:42:diverifikasi")).toBeUndefined();
    expect(st.parse("_to", "st:42:diverifikasi")).toEqual({ id: 42, status: "diverifikasi" });
    expect(st.parse("_pick", "st:ok:42")).toBeUndefined();
    expect(st.parse("ok", "st:ok:42")).toEqual({ id: 42 });
  });

  it("refuses a codec that could not decode", () => {
    expect(() => callbackCodec("toolong", { a: [] })).toThrow();
    expect(() => callbackCodec("x", { a: ["t:text", "id"] })).toThrow(/last/);
    expect(() => callbackCodec("x", { a: ["k=A|b"] })).toThrow(/words/);
  });
});
