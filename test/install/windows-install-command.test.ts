import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";

const work = mkdtempSync(join(tmpdir(), "tether-install-win-"));
const exe = join(work, "agent-windows-x64.exe");
const elf = join(work, "agent-linux-x64");
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => {
  writeFileSync(exe, Buffer.from("MZ\x90\x00 stand-in Windows agent", "latin1"));
  writeFileSync(elf, Buffer.from("\x7fELF stand-in Linux agent", "latin1"));
});

/** A Windows image as mounted: C:\Windows\System32, and SetupComplete.cmd when given (one char per byte, as cmd's ANSI text is). */
function image(name: string, setupComplete?: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "Windows/System32"), { recursive: true });
  if (setupComplete !== undefined) {
    mkdirSync(join(dir, "Windows/Setup/Scripts"), { recursive: true });
    writeFileSync(join(dir, "Windows/Setup/Scripts/SetupComplete.cmd"), Buffer.from(setupComplete, "latin1"));
  }
  return dir;
}

const LINE = '"C:\\Program Files\\Tether\\agent.exe" install --init windows --start';

describe("agent install into a Windows image", () => {
  test("found by /Windows/System32: the binary copied, SetupComplete.cmd extended, its lines kept; again changes nothing", async () => {
    // "é" as the ANSI byte 0xE9, not UTF-8: it must come back as it was.
    const r = image("win", "@echo off\r\ncall C:\\Windows\\Setup\\Scripts\\acme.cmd caf\u00e9\r\n");
    const run = await runAgent(["install", "--root", r, "--binary", exe]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("ok install (windows)");
    expect(readFileSync(join(r, "Program Files/Tether/agent.exe"), "latin1")).toBe("MZ\x90\x00 stand-in Windows agent");
    const cmd = readFileSync(join(r, "Windows/Setup/Scripts/SetupComplete.cmd"), "latin1");
    expect(cmd).toBe(`@echo off\r\ncall C:\\Windows\\Setup\\Scripts\\acme.cmd caf\u00e9\r\n${LINE}\r\n`);

    const again = await runAgent(["install", "--root", r, "--binary", exe, "--json"]);
    expect(again.code).toBe(0);
    const steps = JSON.parse(again.stdout).steps as { kind: string; status: string }[];
    expect(steps.filter((s) => s.kind === "write").map((s) => s.status)).toEqual(["skipped-unchanged", "skipped-unchanged"]);
    expect(readFileSync(join(r, "Windows/Setup/Scripts/SetupComplete.cmd"), "latin1")).toBe(cmd);
  });

  test("an image without SetupComplete.cmd gets one; --dry-run shows it and runs nothing", async () => {
    const r = image("fresh");
    const dry = await runAgent(["install", "--root", r, "--binary", exe, "--init", "windows", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("+++ b/Windows/Setup/Scripts/SetupComplete.cmd");
    expect(dry.stdout).toContain(LINE);
    expect(dry.stdout).not.toContain("powershell");
    expect(() => readFileSync(join(r, "Windows/Setup/Scripts/SetupComplete.cmd"))).toThrow();
    const run = await runAgent(["install", "--root", r, "--binary", exe]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(r, "Windows/Setup/Scripts/SetupComplete.cmd"), "latin1")).toBe(`${LINE}\r\n`);
  });

  const usage: [string, string[], string][] = [
    ["a Linux binary into a Windows image", ["--binary", elf], "not a Windows executable"],
    ["a Windows binary for systemd", ["--binary", exe, "--init", "systemd"], "a Windows executable, for --init systemd"],
    ["--start on an image", ["--binary", exe, "--start"], "--start is for --init windows on the running system"],
    ["running from source", ["--init", "windows"], "give --binary dist/agent-windows-x64.exe"],
  ];
  for (const [what, argv, message] of usage) {
    test(`usage: ${what}`, async () => {
      const run = await runAgent(["install", "--root", image(`u-${what.replace(/\W/g, "")}`), ...argv]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    });
  }

  test("usage: --init windows for this (Linux) machine itself", async () => {
    const run = await runAgent(["install", "--init", "windows", "--binary", exe, "--dry-run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--init windows on this machine, which is not Windows: give --root for an image");
  });

  test("--help lists windows among the init systems and says why tasks and not a service", async () => {
    const run = await runAgent(["install", "--help"]);
    expect(run.code).toBe(0);
    const help = run.stdout.replace(/\s+/g, " ");
    expect(help).toContain("systemd, openrc, sysvinit, windows");
    expect(help).toContain("error 1053");
    expect(help).toContain("StartServiceCtrlDispatcher");
    expect(help).toContain("SetupComplete.cmd");
    const bad = await runAgent(["install", "--init", "upstart", "--root", image("bad")]);
    expect(bad.stderr).toContain("expected systemd, openrc, sysvinit, windows");
  });
});
