import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO } from "./helpers/run-agent.ts";

/** What only src/host/ may use: the file system, processes, sockets and the network. */
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+["'](node:)?(fs|fs\/promises|child_process|net|dgram|http|https|http2|tls)["']/, "imports a machine module"],
  [/import\(\s*["'](node:)?(fs|fs\/promises|child_process|net)["']\s*\)/, "imports a machine module"],
  [/require\(\s*["'](node:)?(fs|child_process|net)["']\s*\)/, "requires a machine module"],
  [/\bBun\.(spawn|spawnSync|file|write|connect|listen|serve|udpSocket|\$)\b/, "calls Bun's machine API"],
  [/(^|[^.\w$])fetch\s*\(/, "calls fetch directly"],
  [/from\s+["']ofetch["']/, "imports ofetch (use host.http)"],
];

/** The lines with comments blanked: comments may name what the code must not use. */
function codeLines(text: string): string[] {
  return text.split("\n").map((line) => (/^\s*(\*|\/\/|\/\*)/.test(line) ? "" : line.replace(/\s\/\/\s.*$/, "")));
}

/** Returns the violations in one file's text. */
export function violations(text: string): string[] {
  const found: string[] = [];
  codeLines(text).forEach((line, i) => {
    for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) found.push(`line ${i + 1}: ${what}: ${line.trim()}`);
  });
  return found;
}

/** `import(variable)` or `import(\`./${name}\`)`: a module the bundler cannot see. */
export function hasComputedImport(text: string): boolean {
  return codeLines(text).some((l) => /import\(\s*[^"'\s]/.test(l));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("architecture: only src/host/ touches the machine", () => {
  test("the checker catches each forbidden use", () => {
    const samples = [
      'import { readFileSync } from "node:fs";',
      'import * as fsp from "fs/promises";',
      'import { spawn } from "child_process";',
      "const p = Bun.spawn(['ls']);",
      "await Bun.write('/etc/x', 'y');",
      "const r = await fetch('http://169.254.169.254/');",
      'import { ofetch } from "ofetch";',
      'const net = await import("node:net");',
    ];
    for (const sample of samples) expect(violations(sample)).toHaveLength(1);
    expect(violations("const r = await host.http('/x'); // fetch( in a comment is fine")).toEqual([]);
    expect(violations("refetch(x); obj.fetch(y);")).toEqual([]);
    expect(violations(" * never call fetch() or Bun.spawn here")).toEqual([]);
  });

  test("no file outside src/host/ uses them", () => {
    const src = join(REPO, "src");
    const offenders = sourceFiles(src)
      .filter((f) => !relative(src, f).startsWith("host/"))
      .flatMap((f) => violations(readFileSync(f, "utf8")).map((v) => `${relative(REPO, f)} ${v}`));
    expect(offenders).toEqual([]);
  });

  test("commands are a static registry: no computed imports anywhere in src/", () => {
    expect(hasComputedImport("const m = await import(`./commands/${name}.ts`);")).toBe(true);
    expect(hasComputedImport("const m = await import(path);")).toBe(true);
    expect(hasComputedImport('boot: () => import("./boot.ts"),')).toBe(false);
    const computed = sourceFiles(join(REPO, "src")).filter((f) => hasComputedImport(readFileSync(f, "utf8")));
    expect(computed.map((f) => relative(REPO, f))).toEqual([]);
  });
});
