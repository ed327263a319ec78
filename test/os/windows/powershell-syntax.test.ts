import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Language, type Node, Parser } from "web-tree-sitter";
import { defineScript, powershellArgv, type PowerShellScript } from "../../../src/os/windows/powershell.ts";
import { WINDOWS_PROBE_SCRIPT } from "../../../src/probe/windows.ts";
import { REPO } from "../../helpers/run-agent.ts";

/**
 * Every PowerShell script the agent runs, parsed here without PowerShell: tree-sitter's PowerShell
 * grammar (tree-sitter-powershell, its WASM build) in web-tree-sitter. A script whose tree holds an
 * ERROR or MISSING node fails, naming the line, the column and the text around it.
 *
 * The grammar is not PowerShell's own parser. It accepts some things PowerShell rejects (a stray
 * `else { }` or `catch { }`, which PowerShell itself only rejects at run time or not at all), and it
 * rejects a few valid forms; write these the other way (the same script to PowerShell):
 *   - `function f { param($a) $a }` on one line: put the param block on its own line.
 *   - switch clauses on one line, `switch ($x) { 'a' { 1 } 'b' { 2 } }`: one clause per line, or `;` between.
 *   - a native argument glued to a subexpression string, `netsh ... name="$($n.name)"`: pass "name=$($n.name)".
 */

const SCRIPTS_DIR = join(REPO, "src/os/windows/scripts");
const GRAMMAR_WASM = join(dirname(Bun.resolveSync("tree-sitter-powershell/package.json", import.meta.dir)), "tree-sitter-powershell.wasm");

await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(GRAMMAR_WASM));

