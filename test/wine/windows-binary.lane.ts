/**
 * The Wine lane (`npm run test:wine`, after `npm run build`): the Windows binary itself, under Wine
 * with ../shared/tools/wine-shim. Wine is not Windows: this proves that the executable starts,
 * parses its arguments, sees win32, picks the Windows backend and prints its plan. What Windows
 * then does with that plan is proven by the backend's unit tests (test/os/windows/).
 *
 * Every Wine process runs in a network namespace of its own with no interface up (`unshare -n`):
 * a probe there cannot reach 169.254.169.254 or anything else.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../helpers/run-agent.ts";

const EXE = join(REPO, "dist/agent-windows-x64.exe");
const SHIM = join(REPO, "../shared/tools/wine-shim/setup.sh");
const VERSION = (await Bun.file(join(REPO, "package.json")).json()).version as string;

let prefix = "";
let root = "";
let image = "";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function wine(args: string[], timeoutMs = 120_000): Ran {
  const result = Bun.spawnSync(["unshare", "-n", "--", "/usr/lib/wine/wine64", EXE, ...args], {
    cwd: REPO,
    env: { ...process.env, WINEPREFIX: prefix, WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=" },
    timeout: timeoutMs,
  });
  const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b ?? new Uint8Array()).replaceAll("\r\n", "\n");
  return { code: result.exitCode ?? -1, stdout: text(result.stdout), stderr: text(result.stderr) };
}

beforeAll(() => {
  if (!existsSync(EXE)) throw new Error(`${EXE} is missing: run npm run build first`);
  if (!existsSync(SHIM)) throw new Error(`${SHIM} is missing: the lane needs ../shared/tools/wine-shim beside the repository`);
  const setup = Bun.spawnSync(["bash", SHIM, join(REPO, "dist")], { stdout: "inherit", stderr: "inherit" });
  if (setup.exitCode !== 0) throw new Error(`wine-shim setup exited ${setup.exitCode}`);
  prefix = mkdtempSync(join(tmpdir(), "tether-wine-"));
  root = mkdtempSync(join(tmpdir(), "tether-winroot-"));
  image = mkdtempSync(join(tmpdir(), "tether-winimage-"));
  mkdirSync(join(image, "Windows/System32"), { recursive: true });
  // The first run makes the prefix (~20 s); the tests' own timings then stay small.
  wine(["--version"], 300_000);
}, 600_000);

afterAll(() => {
  Bun.spawnSync(["/usr/lib/wine/wineserver", "-k"], { env: { ...process.env, WINEPREFIX: prefix } });
  for (const dir of [prefix, root, image]) if (dir) rmSync(dir, { recursive: true, force: true });
  rmSync(join(REPO, "dist/bcryptprimitives.dll"), { force: true });
});

describe("the Windows binary under Wine", () => {
  test("--version prints the package's version", () => {
    const ran = wine(["--version"]);
    expect(ran.stdout.trim()).toBe(VERSION);
    expect(ran.code).toBe(0);
  });

  test("--help lists the commands, and version --json says win32", () => {
    expect(wine(["--help"]).stdout).toContain("render-network");
    expect(JSON.parse(wine(["version", "--json"]).stdout)).toMatchObject({ platform: "win32" });
  });

  test("probe --json reports Windows, says why XenStore is not looked for, and reaches no network", () => {
    const ran = wine(["probe", "--json", "--metadata-url", "http://127.0.0.1:9", "--budget-ms", "3000"]);
    const report = JSON.parse(ran.stdout);
    expect(report.platform.os).toBe("win32");
    const byName = Object.fromEntries(report.candidates.map((c: { transport: string }) => [c.transport, c]));
    expect(byName.xenstore.verdict).toBe("skipped");
    expect(byName.xenstore.evidence.join(" ")).toContain("not supported on Windows yet");
    expect(byName["metadata-http"].verdict).toBe("absent");
    expect(byName["metadata-http"].location).toBe("http://127.0.0.1:9");
    expect(report.chosen).toBeNull();
    expect(ran.code).toBe(1);
  });

  test("boot --dry-run --seed examples/nocloud --root DIR prints the Windows plan and changes nothing", () => {
    const ran = wine(["boot", "--dry-run", "--seed", "examples/nocloud", "--root", root]);
    expect(ran.code).toBe(0);
    const out = ran.stdout;
    expect(out).toContain("instance-id");
    expect(out).toMatch(/Target\n {2}Windows image \(offline[^\n]*\(windows backend, offline: /);
    // Windows' own records place, and Windows' files: the cloud-config's write_files on the system drive.
    expect(out).toContain("/ProgramData/Tether/final-message");
    expect(out).toContain("/etc/example/app.conf");
    // The work that needs the running Windows is named, not silently dropped.
    expect(out).toContain("hostname: example-web-1 is set at the image's first boot");
    expect(out).toContain("manage_etc_hosts is not applied on Windows");
    expect(out).not.toContain("useradd");
    expect(out).not.toContain("/etc/hostname");
    expect([...new Bun.Glob("**/*").scanSync({ cwd: root, dot: true })]).toEqual([]);
  });

  test("boot --dry-run --json names the Windows backend and its actions", () => {
    const ran = wine(["boot", "--dry-run", "--json", "--seed", "examples/nocloud", "--root", root]);
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout);
    expect(out.target.os).toBe("windows");
    expect(out.due.map((d: { action: string }) => d.action)).toEqual(expect.arrayContaining(["hostname", "network", "users", "ssh-keys", "passwords", "write-files", "timezone", "scripts", "power-state"]));
    expect(JSON.stringify(out)).not.toContain("not-a-real-token");
  });

  test("install --root IMAGE: the Windows binary copies itself into a Windows image and sets up its first boot", () => {
    const ran = wine(["install", "--root", image, "--binary", EXE]);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(readFileSync(join(image, "Program Files/Tether/agent.exe")).equals(readFileSync(EXE))).toBe(true);
    expect(readFileSync(join(image, "Windows/Setup/Scripts/SetupComplete.cmd"), "latin1")).toBe('"C:\\Program Files\\Tether\\agent.exe" install --init windows --start\r\n');
    // Again: nothing to change, the line is not repeated.
    expect(wine(["install", "--root", image, "--binary", EXE]).code).toBe(0);
    expect(readFileSync(join(image, "Windows/Setup/Scripts/SetupComplete.cmd"), "latin1").split("\n")).toHaveLength(2);
  });
});
