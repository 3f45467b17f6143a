/**
 * Callback data of onboarding: a volunteer's own application ("onb:"), the staff's decision
 * on it ("appr:"), invite links ("inv:") and /profil ("prof:"). The handlers check the
 * decider's area, the invite's creator and the user's role again.
 *
 * @module
 */
import { callbackCodec } from "../callback-data.js";

/** A pending volunteer changes the application; a rejected one applies again. */
export const ONB = callbackCodec("onb", { edit: [] });

/** Approve or reject an application. */
export const APPR = callbackCodec("appr", {
  ok: ["id"],
  no: ["id"],
});

/** /undang: a new invite for a volunteer (v) or coordinator (c), a page of one's invites (offset), revoke (confirm, confirmed). */
export const INV = callbackCodec("inv", {
  new: ["role=v|c"],
  ls: ["offset"],
  rv: ["id"],
  rvy: ["id"],
});

/** /profil: change one field. */
export const PROF = callbackCodec("prof", { _edit: ["field=name|phone|area"] });
