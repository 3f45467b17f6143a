/**
 * Callback data of the coordinators' tools: /siaran (broadcasts and their acknowledgements),
 * /ekspor, /koordinator and /relawan. Every handler re-checks the tapping user's area or
 * ownership (callback data can be forged).
 *
 * @module
 */
import { callbackCodec } from "../callback-data.js";

/** /siaran: write a new broadcast, stop one that is being sent. */
export const BC = callbackCodec("bc", {
  new: [],
  stop: ["id"],
});

/** Acknowledged broadcasts: "👍 Sudah dibaca" (`a`, the recipient's) and the report of who confirmed (`r`, staff). */
export const BK = callbackCodec("bk", {
  a: ["id"],
  r: ["id"],
});

/**
 * /ekspor: the menu (masked numbers), the warning before full identity numbers, and an
 * export of a kind (x = XLSX, h = households, a = members, v = visits) with masked (m) or
 * full (f) numbers.
 */
export const EX = callbackCodec("ex", {
  menu: [],
  full: [],
  go: ["kind=x|h|a|v", "mask=m|f"],
});

/** /koordinator: a page of the list, a coordinator's details, suspend (confirm), reactivate, change the area. */
export const KO = callbackCodec("ko", {
  p: ["page"],
  c: ["id"],
  s: ["id"],
  sy: ["id"],
  r: ["id"],
  a: ["id"],
});

/** Callback data of /relawan (every tap re-checks that the volunteer works in the tapper's area). */
export const RL = callbackCodec("rl", {
  /** A page of the list. */
  p: ["page"],
  /** A volunteer's details. */
  v: ["id"],
  /** A page of a volunteer's households. */
  h: ["id", "page"],
  /** Move households away from a volunteer (flow). */
  mv: ["id"],
  /** From a household card: move this household (flow). */
  hm: ["id"],
  /** Suspend: choose the reason. */
  s: ["id"],
  /** Suspend with the reason of `SUSPEND_REASONS` (src/bot/coordinator/volunteers.ts) at this index. */
  sr: ["id", "reason"],
  /** Reactivate: confirm. */
  r: ["id"],
  /** Reactivate, confirmed. */
  ry: ["id"],
});
