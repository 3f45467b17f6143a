import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/db/migrations/index.js";
import { REPO_ROOT } from "../support/process.js";

const dir = mkdtempSync(join(tmpdir(), "pendamping-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run migrate` the way the README says (on an embedded database in a fresh folder). */
function migrate(): { code: number | null; out: string; err: string } {
  const res = spawnSync("npm", ["run", "--silent", "migrate"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PGLITE_DIR: join(dir, "db"), PII_KEY_FILE: join(dir, "pii.key"), LOG_LEVEL: "warn" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

describe("npm run migrate", () => {
  it("migrates a new database, then says it is up to date", () => {
    const first = migrate();
    expect(first.err).not.toMatch(/Error|Cannot find/);
    expect(first.code).toBe(0);
    expect(first.out).toContain("Migrated:");
    for (const name of Object.keys(migrations)) expect(first.out).toContain(name);
    const second = migrate();
    expect(second.code).toBe(0);
    expect(second.out).toContain("The database is up to date; no migration ran.");
  }, 180_000);
});
