/**
 * Navigation of a form, as pure functions over its ordered steps: where "next", "Kembali",
 * an edit from the review and the review itself lead, given the answers so far.
 *
 * A form is an ordered list of steps. A step
 * - may not apply to every draft (`applies`: "Dirujuk ke mana?" only after "Lainnya");
 * - may be `missing`: a required answer is absent, so the review sends the person there
 *   first (a new NIK whose sex and birth date are not confirmed yet);
 * - may belong `with` another step: changing that step from the review asks it again too
 *   (the next visit date with "Perlu kunjungan lanjutan?").
 *
 * Two modes:
 * - "fill" — the first pass: every applicable step in order, "Kembali" one step back;
 * - "edit" — a field chosen from the review (`root`): that step, then the steps that belong
 *   with it or became missing, then the review again; "Kembali" goes back within the edit,
 *   and from its first step to the review.
 *
 * @module
 */

/** What navigation needs to know about a step. */
export interface StepMeta<D> {
  id: string;
  /** Whether the step is asked at all for this draft (default: always). */
  applies?: (draft: D) => boolean;
  /** A required answer is absent (default: never). */
  missing?: (draft: D) => boolean;
  /** The step it belongs with: editing that step from the review asks this one too. */
  with?: string;
}

/** Where a form is. */
export type Place =
  | { at: "step"; id: string; mode: "fill" }
  | { at: "step"; id: string; mode: "edit"; root: string }
  | { at: "review" };

/** Where "Kembali" may lead besides a place: out of the form. */
export type BackTarget = Place | { at: "exit" };

/** What happens on "Kembali" at the first step. */
export type BackFromFirst = "stay" | "exit";

function applies<D>(step: StepMeta<D>, draft: D): boolean {
  return step.applies ? step.applies(draft) : true;
}

function isMissing<D>(step: StepMeta<D>, draft: D): boolean {
  return applies(step, draft) && (step.missing ? step.missing(draft) : false);
}

function indexOf<D>(steps: readonly StepMeta<D>[], id: string): number {
  const i = steps.findIndex((s) => s.id === id);
  if (i < 0) throw new Error(`unknown step ${id}`);
  return i;
}

/** True when `id` is `root` or belongs with it (directly or through other steps). */
export function belongsTo<D>(steps: readonly StepMeta<D>[], id: string, root: string): boolean {
  let cur: string | undefined = id;
  for (let guard = 0; cur !== undefined && guard <= steps.length; guard++) {
    if (cur === root) return true;
    cur = steps.find((s) => s.id === cur)?.with;
  }
  return false;
}

/** The steps that apply to this draft, in order. */
export function applicableSteps<D>(steps: readonly StepMeta<D>[], draft: D): string[] {
  return steps.filter((s) => applies(s, draft)).map((s) => s.id);
}

/** The first applicable step whose required answer is absent, or null. */
export function firstMissing<D>(steps: readonly StepMeta<D>[], draft: D): string | null {
  return steps.find((s) => isMissing(s, draft))?.id ?? null;
}

/** The review, or first the earliest missing answer (as an edit of that step). */
export function toReview<D>(steps: readonly StepMeta<D>[], draft: D): Place {
  const missing = firstMissing(steps, draft);
  return missing === null ? { at: "review" } : { at: "step", id: missing, mode: "edit", root: missing };
}

/**
 * Where a form starts: at `first` (default: the first applicable step), or — with
 * `first: "review"` — at the review (or a missing answer before it).
 */
export function startPlace<D>(steps: readonly StepMeta<D>[], draft: D, first?: string): Place {
  if (first === "review") return toReview(steps, draft);
  const id = first ?? applicableSteps(steps, draft)[0];
  return id === undefined ? toReview(steps, draft) : { at: "step", id, mode: "fill" };
}

/** Where an answer at `place` leads (the draft already holds the answer). */
export function forward<D>(steps: readonly StepMeta<D>[], place: Place, draft: D): Place {
  if (place.at === "review") return toReview(steps, draft);
  const after = steps.slice(indexOf(steps, place.id) + 1);
  if (place.mode === "fill") {
    const next = after.find((s) => applies(s, draft));
    return next ? { at: "step", id: next.id, mode: "fill" } : toReview(steps, draft);
  }
  const next = after.find((s) => applies(s, draft) && (belongsTo(steps, s.id, place.root) || isMissing(s, draft)));
  return next ? { at: "step", id: next.id, mode: "edit", root: place.root } : toReview(steps, draft);
}

/** Where "Kembali" at `place` leads. */
export function backward<D>(steps: readonly StepMeta<D>[], place: Place, draft: D, fromFirst: BackFromFirst = "stay"): BackTarget {
  if (place.at === "review") {
    const last = applicableSteps(steps, draft).at(-1);
    return last === undefined ? place : { at: "step", id: last, mode: "fill" };
  }
  const before = steps.slice(0, indexOf(steps, place.id)).reverse();
  if (place.mode === "fill") {
    const prev = before.find((s) => applies(s, draft));
    if (prev) return { at: "step", id: prev.id, mode: "fill" };
    return fromFirst === "exit" ? { at: "exit" } : place;
  }
  if (place.id === place.root) return toReview(steps, draft);
  const prev = before.find((s) => applies(s, draft) && belongsTo(steps, s.id, place.root));
  return prev ? { at: "step", id: prev.id, mode: "edit", root: place.root } : toReview(steps, draft);
}

/** Changing a field from the review: that step in edit mode (ignored when it does not apply). */
export function editPlace<D>(steps: readonly StepMeta<D>[], id: string, draft: D): Place {
  const step = steps.find((s) => s.id === id);
  if (!step || !applies(step, draft)) return toReview(steps, draft);
  return { at: "step", id, mode: "edit", root: id };
}