export interface SyntaxProblem {
  /** 1-based, in the script's own text (the preamble counts). */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
  what: string;
  /** The line before, the line itself and a caret under the spot. */
  excerpt: string;
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function excerptAt(text: string, index: number, length: number): { line: number; column: number; excerpt: string } {
  const lines = text.split("\n");
  const before = text.slice(0, index).split("\n");
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  const source = lines[line - 1] ?? "";
  const width = Math.max(1, Math.min(length, source.length - column + 1));
  const gutter = (n: number | string) => `${String(n).padStart(5)} | `;
  const shown = [...(line > 1 ? [`${gutter(line - 1)}${lines[line - 2]}`] : []), `${gutter(line)}${source}`];
  shown.push(`${gutter("")}${" ".repeat(column - 1)}${"^".repeat(width)}`);
  return { line, column, excerpt: shown.join("\n") };
}

/** Every ERROR and MISSING node of the text's tree, in text order; none exactly when the tree has no error. */
export function syntaxProblems(text: string): SyntaxProblem[] {
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  const problems: (SyntaxProblem & { index: number })[] = [];
  const report = (index: number, length: number, what: string) => problems.push({ index, what, ...excerptAt(text, index, length) });
  const from = (node: Node) => {
    const { line, column } = excerptAt(text, node.startIndex, 0);
    return `${node.type} from line ${line}, column ${column}`;
  };
  const blanks: number[] = [];
  const visit = (node: Node): void => {
    if (node.isMissing) {
      report(node.startIndex, 1, `missing ${JSON.stringify(node.type)}${node.parent ? ` for the ${from(node.parent)}` : ""}`);
      return;
    }
    const inner = node.children.filter((child) => child.hasError);
    if (node.isError) {
      // Where the text starts, not the blanks before it; an ERROR of blanks alone (often the
      // newline after another error) says nothing the others do not, unless it is the only one.
      const lead = node.text.length - node.text.trimStart().length;
      const firstLine = node.text.trim().split("\n")[0]!;
      if (firstLine !== "") report(node.startIndex + lead, node.endIndex - node.startIndex - lead, `unexpected ${JSON.stringify(clip(firstLine))}`);
      else blanks.push(node.startIndex);
    } else if (inner.length === 0) {
      // A MISSING node of a hidden rule (a statement terminator) is not among the children: name it
      // from the S-expression, at the end of the node that lacks it.
      const hidden = /\(MISSING ("[^"]*"|[^\s)]+)\)/.exec(node.toString())?.[1] ?? "token";
      report(node.endIndex, 1, `missing ${hidden} after the ${from(node)}`);
    }
    for (const child of inner) visit(child);
  };
  try {
    if (tree.rootNode.hasError) visit(tree.rootNode);
    if (problems.length === 0) for (const index of blanks) report(index, 1, "unexpected end of line");
    if (tree.rootNode.hasError && problems.length === 0) report(0, 1, "a syntax error that tree-sitter marks but does not place");
  } finally {
    tree.delete();
  }
  return problems.sort((a, b) => a.index - b.index).map(({ index: _, ...problem }) => problem);
}

export function formatProblems(name: string, problems: SyntaxProblem[]): string {
  return [`${name}: ${problems.length} syntax error(s)`, ...problems.map((p) => `line ${p.line}, column ${p.column}: ${p.what}\n${p.excerpt}`)].join("\n\n");
}

function isScript(value: unknown): value is PowerShellScript {
  return typeof value === "object" && value !== null && typeof (value as PowerShellScript).name === "string" && typeof (value as PowerShellScript).text === "string";
}

/** The scripts in one export: the value itself, or those in an exported array or record of scripts. */
function scriptsIn(value: unknown): PowerShellScript[] {
  if (isScript(value)) return [value];
  if (Array.isArray(value)) return value.filter(isScript);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).filter(isScript);
  return [];
}

interface Found {
  script: PowerShellScript;
  /** Where it comes from, for the messages. */
  module: string;
  /** Made with defineScript: starts with the shared preamble. */
  defined: boolean;
}

const modules: { module: string; scripts: PowerShellScript[] }[] = [];
for (const file of (existsSync(SCRIPTS_DIR) ? readdirSync(SCRIPTS_DIR) : []).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".test.ts")).sort()) {
  const path = join(SCRIPTS_DIR, file);
  const exports = (await import(path)) as Record<string, unknown>;
  modules.push({ module: relative(REPO, path), scripts: [...new Set(Object.values(exports).flatMap(scriptsIn))] });
}
const seen = new Set<PowerShellScript>();
const found: Found[] = [];
for (const { module, scripts } of modules) {
  for (const script of scripts) {
    if (seen.has(script)) continue;
    seen.add(script);
    found.push({ script, module, defined: true });
  }
}
found.push({ script: { name: "windows probe", text: WINDOWS_PROBE_SCRIPT }, module: "src/probe/windows.ts", defined: false });

/** PREAMBLE is not exported; an empty body shows it: defineScript gives PREAMBLE + "" + "\n". */
const PREAMBLE = defineScript("preamble", "").text.slice(0, -1);

/** CreateProcess takes a command line of at most 32,767 UTF-16 units, NUL included. */
const MAX_COMMAND_LINE = 32_766;

function decodeEncodedCommand(argv: string[]): string {
  const at = argv.indexOf("-EncodedCommand");
  expect(at).toBeGreaterThan(0);
  expect(at).toBe(argv.length - 2);
  return Buffer.from(argv[at + 1]!, "base64").toString("utf16le");
}

