/**
 * Callback data of visit reports and darurat alerts. Each handler checks again that the
 * tapping user may see the household, visit or alert (callback data can be forged).
 *
 * @module
 */
import { callbackCodec } from "../callback-data.js";

/** "Laporkan kunjungan" for a household: "vr:<householdId>" (card, morning reminder, field plan). */
export const VR = callbackCodec("vr", { _report: ["id"] });

/**
 * A household's visit history: "vh:<householdId>:<page>" sends it as a new message (card,
 * visit view); "vh:<householdId>:<page>:n" turns the page of the message it is under.
 */
export const VH = callbackCodec("vh", {
  _open: ["id", "page"],
  _turn: ["id", "page", "edit=n"],
});

/** One visit report: "vv:<visitId>". */
export const VV = callbackCodec("vv", { _view: ["id"] });

/** The photos, voice notes and location of a visit: "vm:<visitId>". */
export const VM = callbackCodec("vm", { _media: ["id"] });

/** An alert: acknowledge, resolve (note in the private chat), show again from /peringatan. */
export const AL = callbackCodec("al", {
  ack: ["id"],
  res: ["id"],
  show: ["id"],
});
