/**
 * Rules of volunteer onboarding that need no database: invite codes, who may invite whom for
 * which area, and who may apply or join.
 *
 * Roles and areas:
 * - a volunteer works in one village (level 4);
 * - a coordinator's area is a regency, a district or a village (levels 2–4);
 * - an admin's area is the whole country (null).
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { formatDateId, type DateLocale } from "./dates.js";
import { isWithinArea, regionLevel } from "./region-names.js";

/** Random bytes in an invite code: 96 bits, well above the 64 required. */
export const INVITE_CODE_BYTES = 12;

/** Characters in an invite code: base64url of {@link INVITE_CODE_BYTES} bytes. */
export const INVITE_CODE_LENGTH = 16;

/** Start-payload prefix of invite deep links: `https://t.me/<bot>?start=inv_<code>`. */
export const INVITE_PAYLOAD_PREFIX = "inv_";

const INVITE_CODE_PATTERN = /^[A-Za-z0-9_-]{16}$/;

/**
 * A new invite code: base64url of 12 random bytes, e.g. `"hV3k_0aQz9LmPq2X"`. Only the
 * characters Telegram allows in a start payload (A–Z a–z 0–9 _ -).
 */
export function generateInviteCode(random: (size: number) => Buffer = randomBytes): string {
  return random(INVITE_CODE_BYTES).toString("base64url");
}

/** True when the text has the shape of an invite code (before any lookup). */
export function isInviteCodeShape(code: string): boolean {
  return INVITE_CODE_PATTERN.test(code);
}

/** The deep link that opens the bot with the invite. */
export function inviteLink(botUsername: string, code: string): string {
  return `https://t.me/${botUsername}?start=${INVITE_PAYLOAD_PREFIX}${code}`;
}

/** Roles an invite can give. */
export type InviteRole = "volunteer" | "coordinator";

/** Invite sizes offered by /undang. */
export const INVITE_MAX_USES = [1, 10, 100] as const;

/** Invite lifetimes offered by /undang, in days. */
export const INVITE_DAYS = [1, 7, 30] as const;

/** The part of a user these rules look at. */
export interface Person {
  role: "volunteer" | "coordinator" | "admin" | "beneficiary";
  status: "pending" | "active" | "rejected" | "suspended";
  area_code: string | null;
}

/** True for a level a coordinator's area may have (regency, district, village). */
export function isCoordinatorAreaLevel(code: string): boolean {
  const level = regionLevel(code);
  return level !== null && level >= 2;
}

/** Active coordinators and admins may invite. */
export function canInvite(inviter: Person): boolean {
  return inviter.status === "active" && (inviter.role === "admin" || (inviter.role === "coordinator" && inviter.area_code !== null));
}

/**
 * Whether an inviter may create an invite for `role` in `areaCode`:
 * - admins: anywhere (levels 2–4);
 * - coordinators: volunteer invites inside or equal to their own area; coordinator invites
 *   only for areas strictly inside their own (a village coordinator cannot invite
 *   coordinators).
 */
export function mayInviteFor(inviter: Person, role: InviteRole, areaCode: string): boolean {
  if (!canInvite(inviter) || !isCoordinatorAreaLevel(areaCode)) return false;
  if (inviter.role === "admin") return true;
  const own = inviter.area_code;
  if (own === null || !isWithinArea(areaCode, own)) return false;
  return role === "volunteer" || areaCode !== own;
}

/** True when an inviter may create coordinator invites at all. */
export function mayInviteCoordinators(inviter: Person): boolean {
  if (!canInvite(inviter)) return false;
  if (inviter.role === "admin") return true;
  const level = inviter.area_code === null ? null : regionLevel(inviter.area_code);
  return level !== null && level < 4;
}

/**
 * May this person decide a volunteer's application for a village (approve or reject)?
 * Active admins, and active coordinators whose area contains the village; never the
 * applicant themself.
 */
export function mayDecide(
  decider: (Person & { id: number }) | undefined,
  application: { area_code: string; user_id: number },
): boolean {
  if (!decider || decider.status !== "active" || decider.id === application.user_id) return false;
  if (decider.role === "admin") return true;
  return decider.role === "coordinator" && decider.area_code !== null && isWithinArea(application.area_code, decider.area_code);
}

/**
 * Why a person cannot (re-)apply as a volunteer, or null when they can: new people
 * (beneficiary accounts) and volunteers who are pending (to change their data) or rejected
 * (to apply again).
 */
export type ApplyBlock = "already_volunteer" | "already_staff" | "suspended";

export function applyBlock(person: Person): ApplyBlock | null {
  if (person.status === "suspended") return "suspended";
  if (person.role === "coordinator" || person.role === "admin") return "already_staff";
  if (person.role === "volunteer" && person.status === "active") return "already_volunteer";
  return null;
}

/**
 * Why a person cannot join through an invite for `role`, or null when they can. A volunteer
 * invite is for people who are not active volunteers yet; a coordinator invite may also
 * promote a volunteer. Suspended accounts cannot use invites.
 */
export function joinBlock(person: Person, role: InviteRole): ApplyBlock | null {
  if (person.status === "suspended") return "suspended";
  if (person.role === "coordinator" || person.role === "admin") return "already_staff";
  if (role === "volunteer" && person.role === "volunteer" && person.status === "active") return "already_volunteer";
  return null;
}

/**
 * A moment as people in a region read it: `"5 Desember 2026, 09.00 WIB"` (id) or
 * `"5 December 2026, 09:00 WIB"` (en).
 */
export function formatLocalDateTime(date: Date, locale: DateLocale, zone: { tz: string; label: string }): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone.tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const day = formatDateId(`${get("year")}-${get("month")}-${get("day")}`, locale);
  const time = locale === "id" ? `${get("hour")}.${get("minute")}` : `${get("hour")}:${get("minute")}`;
  return `${day}, ${time} ${zone.label}`;
}

/** Western Indonesian time, for people without an area (admins). */
export const DEFAULT_ZONE = { tz: "Asia/Jakarta", label: "WIB" } as const;
