/**
 * Callback data of the beneficiary features: the family's own buttons after a status check
 * ("bs:"), the coordinators' buttons on a data-subject request ("dsr:"), the status change
 * from the household card ("st:") and the family PIN ("pin:"). Every handler checks the
 * chat's session, the user's area or the household's volunteer again.
 *
 * @module
 */
import { callbackCodec } from "../callback-data.js";

/** The buttons of the family's status card (each handler re-checks the chat's session). */
export const BS = callbackCodec("bs", {
  /** Check another code. */
  retry: [],
  sub: ["id"],
  unsub: ["id"],
  /** "Berhenti" under a notification (no session needed: it only removes the chat's own subscription). */
  stop: ["id"],
  data: ["id"],
  /** Under the (masked) copy of the data: show the identity numbers in full — asks first. */
  full: ["id"],
  fullok: ["id"],
  fullno: ["id"],
  fix: ["id"],
  del: ["id"],
  delok: ["id"],
  delno: ["id"],
});

/** The coordinators' buttons on a request (each re-checks area and state). */
export const DSR = callbackCodec("dsr", {
  view: ["id"],
  /** A correction is done. */
  ok: ["id"],
  /** Reject (with a reason, in a flow). */
  no: ["id"],
  /** Erase the household's data: confirm, confirmed, cancelled. */
  del: ["id"],
  delok: ["id"],
  delno: ["id"],
});

/** The household card's status change: "st:<id>" lists the choices, "st:<id>:<status>" changes to one. */
export const ST = callbackCodec("st", {
  _pick: ["id"],
  _to: ["id", "status:text"],
});

/** The family PIN: "pin:<id>" makes one (or asks before replacing it), then replace (ok) or keep (no). */
export const PIN = callbackCodec("pin", {
  _start: ["id"],
  ok: ["id"],
  no: ["id"],
});
