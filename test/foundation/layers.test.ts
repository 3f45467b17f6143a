import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT, SRC, tsFiles as files } from "../support/source-files.js";

interface Import {
  from: string;
  /** The imported module, relative to the repository ("src/bot/context.ts"). */
  target: string;
  typeOnly: boolean;
}

/** Every relative import and re-export of the file, found with TypeScript's parser. */
function importsOf(path: string): Import[] {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const from = relative(ROOT, path);
  const out: Import[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith(".")) return;
    out.push({ from, target: relative(ROOT, resolve(dirname(path), spec.text)).replace(/\.js$/, ".ts"), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const layer = (p: string) => p.split("/")[1] ?? "";
/** The only module of src/bot/ that lower layers may name: the context types, as types. */
const CONTEXT_TYPES = new Set(["src/bot/context.ts", "src/bot/card-actions.ts"]);

/**
 * Which layers each layer may import (the brief: main → bot → flows → domain/db). `ui` holds
 * what handlers and flows both show: renderers, keyboards, callback-data codecs.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  flows: ["flows", "ui", "domain", "db", "lib"],
  ui: ["ui", "domain", "db", "lib"],
  domain: ["domain", "db", "lib"],
  db: ["db", "domain", "lib"],
  lib: ["lib"],
};

describe("layers", () => {
  const all = files(SRC).flatMap(importsOf);

  it("point one way: flows and what they use never import the bot, except its context types", () => {
    const wrong = all
      .filter((i) => MAY_IMPORT[layer(i.from)] !== undefined)
      .filter((i) => i.target.startsWith("src/") && i.target.split("/").length > 2)
      .filter((i) => {
        const allowed = MAY_IMPORT[layer(i.from)]!;
        if (allowed.includes(layer(i.target))) return false;
        return !(i.typeOnly && CONTEXT_TYPES.has(i.target) && layer(i.from) !== "db" && layer(i.from) !== "lib");
      })
      // Top-level modules (src/i18n.ts, src/config.ts, src/pii.ts, src/logger.ts) are shared.
      .map((i) => `${i.from} → ${i.target}${i.typeOnly ? " (types)" : ""}`);
    expect(wrong).toEqual([]);
  });

  it("keeps renderers out of src/flows/ and the flows' shared kit free of the bot", () => {
    expect(files(join(SRC, "flows")).map((p) => relative(ROOT, p)).filter((p) => /(text|card|render)\.ts$/.test(p))).toEqual([]);
    const kit = all.filter((i) => i.from.startsWith("src/flows/kit/") && i.target.startsWith("src/bot/"));
    expect(kit.every((i) => i.typeOnly && CONTEXT_TYPES.has(i.target))).toBe(true);
  });
});