const GOOD = `${PREAMBLE}
$params = @{ Name = [string]$data.name; Force = $true; ErrorAction = 'Stop' }
Rename-Computer @params -WarningAction SilentlyContinue
$text = @"
Host: $($data.name) on $env:COMPUTERNAME
  "quotes", { braces ( and a ' stay text
"@
$literal = @'
$not_a_variable '' and a "quote" } (
'@
Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class TetherNative {
    [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
    public static extern bool SetComputerNameEx(int type, string name);
}
'@
try {
  if (-not [TetherNative]::SetComputerNameEx(5, $data.name)) { throw [ComponentModel.Win32Exception]::new() }
} catch [System.UnauthorizedAccessException] {
  [Console]::Error.WriteLine('denied'); exit 2
} catch {
  throw
} finally {
  $null = $text.Length
}
function Set-Thing {
  param([Parameter(Mandatory)][string]$Name, [int]$Count = 1)
  process { $Name * $Count }
}
switch ($data.mode) {
  'a' { 1 }
  default { 2 }
}
$users = @(Get-LocalUser | Where-Object { $_.Enabled } | ForEach-Object { @{ name = $_.Name; sid = [string]$_.SID } })
foreach ($u in $users) { if ($u.name -eq 'Administrator') { continue } elseif ($u.name -like 'svc*') { break } else { $u } }
[void](New-Item -ItemType Directory -Force -Path "$env:ProgramData\\Tether")
[System.IO.File]::WriteAllText($path, $text, (New-Object System.Text.UTF8Encoding $false))
icacls $path /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
@{ ok = $true; users = $users } | ConvertTo-Json -Depth 4 -Compress
`;

describe("the PowerShell syntax checker", () => {
  test("passes a known-good script with the PowerShell 5.1 forms we use", () => {
    expect(syntaxProblems(GOOD)).toEqual([]);
    expect(syntaxProblems(PREAMBLE)).toEqual([]);
  });

  const broken: [string, string, number, RegExp][] = [
    ["an unclosed brace", "if ($data.x) {\n  'x'\n", 2, /missing "\}" for the statement_block from line 1, column 14/],
    ["`if (` without `)`", "if ($data.x {\n  'x'\n}\n", 1, /unexpected|missing/],
    ["a stray `}`", "$a = 1\n}\n", 2, /unexpected "}/],
    ["an unclosed here-string", "$a = @'\ntext\n", 1, /unexpected/],
    ["a here-string whose end is indented", "$a = @'\ntext\n  '@\n", 1, /unexpected/],
    ["an unclosed string", "$a = 'x\n", 1, /unexpected/],
    ["an extra `)`", "$a = (1 + 2))\n", 1, /unexpected "\)/],
    ["a hashtable entry without a value", "$h = @{ a = 1; b }\n", 1, /unexpected/],
    ["a pipe into nothing", "Get-Item $path |\n", 1, /unexpected/],
    ["an unclosed Add-Type here-string", "Add-Type -TypeDefinition @'\npublic class A {}\n", 1, /unexpected/],
  ];
  for (const [what, body, line, pattern] of broken) {
    test(`catches ${what}`, () => {
      const problems = syntaxProblems(body);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.map((p) => p.line)).toContain(line);
      expect(problems.map((p) => p.what).join("\n")).toMatch(pattern);
    });
  }

  test("counts lines in the whole script, preamble included, and shows the text around the error", () => {
    const script = defineScript("broken", "$x = 1\n}\n");
    const [problem, ...rest] = syntaxProblems(script.text);
    expect(rest).toEqual([]);
    const preambleLines = PREAMBLE.split("\n").length - 1;
    expect(problem).toMatchObject({ line: preambleLines + 2, column: 1 });
    expect(problem!.excerpt).toBe(`${String(preambleLines + 1).padStart(5)} | $x = 1\n${String(preambleLines + 2).padStart(5)} | }\n      | ^`);
    expect(formatProblems("broken", [problem!])).toContain(`line ${preambleLines + 2}, column 1: unexpected`);
  });

  test("reports a missing token of a hidden rule, which is not among the tree's children", () => {
    // tree-sitter wants a terminator between switch clauses on one line (PowerShell does not): a
    // MISSING node no walk of the children can see; the checker must still name it.
    const problems = syntaxProblems("switch ($x) { 'a' { 1 } 'b' { 2 } }\n");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 1, column: 24, what: "missing _statement_terminator after the switch_clause from line 1, column 15" });
  });

  test("the grammar's known false positives (in the comment at the top) still fail, and their rewrites pass", () => {
    // When one of these starts passing after an upgrade of tree-sitter-powershell, drop it here and above.
    const rejected = [
      "function f { param($a) $a }\n",
      "switch ($x) { 'a' { 1 } 'b' { 2 } }\n",
      'netsh interface ipv4 set address name="$($n.name)" static\n',
    ];
    for (const text of rejected) expect(syntaxProblems(text).length).toBeGreaterThan(0);
    const rewritten = [
      "function f {\n  param($a)\n  $a\n}\n",
      "switch ($x) {\n  'a' { 1 }\n  'b' { 2 }\n}\nswitch ($x) { 'a' { 1 }; 'b' { 2 } }\n",
      'netsh interface ipv4 set address "name=$($n.name)" static\n',
    ];
    for (const text of rewritten) expect(syntaxProblems(text)).toEqual([]);
  });

  test("columns count UTF-16 units after non-ASCII and astral text", () => {
    const problems = syntaxProblems("$a = 'Zoë 😀'\n$b = 'ü' }\n");
    expect(problems[0]).toMatchObject({ line: 2, column: 10, what: 'unexpected "}"' });
  });
});

