import { describe, expect, it } from "vitest";
import { createI18n } from "../../src/i18n.js";
import { emptyCounts, priorityGroupsOf, tallyText, type TallyData } from "../../src/domain/cekaman.js";
import { decodeCa, encodeCa, type CaAction } from "../../src/ui/cekaman/callback-data.js";
import { BK } from "../../src/ui/coordinator/callback-data.js";

const t = createI18n("id").t("id");

describe("priority groups", () => {
  it("come from the PPKS categories and the manual flag", () => {
    expect(priorityGroupsOf(["fakir_miskin"], false)).toEqual([]);
    expect(priorityGroupsOf(["lanjut_usia_terlantar", "anak_dengan_kedisabilitasan"], false)).toEqual(["lansia", "disabilitas"]);
    expect(priorityGroupsOf(["anak_balita_terlantar"], true)).toEqual(["balita", "bencana"]);
  });
});

describe("the tally text", () => {
  it("stays under Telegram's 4,096 characters with well-formed HTML however big the event", () => {
    const villages = Array.from({ length: 120 }, (_, i) => ({ label: `Desa Sukamaju Kidul ${i}`, counts: { ...emptyCounts(), pending: i, butuh_bantuan: i % 7 } }));
    const hh = (i: number) => ({ refCode: "K73QX9D", headName: `Siti <Aminah> & ${i}`, village: `Desa ${i}`, rt: "003", rw: "005", needs: ["evakuasi", "pangan"], volunteer: "Budi", offered: i % 2 === 0 });
    const d: TallyData = {
      id: 7,
      description: "Banjir <besar> & longsor",
      regions: "Kec. Cibinong",
      started: "3 Desember 2026, 09.00 WIB",
      status: "running",
      closed: null,
      total: 20_000,
      priority: 6_000,
      villages,
      totals: { ...emptyCounts(), pending: 19_000, butuh_bantuan: 500 },
      needHelp: Array.from({ length: 20 }, (_, i) => hh(i)),
      needHelpTotal: 500,
      noAnswer: Array.from({ length: 25 }, (_, i) => hh(i)),
      noAnswerTotal: 19_000,
      updated: "09.15 WIB",
    };
    const text = tallyText(t, d);
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text.match(/<b>/g)?.length).toBe(text.match(/<\/b>/g)?.length);
    expect(text).not.toMatch(/<(?!\/?b>)/);
    expect(text).toContain("Banjir &lt;besar&gt; &amp; longsor");
    expect(text).toContain("desa/kelurahan lainnya");
    expect(text).toContain("… dan");
    // The villages shown first are those with most need.
    expect(text.indexOf("Desa Sukamaju Kidul 118")).toBeGreaterThan(-1);
    expect(text).not.toContain("Desa Sukamaju Kidul 0:");
  });
});

describe("callback data", () => {
  it("round-trips every action within 64 bytes and refuses malformed data", () => {
    const actions: CaAction[] = [
      { a: "new" },
      { a: "menu" },
      { a: "list", eventId: 12, mode: "o", page: 3 },
      { a: "open", ehId: 123456789012, mode: "v", page: 9999 },
      { a: "answer", ehId: 5, answer: "tidak_terhubung", mode: "s", page: 0 },
      { a: "family", ehId: 5, answer: "mengungsi" },
      { a: "helpAck", helpId: 1 },
      { a: "helpResolve", helpId: 1 },
      { a: "helpPhoto", helpId: 1 },
      { a: "helpMap", helpId: 1 },
      { a: "tally", eventId: 1 },
      { a: "close", eventId: 1 },
      { a: "closeYes", eventId: 1 },
      { a: "report", eventId: 1 },
      { a: "priority", householdId: 1 },
    ];
    for (const x of actions) {
      const data = encodeCa(x);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decodeCa(data)).toEqual(x);
    }
    for (const bad of ["ca:a:1:x:v:0", "ca:f:1:u", "ca:l:1:z:0", "ca:h:99999999999999:v:0", "ca:t:", "ca:x:1:2", "xx:new", undefined]) expect(decodeCa(bad)).toBeUndefined();
    expect(BK.encode("a", { id: 42 })).toBe("bk:a:42");
    expect(BK.parse("a", BK.encode("a", { id: 42 }))).toEqual({ id: 42 });
    expect(BK.parse("r", BK.encode("r", { id: 42 }))).toEqual({ id: 42 });
    expect(BK.parse("a", "bk:r:42")).toBeUndefined();
    expect(BK.parse("a", "bk:a:1x")).toBeUndefined();
  });
});
