import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runAgent, runArgv } from "../helpers/run-agent.ts";
import { findSecrets, secretForms } from "../helpers/secret-scan.ts";
import { TEST_SECRETS } from "../helpers/test-secrets.ts";

const SCRIPT = resolve(import.meta.dir, "../../scripts/scan-test-outputs.ts");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-scan-"));
  dirs.push(dir);
  return dir;
}

const scan = (dir: string) => runArgv([process.execPath, SCRIPT, dir]);

describe("secret forms", () => {
  test("as is, JSON-escaped, hex, and base64 at any alignment inside a longer run", () => {
    const forms = secretForms({ s: "Pa$$w\"rd-1234" });
    const hit = (text: string) => findSecrets(new TextEncoder().encode(text), forms).map((f) => f.label);
    expect(hit("x Pa$$w\"rd-1234 y")).toContain("s (as is)");
    expect(hit(JSON.stringify({ m: "Pa$$w\"rd-1234" }))).toContain("s (JSON-escaped)");
    expect(hit(Buffer.from("Pa$$w\"rd-1234").toString("hex"))).toContain("s (hex)");
    for (const prefix of ["", "a", "ab", "abc"]) expect(hit(Buffer.from(`${prefix}Pa$$w"rd-1234 and more`).toString("base64")).some((l) => l.startsWith("s (base64"))).toBe(true);
    expect(hit("nothing here")).toEqual([]);
  });
});

describe("scripts/scan-test-outputs.ts", () => {
  test("names the file, the offset and the form of every registered secret it finds; exit 1", async () => {
    const dir = tempDir();
    const text = `### agent boot\n--- stdout\nok\n--- stderr\nleak: ${Buffer.from(`user:${TEST_SECRETS.adminPass}`).toString("base64")}\n`;
    writeFileSync(join(dir, "agent-output-1.log"), text);
    writeFileSync(join(dir, "agent-output-2.log"), "### agent status\n--- stdout\nclean\n");
    const run = await scan(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("1 test secret(s) found");
    const offset = findSecrets(new TextEncoder().encode(text), secretForms({ adminPass: TEST_SECRETS.adminPass }))[0]?.offset;
    expect(run.stderr).toContain(`${join(dir, "agent-output-1.log")}: adminPass (base64) at offset ${offset}:`);
  }, 30_000);

  test("clean output: exit 0 with what it read; nothing recorded at all: exit 1", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "agent-output-1.log"), "### agent boot\n--- stdout\nall redacted: [redacted]\n");
    const run = await scan(dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 agent runs, \d+ bytes in 1 file\(s\): none of \d+ test secrets/);
    const empty = await scan(tempDir());
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("nothing recorded");
  }, 30_000);

  test("with TETHER_TEST_OUTPUT_DIR set, runAgent appends each run's stdout and stderr there", async () => {
    const dir = tempDir();
    const before = process.env.TETHER_TEST_OUTPUT_DIR;
    process.env.TETHER_TEST_OUTPUT_DIR = dir;
    try {
      await runAgent(["--version"]);
      await runAgent(["validate", "--kind", "nonsense"]);
    } finally {
      if (before === undefined) delete process.env.TETHER_TEST_OUTPUT_DIR;
      else process.env.TETHER_TEST_OUTPUT_DIR = before;
    }
    const [file] = readdirSync(dir);
    const text = readFileSync(join(dir, file as string), "utf8");
    expect(text).toContain("### agent --version\n--- stdout\n0.");
    expect(text).toContain("### agent validate --kind nonsense\n");
    expect(text).toMatch(/--- stderr\n.*--kind "nonsense": expected one of/);
  }, 30_000);
});
