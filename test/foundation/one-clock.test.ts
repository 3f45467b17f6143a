import { readFileSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT, SRC, tsFiles as files } from "../support/source-files.js";

/**
 * The migrations that shipped before the app clock existed are frozen history: they created
 * defaults of now(), which 2026_12_01_0009_app_clock drops (and its `down` restores).
 */
const FROZEN = /^src\/db\/migrations\/(2026_11_28_\d{4}_[a-z_]+|2026_12_01_0009_app_clock)\.ts$/;

const CONVERSATION_NOW = /\bconversation\.now\s*\(/;
/** The database's clock, in SQL text. */
const SQL_NOW = /(?<![.\w$])now\s*\(\s*\)|\bcurrent_timestamp\b|\bcurrent_date\b|\blocaltimestamp\b|\bclock_timestamp\s*\(|\bstatement_timestamp\s*\(|\btransaction_timestamp\s*\(/i;
const SQL_WORD = /\b(select|insert|update|delete|where|values|set|default|interval|returning)\b/i;

/**
 * Where a file reads a clock other than the app's (`AppDeps.now`): `conversation.now()` in
 * code, and the database's clock in any string or template literal that holds SQL (sql`…`,
 * sql.raw("…"), statements built as strings). TypeScript's own parser finds the literals.
 */
function clockReads(source: string): string[] {
  const file = ts.createSourceFile("x.ts", source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const lineOf = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "now" &&
      node.expression.expression.getText(file) === "conversation"
    ) {
      found.push(`${lineOf(node)}: conversation.now() (flows read the app clock through the kit)`);
    }
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ? ");
    const sqlTagged = node.parent !== undefined && ts.isTaggedTemplateExpression(node.parent) && /^sql\b/.test(node.parent.tag.getText(file));
    if (text !== undefined && (sqlTagged || SQL_WORD.test(text)) && SQL_NOW.test(text)) {
      found.push(`${lineOf(node)}: the database clock in SQL (pass the app clock as a parameter)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe("one clock", () => {
  it("no code under src/ reads the wall clock of the conversation plugin or of the database", () => {
    const found: string[] = [];
    for (const path of files(SRC)) {
      const rel = relative(ROOT, path).split("\\").join("/");
      if (FROZEN.test(rel)) continue;
      for (const where of clockReads(readFileSync(path, "utf8"))) found.push(`${rel}:${where}`);
    }
    expect(found).toEqual([]);
  });

  it("the check itself catches every form, and not the app clock", () => {
    expect(clockReads("const t = await conversation.now();")).toHaveLength(1);
    expect(clockReads("db.set({ updated_at: sql`now()` })")).toHaveLength(1);
    expect(clockReads("sql`update job set x = 1\n where run_at < now() + interval '1 s'`")).toHaveLength(1);
    expect(clockReads('statements.push("select current_timestamp")')).toHaveLength(1);
    expect(clockReads("const out = (line = \"\") => write(`${line}\\n`); const x = now();")).toEqual([]);
    expect(clockReads("const at = deps.now(); const t = now(); // now() in a comment")).toEqual([]);
    expect(CONVERSATION_NOW.test("conversation.now()")).toBe(true);
  });
});
