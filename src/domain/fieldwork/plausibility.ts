/**
 * Visit plausibility: is a report's location near the household's recorded point, and was
 * it sent long after it was written? Never a reason to refuse a report: far or unlocated
 * reports are only marked for the coordinator's review, and the volunteer is asked kindly.
 * Pure functions.
 *
 * @module
 */

import { distanceMeters, type GeoPoint } from "./distance.js";

/** Why a visit is listed for the coordinator's review. */
export const REVIEW_REASONS = ["far", "no_location"] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** What the volunteer is asked after the save, if anything. */
export type LocationQuestion = "far" | "no_point";

export interface LocationAssessment {
  /** Metres between the report's location and the household's point, when both exist. */
  distanceM: number | null;
  /** Set when the coordinator should look at this report. */
  reason: ReviewReason | null;
  /** "far": are you at the family's house (update the point?); "no_point": save this as the house's point? */
  question: LocationQuestion | null;
}

/**
 * - both points, within `warnM`: fine;
 * - both points, farther: flagged "far", and the volunteer is asked;
 * - the household has a point, the report none: flagged "no_location" (nothing to ask);
 * - the report has a location, the household none: offer to save it as the house's point;
 * - neither: nothing.
 */
export function assessVisitLocation(opts: { household: GeoPoint | null; visit: GeoPoint | null; warnM: number }): LocationAssessment {
  const { household, visit } = opts;
  if (household && visit) {
    const d = Math.round(distanceMeters(household, visit));
    return d > opts.warnM ? { distanceM: d, reason: "far", question: "far" } : { distanceM: d, reason: null, question: null };
  }
  if (household) return { distanceM: null, reason: "no_location", question: null };
  if (visit) return { distanceM: null, reason: null, question: "no_point" };
  return { distanceM: null, reason: null, question: null };
}

const DAY_MS = 86_400_000;

/**
 * How many whole days passed between writing a report (Telegram's message.date) and the bot
 * receiving it; only shown when more than a day.
 */
export function deliveryDelayDays(writtenAt: Date, receivedAt: Date): number {
  return Math.floor(Math.max(0, receivedAt.getTime() - writtenAt.getTime()) / DAY_MS);
}

/** True when the delivery delay is worth showing (more than one day). */
export function isLateDelivery(writtenAt: Date, receivedAt: Date): boolean {
  return receivedAt.getTime() - writtenAt.getTime() > DAY_MS;
}