describe("our PowerShell scripts", () => {
  test("the probe's script is found, and the preamble is what defineScript puts first", () => {
    expect(found.some((f) => f.script.text === WINDOWS_PROBE_SCRIPT)).toBe(true);
    expect(PREAMBLE.startsWith("$ErrorActionPreference = 'Stop'\n")).toBe(true);
    expect(PREAMBLE.endsWith("\n")).toBe(true);
  });

  for (const { module, scripts } of modules) {
    test(`${module} exports at least one script`, () => {
      expect(scripts.length).toBeGreaterThan(0);
    });
  }

  test("script names are unique", () => {
    const names = found.map((f) => f.script.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  for (const { script, module, defined } of found) {
    describe(`${script.name} (${module})`, () => {
      test("parses without a syntax error", () => {
        const problems = syntaxProblems(script.text);
        if (problems.length > 0) throw new Error(formatProblems(`${script.name} (${module})`, problems));
      });

      test("has no `${` left from a template literal", () => {
        const lines = script.text.split("\n").flatMap((line, i) => (line.includes("${") ? [`line ${i + 1}: ${line.trim()}`] : []));
        expect(lines).toEqual([]);
      });

      if (defined) {
        test("starts with the shared preamble and has a body", () => {
          expect(script.text.slice(0, PREAMBLE.length)).toBe(PREAMBLE);
          expect(script.text.slice(PREAMBLE.length).trim()).not.toBe("");
        });
      }

      test("goes through -EncodedCommand intact and fits a Windows command line", () => {
        const argv = powershellArgv(script.text);
        expect(decodeEncodedCommand(argv)).toBe(script.text);
        expect(argv.join(" ").length).toBeLessThanOrEqual(MAX_COMMAND_LINE);
      });
    });
  }
});

describe("powershellArgv", () => {
  test("-EncodedCommand is base64 of UTF-16LE and decodes to the exact script", () => {
    for (const script of ["", "A", "Write-Output 'Zoë Ünïcødé – ß'", "'日本語 中文 한국어'", "'😀 𝄞 𐍈' # astral: surrogate pairs", "a\r\nb\n\tc\u0000d"]) {
      expect(decodeEncodedCommand(powershellArgv(script))).toBe(script);
    }
    // Little-endian, as PowerShell wants it: "A😀" is 41 00, then the surrogates D83D DE00 low byte first.
    const argv = powershellArgv("A😀");
    expect([...Buffer.from(argv[argv.length - 1]!, "base64")]).toEqual([0x41, 0x00, 0x3d, 0xd8, 0x00, 0xde]);
    expect(argv.slice(0, -1)).toEqual(["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]);
  });
});
