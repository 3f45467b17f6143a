import { describe, expect, it } from "vitest";
import { applicableSteps, backward, belongsTo, editPlace, firstMissing, forward, startPlace, toReview, type StepMeta } from "../../src/flows/kit/nav.js";

/** A small visit-like form: a referral note only after "lainnya", a date only after "Ya". */
interface D {
  household: string | null;
  purpose: string | null;
  conditions: string[];
  note: string | null;
  referral: string | null;
  referralNote: string | null;
  followUp: boolean | null;
  next: string | null;
}

const steps: StepMeta<D>[] = [
  { id: "household", missing: (d) => d.household === null },
  { id: "purpose", missing: (d) => d.purpose === null },
  { id: "conditions", missing: (d) => d.conditions.length === 0 },
  { id: "note", missing: (d) => d.conditions.includes("lainnya") && !d.note },
  { id: "referral", missing: (d) => d.referral === null },
  { id: "referral_note", with: "referral", applies: (d) => d.referral === "lainnya", missing: (d) => !d.referralNote },
  { id: "follow_up", missing: (d) => d.followUp === null },
  { id: "next", with: "follow_up", applies: (d) => d.followUp === true, missing: (d) => !d.next },
  { id: "media" },
];

const empty: D = { household: null, purpose: null, conditions: [], note: null, referral: null, referralNote: null, followUp: null, next: null };
const full: D = { household: "h1", purpose: "monitoring", conditions: ["sakit"], note: null, referral: "none", referralNote: null, followUp: false, next: null };

const fill = (id: string) => ({ at: "step" as const, id, mode: "fill" as const });
const edit = (id: string, root: string) => ({ at: "step" as const, id, mode: "edit" as const, root });

describe("form navigation: the first pass", () => {
  it("starts at the first step, or where asked, or at the review", () => {
    expect(startPlace(steps, empty)).toEqual(fill("household"));
    expect(startPlace(steps, { ...empty, household: "h1" }, "purpose")).toEqual(fill("purpose"));
    expect(startPlace(steps, full, "review")).toEqual({ at: "review" });
    // Opening at the review with an answer missing goes to that answer first.
    expect(startPlace(steps, { ...full, purpose: null }, "review")).toEqual(edit("purpose", "purpose"));
  });

  it("goes to the next step that applies, skipping the ones that do not", () => {
    expect(forward(steps, fill("referral"), { ...full, referral: "dinsos" })).toEqual(fill("follow_up"));
    expect(forward(steps, fill("referral"), { ...full, referral: "lainnya" })).toEqual(fill("referral_note"));
    expect(forward(steps, fill("follow_up"), { ...full, followUp: true })).toEqual(fill("next"));
    expect(forward(steps, fill("follow_up"), full)).toEqual(fill("media"));
  });

  it("reaches the review after the last step, or first an answer still missing", () => {
    expect(forward(steps, fill("media"), full)).toEqual({ at: "review" });
    expect(forward(steps, fill("media"), { ...full, conditions: ["lainnya"] })).toEqual(edit("note", "note"));
  });

  it("goes one applicable step back with Kembali, and stays or leaves at the first", () => {
    expect(backward(steps, fill("follow_up"), { ...full, referral: "lainnya" })).toEqual(fill("referral_note"));
    expect(backward(steps, fill("follow_up"), full)).toEqual(fill("referral"));
    expect(backward(steps, fill("household"), empty)).toEqual(fill("household"));
    expect(backward(steps, fill("household"), empty, "exit")).toEqual({ at: "exit" });
    // From the review: back to the last step of the first pass.
    expect(backward(steps, { at: "review" }, full)).toEqual(fill("media"));
  });

  it("knows which steps apply", () => {
    expect(applicableSteps(steps, full)).toEqual(["household", "purpose", "conditions", "note", "referral", "follow_up", "media"]);
    expect(applicableSteps(steps, { ...full, referral: "lainnya", followUp: true })).toContain("referral_note");
  });
});

describe("form navigation: changing a field from the review", () => {
  it("asks the field, then the steps that belong with it, then the review", () => {
    const d = { ...full, followUp: true, next: "2026-12-15" };
    expect(editPlace(steps, "follow_up", d)).toEqual(edit("follow_up", "follow_up"));
    expect(forward(steps, edit("follow_up", "follow_up"), d)).toEqual(edit("next", "follow_up"));
    expect(forward(steps, edit("next", "follow_up"), d)).toEqual({ at: "review" });
    // "Tidak" makes the date not apply: straight back to the review.
    expect(forward(steps, edit("follow_up", "follow_up"), full)).toEqual({ at: "review" });
  });

  it("asks a step that became missing because of the change, and no other", () => {
    const d = { ...full, conditions: ["sakit", "lainnya"] };
    expect(forward(steps, edit("conditions", "conditions"), d)).toEqual(edit("note", "conditions"));
    expect(forward(steps, edit("purpose", "purpose"), full)).toEqual({ at: "review" });
  });

  it("goes back within the edit, and from its first step to the review", () => {
    const d = { ...full, referral: "lainnya", referralNote: "Klinik" };
    expect(backward(steps, edit("referral_note", "referral"), d)).toEqual(edit("referral", "referral"));
    expect(backward(steps, edit("referral", "referral"), d)).toEqual({ at: "review" });
    // …unless the change left a required answer missing: then that answer.
    expect(backward(steps, edit("referral", "referral"), { ...d, referralNote: null })).toEqual(edit("referral_note", "referral_note"));
  });

  it("ignores an edit of a step that does not apply", () => {
    expect(editPlace(steps, "referral_note", full)).toEqual({ at: "review" });
  });
});

describe("form navigation: helpers", () => {
  it("follows `with` chains", () => {
    const chain: StepMeta<D>[] = [{ id: "a" }, { id: "b", with: "a" }, { id: "c", with: "b" }, { id: "d" }];
    expect(belongsTo(chain, "c", "a")).toBe(true);
    expect(belongsTo(chain, "d", "a")).toBe(false);
    expect(belongsTo(chain, "a", "a")).toBe(true);
  });

  it("finds the first missing answer", () => {
    expect(firstMissing(steps, empty)).toBe("household");
    expect(firstMissing(steps, full)).toBeNull();
    expect(toReview(steps, { ...full, followUp: true })).toEqual(edit("next", "next"));
  });
});
