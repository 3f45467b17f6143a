import { existsSync } from "node:fs";
import { ConfigError, parseConfig, type Config } from "./config.js";

/** Prints one readable line (no stack trace) and exits with code 1. */
export function die(message: string): never {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(1);
}

/** The configuration from `.env` (when present) and the environment, or a readable exit. */
export function loadConfig(): Config {
  if (existsSync(".env")) {
    try {
      process.loadEnvFile(".env");
    } catch (err) {
      die(`Could not read .env: ${(err as Error).message}`);
    }
  }
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) die(`${err.message}\n\nSee .env.example and the README for every variable.`);
    throw err;
  }
}
