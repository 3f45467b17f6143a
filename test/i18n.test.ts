import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createI18n, loadLocaleResources } from "../src/i18n.js";
import { REPO_ROOT } from "./support/process.js";

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === "string") out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

const interpolations = (s: string) => [...s.matchAll(/\{\{-?\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("locales", () => {
  const { id, en } = loadLocaleResources();
  const idKeys = flatten(id as Tree);
  const enKeys = flatten(en as Tree);

  it("id.json and en.json have the same keys", () => {
    expect([...idKeys.keys()].filter((k) => !enKeys.has(k))).toEqual([]);
    expect([...enKeys.keys()].filter((k) => !idKeys.has(k))).toEqual([]);
  });

  it("every message has the same {{placeholders}} in both languages", () => {
    const mismatched = [...idKeys].filter(([k, v]) => enKeys.has(k) && interpolations(v).join() !== interpolations(enKeys.get(k)!).join());
    expect(mismatched.map(([k]) => k)).toEqual([]);
  });

  it("every literal key used in the code exists", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(join(REPO_ROOT, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\bt\(\s*"([a-z][a-z0-9_]*\.[a-z0-9_.]+)"/g)) used.add(m[1]!);
      for (const m of text.matchAll(/(?:descKey|hintKey|Key):\s*"([a-z][a-z0-9_]*\.[a-z0-9_.]+)"/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((k) => !idKeys.has(k))).toEqual([]);
  });

  it("escapes interpolated values for Telegram HTML", () => {
    const i18n = createI18n("id");
    expect(i18n.t("id")("start.welcome_back", { name: "<b>Rina & Co</b>" })).toContain("&lt;b&gt;Rina &amp; Co&lt;/b&gt;");
  });
});
