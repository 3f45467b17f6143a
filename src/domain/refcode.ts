/**
 * Household reference codes such as `K7-3QX9D`: short, random, safe to read
 * aloud or copy by hand, and carrying no personal data. Beneficiaries use
 * them for the private status check instead of an NIK.
 *
 * The canonical (stored) form is 7 upper-case characters without a dash,
 * e.g. `K73QX9D`; {@link formatRefCode} adds the dash for display.
 *
 * @module
 */

/**
 * The 30 characters a code is made of: digits and capital letters without
 * the easily confused 0, 1, I, L, O and U.
 */
export const REF_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Number of characters in a code, without the dash. */
export const REF_CODE_LENGTH = 7;

/** Characters before the dash in the display form `XX-XXXXX`. */
const DISPLAY_SPLIT = 2;

/**
 * Largest byte value + 1 that maps uniformly onto the alphabet
 * (8 × 30 = 240); bytes at or above it are rejected.
 */
const REJECT_FROM = 256 - (256 % REF_CODE_ALPHABET.length);

/** Bytes requested from the random source per round. */
const BYTES_PER_ROUND = 16;

/** Rounds after which a random source that only yields rejected bytes is considered broken. */
const MAX_ROUNDS = 64;

const CANONICAL = new RegExp(`^[${REF_CODE_ALPHABET}]{${REF_CODE_LENGTH}}$`);

/** Whitespace, dashes and other separators a user might type inside a code. */
const SEPARATORS = /[\s\u200b-\u200d\ufeff\-\u2010-\u2015\u2212_.·/]/g;

/**
 * Generates a new code in canonical form (7 characters, no dash).
 *
 * Characters are drawn without modulo bias: bytes ≥ 240 are discarded and
 * the rest mapped with `byte % 30`.
 *
 * @param randomBytes a cryptographically secure source, e.g.
 *   `(n) => crypto.randomBytes(n)` or `crypto.getRandomValues(new Uint8Array(n))`.
 * @throws Error when the source keeps returning only unusable bytes.
 * @example
 * formatRefCode(generateRefCode((n) => randomBytes(n))); // e.g. "K7-3QX9D"
 */
export function generateRefCode(randomBytes: (n: number) => Uint8Array): string {
  let code = "";
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    for (const byte of randomBytes(BYTES_PER_ROUND)) {
      if (byte < REJECT_FROM) {
        code += REF_CODE_ALPHABET[byte % REF_CODE_ALPHABET.length];
        if (code.length === REF_CODE_LENGTH) {
          return code;
        }
      }
    }
  }
  throw new Error("generateRefCode: the random source returned too few usable bytes; is it broken?");
}

/**
 * Turns what a user typed into the canonical form, or null when it cannot
 * be a code.
 *
 * Accepted: lower case, full-width characters, and missing, extra or
 * misplaced dashes, spaces, dots or underscores (`k7 3qx9d`, `K7--3QX-9D`,
 * `k73qx9d`). Characters outside the alphabet are not guessed: 0, 1, I, L, O
 * and U never occur in a code, so a code containing one is rejected rather
 * than mapped to a possibly wrong household.
 */
export function normalizeRefCode(input: string): string | null {
  const compact = input.normalize("NFKC").replace(SEPARATORS, "").toUpperCase();
  return CANONICAL.test(compact) ? compact : null;
}

/**
 * Formats a code for display as `XX-XXXXX`. Accepts any input that
 * {@link normalizeRefCode} accepts.
 *
 * @throws RangeError when the input is not a valid code.
 * @example
 * formatRefCode("k73qx9d"); // "K7-3QX9D"
 */
export function formatRefCode(code: string): string {
  const canonical = CANONICAL.test(code) ? code : normalizeRefCode(code);
  if (canonical === null) {
    throw new RangeError(`Not a reference code: ${JSON.stringify(code)}`);
  }
  return `${canonical.slice(0, DISPLAY_SPLIT)}-${canonical.slice(DISPLAY_SPLIT)}`;
}

/** Whether `code` is already in canonical form (7 alphabet characters, no dash). */
export function isCanonicalRefCode(code: string): boolean {
  return CANONICAL.test(code);
}
