/**
 * Masking of identity numbers for display in chats and logs, so that a full
 * NIK or No. KK is never echoed back (UU PDP data minimisation).
 *
 * @module
 */

import { normalizeDigits } from "./digits.js";

const BULLET = "\u2022";
const SIXTEEN_DIGITS = /^[0-9]{16}$/;
const MASK_MIDDLE = BULLET.repeat(8);

/**
 * Masks an NIK (or any 16-digit identifier) as the first four digits, eight
 * bullets and the last four: `"3201123456780001"` → `"3201••••••••0001"`.
 * The province and regency stay visible, the birth date is hidden.
 *
 * The input is normalised first (spaces, dots and dashes removed, non-ASCII
 * digits converted). Anything that is not then exactly 16 digits is masked
 * entirely except its last two characters (entirely when two or fewer), so
 * a malformed value never leaks.
 */
export function maskNik(input: string): string {
  // Stored numbers are already normalised: the common case skips the Unicode pass.
  const s = SIXTEEN_DIGITS.test(input) ? input : normalizeDigits(input);
  if (SIXTEEN_DIGITS.test(s)) {
    return `${s.slice(0, 4)}${MASK_MIDDLE}${s.slice(12)}`;
  }
  const chars = [...s];
  if (chars.length <= 2) {
    return BULLET.repeat(chars.length);
  }
  return BULLET.repeat(chars.length - 2) + chars.slice(-2).join("");
}

/**
 * Masks a No. KK exactly like {@link maskNik}:
 * `"3201120101150003"` → `"3201••••••••0003"`.
 */
export function maskKk(input: string): string {
  return maskNik(input);
}
