import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Encryption of identity numbers (NIK, No. KK) at rest. AES-256-GCM with a random 96-bit IV
 * per value; lookups go through a keyed hash (HMAC-SHA-256) so that equal numbers can be
 * found without decrypting. Encryption and hashing use keys derived from one master key.
 */
export interface PiiCrypto {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** Deterministic keyed hash for equality lookups (hex). */
  hash(plain: string): string;
}

const VERSION = "v1";

export function createPiiCrypto(masterKeyHex: string): PiiCrypto {
  const master = Buffer.from(masterKeyHex, "hex");
  if (master.length !== 32) throw new Error("PII key must be 32 bytes (64 hex characters)");
  const encKey = createHmac("sha256", master).update("pendamping:pii:enc").digest();
  const macKey = createHmac("sha256", master).update("pendamping:pii:mac").digest();
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", encKey, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${VERSION}:${iv.toString("base64")}:${body.toString("base64")}:${tag.toString("base64")}`;
    },
    decrypt(sealed) {
      const [version, iv, body, tag] = sealed.split(":");
      if (version !== VERSION || !iv || body === undefined || !tag) throw new Error("unrecognised sealed value");
      const decipher = createDecipheriv("aes-256-gcm", encKey, Buffer.from(iv, "base64"));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
    },
    hash(plain) {
      return createHmac("sha256", macKey).update(plain, "utf8").digest("hex");
    },
  };
}

/**
 * The PII key from the environment, or — for the simulator, trials and tests — a local key
 * file that is created on first use. Returns the key and where it came from.
 */
export function loadPiiKey(opts: { envKey?: string; keyFile: string }): { key: string; source: "env" | "file" | "new-file" } {
  if (opts.envKey) return { key: opts.envKey.toLowerCase(), source: "env" };
  if (existsSync(opts.keyFile)) {
    const key = readFileSync(opts.keyFile, "utf8").trim();
    if (!/^[0-9a-f]{64}$/i.test(key)) throw new Error(`${opts.keyFile} does not hold a 64-hex-character key`);
    return { key, source: "file" };
  }
  const key = randomBytes(32).toString("hex");
  mkdirSync(dirname(opts.keyFile), { recursive: true });
  writeFileSync(opts.keyFile, `${key}\n`, { mode: 0o600 });
  return { key, source: "new-file" };
}
