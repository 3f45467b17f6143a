/**
 * The family PIN: the proof of the private status check (/status). Like a bank card's PIN,
 * it is six random digits printed on a slip that the volunteer gives the family (at
 * registration, or on the next visit for households registered before PINs existed). It is
 * not derived from anything: knowing the household's NIK, KK, birth date, name and village
 * does not help to guess it. Issuing a new PIN invalidates the old one. The bot stores only
 * a keyed hash (see `pinHashInput`), so nobody can read a PIN back — a forgotten PIN is
 * re-issued, never shown again.
 *
 * @module
 */

import { normalizeDigits } from "./digits.js";

/** Digits of a family PIN. */
export const PIN_LENGTH = 6;

/** PINs anyone would try first (all one digit, counting up or down, halves repeated). */
export function isWeakPin(pin: string): boolean {
  if (/^(\d)\1+$/.test(pin)) return true;
  const digits = [...pin].map(Number);
  const steps = digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) return true;
  const half = pin.slice(0, PIN_LENGTH / 2);
  if (pin === half + half) return true;
  if (/^(\d\d)\1+$/.test(pin)) return true;
  return false;
}

/**
 * Draws a new PIN: six uniformly random digits, redrawn while the result is weak
 * ({@link isWeakPin}) or appears anywhere in one of `avoid` (the household's NIK and KK
 * digits, so that a PIN can never be read off a document, even by coincidence).
 *
 * @param randomDigit a cryptographically secure source of integers in [0, 10), e.g.
 *   `() => crypto.randomInt(10)`.
 */
export function generateFamilyPin(randomDigit: () => number, avoid: readonly string[] = []): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    let pin = "";
    for (let i = 0; i < PIN_LENGTH; i++) {
      const d = randomDigit();
      if (!Number.isInteger(d) || d < 0 || d > 9) throw new RangeError("randomDigit must return an integer 0–9");
      pin += String(d);
    }
    if (isWeakPin(pin)) continue;
    if (avoid.some((a) => normalizeDigits(a).includes(pin))) continue;
    return pin;
  }
  throw new Error("generateFamilyPin: the random source looks broken");
}

/**
 * Reads a typed PIN: six digits in any script, with spaces, dots or dashes in between
 * ("482915", "482 915", "482-915", "４８２９１５"). Null when it is anything else.
 */
export function parseFamilyPin(input: string): string | null {
  const digits = normalizeDigits(input.trim());
  return new RegExp(`^[0-9]{${PIN_LENGTH}}$`).test(digits) ? digits : null;
}

/** "482 915": easier to read aloud and to copy onto paper. */
export function formatFamilyPin(pin: string): string {
  return `${pin.slice(0, 3)} ${pin.slice(3)}`;
}

/** What is hashed (with the PII key) to store or check a PIN: versioned, salted, bound to the household. */
export function pinHashInput(householdId: number, salt: string, pin: string): string {
  return `family-pin:v1:${householdId}:${salt}:${pin}`;
}
