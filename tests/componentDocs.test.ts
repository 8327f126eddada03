// Every component says what it is, what each arg means and what it outputs (TSDoc), as a reader
// of a Pulumi component library expects: editors show it on hover, and the package's schema
// takes its descriptions from the same place.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { ROOT } from "../scripts/evaluate";

function componentFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return componentFiles(file);
    return entry.name.endsWith(".ts") ? [file] : [];
  });
}

/** Component classes, their public fields and their `*Args` interfaces' members without TSDoc. */
function undocumented(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const documented = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;
  const missing: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isClassDeclaration(node) &&
      node.heritageClauses?.some((h) => h.types.some((t) => t.expression.getText().endsWith("ComponentResource")))
    ) {
      const name = node.name?.text ?? "(anonymous)";
      if (!documented(node)) missing.push(`class ${name}`);
      for (const member of node.members) {
        if (
          ts.isPropertyDeclaration(member) &&
          member.modifiers?.some((m) => m.kind === ts.SyntaxKind.PublicKeyword) &&
          !documented(member)
        ) {
          missing.push(`${name}.${member.name.getText()}`);
        }
      }
    }
    if (ts.isInterfaceDeclaration(node) && node.name.text.endsWith("Args")) {
      for (const member of node.members) {
        if (!documented(member)) missing.push(`${node.name.text}.${member.name?.getText()}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return missing.map((m) => `${path.relative(ROOT, file)}: ${m}`);
}

describe("components: documentation and type tokens", () => {
  it("has TSDoc on every component class, public output and args field", () => {
    const files = [...componentFiles(path.join(ROOT, "components")), path.join(ROOT, "package", "index.ts")];
    const classes = files.filter((f) => /extends pulumi\.ComponentResource/.test(fs.readFileSync(f, "utf8")));
    assert.ok(classes.length >= 12, `found the components: ${classes.length}`);
    assert.deepEqual(files.flatMap(undocumented), []);
  });

  it("gives each component the type token of its folder and class (the stack component is the package's top level)", () => {
    const tokens = componentFiles(path.join(ROOT, "components")).flatMap((file) =>
      [
        ...fs
          .readFileSync(file, "utf8")
          .matchAll(/class (\w+) extends pulumi\.ComponentResource[^]*?super\(\s*"([^"]+)"/g),
      ].map(([, className, token]) => ({ folder: path.basename(path.dirname(file)), className, token })),
    );
    assert.ok(tokens.length >= 12, `components found: ${tokens.length}`);
    for (const { folder, className, token } of tokens) {
      const module = folder === "stack" ? "index" : folder;
      assert.equal(token, `jaeger-spm:${module}:${className}`, `${folder}/${className}`);
    }
  });
});
