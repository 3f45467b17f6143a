import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root and its src/ folder, for tests that read the source. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SRC = join(ROOT, "src");

/** Every .ts file below `dir`. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}
